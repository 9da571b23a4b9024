//! Loop polarity from numerical link gains: known models give exactly their loops with the
//! right polarity; the gains match the analytic partial derivatives; a loop whose polarity
//! changes over the run shows it at different times; arrays, smooths and modules.

use pressure_model::loops::{find_loops, CausalGraph, LoopOptions, LoopPolarity, LoopReport, Sign};
use pressure_model::Model;
use pressure_sim::{link_gains, CompiledModel, LinkGains, SimError};
use std::collections::BTreeSet;
use std::path::Path;

fn load_in(dir: &Path, files: &[(&str, &str)]) -> Model {
    for (n, t) in files {
        std::fs::write(dir.join(n), t).unwrap();
    }
    pressure_model::load(&dir.join(files[0].0)).unwrap_or_else(|e| panic!("{e}"))
}

fn load(text: &str) -> Model {
    let dir = tempfile::tempdir().unwrap();
    load_in(dir.path(), &[("m.toml", text)])
}

fn analyse(model: &Model, at: Option<f64>) -> (LoopReport, LinkGains) {
    let compiled = CompiledModel::compile(model).unwrap();
    let graph = CausalGraph::new(model);
    let gains = link_gains(
        model,
        &compiled,
        &compiled.default_params(),
        at,
        &graph.loop_links(),
    )
    .unwrap();
    let report = find_loops(model, &graph, &LoopOptions::default(), &gains);
    (report, gains)
}

fn summary(m: &Model, r: &LoopReport) -> BTreeSet<(String, &'static str)> {
    r.loops
        .iter()
        .map(|l| {
            let names: Vec<&str> = l
                .variables
                .iter()
                .map(|v| m.var(*v).name.as_str())
                .collect();
            (names.join(" -> "), l.polarity.letter())
        })
        .collect()
}

fn gain(m: &Model, g: &LinkGains, from: &str, to: &str) -> f64 {
    let (f, t) = (m.var_id(from).unwrap(), m.var_id(to).unwrap());
    let lg = g
        .iter()
        .find(|x| x.link.from == f && x.link.to == t)
        .unwrap_or_else(|| panic!("no link {from} -> {to}"));
    assert_eq!(lg.partials.len(), 1);
    lg.partials[0].2
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1e-12)
}

const TEACUP: &str = r#"
[settings]
stop = 30
dt = 0.125
[stocks.teacup_temperature]
initial = "180"
outflows = ["heat_loss"]
[flows.heat_loss]
equation = "(teacup_temperature - room_temperature) / characteristic_time"
[constants.room_temperature]
value = 70
[constants.characteristic_time]
value = 10
"#;

#[test]
fn teacup_single_balancing_loop_with_its_gain() {
    let m = load(TEACUP);
    let (r, g) = analyse(&m, None);
    assert_eq!(
        summary(&m, &r),
        BTreeSet::from([("teacup_temperature -> heat_loss".to_string(), "B")])
    );
    // d heat_loss / d temperature = 1 / characteristic_time, at any time.
    assert!(close(gain(&m, &g, "teacup_temperature", "heat_loss"), 0.1));
    let (r, g) = analyse(&m, Some(20.0));
    assert_eq!(r.loops[0].polarity, LoopPolarity::Balancing);
    assert!(close(gain(&m, &g, "teacup_temperature", "heat_loss"), 0.1));
    assert_eq!(g.time, 20.0);
}

const LOTKA_VOLTERRA: &str = r#"
[settings]
stop = 20
dt = 0.01
[stocks.prey]
initial = "10"
inflows = ["prey_births"]
outflows = ["predation"]
[stocks.predators]
initial = "5"
inflows = ["predator_births"]
outflows = ["predator_deaths"]
[flows.prey_births]
equation = "prey_birth_rate * prey"
[flows.predation]
equation = "predation_rate * prey * predators"
[flows.predator_births]
equation = "conversion * prey * predators"
[flows.predator_deaths]
equation = "predator_death_rate * predators"
[constants.prey_birth_rate]
value = 1
[constants.predation_rate]
value = 0.1
[constants.conversion]
value = 0.02
[constants.predator_death_rate]
value = 0.4
"#;

