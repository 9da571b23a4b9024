//! Source files and byte spans, and the mapping from a byte offset to a line and column.
//!
//! Every name, equation and value in the IR carries a [`Span`] into the file it came from, so a
//! diagnostic found late (in name resolution, in the dependency graph, in a scenario) can still
//! point at the exact place in the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range `start..end` in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset just past the last byte.
    pub end: u32,
}

impl Span {
    /// The span `start..end` of `file` (an `end` before `start` gives an empty span).
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// The sub-span `start..end` relative to the beginning of this span.
    pub fn sub(self, start: usize, end: usize) -> Span {
        let s = self.start as usize + start;
        Span::new(self.file, s, (self.start as usize + end).max(s))
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    /// True when the span covers no byte.
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
}

/// One loaded text file (a model, a module, a scenario).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Where the text was read from.
    pub path: PathBuf,
    /// The whole text.
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A file from its path and text; indexes the line starts.
    pub fn new(path: PathBuf, text: Arc<str>) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }
}

/// All files read while loading a model (the root file, its modules, scenarios).
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, path: &Path, text: &str) -> FileId {
        self.files
            .push(SourceFile::new(path.to_path_buf(), Arc::from(text)));
        FileId(self.files.len() as u32 - 1)
    }

    /// The file `id` stands for (panics on an id from another map).
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Every file, in the order added (a [`FileId`] is an index into it).
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The file path, line and column where `span` starts.
    pub fn location(&self, span: Span) -> crate::Location {
        let f = self.file(span.file);
        let (line, column) = f.line_col(span.start as usize);
        crate::Location::Model {
            path: f.path.clone(),
            line,
            column,
        }
    }

    /// The source text covered by a span.
    pub fn text(&self, span: Span) -> &str {
        let f = self.file(span.file);
        f.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let f = SourceFile::new("m.toml".into(), Arc::from("ab\ncé d\n"));
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(1), (1, 2));
        assert_eq!(f.line_col(3), (2, 1));
        // 'é' is two bytes: "cé " -> the 'd' is at byte 7, character column 4.
        assert_eq!(f.line_col(7), (2, 4));
    }
}
