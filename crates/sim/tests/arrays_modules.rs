//! Arrays and modules: an arrayed model equals the same model written out element by element
//! (1, 5 and 50 elements), a model split into two modules equals the flat model, and every bad
//! input of both gets a located error.

mod common;
use pressure_sim::{CompiledModel, Method};
use std::path::PathBuf;

fn files(list: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for (n, t) in list {
        std::fs::write(dir.path().join(n), t).unwrap();
    }
    let root = dir.path().join(list[0].0);
    (dir, root)
}

fn compile_files(list: &[(&str, &str)]) -> CompiledModel {
    let (_d, root) = files(list);
    let m = pressure_model::load(&root).unwrap_or_else(|e| panic!("{e}"));
    CompiledModel::compile(&m).unwrap()
}

fn load_error(list: &[(&str, &str)]) -> String {
    let (_d, root) = files(list);
    match pressure_model::load(&root) {
        Ok(_) => panic!("should not load"),
        Err(e) => e.to_string(),
    }
}

fn arrayed(n: usize) -> String {
    let elems: Vec<String> = (0..n).map(|i| format!("\"e{i}\"")).collect();
    let base: Vec<String> = (0..n)
        .map(|i| format!("{}", 1.0 + i as f64 * 0.5))
        .collect();
    format!(
        r#"
[settings]
stop = 10
dt = 0.25
[dimensions]
g = [{}]
[constants.base]
dims = ["g"]
value = [{}]
[constants.rate]
value = 0.3
[stocks.s]
dims = ["g"]
initial = "base[g]"
inflows = ["f"]
[flows.f]
dims = ["g"]
equation = "rate * (mean_s - s[g]) + SMOOTH(base[g] * STEP(1, 2), 2) * 0.1"
[aux.mean_s]
equation = "MEAN(s[g!])"
[aux.total]
equation = "SUM(s[g!] * base[g!])"
[aux.top]
equation = "s[e0] + MAX(s[g!])"
"#,
        elems.join(", "),
        base.join(", ")
    )
}

fn scalar(n: usize) -> String {
    let mut t = String::from("[settings]\nstop = 10\ndt = 0.25\n[constants.rate]\nvalue = 0.3\n");
    for i in 0..n {
        t += &format!(
            "[constants.base_e{i}]\nvalue = {}\n[stocks.s_e{i}]\ninitial = \"base_e{i}\"\ninflows = [\"f_e{i}\"]\n[flows.f_e{i}]\nequation = \"rate * (mean_s - s_e{i}) + SMOOTH(base_e{i} * STEP(1, 2), 2) * 0.1\"\n",
            1.0 + i as f64 * 0.5
        );
    }
    let sum: Vec<String> = (0..n).map(|i| format!("s_e{i}")).collect();
    let wsum: Vec<String> = (0..n).map(|i| format!("s_e{i} * base_e{i}")).collect();
    t += &format!("[aux.mean_s]\nequation = \"({}) / {n}\"\n", sum.join(" + "));
    t += &format!("[aux.total]\nequation = \"{}\"\n", wsum.join(" + "));
    let max = if n == 1 {
        "s_e0".to_string()
    } else {
        format!("MAX({})", sum.join(", "))
    };
    t += &format!("[aux.top]\nequation = \"s_e0 + {max}\"\n");
    t
}

#[test]
fn arrayed_models_equal_the_written_out_models() {
    for n in [1, 5, 50] {
        let a = compile_files(&[("a.toml", &arrayed(n))]);
        let s = compile_files(&[("s.toml", &scalar(n))]);
        for method in [Method::Euler, Method::Rk4] {
            let ra = common::run(&a, method, 0.25);
            let rs = common::run(&s, method, 0.25);
            for i in 0..n {
                let (x, y) = (
                    ra.column(&format!("s[e{i}]")).unwrap(),
                    rs.column(&format!("s_e{i}")).unwrap(),
                );
                assert_eq!(x, y, "n={n} {method:?} element {i}");
                assert_eq!(
                    ra.column(&format!("f[e{i}]")).unwrap(),
                    rs.column(&format!("f_e{i}")).unwrap()
                );
            }
            for name in ["mean_s", "total", "top"] {
                assert_eq!(
                    ra.column(name).unwrap(),
                    rs.column(name).unwrap(),
                    "n={n} {method:?} {name}"
                );
            }
        }
        // Both compile to the same amount of work per element.
        let (_, oa, _, _) = a.program_size();
        let (_, os, _, _) = s.program_size();
        assert_eq!(oa, os, "n={n}: arrayed {oa} instructions, scalar {os}");
    }
}

