"""Reading sources, formatting numbers and writing tables deterministically."""

import csv
import math
import os


class SourceError(Exception):
    """A source file is missing or does not look as expected."""


class Shared:
    """The shared data folder (read-only reference material)."""

    def __init__(self, root):
        self.root = root
        if not os.path.isfile(os.path.join(root, "SOURCES.md")):
            raise SourceError(
                f"{root} does not look like the shared data folder (no SOURCES.md); "
                "pass --shared DIR or set PRESSURE_SHARED"
            )

    def path(self, rel):
        p = os.path.join(self.root, rel)
        if not os.path.isfile(p):
            raise SourceError(f"missing source file {p}")
        return p

    def rows(self, rel):
        """All rows of a CSV source as dicts of strings."""
        with open(self.path(rel), newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))


def num(s):
    """A source cell as float, or None when empty / not a number."""
    if s is None:
        return None
    s = s.strip()
    if s == "" or s.upper() in ("NA", "NAN"):
        return None
    try:
        x = float(s)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def fmt(x, decimals):
    """Fixed decimals, trailing zeros stripped; '' for None. Deterministic across platforms."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    s = f"{x:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", ""):
        s = "0"
    return s


def fmt_sig(x, digits=10):
    """Significant digits (for exchange rates spanning 1e-5 .. 1e10); '' for None."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    s = f"{x:.{digits}g}"
    if "e" in s:
        # Write plain decimals: easier to read, and every CSV reader takes them.
        mant, exp = s.split("e")
        e = int(exp)
        if e < 0:
            s = fmt(x, digits - e)
        else:
            s = fmt(x, 0)
    return s


def fmt_int(x):
    return "" if x is None else str(int(x))


def write_csv(path, header, rows):
    """Writes rows (lists of already formatted strings) with '\\n' line endings."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(r)


class Log:
    """Build log: what was read, what was dropped, the checks; written next to the data."""

    def __init__(self):
        self.lines = []

    def __call__(self, msg):
        self.lines.append(msg)

    def write(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(self.lines) + "\n")
