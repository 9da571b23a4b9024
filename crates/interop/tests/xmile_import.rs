//! The XMILE importer on small models whose results are known exactly: Newton cooling under
//! Euler (a closed form), graphical functions (`xpts`, `xscale`, `ypts sep`, called by name
//! and through `LOOKUP`), non-negative stocks and flows, arrays (apply-to-all,
//! `<element>`, `SUM(a[*])`), builtins under their XMILE names; and errors that name the file,
//! line and column.

use std::collections::HashMap;
use std::path::PathBuf;

fn write(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn xmile(specs: &str, dims: &str, vars: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
<header><name>t</name><vendor>test</vendor><product version="1">test</product></header>
<sim_specs method="Euler" time_units="Minutes">{specs}</sim_specs>
<dimensions>{dims}</dimensions>
<model><variables>
{vars}
</variables></model>
</xmile>"#
    )
}

/// Runs a model file; every column by name.
fn run(path: &std::path::Path) -> (Vec<f64>, HashMap<String, Vec<f64>>) {
    let model = pressure_interop::load(path).unwrap_or_else(|e| panic!("{e}"));
    let c = pressure_sim::CompiledModel::compile(&model).unwrap();
    let r = c.run(&c.default_params(), &c.default_settings()).unwrap();
    let cols = r
        .names()
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), r.column_at(i).to_vec()))
        .collect();
    (r.time().to_vec(), cols)
}

#[test]
fn teacup_matches_the_euler_closed_form() {
    let text = xmile(
        "<start>0</start><stop>30</stop><dt reciprocal=\"true\">8</dt>",
        "",
        r#"<stock name="Teacup Temperature"><doc>The tea.</doc><units>Degrees</units>
  <eqn>180</eqn><outflow>Heat_Loss_to_Room</outflow></stock>
<flow name="Heat Loss to Room"><eqn>(Teacup_Temperature - "Room Temperature") / Characteristic_Time</eqn></flow>
<aux name="Room Temperature"><eqn>70</eqn></aux>
<aux name="Characteristic Time"><eqn>10</eqn><units>Minutes</units></aux>"#,
    );
    let (_d, path) = write("teacup.stmx", &text);
    let model = pressure_interop::load(&path).unwrap();
    assert_eq!(model.settings.dt, 0.125);
    let t = model.var(model.var_id("Teacup_Temperature").unwrap());
    assert_eq!(t.kind.name(), "stock");
    assert_eq!(t.doc.as_deref(), Some("The tea."));
    let c = model.var(model.var_id("Characteristic_Time").unwrap());
    assert_eq!(c.kind.name(), "constant", "a plain number is a parameter");
    let (time, cols) = run(&path);
    let temp = &cols["Teacup_Temperature"];
    for (n, (&t, &x)) in time.iter().zip(temp).enumerate() {
        // T_n = 70 + 110 (1 - dt / 10)^n under Euler.
        let want = 70.0 + 110.0 * (1.0f64 - 0.0125).powi(n as i32);
        assert!((x - want).abs() <= 1e-9 * want, "time {t}: {x} vs {want}");
    }
}

#[test]
fn graphical_functions_in_every_form() {
    let text = xmile(
        "<start>0</start><stop>4</stop><dt>1</dt>",
        "",
        r#"<gf name="table a"><xpts>0,2,4</xpts><ypts>0,10,0</ypts></gf>
<aux name="by name"><eqn>table_a(Time)</eqn></aux>
<aux name="carrier"><eqn>Time</eqn>
  <gf><xscale min="0" max="4"/><ypts sep=";">1;2;5</ypts></gf></aux>
<aux name="through lookup"><eqn>LOOKUP(carrier, 3)</eqn></aux>
<aux name="stepwise"><eqn>Time</eqn><gf type="discrete"><xpts>0,2</xpts><ypts>7,9</ypts></gf></aux>
<aux name="beyond"><eqn>Time + 4</eqn><gf type="extrapolate"><xpts>0,4</xpts><ypts>0,1</ypts></gf></aux>"#,
    );
    let (_d, path) = write("gf.xmile", &text);
    let (_, c) = run(&path);
    assert_eq!(c["by_name"], vec![0.0, 5.0, 10.0, 5.0, 0.0]);
    // xscale 0..4 with three points: x = 0, 2, 4.
    assert_eq!(c["carrier"], vec![1.0, 1.5, 2.0, 3.5, 5.0]);
    assert_eq!(c["through_lookup"], vec![3.5; 5]);
    assert_eq!(c["stepwise"], vec![7.0, 7.0, 9.0, 9.0, 9.0]);
    assert_eq!(c["beyond"], vec![1.0, 1.25, 1.5, 1.75, 2.0]);
}

