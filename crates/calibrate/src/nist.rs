//! The NIST StRD nonlinear least-squares problems (<https://www.itl.nist.gov/div898/strd/nls/>):
//! a parser for the `.dat` files, each of the 27 model functions with its analytic Jacobian,
//! and the log relative error (LRE) used to score an estimate against the certified values
//! (McCullough 1998).
//!
//! The `.dat` files give the data, the two start points and the certified values; the model
//! formula is written here in Rust from the formula printed in each file. The residual is
//! `f(x; b) − y` (for Nelson, `f − ln y`: NIST fits `log[y]`).
//!
//! ```
//! use pressure_calibrate::nist::lre;
//! assert!((lre(1.0000001, 1.0, 11) - 7.0).abs() < 1e-6);
//! assert_eq!(lre(2.0, 2.0, 11), 11.0);
//! ```

use crate::problem::{ColMatrix, EvalError, LeastSquaresProblem};
use std::f64::consts::PI;

/// Log relative error of `estimate` against `certified`: `−log10(|q − c|/|c|)`, or
/// `−log10|q|` when `c = 0`, clipped to `[0, digits]` (`digits` = 11 for NIST nonlinear).
pub fn lre(estimate: f64, certified: f64, digits: u32) -> f64 {
    let max = f64::from(digits);
    if !estimate.is_finite() {
        return 0.0;
    }
    let err = if certified == 0.0 {
        estimate.abs()
    } else {
        ((estimate - certified) / certified).abs()
    };
    if err == 0.0 {
        return max;
    }
    (-err.log10()).clamp(0.0, max)
}

/// The 27 models, named as the NIST files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NistModel {
    Misra1a,
    Chwirut2,
    Chwirut1,
    Lanczos3,
    Gauss1,
    Gauss2,
    DanWood,
    Misra1b,
    Kirby2,
    Hahn1,
    Nelson,
    MGH17,
    Lanczos1,
    Lanczos2,
    Gauss3,
    Misra1c,
    Misra1d,
    Roszman1,
    ENSO,
    MGH09,
    Thurber,
    BoxBOD,
    Rat42,
    MGH10,
    Eckerle4,
    Rat43,
    Bennett5,
}

impl NistModel {
    /// All problems in NIST's order (lower, average, higher difficulty).
    pub const ALL: [NistModel; 27] = [
        NistModel::Misra1a,
        NistModel::Chwirut2,
        NistModel::Chwirut1,
        NistModel::Lanczos3,
        NistModel::Gauss1,
        NistModel::Gauss2,
        NistModel::DanWood,
        NistModel::Misra1b,
        NistModel::Kirby2,
        NistModel::Hahn1,
        NistModel::Nelson,
        NistModel::MGH17,
        NistModel::Lanczos1,
        NistModel::Lanczos2,
        NistModel::Gauss3,
        NistModel::Misra1c,
        NistModel::Misra1d,
        NistModel::Roszman1,
        NistModel::ENSO,
        NistModel::MGH09,
        NistModel::Thurber,
        NistModel::BoxBOD,
        NistModel::Rat42,
        NistModel::MGH10,
        NistModel::Eckerle4,
        NistModel::Rat43,
        NistModel::Bennett5,
    ];

    /// The problems available without the NIST files (see [`NistProblem::embedded`]).
    pub const EMBEDDED: [NistModel; 5] = [
        NistModel::Misra1a,
        NistModel::BoxBOD,
        NistModel::MGH09,
        NistModel::DanWood,
        NistModel::Rat42,
    ];

