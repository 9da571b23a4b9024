#!/usr/bin/env python3
"""Pseudo-draws of the 18-parameter joint hierarchical design (experiments/calibrate/
joint_hierarchical.toml) for the steady-state study (crates/calibrate/examples/
steady_uniqueness.rs), in the draws.csv layout of `pressure calibrate`.

No draws.csv of the 18-parameter runs survives, so these are NOT posterior draws: each row
picks one of the four chains of the unconverged final run (4 x 2000 adaptive Metropolis,
experiments/calibrate/README.md, table "Final run, 4 chains x 2000 iterations": per-chain
means and sds) with equal probability and draws every parameter independently from a normal
with that chain's mean and sd (clipped to the parameter's bounds). They cover the region the
chains explored, with its between-chain spread, but not the posterior's correlations.

Usage: python3 scripts/joint_h_pseudo_draws.py [N] [SEED] > draws.csv   (default 200, 14)
"""
import random
import sys

# name, (lower, upper), per-chain (mean, sd) from the README table.
TABLE = [
    ("money.base_money_growth@iran_2011", (0.0, 0.8), [(0.129, 0.00253), (0.131, 0.00405), (0.132, 0.0047), (0.135, 0.00295)]),
    ("money.base_money_growth@russia_2014", (0.0, 0.8), [(0.0969, 0.0122), (0.106, 0.0179), (0.0898, 0.0253), (0.0888, 0.00765)]),
    ("money.base_money_growth@fry_1992", (0.0, 0.8), [(0.269, 0.0363), (0.217, 0.0387), (0.227, 0.0631), (0.2, 0.032)]),
    ("money.base_money_growth@venezuela_2017", (0.0, 0.8), [(0.501, 0.132), (0.582, 0.0911), (0.451, 0.0834), (0.448, 0.0485)]),
    ("money.base_money_growth@south_africa_1985", (0.0, 0.8), [(0.084, 0.00956), (0.0682, 0.00962), (0.0856, 0.0118), (0.0917, 0.007)]),
    ("fiscal.trend_growth@iran_2011", (-0.05, 0.1), [(0.0515, 0.0129), (0.0455, 0.0109), (0.0513, 0.0226), (0.0413, 0.00492)]),
    ("fiscal.trend_growth@russia_2014", (-0.05, 0.1), [(0.0226, 0.00665), (0.0218, 0.00734), (0.0317, 0.0119), (0.0174, 0.00411)]),
    ("fiscal.trend_growth@fry_1992", (-0.05, 0.1), [(0.0272, 0.0174), (0.0279, 0.0144), (0.0436, 0.014), (0.0247, 0.0105)]),
    ("fiscal.trend_growth@venezuela_2017", (-0.05, 0.1), [(0.00618, 0.00596), (0.00836, 0.00526), (0.00884, 0.00704), (0.00353, 0.00336)]),
    ("fiscal.trend_growth@south_africa_1985", (-0.05, 0.1), [(0.0359, 0.0115), (0.0271, 0.00956), (0.0305, 0.0105), (0.0295, 0.00316)]),
    ("fiscal.drag_finance", (-0.1, 0.3), [(0.00633, 0.015), (0.0262, 0.0136), (0.0238, 0.00971), (0.0116, 0.00981)]),
    ("fiscal.drag_trade:mu", (-0.1, 0.3), [(0.0525, 0.0105), (0.0524, 0.0115), (0.0583, 0.0115), (0.0645, 0.0089)]),
    ("fiscal.drag_trade:tau", (0.0, 0.1), [(0.00791, 0.00563), (0.00457, 0.00463), (0.00668, 0.00571), (0.00372, 0.00407)]),
    ("fiscal.drag_trade:eta@iran_2011", (-float("inf"), float("inf")), [(-0.0472, 0.429), (-0.167, 0.805), (0.554, 0.862), (0.274, 0.608)]),
    ("fiscal.drag_trade:eta@fry_1992", (-float("inf"), float("inf")), [(-0.149, 0.719), (-0.0531, 0.625), (0.0324, 0.623), (-0.00507, 0.428)]),
    ("fiscal.drag_trade:eta@south_africa_1985", (-float("inf"), float("inf")), [(-0.27, 0.659), (-0.136, 0.501), (0.448, 0.73), (0.284, 0.342)]),
    ("fiscal.drag_trade:eta@venezuela_2017", (-float("inf"), float("inf")), [(0.0936, 0.611), (0.462, 0.707), (0.516, 0.972), (-0.557, 0.482)]),
    ("fiscal.drag_energy", (-0.1, 0.3), [(0.00543, 0.0026), (0.0102, 0.00454), (-0.000263, 0.00312), (0.00454, 0.00256)]),
]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 14
    rng = random.Random(seed)
    print(",".join(["chain", "draw"] + [t[0] for t in TABLE] + ["log_target"]))
    for k in range(n):
        c = rng.randrange(4)
        row = []
        for _, (lo, hi), chains in TABLE:
            m, s = chains[c]
            v = min(max(rng.gauss(m, s), lo), hi)
            if lo == 0.0 and v <= 0.0:
                v = 1e-6  # tau strictly positive
            row.append(repr(v))
        print(",".join([str(c), str(k)] + row + [""]))


if __name__ == "__main__":
    main()
