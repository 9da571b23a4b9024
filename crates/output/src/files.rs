//! Writing a report's set of files into a folder: the one loop every report's `write_to` uses.

use crate::write_atomic;
use std::path::{Path, PathBuf};

/// A file that could not be written, with its path (an I/O error alone does not say which).
#[derive(Debug)]
pub struct WriteError {
    /// The file that was being written.
    pub path: PathBuf,
    /// Why it failed.
    pub source: std::io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write {}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Writes each `(file name, contents)` into `dir` with [`write_atomic`], in order, and returns
/// the names written. Stops at the first failure (files already written stay, each one whole).
///
/// ```
/// let dir = std::env::temp_dir().join(format!("pressure-output-files-{}", std::process::id()));
/// let names = pressure_output::write_files(&dir, [("a.csv", "x\n1\n"), ("b.json", "{}")]).unwrap();
/// assert_eq!(names, ["a.csv", "b.json"]);
/// assert_eq!(std::fs::read_to_string(dir.join("b.json")).unwrap(), "{}");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_files<I, N, B>(dir: &Path, files: I) -> Result<Vec<String>, WriteError>
where
    I: IntoIterator<Item = (N, B)>,
    N: AsRef<str>,
    B: AsRef<[u8]>,
{
    let mut names = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name.as_ref());
        write_atomic(&path, bytes.as_ref()).map_err(|source| WriteError { path, source })?;
        names.push(name.as_ref().to_string());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the second file should go: its rename fails.
        std::fs::create_dir_all(dir.path().join("b.csv").join("inside")).unwrap();
        let e = write_files(dir.path(), [("a.csv", "1"), ("b.csv", "2")]).unwrap_err();
        assert_eq!(e.path, dir.path().join("b.csv"));
        assert!(e.to_string().starts_with("cannot write "), "{e}");
        assert_eq!(std::fs::read(dir.path().join("a.csv")).unwrap(), b"1");
    }
}
