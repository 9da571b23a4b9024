//! The steady-state selection rule makes the joint posterior's target a function of the
//! parameters alone (README "Steady-state uniqueness"): the coupled sanctions model has several
//! steady states near the calibrated parameters, so the objective is well defined only if the
//! state each episode starts from does not depend on which evaluations ran before, or on which
//! thread ran them.

use pressure_calibrate::experiment::{Experiment, SimPredictor};
use pressure_sim::SteadyStarts;
use std::path::{Path, PathBuf};

fn joint() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../experiments/calibrate/joint_hierarchical.toml")
}

/// Points of the joint experiment: the start values and points away from them where the
/// first start of the cascade (the default parameters' steady state) fails in some episode and
/// a later start decides (FR Yugoslavia's base money growth at 0.32, the 8000-iteration chains'
/// mean, is one; found by `examples/steady_uniqueness.rs`).
fn points(exp: &Experiment) -> Vec<Vec<f64>> {
    let names = exp.parameter_names();
    let start = exp.calibration().unwrap().params().start_external();
    let at = |edits: &[(&str, f64)]| {
        let mut x = start.clone();
        for (n, v) in edits {
            let j = names
                .iter()
                .position(|m| m == n)
                .unwrap_or_else(|| panic!("{n}"));
            x[j] = *v;
        }
        x
    };
    vec![
        start.clone(),
        at(&[("money.base_money_growth@fry_1992", 0.32)]),
        at(&[
            ("money.base_money_growth@fry_1992", 0.30),
            ("money.base_money_growth@venezuela_2017", 0.58),
            ("fiscal.trend_growth@iran_2011", 0.05),
        ]),
        at(&[("money.base_money_growth@iran_2011", 0.127)]),
    ]
}

/// The objective's bits at each point (`None` where it cannot be evaluated: continuation
/// fails where its path cannot be followed).
fn values(exp: &Experiment, xs: &[Vec<f64>]) -> Vec<Option<u64>> {
    let mut cal = exp.calibration().unwrap();
    xs.iter()
        .map(|x| cal.neg_log_lik(x).ok().map(f64::to_bits))
        .collect()
}

#[test]
fn the_objective_is_the_same_whatever_order_or_thread_evaluates_it() {
    let mut exp = Experiment::load(&joint()).unwrap();
    exp.steady_starts = SteadyStarts::Cascade;
    let xs = points(&exp);
    assert!(values(&exp, &xs).iter().all(Option::is_some));
    same_in_any_order_or_thread(&exp, &xs);
}

/// The same for continuation from the default steady state (`[steady] starts =
/// "continuation"`): each solve walks its own path from the cached default state, never from
/// an earlier solve's state.
#[test]
fn continuation_is_the_same_whatever_order_or_thread_evaluates_it() {
    let mut exp = Experiment::load(&joint()).unwrap();
    exp.steady_starts = SteadyStarts::Continuation;
    let mut xs = points(&exp);
    xs.extend(continuation_points(&exp));
    assert!(
        values(&exp, &xs).iter().filter(|v| v.is_some()).count() >= 2,
        "continuation solves fewer than two of the points"
    );
    same_in_any_order_or_thread(&exp, &xs);
}

