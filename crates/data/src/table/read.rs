//! Reading CSV into a [`Table`]: declared or inferred column types, missing-value tokens,
//! column selection, required columns and key uniqueness, with errors naming file, row and
//! column.

use super::{Column, ColumnType, Table, TextBuilder};
use crate::error::{DataError, Location, Result};
use std::path::Path;

/// Cells read as a missing value in numeric columns by default.
///
/// Text columns treat only the empty cell as missing, because `NA` is a valid text value
/// (Namibia's ISO-2 code).
pub const DEFAULT_MISSING: &[&str] = &["", "NA", "NaN", "nan", "N/A", "NULL", "null", "."];

/// How to read a CSV file into a [`Table`].
///
/// Columns without a declared type are inferred: integers if every non-missing cell is an
/// integer, numbers if every non-missing cell is a number, text otherwise (a column whose cells
/// are all missing becomes a `Float` column of `NaN`). Declare the type of every column whose
/// content you rely on: then a stray cell is an error naming file, row and column instead of a
/// silently inferred text column.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    types: Vec<(String, ColumnType)>,
    select: Option<Vec<String>>,
    require: Vec<String>,
    unique_key: Option<Vec<String>>,
    missing: Vec<String>,
    delimiter: u8,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            types: Vec::new(),
            select: None,
            require: Vec::new(),
            unique_key: None,
            missing: DEFAULT_MISSING.iter().map(|s| s.to_string()).collect(),
            delimiter: b',',
        }
    }
}

impl ReadOptions {
    /// Default options: comma-separated, header row, all columns, types inferred.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares the type of column `name` (the column must then exist).
    pub fn column_type(mut self, name: impl Into<String>, ty: ColumnType) -> Self {
        let name = name.into();
        self.types.retain(|(n, _)| *n != name);
        self.types.push((name, ty));
        self
    }

    /// Declares several columns of the same type.
    pub fn column_types<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
        ty: ColumnType,
    ) -> Self {
        for n in names {
            self = self.column_type(n, ty);
        }
        self
    }

    /// Keeps only these columns, in this order (others are not parsed, which is faster).
    pub fn select<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.select = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Columns that must be present (an error names the file and lists the header otherwise).
    pub fn require<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.require.extend(names.into_iter().map(Into::into));
        self
    }

    /// Columns whose combined values must be unique (e.g. `["country", "year"]`); a repeat is a
    /// [`DataError::DuplicateKey`] naming both rows.
    pub fn unique_key<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.unique_key = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Replaces the tokens read as missing in numeric columns (default [`DEFAULT_MISSING`]).
    pub fn missing_tokens<S: Into<String>>(mut self, tokens: impl IntoIterator<Item = S>) -> Self {
        self.missing = tokens.into_iter().map(Into::into).collect();
        self
    }

    /// Field delimiter (default `,`).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    fn missing_set(&self) -> Missing<'_> {
        Missing {
            tokens: &self.missing,
            numeric: self
                .missing
                .iter()
                .any(|m| m.trim().parse::<f64>().is_ok_and(f64::is_finite)),
        }
    }
}

/// The missing-value tokens, and whether one of them looks like a number (such as `-999`), in
/// which case tokens must be checked before parsing rather than only after a failed parse.
#[derive(Clone, Copy)]
struct Missing<'a> {
    tokens: &'a [String],
    numeric: bool,
}

impl Missing<'_> {
    fn contains(&self, cell: &[u8]) -> bool {
        self.tokens.iter().any(|m| m.as_bytes() == cell)
    }
}