    /// The file stem (`Misra1a` for `Misra1a.dat`).
    pub fn name(self) -> &'static str {
        match self {
            NistModel::Misra1a => "Misra1a",
            NistModel::Chwirut2 => "Chwirut2",
            NistModel::Chwirut1 => "Chwirut1",
            NistModel::Lanczos3 => "Lanczos3",
            NistModel::Gauss1 => "Gauss1",
            NistModel::Gauss2 => "Gauss2",
            NistModel::DanWood => "DanWood",
            NistModel::Misra1b => "Misra1b",
            NistModel::Kirby2 => "Kirby2",
            NistModel::Hahn1 => "Hahn1",
            NistModel::Nelson => "Nelson",
            NistModel::MGH17 => "MGH17",
            NistModel::Lanczos1 => "Lanczos1",
            NistModel::Lanczos2 => "Lanczos2",
            NistModel::Gauss3 => "Gauss3",
            NistModel::Misra1c => "Misra1c",
            NistModel::Misra1d => "Misra1d",
            NistModel::Roszman1 => "Roszman1",
            NistModel::ENSO => "ENSO",
            NistModel::MGH09 => "MGH09",
            NistModel::Thurber => "Thurber",
            NistModel::BoxBOD => "BoxBOD",
            NistModel::Rat42 => "Rat42",
            NistModel::MGH10 => "MGH10",
            NistModel::Eckerle4 => "Eckerle4",
            NistModel::Rat43 => "Rat43",
            NistModel::Bennett5 => "Bennett5",
        }
    }

    pub fn from_name(name: &str) -> Option<NistModel> {
        NistModel::ALL.iter().copied().find(|m| m.name() == name)
    }

    /// Number of parameters.
    pub fn n_params(self) -> usize {
        use NistModel::*;
        match self {
            Misra1a | DanWood | Misra1b | Misra1c | Misra1d | BoxBOD => 2,
            Chwirut1 | Chwirut2 | Nelson | Rat42 | MGH10 | Eckerle4 | Bennett5 => 3,
            Roszman1 | MGH09 | Rat43 => 4,
            Kirby2 | MGH17 => 5,
            Lanczos1 | Lanczos2 | Lanczos3 => 6,
            Hahn1 | Thurber => 7,
            Gauss1 | Gauss2 | Gauss3 => 8,
            ENSO => 9,
        }
    }

    /// Number of predictor columns (2 for Nelson, 1 otherwise).
    pub fn n_predictors(self) -> usize {
        if self == NistModel::Nelson {
            2
        } else {
            1
        }
    }

    /// Model value `f(x; b)` and, when `grad` is given, `∂f/∂b` into it.
    pub fn eval(self, b: &[f64], x: &[f64], grad: Option<&mut [f64]>) -> f64 {
        use NistModel::*;
        let mut g = [0.0f64; 9];
        let x1 = x[0];
        let f = match self {
            Misra1a | BoxBOD => {
                let e = (-b[1] * x1).exp();
                g[0] = 1.0 - e;
                g[1] = b[0] * x1 * e;
                b[0] * (1.0 - e)
            }
            Chwirut1 | Chwirut2 => {
                let e = (-b[0] * x1).exp();
                let d = b[1] + b[2] * x1;
                g[0] = -x1 * e / d;
                g[1] = -e / (d * d);
                g[2] = -x1 * e / (d * d);
                e / d
            }
            DanWood => {
                let p = x1.powf(b[1]);
                g[0] = p;
                g[1] = b[0] * p * x1.ln();
                b[0] * p
            }
            ENSO => {
                let w = 2.0 * PI * x1;
                let a0 = w / 12.0;
                let a4 = w / b[3];
                let a7 = w / b[6];
                let (s0, c0) = a0.sin_cos();
                let (s4, c4) = a4.sin_cos();
                let (s7, c7) = a7.sin_cos();
                g[0] = 1.0;
                g[1] = c0;
                g[2] = s0;
                g[4] = c4;
                g[5] = s4;
                g[7] = c7;
                g[8] = s7;
                // d/db4 of b5 cos(a) + b6 sin(a) with a = w/b4: (−b5 sin a + b6 cos a)(−a/b4).
                g[3] = (-b[4] * s4 + b[5] * c4) * (-a4 / b[3]);
                g[6] = (-b[7] * s7 + b[8] * c7) * (-a7 / b[6]);
                b[0] + b[1] * c0 + b[2] * s0 + b[4] * c4 + b[5] * s4 + b[7] * c7 + b[8] * s7
            }
            Eckerle4 => {
                let u = (x1 - b[2]) / b[1];
                let e = (-0.5 * u * u).exp();
                g[0] = e / b[1];
                g[1] = b[0] * e * (u * u - 1.0) / (b[1] * b[1]);
                g[2] = b[0] / b[1] * e * u / b[1];
                b[0] / b[1] * e
            }
            Gauss1 | Gauss2 | Gauss3 => {
                let e1 = (-b[1] * x1).exp();
                let d4 = x1 - b[3];
                let d7 = x1 - b[6];
                let g4 = (-d4 * d4 / (b[4] * b[4])).exp();
                let g7 = (-d7 * d7 / (b[7] * b[7])).exp();
                g[0] = e1;
                g[1] = -b[0] * x1 * e1;
                g[2] = g4;
                g[3] = b[2] * g4 * 2.0 * d4 / (b[4] * b[4]);
                g[4] = b[2] * g4 * 2.0 * d4 * d4 / (b[4] * b[4] * b[4]);
                g[5] = g7;
                g[6] = b[5] * g7 * 2.0 * d7 / (b[7] * b[7]);
                g[7] = b[5] * g7 * 2.0 * d7 * d7 / (b[7] * b[7] * b[7]);
                b[0] * e1 + b[2] * g4 + b[5] * g7
            }
            Hahn1 | Thurber => {
                let (x2, x3) = (x1 * x1, x1 * x1 * x1);
                let num = b[0] + b[1] * x1 + b[2] * x2 + b[3] * x3;
                let den = 1.0 + b[4] * x1 + b[5] * x2 + b[6] * x3;
                let f = num / den;
                g[0] = 1.0 / den;
                g[1] = x1 / den;
                g[2] = x2 / den;
                g[3] = x3 / den;
                g[4] = -f * x1 / den;
                g[5] = -f * x2 / den;
                g[6] = -f * x3 / den;
                f
            }
            Kirby2 => {
                let x2 = x1 * x1;
                let num = b[0] + b[1] * x1 + b[2] * x2;
                let den = 1.0 + b[3] * x1 + b[4] * x2;
                let f = num / den;
                g[0] = 1.0 / den;
                g[1] = x1 / den;
                g[2] = x2 / den;
                g[3] = -f * x1 / den;
                g[4] = -f * x2 / den;
                f
            }
            Lanczos1 | Lanczos2 | Lanczos3 => {
                let mut f = 0.0;
                for k in 0..3 {
                    let e = (-b[2 * k + 1] * x1).exp();
                    g[2 * k] = e;
                    g[2 * k + 1] = -b[2 * k] * x1 * e;
                    f += b[2 * k] * e;
                }
                f
            }
            MGH09 => {
                let num = x1 * x1 + x1 * b[1];
                let den = x1 * x1 + x1 * b[2] + b[3];
                g[0] = num / den;
                g[1] = b[0] * x1 / den;
                g[2] = -b[0] * num * x1 / (den * den);
                g[3] = -b[0] * num / (den * den);
                b[0] * num / den
            }
            MGH10 => {
                let d = x1 + b[2];
                let e = (b[1] / d).exp();
                g[0] = e;
                g[1] = b[0] * e / d;
                g[2] = -b[0] * e * b[1] / (d * d);
                b[0] * e
            }
            MGH17 => {
                let e4 = (-x1 * b[3]).exp();
                let e5 = (-x1 * b[4]).exp();
                g[0] = 1.0;
                g[1] = e4;
                g[2] = e5;
                g[3] = -b[1] * x1 * e4;
                g[4] = -b[2] * x1 * e5;
                b[0] + b[1] * e4 + b[2] * e5
            }
            Misra1b => {
                let u = 1.0 + b[1] * x1 / 2.0;
                g[0] = 1.0 - u.powi(-2);
                g[1] = b[0] * x1 * u.powi(-3);
                b[0] * (1.0 - u.powi(-2))
            }
            Misra1c => {
                let u = 1.0 + 2.0 * b[1] * x1;
                let s = u.sqrt();
                g[0] = 1.0 - 1.0 / s;
                g[1] = b[0] * x1 / (u * s);
                b[0] * (1.0 - 1.0 / s)
            }
            Misra1d => {
                let u = 1.0 + b[1] * x1;
                g[0] = b[1] * x1 / u;
                g[1] = b[0] * x1 / (u * u);
                b[0] * b[1] * x1 / u
            }
            Nelson => {
                let x2 = x[1];
                let e = (-b[2] * x2).exp();
                g[0] = 1.0;
                g[1] = -x1 * e;
                g[2] = b[1] * x1 * x2 * e;
                b[0] - b[1] * x1 * e
            }
            Rat42 => {
                let e = (b[1] - b[2] * x1).exp();
                let u = 1.0 + e;
                g[0] = 1.0 / u;
                g[1] = -b[0] * e / (u * u);
                g[2] = b[0] * x1 * e / (u * u);
                b[0] / u
            }
            Rat43 => {
                let e = (b[1] - b[2] * x1).exp();
                let u = 1.0 + e;
                let p = u.powf(-1.0 / b[3]);
                let dp_du = -p / (b[3] * u);
                g[0] = p;
                g[1] = b[0] * dp_du * e;
                g[2] = -b[0] * dp_du * e * x1;
                g[3] = b[0] * p * u.ln() / (b[3] * b[3]);
                b[0] * p
            }
            Roszman1 => {
                let d = x1 - b[3];
                let w = b[2] / d;
                let k = 1.0 / (PI * (1.0 + w * w));
                g[0] = 1.0;
                g[1] = -x1;
                g[2] = -k / d;
                g[3] = -k * b[2] / (d * d);
                b[0] - b[1] * x1 - w.atan() / PI
            }
            Bennett5 => {
                let s = b[1] + x1;
                let p = s.powf(-1.0 / b[2]);
                g[0] = p;
                g[1] = -b[0] * p / (b[2] * s);
                g[2] = b[0] * p * s.ln() / (b[2] * b[2]);
                b[0] * p
            }
        };
        if let Some(out) = grad {
            out.copy_from_slice(&g[..out.len()]);
        }
        f
    }
}

