//! Which mechanism drives each year's GDP growth in a calibration episode: the coupled model run
//! at a fit's estimate (or its defaults), its annual GDP growth next to the data, and that growth
//! split into the model's channels. The diagnosis tool of the README's "Misfits" section.
//!
//! ```sh
//! cargo run --release --example growth_decomposition -- \
//!     experiments/calibrate/iran_2011.toml [out/iran/params.csv] [fiscal.drag_energy=0.1 ...]
//! ```
//!
//! Real GDP in the model (`models/fiscal.toml`) moves towards
//! `Y* = Y_oil + K_n · a^β · D` with `ln K_n` driven by the growth drags; the level the
//! calibration compares with the data is `exp(∫ growth_rate)`, i.e. trend × `Y`. Per calendar
//! year, in percentage points of log growth of the annual mean (× 100):
//!
//! * `trend`: the fitted trend growth;
//! * `oil vol`: the export sector's volume (capacity erosion, the embargo's shut-in), weighted by
//!   its share of `Y*`;
//! * `san drag`, `infl drag`, `rent+inst`, `catch-up`: the flows of non-oil capacity (the
//!   residual sanction drags; high inflation; rent dissipation and mobilisation; convergence),
//!   each integrated separately and weighted by the non-oil share;
//! * `imp comp`: imported inputs (FX rationing and the premium compress them);
//! * `fiscal`: the fiscal-demand factor (spending against its pre-episode level);
//! * `lag+cross`: the rest (output's adjustment lag towards `Y*` and the cross terms).
//!
//! The model's growth (`model`) is the percent change of the annual mean level, the fit's own
//! observation equation; the components add up to its log version (`model log`). The oil price
//! enters through revenue, imports and spending, so it shows under `imp comp` and `fiscal`, not
//! as a column of its own: run with `--flat-oil` to hold it at its first recorded value and compare.

use pressure::calibrate::experiment::Experiment;
use pressure::data::episode::EpisodeData;
use std::path::{Path, PathBuf};

