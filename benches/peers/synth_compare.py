#!/usr/bin/env python3
"""Reference weights for the synthetic-control test `synth_matches_pysyncon` from pysyncon
(Python, MIT licence; the version pinned in benches/peers/requirements-synth.txt).

The problem: GDP per capita (constant 2015 US$, data/panel/macro.csv) of Turkey, treated in
2012, the outcomes of 2000, 2003, 2006 and 2009 as predictors, the 24 donors listed in DONORS,
equal predictor weights V on predictors scaled by their standard deviation across units (what
Pressure's `predictor_weights = "equal"` does). pysyncon solves the inner problem
min_W (X1 - X0 W)' V (X1 - X0 W), W >= 0, sum W = 1, with scipy's SLSQP; we call its
`Synth.w_optimize` with a tight tolerance (ftol 1e-15) so the comparison is of the solution,
not of the default stopping rule, check the result against the exact KKT solution on its
support, and write the weights to crates/econometrics/tests/data/synth_pysyncon_turkey.csv.

Why this problem: SLSQP minimises 0.5 W'PW - q'W, whose value hardly changes along flat
directions of ill-conditioned problems, so its weights can stop 1e-4 from the optimum even at
ftol 1e-15 (Iran 1995-2011 with these donors: 1.8e-4 from the exact KKT solution, which
Pressure's active-set solver matches to 1e-13). On this problem SLSQP's weights are within
2e-7 of the exact solution, so a 1e-6 comparison tests Pressure, not SLSQP's stopping rule.

Usage:
  benches/peers/setup_venv.sh /tmp/peers-venv requirements-synth.txt
  /tmp/peers-venv/bin/python benches/peers/synth_compare.py
"""

import csv
import os
import sys

import numpy as np
import pandas as pd
from pysyncon import Synth

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DONORS = [
    "ARG", "AUS", "BGD", "BRA", "CHL", "COL", "DZA", "EGY", "IDN", "IND", "JOR", "KAZ", "MAR",
    "MEX", "MYS", "NGA", "OMN", "PAK", "PER", "PHL", "SAU", "THA", "TUN", "URY",
]
TREATED = "TUR"
YEARS = [2000, 2003, 2006, 2009]
OUT = os.path.join(REPO, "crates", "econometrics", "tests", "data", "synth_pysyncon_turkey.csv")


def main():
    rows = list(csv.DictReader(open(os.path.join(REPO, "data", "panel", "macro.csv"))))
    value = {(r["iso3"], int(r["year"])): r["gdppc_const2015usd"] for r in rows}
    units = DONORS + [TREATED]
    X = pd.DataFrame({u: [float(value[(u, y)]) for y in YEARS] for u in units}, index=list(YEARS))
    X_scaled = X.divide(X.std(axis=1), axis=0)  # as pysyncon's Synth.fit
    X0 = X_scaled[DONORS].to_numpy()
    X1 = X_scaled[TREATED].to_numpy()
    m = X0.shape[0]
    V = np.diag(np.full(m, 1.0 / m))
    W, loss = Synth.w_optimize(V_mat=V, X0=X0, X1=X1, qp_options={"maxiter": 10000, "ftol": 1e-15})
    # The exact solution on SLSQP's support (equality-constrained least squares) and the KKT
    # conditions off it: the reference must be the optimum, not a stopping point.
    S = [i for i in range(len(DONORS)) if W[i] > 1e-7]
    A, k = X0[:, S], len(S)
    K = np.block([[2 * A.T @ A, np.ones((k, 1))], [np.ones((1, k)), np.zeros((1, 1))]])
    sol = np.linalg.solve(K, np.concatenate([2 * A.T @ X1, [1.0]]))
    exact = np.zeros(len(DONORS))
    exact[S] = sol[:k]
    grad = -2 * X0.T @ (X1 - X0 @ exact) + sol[k]
    assert all(exact[S] > 0) and all(grad[i] > -1e-9 for i in range(len(DONORS)) if i not in S)
    print(f"SLSQP vs exact KKT solution: max |dW| = {np.max(np.abs(W - exact)):.2e}")
    with open(OUT, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["unit", "weight"])
        for u, x in zip(DONORS, W):
            w.writerow([u, repr(float(x))])
    print(f"wrote {OUT}: loss {loss:.3e}; weights > 1e-6: " + ", ".join(f"{u} {x:.6f}" for u, x in zip(DONORS, W) if x > 1e-6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