/// Five small problems transcribed from the NIST files (public domain), so tests, examples and
/// benchmarks run without the shared reference folder.
type Embedded = (
    NistModel,
    [&'static [f64]; 2],
    &'static [f64],
    &'static [(f64, f64)],
);

const EMBEDDED_DATA: [Embedded; 5] = [
    (
        NistModel::Misra1a,
        [&[500.0, 0.0001], &[250.0, 0.0005]],
        &[2.3894212918E+02, 5.5015643181E-04],
        &[
            (10.07, 77.6),
            (14.73, 114.9),
            (17.94, 141.1),
            (23.93, 190.8),
            (29.61, 239.9),
            (35.18, 289.0),
            (40.02, 332.8),
            (44.82, 378.4),
            (50.76, 434.8),
            (55.05, 477.3),
            (61.01, 536.8),
            (66.4, 593.1),
            (75.47, 689.1),
            (81.78, 760.0),
        ],
    ),
    (
        NistModel::BoxBOD,
        [&[1.0, 1.0], &[100.0, 0.75]],
        &[2.1380940889E+02, 5.4723748542E-01],
        &[
            (109.0, 1.0),
            (149.0, 2.0),
            (149.0, 3.0),
            (191.0, 5.0),
            (213.0, 7.0),
            (224.0, 10.0),
        ],
    ),
    (
        NistModel::MGH09,
        [&[25.0, 39.0, 41.5, 39.0], &[0.25, 0.39, 0.415, 0.39]],
        &[
            1.9280693458E-01,
            1.9128232873E-01,
            1.2305650693E-01,
            1.3606233068E-01,
        ],
        &[
            (0.1957, 4.0),
            (0.1947, 2.0),
            (0.1735, 1.0),
            (0.16, 0.5),
            (0.0844, 0.25),
            (0.0627, 0.167),
            (0.0456, 0.125),
            (0.0342, 0.1),
            (0.0323, 0.0833),
            (0.0235, 0.0714),
            (0.0246, 0.0625),
        ],
    ),
    (
        NistModel::DanWood,
        [&[1.0, 5.0], &[0.7, 4.0]],
        &[7.6886226176E-01, 3.8604055871E+00],
        &[
            (2.138, 1.309),
            (3.421, 1.471),
            (3.597, 1.49),
            (4.34, 1.565),
            (4.882, 1.611),
            (5.66, 1.68),
        ],
    ),
    (
        NistModel::Rat42,
        [&[100.0, 1.0, 0.1], &[75.0, 2.5, 0.07]],
        &[7.2462237576E+01, 2.6180768402E+00, 6.7359200066E-02],
        &[
            (8.93, 9.0),
            (10.8, 14.0),
            (18.59, 21.0),
            (22.33, 28.0),
            (39.35, 42.0),
            (56.11, 57.0),
            (61.73, 63.0),
            (64.62, 70.0),
            (67.08, 79.0),
        ],
    ),
];

/// Difficulty level as NIST classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Difficulty {
    Lower,
    Average,
    Higher,
}

