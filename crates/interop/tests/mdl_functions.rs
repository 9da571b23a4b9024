//! Vensim features of the `.mdl` importer beyond plain equations, each checked by running a
//! small model against values worked out by hand: macros (one instance per call, a stock in a
//! macro keeping its own state per call, macros calling macros).

mod mdl_text;
use std::collections::HashMap;

/// Runs `.mdl` text; every column by name (values at times 0, 1, 2).
fn run(body: &str) -> HashMap<String, Vec<f64>> {
    let (_dir, path) = mdl_text::write(body, 2, &[]);
    mdl_text::run_at(&path)
}

fn error(body: &str) -> String {
    let (_dir, path) = mdl_text::write(body, 2, &[]);
    mdl_text::error_at(&path)
}

#[test]
fn each_macro_call_has_its_own_state() {
    let v = run(":MACRO: ACCUMULATE(in, start)
ACCUMULATE = INTEG(in * gain, start) ~ widgets ~ The running total. |
gain = 2 ~~|
:END OF MACRO:
:MACRO: TWICE(x)
TWICE = 2 * ACCUMULATE(x, 0) ~~|
:END OF MACRO:
inflow = 1 ~~|
a = ACCUMULATE(inflow, 10) ~~|
b = ACCUMULATE(inflow + 1, 0) ~~|
same as a = ACCUMULATE( Inflow , 10) ~~|
c = TWICE(inflow) ~~|
");
    // a: 10 + 2 t; b: 4 t; c: 2 * (2 t).
    assert_eq!(v["a"], vec![10.0, 12.0, 14.0]);
    assert_eq!(v["b"], vec![0.0, 4.0, 8.0]);
    assert_eq!(v["same_as_a"], v["a"]);
    assert_eq!(v["c"], vec![0.0, 4.0, 8.0]);
}

#[test]
fn macro_errors_name_the_line() {
    let e = error(":MACRO: F(x)\nF = x ~~|\n:END OF MACRO:\na = F(1, 2) ~~|\n");
    assert!(e.contains("takes 1 argument(s), found 2"), "{e}");
    assert!(e.contains("m.mdl:5:"), "{e}");
    let e = error(":MACRO: F(x)\nF = x ~~|\na = F(1) ~~|\n");
    assert!(
        e.contains("has no :END OF MACRO:") && e.contains("m.mdl:2:1"),
        "{e}"
    );
}

#[test]
fn elements_no_entry_defines_are_zero() {
    let v = run("Dims: A, B, C ~~|
x[A] = 5 * Time ~~|
x[C] = -Time ~~|
s[A] = INTEG(1, 10) ~~|
s[B] = INTEG(2, 0) ~~|
");
    assert_eq!(v["x[A]"], vec![0.0, 5.0, 10.0]);
    assert_eq!(v["x[B]"], vec![0.0, 0.0, 0.0]);
    assert_eq!(v["x[C]"], vec![0.0, -1.0, -2.0]);
    assert_eq!(v["s[B]"], vec![0.0, 2.0, 4.0]);
    assert_eq!(v["s[C]"], vec![0.0, 0.0, 0.0]);
}

#[test]
fn get_time_value_is_time_plus_the_offset() {
    let v = run("dim: (A1-A3) ~~|
later[dim] = GET TIME VALUE(0, (dim - 2) / 2, 0) ~~|
now = GET TIME VALUE(0, 0, 0) ~~|
");
    assert_eq!(v["now"], vec![0.0, 1.0, 2.0]);
    // dim is 1, 2, 3 for A1..A3: offsets -0.5, 0, 0.5.
    assert_eq!(v["later[A1]"], vec![-0.5, 0.5, 1.5]);
    assert_eq!(v["later[A3]"], vec![0.5, 1.5, 2.5]);
    // The real-world clock and calendar measures are refused, at the call.
    let e = error("x = GET TIME VALUE(2, 0, 0) ~~|\n");
    assert!(
        e.contains("GET TIME VALUE is supported") && e.contains("m.mdl:2:"),
        "{e}"
    );
}

#[test]
fn the_order_of_smooth_n_is_its_value_at_the_initial_time() {
    // The order is 1 at time 0 and 2 from time 1 on: Vensim reads it once, at the start.
    let v = run("order = 1 + STEP(1, 1) ~~|
input = 1 ~~|
s = SMOOTH N(input, 1, 0, order) ~~|
first = SMOOTH(input, 1) ~~|
");
    // First order under Euler with dt = delay time = 1: 0, then the input.
    assert_eq!(v["s"], vec![0.0, 1.0, 1.0]);
    assert_eq!(v["order"], vec![1.0, 2.0, 2.0]);
    // An order that cannot be computed at the start (a stock) is still an error.
    let e = error("order = INTEG(1, 1) ~~|\ns = SMOOTH N(1, 1, 0, order) ~~|\n");
    assert!(e.contains("order of SMOOTH N"), "{e}");
}

#[test]
fn quoted_names_with_escaped_quotes_and_free_text_comments() {
    let v = run(r#""with \"Quotes\" and \ backslash|"= 4 ~~|
"a + b"= "with \"Quotes\" and \ backslash|" * 2
	~ m ~ A comment with an "odd number of quotes. |
plain = "a + b" + 1 ~~|
"#);
    assert_eq!(v["a___b"], vec![8.0, 8.0, 8.0]);
    assert_eq!(v["plain"], vec![9.0, 9.0, 9.0]);
    // A sketch marker written with two backslashes still ends the equations.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sketch.mdl");
    let text = "{UTF-8}\nx = 1 ~~|\nINITIAL TIME = 0 ~~|\nFINAL TIME = 2 ~~|\nTIME STEP = 1 ~~|\n\
                \\\\---/// Sketch | ~ stuff";
    std::fs::write(&path, text).unwrap();
    assert!(pressure_interop::load(&path).is_ok());
}

#[test]
fn subscript_mappings_pair_elements_by_position() {
    // SKILLS maps onto PRODUCTS: machiners <-> parts, assemblers <-> systems.
    let v = run("SKILLS: machiners, assemblers -> PRODUCTS ~~|
PRODUCTS: parts, systems ~~|
force[SKILLS] = 5, 10 ~~|
flow[PRODUCTS] = force[SKILLS] * 2 ~~|
made[PRODUCTS] = INTEG(force[SKILLS], 0) ~~|
back[SKILLS] = flow[PRODUCTS] + 1 ~~|
");
    assert_eq!(v["flow[parts]"], vec![10.0, 10.0, 10.0]);
    assert_eq!(v["flow[systems]"], vec![20.0, 20.0, 20.0]);
    assert_eq!(v["made[systems]"], vec![0.0, 10.0, 20.0]);
    // The mapping read the other way round.
    assert_eq!(v["back[assemblers]"], vec![21.0, 21.0, 21.0]);
}

#[test]
fn control_settings_written_as_expressions_take_their_initial_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.mdl");
    std::fs::write(
        &path,
        "{UTF-8}\nmax time = 4 ~~|\nx = Time * 2 ~~|\n\
         FINAL TIME = IF THEN ELSE(x > 50, Time, max time) ~~|\n\
         INITIAL TIME = 1 ~~|\nTIME STEP = 0.5 * (1 + STEP(1, 2)) ~~|\nSAVEPER = TIME STEP ~~|\n",
    )
    .unwrap();
    let model = pressure_interop::load(&path).unwrap();
    // At the initial time (1): x = 2, so FINAL TIME = max time; the step is 0.5.
    assert_eq!(model.settings.stop, 4.0);
    assert_eq!(model.settings.dt, 0.5);
    // A setting that needs a stock cannot be computed at the start: an error at its line.
    std::fs::write(
        &path,
        "{UTF-8}\ns = INTEG(1, 0) ~~|\nFINAL TIME = s + 10 ~~|\n\
         INITIAL TIME = 0 ~~|\nTIME STEP = 1 ~~|\nSAVEPER = 1 ~~|\n",
    )
    .unwrap();
    let e = pressure_interop::load(&path).unwrap_err().to_string();
    assert!(
        e.contains("'FINAL TIME' must be a number") && e.contains("m.mdl:3:"),
        "{e}"
    );
}

#[test]
fn invert_matrix_of_numbers_by_hand() {
    let v = run("d: A, B ~~|
d1: A, B ~~|
c: E, F ~~|
m[d, d1] = 4, 7; 2, 6; ~~|
mi[d, d1] = INVERT MATRIX(m[d, d1], 2) ~~|
m2[E, d, d1] = 2, 0; 0, 4; ~~|
m2[F, d, d1] = 0, 1; 1, 0; ~~|
m2i[c, d, d1] = INVERT MATRIX(m2[c, d, d1], 2) ~~|
");
    // [[4, 7], [2, 6]]^-1 = [[6, -7], [-2, 4]] / 10.
    let close = |name: &str, want: f64| {
        let got = v[name][0];
        assert!((got - want).abs() < 1e-15, "{name}: {got} vs {want}");
    };
    close("mi[A,A]", 0.6);
    close("mi[A,B]", -0.7);
    close("mi[B,A]", -0.2);
    close("mi[B,B]", 0.4);
    // diag(2, 4) -> diag(0.5, 0.25); the swap is its own inverse.
    close("m2i[E,A,A]", 0.5);
    close("m2i[E,B,B]", 0.25);
    close("m2i[E,A,B]", 0.0);
    close("m2i[F,A,B]", 1.0);
    close("m2i[F,A,A]", 0.0);
    let e = error(
        "d: A, B ~~|
m[d, d] = 1, 2; 2, 4; ~~|
mi[d, d] = INVERT MATRIX(m[d, d], 2) ~~|
",
    );
    assert!(e.contains("singular"), "{e}");
    let e = error(
        "d: A, B ~~|
x[d] = Time ~~|
m[d, d] = x[d] ~~|
mi[d, d] = INVERT MATRIX(m[d, d], 2) ~~|
",
    );
    assert!(e.contains("is numbers"), "{e}");
}

#[test]
fn vector_select_every_action_by_hand() {
    let v = run("d: A1, A2, A3 ~~|
e: E1, E2 ~~|
s[d] = 1, 0, 2 ~~|
x[d] = 3, 5, -1 ~~|
z[d] = 0 ~~|
m[d, e] = 1, 0; 0, 0; 0, 1; ~~|
v0 = VECTOR SELECT(s[d!], x[d!], -9, 0, 0) ~~|
v1 = VECTOR SELECT(s[d!], x[d!], -9, 1, 0) ~~|
v2 = VECTOR SELECT(s[d!], x[d!], -9, 2, 0) ~~|
v3 = VECTOR SELECT(s[d!], x[d!], -9, 3, 0) ~~|
v4 = VECTOR SELECT(s[d!], x[d!], -9, 4, 0) ~~|
v5 = VECTOR SELECT(s[d!], x[d!], -9, 5, 0) ~~|
v6 = VECTOR SELECT(s[d!], x[d!], -9, 6, 0) ~~|
v7 = VECTOR SELECT(s[d!], x[d!], -9, 7, 0) ~~|
v8 = VECTOR SELECT(s[d!], x[d!], -9, 8, 0) ~~|
v9 = VECTOR SELECT(s[d!], x[d!], -9, 9, 0) ~~|
v10 = VECTOR SELECT(s[d!], x[d!], -9, 10, 0) ~~|
none = VECTOR SELECT(z[d!], x[d!], -9, 3, 0) ~~|
timed = VECTOR SELECT(s[d!], x[d!], -9, Time + 8, 0) ~~|
col[e] = VECTOR SELECT(m[d!, e], x[d!], -9, 0, 0) ~~|
");
    // Selected: A1 (s 1, x 3) and A3 (s 2, x -1); s*x = 3 and -2.
    let want = [
        ("v0", 1.0),    // 3 + -2
        ("v1", -6.0),   // 3 * -2
        ("v2", -2.0),   // min(3, -2)
        ("v3", 3.0),    // max
        ("v4", 0.5),    // (3 - 2) / 2
        ("v5", 3.0),    // 3^1 * (-1)^2
        ("v6", 2.0),    // 3 + -1
        ("v7", -3.0),   // 3 * -1
        ("v8", -1.0),   // min(3, -1)
        ("v9", 3.0),    // max
        ("v10", 1.0),   // (3 - 1) / 2
        ("none", -9.0), // nothing selected: the missing value
    ];
    for (name, w) in want {
        assert_eq!(v[name], vec![w; 3], "{name}");
    }
    // Time + 8 is 8, 9, 10 at times 0, 1, 2.
    assert_eq!(v["timed"], vec![-1.0, 3.0, 1.0]);
    // Reduced over d only, one value per e: E1 selects A1 (3), E2 selects A3 (-1).
    assert_eq!(v["col[E1]"], vec![3.0; 3]);
    assert_eq!(v["col[E2]"], vec![-1.0; 3]);
}

#[test]
fn vector_select_errors_name_the_argument() {
    let e = error(
        "d: A1, A2 ~~|
s[d] = 1, 0 ~~|
y = VECTOR SELECT(s[d!], s[d!], 0, 0, 1) ~~|
",
    );
    assert!(
        e.contains("error action 0") && e.contains("m.mdl:4:39:"),
        "{e}"
    );
    let e = error(
        "d: A1, A2 ~~|
s[d] = 1, 0 ~~|
y = VECTOR SELECT(s[d!], s[d!], 0, 11, 0) ~~|
",
    );
    assert!(
        e.contains("must be 0 to 10") && e.contains("m.mdl:4:36:"),
        "{e}"
    );
}

/// `|a - b| <= tol` for each of the three reported times.
fn near(v: &HashMap<String, Vec<f64>>, name: &str, want: f64, tol: f64) {
    let got = &v[name];
    assert!(
        got.iter().all(|g| (g - want).abs() <= tol),
        "{name}: {got:?}, want {want}"
    );
}

#[test]
fn allocate_by_priority_two_requesters_by_hand() {
    // Rectangular profiles of width w around each priority: requester i gets
    // q_i * clamp((p_i + w/2 - x) / w, 0, 1) at the shift x where the amounts add up to the
    // supply. Requests 6 and 4, width 2.
    // - priorities 3 and 1, supply 5: the first alone is served until x = 2 (6 units), so
    //   6 (4 - x) / 2 = 5 at x = 7/3: 5 and 0; supply 8: 6 + 4 (2 - x) / 2 = 8 at x = 1: 6, 2;
    // - priorities 3 and 2.5, supply 5: both partly served, 3 (4 - x) + 2 (3.5 - x) = 5 at
    //   x = 2.8: 3.6 and 1.4;
    // - supply 12 covers both requests: 6 and 4.
    let v = run("r: R1, R2 ~~|
q[r] = 6, 4 ~~|
far[r] = 3, 1 ~~|
near[r] = 3, 2.5 ~~|
a5[r] = ALLOCATE BY PRIORITY(q[r], far[r], ELMCOUNT(r), 2, 5) ~~|
a8[r] = ALLOCATE BY PRIORITY(q[r], far[r], ELMCOUNT(r), 2, 8) ~~|
b5[r] = ALLOCATE BY PRIORITY(q[r], near[r], ELMCOUNT(r), 2, 5) ~~|
c12[r] = ALLOCATE BY PRIORITY(q[r], near[r], ELMCOUNT(r), 2, 12) ~~|
");
    for (name, want) in [
        ("a5[R1]", 5.0),
        ("a5[R2]", 0.0),
        ("a8[R1]", 6.0),
        ("a8[R2]", 2.0),
        ("b5[R1]", 3.6),
        ("b5[R2]", 1.4),
        ("c12[R1]", 6.0),
        ("c12[R2]", 4.0),
    ] {
        near(&v, name, want, 1e-9);
    }
}

#[test]
fn allocate_available_profiles_by_hand() {
    // pp[r, pprofile] = type, priority, width, extra.
    // - rectangular, priorities 3 and 2.5, widths 2: as ALLOCATE BY PRIORITY, 3.6 and 1.4;
    // - triangular against rectangular, both at priority 0 and width 2, requests 2 and 2,
    //   supply 1: at a shift x in (0, 1) the triangle gives 2 * 2 (1 - t)^2 with
    //   t = (x + 1) / 2, i.e. (1 - x)^2, the rectangle 2 (1 - x) / 2 = 1 - x; with u = 1 - x,
    //   u^2 + u = 1: u = (sqrt 5 - 1) / 2, so 0.381966... and 0.618034...;
    // - exponential, both at priority 0, widths 1 and 2, requests 1 and 1, supply 0.375: above
    //   0 each gets e^(-x / w) / 2; at x = 2 ln 2 that is 1/8 and 1/4, which add up to 0.375;
    // - normal, priorities -1 and 1, standard deviation 1, requests 1 and 1, supply 1: by
    //   symmetry x = 0, and each gets erfc(±1 / sqrt 2) / 2, 0.158655... and 0.841344...
    //   (exactly); the importer's erfc is Abramowitz and Stegun's 7.1.25, whose error of at
    //   most 2.5e-5 in erf allows 1.3e-5 here.
    let v = run("r: R1, R2 ~~|
pprofile: ptype, ppriority, pwidth, pextra ~~|
q[r] = 6, 4 ~~|
rect[r, pprofile] = 1, 3, 2, 0; 1, 2.5, 2, 0; ~~|
ones[r] = 1, 1 ~~|
twos[r] = 2, 2 ~~|
tri[r, pprofile] = 2, 0, 2, 0; 1, 0, 2, 0; ~~|
expo[r, pprofile] = 4, 0, 1, 0; 4, 0, 2, 0; ~~|
normal[r, pprofile] = 3, -1, 1, 0; 3, 1, 1, 0; ~~|
a rect[r] = ALLOCATE AVAILABLE(q[r], rect[r, ptype], 5) ~~|
a tri[r] = ALLOCATE AVAILABLE(twos[r], tri[r, ptype], 1) ~~|
a expo[r] = ALLOCATE AVAILABLE(ones[r], expo[r, ptype], 0.375) ~~|
a normal[r] = ALLOCATE AVAILABLE(ones[r], normal[r, ptype], 1) ~~|
");
    let u = (5f64.sqrt() - 1.0) / 2.0;
    for (name, want, tol) in [
        ("a_rect[R1]", 3.6, 1e-9),
        ("a_rect[R2]", 1.4, 1e-9),
        ("a_tri[R1]", 1.0 - u, 1e-9),
        ("a_tri[R2]", u, 1e-9),
        ("a_expo[R1]", 0.125, 1e-9),
        ("a_expo[R2]", 0.25, 1e-9),
        ("a_normal[R1]", 0.15865525393145707, 1.3e-5),
        ("a_normal[R2]", 0.8413447460685429, 1.3e-5),
    ] {
        near(&v, name, want, tol);
    }
}

#[test]
fn allocate_errors_name_the_argument() {
    let e = error(
        "r: R1, R2 ~~|
q[r] = 6, 4 ~~|
a[r] = ALLOCATE BY PRIORITY(q[r] + 1, q[r], 2, 1, 5) ~~|
",
    );
    assert!(
        e.contains("request must be a subscripted variable") && e.contains("m.mdl:4:29:"),
        "{e}"
    );
    let e = error(
        "r: R1, R2 ~~|
q[r] = 6, 4 ~~|
a = ALLOCATE AVAILABLE(q[r], q[r], 5) ~~|
",
    );
    assert!(
        e.contains("must be a subscript of the left-hand side"),
        "{e}"
    );
}

#[test]
fn delay_n_drops_stages_shorter_than_the_time_step() {
    // TIME STEP 1, input -1, initial value 6. Order 3 over a delay of 2.5 would make stages of
    // 0.83 (shorter than the step): the order drops to 2 (2 * 1 <= 2.5), stages of 1.25,
    // levels starting at 6 * 1.25 = 7.5. Euler: the outflows are 6 at time 0, the first
    // level goes to 7.5 + (-1 - 6) = 0.5 and the second stays 7.5 (output 6 at time 1);
    // then the first outflow is 0.5 / 1.25 = 0.4 and the second level 7.5 + 0.4 - 6 = 1.9,
    // output 1.9 / 1.25 = 1.52 at time 2. With 3 stages the output would still be 6 then.
    // A subscripted delay time reduces by its smallest element (2.5 here).
    let v = run("r: R1, R2 ~~|
input = -1 ~~|
delay = 2.5 ~~|
d[r] = 2.5, 4 ~~|
reduced = DELAY N(input, 2.5, 6, 3) ~~|
by constant = DELAY N(input, delay, 6, 3) ~~|
by array[r] = DELAY N(input, d[r], 6, 3) ~~|
kept = DELAY N(input, 2.5, 6, 2) ~~|
");
    for name in ["reduced", "by_constant", "by_array[R1]", "kept"] {
        let got = &v[name];
        assert_eq!(got[..2], [6.0, 6.0], "{name}");
        assert!((got[2] - 1.52).abs() < 1e-12, "{name}: {got:?}");
    }
}

#[test]
fn vector_rank_sort_order_and_reorder_by_hand() {
    // x = 30, 10, 40, 10 over c1..c4 (c2 and c4 tie). Ascending ranks: c2 1, c4 2 (equal
    // values in element order), c1 3, c3 4; descending: c3 1, c1 2, c2 3, c4 4. The sort
    // order (0-based indices in ascending order) is c2, c4, c1, c3 = 1, 3, 0, 2, and
    // reordering x by it sorts it: 10, 10, 30, 40. Along the last subscript of a matrix:
    // each row ranked on its own. A left-hand side over a range mapped to the vector's
    // (`s -> d`) ranks by position.
    let v = run("d: (c1-c4) ~~|
s: (p1-p4) -> d ~~|
r: R1, R2 ~~|
x[d] = 30, 10, 40, 10 ~~|
m[r, d] = 1, 2, 3, 4; 4, 3, 2, 1; ~~|
up[d] = VECTOR RANK(x[d], 1) ~~|
down[d] = VECTOR RANK(x[d], 0) ~~|
up by position[s] = VECTOR RANK(x[d], 1) ~~|
order[s] = VECTOR SORT ORDER(x[d], 1) ~~|
sorted[s] = VECTOR REORDER(x[d], order[s]) ~~|
rows[r, d] = VECTOR RANK(m[r, d], 1) ~~|
");
    let col = |prefix: &str, elems: &[&str]| -> Vec<f64> {
        elems
            .iter()
            .map(|e| v[&format!("{prefix}[{e}]")][0])
            .collect()
    };
    let (d, s) = (["c1", "c2", "c3", "c4"], ["p1", "p2", "p3", "p4"]);
    assert_eq!(col("up", &d), [3.0, 1.0, 4.0, 2.0]);
    assert_eq!(col("down", &d), [2.0, 3.0, 1.0, 4.0]);
    assert_eq!(col("up_by_position", &s), [3.0, 1.0, 4.0, 2.0]);
    assert_eq!(col("order", &s), [1.0, 3.0, 0.0, 2.0]);
    assert_eq!(col("sorted", &s), [10.0, 10.0, 30.0, 40.0]);
    assert_eq!(
        col("rows", &["R1,c1", "R1,c2", "R1,c3", "R1,c4"]),
        [1.0, 2.0, 3.0, 4.0]
    );
    assert_eq!(
        col("rows", &["R2,c1", "R2,c2", "R2,c3", "R2,c4"]),
        [4.0, 3.0, 2.0, 1.0]
    );
}

#[test]
fn a_run_setting_that_depends_on_time_takes_its_initial_value_with_a_warning() {
    // Vensim reads FINAL TIME as the run goes (it would stop at time 4 here: Time > 3 at 4);
    // Pressure's settings are fixed: the value at the initial time, Time = 0 < 3, is 8.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.mdl");
    std::fs::write(
        &path,
        "{UTF-8}
x = Time ~~|
stop here = IF THEN ELSE(Time > 3, Time, 8) ~~|
INITIAL TIME = 0 ~~|
FINAL TIME = stop here ~~|
TIME STEP = 2 * 0.5 ~~|
SAVEPER = TIME STEP ~~|
",
    )
    .unwrap();
    let model = pressure_interop::load(&path).unwrap();
    assert_eq!(model.settings.stop, 8.0);
    assert_eq!(model.settings.dt, 1.0);
    let warnings: Vec<String> = model.warnings.iter().map(|w| w.to_string()).collect();
    // One warning, for FINAL TIME (line 5), none for TIME STEP, a constant expression.
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("'FINAL TIME' depends on Time")
            && warnings[0].contains("its value at the initial time, 8")
            && warnings[0].contains("m.mdl:5:"),
        "{warnings:?}"
    );
}

#[test]
fn an_initial_time_that_reads_time_is_an_error() {
    // TIME has no value before the run starts (the suite's control_vars writes this).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.mdl");
    std::fs::write(
        &path,
        "{UTF-8}
x = Time ~~|
INITIAL TIME = IF THEN ELSE(Time < 3, 0, 0.2) ~~|
FINAL TIME = 10 ~~|
TIME STEP = 1 ~~|
SAVEPER = TIME STEP ~~|
",
    )
    .unwrap();
    let e = mdl_text::error_at(&path);
    assert!(
        e.contains("'INITIAL TIME' depends on Time") && e.contains("m.mdl:3:"),
        "{e}"
    );
}
