//! Vensim's external data: `GET XLS DATA`/`GET DIRECT DATA`, `GET XLS CONSTANTS`/`GET DIRECT
//! CONSTANTS` and `GET XLS LOOKUPS`/`GET DIRECT LOOKUPS`, read from `.xlsx`/`.xls`/`.xlsm`/
//! `.ods` workbooks (through the pure-Rust `calamine` reader) or from `.csv`/`.tab` text
//! files, named relative to the model file.
//!
//! The semantics follow Vensim's documentation (and PySD's reading of it, checked against the
//! SDXorg suite):
//!
//! - `CONSTANTS(file, tab, cell)`: `cell` is the top-left cell of the values (`B2`) or the
//!   name of a cell range. An entry with subscripts reads a block: one row across for one
//!   subscript, rows by the first subscripts and columns by the last for more (subscripts
//!   standing for one element count for neither); a `*` after the cell (`'B2*'`) reads it
//!   transposed (one subscript down a column).
//! - `DATA(file, tab, time_row_or_col, cell)` and `LOOKUPS(file, tab, x_row_or_col, cell)`:
//!   a row number (`'4'`) puts the times (x values) across that row, from `cell`'s column
//!   on, and the values in the rows from `cell` down, one row per element of the entry; a
//!   column letter (`'A'`) puts them down that column, from `cell`'s row on, one column per
//!   element; two cell-range names give the times and the values. Empty cells after the last
//!   time end the series; a time cell left empty drops its values; times out of order are
//!   sorted; an empty value cell is filled by the variable's interpolation (linear, or held
//!   backward, or looked forward; the end value beyond the first or last known one).
//!
//! A text file's `tab` argument is its separator when it is not a letter or digit (`','`,
//! `'\t'`), else `,` for `.csv` and a tab otherwise.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Which GET function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Get {
    Data,
    Constants,
    Lookups,
    Subscript,
}

/// A GET call: which, and its arguments without their quotes.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub get: Get,
    pub args: Vec<String>,
}

/// The GET call that is the whole of `text` (spaces and a pair of parentheses around it
/// allowed), or None when `text` is something else; an error (offset in `text`, message) for
/// a GET call with wrong arguments.
pub(crate) fn call(text: &str) -> Option<Result<Call, (usize, String)>> {
    let lead = text.len() - text.trim_start().len();
    let mut t = text.trim();
    let mut offset = lead;
    // `name( GET XLS LOOKUPS(...) )` arrives as the inside of the outer parentheses; a
    // further pair is allowed.
    while let Some(inner) = t.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
        let l = inner.len() - inner.trim_start().len();
        offset += 1 + l;
        t = inner.trim();
    }
    for (get, names) in [
        (
            Get::Data,
            ["get_xls_data", "get_direct_data", "get_123_data"],
        ),
        (
            Get::Constants,
            [
                "get_xls_constants",
                "get_direct_constants",
                "get_123_constants",
            ],
        ),
        (
            Get::Lookups,
            ["get_xls_lookups", "get_direct_lookups", "get_123_lookups"],
        ),
        (
            Get::Subscript,
            [
                "get_xls_subscript",
                "get_direct_subscript",
                "get_123_subscript",
            ],
        ),
    ] {
        for name in names {
            let Some(args) = super::expr::call_args(t, name) else {
                continue;
            };
            let inner = &t[args.clone()];
            let want = match get {
                Get::Constants => 3,
                Get::Subscript => 5,
                _ => 4,
            };
            let parts = split_quoted(inner);
            let mut out = Vec::new();
            for p in &parts {
                let a = inner[p.clone()].trim_matches(|c: char| c.is_whitespace() || c == '\\');
                let unquoted = a
                    .strip_prefix('\'')
                    .and_then(|s| s.strip_suffix('\''))
                    .or_else(|| a.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
                match unquoted {
                    // A subscript prefix is kept as written ('row ' names `row 1`).
                    Some(s) if get == Get::Subscript && out.len() == 4 => out.push(s.to_string()),
                    Some(s) => out.push(s.trim().to_string()),
                    None => {
                        return Some(Err((
                            offset + args.start + p.start,
                            format!(
                                "the arguments of {} are quoted texts ('file', 'sheet', ...); \
                                 found '{a}'",
                                name.to_ascii_uppercase().replace('_', " ")
                            ),
                        )))
                    }
                }
            }
            if out.len() != want {
                return Some(Err((
                    offset,
                    format!(
                        "{} takes {want} arguments ({}), found {}",
                        name.to_ascii_uppercase().replace('_', " "),
                        match want {
                            3 => "file, sheet, cell",
                            5 => "file, sheet, first cell, last cell, prefix",
                            _ => "file, sheet, row or column of the times, first cell",
                        },
                        out.len()
                    ),
                )));
            }
            if let Some(a) = out.iter().find(|a| a.starts_with('?')) {
                return Some(Err((
                    offset,
                    format!(
                        "'{a}' is an indirect reference (to a file named in the model's \
                         settings), which is not supported; name the file itself"
                    ),
                )));
            }
            return Some(Ok(Call { get, args: out }));
        }
    }
    None
}

