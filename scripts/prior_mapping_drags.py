#!/usr/bin/env python3
"""Prior mapping of the residual sanction drags (issue 14; referee step 3).

The panel estimates of `pressure estimate` (experiments/estimate/priors/nn_replication.json,
model "By type") are the *total* effect of US financial / trade sanctions on annual GDP growth
(percentage points). The model's `fiscal.drag_finance` / `fiscal.drag_trade` are *residual*
drags beyond the channels the model writes out (import compression, lost exports, reserve
freezes, rationing). This script simulates the model's total growth loss at the typical
pressure p (intensity x coverage) of a sanction year, with the explicit channels on, for a grid
of residual drags, and fits the line loss(d) = L0 + s d, so that the prior on the drag is
d = (-b - L0) / s: `shift = -L0 / s`, `scale = -1 / s` in the experiment file's
`prior = { from, model, term, scale, shift }`.

The runs are those of a calibration episode: the model's sanction intensity of the channel is
a step to p at the onset (as the episode timelines drive `sanction_trade` etc. in
experiments/calibrate; here `sanction_<ch> = <ch>_level * phase_in`, the mean-field
termination switched off, coverage 1), every other parameter at the model's default, the run
started at its steady state. Loss = mean over the first `years` sanction years of
100 x (growth_rate without sanctions - growth_rate with them), growth_rate in log points a year
(monthly output, annual means).

Usage: scripts/prior_mapping_drags.py PRESSURE_BINARY [--p 0.5] [--years 5]
"""
import argparse
import csv
import io
import pathlib
import shutil
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PANEL = {"finance": -0.968, "trade": -1.525}  # nn_replication.json "By type": sanc_us_financial, sanc_us_trade (pp)
ONSET = 5.0


def run(binary, model, sets):
    args = [binary, "run", str(model), "--save-every", str(1 / 12), "--vars", "fiscal.growth_rate"]
    for k, v in sets.items():
        args += ["--set", f"{k}={v}"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    rows = list(csv.reader(io.StringIO(out)))[2:]
    return [(float(t), float(g)) for t, g in rows]


def mean_growth(series, start, years):
    vals = [g for t, g in series if start <= t < start + years]
    return sum(vals) / len(vals)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--p", type=float, default=0.5)
    ap.add_argument("--years", type=float, default=5.0)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        models = pathlib.Path(tmp) / "models"
        shutil.copytree(ROOT / "models", models)
        path = models / "sanctions.toml"
        text = path.read_text()
        for ch in PANEL:
            old = f'[aux.sanction_{ch}]\nequation = "{ch}_level * sanctions_on"'
            assert old in text, f"models/sanctions.toml: sanction_{ch} changed; update this script"
            text = text.replace(old, f'[aux.sanction_{ch}]\nequation = "{ch}_level * phase_in"')
        path.write_text(text)
        base = mean_growth(run(a.binary, path, {"coverage_level": 1.0}), ONSET, a.years)
        print(f"p = {a.p}, loss = mean over {a.years} sanction years, default parameters")
        print("channel,drag,total_loss_pp")
        for ch, b in PANEL.items():
            grid = [0.0, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.05, 0.06]
            losses = []
            for d in grid:
                sets = {"coverage_level": 1.0, f"{ch}_level": a.p, f"fiscal.drag_{ch}": d}
                g = mean_growth(run(a.binary, path, sets), ONSET, a.years)
                losses.append(100 * (base - g))
                print(f"{ch},{d},{losses[-1]:.4f}")
            n = len(grid)
            mx, my = sum(grid) / n, sum(losses) / n
            s = sum((x - mx) * (y - my) for x, y in zip(grid, losses)) / sum((x - mx) ** 2 for x in grid)
            l0 = my - s * mx
            resid = max(abs(y - (l0 + s * x)) for x, y in zip(grid, losses))
            d_star = (-b - l0) / s
            print(
                f"# {ch}: explicit channels alone {losses[0]:.4f} pp; fit loss = {l0:.4f} + {s:.3f} d "
                f"(max deviation {resid:.4f} pp); panel {b} pp -> residual drag {d_star:.5f}; "
                f"shift = {-l0 / s:.5f}, scale = {-1 / s:.6f}"
            )


if __name__ == "__main__":
    main()
