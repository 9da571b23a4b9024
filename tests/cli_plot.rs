//! `pressure plot` end to end: each figure kind redrawn from a CSV in its documented layout,
//! in each format, and every bad input rejected with exit code 2, a message naming the file,
//! row and column (or listing what is offered), and no output file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pressure(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pressure"))
        .args(args)
        .output()
        .expect("run pressure")
}

/// Stderr with miette's frame characters and line wrapping undone, so messages can be matched.
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .replace(['│', '×'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d =
            std::env::temp_dir().join(format!("pressure-cli-plot-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// One small CSV per kind, in the layout `pressure plot --help` documents.
const INPUTS: [(&str, &str, &str); 13] = [
    (
        "timeseries",
        "observable,unit,time,model,observed,lower,upper,level,time_unit\n\
         inflation,% per year,2010,5,5.5,4,6,95%,year\n\
         inflation,% per year,2011,9,,7,11,95%,year\n\
         inflation,% per year,2012,21,19,17,25,95%,year\n",
        "inflation (% per year)",
    ),
    (
        "fit-grid",
        "observable,unit,time,model,observed\n\
         inflation,% per year,2010,5,5.5\n\
         inflation,% per year,2011,9,8\n\
         gdp,index,2010,100,101\n\
         gdp,index,2011,95,97\n",
        "% per year",
    ),
    (
        "scenarios",
        "scenario,variable,unit,time,value\n\
         baseline,gdp,index,0,100\nbaseline,gdp,index,1,101\n\
         embargo,gdp,index,0,100\nembargo,gdp,index,1,92\n",
        "gdp (index)",
    ),
    (
        "tornado",
        "parameter,low,high,base,output,unit\n\
         money growth,12,31,20,peak inflation,% per year\n\
         import share,18,23,20,peak inflation,% per year\n",
        "peak inflation (% per year)",
    ),
    (
        "morris",
        "parameter,mu_star,sigma,mu_star_conf,output,unit\n\
         a,1.0,2.0,0.3,peak inflation,% per year\n\
         b,4.0,1.0,0.5,peak inflation,% per year\n",
        "μ* of peak inflation (% per year)",
    ),
    (
        "sobol",
        "parameter,S1,S1_conf,ST,ST_conf,output\n\
         a,0.2,0.05,0.3,0.05,peak inflation\n\
         b,0.5,0.05,0.6,0.07,peak inflation\n",
        "Sobol index of peak inflation",
    ),
    (
        "indices-time",
        "parameter,time,S1,S1_conf,ST,ST_conf\n\
         a,0,0.1,0.02,0.2,0.02\na,1,0.2,0.02,0.3,0.02\n\
         b,0,0.5,0.02,0.6,0.02\nb,1,0.4,0.02,0.5,0.02\n",
        "First-order index S₁",
    ),
    (
        "profile",
        "parameter,unit,value,deviance,estimate,lower,upper\n\
         growth,1/year,0.1,6.0,0.3,0.16,0.44\n\
         growth,1/year,0.3,0.0,0.3,0.16,0.44\n\
         growth,1/year,0.5,7.0,0.3,0.16,0.44\n",
        "growth (1/year)",
    ),
    (
        "posterior",
        "chain,draw,growth [1/year],pass_through\n\
         0,0,0.31,0.6\n0,1,0.29,0.55\n0,2,0.35,0.62\n1,0,0.30,0.58\n",
        "growth (1/year)",
    ),
    (
        "pairs",
        "chain,draw,growth [1/year],pass_through\n\
         0,0,0.31,0.6\n0,1,0.29,0.55\n0,2,0.35,0.62\n1,0,0.30,0.58\n",
        "growth (1/year)",
    ),
    (
        "event-study",
        "event_time,estimate,std_error,unit\n-3,0.1,0.4,pp\n-2,0.0,0.4,pp\n0,-1.0,0.5,pp\n1,-2.0,0.5,pp\n",
        "Effect (pp)",
    ),
    (
        "kaplan-meier",
        "group,time,survival,censored,time_unit\n\
         sanctioned,2,0.8,0,year\nsanctioned,3,0.8,1,year\nsanctioned,5,0.5,0,year\n\
         other,4,0.9,0,year\n",
        "Time (year)",
    ),
    (
        "coef",
        "term,estimate,ci_low,ci_high,unit\nsanctions,2.0,1.0,3.0,pp\noil price,-1.0,-2.5,0.5,pp\n",
        "Estimate (pp)",
    ),
];

#[test]
fn every_kind_redraws_from_its_csv_layout() {
    let dir = Dir::new("kinds");
    for (kind, csv, axis_title) in INPUTS {
        let input = dir.file(&format!("{kind}.csv"), csv);
        let out = dir.path(&format!("{kind}.svg"));
        let o = pressure(&["plot", kind, s(&input), "--out", s(&out)]);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        let svg = std::fs::read_to_string(&out).unwrap();
        assert!(
            svg.contains(r#"width="3.35in""#),
            "{kind}: single column by default"
        );
        assert!(
            svg.contains(&format!(">{axis_title}</text>")),
            "{kind}: no `{axis_title}` in the SVG"
        );
    }
}

#[test]
fn png_and_pdf_formats_by_flag_and_extension() {
    let dir = Dir::new("formats");
    let input = dir.file("coef.csv", INPUTS[12].1);
    // From the extension.
    let png = dir.path("coef.png");
    let o = pressure(&[
        "plot",
        "coef",
        s(&input),
        "--out",
        s(&png),
        "--width",
        "double",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    assert_eq!(width, 2070, "double column = 6.9 in × 300 dpi");
    // From the flag, whatever the name.
    let pdf = dir.path("coef.figure");
    let o = pressure(&[
        "plot",
        "coef",
        s(&input),
        "--out",
        s(&pdf),
        "--format",
        "pdf",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("/FontFile2") && text.contains("DejaVuSans"),
        "font not embedded"
    );
}

/// Runs a command that must fail as bad input: exit code 2, no output file.
fn rejects(args: &[&str], out: &Path) -> String {
    let o = pressure(args);
    assert_eq!(o.status.code(), Some(2), "expected exit 2: {}", stderr(&o));
    assert!(
        !out.exists(),
        "an output file was written despite the error"
    );
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary file left behind");
    stderr(&o)
}

#[test]
fn missing_input_file_is_named() {
    let dir = Dir::new("missing");
    let out = dir.path("x.svg");
    let missing = dir.path("nope.csv");
    let e = rejects(&["plot", "coef", s(&missing), "--out", s(&out)], &out);
    assert!(
        e.contains("nope.csv") && e.contains("cannot read the file"),
        "{e}"
    );
}

#[test]
fn malformed_csv_names_file_row_and_column() {
    let dir = Dir::new("malformed");
    let out = dir.path("x.svg");
    let bad_number = dir.file(
        "bad.csv",
        "term,estimate,ci_low,ci_high\na,1.0,0.5,1.5\nb,one,0.5,1.5\n",
    );
    let e = rejects(&["plot", "coef", s(&bad_number), "--out", s(&out)], &out);
    assert!(
        e.contains("bad.csv, row 3, column `estimate`: expected a number, found `one`"),
        "{e}"
    );

    let ragged = dir.file(
        "ragged.csv",
        "term,estimate,ci_low,ci_high\na,1.0,0.5,1.5\nb,2.0\n",
    );
    let e = rejects(&["plot", "coef", s(&ragged), "--out", s(&out)], &out);
    assert!(
        e.contains("ragged.csv, row 3") && e.contains("2 fields but the header has 4"),
        "{e}"
    );

    let no_col = dir.file("nocol.csv", "name,value\na,1\n");
    let e = rejects(&["plot", "tornado", s(&no_col), "--out", s(&out)], &out);
    assert!(
        e.contains("nocol.csv, row 1, column `output_at_low`: missing column"),
        "{e}"
    );
    assert!(e.contains("the header has: name, value"), "{e}");
}

#[test]
fn unknown_kind_lists_the_kinds() {
    let dir = Dir::new("kind");
    let input = dir.file("coef.csv", INPUTS[12].1);
    let out = dir.path("x.svg");
    let e = rejects(&["plot", "violin", s(&input), "--out", s(&out)], &out);
    assert!(e.contains("unknown figure kind `violin`"), "{e}");
    for k in [
        "timeseries",
        "fit-grid",
        "tornado",
        "morris",
        "sobol",
        "kaplan-meier",
        "coef",
    ] {
        assert!(e.contains(k), "kind {k} not listed: {e}");
    }
}

#[test]
fn width_and_format_not_offered() {
    let dir = Dir::new("opts");
    let input = dir.file("coef.csv", INPUTS[12].1);
    let out = dir.path("x.svg");
    let e = rejects(
        &[
            "plot",
            "coef",
            s(&input),
            "--out",
            s(&out),
            "--width",
            "triple",
        ],
        &out,
    );
    assert!(
        e.contains("width `triple` is not offered; use one of: single, double"),
        "{e}"
    );
    let e = rejects(
        &[
            "plot",
            "coef",
            s(&input),
            "--out",
            s(&out),
            "--format",
            "eps",
        ],
        &out,
    );
    assert!(
        e.contains("format `eps` is not offered; use one of: svg, png, pdf"),
        "{e}"
    );
    let odd = dir.path("x.tiff");
    let e = rejects(&["plot", "coef", s(&input), "--out", s(&odd)], &odd);
    assert!(e.contains("cannot tell the format"), "{e}");
}

#[test]
fn select_picks_one_panel_and_reports_unknown_names() {
    let dir = Dir::new("select");
    let input = dir.file("fit.csv", INPUTS[1].1);
    let out = dir.path("gdp.svg");
    // Two observables do not fit one `timeseries` panel: the error says what to do.
    let e = rejects(&["plot", "timeseries", s(&input), "--out", s(&out)], &out);
    assert!(
        e.contains("2 observables (inflation, gdp)") && e.contains("--select"),
        "{e}"
    );
    let o = pressure(&[
        "plot",
        "timeseries",
        s(&input),
        "--out",
        s(&out),
        "--select",
        "gdp",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains(">gdp (index)</text>"));
    let other = dir.path("other.svg");
    let e = rejects(
        &[
            "plot",
            "fit-grid",
            s(&input),
            "--out",
            s(&other),
            "--select",
            "cpi",
        ],
        &other,
    );
    assert!(
        e.contains("no observable named `cpi`; the file has: inflation, gdp"),
        "{e}"
    );
}

#[test]
fn help_documents_the_layouts() {
    let o = pressure(&["plot", "--help"]);
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout);
    for k in ["timeseries", "kaplan-meier", "coef"] {
        assert!(help.contains(k));
    }
    assert!(help.contains("mu_star, sigma"), "{help}");
}
