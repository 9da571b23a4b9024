//! Loop enumeration on the causal graph: known loop structures, hidden variables of stateful
//! functions folded in, the bound and the shortest independent loop set, named loops.
//! (Polarity from numerical link gains is tested with the engine, in pressure-sim.)

use pressure_model::loops::{
    find_loops, CausalGraph, Enumeration, Link, LinkKind, LoopMethod, LoopOptions, LoopPolarity,
    LoopReport, Sign,
};
use pressure_model::Model;
use std::collections::{BTreeSet, HashSet};

fn load(text: &str) -> Model {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.toml");
    std::fs::write(&p, text).unwrap();
    pressure_model::load(&p).unwrap_or_else(|e| panic!("{e}"))
}

/// Signs for models whose every instant link increases its target (positive parameters and
/// states, as in the models below).
fn increasing(l: &Link) -> Sign {
    match l.kind {
        LinkKind::Instant => Sign::Positive,
        k => Sign::structural(k),
    }
}

fn loops(model: &Model, options: LoopOptions) -> LoopReport {
    find_loops(model, &CausalGraph::new(model), &options, &increasing)
}

fn names(m: &Model, r: &LoopReport) -> Vec<(Vec<String>, LoopPolarity)> {
    r.loops
        .iter()
        .map(|l| {
            (
                l.variables.iter().map(|v| m.var(*v).name.clone()).collect(),
                l.polarity,
            )
        })
        .collect()
}