impl Table {
    /// Reads the CSV file at `path`. Errors name the path, the row (header = row 1) and the column.
    ///
    /// The whole file is read into memory first; a 1,000,000-row panel with a dozen columns takes
    /// a few hundred milliseconds in a release build (see `benches/table_load.rs`).
    pub fn read_path(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Table> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| DataError::Io {
            file: name.clone(),
            source,
        })?;
        Table::read_bytes(&bytes, name, options)
    }

    /// Reads CSV text; `name` stands for the file in error messages.
    pub fn read_str(text: &str, name: impl Into<String>, options: &ReadOptions) -> Result<Table> {
        Table::read_bytes(text.as_bytes(), name.into(), options)
    }

    /// Reads CSV bytes; `name` stands for the file in error messages.
    pub fn read_bytes(
        bytes: &[u8],
        name: impl Into<String>,
        options: &ReadOptions,
    ) -> Result<Table> {
        read_csv(bytes, name.into(), options)
    }
}

/// A column being filled while records stream by.
enum Builder {
    Float(Vec<f64>),
    Int(Vec<Option<i64>>),
    Text(TextBuilder),
    /// Type to be inferred: cells kept as bytes (one arena, end offsets).
    Raw {
        bytes: Vec<u8>,
        ends: Vec<usize>,
    },
}

fn trim(cell: &[u8]) -> &[u8] {
    cell.trim_ascii()
}

fn read_csv(bytes: &[u8], name: String, options: &ReadOptions) -> Result<Table> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(options.delimiter)
        .from_reader(bytes);
    let missing = options.missing_set();
    let mut record = csv::ByteRecord::new();
    let csv_error = |row: usize, e: csv::Error| DataError::Csv {
        at: Location::file(name.clone()).at_row(row),
        message: e.to_string(),
    };

    // Header.
    if !reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(1, e))?
    {
        return Err(DataError::Empty { file: name });
    }
    let mut header = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        let h = std::str::from_utf8(trim(field)).map_err(|_| DataError::Csv {
            at: Location::file(name.clone()).at_row(1).at_column("?", i + 1),
            message: "header name is not valid UTF-8".into(),
        })?;
        if let Some(first) = header.iter().position(|x: &String| x == h) {
            return Err(DataError::DuplicateColumn {
                file: name,
                column: h.to_owned(),
                first: first + 1,
                second: i + 1,
            });
        }
        header.push(h.to_owned());
    }
    let find = |col: &str| -> Result<usize> {
        header
            .iter()
            .position(|h| h == col)
            .ok_or_else(|| DataError::MissingColumn {
                file: name.clone(),
                column: col.to_owned(),
                available: header.clone(),
            })
    };

    // Which file columns to keep, and how to build each.
    for n in options
        .require
        .iter()
        .chain(options.types.iter().map(|(n, _)| n))
        .chain(options.unique_key.iter().flatten())
    {
        find(n)?;
    }
    let kept: Vec<usize> = match &options.select {
        Some(sel) => sel.iter().map(|c| find(c)).collect::<Result<_>>()?,
        None => (0..header.len()).collect(),
    };
    let rows_hint = bytes.len() / (header.len() * 4 + 1).max(8);
    let mut builders: Vec<Builder> = kept
        .iter()
        .map(|&c| {
            match options
                .types
                .iter()
                .find(|(n, _)| *n == header[c])
                .map(|(_, t)| *t)
            {
                Some(ColumnType::Float) => Builder::Float(Vec::with_capacity(rows_hint)),
                Some(ColumnType::Int) => Builder::Int(Vec::with_capacity(rows_hint)),
                Some(ColumnType::Text) => Builder::Text(TextBuilder::with_capacity(rows_hint)),
                None => Builder::Raw {
                    bytes: Vec::new(),
                    ends: Vec::with_capacity(rows_hint),
                },
            }
        })
        .collect();

    // Records.
    let mut row = 1usize;
    loop {
        row += 1;
        if !reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(row, e))?
        {
            break;
        }
        if record.len() != header.len() {
            // A completely blank line at the end is common; csv skips empty lines already.
            return Err(DataError::RaggedRow {
                at: Location::file(name.clone()).at_row(row),
                expected: header.len(),
                found: record.len(),
            });
        }
        for (b, &c) in builders.iter_mut().zip(&kept) {
            let cell = trim(&record[c]);
            let bad = |expected: &'static str| DataError::BadCell {
                at: Location::file(name.clone())
                    .at_row(row)
                    .at_column(header[c].clone(), c + 1),
                value: String::from_utf8_lossy(cell).into_owned(),
                expected,
            };
            match b {
                Builder::Float(v) => v.push(parse_float(cell, missing).map_err(bad)?),
                Builder::Int(v) => v.push(parse_int(cell, missing).map_err(bad)?),
                Builder::Text(t) => {
                    let s = std::str::from_utf8(cell).map_err(|_| bad("valid UTF-8 text"))?;
                    t.push((!s.is_empty()).then_some(s));
                }
                Builder::Raw { bytes, ends } => {
                    std::str::from_utf8(cell).map_err(|_| bad("valid UTF-8 text"))?;
                    bytes.extend_from_slice(cell);
                    ends.push(bytes.len());
                }
            }
        }
    }
    let n_rows = row - 2;

    let names: Vec<String> = kept.iter().map(|&c| header[c].clone()).collect();
    let columns: Vec<Column> = builders
        .into_iter()
        .map(|b| match b {
            Builder::Float(v) => Column::Float(v),
            Builder::Int(v) => Column::Int(v),
            Builder::Text(t) => Column::Text(t.finish()),
            Builder::Raw { bytes, ends } => infer(&bytes, &ends, missing),
        })
        .collect();
    let file_columns = kept.iter().map(|c| c + 1).collect();
    let table = Table::from_parts(name, names, columns, file_columns, n_rows);
    if let Some(keys) = &options.unique_key {
        table.check_unique(keys)?;
    }
    Ok(table)
}

