//! Vensim subscript features read by the `.mdl` importer, each checked by running a small
//! model and comparing with values worked out by hand: subranges written before their parent,
//! ranges with the same elements, equivalences (`<->`), `:EXCEPT:`, array constants with `;`
//! rows over three dimensions, stocks defined element by element, a range used twice by one
//! variable.

mod mdl_text;
use std::collections::HashMap;

/// Runs `.mdl` text (times 0 to 2); the final value of every column by name.
fn run(body: &str) -> HashMap<String, f64> {
    let (_dir, path) = mdl_text::write(body, 2, &[]);
    mdl_text::run_at(&path)
        .into_iter()
        .map(|(n, v)| (n, v[v.len() - 1]))
        .collect()
}

#[test]
fn a_subrange_written_before_its_parent_indexes_the_parent() {
    let v = run("Sub: b, c ~~|
part[Sub] = stock[Sub] * 2 ~~|
stock[Dim] = INTEG(rate[Dim], 1) ~~|
rate[Dim] = 1, 2, 3 ~~|
Dim: a, b, c ~~|
");
    // stock = 1 + 2 * rate at time 2.
    assert_eq!(v["stock[b]"], 5.0);
    assert_eq!(v["part[b]"], 10.0);
    assert_eq!(v["part[c]"], 14.0);
    assert!(
        !v.contains_key("part[a]"),
        "part is arrayed over the subrange only"
    );
}

#[test]
fn ranges_with_the_same_elements_and_equivalences_index_each_other() {
    let v = run("Cats: c1, c2 ~~|
dummy: c1, c2 ~~|
Other <-> Cats ~~|
m[Cats, dummy] = 1, 2; 3, 4; ~~|
colsum[dummy] = SUM(m[Cats!, dummy]) ~~|
back[Cats] = colsum[Cats] ~~|
eq[Other] = back[Other] + 1 ~~|
");
    assert_eq!(v["colsum[c1]"], 4.0);
    assert_eq!(v["colsum[c2]"], 6.0);
    assert_eq!(v["back[c2]"], 6.0);
    assert_eq!(v["eq[c1]"], 5.0);
}

#[test]
fn except_leaves_elements_to_other_entries() {
    let v = run("D: a, b, c ~~|
x[D] :EXCEPT: [b] = 10 ~~|
x[b] = 20 ~~|
y[D, Col] :EXCEPT: [a, Col], [c, f] = x[D] ~~|
y[a, Col] = -1 ~~|
y[c, f] = -2 ~~|
Col: e, f ~~|
");
    assert_eq!(v["x[a]"], 10.0);
    assert_eq!(v["x[b]"], 20.0);
    assert_eq!(v["y[a,f]"], -1.0);
    assert_eq!(v["y[b,e]"], 20.0);
    assert_eq!(v["y[c,e]"], 10.0);
    assert_eq!(v["y[c,f]"], -2.0);
}

#[test]
fn three_dimensional_constants_are_rows_per_entry() {
    let v = run("A: a1, a2, a3 ~~|
B: b1, b2 ~~|
C: c1, c2 ~~|
k[A, B, c1] = 1, 2; 3, 4; 5, 6; ~~|
k[A, B, c2] = 10, 20;
  30, 40;
  50, 60; ~~|
mixed[A, b1] = k[A, b2, c1] ~~|
mixed[A, b2] = 7, 8, 9 ~~|
");
    assert_eq!(v["k[a1,b2,c1]"], 2.0);
    assert_eq!(v["k[a3,b1,c1]"], 5.0);
    assert_eq!(v["k[a2,b2,c2]"], 40.0);
    assert_eq!(v["mixed[a3,b1]"], 6.0);
    assert_eq!(v["mixed[a2,b2]"], 8.0);
}

#[test]
fn a_stock_defined_element_by_element_integrates_each_rate() {
    let v = run("D: a, b ~~|
s[a] = INTEG(1, 10) ~~|
s[b] = INTEG(-2, 0) ~~|
");
    assert_eq!(v["s[a]"], 12.0);
    assert_eq!(v["s[b]"], -4.0);
}

#[test]
fn a_range_used_twice_by_one_variable_gets_a_copy() {
    let v = run("Dims: A, B ~~|
m[A, Dims] = 1, 2 ~~|
m[B, Dims] = 3, 4 ~~|
diag[Dims] = m[Dims, Dims] ~~|
");
    assert_eq!(v["m[B,A]"], 3.0);
    assert_eq!(v["diag[B]"], 4.0);
}

/// Vensim functions the importer writes with the equation language's own, against their
/// analytic values.
#[test]
fn vensim_only_functions_match_their_definitions() {
    let v = run("D: a, b, c ~~|
x[D] = 3, -1, 2 ~~|
ch = COSH(0.5) ~~|
sh = SINH(0.5) ~~|
th = TANH(-0.5) ~~|
th big = TANH(1000) ~~|
q = QUANTUM(7.9, 2) ~~|
q negative = QUANTUM(-7.9, 2) ~~|
q zero step = QUANTUM(7.9, 0) ~~|
g = GAME(4) ~~|
n = ELMCOUNT(D) ~~|
hi = VMAX(x[D!]) ~~|
lo = VMIN(x[D!]) ~~|
order = 2 ~~|
sm = SMOOTH N(10, 1, 0, order) ~~|
late = DELAY FIXED(TIME, 1 + 0 * TIME, 5) ~~|
");
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    assert!(close(v["ch"], 0.5f64.cosh()), "{}", v["ch"]);
    assert!(close(v["sh"], 0.5f64.sinh()), "{}", v["sh"]);
    assert!(close(v["th"], (-0.5f64).tanh()), "{}", v["th"]);
    assert_eq!(v["th_big"], 1.0);
    assert_eq!(v["q"], 6.0);
    assert_eq!(v["q_negative"], -6.0);
    assert_eq!(v["q_zero_step"], 7.9);
    assert_eq!(v["g"], 4.0);
    assert_eq!(v["n"], 3.0);
    assert_eq!(v["hi"], 3.0);
    assert_eq!(v["lo"], -1.0);
    // SMOOTH N of order 2 (the constant `order`): two stages, each with time constant
    // delay / 2 = 0.5; Euler with dt = 1 moves a stage by 2x its gap per step:
    // s1 = 0, 20, 0 and s2 = 0, 0, 40 at t = 0, 1, 2 (order 1 would give 10).
    assert_eq!(v["sm"], 40.0);
    // DELAY FIXED with a delay time that is an expression: read once (1), so at t = 2 the
    // output is TIME one step earlier... the input at t = 1.
    assert_eq!(v["late"], 1.0);
}

/// A range used as a value is the element's position in its full range (1-based), so ranges
/// with the same elements in another order still compare equal on the same element.
#[test]
fn a_range_used_as_a_value_is_the_position_of_the_element() {
    let v = run("dim1: A, B, C ~~|
dim3: A, C, B ~~|
same[dim1, dim3] = IF THEN ELSE(dim1 = dim3, 1, 0) ~~|
pos[dim3] = dim3 * 10 ~~|
tail = 2 \\
  ~~|
");
    assert_eq!(v["same[B,B]"], 1.0);
    assert_eq!(v["same[B,C]"], 0.0);
    assert_eq!(v["same[C,C]"], 1.0);
    assert_eq!(v["pos[C]"], 30.0);
    assert_eq!(v["pos[B]"], 20.0);
    assert_eq!(v["tail"], 2.0);
}

/// An element used as a value is its position in its range (1-based).
#[test]
fn an_element_used_as_a_value_is_its_position() {
    let v = run("dimA: A, B, C ~~|
is b[dimA] = IF THEN ELSE(dimA = B, 1, 0) ~~|
c value = C ~~|
");
    assert_eq!(v["is_b[A]"], 0.0);
    assert_eq!(v["is_b[B]"], 1.0);
    assert_eq!(v["c_value"], 3.0);
}
