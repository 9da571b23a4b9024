"""examples/python/sir_walkthrough.py runs start to end (so it cannot rot)."""

import subprocess
import sys

from conftest import ROOT


def test_sir_walkthrough_runs(tmp_path):
    script = ROOT / "examples" / "python" / "sir_walkthrough.py"
    done = subprocess.run(
        [sys.executable, str(script), "--quick", "--out", str(tmp_path)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Sobol' indices from 512 runs" in out
    assert "calibration" in out and "contact_infectivity" in out
    # The house-style figures (pressure.plot), whatever is installed.
    for name in ["sir_run.svg", "sobol_peak_infectious.svg", "sobol_peak_infectious.png", "sobol_recovered_day_100.svg", "fit.pdf"]:
        assert (tmp_path / name).stat().st_size > 1_000, name
    assert (tmp_path / "fit.pdf").read_bytes().startswith(b"%PDF-")
    try:
        import matplotlib  # noqa: F401

        assert (tmp_path / "sir_walkthrough.png").stat().st_size > 10_000
    except ImportError:
        pass
