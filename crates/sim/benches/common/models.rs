//! Benchmark models (shared by `benches/engine.rs` and `examples/engine_profile.rs`): chain10
//! written by hand, and generated model files.
#![allow(dead_code)]

/// chain10 written by hand in plain Rust: the floor the compiled model is compared with.
const K: f64 = 100.0;
const A: f64 = 1.0;
const B: f64 = 0.5;
const D: f64 = 0.05;

#[inline]
pub fn chain10_rhs(y: &[f64; 10], dy: &mut [f64; 10]) {
    for i in 0..5 {
        let x = y[2 * i];
        let p = y[2 * i + 1];
        let left = if i == 0 { y[0] } else { y[2 * i - 2] };
        let right = if i == 4 { y[8] } else { y[2 * i + 2] };
        let r = 1.0 + 0.1 * (i + 1) as f64;
        let m = 0.4 + 0.05 * (i + 1) as f64;
        dy[2 * i] = r * x * (1.0 - x / K) - A * x * p + D * (left - 2.0 * x + right);
        dy[2 * i + 1] = B * A * x * p - m * p;
    }
}

pub fn chain10_initial() -> [f64; 10] {
    let mut y = [0.0; 10];
    for i in 0..5 {
        y[2 * i] = 1.0 + 0.2 * (i + 1) as f64;
        y[2 * i + 1] = 0.5 + 0.1 * (i + 1) as f64;
    }
    y
}

/// Classical RK4, 1600 steps of 1/16, saving the state every 16 steps (as the engine does).
pub fn chain10_rk4_by_hand(out: &mut Vec<[f64; 10]>) {
    out.clear();
    let h = 1.0 / 16.0;
    let mut y = chain10_initial();
    let (mut k1, mut k2, mut k3, mut k4, mut t) =
        ([0.0; 10], [0.0; 10], [0.0; 10], [0.0; 10], [0.0; 10]);
    for step in 0..=1600 {
        chain10_rhs(&y, &mut k1);
        if step % 16 == 0 {
            out.push(y);
        }
        if step == 1600 {
            break;
        }
        for i in 0..10 {
            t[i] = y[i] + 0.5 * h * k1[i];
        }
        chain10_rhs(&t, &mut k2);
        for i in 0..10 {
            t[i] = y[i] + 0.5 * h * k2[i];
        }
        chain10_rhs(&t, &mut k3);
        for i in 0..10 {
            t[i] = y[i] + h * k3[i];
        }
        chain10_rhs(&t, &mut k4);
        for i in 0..10 {
            y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
}

/// 100 stocks, 200 flows, 150 auxiliaries, 50 constants; acyclic, bounded dynamics.
pub fn generated_model() -> String {
    let mut s = String::from("[settings]\nstop = 100\ndt = 0.125\nmethod = \"euler\"\n");
    for c in 0..50 {
        // A range of +-10% around each value, so parameter sets can be drawn (the benchmarks
        // of several parameter sets); runs at the defaults are unchanged.
        let v = 0.1 + 0.01 * c as f64;
        s += &format!(
            "[constants.c{c}]\nvalue = {v}\nrange = [{}, {}]\n",
            0.9 * v,
            1.1 * v
        );
    }
    for i in 0..100 {
        s += &format!(
            "[stocks.s{i}]\ninitial = \"{}\"\ninflows = [\"in{i}\"]\noutflows = [\"out{i}\"]\n",
            10 + i % 7
        );
    }
    for j in 0..150 {
        let (a, b) = (j % 100, (j * 7 + 3) % 100);
        let eq = match j % 5 {
            0 => format!("s{a} * c{} + s{b} * 0.01", j % 50),
            1 => format!("(s{a} - s{b}) / (1 + c{})", j % 50),
            2 if j > 10 => format!("a{} * 0.5 + MAX(s{a}, s{b}) * 0.001", j - 7),
            3 => format!("IF THEN ELSE(s{a} > s{b}, s{a} * 0.02, s{b} * 0.03)"),
            _ => format!("s{a} * s{b} / (s{a} + s{b} + 1)"),
        };
        s += &format!("[aux.a{j}]\nequation = \"{eq}\"\n");
    }
    for i in 0..100 {
        s += &format!(
            "[flows.in{i}]\nequation = \"a{} * c{} + 0.1\"\n",
            i % 150,
            (i + 3) % 50
        );
        s += &format!("[flows.out{i}]\nequation = \"s{i} * c{} * 0.5\"\n", i % 50);
    }
    s
}

/// 5 groups x 50 equations, arrayed (`scalar = false`) or written out element by element.
pub fn groups_model(scalar: bool) -> String {
    let groups = ["tec", "sec", "pty", "biz", "prov"];
    let mut s = String::from("[settings]\nstop = 50\ndt = 0.125\n");
    if !scalar {
        s += "[dimensions]\ngroup = [\"tec\", \"sec\", \"pty\", \"biz\", \"prov\"]\n";
        s += "[constants.w]\ndims = [\"group\"]\nvalue = [1, 2, 3, 4, 5]\n";
        s += "[stocks.l]\ndims = [\"group\"]\ninitial = \"w[group]\"\ninflows = [\"f\"]\n";
        s += "[flows.f]\ndims = [\"group\"]\nequation = \"a49[group] - 0.05 * l[group]\"\n";
        s += "[aux.a0]\ndims = [\"group\"]\nequation = \"l[group] * 0.1 + MEAN(l[group!]) * 0.01\"\n";
        for k in 1..50 {
            s += &format!("[aux.a{k}]\ndims = [\"group\"]\nequation = \"0.5 * a{}[group] + l[group] * w[group] * 0.01\"\n", k - 1);
        }
    } else {
        for (i, g) in groups.iter().enumerate() {
            s += &format!("[constants.w_{g}]\nvalue = {}\n", i + 1);
            s += &format!("[stocks.l_{g}]\ninitial = \"w_{g}\"\ninflows = [\"f_{g}\"]\n");
            s += &format!("[flows.f_{g}]\nequation = \"a49_{g} - 0.05 * l_{g}\"\n");
            let mean: Vec<String> = groups.iter().map(|h| format!("l_{h}")).collect();
            s += &format!(
                "[aux.a0_{g}]\nequation = \"l_{g} * 0.1 + ({}) / 5 * 0.01\"\n",
                mean.join(" + ")
            );
            for k in 1..50 {
                s += &format!(
                    "[aux.a{k}_{g}]\nequation = \"0.5 * a{}_{g} + l_{g} * w_{g} * 0.01\"\n",
                    k - 1
                );
            }
        }
    }
    s
}