/// Parses a numeric cell. Fast path first: most cells are numbers.
fn parse_float(cell: &[u8], missing: Missing<'_>) -> Result<f64, &'static str> {
    if missing.numeric && missing.contains(cell) {
        return Ok(f64::NAN);
    }
    // Valid UTF-8 is implied by a successful parse; invalid bytes fall to the error branch.
    let parsed = fast_decimal(cell).or_else(|| {
        std::str::from_utf8(cell)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
    });
    match parsed {
        Some(x) if x.is_finite() => Ok(x),
        _ if missing.contains(cell) => Ok(f64::NAN),
        Some(_) => Err("a finite number (write missing values as empty or NA)"),
        None => Err("a number"),
    }
}

/// Exact powers of ten representable in f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Clinger's fast path for plain decimals (`-123.4567`): with at most 15 significant digits the
/// mantissa is an exact f64, and so is 10^k for k <= 22, so one IEEE division gives the
/// correctly rounded result, identical to `str::parse`. Anything else (exponents, more digits)
/// returns `None` and goes to the standard parser.
fn fast_decimal(s: &[u8]) -> Option<f64> {
    let (neg, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let mut mantissa: u64 = 0;
    let mut significant = 0u32;
    let mut frac_digits = 0usize;
    let mut seen_dot = false;
    let mut seen_digit = false;
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                seen_digit = true;
                if mantissa != 0 || c != b'0' {
                    significant += 1;
                    if significant > 15 {
                        return None;
                    }
                }
                mantissa = mantissa * 10 + u64::from(c - b'0');
                frac_digits += usize::from(seen_dot);
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if !seen_digit || frac_digits >= POW10.len() {
        return None;
    }
    let x = mantissa as f64 / POW10[frac_digits];
    Some(if neg { -x } else { x })
}

fn parse_int(cell: &[u8], missing: Missing<'_>) -> Result<Option<i64>, &'static str> {
    if missing.numeric && missing.contains(cell) {
        return Ok(None);
    }
    match std::str::from_utf8(cell)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
    {
        Some(x) => Ok(Some(x)),
        None if missing.contains(cell) => Ok(None),
        None => Err("an integer"),
    }
}

/// Chooses Int, Float or Text for a column read without a declared type.
fn infer(bytes: &[u8], ends: &[usize], missing: Missing<'_>) -> Column {
    let cells = || {
        let mut start = 0;
        ends.iter().map(move |&e| {
            let c = &bytes[start..e];
            start = e;
            c
        })
    };
    let ints: Option<Vec<Option<i64>>> = cells().map(|c| parse_int(c, missing).ok()).collect();
    if let Some(v) = ints {
        if v.iter().any(Option::is_some) {
            return Column::Int(v);
        }
        // All missing: a Float column of NaN (the most permissive numeric type).
        return Column::Float(vec![f64::NAN; v.len()]);
    }
    let floats: Option<Vec<f64>> = cells().map(|c| parse_float(c, missing).ok()).collect();
    if let Some(v) = floats {
        return Column::Float(v);
    }
    let mut t = TextBuilder::with_capacity(ends.len());
    for c in cells() {
        // Checked to be UTF-8 when the cell was stored.
        let s = std::str::from_utf8(c).unwrap_or_default();
        t.push((!s.is_empty()).then_some(s));
    }
    Column::Text(t.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, o: &ReadOptions) -> Result<Table> {
        Table::read_str(text, "t.csv", o)
    }

    #[test]
    fn infers_int_float_text() {
        let t = read("a,b,c,d\n1,1.5,x,\n2,NA,y,\n", &ReadOptions::new()).unwrap();
        assert_eq!(t.ints("a").unwrap(), &[Some(1), Some(2)]);
        let b = t.floats("b").unwrap();
        assert_eq!(b[0], 1.5);
        assert!(b[1].is_nan());
        assert_eq!(t.text("c").unwrap().get(1), Some("y"));
        assert!(t.floats("d").unwrap().iter().all(|x| x.is_nan()));
    }

    #[test]
    fn text_keeps_na_as_value() {
        let t = read("iso2,x\nNA,1\nZA,2\n", &ReadOptions::new()).unwrap();
        assert_eq!(t.text("iso2").unwrap().get(0), Some("NA"));
    }

    #[test]
    fn bad_float_names_file_row_and_column() {
        let o = ReadOptions::new().column_type("gdp", ColumnType::Float);
        let e = read("year,gdp\n2000,1.0\n2001,abc\n", &o).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("t.csv, row 3 (header is row 1), column 2 `gdp`"),
            "{m}"
        );
        assert!(m.contains("`abc` is not a number"), "{m}");
        match e {
            DataError::BadCell { at, .. } => {
                assert_eq!(at.row, Some(3));
                assert_eq!(at.column.unwrap().number, 2);
            }
            other => panic!("wrong error {other:?}"),
        }
    }

    #[test]
    fn infinity_is_rejected() {
        let o = ReadOptions::new().column_type("x", ColumnType::Float);
        let m = read("x\ninf\n", &o).unwrap_err().to_string();
        assert!(m.contains("row 2") && m.contains("finite"), "{m}");
    }

    #[test]
    fn bad_int_names_cell() {
        let o = ReadOptions::new().column_type("year", ColumnType::Int);
        let m = read("year\n2000\n2000.5\n", &o).unwrap_err().to_string();
        assert!(
            m.contains("row 3 (header is row 1), column 1 `year`"),
            "{m}"
        );
        assert!(m.contains("not an integer"), "{m}");
    }

    #[test]
    fn missing_column_lists_header() {
        let o = ReadOptions::new().require(["gdp"]);
        let m = read("year,x\n1,2\n", &o).unwrap_err().to_string();
        assert!(
            m.contains("t.csv: no column `gdp`") && m.contains("year, x"),
            "{m}"
        );
        let o = ReadOptions::new().select(["x", "nope"]);
        assert!(matches!(
            read("year,x\n1,2\n", &o),
            Err(DataError::MissingColumn { .. })
        ));
    }

    #[test]
    fn duplicate_header_and_ragged_rows() {
        let m = read("a,b,a\n1,2,3\n", &ReadOptions::new())
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("`a` appears twice") && m.contains("columns 1 and 3"),
            "{m}"
        );
        let m = read("a,b\n1,2\n3\n", &ReadOptions::new())
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("row 3 (header is row 1): 1 fields, but the header has 2"),
            "{m}"
        );
    }

    #[test]
    fn duplicate_key_names_both_rows() {
        let o = ReadOptions::new().unique_key(["c", "y"]);
        let e = read("c,y,v\nA,1,0\nA,2,0\nB,1,0\nA,2,5\n", &o).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("t.csv, row 5 (header is row 1), column 1 `c`"),
            "{m}"
        );
        assert!(
            m.contains("c=A, y=2") && m.contains("first seen in row 3"),
            "{m}"
        );
    }

    #[test]
    fn select_keeps_order_and_file_column_numbers() {
        let o = ReadOptions::new()
            .select(["c", "a"])
            .column_type("c", ColumnType::Float);
        let e = read("a,b,c\n1,2,3\n4,5,x\n", &o).unwrap_err().to_string();
        assert!(e.contains("column 3 `c`"), "{e}");
        let t = read("a,b,c\n1,2,3\n", &o).unwrap();
        assert_eq!(t.column_names(), &["c", "a"]);
        assert_eq!(t.location(0, "c").column.unwrap().number, 3);
    }

    #[test]
    fn empty_and_bom_and_quotes() {
        assert!(matches!(
            read("", &ReadOptions::new()),
            Err(DataError::Empty { .. })
        ));
        let t = read("\u{feff}name,x\n\"Korea, Rep.\",1\n", &ReadOptions::new()).unwrap();
        assert_eq!(t.text("name").unwrap().get(0), Some("Korea, Rep."));
        let t = read("a,b\n", &ReadOptions::new()).unwrap();
        assert_eq!(t.n_rows(), 0);
    }

    #[test]
    fn fast_decimal_matches_std_parse() {
        let cases = [
            "0",
            "-0",
            "1",
            "-1.5",
            "0.1",
            "0.3",
            "123.456",
            "-0.000123",
            "999999999999999",
            "1.",
            ".5",
            "+2.25",
            "3.14159265358979",
            "0.000000000000000000001",
            "12345.678901",
        ];
        for c in cases {
            let want: f64 = c.parse().unwrap();
            let got = fast_decimal(c.as_bytes()).unwrap();
            assert_eq!(got.to_bits(), want.to_bits(), "{c}");
        }
        for c in [
            "1e5",
            "1234567890123456",
            "0.12345678901234567",
            ".",
            "-",
            "",
            "1.2.3",
            "nan",
        ] {
            assert!(fast_decimal(c.as_bytes()).is_none(), "{c}");
        }
        // A deterministic sweep of random decimals against the standard parser.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let m = state % 1_000_000_000_000_000;
            let k = (state >> 50) as usize % 20;
            let digits = m.to_string();
            let s = if k < digits.len() {
                format!(
                    "{}.{}",
                    &digits[..digits.len() - k],
                    &digits[digits.len() - k..]
                )
            } else {
                format!("0.{}{}", "0".repeat(k - digits.len()), digits)
            };
            let want: f64 = s.parse().unwrap();
            if let Some(got) = fast_decimal(s.as_bytes()) {
                assert_eq!(got.to_bits(), want.to_bits(), "{s}");
            }
        }
    }

    #[test]
    fn custom_missing_tokens() {
        let o = ReadOptions::new()
            .missing_tokens(["", "-999"])
            .column_type("x", ColumnType::Float);
        let t = read("x\n-999\n1\n", &o).unwrap();
        assert!(t.floats("x").unwrap()[0].is_nan());
        // "NA" is no longer a missing token.
        assert!(read("x\nNA\n", &o).is_err());
    }
}
