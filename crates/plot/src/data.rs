//! The plain input types of the figure kinds. They carry numbers and names only: no model,
//! no estimator, so any crate (or a script, through CSV) can fill them.

/// An axis title and its unit, drawn as `title (unit)`; an empty unit draws the title alone
/// (for dimensionless quantities such as indices or probabilities).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AxisLabel {
    /// What the axis measures, in words (e.g. "Parallel-market premium").
    pub title: String,
    /// Its unit (e.g. "% of official rate"); empty for dimensionless quantities.
    pub unit: String,
}

impl AxisLabel {
    /// A label from its title and unit (`""` for none).
    pub fn new(title: impl Into<String>, unit: impl Into<String>) -> Self {
        AxisLabel {
            title: title.into(),
            unit: unit.into(),
        }
    }

    /// The text drawn on the axis.
    pub fn text(&self) -> String {
        if self.unit.is_empty() {
            self.title.clone()
        } else {
            format!("{} ({})", self.title, self.unit)
        }
    }
}

/// A named sequence of (x, y) points, drawn in the given order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Legend text; lines with the same label get the same style in every panel.
    pub label: String,
    /// (x, y) points in the units of the panel's axes; NaN y values leave a gap.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series from its label and points.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            label: label.into(),
            points,
        }
    }
}

/// An uncertainty band: (x, lower, upper) triples, e.g. a calibration interval or a Monte
/// Carlo percentile band. It takes the colour of the line named `series` when there is one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Band {
    /// The line this band belongs to (matched by label).
    pub series: String,
    /// The legend text, e.g. `90% Monte Carlo band`.
    pub label: String,
    /// (x, lower, upper) in the units of the panel's axes, in x order.
    pub points: Vec<(f64, f64, f64)>,
}

/// One panel of output over time: model lines, bands, observed points and event markers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimeSeriesPanel {
    /// Panel title (the observable or variable), shown above the panel in grids.
    pub title: Option<String>,
    /// Horizontal axis (usually time, with the model's time unit).
    pub x: AxisLabel,
    /// Vertical axis: the variable and its unit.
    pub y: AxisLabel,
    /// Model output or scenario runs; the same label gets the same style in every panel.
    pub lines: Vec<Series>,
    /// Uncertainty bands, drawn under the lines.
    pub bands: Vec<Band>,
    /// Observed data, drawn as black markers.
    pub observed: Vec<Series>,
    /// Vertical event lines (x, label), e.g. the year sanctions were imposed.
    pub events: Vec<(f64, String)>,
    /// A fixed y range; otherwise the data's.
    pub y_range: Option<(f64, f64)>,
}

/// Output at the low and high end of one parameter's range (one-at-a-time analysis).
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoRow {
    /// The parameter's name, drawn as the row label.
    pub parameter: String,
    /// Output with the parameter at the low end of its range.
    pub low: f64,
    /// Output with the parameter at the high end of its range.
    pub high: f64,
}

/// A tornado chart: bars from the base output to the low- and high-end outputs, the widest
/// swing on top.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    /// The output whose swings are drawn, with its unit (the horizontal axis).
    pub output: AxisLabel,
    /// The output with every parameter at its base value (the reference line).
    pub base: f64,
    /// One row per parameter, in any order (drawn widest swing on top).
    pub rows: Vec<TornadoRow>,
}

/// One parameter's Morris elementary-effect statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisPoint {
    /// The parameter's name, drawn next to its point.
    pub parameter: String,
    /// μ*: mean absolute elementary effect, in output units per unit of the parameter's range
    /// scaled to [0, 1].
    pub mu_star: f64,
    /// σ: standard deviation of the elementary effects (same units): interactions or
    /// non-linearity.
    pub sigma: f64,
    /// Half-width of the bootstrap confidence interval of μ*, when computed.
    pub mu_star_conf: Option<f64>,
}

/// The Morris μ*–σ plane.
#[derive(Debug, Clone, PartialEq)]
pub struct Morris {
    /// Name and unit of the output whose elementary effects were measured.
    pub output: AxisLabel,
    /// One point per parameter.
    pub points: Vec<MorrisPoint>,
}

/// An estimate with an interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The point estimate.
    pub estimate: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

impl Interval {
    /// An interval from its estimate and ends.
    pub fn new(estimate: f64, low: f64, high: f64) -> Self {
        Interval {
            estimate,
            low,
            high,
        }
    }
}