/// One parsed NIST problem.
#[derive(Debug, Clone)]
pub struct NistProblem {
    pub model: NistModel,
    pub difficulty: Difficulty,
    /// The two NIST start points.
    pub starts: [Vec<f64>; 2],
    /// Certified parameter values (11 significant digits).
    pub certified: Vec<f64>,
    /// Certified standard deviations of the parameters.
    pub certified_sd: Vec<f64>,
    /// Certified residual sum of squares.
    pub certified_rss: f64,
    /// Response (for Nelson, `ln y`).
    pub y: Vec<f64>,
    /// Predictors, one row per observation (`n_predictors` values each).
    pub x: Vec<Vec<f64>>,
}

fn parse_range(line: &str) -> Option<(usize, usize)> {
    let start = line.find("(lines")?;
    let inner = &line[start + 6..];
    let inner = &inner[..inner.find(')')?];
    let mut parts = inner.split("to").map(|s| s.trim().parse::<usize>());
    Some((parts.next()?.ok()?, parts.next()?.ok()?))
}

fn parse_floats(s: &str) -> Result<Vec<f64>, String> {
    s.split_whitespace()
        .map(|t| {
            t.parse::<f64>()
                .map_err(|_| format!("`{t}` is not a number"))
        })
        .collect()
}

impl NistProblem {
    /// Parses the text of a NIST StRD nonlinear `.dat` file for `model`.
    pub fn parse(model: NistModel, text: &str) -> Result<NistProblem, String> {
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
        let header = lines.iter().take(12);
        let mut data_range = None;
        for l in header {
            if l.trim_start().starts_with("Data") {
                data_range = parse_range(l);
            }
        }
        let (d0, d1) = data_range.ok_or("no `Data (lines a to b)` in the header")?;
        let difficulty = if text.contains("Lower Level of Difficulty") {
            Difficulty::Lower
        } else if text.contains("Average Level of Difficulty") {
            Difficulty::Average
        } else if text.contains("Higher Level of Difficulty") {
            Difficulty::Higher
        } else {
            return Err("no level of difficulty in the header".into());
        };
        let p = model.n_params();
        let mut starts = [Vec::with_capacity(p), Vec::with_capacity(p)];
        let mut certified = Vec::with_capacity(p);
        let mut certified_sd = Vec::with_capacity(p);
        for k in 1..=p {
            let key = format!("b{k} =");
            let (lineno, line) = lines
                .iter()
                .enumerate()
                .find(|(_, l)| l.trim_start().starts_with(&key))
                .ok_or_else(|| format!("no line for parameter b{k}"))?;
            let vals = parse_floats(&line[line.find('=').unwrap() + 1..])
                .map_err(|e| format!("line {}: {e}", lineno + 1))?;
            if vals.len() != 4 {
                return Err(format!(
                    "line {}: expected start 1, start 2, certified value and SD",
                    lineno + 1
                ));
            }
            starts[0].push(vals[0]);
            starts[1].push(vals[1]);
            certified.push(vals[2]);
            certified_sd.push(vals[3]);
        }
        let rss_line = lines
            .iter()
            .find(|l| l.starts_with("Residual Sum of Squares:"))
            .ok_or("no residual sum of squares")?;
        let certified_rss = parse_floats(&rss_line["Residual Sum of Squares:".len()..])?
            .first()
            .copied()
            .ok_or("empty residual sum of squares")?;
        let q = model.n_predictors();
        let mut y = Vec::new();
        let mut x = Vec::new();
        for (k, line) in lines
            .iter()
            .enumerate()
            .take(d1.min(lines.len()))
            .skip(d0 - 1)
        {
            if line.trim().is_empty() {
                continue;
            }
            let vals = parse_floats(line).map_err(|e| format!("line {}: {e}", k + 1))?;
            if vals.len() != q + 1 {
                return Err(format!(
                    "line {}: expected {} columns, found {}",
                    k + 1,
                    q + 1,
                    vals.len()
                ));
            }
            y.push(if model == NistModel::Nelson {
                vals[0].ln()
            } else {
                vals[0]
            });
            x.push(vals[1..].to_vec());
        }
        if y.len() != d1 + 1 - d0 {
            return Err(format!(
                "expected {} observations, found {}",
                d1 + 1 - d0,
                y.len()
            ));
        }
        Ok(NistProblem {
            model,
            difficulty,
            starts,
            certified,
            certified_sd,
            certified_rss,
            y,
            x,
        })
    }