const GROUPS: &str = r#"
[settings]
stop = 1
dt = 1
[dimensions]
group = ["tec", "sec", "pty", "biz", "prov"]
hard = { subrange_of = "group", elements = ["sec", "pty"] }
[constants.w]
dims = ["group"]
value = { tec = 1, sec = 2, pty = 3, biz = 4, prov = 5 }
[aux.payoff]
dims = ["group"]
equations = { tec = "1", hard = "2 * w[group]", biz = "w[prov] * 3", prov = "4" }
[aux.hard_sum]
equation = "SUM(w[hard!])"
[aux.share]
dims = ["group"]
equation = "w[group] / SUM(w[group!])"
[aux.h]
dims = ["hard"]
equation = "w[hard] * 10"
[aux.stats]
equation = "PROD(w[group!]) + STDDEV(w[group!]) * 1000 + MIN(w[group!]) * 0.5"
[lookups.effect]
dims = ["group"]
points = [[0, 0], [10, 10]]
[lookups.effect.tables.tec]
points = [[0, 0], [10, 100]]
[aux.eff]
dims = ["group"]
equation = "effect[group](w[group])"
"#;

#[test]
fn per_element_equations_subranges_reductions_and_arrayed_lookups() {
    let c = compile_files(&[("m.toml", GROUPS)]);
    let r = common::run(&c, Method::Euler, 1.0);
    let at = |n: &str| r.column(n).unwrap()[0];
    assert_eq!(
        ["tec", "sec", "pty", "biz", "prov"].map(|e| at(&format!("payoff[{e}]"))),
        [1.0, 4.0, 6.0, 15.0, 4.0]
    );
    assert_eq!(at("hard_sum"), 5.0);
    assert_eq!(at("share[pty]"), 3.0 / 15.0);
    assert_eq!((at("h[sec]"), at("h[pty]")), (20.0, 30.0));
    let sd = 2f64.sqrt(); // population sd of 1..5
    assert!((at("stats") - (120.0 + sd * 1000.0 + 0.5)).abs() < 1e-9);
    assert_eq!(at("eff[tec]"), 10.0);
    assert_eq!(at("eff[biz]"), 4.0);
    // Parameters of arrayed constants are per element.
    assert!(c.param_index("w[sec]").is_some());
    let mut p = c.default_params();
    c.set_param(&mut p, "w", 1.0).unwrap();
    let r = c.run(&p, &c.default_settings()).unwrap();
    assert_eq!(r.column("hard_sum").unwrap()[0], 2.0);
}

#[test]
fn arrayed_constants_from_csv() {
    let c = compile_files(&[
        ("m.toml", "[dimensions]\ng = [\"a\", \"b\"]\n[constants.k]\ndims = [\"g\"]\nfile = \"k.csv\"\n[aux.s]\nequation = \"SUM(k[g!])\"\n"),
        ("k.csv", "g,value\nb,2.5\na,1\n"),
    ]);
    let r = common::run(&c, Method::Euler, 1.0);
    assert_eq!(r.column("k[a]").unwrap()[0], 1.0);
    assert_eq!(r.column("s").unwrap()[0], 3.5);
}

#[test]
fn array_errors_are_located() {
    let base = "[dimensions]\ng = [\"a\", \"b\"]\nh = [\"x\", \"y\"]\n[constants.k]\ndims = [\"g\"]\nvalue = [1, 2]\n";
    let e = load_error(&[(
        "m.toml",
        &format!("{base}[aux.s]\ndims = [\"gg\"]\nequation = \"1\"\n"),
    )]);
    assert!(
        e.contains("m.toml:8:9")
            && e.contains("unknown dimension 'gg'")
            && e.contains("did you mean 'g'"),
        "{e}"
    );
    let e = load_error(&[("m.toml", &format!("{base}[aux.s]\nequation = \"k[c]\"\n"))]);
    assert!(
        e.contains("m.toml:8:15") && e.contains("unknown dimension or element 'c'"),
        "{e}"
    );
    let e = load_error(&[(
        "m.toml",
        &format!("{base}[aux.s]\ndims = [\"h\"]\nequation = \"k[h]\"\n"),
    )]);
    assert!(
        e.contains("m.toml:9:15") && e.contains("mismatched dimensions"),
        "{e}"
    );
    let e = load_error(&[("m.toml", &format!("{base}[aux.s]\nequation = \"k[g]\"\n"))]);
    assert!(e.contains("is not arrayed over 'g'"), "{e}");
    let e = load_error(&[(
        "m.toml",
        &format!("{base}[aux.s]\ndims = [\"g\"]\nequations = {{ a = \"1\" }}\n"),
    )]);
    assert!(
        e.contains("m.toml:7:6") && e.contains("no equation for element(s) [b]"),
        "{e}"
    );
    let e = load_error(&[(
        "m.toml",
        &format!("{base}[aux.s]\ndims = [\"g\"]\nequations = {{ a = \"1\", g = \"2\" }}\n"),
    )]);
    assert!(
        e.contains("m.toml:9:24") && e.contains("element [a] already has an equation"),
        "{e}"
    );
    let e = load_error(&[("m.toml", &format!("{base}[aux.s]\nequation = \"SUM(k)\"\n"))]);
    assert!(e.contains("arrayed over [g]"), "{e}");
}

