#!/usr/bin/env python3
"""Mixing diagnostics of a `pressure calibrate` MCMC run from its checkpoint (no numpy).

Usage: python3 scripts/joint_h_mixing.py OUT/.checkpoint/mcmc.json NAME1,NAME2,... [--skip K]
       python3 scripts/joint_h_mixing.py OUT/.checkpoint/mcmc.json NAME1,NAME2,... --export [--every K]
         (writes the kept draws as CSV, `chain,draw,<names>,log_target`, every K-th, to stdout)

NAMES are the experiment's parameter names in its order (`pressure calibrate` prints them;
`mcmc_progress` lists them). Prints, from the kept draws of every chain (the first K of each
left out): acceptance per chain, the longest run of a repeated state, per parameter the lag-1,
lag-10 and lag-100 autocorrelation (mean over chains) and the integrated autocorrelation time
(Geyer's initial positive sequence, per chain, mean), the pooled posterior correlations above
0.3 in absolute value (within-chain centred), and DREAM(ZS)'s adapted crossover probabilities.
"""
import json
import math
import struct
import sys


def f(bits):
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def acf(x, lags):
    n = len(x)
    m = sum(x) / n
    c = [v - m for v in x]
    v0 = sum(a * a for a in c) / n
    if v0 == 0:
        return [1.0 for _ in lags]
    return [sum(c[i] * c[i + k] for i in range(n - k)) / n / v0 for k in lags]


def iat(x):
    """Integrated autocorrelation time, Geyer's initial positive sequence (FFT-free)."""
    n = len(x)
    m = sum(x) / n
    c = [v - m for v in x]
    v0 = sum(a * a for a in c) / n
    if v0 == 0:
        return float("inf")
    rho = lambda k: sum(c[i] * c[i + k] for i in range(n - k)) / n / v0
    tau = -1.0
    k = 0
    while k + 1 < n // 2:
        pair = rho(k) + rho(k + 1)
        if pair <= 0:
            break
        tau += 2 * pair
        k += 2
    return tau


def main():
    path, names = sys.argv[1], sys.argv[2].split(",")
    skip = int(sys.argv[sys.argv.index("--skip") + 1]) if "--skip" in sys.argv else 0
    st = json.load(open(path))["state"]
    if "--export" in sys.argv:
        every = int(sys.argv[sys.argv.index("--every") + 1]) if "--every" in sys.argv else 1
        print(",".join(["chain", "draw"] + names + ["log_target"]))
        for c, ch in enumerate(st["chains"]):
            for i, (row, lp) in enumerate(zip(ch["draws"], ch["draw_logp"])):
                if i % every == 0:
                    print(",".join([str(c + 1), str(i + 1)] + [repr(f(b)) for b in row] + [repr(f(lp))]))
        return
    print(f"{st['algorithm']}: {st['iteration']} iterations per chain, dimension {st['dim']}")
    chains = []
    for c in st["chains"]:
        d = [[f(b) for b in row] for row in c["draws"]][skip:]
        lp = [f(b) for b in c["draw_logp"]][skip:]
        chains.append((d, lp))
        run, best = 1, 1
        for a, b in zip(d, d[1:]):
            run = run + 1 if a == b else 1
            best = max(best, run)
        moves = sum(1 for a, b in zip(d, d[1:]) if a != b)
        print(
            f"chain: acceptance {c['accepted'] / c['evaluations']:.3f} ({c['accepted']} of {c['evaluations']} evaluations), "
            f"{len(d)} kept draws, moved at {moves / max(1, len(d) - 1):.3f} of kept iterations, longest stay {best}"
        )
    dim = len(names)
    print("\n| parameter | lag-1 ACF | lag-10 | lag-100 | IAT (iterations) |")
    print("|---|---|---|---|---|")
    cols = names + ["log density"]
    for j in range(dim + 1):
        a1 = a10 = a100 = t = 0.0
        for d, lp in chains:
            x = [r[j] for r in d] if j < dim else lp
            r = acf(x, [1, 10, 100])
            a1 += r[0]; a10 += r[1]; a100 += r[2]
            t += iat(x[:: max(1, len(x) // 3000)]) * max(1, len(x) // 3000)
        k = len(chains)
        print(f"| {cols[j]} | {a1 / k:.3f} | {a10 / k:.3f} | {a100 / k:.3f} | {t / k:.0f} |")
    # Pooled correlations (within-chain centred).
    cen = []
    for d, lp in chains:
        rows = [r + [l] for r, l in zip(d, lp)]
        m = [sum(r[j] for r in rows) / len(rows) for j in range(dim + 1)]
        cen += [[r[j] - m[j] for j in range(dim + 1)] for r in rows]
    n = len(cen)
    sd = [math.sqrt(sum(r[j] ** 2 for r in cen) / n) for j in range(dim + 1)]
    pairs = []
    for a in range(dim + 1):
        for b in range(a + 1, dim + 1):
            r = sum(x[a] * x[b] for x in cen) / n / (sd[a] * sd[b])
            pairs.append((abs(r), r, cols[a], cols[b]))
    pairs.sort(reverse=True)
    print("\n| pair | posterior correlation |")
    print("|---|---|")
    for _, r, a, b in pairs:
        if abs(r) >= 0.3:
            print(f"| {a} – {b} | {r:+.3f} |")
    k = st["kernel"]
    if "Dream" in k:
        print("\nDREAM(ZS) crossover probabilities:", [round(f(b), 3) for b in k["Dream"]["p_cr"]])


main()
