//! Inverse-probability weighting against a simulated panel with a known effect and selection
//! on an observed covariate: the weighted estimate recovers the effect, the naive difference
//! does not, the bootstrap interval covers, and the result does not depend on anything but
//! the seed.

use pressure_econometrics::selection::{ipw_att, IpwOptions};
use pressure_econometrics::{Design, Factor};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};
use rand_pcg::Pcg64Mcg;

/// Country-years of `units` countries × `years`: a country trait `c` and a yearly shock `x`;
/// sanctions (D = 1) are more likely the poorer the pre-sanction year (low `x`) and the
/// weaker the country (low `c`); the outcome change falls with `x` (mean reversion) and by
/// `effect` under sanctions.
fn simulated(
    seed: u64,
    units: usize,
    years: usize,
    effect: f64,
) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<u32>) {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let z = Normal::<f64>::new(0.0, 1.0).unwrap();
    let (mut y, mut d, mut x, mut unit) = (vec![], vec![], vec![], vec![]);
    for u in 0..units {
        let c = z.sample(&mut rng);
        for _ in 0..years {
            let xi = z.sample(&mut rng) + 0.5 * c;
            let p = 1.0 / (1.0 + (-(-2.5 - 1.5 * xi)).exp());
            let di = if rng.random::<f64>() < p { 1.0 } else { 0.0 };
            y.push(-2.0 * xi + effect * di + z.sample(&mut rng));
            d.push(di);
            x.push(xi);
            unit.push(u as u32);
        }
    }
    (y, d, x, unit)
}

#[test]
fn ipw_recovers_a_known_effect_that_the_naive_difference_misses() {
    let effect = -1.5;
    let (y, d, x, unit) = simulated(7, 200, 20, effect);
    let design = Design::from_columns(&["x"], &[&x])
        .unwrap()
        .with_intercept();
    let clusters = Factor::from_values("unit", &unit);
    let opts = IpwOptions {
        bootstrap: 199,
        seed: 3,
        ..Default::default()
    };
    let r = ipw_att(&y, &d, &design, Some(&clusters), &opts).unwrap();
    let att = r.effects.get("att").unwrap();
    let naive = r.effects.get("naive_difference").unwrap();
    eprintln!(
        "IPW: att {:.4} ({:.4}), naive {:.4}, true {effect}",
        att.estimate, att.std_error, naive.estimate
    );
    // Treated observations have low x, hence a higher outcome: the naive difference is far
    // above the true effect.
    assert!(naive.estimate - effect > 1.5, "naive {}", naive.estimate);
    assert!(
        (att.estimate - effect).abs() < 0.1 * effect.abs() + 2.0 * att.std_error,
        "att {} ± {}",
        att.estimate,
        att.std_error
    );
    assert!(att.ci_lower <= effect && effect <= att.ci_upper);
    assert!(att.std_error > 0.0 && att.std_error < 0.5);
    assert_eq!(r.replicates, 199);
    assert!(r.n_treated > 100 && r.n_control > 3000);
    // Same seed, same numbers.
    let again = ipw_att(&y, &d, &design, Some(&clusters), &opts).unwrap();
    assert_eq!(again.effects.std_error, r.effects.std_error);
}

#[test]
fn ipw_bias_is_small_over_replications() {
    // Mean estimate over 30 simulated panels within 5 % of the effect (point estimates only).
    let effect = -1.5;
    let opts = IpwOptions {
        bootstrap: 0,
        ..Default::default()
    };
    let mut sum = 0.0;
    for rep in 0..30 {
        let (y, d, x, _) = simulated(100 + rep, 100, 20, effect);
        let design = Design::from_columns(&["x"], &[&x])
            .unwrap()
            .with_intercept();
        sum += ipw_att(&y, &d, &design, None, &opts)
            .unwrap()
            .effects
            .get("att")
            .unwrap()
            .estimate;
    }
    let mean = sum / 30.0;
    eprintln!("IPW over 30 panels: mean ATT {mean:.4} (true {effect})");
    assert!(
        (mean - effect).abs() < 0.05 * effect.abs(),
        "mean ATT {mean} vs {effect}"
    );
}

#[test]
fn bad_treatment_values_are_refused() {
    let y = [1.0, 2.0, 3.0];
    let d = [0.0, 2.0, 1.0];
    let x = [0.1, 0.2, 0.3];
    let design = Design::from_columns(&["x"], &[&x])
        .unwrap()
        .with_intercept();
    let e = ipw_att(&y, &d, &design, None, &IpwOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("treatment must be 0 or 1, row 2 has 2"), "{e}");
}