const BLOCK: &str = r#"
[interface]
inputs = ["inflow", "price"]
outputs = ["level", "value"]
[constants.inflow]
value = 1
[exogenous.price]
points = [[0, 2], [10, 2]]
[stocks.level]
initial = "10"
inflows = ["fill"]
outflows = ["leak"]
[flows.fill]
equation = "inflow"
[flows.leak]
equation = "level * k"
[constants.k]
value = 0.1
[aux.value]
equation = "level * price"
"#;

const PARENT: &str = r#"
[settings]
stop = 10
dt = 0.25
[modules.a]
file = "block.toml"
[modules.a.inputs]
inflow = "base_inflow"
price = "3"
[modules.b]
file = "block.toml"
[modules.b.inputs]
inflow = "a.value * 0.05"
price = "a.level"
[constants.base_inflow]
value = 2
[aux.total]
equation = "a.value + b.value"
"#;

const FLAT: &str = r#"
[settings]
stop = 10
dt = 0.25
[constants.base_inflow]
value = 2
[stocks.a_level]
initial = "10"
inflows = ["a_fill"]
outflows = ["a_leak"]
[flows.a_fill]
equation = "base_inflow"
[flows.a_leak]
equation = "a_level * a_k"
[constants.a_k]
value = 0.1
[aux.a_value]
equation = "a_level * 3"
[stocks.b_level]
initial = "10"
inflows = ["b_fill"]
outflows = ["b_leak"]
[flows.b_fill]
equation = "a_value * 0.05"
[flows.b_leak]
equation = "b_level * b_k"
[constants.b_k]
value = 0.1
[aux.b_value]
equation = "b_level * a_level"
[aux.total]
equation = "a_value + b_value"
"#;

#[test]
fn two_instances_of_a_module_equal_the_flat_model() {
    let m = compile_files(&[("parent.toml", PARENT), ("block.toml", BLOCK)]);
    let f = compile_files(&[("flat.toml", FLAT)]);
    for method in [Method::Euler, Method::Rk4] {
        let rm = common::run(&m, method, 0.25);
        let rf = common::run(&f, method, 0.25);
        for (mn, fn_) in [
            ("a.level", "a_level"),
            ("b.level", "b_level"),
            ("a.value", "a_value"),
            ("b.value", "b_value"),
            ("total", "total"),
        ] {
            assert_eq!(
                rm.column(mn).unwrap(),
                rf.column(fn_).unwrap(),
                "{method:?} {mn}"
            );
        }
    }
    // Module parameters are namespaced and overridable.
    let mut p = m.default_params();
    m.set_param(&mut p, "b.k", 0.5).unwrap();
    assert!(m.param_index("a.k").is_some() && m.param_index("k").is_none());
}

#[test]
fn a_block_runs_alone_with_its_defaults() {
    let c = compile_files(&[("block.toml", BLOCK)]);
    let r = common::run(&c, Method::Euler, 1.0);
    assert_eq!(r.column("value").unwrap()[0], 20.0);
}

#[test]
fn module_errors_are_located() {
    let unwired = PARENT.replace("price = \"3\"\n", "");
    let e = load_error(&[("parent.toml", &unwired), ("block.toml", BLOCK)]);
    assert!(
        e.contains("parent.toml:5:10") && e.contains("input 'price' of module 'a' is not wired"),
        "{e}"
    );
    let not_input = PARENT.replace("price = \"3\"", "price = \"3\"\ncost = \"1\"");
    let e = load_error(&[("parent.toml", &not_input), ("block.toml", BLOCK)]);
    assert!(e.contains("'cost' is not an input of module 'a'"), "{e}");
    let not_output = PARENT.replace("a.value + b.value", "a.leak + b.value");
    let e = load_error(&[("parent.toml", &not_output), ("block.toml", BLOCK)]);
    assert!(
        e.contains("'leak' is not an output of module 'a'") && e.contains("level, value"),
        "{e}"
    );
    let e = load_error(&[("self.toml", "[modules.me]\nfile = \"self.toml\"\n")]);
    assert!(
        e.contains("self.toml:2:8") && e.contains("includes itself: self.toml -> self.toml"),
        "{e}"
    );
    let e = load_error(&[
        ("x.toml", "[modules.y]\nfile = \"y.toml\"\n"),
        ("y.toml", "[modules.x]\nfile = \"x.toml\"\n"),
    ]);
    assert!(
        e.contains("includes itself: x.toml -> y.toml -> x.toml"),
        "{e}"
    );
    let e = load_error(&[("p.toml", "[modules.m]\nfile = \"missing.toml\"\n")]);
    assert!(
        e.contains("p.toml:2:8") && e.contains("cannot read model file"),
        "{e}"
    );
}
