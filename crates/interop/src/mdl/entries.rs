//! Splitting a `.mdl` file into its entries: `equation ~ units ~ comment |`, each part with its
//! byte range in the file. The sketch (everything after `\\\---///`) is ignored.

use std::ops::Range;

/// One `|`-terminated entry of the equation section.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The equation part (`name = expression`, `name(table)`, `dim: a, b`...).
    pub equation: Range<usize>,
    /// The units part, including any `[min,max]` range.
    pub units: Option<Range<usize>>,
    /// The comment (documentation) part.
    pub comment: Option<Range<usize>>,
}

/// The entries of the equation section, and the position of the first unterminated one, if
/// any (a file cut short).
pub fn split(text: &str) -> (Vec<Entry>, Option<usize>) {
    let end = sketch_start(text);
    let bytes = text.as_bytes();
    let mut entries = Vec::new();
    let mut i = 0;
    // Byte ranges of the parts of the current entry (split at `~`).
    let mut start = 0;
    let mut tildes: Vec<usize> = Vec::new();
    while i < end {
        match bytes[i] {
            b'{' => {
                // A comment; `{UTF-8}` at the top is one too.
                i = skip_until(bytes, i + 1, end, b'}');
            }
            b'"' if tildes.is_empty() => {
                // A quoted name (in the equation part: units and comments are free text, where
                // a quote is just a character); `\"` inside it is an escaped quote.
                i = (i + super::expr::quoted_len(&text[i..end])).min(end);
            }
            b'~' => {
                tildes.push(i);
                i += 1;
            }
            b'|' => {
                entries.push(make_entry(start, &tildes, i));
                tildes.clear();
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    let rest = text[start..end].trim();
    // Vensim files may end the equations with a macro end marker or nothing at all.
    let unterminated = (!rest.is_empty() && !rest.starts_with(":END OF MACRO:")).then_some(start);
    (entries, unterminated)
}

/// Where the sketch starts: the marker `\\\---///` (Vensim writes three backslashes; files
/// edited by hand may have two), or the end of the text.
pub fn sketch_start(text: &str) -> usize {
    match text.find("\\\\---///") {
        Some(mut p) => {
            while p > 0 && text.as_bytes()[p - 1] == b'\\' {
                p -= 1;
            }
            p
        }
        None => text.len(),
    }
}

/// The index after the closing `close` (or `end`).
fn skip_until(bytes: &[u8], mut i: usize, end: usize, close: u8) -> usize {
    while i < end && bytes[i] != close {
        i += 1;
    }
    (i + 1).min(end)
}

fn make_entry(start: usize, tildes: &[usize], bar: usize) -> Entry {
    let eq_end = tildes.first().copied().unwrap_or(bar);
    let units = tildes
        .first()
        .map(|&t| t + 1..tildes.get(1).copied().unwrap_or(bar));
    let comment = tildes.get(1).map(|&t| t + 1..bar);
    Entry {
        equation: start..eq_end,
        units,
        comment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_split_at_bars_and_tildes_outside_comments_and_quotes() {
        let text =
            "{UTF-8}\nx = 1 {a | b ~}\n ~ m ~ doc |\n\"a|b\" = 2 ~~|\n\\\\\\---/// sketch | ~";
        let (e, rest) = split(text);
        assert_eq!(rest, None);
        assert_eq!(e.len(), 2);
        assert_eq!(
            text[e[0].equation.clone()].trim(),
            "{UTF-8}\nx = 1 {a | b ~}"
        );
        assert_eq!(text[e[0].units.clone().unwrap()].trim(), "m");
        assert_eq!(text[e[0].comment.clone().unwrap()].trim(), "doc");
        assert_eq!(text[e[1].equation.clone()].trim(), "\"a|b\" = 2");
        assert_eq!(text[e[1].units.clone().unwrap()].trim(), "");
    }

    #[test]
    fn an_unterminated_entry_is_reported() {
        let (e, rest) = split("x = 1 ~~|\ny = 2 ~");
        assert_eq!(e.len(), 1);
        assert_eq!(rest, Some(9));
    }
}
