//! Issue 4, deliverable 4: the named feedback loops of the library (`[loops.NAME]` in the model
//! files, literature.md 5.6) are found by the loop analysis (`pressure loops`, library API
//! `pressure::model::loops`), and models/README.md lists each of them with its polarity.
//!
//! Polarity is evaluated where the loops are active: the coupled model under the UN
//! comprehensive embargo with relief on concession (so the loops through the sanctions'
//! lifting exist), two years after onset; each block alone at its initial time.

mod behaviour_support;
use behaviour_support::*;
use pressure::model::loops::{find_loops, CausalGraph, LoopOptions, LoopPolarity};
use pressure::sim::{link_gains, CompiledModel};
use std::collections::BTreeMap;

/// Named loops found in `file`, with their polarity.
fn named_loops(
    file: &str,
    sets: &[(&str, f64)],
    scenario: Option<&str>,
    at: Option<f64>,
) -> BTreeMap<String, LoopPolarity> {
    let ir = load_ir(file);
    let compiled = CompiledModel::compile(&ir).unwrap();
    let mut params = compiled.default_params();
    let (mut exo, mut settings) = (compiled.default_exogenous(), compiled.default_settings());
    if let Some(s) = scenario {
        pressure::sim::Scenario::load(&models_dir().join(s))
            .and_then(|s| s.apply(&compiled, &mut params, &mut exo, &mut settings))
            .unwrap();
    }
    for (name, value) in sets {
        compiled.set_param(&mut params, name, *value).unwrap();
    }
    let graph = CausalGraph::new(&ir);
    let gains = link_gains(&ir, &compiled, &params, at, &graph.loop_links()).unwrap();
    let report = find_loops(&ir, &graph, &LoopOptions::default(), &gains);
    assert!(
        report.warnings.is_empty(),
        "{file}: named loops that match no loop: {:?}",
        report.warnings
    );
    let declared: Vec<&str> = ir.loops.iter().map(|l| l.name.as_str()).collect();
    let mut out = BTreeMap::new();
    for l in &report.loops {
        if let Some(n) = &l.name {
            out.insert(n.clone(), l.polarity);
        }
    }
    for d in declared {
        assert!(
            out.contains_key(d),
            "{file}: loop {d} is declared but not found"
        );
    }
    println!(
        "{file}: {} loops found ({} named)",
        report.loops.len(),
        out.len()
    );
    out
}

/// The loop table of models/README.md: rows `| NAME | polarity | ...`.
fn readme_loops() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(models_dir().join("README.md")).expect("models/README.md");
    text.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let name = cells.get(1)?.trim_matches('`');
            let pol = *cells.get(2)?;
            (name.starts_with(['B', 'R'])
                && name.contains('_')
                && ["reinforcing", "balancing"].contains(&pol))
            .then(|| (name.to_string(), pol.to_string()))
        })
        .collect()
}

/// Named loops of every file, by name without the module prefix, with every polarity found.
#[test]
fn named_loops_are_found_and_match_the_readme() {
    let mut evaluations = Vec::new();
    for file in [
        "fiscal.toml",
        "inflation.toml",
        "currency.toml",
        "coalition.toml",
    ] {
        evaluations.push(named_loops(file, &[], None, None));
    }
    evaluations.push(named_loops(
        "sanctions.toml",
        &[("relief_on_concession", 1.0)],
        Some("scenarios/un_comprehensive.toml"),
        Some(ONSET + 2.0),
    ));
    let mut found: BTreeMap<String, Vec<LoopPolarity>> = BTreeMap::new();
    for m in evaluations {
        for (n, p) in m {
            let short = n.rsplit('.').next().unwrap().to_string();
            found.entry(short).or_default().push(p);
        }
    }
    let readme = readme_loops();
    assert_eq!(
        readme.keys().collect::<Vec<_>>(),
        found.keys().collect::<Vec<_>>(),
        "README loop table vs [loops] declarations"
    );
    let mut verified = 0;
    for (n, ps) in &found {
        let active: Vec<&str> = ps
            .iter()
            .filter(|p| matches!(p, LoopPolarity::Reinforcing | LoopPolarity::Balancing))
            .map(|p| p.name())
            .collect();
        println!("{n}: README {}, found {:?}", readme[n], ps);
        assert!(
            active.iter().all(|p| *p == readme[n]),
            "{n}: README says {}, the loop analysis finds {active:?}",
            readme[n]
        );
        verified += usize::from(!active.is_empty());
    }
    // Loops inactive at the evaluated states (a clipped MAX on the path) keep the polarity the
    // literature gives; at least the spirals and the block loops are verified.
    assert!(
        verified >= 8,
        "only {verified} loops active where evaluated"
    );
}