#[test]
fn lotka_volterra_loops_and_polarities() {
    // From the equations: prey births (R), predation of prey (B), predator deaths (B),
    // predator births (R), and the predator-prey cycle prey -> predator_births ->
    // predators -> predation -| prey (B).
    let m = load(LOTKA_VOLTERRA);
    let (r, g) = analyse(&m, None);
    let want = BTreeSet::from([
        ("prey -> prey_births".to_string(), "R"),
        ("prey -> predation".to_string(), "B"),
        ("predators -> predator_deaths".to_string(), "B"),
        ("predators -> predator_births".to_string(), "R"),
        (
            "prey -> predator_births -> predators -> predation".to_string(),
            "B",
        ),
    ]);
    assert_eq!(summary(&m, &r), want);
    assert_eq!(
        r.loops
            .iter()
            .filter(|l| l.polarity == LoopPolarity::Balancing)
            .count(),
        3
    );
    // Analytic partial derivatives at prey = 10, predators = 5.
    assert!(close(gain(&m, &g, "prey", "predation"), 0.1 * 5.0));
    assert!(close(gain(&m, &g, "predators", "predation"), 0.1 * 10.0));
    assert!(close(gain(&m, &g, "prey", "predator_births"), 0.02 * 5.0));
    assert!(close(gain(&m, &g, "predators", "predator_deaths"), 0.4));
    // Flows into and out of stocks: +1 and -1.
    assert_eq!(gain(&m, &g, "predation", "prey"), -1.0);
    assert_eq!(gain(&m, &g, "prey_births", "prey"), 1.0);
    // The structure is the same later in the cycle (all states stay positive).
    let (r, _) = analyse(&m, Some(7.5));
    assert_eq!(summary(&m, &r), want);
}

#[test]
fn logistic_growth_changes_polarity_over_time() {
    // growth = r x (1 - x / K): d growth / d x = r (1 - 2 x / K), positive while x < K/2
    // (reinforcing: growth accelerates), negative after (balancing: growth levels off).
    let m = load(
        "[settings]\nstop = 20\ndt = 0.125\n[stocks.x]\ninitial = \"1\"\ninflows = [\"growth\"]\n[flows.growth]\nequation = \"r * x * (1 - x / K)\"\n[constants.r]\nvalue = 0.8\n[constants.K]\nvalue = 100\n",
    );
    let compiled = CompiledModel::compile(&m).unwrap();
    let results = compiled
        .run(&compiled.default_params(), &compiled.default_settings())
        .unwrap();
    let x = results.column("x").unwrap();
    let mut seen = Vec::new();
    for at in [0.0, 2.0, 10.0, 20.0] {
        let (r, g) = analyse(&m, Some(at));
        assert_eq!(r.loops.len(), 1);
        let row = (at / 0.125) as usize;
        let expected = 0.8 * (1.0 - 2.0 * x[row] / 100.0);
        assert!(
            close(gain(&m, &g, "x", "growth"), expected),
            "at {at}: {} vs {expected}",
            gain(&m, &g, "x", "growth")
        );
        let want = if x[row] < 50.0 {
            LoopPolarity::Reinforcing
        } else {
            LoopPolarity::Balancing
        };
        assert_eq!(r.loops[0].polarity, want, "at {at} x = {}", x[row]);
        seen.push(r.loops[0].polarity);
    }
    assert_eq!(
        seen,
        vec![
            LoopPolarity::Reinforcing,
            LoopPolarity::Reinforcing,
            LoopPolarity::Balancing,
            LoopPolarity::Balancing
        ]
    );
}

