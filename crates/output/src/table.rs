//! CSV tables built in memory through `csv::Writer`: the one place that decides how a CSV cell
//! is quoted, for every output file of the workspace.

/// A CSV table being built in memory: rows go through a `csv::Writer`, so a cell that holds a
/// comma, a double quote or a line break is quoted (quotes doubled) and any CSV reader reads it
/// back as written. Lines end with `\n`; rows may differ in length (a ragged table is the
/// caller's choice, not an error).
///
/// Numbers are the caller's to format (each output documents its own number format); this type
/// only joins and quotes cells.
///
/// ```
/// use pressure_output::CsvTable;
///
/// let mut t = CsvTable::with_header(["name", "note"]);
/// t.row(["gdp", "real, 2015 \"prices\""]);
/// assert_eq!(t.into_string(), "name,note\ngdp,\"real, 2015 \"\"prices\"\"\"\n");
/// ```
#[derive(Debug)]
pub struct CsvTable {
    writer: csv::Writer<Vec<u8>>,
}

/// Writing into a `Vec<u8>` cannot fail, and with `flexible(true)` neither can a row of another
/// length: the only errors `csv::Writer` reports on memory.
const MEMORY_WRITE: &str = "a CSV writer over memory with flexible rows cannot fail";

impl Default for CsvTable {
    fn default() -> Self {
        CsvTable::new()
    }
}

impl CsvTable {
    /// An empty table (no header).
    pub fn new() -> Self {
        CsvTable {
            writer: csv::WriterBuilder::new()
                .flexible(true)
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new()),
        }
    }

    /// A table whose first row is `header`.
    pub fn with_header<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let mut t = CsvTable::new();
        t.row(header);
        t
    }

    /// Appends one row of cells.
    pub fn row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        self.writer.write_record(cells).expect(MEMORY_WRITE);
        self
    }

    /// The table's bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.writer.into_inner().expect(MEMORY_WRITE)
    }

    /// The table as text. Cells given as `&str`/`String` make valid UTF-8; other bytes are
    /// replaced by U+FFFD.
    pub fn into_string(self) -> String {
        match String::from_utf8(self.into_bytes()) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

/// The rows of a CSV text (header included, rows of any length), each a vector of its cells
/// unquoted: how any CSV reader reads back what [`CsvTable`] wrote. For checks that a table's
/// names, units and sources survive quoting.
///
/// ```
/// use pressure_output::{read_records, CsvTable};
///
/// let mut t = CsvTable::with_header(["name", "note"]);
/// t.row(["gdp", "real, 2015 \"prices\"\n"]);
/// let rows = read_records(&t.into_string()).unwrap();
/// assert_eq!(rows[1], ["gdp", "real, 2015 \"prices\"\n"]);
/// ```
pub fn read_records(text: &str) -> Result<Vec<Vec<String>>, csv::Error> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.map(|r| r.iter().map(str::to_string).collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_back(text: &str) -> Vec<Vec<String>> {
        read_records(text).unwrap()
    }

    #[test]
    fn plain_cells_are_not_quoted() {
        let mut t = CsvTable::with_header(["time", "x"]);
        t.row(["0", "1.5"]).row(["1", ""]);
        assert_eq!(t.into_string(), "time,x\n0,1.5\n1,\n");
    }

    #[test]
    fn commas_quotes_and_line_breaks_round_trip() {
        let nasty = "a, \"b\"\nc\r\nd";
        let mut t = CsvTable::with_header(["name", "value"]);
        t.row([nasty, "1"]);
        let text = t.into_string();
        assert_eq!(
            read_back(&text),
            vec![vec!["name", "value"], vec![nasty, "1"]]
        );
        assert!(
            text.starts_with("name,value\n\"a, \"\"b\"\"\nc\r\nd\",1\n"),
            "{text:?}"
        );
    }

    #[test]
    fn rows_may_differ_in_length() {
        let mut t = CsvTable::new();
        t.row(["a", "b", "c"]).row(["d"]);
        assert_eq!(t.into_string(), "a,b,c\nd\n");
    }
}
