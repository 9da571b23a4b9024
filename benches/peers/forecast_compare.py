"""Independent reference values for the forecast-evaluation statistics of
crates/calibrate/src/fitstats.rs (RMSE ratio, Harvey-Leybourne-Newbold modified Diebold-Mariano
test, CRPS and PIT of an ensemble), pinned in that file's test
`forecast_statistics_match_the_scipy_peer`.

    sh benches/peers/setup_venv.sh /tmp/forecast-venv requirements-forecast.txt
    /tmp/forecast-venv/bin/python benches/peers/forecast_compare.py

Written from the papers' formulas with numpy and scipy, not from the Rust code: the long-run
variance from numpy's autocovariances, the p-value from scipy.stats.t, the CRPS by the O(m^2)
double sum E|X - y| - E|X - X'|/2 (Gneiting & Raftery 2007, eq. 20).
"""

import numpy as np
from scipy import stats

OBS = np.array([3.1, -0.4, 2.7, 5.9, 1.2, -3.7, 4.4, 0.8])
MODEL = np.array([2.0, 0.5, 3.5, 4.1, 0.2, -1.0, 3.9, 1.9])
BENCH = np.array([1.0, 3.1, -0.4, 2.7, 5.9, 1.2, -3.7, 4.4])  # the random walk


def hln(e1, e2, h):
    d = e1**2 - e2**2
    n = len(d)
    dbar = d.mean()
    dc = d - dbar
    gamma = [np.dot(dc[k:], dc[: n - k]) / n for k in range(h)]
    lrv = gamma[0] + 2 * sum(gamma[1:])
    dm = dbar / np.sqrt(lrv / n)
    dm_star = dm * np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    p = 2 * stats.t.sf(abs(dm_star), df=n - 1)
    return dm_star, p


def crps(draws, y):
    x = np.asarray(draws, dtype=float)
    return np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :]))


def pit(draws, y):
    x = np.asarray(draws, dtype=float)
    return (np.sum(x < y) + 0.5 * np.sum(x == y)) / len(x)


def main():
    e_m, e_b = MODEL - OBS, BENCH - OBS
    ratio = np.sqrt(np.mean(e_m**2)) / np.sqrt(np.mean(e_b**2))
    print(f"rmse_ratio {ratio:.15e}")
    for h in (1, 2, 3):
        s, p = hln(e_m, e_b, h)
        print(f"hln h={h} statistic {s:.15e} p {p:.15e}")
    draws = np.sin(np.arange(1, 41) * 0.7) * 3.0 + 1.0
    for y in (0.3, 2.5, 7.0):
        print(f"y={y} crps {crps(draws, y):.15e} pit {pit(draws, y):.15e}")


if __name__ == "__main__":
    main()