    /// One of the [`NistModel::EMBEDDED`] problems, from values transcribed into this crate
    /// (certified standard deviations and RSS are not transcribed: NaN).
    ///
    /// ```
    /// use pressure_calibrate::lm::{levenberg_marquardt, LmOptions};
    /// use pressure_calibrate::nist::{NistModel, NistProblem};
    /// let mut p = NistProblem::embedded(NistModel::MGH09).unwrap();
    /// let start = p.starts[0].clone();
    /// let fit = levenberg_marquardt(&mut p, &start, &LmOptions::default()).unwrap();
    /// assert!(p.min_lre(&fit.x) >= 9.0);
    /// ```
    pub fn embedded(model: NistModel) -> Option<NistProblem> {
        let (_, starts, certified, data) = EMBEDDED_DATA.iter().find(|e| e.0 == model)?;
        Some(NistProblem {
            model,
            difficulty: match model {
                NistModel::Misra1a | NistModel::DanWood => Difficulty::Lower,
                _ => Difficulty::Higher,
            },
            starts: [starts[0].to_vec(), starts[1].to_vec()],
            certified_sd: vec![f64::NAN; certified.len()],
            certified: certified.to_vec(),
            certified_rss: f64::NAN,
            y: data.iter().map(|d| d.0).collect(),
            x: data.iter().map(|d| vec![d.1]).collect(),
        })
    }