/// The comma-separated parts of `text` (ranges into it), commas inside '...' or "..." kept.
fn split_quoted(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, ',') => {
                parts.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(start..text.len());
    parts
}

/// One sheet's cells as numbers (None for an empty cell or one that is not a number), rows
/// and columns counted from 0 at `A1`.
#[derive(Debug, Default)]
pub(crate) struct Grid {
    rows: Vec<Vec<Option<f64>>>,
    /// The cells holding text that is not a number (for subscript names).
    labels: HashMap<(usize, usize), String>,
}

impl Grid {
    fn get(&self, row: usize, col: usize) -> Option<f64> {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .copied()
            .flatten()
    }

    /// A cell as a name: its text, or its number (whole numbers without a decimal point).
    fn label(&self, row: usize, col: usize) -> Option<String> {
        if let Some(t) = self.labels.get(&(row, col)) {
            return Some(t.clone());
        }
        self.get(row, col).map(|x| {
            if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{}", x as i64)
            } else {
                format!("{x}")
            }
        })
    }

    fn height(&self) -> usize {
        self.rows.len()
    }

    fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }
}

/// A rectangle of cells, inclusive, 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Block {
    pub r0: usize,
    pub c0: usize,
    pub r1: usize,
    pub c1: usize,
}

impl Block {
    fn rows(&self) -> usize {
        self.r1 - self.r0 + 1
    }
    fn cols(&self) -> usize {
        self.c1 - self.c0 + 1
    }
}

/// An opened data file: its sheets (read when first asked for) and its named cell ranges
/// (name, formula such as `Sheet1!$B$2:$D$2`).
struct Book {
    path: PathBuf,
    sheets: HashMap<String, Rc<Grid>>,
    names: Vec<(String, String)>,
    /// For a text file: its one grid (every sheet name gives it).
    text: Option<Rc<Grid>>,
    workbook: Option<calamine::Sheets<std::io::BufReader<std::fs::File>>>,
}

/// The data files of one model, opened once each.
pub(crate) struct Files {
    dir: PathBuf,
    books: HashMap<String, Book>,
}

/// Where an error is: `file 'inputs.xlsx', sheet 'Sheet1'`.
fn at(file: &str, tab: &str) -> String {
    format!("file '{file}', sheet '{tab}'")
}

/// `B2` for 0-based (1, 1).
pub(crate) fn cell_name(row: usize, col: usize) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let r = (c - 1) % 26;
        letters.push((b'A' + r as u8) as char);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", letters.into_iter().collect::<String>(), row + 1)
}

/// A column's letters (`A`, `AB`) as a 0-based index; None when `s` is not 1 to 3 letters.
pub(crate) fn column(s: &str) -> Option<usize> {
    if s.is_empty() || s.len() > 3 || !s.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut n = 0usize;
    for c in s.chars() {
        n = n * 26 + (c.to_ascii_uppercase() as u8 - b'A' + 1) as usize;
    }
    Some(n - 1)
}

/// A cell such as `B2` (or `$B$2`) as 0-based (row, column); None when it is not one.
pub(crate) fn cell(s: &str) -> Option<(usize, usize)> {
    let s: String = s.chars().filter(|&c| c != '$').collect();
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    let col = column(letters)?;
    if !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 7 {
        return None;
    }
    let row: usize = digits.parse().ok()?;
    (row >= 1).then_some((row - 1, col))
}