/// First-order and total Sobol indices of one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolRow {
    /// The parameter (or group) name.
    pub parameter: String,
    /// First-order index S₁ (share of the output variance due to this parameter alone).
    pub first: Interval,
    /// Total index S_T (share including all its interactions).
    pub total: Interval,
}

/// Sobol indices of one output.
#[derive(Debug, Clone, PartialEq)]
pub struct Sobol {
    /// The output the indices decompose (shown in the axis title).
    pub output: String,
    /// One row per parameter, drawn in the given order.
    pub rows: Vec<SobolRow>,
}

/// A likelihood profile of one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The profiled parameter and its unit (the horizontal axis).
    pub parameter: AxisLabel,
    /// (parameter value, deviance = 2·(max log-likelihood − profile log-likelihood)).
    pub points: Vec<(f64, f64)>,
    /// The maximum-likelihood estimate.
    pub estimate: Option<f64>,
    /// The confidence interval where the profile crosses `threshold`.
    pub interval: Option<(f64, f64)>,
    /// χ²₁ quantile of the interval's level: 3.841 for 95%.
    pub threshold: f64,
}

/// Posterior (or bootstrap) draws of one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Marginal {
    /// The parameter and its unit (the horizontal axis).
    pub parameter: AxisLabel,
    /// The draws, in the parameter's unit (drawn as a density histogram).
    pub draws: Vec<f64>,
    /// A credible interval to mark, e.g. the central 95%.
    pub interval: Option<(f64, f64)>,
    /// A point estimate to mark (posterior mean, median or MAP).
    pub estimate: Option<f64>,
}

/// Joint draws of several parameters: `draws[j]` is the column of parameter `j`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairs {
    /// One label per parameter, in the order of `draws`.
    pub parameters: Vec<AxisLabel>,
    /// One column of draws per parameter, all of the same length.
    pub draws: Vec<Vec<f64>>,
}

/// A coefficient at a position (event time, horizon) with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointEstimate {
    /// Where the coefficient sits on the horizontal axis (event time, horizon).
    pub at: f64,
    /// The coefficient.
    pub estimate: f64,
    /// Lower end of its confidence interval.
    pub low: f64,
    /// Upper end of its confidence interval.
    pub high: f64,
}

/// One estimator's coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct CoefSeries {
    /// The estimator's legend text (e.g. "TWFE", "Sun–Abraham").
    pub label: String,
    /// Its coefficients, in any order of `at`.
    pub points: Vec<PointEstimate>,
}

/// Event-study (or local-projection) coefficients by event time.
#[derive(Debug, Clone, PartialEq)]
pub struct EventStudy {
    /// Horizontal axis (event time or horizon, with its unit).
    pub x: AxisLabel,
    /// Vertical axis: the outcome and the unit of a coefficient.
    pub y: AxisLabel,
    /// One series per estimator, dodged sideways so intervals do not overlap.
    pub series: Vec<CoefSeries>,
    /// The omitted period the coefficients are relative to (usually −1).
    pub reference_period: Option<f64>,
}

/// A Kaplan–Meier estimate for one group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KmCurve {
    /// The group's legend text.
    pub label: String,
    /// (time, survival just after that time), in time order; survival is 1 before the first.
    pub steps: Vec<(f64, f64)>,
    /// Times at which observations were censored (drawn as ticks on the curve).
    pub censored: Vec<f64>,
    /// Optional pointwise confidence band (time, lower, upper), same times as `steps`.
    pub band: Vec<(f64, f64, f64)>,
}

/// Kaplan–Meier curves by group.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    /// The time axis (e.g. "Years in office").
    pub time: AxisLabel,
    /// One curve per group.
    pub groups: Vec<KmCurve>,
}

/// One regression coefficient with its confidence interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Coefficient {
    /// The term's name, drawn as the row label.
    pub term: String,
    /// The estimate, in the units of the plot's axis.
    pub estimate: f64,
    /// Lower end of its confidence interval.
    pub low: f64,
    /// Upper end of its confidence interval.
    pub high: f64,
}

/// A coefficient plot: points with intervals, one row per term.
#[derive(Debug, Clone, PartialEq)]
pub struct CoefficientPlot {
    /// The horizontal axis: what a coefficient measures and its unit.
    pub x: AxisLabel,
    /// One row per term.
    pub rows: Vec<Coefficient>,
    /// Order rows by estimate (largest on top) instead of the given order.
    pub sort: bool,
}