#[test]
fn a_clipped_link_makes_its_loop_inactive() {
    // Spending only reacts to debt above a threshold: below it the loop is inactive.
    let m = load(
        "[settings]\nstop = 10\ndt = 1\n[stocks.debt]\ninitial = \"10\"\ninflows = [\"borrowing\"]\noutflows = [\"repayment\"]\n[flows.borrowing]\nequation = \"2\"\n[flows.repayment]\nequation = \"MAX(0, debt - 15) * 0.5\"\n",
    );
    let (r, _) = analyse(&m, None);
    assert_eq!(r.loops[0].polarity, LoopPolarity::Inactive);
    assert_eq!(r.loops[0].links[0].sign, Sign::Zero);
    // From time 4 debt is 18 > 15: balancing.
    let (r, _) = analyse(&m, Some(5.0));
    assert_eq!(r.loops[0].polarity, LoopPolarity::Balancing);
}

#[test]
fn a_smooth_on_the_loop_keeps_its_polarity() {
    // production = (target - SMOOTH(inventory, 3)) / 2: a goal-seeking loop through the
    // perception delay; the smooth's hidden stock and flow fold into 'perceived'.
    let m = load(
        "[settings]\nstop = 10\ndt = 0.25\n[stocks.inventory]\ninitial = \"100\"\ninflows = [\"production\"]\n[aux.perceived]\nequation = \"SMOOTH(inventory, 3)\"\n[flows.production]\nequation = \"(target - perceived) / 2\"\n[constants.target]\nvalue = 120\n",
    );
    let (r, _) = analyse(&m, None);
    assert_eq!(
        summary(&m, &r),
        BTreeSet::from([("inventory -> perceived -> production".to_string(), "B")])
    );
    let signs: Vec<Sign> = r.loops[0].links.iter().map(|l| l.sign).collect();
    assert_eq!(signs, vec![Sign::Positive, Sign::Negative, Sign::Positive]);
}

#[test]
fn arrayed_loops_are_reported_once_with_element_gains() {
    // Each group's loyalty moves towards its target and towards the mean loyalty:
    //  loyalty -> change -> loyalty: d change[i] / d loyalty[i] = -1/2 - 0.1, balancing for
    //    every element;
    //  loyalty -> mean_loyalty -> change -> loyalty: through the scalar mean, the loop gain is
    //    sum_i (d change[i] / d mean) (d mean / d loyalty[i]) = 3 * 0.1 * 1/3 = +0.1,
    //    reinforcing (conformity pulls everyone the same way).
    let m = load(
        r#"
[settings]
stop = 10
dt = 0.25
[dimensions]
group = ["a", "b", "c"]
[stocks.loyalty]
dims = ["group"]
initial = "0.5"
inflows = ["change"]
[flows.change]
dims = ["group"]
equation = "(target[group] - loyalty[group]) / adjust + 0.1 * (mean_loyalty - loyalty[group])"
[aux.mean_loyalty]
equation = "SUM(loyalty[group!]) / 3"
[constants.target]
dims = ["group"]
value = [0.2, 0.6, 0.9]
[constants.adjust]
value = 2
"#,
    );
    let (r, g) = analyse(&m, None);
    assert_eq!(
        summary(&m, &r),
        BTreeSet::from([
            ("loyalty -> change".to_string(), "B"),
            ("loyalty -> mean_loyalty -> change".to_string(), "R"),
        ])
    );
    let (f, t) = (m.var_id("loyalty").unwrap(), m.var_id("change").unwrap());
    let lg = g
        .iter()
        .find(|x| x.link.from == f && x.link.to == t)
        .unwrap();
    let entries: Vec<(usize, usize)> = lg.partials.iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(entries, vec![(0, 0), (1, 1), (2, 2)]);
    for &(_, _, v) in &lg.partials {
        assert!(close(v, -0.6), "{v}");
    }
    let (f, t) = (
        m.var_id("loyalty").unwrap(),
        m.var_id("mean_loyalty").unwrap(),
    );
    let lg = g
        .iter()
        .find(|x| x.link.from == f && x.link.to == t)
        .unwrap();
    let entries: Vec<(usize, usize)> = lg.partials.iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(entries, vec![(0, 0), (0, 1), (0, 2)]);
}

