"""Shared fixtures of the Python binding tests: the repository root, the example models and the
`pressure` command line (for the bit-for-bit comparisons)."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "models" / "examples"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli() -> str:
    """The `pressure` binary: $PRESSURE_BIN (must exist when set), else target/release/pressure,
    else skip with the command that builds it."""
    env = os.environ.get("PRESSURE_BIN")
    if env:
        assert Path(env).is_file(), f"PRESSURE_BIN={env} does not exist"
        return env
    for candidate in [ROOT / "target" / "release" / "pressure", shutil.which("pressure")]:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    pytest.skip("the pressure CLI is not built: run `cargo build --release` (or set PRESSURE_BIN)")
