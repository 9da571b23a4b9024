//! Vensim's external data in the `.mdl` importer: `GET XLS/DIRECT CONSTANTS`, `DATA` and
//! `LOOKUPS` from a small workbook (`tests/data/external.xlsx`, written by
//! `tests/data/make_external_xlsx.py`, which describes its cells) and from `.csv` files named
//! relative to the model; each checked by running a model against values worked out by hand
//! from those cells, and the errors checked to name the model's line and the data's cell.

mod mdl_text;
use mdl_text::run_at;
use std::collections::HashMap;
use std::path::PathBuf;

/// A folder with the workbook and the model `m.mdl` (the body, then times 0 to 6).
fn write(body: &str) -> (tempfile::TempDir, PathBuf) {
    mdl_text::write(body, 6, &["external.xlsx"])
}

fn run(body: &str) -> HashMap<String, Vec<f64>> {
    let (_dir, path) = write(body);
    run_at(&path)
}

fn error(body: &str) -> String {
    let (_dir, path) = write(body);
    mdl_text::error_at(&path)
}

const RANGES: &str = "
d: a1, a2, a3 ~~|
r: r1, r2 ~~|
";

#[test]
fn constants_from_cells_blocks_names_and_transposed() {
    let v = run(&format!(
        "{RANGES}
row[d] = GET XLS CONSTANTS('external.xlsx', 'Data', 'B5') ~~|
block[r, d] = GET DIRECT CONSTANTS('external.xlsx', 'Data', 'block') ~~|
column[r] = GET XLS CONSTANTS('external.xlsx', 'data', 'C5*') ~~|
one = GET XLS CONSTANTS('external.xlsx', 'Data', 'D6') ~~|
local[d] = GET DIRECT CONSTANTS('external.xlsx', 'Down', 'local*') ~~|
mixed[a1] = 7 ~~|
mixed[a2] = GET XLS CONSTANTS('external.xlsx', 'Data', 'C6') ~~|
mixed[a3] = 9 ~~|
"
    ));
    let at0 = |n: &str| v.get(n).unwrap_or_else(|| panic!("no column {n}"))[0];
    // B5:D5 is 1 2 3; B5:D6 is 1 2 3 / 4 5 6; C5 down is 2, 5; D6 is 6.
    assert_eq!(
        [at0("row[a1]"), at0("row[a2]"), at0("row[a3]")],
        [1.0, 2.0, 3.0]
    );
    assert_eq!(
        [
            at0("block[r1,a1]"),
            at0("block[r1,a3]"),
            at0("block[r2,a2]")
        ],
        [1.0, 3.0, 5.0]
    );
    assert_eq!([at0("column[r1]"), at0("column[r2]")], [2.0, 5.0]);
    assert_eq!(at0("one"), 6.0);
    // 'local' is defined for sheet Down only: B2:B4 = 5, 6, 8, read down (*).
    assert_eq!(
        [at0("local[a1]"), at0("local[a2]"), at0("local[a3]")],
        [5.0, 6.0, 8.0]
    );
    assert_eq!(
        [at0("mixed[a1]"), at0("mixed[a2]"), at0("mixed[a3]")],
        [7.0, 5.0, 9.0]
    );
}

#[test]
fn data_interpolate_hold_backward_and_look_forward() {
    // Times 0, 2, 4 across row 1; r1 = 10, (empty), 30; r2 = 1, 2, 3.
    let v = run(&format!(
        "{RANGES}
lin[r] := GET XLS DATA('external.xlsx', 'Data', '1', 'B2') ~~|
hold[r]:HOLD BACKWARD::= GET XLS DATA('external.xlsx', 'Data', '1', 'B2') ~~|
fwd[r]:LOOK FORWARD::= GET XLS DATA('external.xlsx', 'Data', '1', 'B2') ~~|
named[r]:INTERPOLATE::= GET DIRECT DATA('external.xlsx', 'Data', 'times', 'series') ~~|
raw[r]:RAW::= GET XLS DATA('external.xlsx', 'Data', '1', 'B2') ~~|
scalar := GET XLS DATA('external.xlsx', 'Data', '1', 'B3') ~~|
total = INTEG(scalar, 0) ~~|
"
    ));
    // The empty cell at time 2 is filled by each variable's interpolation: 20, 10 and 30.
    // Beyond time 4 the last value holds.
    assert_eq!(v["lin[r1]"], [10.0, 15.0, 20.0, 25.0, 30.0, 30.0, 30.0]);
    assert_eq!(v["lin[r2]"], [1.0, 1.5, 2.0, 2.5, 3.0, 3.0, 3.0]);
    assert_eq!(v["hold[r1]"], [10.0, 10.0, 10.0, 10.0, 30.0, 30.0, 30.0]);
    assert_eq!(v["hold[r2]"], [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 3.0]);
    assert_eq!(v["fwd[r1]"], [10.0, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0]);
    assert_eq!(v["fwd[r2]"], [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0]);
    assert_eq!(v["named[r1]"], v["lin[r1]"]);
    assert_eq!(v["named[r2]"], v["lin[r2]"]);
    // :RAW: the data's values at its own times (the empty cell held like HOLD BACKWARD's),
    // :NA: (-1e38) at the others.
    let na = -1e38;
    assert_eq!(v["raw[r1]"], [10.0, na, 10.0, na, 30.0, na, na]);
    assert_eq!(v["raw[r2]"], [1.0, na, 2.0, na, 3.0, na, na]);
    assert_eq!(v["scalar"], v["lin[r2]"]);
    // Euler sums of 1, 1.5, 2, 2.5, 3, 3.
    assert_eq!(v["total"], [0.0, 1.0, 2.5, 4.5, 7.0, 10.0, 13.0]);
}

