//! Where the tests find the shipped data and the shared reference folder (the library takes
//! every path from its caller).

use std::path::PathBuf;

/// The repository's `data/` folder.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// The shared reference folder (`$PRESSURE_SHARED`, else `../shared` next to the repository),
/// or `None` when it does not exist. Tests that compare with the original sources use it and
/// skip with a message when it is absent.
#[allow(dead_code)] // not every test file compares with the originals
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("PRESSURE_SHARED") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    dir.join("data").is_dir().then_some(dir)
}
