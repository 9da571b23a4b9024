"""Reference values for Pareto-smoothed importance sampling
(crates/calibrate/src/uncertainty/psis.rs) from ArviZ's `psislw`, pinned in that file's test
`psis_matches_arviz`.

    sh benches/peers/setup_venv.sh /tmp/psis-venv requirements-psis.txt
    /tmp/psis-venv/bin/python benches/peers/psis_compare.py

The inputs are deterministic (no random numbers), so the Rust test rebuilds them exactly.
"""

import numpy as np
from scipy import stats
import arviz as az


def inputs():
    n = 2000
    x = stats.norm.ppf((np.arange(n) + 0.5) / n)
    yield "wider_normal_s2_1.5", 0.5 * x * x * (1 - 1 / 1.5)
    yield "wider_normal_s2_4", 0.5 * x * x * (1 - 1 / 4.0)
    i = np.arange(1000)
    yield "sine", np.sin(i * 0.37) * 3.0 + 0.01 * i


def main():
    for name, lw in inputs():
        smoothed, k = az.psislw(lw.copy(), reff=1.0)
        w = np.exp(smoothed)
        print(
            f"{name}: k {float(k):.15e} max_w {w.max():.15e} "
            f"w0 {w[0]:.15e} sum_w2 {np.sum(w * w):.15e}"
        )


if __name__ == "__main__":
    main()