/// Mean of `x` over the points with `origin + t` in calendar year `year`.
fn annual(time: &[f64], x: &[f64], origin: f64, year: i32) -> Option<f64> {
    let (a, b) = (year as f64 - origin, year as f64 + 1.0 - origin);
    let v: Vec<f64> = time
        .iter()
        .zip(x)
        .filter(|(t, _)| **t >= a - 1e-9 && **t < b - 1e-9)
        .map(|(_, v)| *v)
        .collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Running trapezoid integral of `x` over `time`, starting at 0.
fn integral(time: &[f64], x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    for i in 1..x.len() {
        out[i] = out[i - 1] + 0.5 * (x[i] + x[i - 1]) * (time[i] - time[i - 1]);
    }
    out
}

fn observed(data: &EpisodeData, series: &str, year: i32) -> Option<f64> {
    let s = data.series(series).ok()?;
    let key = year.to_string();
    let v: Vec<f64> = s
        .dates()
        .iter()
        .zip(s.values())
        .filter(|(d, v)| d.to_string() == key && v.is_finite())
        .map(|(_, v)| *v)
        .collect();
    (!v.is_empty()).then(|| v[0])
}

fn read_estimate(path: &Path) -> Result<Vec<(String, f64)>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let mut f = line.split(',');
        let (Some(name), Some(value)) = (f.next(), f.next()) else {
            continue;
        };
        out.push((name.to_string(), value.parse()?));
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = PathBuf::from(
        args.first()
            .ok_or("usage: EXPERIMENT.toml [params.csv] [name=value ...] [--flat-oil]")?,
    );
    let exp = Experiment::load(&file)?;
    let ep = &exp.spec.episodes[0];
    let mut params = exp.model.default_params();
    for (name, value) in &ep.set {
        exp.model.set_param(&mut params, name, *value)?;
    }
    let mut flat_oil = false;
    for a in &args[1..] {
        if a == "--flat-oil" {
            flat_oil = true;
        } else if let Some((k, v)) = a.split_once('=') {
            exp.model.set_param(&mut params, k, v.parse()?)?;
        } else {
            for (k, v) in read_estimate(Path::new(a))? {
                exp.model.set_param(&mut params, &k, v)?;
            }
        }
    }
    let mut exo = exp
        .episode_exogenous(&ep.id)
        .ok_or("episode without exogenous inputs")?
        .clone();
    if flat_oil {
        let i = exp
            .model
            .exogenous_index("oil_price")
            .ok_or("no exogenous oil_price")?;
        let mut flat = exo.series()[i].clone();
        let v0 = flat.values[0];
        flat.values.iter_mut().for_each(|v| *v = v0);
        exo.set(&exp.model, "oil_price", flat)?;
    }
    let d = exp.model.default_settings();
    let settings = d
        .clone()
        .with_span(ep.start.unwrap_or(d.start), ep.stop.unwrap_or(d.stop))
        .with_save_every(d.dt);
    let r = exp.model.run_with(&params, &exo, &settings)?;
    let data = EpisodeData::read_path(root.join(format!("data/episodes/{}.csv", ep.id)))?;
    let t = r.time();
    let col = |n: &str| r.column(n).ok_or(format!("no column {n}"));
    let growth = col("fiscal.growth_rate")?;
    let level: Vec<f64> = integral(t, growth).iter().map(|x| x.exp()).collect();
    let oil = col("fiscal.oil_value_added")?;
    let target = col("fiscal.output_target")?;
    let comp = col("fiscal.import_compression")?;
    let demand = col("fiscal.demand_factor")?;
    let flows: Vec<Vec<f64>> = [
        "fiscal.sanction_drag",
        "fiscal.inflation_drag",
        "fiscal.rent_drag",
        "fiscal.instability_drag",
        "fiscal.catch_up",
    ]
    .iter()
    .map(|n| col(n).map(|x| integral(t, x)))
    .collect::<Result<_, _>>()?;
    let trend_growth = growth[0] - col("fiscal.output_change")?[0] / col("fiscal.output")?[0];
    println!(
        "\n### {} ({}; origin {}; trend growth {:.4}; oil price {})\n",
        ep.id,
        file.display(),
        ep.origin,
        trend_growth,
        if flat_oil {
            "held at its first value"
        } else {
            "as recorded"
        }
    );
    println!("| year | data | model | model log | trend | oil vol | san drag | infl drag | rent+inst | catch-up | imp comp | fiscal | lag+cross | oil VA share | oil VA (first year = 100) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let first = (ep.origin + t[0]).ceil() as i32 + 1;
    let last = (ep.origin + t[t.len() - 1]).floor() as i32 - 1;
    for y in first..=last {
        let m = |x: &[f64], yy: i32| annual(t, x, ep.origin, yy).unwrap_or(f64::NAN);
        let dl = |x: &[f64]| 100.0 * (m(x, y) / m(x, y - 1)).ln();
        let dd = |x: &[f64]| 100.0 * (m(x, y) - m(x, y - 1));
        let model = 100.0 * (m(&level, y) / m(&level, y - 1) - 1.0);
        let model_log = dl(&level);
        let oil_share = m(oil, y - 1) / m(target, y - 1);
        let oil_c = oil_share * dl(oil);
        let w = 1.0 - oil_share;
        let san = -w * dd(&flows[0]);
        let inf = -w * dd(&flows[1]);
        let ri = -w * (dd(&flows[2]) + dd(&flows[3]));
        let cu = w * dd(&flows[4]);
        let ic = w * dl(comp);
        let fd = w * dl(demand);
        let tr = 100.0 * trend_growth;
        let rest = model_log - tr - oil_c - san - inf - ri - cu - ic - fd;
        let obs = ["gdp_growth", "gdppc_growth_maddison"]
            .iter()
            .find_map(|s| observed(&data, s, y))
            .map_or("–".to_string(), |v| format!("{v:.1}"));
        println!(
            "| {y} | {obs} | {model:.1} | {model_log:.1} | {tr:.1} | {oil_c:.1} | {san:.1} | {inf:.1} | {ri:.1} | {cu:.1} | {ic:.1} | {fd:.1} | {rest:.1} | {oil_share:.2} | {:.0} |",
            100.0 * m(oil, y) / m(oil, first - 1)
        );
    }
    Ok(())
}
