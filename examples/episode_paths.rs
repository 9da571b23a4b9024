//! The coupled sanctions model's own path in each calibration episode, at the model's default
//! parameters (plus each episode's fixed settings: per-channel coverage in the timeline, oil
//! collapse, recorded policy levers), next to the annual observations: the table issue 12's
//! closing note asks for. Nothing is fitted.
//!
//! ```sh
//! cargo run --release --example episode_paths [-- experiments/calibrate/iran_2011.toml ...]
//! ```
//!
//! Model side, per calendar year: mean real GDP growth (log points a year x 100, trend
//! included), CPI inflation as the percent change of the annual mean price level, the annual
//! mean parallel premium (percent), and oil value added and the import-compression factor
//! relative to the start of the run. Data side: WDI GDP growth and CPI inflation (percent),
//! the parallel premium (percent) where the episode table has it.

use pressure::calibrate::experiment::Experiment;
use pressure::data::episode::EpisodeData;
use std::path::{Path, PathBuf};

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

fn observed(data: &EpisodeData, series: &str, year: i32) -> String {
    let Ok(s) = data.series(series) else {
        return "–".into();
    };
    let key = year.to_string();
    let annual: Vec<f64> = s
        .dates()
        .iter()
        .zip(s.values())
        .filter(|(d, v)| d.to_string().starts_with(&key) && v.is_finite())
        .map(|(_, v)| *v)
        .collect();
    if annual.is_empty() {
        "–".into()
    } else {
        format!("{:.1}", annual.iter().sum::<f64>() / annual.len() as f64)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        for e in [
            "iran_2011",
            "russia_2014",
            "fry_1992",
            "venezuela_2017",
            "south_africa_1985",
        ] {
            files.push(root.join(format!("experiments/calibrate/{e}.toml")));
        }
    }
    for file in files {
        let exp = Experiment::load(&file)?;
        for ep in &exp.spec.episodes {
            let mut params = exp.model.default_params();
            for (name, value) in &ep.set {
                exp.model.set_param(&mut params, name, *value)?;
            }
            let exo = exp
                .episode_exogenous(&ep.id)
                .ok_or("episode without exogenous inputs")?;
            let d = exp.model.default_settings();
            let settings = d
                .clone()
                .with_span(ep.start.unwrap_or(d.start), ep.stop.unwrap_or(d.stop))
                .with_save_every(d.dt);
            let r = exp.model.run_with(&params, exo, &settings)?;
            let data = EpisodeData::read_path(root.join(format!("data/episodes/{}.csv", ep.id)))?;
            let t = r.time();
            let col = |n: &str| r.column(n).ok_or(format!("no column {n}"));
            let growth = col("fiscal.growth_rate")?;
            let ln_p = col("money.ln_price")?;
            let premium = col("currency.premium")?;
            let oil = col("fiscal.oil_value_added")?;
            let comp = col("fiscal.import_compression")?;
            println!(
                "\n### {} ({}; origin {})\n",
                ep.id,
                file.display(),
                ep.origin
            );
            println!("| year | GDP growth model | data | CPI inflation model | data | premium model | data | oil VA (start = 100) | import compression |");
            println!("|---|---|---|---|---|---|---|---|---|");
            let first = (ep.origin + t[0]).ceil() as i32;
            let last = (ep.origin + t[t.len() - 1]).floor() as i32 - 1;
            let price_level: Vec<f64> = ln_p.iter().map(|x| x.exp()).collect();
            for y in first..=last {
                let g = annual(t, growth, ep.origin, y).unwrap_or(f64::NAN);
                let pi = match (
                    annual(t, &price_level, ep.origin, y),
                    annual(t, &price_level, ep.origin, y - 1),
                ) {
                    (Some(a), Some(b)) => format!("{:.1}", 100.0 * (a / b - 1.0)),
                    _ => "–".into(),
                };
                let prem = annual(t, premium, ep.origin, y).unwrap_or(f64::NAN);
                let o = annual(t, oil, ep.origin, y).unwrap_or(f64::NAN) / oil[0] * 100.0;
                let c = annual(t, comp, ep.origin, y).unwrap_or(f64::NAN);
                println!(
                    "| {y} | {:.1} | {} | {pi} | {} | {:.0} | {} | {o:.0} | {c:.3} |",
                    100.0 * g,
                    observed(&data, "gdp_growth", y),
                    observed(&data, "cpi_inflation", y),
                    100.0 * prem,
                    observed(&data, "parallel_premium", y),
                );
            }
        }
    }
    Ok(())
}