#[test]
fn non_negative_stocks_and_flows() {
    let text = xmile(
        "<start>0</start><stop>3</stop><dt>1</dt>",
        "",
        r#"<stock name="kept"><eqn>1</eqn><outflow>drain</outflow><non_negative/></stock>
<stock name="free"><eqn>1</eqn><outflow>drain2</outflow></stock>
<flow name="drain"><eqn>0.75</eqn></flow>
<flow name="drain2"><eqn>0.75</eqn></flow>
<flow name="uniflow"><eqn>Time - 1.5</eqn><non_negative/></flow>
<stock name="filled"><eqn>0</eqn><inflow>uniflow</inflow></stock>"#,
    );
    let (_d, path) = write("nn.xmile", &text);
    let (_, c) = run(&path);
    assert_eq!(c["kept"], vec![1.0, 0.25, 0.0, 0.0]);
    assert_eq!(c["free"], vec![1.0, 0.25, -0.5, -1.25]);
    assert_eq!(c["uniflow"], vec![0.0, 0.0, 0.5, 1.5]);
    assert_eq!(c["filled"], vec![0.0, 0.0, 0.0, 0.5]);
}

#[test]
fn arrays_and_builtins() {
    let text = xmile(
        "<start>0</start><stop>2</stop><dt>0.5</dt>",
        r#"<dim name="Region"><elem name="North"/><elem name="South"/></dim><dim name="N" size="3"/>"#,
        r#"<aux name="base"><dimensions><dim name="Region"/></dimensions>
  <element subscript="North"><eqn>2</eqn></element>
  <element subscript="South"><eqn>3</eqn></element></aux>
<aux name="double"><dimensions><dim name="Region"/></dimensions><eqn>2 * base[Region]</eqn></aux>
<aux name="total"><eqn>SUM(double[*])</eqn></aux>
<aux name="largest"><eqn>MAX(base[Region])</eqn></aux>
<aux name="second"><eqn>base[2]</eqn></aux>
<aux name="v"><dimensions><dim name="N"/></dimensions><eqn>1, 2, 4</eqn></aux>
<aux name="mean v"><eqn>MEAN(v)</eqn></aux>
<aux name="remainder"><eqn>7 MOD 3</eqn></aux>
<aux name="cond"><eqn>IF Time &gt;= 1 AND NOT (Time = 2) THEN 1 ELSE 0</eqn></aux>
<aux name="smoothed"><eqn>SMTH1(10, 1, 0)</eqn></aux>
<aux name="delayed"><eqn>DELAY(Time, 1)</eqn></aux>
<aux name="first"><eqn>INIT(Time + 5)</eqn></aux>
<aux name="hyper"><eqn>COSH(0) + SINH(0) + TANH(0)</eqn></aux>
<aux name="safe"><eqn>SAFEDIV(1, 0, 9)</eqn></aux>"#,
    );
    let (_d, path) = write("arr.xmile", &text);
    let (_, c) = run(&path);
    assert_eq!(c["double[South]"], vec![6.0; 5]);
    assert_eq!(c["total"], vec![10.0; 5]);
    assert_eq!(c["largest"], vec![3.0; 5]);
    assert_eq!(c["second"], vec![3.0; 5]);
    assert_eq!(c["v[_3]"], vec![4.0; 5]);
    assert!((c["mean_v"][0] - 7.0 / 3.0).abs() < 1e-15);
    assert_eq!(c["remainder"], vec![1.0; 5]);
    assert_eq!(c["cond"], vec![0.0, 0.0, 1.0, 1.0, 0.0]);
    // S' = (10 - S) / 1 from 0 with dt 0.5: 0, 5, 7.5, 8.75, 9.375.
    assert_eq!(c["smoothed"], vec![0.0, 5.0, 7.5, 8.75, 9.375]);
    // A pipeline of 1 time unit, starting at the input's initial value (0).
    assert_eq!(c["delayed"], vec![0.0, 0.0, 0.0, 0.5, 1.0]);
    assert_eq!(c["first"], vec![5.0; 5]);
    assert_eq!(c["hyper"], vec![1.0; 5]);
    assert_eq!(c["safe"], vec![9.0; 5]);
}