fn v(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

pub const PREDATOR_PREY: &str = r#"
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
[loops.predation_cycle]
variables = ["prey", "predator_births", "predators", "predation"]
"#;

#[test]
fn teacup_has_one_balancing_loop() {
    let m = load(
        "[stocks.tea]\ninitial = \"180\"\noutflows = [\"heat_loss\"]\n[flows.heat_loss]\nequation = \"(tea - room) / tau\"\n[constants.room]\nvalue = 70\n[constants.tau]\nvalue = 10\n",
    );
    let r = loops(&m, LoopOptions::default());
    assert_eq!(
        names(&m, &r),
        vec![(v(&["tea", "heat_loss"]), LoopPolarity::Balancing)]
    );
    assert!(r.complete);
    assert_eq!(r.enumeration, Enumeration::All);
    let l = &r.loops[0];
    assert_eq!(l.length(), 2);
    assert_eq!(l.id, "L1");
    let signs: Vec<Sign> = l.links.iter().map(|k| k.sign).collect();
    assert_eq!(signs, vec![Sign::Positive, Sign::Negative]); // tea -> heat_loss (+), heat_loss -| tea (-)
}

#[test]
fn lotka_volterra_has_two_reinforcing_and_three_balancing_loops() {
    // prey' = births - predation, predators' = predator_births - deaths, with
    // predation = a prey predators and predator_births = c prey predators. Loops:
    //  prey -> prey_births -> prey                               R (growth)
    //  prey -> predation -| prey                                 B (prey eaten in proportion)
    //  predators -> predator_deaths -| predators                 B (mortality)
    //  predators -> predator_births -> predators                 R (more predators, more births)
    //  prey -> predator_births -> predators -> predation -| prey  B (the predator-prey cycle)
    let m = load(PREDATOR_PREY);
    let r = loops(&m, LoopOptions::default());
    let got: BTreeSet<(Vec<String>, &str)> = names(&m, &r)
        .into_iter()
        .map(|(n, p)| (n, p.letter()))
        .collect();
    let want: BTreeSet<(Vec<String>, &str)> = [
        (v(&["prey", "prey_births"]), "R"),
        (v(&["prey", "predation"]), "B"),
        (v(&["predators", "predator_deaths"]), "B"),
        (v(&["predators", "predator_births"]), "R"),
        (
            v(&["prey", "predator_births", "predators", "predation"]),
            "B",
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
    assert!(r.complete);
    // Shortest first; the named loop is the long one.
    let lengths: Vec<usize> = r.loops.iter().map(|l| l.length()).collect();
    assert_eq!(lengths, vec![2, 2, 2, 2, 4]);
    assert_eq!(r.loops[4].name.as_deref(), Some("predation_cycle"));
    assert!(r.warnings.is_empty());
}

#[test]
fn stateful_functions_are_folded_into_their_variable() {
    // perceived = SMOOTH(stock, 3): the loop stock -> perceived -> correction -> stock passes
    // through the smooth's hidden stock and flow; its internal loop is not reported.
    let m = load(
        r#"
[stocks.inventory]
initial = "100"
inflows = ["production"]
[aux.perceived]
equation = "SMOOTH(inventory, 3)"
[flows.production]
equation = "(target - perceived) / 2 + DELAY3(perceived, 4) * 0"
[constants.target]
value = 120
"#,
    );
    let r = loops(&m, LoopOptions::default());
    let n = names(&m, &r);
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].0, v(&["inventory", "perceived", "production"]));
    // Two paths perceived -> production (direct, and through DELAY3's hidden stocks) fold into
    // the same loop; with all instant gains taken positive both are reinforcing here.
    assert_eq!(n[0].1, LoopPolarity::Reinforcing);
}

#[test]
fn a_smooth_of_its_own_variable_is_a_loop_of_length_one() {
    let m = load("[aux.x]\nequation = \"SMOOTHI(x * 0.5 + 1, 2, 0)\"\n");
    let r = loops(&m, LoopOptions::default());
    assert_eq!(names(&m, &r), vec![(v(&["x"]), LoopPolarity::Reinforcing)]);
}

/// `n` stocks, each filled by a flow that reads every stock: the causal loops are the cycles
/// of the complete directed graph on the stocks, self-loops included.
fn complete_model(n: usize) -> String {
    let mut s = String::new();
    let all: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
    for i in 0..n {
        s += &format!("[stocks.s{i}]\ninitial = \"1\"\ninflows = [\"f{i}\"]\n[flows.f{i}]\nequation = \"0.01 * ({})\"\n", all.join(" + "));
    }
    s
}

fn binomial(n: usize, k: usize) -> usize {
    (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
}

fn factorial(n: usize) -> usize {
    (1..=n).product()
}

#[test]
fn johnson_finds_every_cycle_of_complete_graphs() {
    for n in 1..=6 {
        let m = load(&complete_model(n));
        let expected: usize = (1..=n).map(|k| binomial(n, k) * factorial(k - 1)).sum();
        let r = loops(
            &m,
            LoopOptions {
                method: LoopMethod::All,
                max_loops: 100_000,
            },
        );
        assert_eq!(r.loops.len(), expected, "n = {n}");
        assert!(r.complete);
        // All distinct, all reinforcing (every gain positive), lengths 2k.
        let keys: HashSet<Vec<u32>> = r
            .loops
            .iter()
            .map(|l| l.variables.iter().map(|v| v.0).collect())
            .collect();
        assert_eq!(keys.len(), expected);
        assert!(r
            .loops
            .iter()
            .all(|l| l.polarity == LoopPolarity::Reinforcing && l.length() % 2 == 0));
    }
}

#[test]
fn the_bound_switches_to_the_shortest_independent_loop_set() {
    // 6 stocks: 415 loops. With a bound of 100: the SILS. Shortest first: the 6 loops
    // s_i -> f_i -> s_i, then one loop s_i -> f_j -> s_j -> f_i -> s_i per pair {i, j}
    // (15), which together contain all 42 links: 21 loops.
    let m = load(&complete_model(6));
    let r = loops(
        &m,
        LoopOptions {
            method: LoopMethod::Auto,
            max_loops: 100,
        },
    );
    assert_eq!(r.enumeration, Enumeration::Independent);
    assert!(!r.complete);
    assert!(
        r.note
            .as_deref()
            .unwrap()
            .contains("more than 100 feedback loops"),
        "{:?}",
        r.note
    );
    assert_eq!(r.loops.len(), 21);
    assert_eq!(r.loops.iter().filter(|l| l.length() == 2).count(), 6);
    assert_eq!(r.loops.iter().filter(|l| l.length() == 4).count(), 15);
    // Every link on a loop is in some listed loop.
    let g = CausalGraph::new(&m);
    let covered: HashSet<(u32, u32)> = r
        .loops
        .iter()
        .flat_map(|l| l.links.iter().map(|k| (k.from.0, k.to.0)))
        .collect();
    for l in g.loop_links() {
        assert!(covered.contains(&(l.from.0, l.to.0)), "{l:?} not covered");
    }
    // The first 100 loops when asked for them.
    let r = loops(
        &m,
        LoopOptions {
            method: LoopMethod::All,
            max_loops: 100,
        },
    );
    assert_eq!(r.loops.len(), 100);
    assert!(!r.complete);
    assert!(r.note.unwrap().contains("stopped after 100"));
    // SILS of a model with few loops: the same as all its loops here.
    let m = load(PREDATOR_PREY);
    let r = loops(
        &m,
        LoopOptions {
            method: LoopMethod::Independent,
            max_loops: 0,
        },
    );
    assert_eq!(r.loops.len(), 5);
}

#[test]
fn named_loops_are_matched_joined_or_reported() {
    // Bounded so hard that nothing is enumerated: the declared loop is joined from its
    // variables in order, and gets its name.
    let m = load(PREDATOR_PREY);
    let r = loops(
        &m,
        LoopOptions {
            method: LoopMethod::All,
            max_loops: 1,
        },
    );
    let named: Vec<_> = r.loops.iter().filter(|l| l.name.is_some()).collect();
    assert_eq!(named.len(), 1);
    assert_eq!(named[0].length(), 4);
    assert_eq!(named[0].polarity, LoopPolarity::Balancing);

    // Not a loop: a warning at the declaration.
    let text = format!("{PREDATOR_PREY}\n[loops.bogus]\nvariables = [\"prey_births\", \"predator_deaths\"]\n[loops.constant]\nvariables = [\"prey\", \"conversion\"]\n");
    let m = load(&text);
    let r = loops(&m, LoopOptions::default());
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    let w0 = r.warnings[0].to_string();
    assert!(w0.contains("m.toml:32:8: [loops.bogus] is not a feedback loop of the model: no causal path from 'predator_deaths' to 'prey_births'"), "{w0}");
    assert!(r.warnings[1]
        .to_string()
        .contains("'conversion' is a constant and cannot be on a feedback loop"));
}
