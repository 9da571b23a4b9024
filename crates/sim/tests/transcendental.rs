//! `pressure_sim::math`'s `exp`, `ln` and `pow` (vectorisable, for scalar and lane code with the
//! same bits): the error against correctly rounded values computed with
//! mpmath at 200 bits (`tests/data/transcendental_reference.py`, 3,905 arguments over the
//! ranges the models use and the whole domain: subnormal arguments and results, results near
//! overflow, bases near 1 with large exponents, integer powers, negative bases) is below 1 ulp;
//! special values follow C99 Annex F; and on a million random arguments each result is within
//! one place of the platform's libm.

use pressure_sim::math::{exp, ln, pow};

fn parse_hex(s: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(s, 16).expect("hex bits"))
}

/// Ulp error of `got` against the exact value `cr + frac·ulp(cr)`, from the distance of their
/// bit patterns (the places between them; infinity is the place after the largest double, as
/// overflow rounds).
fn ulp_error(got: f64, cr: f64, frac: f64) -> f64 {
    if got.to_bits() == cr.to_bits() {
        return frac.abs();
    }
    if got.is_sign_negative() != cr.is_sign_negative() || got.is_nan() {
        return f64::INFINITY;
    }
    // Places above `cr` in magnitude; in value, below it for a negative result.
    let d = got.to_bits() as i64 - cr.to_bits() as i64;
    let d = if cr.is_sign_negative() { -d } else { d };
    (d as f64 - frac).abs()
}

#[test]
fn within_one_ulp_of_the_correctly_rounded_value() {
    let text = include_str!("data/transcendental_reference.csv");
    let mut worst: std::collections::BTreeMap<&str, (f64, String, usize, usize)> =
        Default::default();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (x, y, cr) = (parse_hex(f[1]), parse_hex(f[2]), parse_hex(f[3]));
        let frac: f64 = f[4].parse().unwrap();
        let got = match f[0] {
            "exp" => exp(x),
            "ln" => ln(x),
            "pow" => pow(x, y),
            other => panic!("unknown function {other}"),
        };
        let e = ulp_error(got, cr, frac);
        let w = worst.entry(f[0]).or_insert((0.0, String::new(), 0, 0));
        w.2 += 1;
        w.3 += usize::from(got.to_bits() == cr.to_bits());
        if e > w.0 {
            *w = (
                e,
                format!("x = {x:e}, y = {y:e}: got {got:e}, correctly rounded {cr:e}"),
                w.2,
                w.3,
            );
        }
    }
    for (f, (e, at, n, exact)) in &worst {
        println!("{f}: {n} arguments, {exact} correctly rounded, largest error {e:.3} ulp ({at})");
    }
    assert_eq!(worst.len(), 3);
    for (f, (e, at, _, _)) in &worst {
        assert!(*e < 1.0, "{f}: error {e} ulp at {at}");
    }
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[test]
fn special_values_follow_c99_annex_f() {
    let (inf, nan) = (f64::INFINITY, f64::NAN);
    let tiny = f64::from_bits(1); // the smallest subnormal
    let cases_exp = [
        (0.0, 1.0),
        (-0.0, 1.0),
        (inf, inf),
        (-inf, 0.0),
        (nan, nan),
        (710.0, inf),
        (1e300, inf),
        (-746.0, 0.0),
        (-1e300, 0.0),
        (tiny, 1.0),
        (-tiny, 1.0),
        (-745.0, f64::from_bits(1)), // exp(-745) = 4.94e-324: the smallest subnormal
    ];
    for (x, want) in cases_exp {
        assert!(
            same(exp(x), want),
            "exp({x:e}) = {:e}, want {want:e}",
            exp(x)
        );
    }
    let cases_ln = [
        (1.0, 0.0),
        (0.0, -inf),
        (-0.0, -inf),
        (-1.0, nan),
        (-tiny, nan),
        (-inf, nan),
        (inf, inf),
        (nan, nan),
        (tiny, -744.4400719213812),
    ];
    for (x, want) in cases_ln {
        assert!(same(ln(x), want), "ln({x:e}) = {:e}, want {want:e}", ln(x));
    }
    let cases_pow = [
        (nan, 0.0, 1.0),
        (nan, -0.0, 1.0),
        (1.0, nan, 1.0),
        (1.0, inf, 1.0),
        (nan, 1.0, nan),
        (2.0, nan, nan),
        (-1.0, inf, 1.0),
        (-1.0, -inf, 1.0),
        (0.5, inf, 0.0),
        (0.5, -inf, inf),
        (2.0, inf, inf),
        (2.0, -inf, 0.0),
        (0.0, 3.0, 0.0),
        (-0.0, 3.0, -0.0),
        (-0.0, 2.0, 0.0),
        (-0.0, 0.5, 0.0),
        (0.0, -3.0, inf),
        (-0.0, -3.0, -inf),
        (-0.0, -2.0, inf),
        (0.0, -0.5, inf),
        (inf, 0.5, inf),
        (inf, -0.5, 0.0),
        (-inf, 3.0, -inf),
        (-inf, 2.0, inf),
        (-inf, -3.0, -0.0),
        (-inf, -2.0, 0.0),
        (-8.0, 1.0 / 3.0, nan),
        (-2.0, 3.0, -8.0),
        (-2.0, 2.0, 4.0),
        (-2.0, -1.0, -0.5),
        (2.0, 10.0, 1024.0),
        (2.0, -1074.0, tiny),
        (2.0, -1080.0, 0.0),
        (2.0, 1024.0, inf),
        (10.0, 400.0, inf),
        (10.0, -400.0, 0.0),
        (1e300, 1e300, inf),
        (1e-300, 1e300, 0.0),
        (tiny, 0.5, 2.2227587494850775e-162),
        (7.0, 1.0, 7.0),
        (7.0, 2.0, 49.0),
        (8.0, -1.0, 0.125),
        (9.0, 0.5, 3.0),
        (1.0000000001, 1e300, inf),
    ];
    for (x, y, want) in cases_pow {
        let got = pow(x, y);
        assert!(
            same(got, want),
            "pow({x:e}, {y:e}) = {got:e}, want {want:e}"
        );
    }
}

/// Within one place of the platform's libm (whose results are within half an ulp and a little
/// of the exact value, as ours are within one ulp: so the two differ by at most one place).
#[cfg(target_os = "linux")]
#[test]
fn within_one_place_of_the_platform_libm_on_random_arguments() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut unit = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let places = |a: f64, b: f64| (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs();
    let mut worst = [0u64; 3];
    for _ in 0..1_000_000 {
        let x = -700.0 + 1400.0 * unit();
        worst[0] = worst[0].max(places(exp(x), x.exp()));
        let x = (-700.0 + 1400.0 * unit()).exp();
        worst[1] = worst[1].max(places(ln(x), x.ln()));
        let (x, y) = ((-20.0 + 40.0 * unit()).exp(), -30.0 + 60.0 * unit());
        worst[2] = worst[2].max(places(pow(x, y), x.powf(y)));
    }
    assert!(
        worst.iter().all(|w| *w <= 1),
        "places from libm (exp, ln, pow): {worst:?}"
    );
}