fn same_in_any_order_or_thread(exp: &Experiment, xs: &[Vec<f64>]) {
    let forward = values(exp, xs);
    // Reversed order, one predictor: each solve follows other parameter sets than above.
    let rev: Vec<Vec<f64>> = xs.iter().rev().cloned().collect();
    let mut backward = values(exp, &rev);
    backward.reverse();
    assert_eq!(forward, backward, "evaluation order changed the objective");
    // Each point on its own thread, each with a fresh predictor, all at once.
    let threaded: Vec<Option<u64>> = std::thread::scope(|s| {
        let hs: Vec<_> = xs
            .iter()
            .map(|x| s.spawn(move || values(exp, std::slice::from_ref(x))[0]))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(forward, threaded, "the thread changed the objective");
    // The points are not all one value (the test would pass trivially on a constant).
    let solved: Vec<u64> = forward.iter().flatten().copied().collect();
    assert!(solved.windows(2).any(|w| w[0] != w[1]));
}

/// The other starts find other steady states at some of these points: the selection rule
/// matters (if every start agreed, the rule would be untested).
#[test]
fn another_start_finds_another_steady_state_where_the_cascade_falls_back() {
    let mut exp = Experiment::load(&joint()).unwrap();
    exp.steady_starts = SteadyStarts::Cascade;
    let xs = points(&exp);
    let cascade: Vec<_> = {
        let mut p = SimPredictor::new(&exp).unwrap();
        xs.iter().map(|x| p.steady_states(x)).collect()
    };
    exp.steady_starts = SteadyStarts::InitialValues;
    let mut p = SimPredictor::new(&exp).unwrap();
    let mut differ = 0;
    for (x, c) in xs.iter().zip(&cascade) {
        for ((id, a), (_, b)) in c.iter().zip(p.steady_states(x)) {
            let a = a.as_ref().unwrap_or_else(|e| panic!("cascade, {id}: {e}"));
            if let Ok(b) = b {
                if a.values.iter().zip(&b.values).any(|(u, v)| {
                    (u.value - v.value).abs() > 1e-6 * u.value.abs().max(v.value.abs()).max(1.0)
                }) {
                    differ += 1;
                }
            }
        }
    }
    assert!(differ > 0, "every start found the cascade's steady state");
}

/// FR Yugoslavia's `coalition.concession` in its steady state along its base money growth from
/// the start value to `to` (`n + 1` points, the other parameters at their start values), under
/// a selection rule; `None` where no steady state is found.
fn fry_concession_along(
    exp: &mut Experiment,
    policy: SteadyStarts,
    to: f64,
    n: usize,
) -> Vec<Option<f64>> {
    exp.steady_starts = policy;
    let names = exp.parameter_names();
    let j = names
        .iter()
        .position(|m| m == "money.base_money_growth@fry_1992")
        .unwrap();
    let start = exp.calibration().unwrap().params().start_external();
    let mut p = SimPredictor::new(exp).unwrap();
    (0..=n)
        .map(|k| {
            let mut x = start.clone();
            x[j] = start[j] + (to - start[j]) * k as f64 / n as f64;
            let states = p.steady_states(&x);
            let (_, st) = states.iter().find(|(id, _)| id == "fry_1992").unwrap();
            st.as_ref()
                .ok()
                .map(|s| s.value("coalition.concession").expect("the stock"))
        })
        .collect()
}

fn largest_step(v: &[Option<f64>]) -> f64 {
    v.windows(2)
        .filter_map(|w| Some((w[1]? - w[0]?).abs()))
        .fold(0.0, f64::max)
}

/// The point of continuation: along a line where the cascade switches FR Yugoslavia between
/// steady-state branches (a concession made or not), continuation stays on the default
/// state's branch and its state moves smoothly.
#[test]
fn continuation_stays_on_one_branch_where_the_cascade_jumps() {
    let mut exp = Experiment::load(&joint()).unwrap();
    let (to, n) = (0.32, 16);
    let cascade = fry_concession_along(&mut exp, SteadyStarts::Cascade, to, n);
    let cont = fry_concession_along(&mut exp, SteadyStarts::Continuation, to, n);
    assert!(
        largest_step(&cascade) > 0.5,
        "the cascade does not jump here: {cascade:?}"
    );
    assert!(
        cont.iter().all(Option::is_some),
        "continuation failed: {cont:?}"
    );
    assert!(
        largest_step(&cont) < 0.1,
        "continuation jumped: {cont:?} (cascade {cascade:?})"
    );
}

/// Two points in the region of the 18-parameter chains where continuation solves every
/// episode (rows 1 and 2 of `scripts/joint_h_pseudo_draws.py 200 14`; README "Steady-state
/// uniqueness"): the start values are not such a point (South Africa's path fails there).
fn continuation_points(exp: &Experiment) -> Vec<Vec<f64>> {
    let names = exp.parameter_names();
    let rows: [[f64; 18]; 2] = [
        [
            0.1341778589749386,
            0.1284582217139795,
            0.21610437924909376,
            0.595134927453425,
            0.07990267644447786,
            0.05173315210938437,
            0.027585263330256224,
            0.029901995434433587,
            0.0114986392881454,
            0.01965734294641737,
            -0.0012893015392100755,
            0.03898905689616919,
            0.006210279511433836,
            -0.38419200243311985,
            -0.8781529216022234,
            -0.9443366556009221,
            -0.42419640704429,
            0.0071280543090656845,
        ],
        [
            0.13287821832383756,
            0.10004578988255844,
            0.2805134755486874,
            0.38008721690261926,
            0.09007681982938051,
            0.0745814705455049,
            0.03592757641876318,
            0.06815059988838257,
            0.005567180002260466,
            0.030485274364369222,
            0.025545807617483728,
            0.05376844558879172,
            0.006419402134758336,
            0.7556245557322215,
            0.013820028653940386,
            0.08970144197788188,
            0.09218231791747683,
            -0.00048517086221235755,
        ],
    ];
    let order = [
        "money.base_money_growth@iran_2011",
        "money.base_money_growth@russia_2014",
        "money.base_money_growth@fry_1992",
        "money.base_money_growth@venezuela_2017",
        "money.base_money_growth@south_africa_1985",
        "fiscal.trend_growth@iran_2011",
        "fiscal.trend_growth@russia_2014",
        "fiscal.trend_growth@fry_1992",
        "fiscal.trend_growth@venezuela_2017",
        "fiscal.trend_growth@south_africa_1985",
        "fiscal.drag_finance",
        "fiscal.drag_trade:mu",
        "fiscal.drag_trade:tau",
        "fiscal.drag_trade:eta@iran_2011",
        "fiscal.drag_trade:eta@fry_1992",
        "fiscal.drag_trade:eta@south_africa_1985",
        "fiscal.drag_trade:eta@venezuela_2017",
        "fiscal.drag_energy",
    ];
    rows.iter()
        .map(|row| {
            names
                .iter()
                .map(|n| {
                    let k = order
                        .iter()
                        .position(|o| o == n)
                        .unwrap_or_else(|| panic!("{n}"));
                    row[k]
                })
                .collect()
        })
        .collect()
}