    /// Minimum LRE over the parameters of `estimate`.
    pub fn min_lre(&self, estimate: &[f64]) -> f64 {
        estimate
            .iter()
            .zip(&self.certified)
            .map(|(q, c)| lre(*q, *c, 11))
            .fold(f64::INFINITY, f64::min)
    }

    /// The same problem with the analytic Jacobian hidden, so solvers use finite differences.
    pub fn without_jacobian(&self) -> NoJacobian<'_> {
        NoJacobian(self)
    }
}

impl LeastSquaresProblem for NistProblem {
    fn n_params(&self) -> usize {
        self.model.n_params()
    }
    fn n_residuals(&self) -> usize {
        self.y.len()
    }
    fn residuals(&mut self, b: &[f64], r: &mut [f64]) -> Result<(), EvalError> {
        for ((ri, yi), xi) in r.iter_mut().zip(&self.y).zip(&self.x) {
            *ri = self.model.eval(b, xi, None) - yi;
        }
        Ok(())
    }
    fn has_jacobian(&self) -> bool {
        true
    }
    fn jacobian(&mut self, b: &[f64], jac: &mut ColMatrix) -> Result<(), EvalError> {
        let mut g = [0.0; 9];
        let p = b.len();
        for (i, xi) in self.x.iter().enumerate() {
            self.model.eval(b, xi, Some(&mut g[..p]));
            for (j, gj) in g[..p].iter().enumerate() {
                jac[(i, j)] = *gj;
            }
        }
        Ok(())
    }
}