/// The sheet and block of a defined name's formula: `Sheet1!$B$2:$D$2`, `'My sheet'!$A$1`.
fn parse_range_formula(f: &str) -> Option<(String, Block)> {
    let f = f.trim().trim_start_matches('=');
    let bang = f.rfind('!')?;
    let sheet = f[..bang].trim();
    let sheet = match sheet.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(s) => s.replace("''", "'"),
        None => sheet.to_string(),
    };
    let cells = &f[bang + 1..];
    let (a, b) = cells.split_once(':').unwrap_or((cells, cells));
    let (r0, c0) = cell(a)?;
    let (r1, c1) = cell(b)?;
    Some((
        sheet,
        Block {
            r0: r0.min(r1),
            c0: c0.min(c1),
            r1: r0.max(r1),
            c1: c0.max(c1),
        },
    ))
}

/// A spreadsheet cell as a number: numbers, numeric text, booleans as 1/0, dates as Excel's
/// serial numbers; None for anything else (empty cells, errors, other text).
fn cell_value(d: &calamine::Data) -> Option<f64> {
    use calamine::Data;
    match d {
        Data::Int(i) => Some(*i as f64),
        Data::Float(x) => Some(*x),
        Data::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Data::String(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
        Data::DateTime(d) => Some(d.as_f64()),
        _ => None,
    }
}

/// A text table's cells: lines split at `sep`, each cell a number or None.
pub(crate) fn text_grid(text: &str, sep: &str) -> Grid {
    let mut labels = HashMap::new();
    let rows = text
        .lines()
        .enumerate()
        .map(|(r, l)| {
            l.trim_end_matches('\r')
                .split(sep)
                .enumerate()
                .map(|(c, cell)| {
                    let t = cell.trim().trim_matches('"');
                    let x = t.parse::<f64>().ok().filter(|x| x.is_finite());
                    if x.is_none() && !t.is_empty() {
                        labels.insert((r, c), t.to_string());
                    }
                    x
                })
                .collect()
        })
        .collect();
    Grid { rows, labels }
}

impl Files {
    /// Files named relative to `dir` (the model file's folder).
    pub fn new(dir: &Path) -> Self {
        Files {
            dir: dir.to_path_buf(),
            books: HashMap::new(),
        }
    }

    fn book(&mut self, file: &str, tab: &str) -> Result<&mut Book, String> {
        if !self.books.contains_key(file) {
            let path = self.dir.join(file);
            if !path.is_file() {
                return Err(format!(
                    "the data file '{file}' is not found (looked for {})",
                    path.display()
                ));
            }
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .map(|e| e.to_ascii_lowercase())
                .unwrap_or_default();
            let book = match ext.as_str() {
                "xlsx" | "xlsm" | "xlsb" | "xls" | "xla" | "xlam" | "ods" => {
                    let wb = calamine::open_workbook_auto(&path)
                        .map_err(|e| format!("cannot read the workbook '{file}': {e}"))?;
                    let names = calamine::Reader::defined_names(&wb).to_vec();
                    Book {
                        path,
                        sheets: HashMap::new(),
                        names,
                        text: None,
                        workbook: Some(wb),
                    }
                }
                _ => {
                    let bytes = std::fs::read(&path)
                        .map_err(|e| format!("cannot read the data file '{file}': {e}"))?;
                    let text = String::from_utf8_lossy(&bytes);
                    let sep = match tab.chars().next() {
                        Some(c) if !c.is_alphanumeric() => tab.to_string(),
                        _ if ext == "csv" => ",".into(),
                        _ => "\t".into(),
                    };
                    Book {
                        path,
                        sheets: HashMap::new(),
                        names: Vec::new(),
                        text: Some(Rc::new(text_grid(&text, &sep))),
                        workbook: None,
                    }
                }
            };
            self.books.insert(file.to_string(), book);
        }
        Ok(self.books.get_mut(file).expect("inserted above"))
    }

    /// A sheet's cells (sheet names compared without case, as Vensim does).
    pub fn grid(&mut self, file: &str, tab: &str) -> Result<Rc<Grid>, String> {
        let book = self.book(file, tab)?;
        if let Some(g) = &book.text {
            return Ok(g.clone());
        }
        let lower = tab.to_lowercase();
        if let Some(g) = book.sheets.get(&lower) {
            return Ok(g.clone());
        }
        let wb = book.workbook.as_mut().expect("a workbook");
        let names = calamine::Reader::sheet_names(wb);
        let Some(name) = names.iter().find(|n| n.to_lowercase() == lower).cloned() else {
            return Err(format!(
                "{}: no such sheet (the workbook {} has {})",
                at(file, tab),
                book.path.display(),
                names
                    .iter()
                    .map(|n| format!("'{n}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        let range = calamine::Reader::worksheet_range(wb, &name)
            .map_err(|e| format!("{}: cannot read the sheet: {e}", at(file, tab)))?;
        let mut rows: Vec<Vec<Option<f64>>> = Vec::new();
        let mut labels = HashMap::new();
        if let (Some((r0, c0)), Some((r1, c1))) = (range.start(), range.end()) {
            let (r0, c0, r1, c1) = (r0 as usize, c0 as usize, r1 as usize, c1 as usize);
            rows = vec![Vec::new(); r1 + 1];
            for (r, row) in rows.iter_mut().enumerate().skip(r0) {
                *row = (0..=c1)
                    .map(|c| {
                        if c < c0 {
                            return None;
                        }
                        let d = range.get_value((r as u32, c as u32))?;
                        let x = cell_value(d);
                        if let (None, calamine::Data::String(t)) = (x, d) {
                            if !t.trim().is_empty() {
                                labels.insert((r, c), t.trim().to_string());
                            }
                        }
                        x
                    })
                    .collect();
            }
        }
        let g = Rc::new(Grid { rows, labels });
        book.sheets.insert(lower, g.clone());
        Ok(g)
    }

    /// The first row of a sheet or text file as names (empty where a cell is empty): a
    /// data set's column names.
    pub fn header(&mut self, file: &str, tab: &str) -> Result<Vec<String>, String> {
        let grid = self.grid(file, tab)?;
        Ok((0..grid.width())
            .map(|c| grid.label(0, c).unwrap_or_default())
            .collect())
    }

    /// The block a cell-range name gives on `tab` (a name defined for that sheet, or for
    /// the workbook on it).
    pub fn named(&mut self, file: &str, tab: &str, name: &str) -> Result<Block, String> {
        let book = self.book(file, tab)?;
        let candidates: Vec<(String, Block)> = book
            .names
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .filter_map(|(_, f)| parse_range_formula(f))
            .collect();
        if let Some((_, b)) = candidates
            .iter()
            .find(|(s, _)| s.to_lowercase() == tab.to_lowercase())
        {
            return Ok(*b);
        }
        match candidates.first() {
            Some((s, _)) => Err(format!(
                "{}: the cell range '{name}' is on sheet '{s}', not this one",
                at(file, tab)
            )),
            None => Err(format!(
                "{}: '{name}' is neither a cell (such as B2) nor a cell range named in the \
                 workbook",
                at(file, tab)
            )),
        }
    }

    /// `cell` as a block: a named range, or one cell (its top-left).
    fn block_or_cell(&mut self, file: &str, tab: &str, cell_text: &str) -> Result<Block, String> {
        match cell(cell_text) {
            Some((r, c)) => Ok(Block {
                r0: r,
                c0: c,
                r1: r,
                c1: c,
            }),
            None => self.named(file, tab, cell_text),
        }
    }

    /// The elements of `GET XLS|DIRECT SUBSCRIPT(file, tab, first cell, last cell, prefix)`:
    /// the prefix and each non-empty cell of the block, row by row. The last cell may be a
    /// cell, a row number or a column letter (to the end of the other way), or empty (to
    /// the end of both); the first may be a cell-range name.
    pub fn subscript(&mut self, args: &[String]) -> Result<Vec<String>, String> {
        let (file, tab, first, last, prefix) = (&args[0], &args[1], &args[2], &args[3], &args[4]);
        let grid = self.grid(file, tab)?;
        let (r0, c0, r1, c1) = match cell(first) {
            Some((r0, c0)) => {
                let (h, w) = (grid.height().max(1) - 1, grid.width().max(1) - 1);
                let last = last.trim();
                match (cell(last), last.parse::<usize>(), column(last)) {
                    (Some((r1, c1)), _, _) => (r0, c0, r1, c1),
                    (_, Ok(row), _) if row >= 1 => (r0, c0, row - 1, w),
                    (_, _, Some(c1)) => (r0, c0, h, c1),
                    _ if last.is_empty() => (r0, c0, h, w),
                    _ => {
                        return Err(format!(
                            "{}: '{last}' is not a cell, a row number or a column",
                            at(file, tab)
                        ))
                    }
                }
            }
            None => {
                let b = self.named(file, tab, first)?;
                (b.r0, b.c0, b.r1, b.c1)
            }
        };
        let mut out = Vec::new();
        for r in r0..=r1.min(grid.height().saturating_sub(1)) {
            for c in c0..=c1.min(grid.width().saturating_sub(1)) {
                if let Some(l) = grid.label(r, c) {
                    out.push(format!("{prefix}{l}"));
                }
            }
        }
        if out.is_empty() {
            return Err(format!(
                "{}: no subscript names in the cells from {}",
                at(file, tab),
                cell_name(r0, c0)
            ));
        }
        Ok(out)
    }

    /// The values of `GET ... CONSTANTS(file, tab, cell)` for an entry whose subscripts
    /// have `counts` elements each, row-major (one value for no subscripts).
    pub fn constants(&mut self, args: &[String], counts: &[usize]) -> Result<Vec<f64>, String> {
        let (file, tab, spec) = (&args[0], &args[1], args[2].as_str());
        let total: usize = counts.iter().product();
        let transpose = spec.ends_with('*') && total > 1;
        let spec = spec.trim_end_matches('*').trim();
        // The block's shape: (rows, columns) by the subscripts of more than one element, in
        // the entry's order (a single element, `x[dim, female]`, takes no row or column).
        let big: Vec<usize> = counts.iter().copied().filter(|&c| c > 1).collect();
        let (rows, cols) = match big.len() {
            0 => (1, 1),
            n => (big[..n - 1].iter().product(), big[n - 1]),
        };
        let (rows_read, cols_read) = if transpose {
            (cols, rows)
        } else {
            (rows, cols)
        };
        let grid = self.grid(file, tab)?;
        let start =
            match cell(spec) {
                Some(rc) => rc,
                None => {
                    let b = self.named(file, tab, spec)?;
                    if b.rows() != rows_read || b.cols() != cols_read {
                        return Err(format!(
                        "{}: the cell range '{spec}' is {} by {}, the variable needs {rows_read} \
                         by {cols_read}{}",
                        at(file, tab),
                        b.rows(),
                        b.cols(),
                        if transpose { " (read transposed, '*')" } else { "" }
                    ));
                    }
                    (b.r0, b.c0)
                }
            };
        let mut out = Vec::with_capacity(total);
        for i in 0..rows {
            for j in 0..cols {
                let (r, c) = if transpose {
                    (start.0 + j, start.1 + i)
                } else {
                    (start.0 + i, start.1 + j)
                };
                match grid.get(r, c) {
                    Some(x) => out.push(x),
                    None => {
                        return Err(format!(
                            "{}, cell {}: empty or not a number (reading {} values from {}{})",
                            at(file, tab),
                            cell_name(r, c),
                            total,
                            cell_name(start.0, start.1),
                            if transpose { ", transposed" } else { "" }
                        ))
                    }
                }
            }
        }
        Ok(out)
    }

    /// The x values (times) and, per element of the entry (`size` of them), the y values of
    /// `GET ... DATA|LOOKUPS(file, tab, x_row_or_col, cell)`, missing values filled by
    /// `fill`.
    pub fn series(
        &mut self,
        args: &[String],
        size: usize,
        fill: Fill,
    ) -> Result<(Vec<f64>, Vec<Vec<f64>>), String> {
        let (file, tab, xspec, spec) = (&args[0], &args[1], args[2].as_str(), args[3].as_str());
        let grid = self.grid(file, tab)?;
        let place = at(file, tab);
        // (x cells, per element: value cells), each as (row, col).
        let mut xs: Vec<(usize, usize)> = Vec::new();
        let mut ys: Vec<Vec<(usize, usize)>> = vec![Vec::new(); size];
        let by_name;
        if let (Ok(row), Some((r0, c0))) = (xspec.parse::<usize>(), cell(spec)) {
            // Times across a row; values in the rows from the cell down.
            if row == 0 {
                return Err(format!("{place}: row '0' does not exist (rows start at 1)"));
            }
            for c in c0..grid.width() {
                xs.push((row - 1, c));
                for (e, y) in ys.iter_mut().enumerate() {
                    y.push((r0 + e, c));
                }
            }
            by_name = false;
        } else if let (Some(col), Some((r0, c0))) = (column(xspec), cell(spec)) {
            // Times down a column; values in the columns from the cell on.
            for r in r0..grid.height() {
                xs.push((r, col));
                for (e, y) in ys.iter_mut().enumerate() {
                    y.push((r, c0 + e));
                }
            }
            by_name = false;
        } else {
            let xb = self.block_or_cell(file, tab, xspec)?;
            let yb = self.block_or_cell(file, tab, spec)?;
            if xb.rows() > 1 && xb.cols() > 1 {
                return Err(format!(
                    "{place}: the cell range '{xspec}' of the times is a table, not a row or \
                     a column"
                ));
            }
            let across = xb.cols() > 1 || (xb.rows() == 1 && yb.rows() == size);
            let n = xb.rows().max(xb.cols());
            let (len, width) = if across {
                (yb.cols(), yb.rows())
            } else {
                (yb.rows(), yb.cols())
            };
            if len != n || width != size {
                return Err(format!(
                    "{place}: the cell range '{spec}' is {} by {}; with {n} times in '{xspec}' \
                     and {size} element(s) it must be {} by {}",
                    yb.rows(),
                    yb.cols(),
                    if across { size } else { n },
                    if across { n } else { size },
                ));
            }
            for k in 0..n {
                if across {
                    xs.push((xb.r0, xb.c0 + k));
                } else {
                    xs.push((xb.r0 + k, xb.c0));
                }
                for (e, y) in ys.iter_mut().enumerate() {
                    y.push(if across {
                        (yb.r0 + e, yb.c0 + k)
                    } else {
                        (yb.r0 + k, yb.c0 + e)
                    });
                }
            }
            by_name = true;
        }
        // Empty cells after the last time end the series (not for named ranges).
        if !by_name {
            while xs.last().is_some_and(|&(r, c)| grid.get(r, c).is_none()) {
                xs.pop();
                for y in &mut ys {
                    y.pop();
                }
            }
        }
        // Times left empty drop their values.
        let mut points: Vec<(f64, usize)> = Vec::new();
        for (k, &(r, c)) in xs.iter().enumerate() {
            if let Some(x) = grid.get(r, c) {
                points.push((x, k));
            }
        }
        if points.is_empty() {
            return Err(format!(
                "{place}: no times (x values) at '{xspec}'{}",
                if by_name {
                    String::new()
                } else {
                    format!(" from {}", cell_name(xs.first().map_or(0, |p| p.0), 0))
                }
            ));
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        if let Some(w) = points.windows(2).find(|w| w[0].0 == w[1].0) {
            let (r, c) = xs[w[1].1];
            return Err(format!(
                "{place}, cell {}: the time (x value) {} is repeated",
                cell_name(r, c),
                w[1].0
            ));
        }
        let x: Vec<f64> = points.iter().map(|p| p.0).collect();
        let mut out = Vec::with_capacity(size);
        for y in &ys {
            let raw: Vec<Option<f64>> = points
                .iter()
                .map(|&(_, k)| grid.get(y[k].0, y[k].1))
                .collect();
            if raw.iter().all(Option::is_none) {
                let (r, c) = y[points[0].1];
                return Err(format!(
                    "{place}: no values for the times at '{xspec}' (the cells from {} are \
                     empty or not numbers)",
                    cell_name(r, c)
                ));
            }
            out.push(fill_missing(&x, &raw, fill));
        }
        Ok((x, out))
    }
}

/// How a missing value in a series is filled: the variable's interpolation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fill {
    Linear,
    HoldBackward,
    LookForward,
    /// `:RAW:`: values only at the data's own times (`:NA:` between them); an empty cell is
    /// filled like HOLD BACKWARD's.
    Raw,
}

/// The values of a series with the missing ones filled from the known ones: before the first
/// or after the last known value that value; between, by `fill`. At least one value must be
/// known.
pub(crate) fn fill_missing(x: &[f64], y: &[Option<f64>], fill: Fill) -> Vec<f64> {
    let known: Vec<usize> = (0..y.len()).filter(|&i| y[i].is_some()).collect();
    (0..y.len())
        .map(|i| {
            if let Some(v) = y[i] {
                return v;
            }
            let before = known.iter().rev().find(|&&k| k < i);
            let after = known.iter().find(|&&k| k > i);
            match (before, after) {
                (Some(&b), None) => y[b].unwrap_or(f64::NAN),
                (None, Some(&a)) => y[a].unwrap_or(f64::NAN),
                (Some(&b), Some(&a)) => {
                    let (yb, ya) = (y[b].unwrap_or(f64::NAN), y[a].unwrap_or(f64::NAN));
                    match fill {
                        Fill::HoldBackward | Fill::Raw => yb,
                        Fill::LookForward => ya,
                        Fill::Linear => yb + (ya - yb) * (x[i] - x[b]) / (x[a] - x[b]),
                    }
                }
                (None, None) => f64::NAN,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_columns() {
        assert_eq!(cell("A1"), Some((0, 0)));
        assert_eq!(cell("b16"), Some((15, 1)));
        assert_eq!(cell("$AB$3"), Some((2, 27)));
        assert_eq!(cell("A0"), None);
        assert_eq!(cell("value1"), None);
        assert_eq!(cell("Time"), None);
        assert_eq!(column("A"), Some(0));
        assert_eq!(column("Z"), Some(25));
        assert_eq!(column("AA"), Some(26));
        assert_eq!(column("ABCD"), None);
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(2, 27), "AB3");
        assert_eq!(cell_name(0, 701), "ZZ1");
        assert_eq!(cell_name(0, 702), "AAA1");
    }

    #[test]
    fn range_formulas() {
        assert_eq!(
            parse_range_formula("Global!$A$2:$A$7"),
            Some((
                "Global".into(),
                Block {
                    r0: 1,
                    c0: 0,
                    r1: 6,
                    c1: 0
                }
            ))
        );
        assert_eq!(
            parse_range_formula("'It''s'!$C$3"),
            Some((
                "It's".into(),
                Block {
                    r0: 2,
                    c0: 2,
                    r1: 2,
                    c1: 2
                }
            ))
        );
        assert_eq!(parse_range_formula("#REF!"), None);
    }

    #[test]
    fn missing_values_are_filled_by_the_interpolation() {
        let x = [0.0, 1.0, 2.0, 3.0, 4.0];
        let y = [None, Some(2.0), None, Some(6.0), None];
        assert_eq!(
            fill_missing(&x, &y, Fill::Linear),
            vec![2.0, 2.0, 4.0, 6.0, 6.0]
        );
        assert_eq!(
            fill_missing(&x, &y, Fill::HoldBackward),
            vec![2.0, 2.0, 2.0, 6.0, 6.0]
        );
        assert_eq!(
            fill_missing(&x, &y, Fill::LookForward),
            vec![2.0, 2.0, 6.0, 6.0, 6.0]
        );
    }

    #[test]
    fn calls_are_recognised_with_their_arguments() {
        let c = call(" GET XLS DATA('in.xlsx', 'Sheet1' , '4', 'C5' )")
            .unwrap()
            .unwrap();
        assert_eq!(c.get, Get::Data);
        assert_eq!(c.args, ["in.xlsx", "Sheet1", "4", "C5"]);
        let c = call("\n (GET_DIRECT_CONSTANTS('a b.csv', ',', 'B2*'))")
            .unwrap()
            .unwrap();
        assert_eq!(c.get, Get::Constants);
        assert_eq!(c.args, ["a b.csv", ",", "B2*"]);
        assert!(call("GET XLS DATA('a', 'b')").unwrap().is_err());
        assert!(call("GET XLS DATA(a, 'b', '1', 'A2')").unwrap().is_err());
        assert!(call("GET XLS DATA('?data', 'b', '1', 'A2')")
            .unwrap()
            .is_err());
        assert!(call("2 * GET XLS CONSTANTS('a', 'b', 'A1')").is_none());
        assert!(call("x + 1").is_none());
    }

    fn files_with(dir: &Path, name: &str, text: &str) -> Files {
        std::fs::write(dir.join(name), text).unwrap();
        Files::new(dir)
    }

    #[test]
    fn constants_read_across_down_and_as_blocks() {
        let dir = tempfile::tempdir().unwrap();
        // A1 is blank; the block starts at B2.
        let mut f = files_with(dir.path(), "c.csv", ",,,\n,1,2,3\n,4,5,6\n,7,8,9\n");
        let a = |cell: &str| vec!["c.csv".to_string(), ",".into(), cell.to_string()];
        assert_eq!(f.constants(&a("B2"), &[]).unwrap(), vec![1.0]);
        assert_eq!(f.constants(&a("B2"), &[3]).unwrap(), vec![1.0, 2.0, 3.0]);
        assert_eq!(f.constants(&a("B2*"), &[3]).unwrap(), vec![1.0, 4.0, 7.0]);
        assert_eq!(
            f.constants(&a("B2"), &[2, 3]).unwrap(),
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
        );
        assert_eq!(
            f.constants(&a("B2*"), &[3, 2]).unwrap(),
            vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
        );
        // One element takes no row: rows by the other first subscripts, columns by the last.
        assert_eq!(
            f.constants(&a("B2"), &[1, 3, 2]).unwrap(),
            vec![1.0, 2.0, 4.0, 5.0, 7.0, 8.0]
        );
        assert_eq!(f.constants(&a("B2"), &[3, 1]).unwrap(), vec![1.0, 2.0, 3.0]);
        // Three subscripts of two: four rows of two, the fourth (row 5) not there.
        let e = f.constants(&a("B2"), &[2, 2, 2]).unwrap_err();
        assert!(e.contains("cell B5"), "{e}");
        let e = f.constants(&a("C3"), &[3]).unwrap_err();
        assert!(e.contains("cell E3") && e.contains("c.csv"), "{e}");
        let e = f.constants(&a("Nowhere"), &[3]).unwrap_err();
        assert!(e.contains("'Nowhere'"), "{e}");
        let e = Files::new(dir.path())
            .constants(&["missing.csv".into(), ",".into(), "A1".into()], &[])
            .unwrap_err();
        assert!(e.contains("'missing.csv' is not found"), "{e}");
    }

    #[test]
    fn subscripts_are_the_prefixed_names_of_cells() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = files_with(dir.path(), "s.csv", "x,north,south\n,1,2\n,3,\n");
        let a = |first: &str, last: &str| {
            ["s.csv", ",", first, last, "P "]
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(f.subscript(&a("B1", "C1")).unwrap(), ["P north", "P south"]);
        assert_eq!(f.subscript(&a("B2", "")).unwrap(), ["P 1", "P 2", "P 3"]);
        assert_eq!(f.subscript(&a("B2", "B")).unwrap(), ["P 1", "P 3"]);
        assert_eq!(f.subscript(&a("B1", "1")).unwrap(), ["P north", "P south"]);
        assert!(f
            .subscript(&a("A2", "A3"))
            .unwrap_err()
            .contains("no subscript names"));
    }

    #[test]
    fn series_read_across_a_row_or_down_a_column() {
        let dir = tempfile::tempdir().unwrap();
        // Times in row 1 from B1; two elements' values in rows 2 and 3; a missing value.
        let mut f = files_with(
            dir.path(),
            "d.tab",
            "t\t0\t1\t3\t\nx\t10\t\t30\na\t1\t2\t3\n",
        );
        let args = |x: &str, c: &str| {
            vec![
                "d.tab".to_string(),
                "Sheet".into(),
                x.to_string(),
                c.to_string(),
            ]
        };
        let (x, y) = f.series(&args("1", "B2"), 2, Fill::Linear).unwrap();
        assert_eq!(x, vec![0.0, 1.0, 3.0]);
        assert_eq!(
            y,
            vec![vec![10.0, 10.0 + 20.0 / 3.0, 30.0], vec![1.0, 2.0, 3.0]]
        );
        let (_, y) = f.series(&args("1", "B2"), 1, Fill::HoldBackward).unwrap();
        assert_eq!(y, vec![vec![10.0, 10.0, 30.0]]);
        // Times down column A from A2 (1 and 2 below the header row... here rows 2-3 read
        // 'x' and 'a', not numbers: an error naming the place).
        let e = f.series(&args("A", "B2"), 1, Fill::Linear).unwrap_err();
        assert!(e.contains("no times"), "{e}");
        let mut g = files_with(dir.path(), "v.csv", "time,a,b\n0,1,5\n2,3,\n4,5,9\n,,\n");
        let (x, y) = g
            .series(
                &["v.csv".into(), ",".into(), "A".into(), "B2".into()],
                2,
                Fill::Linear,
            )
            .unwrap();
        assert_eq!(x, vec![0.0, 2.0, 4.0]);
        assert_eq!(y, vec![vec![1.0, 3.0, 5.0], vec![5.0, 7.0, 9.0]]);
    }
}