#[test]
fn lookups_subscripts_and_constants_from_a_csv_file_beside_the_model() {
    let (dir, path) = write(&format!(
        "{RANGES}
lk = GET XLS LOOKUPS('external.xlsx', 'Down', 'A', 'B2') ~~|
lk2[r](GET DIRECT LOOKUPS('tables/t.csv', ',', '1', 'B2')) ~~|
y = lk(Time / 2) ~~|
y2[r] = lk2[r](Time) ~~|
c[d] = GET DIRECT CONSTANTS('tables/t.csv', ',', 'B2') ~~|
named: GET DIRECT SUBSCRIPT('tables/t.csv', ',', 'A2', 'A3', 'row ') ~~|
w[named] = GET DIRECT CONSTANTS('tables/t.csv', ',', 'B2*') ~~|
"
    ));
    std::fs::create_dir(dir.path().join("tables")).unwrap();
    std::fs::write(
        dir.path().join("tables/t.csv"),
        "x,0,4,6\nfirst,0,8,8\nsecond,1,1,\n",
    )
    .unwrap();
    let v = run_at(&path);
    // (0, 5), (1, 6), (3, 8), linear, held beyond the ends.
    assert_eq!(v["y"], [5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0]);
    // first: (0,0), (4,8), (6,8); second: (0,1), (4,1), (6, empty -> 1).
    assert_eq!(v["y2[r1]"], [0.0, 2.0, 4.0, 6.0, 8.0, 8.0, 8.0]);
    assert_eq!(v["y2[r2]"], [1.0; 7]);
    assert_eq!(
        [v["c[a1]"][0], v["c[a2]"][0], v["c[a3]"][0]],
        [0.0, 8.0, 8.0]
    );
    // The range's elements are the cells A2:A3 after the prefix; w reads B2 down.
    let w = |e: &str| {
        v.get(&format!("w[{e}]"))
            .unwrap_or_else(|| panic!("no w[{e}] in {:?}", v.keys()))[0]
    };
    assert_eq!([w("row_first"), w("row_second")], [0.0, 1.0]);
}

/// The error's first line names the model file and the line of the entry.
fn located(e: &str, line: usize) {
    assert!(
        e.contains(&format!("m.mdl:{line}:")),
        "the error does not point at line {line} of m.mdl:\n{e}"
    );
}