#[test]
fn errors_name_file_line_and_column() {
    let text = xmile(
        "<start>0</start><stop>2</stop><dt>1</dt>",
        "",
        "<aux name=\"a\"><eqn>1 +* 2</eqn></aux>",
    );
    let (_d, path) = write("bad.xmile", &text);
    let e = pressure_interop::load(&path).unwrap_err().to_string();
    let line = text.lines().position(|l| l.contains("1 +*")).unwrap() + 1;
    let col = text.lines().nth(line - 1).unwrap().find("* 2").unwrap() + 1;
    assert!(e.contains(&format!("bad.xmile:{line}:{col}")), "{e}");

    // An unknown name: reported by the resolver at the equation.
    let text = xmile(
        "<start>0</start><stop>2</stop><dt>1</dt>",
        "",
        "<aux name=\"a\"><eqn>nothere * 2</eqn></aux>",
    );
    let (_d, path) = write("unknown.xmile", &text);
    let e = pressure_interop::load(&path).unwrap_err().to_string();
    assert!(e.contains("nothere") && e.contains("unknown.xmile:"), "{e}");

    // Malformed XML: the parser's position.
    let (_d, path) = write(
        "broken.xmile",
        "<xmile>\n  <model>\n<aux a=\"1\" a=\"2\"/></model></xmile>\n",
    );
    let e = pressure_interop::load(&path).unwrap_err().to_string();
    assert!(e.contains("broken.xmile:3:"), "{e}");
    assert!(e.contains("not well-formed XML"), "{e}");
    // An element left open is closed by its parent's end tag, with a warning there.
    let (_d, path) = write("open.xmile", "<xmile>\n  <model>\n</xmile>\n");
    let model = pressure_interop::load(&path).unwrap();
    let w = format!("{:?}", model.warnings);
    assert!(w.contains("<model> is not closed before </xmile>"), "{w}");
    assert!(w.contains("line: 3"), "{w}");

    // Not XMILE at all.
    let (_d, path) = write("other.xml", "<svg></svg>");
    let e = pressure_interop::load(&path).unwrap_err().to_string();
    assert!(e.contains("not an XMILE file"), "{e}");

    // Deep nesting is refused, not a stack overflow.
    let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    let text = xmile(
        "<start>0</start><stop>2</stop><dt>1</dt>",
        "",
        &format!("<aux name=\"a\"><eqn>{deep}</eqn></aux>"),
    );
    let (_d, path) = write("deep.xmile", &text);
    let e = pressure_interop::load(&path).unwrap_err().to_string();
    assert!(e.contains("nests deeper"), "{e}");
}

#[test]
fn unsupported_constructs_are_named() {
    let text = xmile(
        "<start>0</start><stop>2</stop><dt>1</dt>",
        "",
        r#"<stock name="belt"><eqn>0</eqn><conveyor><len>2</len></conveyor></stock>
<module name="sub"/>"#,
    );
    let (_d, path) = write("unsup.xmile", &text);
    let e = pressure_interop::load(&path).unwrap_err().to_string();
    assert!(e.contains("conveyors are not supported"), "{e}");
    assert!(e.contains("modules are not supported"), "{e}");
}

#[test]
fn xmutil_postfix_not_before_then_negates_the_condition() {
    let text = xmile(
        "<start>0</start><stop>2</stop><dt>1</dt>",
        "",
        r#"<aux name="off"><eqn>0</eqn></aux>
<aux name="on"><eqn>1</eqn></aux>
<aux name="not off"><eqn>( IF off not  THEN 1 ELSE 0 )</eqn></aux>
<aux name="not on"><eqn>IF on not THEN 1 ELSE 0</eqn></aux>"#,
    );
    let (_d, path) = write("not.xmile", &text);
    let (_, cols) = run(&path);
    assert!(cols["not_off"].iter().all(|&x| x == 1.0));
    assert!(cols["not_on"].iter().all(|&x| x == 0.0));
    // Anywhere else a trailing NOT is still an error with its line and column.
    let bad = xmile(
        "<start>0</start><stop>2</stop><dt>1</dt>",
        "",
        r#"<aux name="x"><eqn>1 not</eqn></aux>"#,
    );
    let (_d2, path2) = write("bad.xmile", &bad);
    let e = pressure_interop::load(&path2).unwrap_err().to_string();
    assert!(e.contains("bad.xmile:7:"), "{e}");
}

#[test]
fn an_unclosed_element_is_closed_by_its_parents_end_tag() {
    // `<flow name="f2">` has no `</flow>`: as libxml2's recovering parser does, the element
    // ends at `</variables>`, and what followed it inside (the stock) is not a variable.
    let text = xmile(
        "<start>0</start><stop>3</stop><dt>1</dt>",
        "",
        r#"<flow name="f1"><eqn>Time - 2</eqn><non_negative> TruE  </non_negative></flow>
<flow name="f2"><eqn>Time - 2</eqn><non_negative>FALSE  </non_negative>
<stock name="s"><inflow>f2</inflow><eqn>1</eqn></stock>"#,
    );
    let (_d, path) = write("open.xmile", &text);
    let model = pressure_interop::load(&path).unwrap();
    assert!(model.var_id("s").is_none());
    let (_, cols) = run(&path);
    assert_eq!(cols["f1"], vec![0.0, 0.0, 0.0, 1.0]);
    assert_eq!(cols["f2"], vec![-2.0, -1.0, 0.0, 1.0]);
    // A stray end tag that closes nothing is still an error with its line and column.
    let stray = xmile(
        "<start>0</start><stop>3</stop><dt>1</dt>",
        "",
        r#"<aux name="a"><eqn>1</eqn></aux></flow>"#,
    );
    let (_d2, path2) = write("stray.xmile", &stray);
    let e = pressure_interop::load(&path2).unwrap_err().to_string();
    assert!(
        e.contains("not well-formed XML") && e.contains("stray.xmile:7:"),
        "{e}"
    );
}