#[test]
fn element_loops_of_different_signs_are_undetermined() {
    // d growth[i] / d x[i] = rate[i]: positive for two elements, negative for one.
    let m = load(
        "[settings]\nstop = 4\ndt = 0.5\n[dimensions]\ng = [\"a\", \"b\", \"c\"]\n[stocks.x]\ndims = [\"g\"]\ninitial = \"1\"\ninflows = [\"growth\"]\n[flows.growth]\ndims = [\"g\"]\nequation = \"rate[g] * x[g]\"\n[constants.rate]\ndims = [\"g\"]\nvalue = [0.1, -0.2, 0.3]\n",
    );
    let (r, _) = analyse(&m, None);
    assert_eq!(r.loops.len(), 1);
    assert_eq!(r.loops[0].links[0].sign, Sign::Mixed);
    assert_eq!(r.loops[0].polarity, LoopPolarity::Undetermined);
}

#[test]
fn apply_to_all_loops_have_the_common_sign_of_their_elements() {
    let m = load(
        "[settings]\nstop = 4\ndt = 0.5\n[dimensions]\ngroup = [\"a\", \"b\", \"c\", \"d\"]\n[stocks.s]\ndims = [\"group\"]\ninitial = \"1\"\noutflows = [\"decay\"]\n[flows.decay]\ndims = [\"group\"]\nequation = \"s[group] * rate[group]\"\n[constants.rate]\ndims = [\"group\"]\nvalue = [0.1, 0.2, 0.3, 0.4]\n",
    );
    let (r, g) = analyse(&m, None);
    assert_eq!(
        summary(&m, &r),
        BTreeSet::from([("s -> decay".to_string(), "B")])
    );
    let (f, t) = (m.var_id("s").unwrap(), m.var_id("decay").unwrap());
    let lg = g
        .iter()
        .find(|x| x.link.from == f && x.link.to == t)
        .unwrap();
    let diag: Vec<(usize, usize)> = lg.partials.iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(diag, vec![(0, 0), (1, 1), (2, 2), (3, 3)]);
    assert!(close(lg.partials[3].2, 0.4));
}

#[test]
fn loops_cross_module_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let m = load_in(
        dir.path(),
        &[
            (
                "root.toml",
                "[settings]\nstop = 5\ndt = 0.5\n[modules.tank]\nfile = \"tank.toml\"\n[modules.tank.inputs]\ninflow = \"pump\"\n[aux.pump]\nequation = \"MAX(0, 10 - tank.level) * 0.3\"\n",
            ),
            (
                "tank.toml",
                "[interface]\ninputs = [\"inflow\"]\noutputs = [\"level\"]\n[constants.inflow]\nvalue = 0\n[stocks.level]\ninitial = \"2\"\ninflows = [\"filling\"]\n[flows.filling]\nequation = \"inflow\"\n",
            ),
        ],
    );
    let (r, _) = analyse(&m, None);
    assert_eq!(
        summary(&m, &r),
        BTreeSet::from([(
            "tank.level -> pump -> tank.inflow -> tank.filling".to_string(),
            "B"
        )])
    );
}

#[test]
fn times_off_the_grid_are_bad_input() {
    let m = load(TEACUP);
    let compiled = CompiledModel::compile(&m).unwrap();
    let links = CausalGraph::new(&m).loop_links();
    for at in [0.1, -1.0, 31.0, f64::NAN] {
        match link_gains(&m, &compiled, &compiled.default_params(), Some(at), &links) {
            Err(e @ SimError::InvalidSettings { field: "at", .. }) => {
                assert!(e.is_input_error());
                assert!(e.to_string().contains("is not a step of the run"), "{e}");
            }
            other => panic!("{at}: {other:?}"),
        }
    }
    let short = pressure_sim::ParamSet::from_vec(vec![1.0]);
    assert!(matches!(
        link_gains(&m, &compiled, &short, None, &links),
        Err(SimError::WrongLength { .. })
    ));
}
