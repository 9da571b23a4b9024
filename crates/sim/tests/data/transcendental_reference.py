#!/usr/bin/env python3
"""Reference values for `crates/sim/tests/transcendental.rs`: exp, ln and pow at fixed
pseudo-random double arguments over the ranges the models use and the whole domain, computed
with mpmath at 200 bits, rounded correctly to double.

Writes `transcendental_reference.csv` beside this script, one row per argument:

    f,x,y,cr,frac

`f` is `exp`, `ln` or `pow`; `x`, `y` (0 for one-argument functions) and `cr` (the correctly
rounded result) are the IEEE-754 bit patterns in hexadecimal; `frac` is (exact - cr) / ulp(cr),
the exact value's offset from `cr` in units of its last place (|frac| <= 0.5), so a result
whose bits are `d` places above `cr` is `|d - frac|` ulp from the exact value.

Run: python3 transcendental_reference.py   (mpmath 1.3; deterministic: fixed seed)
"""

import math
import os
import random
import struct

import mpmath

mpmath.mp.prec = 200


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def correctly_rounded(exact):
    """The double nearest to the mpf `exact` (checked against both neighbours, so subnormal
    and boundary results are rounded once)."""
    # Overflow: at or beyond the largest double plus half its ulp, the result is infinite.
    if abs(exact) >= mpmath.mpf(2) ** 1024 - mpmath.mpf(2) ** 970:
        return math.copysign(math.inf, float(exact))
    c = float(exact)
    best = c
    for cand in (math.nextafter(c, -math.inf), math.nextafter(c, math.inf)):
        if math.isfinite(cand) and abs(mpmath.mpf(cand) - exact) < abs(mpmath.mpf(best) - exact):
            best = cand
    return best


def ulp(c):
    a = abs(c)
    return mpmath.mpf(math.nextafter(a, math.inf)) - mpmath.mpf(a)


def row(f, x, y, exact):
    cr = correctly_rounded(exact)
    if math.isinf(cr) or cr == 0.0 and exact != 0:
        return None  # overflow / underflow to zero: covered by the special-value tests
    frac = (exact - mpmath.mpf(cr)) / ulp(cr)
    return f"{f},{bits(x):016x},{bits(y):016x},{bits(cr):016x},{float(frac):.9f}"


def loguniform(rng, lo, hi):
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def main():
    rng = random.Random(20261207)
    rows = []

    def add(f, x, y=0.0):
        if f == "exp":
            exact = mpmath.exp(mpmath.mpf(x))
        elif f == "ln":
            exact = mpmath.log(mpmath.mpf(x))
        else:
            exact = mpmath.power(mpmath.mpf(x), mpmath.mpf(y))
        r = row(f, x, y, exact)
        if r is not None:
            rows.append(r)

    # exp: the models' range, the whole range, tiny arguments, subnormal and near-overflow results.
    for _ in range(600):
        add("exp", rng.uniform(-20.0, 20.0))
    for _ in range(300):
        add("exp", rng.uniform(-745.1, 709.78))
    for _ in range(100):
        add("exp", rng.choice([-1, 1]) * loguniform(rng, 1e-300, 1e-3))
    for _ in range(100):
        add("exp", rng.uniform(-745.13, -708.4))
    for _ in range(100):
        add("exp", rng.uniform(700.0, 709.78))
    for x in [0.5, 1.0, -1.0, 2.0, 10.0, 709.782712893384, -708.39, -745.1332191019411]:
        add("exp", x)

    # ln: the models' range, around 1, the whole normal range, subnormals.
    for _ in range(500):
        add("ln", loguniform(rng, 1e-10, 1e10))
    for _ in range(300):
        add("ln", 1.0 + rng.choice([-1, 1]) * loguniform(rng, 1e-16, 0.1))
    for _ in range(200):
        add("ln", loguniform(rng, 2.2250738585072014e-308, 1.7976931348623157e308))
    for _ in range(100):
        add("ln", loguniform(rng, 5e-324, 2.2250738585072014e-308))
    for x in [2.0, 10.0, 0.5, math.e, 1.7976931348623157e308, 5e-324]:
        add("ln", x)

    # pow: the models' bases and exponents, bases near 1 with large exponents, integers,
    # results near overflow and in the subnormal range, negative bases with integer exponents.
    for _ in range(700):
        add("pow", loguniform(rng, 1e-6, 1e6), rng.uniform(-10.0, 10.0))
    for _ in range(200):
        add("pow", rng.uniform(0.5, 2.0), rng.uniform(-100.0, 100.0))
    for _ in range(200):
        x = 1.0 + rng.choice([-1, 1]) * loguniform(rng, 1e-12, 1e-3)
        add("pow", x, rng.choice([-1, 1]) * loguniform(rng, 1e3, 1e9))
    for _ in range(200):
        add("pow", float(rng.randint(2, 100)), float(rng.randint(-20, 20)))
    for _ in range(200):
        x = loguniform(rng, 1e-300, 1e300)
        if abs(math.log2(x)) < 1e-3:
            continue
        target = rng.uniform(-1074.0, 1023.9)
        add("pow", x, target / math.log2(x))
    for _ in range(100):
        add("pow", -loguniform(rng, 1e-3, 1e3), float(rng.randint(-30, 30)))
    for x, y in [(2.0, 0.5), (10.0, 3.0), (1.0000001, 1e9), (3.0, -2.0), (0.1, 0.3)]:
        add("pow", x, y)

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "transcendental_reference.csv")
    with open(out, "w") as fh:
        fh.write("f,x,y,cr,frac\n")
        fh.write("\n".join(rows) + "\n")
    print(f"{len(rows)} rows -> {out}")


if __name__ == "__main__":
    main()