/// A NIST problem seen without its analytic Jacobian (see [`NistProblem::without_jacobian`]).
pub struct NoJacobian<'a>(&'a NistProblem);

impl LeastSquaresProblem for NoJacobian<'_> {
    fn n_params(&self) -> usize {
        self.0.model.n_params()
    }
    fn n_residuals(&self) -> usize {
        self.0.y.len()
    }
    fn residuals(&mut self, b: &[f64], r: &mut [f64]) -> Result<(), EvalError> {
        for ((ri, yi), xi) in r.iter_mut().zip(&self.0.y).zip(&self.0.x) {
            *ri = self.0.model.eval(b, xi, None) - yi;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jacobian::{fd_jacobian, FdWork, FiniteDifference};

    #[test]
    fn analytic_gradients_match_finite_differences_for_every_model() {
        // A generic point for each model (positive, away from singularities).
        for model in NistModel::ALL {
            let p = model.n_params();
            let b: Vec<f64> = match model {
                NistModel::ENSO => vec![10.0, 3.0, 0.5, 44.0, -1.6, 0.5, 26.0, 0.2, 1.5],
                NistModel::Roszman1 => vec![0.2, -6e-6, 1.2e3, -180.0],
                _ => (0..p).map(|k| 0.3 + 0.17 * k as f64).collect(),
            };
            let xs: Vec<Vec<f64>> = (1..6)
                .map(|i| {
                    if model == NistModel::Nelson {
                        vec![i as f64, 10.0 * i as f64]
                    } else {
                        vec![0.7 * i as f64]
                    }
                })
                .collect();
            let mut prob = NistProblem {
                model,
                difficulty: Difficulty::Lower,
                starts: [b.clone(), b.clone()],
                certified: b.clone(),
                certified_sd: b.clone(),
                certified_rss: 0.0,
                y: vec![0.0; xs.len()],
                x: xs,
            };
            let mut r0 = vec![0.0; 5];
            prob.residuals(&b, &mut r0).unwrap();
            let mut exact = ColMatrix::zeros(5, p);
            prob.jacobian(&b, &mut exact).unwrap();
            let mut fd = ColMatrix::zeros(5, p);
            let mut work = FdWork::new(p, 5);
            fd_jacobian(
                &mut prob.without_jacobian(),
                &b,
                &r0,
                FiniteDifference::Central4,
                &mut fd,
                &mut work,
            )
            .unwrap();
            for j in 0..p {
                for i in 0..5 {
                    let (a, e) = (fd[(i, j)], exact[(i, j)]);
                    assert!(
                        (a - e).abs() <= 1e-7 * (1.0 + e.abs()),
                        "{}: d r{i}/d b{} analytic {e} vs fd {a}",
                        model.name(),
                        j + 1
                    );
                }
            }
        }
    }

    #[test]
    fn lre_is_clipped_and_handles_zero() {
        assert_eq!(lre(3.0, 1.0, 11), 0.0);
        assert!((lre(1e-5, 0.0, 15) - 5.0).abs() < 1e-12);
        assert_eq!(lre(f64::NAN, 1.0, 11), 0.0);
    }
}