#[test]
fn errors_name_the_entry_and_the_data_file_sheet_and_cell() {
    // Line 1 is {UTF-8}; the entry is on line 2.
    let e = error("x = GET XLS CONSTANTS('nowhere.xlsx', 'Data', 'B5') ~~|\n");
    located(&e, 2);
    assert!(e.contains("'nowhere.xlsx' is not found"), "{e}");
    let e = error("x = GET XLS CONSTANTS('external.xlsx', 'Sheet9', 'B5') ~~|\n");
    located(&e, 2);
    assert!(
        e.contains("sheet 'Sheet9'") && e.contains("'Data', 'Down'"),
        "{e}"
    );
    let e = error("x = GET XLS CONSTANTS('external.xlsx', 'Data', 'C2') ~~|\n");
    located(&e, 2);
    assert!(e.contains("cell C2") && e.contains("external.xlsx"), "{e}");
    let e = error(&format!(
        "{RANGES}x[d] = GET XLS CONSTANTS('external.xlsx', 'Data', 'block') ~~|\n"
    ));
    assert!(e.contains("'block' is 2 by 3"), "{e}");
    let e = error("x := GET XLS DATA('external.xlsx', 'Data', '9', 'B2') ~~|\n");
    assert!(e.contains("no times"), "{e}");
    let e = error("x := GET XLS DATA('external.xlsx', 'Data', '1') ~~|\n");
    located(&e, 2);
    assert!(e.contains("takes 4 arguments"), "{e}");
    let e = error("x(GET XLS CONSTANTS('external.xlsx', 'Data', 'B5')) ~~|\n");
    assert!(e.contains("not a lookup table"), "{e}");
    // A workbook that is not one: an error, not a panic.
    let (dir, path) = write("x = GET XLS CONSTANTS('bad.xlsx', 'Data', 'B5') ~~|\n");
    std::fs::write(dir.path().join("bad.xlsx"), b"PK\x03\x04 not a zip").unwrap();
    let e = pressure_interop::load(&path).unwrap_err().to_string();
    located(&e, 2);
    assert!(e.contains("cannot read the workbook 'bad.xlsx'"), "{e}");
}

/// A model whose data variables have no equation and whose settings block (after the
/// sketch) names the data set the run loads, as Vensim writes it (`13:inputs.vdf`).
fn run_data_model(settings: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.mdl");
    std::fs::write(
        &path,
        format!(
            "{{UTF-8}}
r: r1, r2 ~~|
level :INTERPOLATE: ~~|
step[r] :HOLD BACKWARD: ~~|
total = INTEG(level, 0) ~~|
INITIAL TIME = 0 ~~|
FINAL TIME = 4 ~~|
TIME STEP = 1 ~~|
SAVEPER = TIME STEP ~~|
\\\\\\---/// Sketch information - do not modify anything except names
V300  Do not put anything below this section - it will be ignored
*View 1
///---\\\\\\
:L<%^E!@
1:run.vdf
{settings}
"
        ),
    )
    .unwrap();
    (dir, path)
}

#[test]
fn data_variables_with_no_equation_read_the_run_data_set_beside_the_model() {
    let (dir, path) = run_data_model("13:inputs.vdf");
    // Vensim's tab export of the data set: names across, times down column A, a value
    // left empty where the data has none (FINAL TIME is printed once).
    std::fs::write(
        dir.path().join("inputs.tab"),
        "Time\tFINAL TIME\tlevel\tstep[r1]\tstep[r2]\n0\t4\t10\t1\t5\n2\t\t20\t\t7\n4\t\t20\t3\t9\n",
    )
    .unwrap();
    let v = run_at(&path);
    // level interpolates (0, 10), (2, 20), (4, 20); step holds backward, r1's empty cell at
    // time 2 held from time 0.
    assert_eq!(v["level"], [10.0, 15.0, 20.0, 20.0, 20.0]);
    assert_eq!(v["step[r1]"], [1.0, 1.0, 1.0, 1.0, 3.0]);
    assert_eq!(v["step[r2]"], [5.0, 5.0, 7.0, 7.0, 9.0]);
    // Euler sums of 10, 15, 20, 20.
    assert_eq!(v["total"], [0.0, 10.0, 25.0, 45.0, 65.0]);
    // A .csv export is read the same way when there is no .tab.
    std::fs::remove_file(dir.path().join("inputs.tab")).unwrap();
    std::fs::write(
        dir.path().join("inputs.csv"),
        "Time,level,\"step[r1]\",\"step[r2]\"\n0,10,1,5\n2,20,,7\n4,20,3,9\n",
    )
    .unwrap();
    assert_eq!(run_at(&path)["step[r1]"], [1.0, 1.0, 1.0, 1.0, 3.0]);
}

#[test]
fn a_missing_run_data_set_or_column_is_an_error_at_the_variable() {
    // Line 1 is {UTF-8}; `level` is on line 3.
    let (dir, path) = run_data_model("13:inputs.vdf");
    let e = mdl_text::error_at(&path);
    located(&e, 3);
    assert!(
        e.contains("'level' has no equation")
            && e.contains("'inputs.vdf'")
            && e.contains("'inputs.tab'"),
        "{e}"
    );
    std::fs::write(dir.path().join("inputs.tab"), "Time\tlevel\n0\t1\n").unwrap();
    let e = mdl_text::error_at(&path);
    located(&e, 4);
    assert!(e.contains("has no column 'step[r1]'"), "{e}");
    let (_dir, path) = run_data_model("");
    let e = mdl_text::error_at(&path);
    located(&e, 3);
    assert!(e.contains("name no data set"), "{e}");
}
