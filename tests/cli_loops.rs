//! `pressure loops` end to end: predator-prey and teacup loops with polarity, a polarity
//! that changes with `--at`, the bounded enumeration, JSON output, and bad input.

use std::path::Path;

mod cli_support;
use cli_support::{pressure, stderr, write};

const PREDATOR_PREY: &str = r#"
[model]
name = "predator_prey"
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
[loops.predator_prey_cycle]
variables = ["prey", "predator_births", "predators", "predation"]
doc = "more prey feed more predators, who eat more prey"
"#;

#[test]
fn predator_prey_loops_as_json() {
    let d = tempfile::tempdir().unwrap();
    let m = write(d.path(), "pp.toml", PREDATOR_PREY);
    let o = pressure(&["loops", m.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["complete"], true);
    assert_eq!(v["enumeration"], "all");
    assert_eq!(v["time"], 0.0);
    assert_eq!(v["counts"]["reinforcing"], 2);
    assert_eq!(v["counts"]["balancing"], 3);
    let loops = v["loops"].as_array().unwrap();
    let mut got: Vec<(String, String, u64)> = loops
        .iter()
        .map(|l| {
            let vars: Vec<&str> = l["variables"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap())
                .collect();
            (
                vars.join(" "),
                l["polarity"].as_str().unwrap().to_string(),
                l["length"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        ("prey prey_births".to_string(), "reinforcing".to_string(), 2),
        ("prey predation".to_string(), "balancing".to_string(), 2),
        (
            "predators predator_deaths".to_string(),
            "balancing".to_string(),
            2,
        ),
        (
            "predators predator_births".to_string(),
            "reinforcing".to_string(),
            2,
        ),
        (
            "prey predator_births predators predation".to_string(),
            "balancing".to_string(),
            4,
        ),
    ];
    want.sort();
    assert_eq!(got, want);
    let named = loops
        .iter()
        .find(|l| l["name"] == "predator_prey_cycle")
        .unwrap();
    assert_eq!(
        named["doc"],
        "more prey feed more predators, who eat more prey"
    );
    let signs: Vec<&str> = named["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["sign"].as_str().unwrap())
        .collect();
    assert_eq!(signs, vec!["+", "+", "+", "-"]);
}

#[test]
fn teacup_text_output() {
    let teacup = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/examples/teacup.toml");
    let o = pressure(&["loops", teacup.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("teacup: 1 feedback loop (all loops): 1 balancing; polarity at time 0"),
        "{out}"
    );
    assert!(out.contains("L1   B  length 2    teacup_temperature -(+)-> heat_loss_to_room -(-)-> teacup_temperature"), "{out}");
}

#[test]
fn polarity_changes_with_at() {
    // Logistic growth: reinforcing while x < K/2 (until about t = 5.3), balancing after.
    let d = tempfile::tempdir().unwrap();
    let m = write(
        d.path(),
        "logistic.toml",
        "[settings]\nstop = 20\ndt = 0.125\n[stocks.x]\ninitial = \"1\"\ninflows = [\"growth\"]\n[flows.growth]\nequation = \"r * x * (1 - x / K)\"\n[constants.r]\nvalue = 0.8\n[constants.K]\nvalue = 100\n",
    );
    let polarity = |at: &str| -> String {
        let o = pressure(&["loops", m.to_str().unwrap(), "--at", at, "--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["time"].as_f64().unwrap(), at.parse::<f64>().unwrap());
        v["loops"][0]["polarity"].as_str().unwrap().to_string()
    };
    assert_eq!(polarity("0"), "reinforcing");
    assert_eq!(polarity("4"), "reinforcing");
    assert_eq!(polarity("8"), "balancing");
    assert_eq!(polarity("20"), "balancing");
}

#[test]
fn many_loops_give_the_shortest_independent_set_and_say_so() {
    // 6 stocks each fed by a flow that reads all of them: 415 loops.
    let d = tempfile::tempdir().unwrap();
    let mut text = String::from("[settings]\nstop = 1\ndt = 0.5\n");
    let all: Vec<String> = (0..6).map(|i| format!("s{i}")).collect();
    for i in 0..6 {
        text += &format!("[stocks.s{i}]\ninitial = \"1\"\ninflows = [\"f{i}\"]\n[flows.f{i}]\nequation = \"0.01 * ({})\"\n", all.join(" + "));
    }
    let m = write(d.path(), "dense.toml", &text);
    let o = pressure(&["loops", m.to_str().unwrap(), "--max-loops", "100"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("21 feedback loops (shortest independent loop set)"),
        "{out}"
    );
    assert!(
        out.contains("note: the model has more than 100 feedback loops"),
        "{out}"
    );
    let o = pressure(&[
        "loops",
        m.to_str().unwrap(),
        "--max-loops",
        "1000",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["loops"].as_array().unwrap().len(), 415);
    assert_eq!(v["complete"], true);
    let o = pressure(&[
        "loops",
        m.to_str().unwrap(),
        "--independent",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["loops"].as_array().unwrap().len(), 21);
    assert_eq!(v["enumeration"], "shortest_independent_loop_set");
}

#[test]
fn out_file_is_written_with_a_manifest() {
    let d = tempfile::tempdir().unwrap();
    let m = write(d.path(), "pp.toml", PREDATOR_PREY);
    let out = d.path().join("res/loops.json");
    let o = pressure(&[
        "loops",
        m.to_str().unwrap(),
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
        "--at",
        "5",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["time"], 5.0);
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("res/loops.json.manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["extra"]["time"], 5.0);
    assert_eq!(manifest["inputs"].as_array().unwrap().len(), 1);
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let m = write(d.path(), "pp.toml", PREDATOR_PREY);
    let out = d.path().join("loops.txt");
    // A time off the dt grid, or outside the run.
    for at in ["0.005", "25", "-1"] {
        let o = pressure(&[
            "loops",
            m.to_str().unwrap(),
            "--at",
            at,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{at}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("is not a step of the run"),
            "{}",
            stderr(&o)
        );
        assert!(!out.exists());
    }
    // A model error.
    let bad = write(d.path(), "bad.toml", "[aux.a]\nequation = \"b + 1\"\n");
    let o = pressure(&["loops", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.toml:2:13"), "{}", stderr(&o));
    // A declared loop that is not a loop: a warning with its location, the rest still listed.
    let text = format!(
        "{PREDATOR_PREY}\n[loops.nonsense]\nvariables = [\"prey_births\", \"predator_deaths\"]\n"
    );
    let m2 = write(d.path(), "pp2.toml", &text);
    let o = pressure(&["loops", m2.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains("pp2.toml:")
            && err.contains("[loops.nonsense] is not a feedback loop of the model"),
        "{err}"
    );
}
