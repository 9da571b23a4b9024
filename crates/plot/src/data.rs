//! The plain input types of the figure kinds. They carry numbers and names only: no model,
//! no estimator, so any crate (or a script, through CSV) can fill them.

/// An axis title and its unit, drawn as `title (unit)`; an empty unit draws the title alone
/// (for dimensionless quantities such as indices or probabilities).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AxisLabel {
    pub title: String,
    pub unit: String,
}

impl AxisLabel {
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
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

impl Series {
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
    pub points: Vec<(f64, f64, f64)>,
}

/// One panel of output over time: model lines, bands, observed points and event markers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimeSeriesPanel {
    /// Panel title (the observable or variable), shown above the panel in grids.
    pub title: Option<String>,
    pub x: AxisLabel,
    pub y: AxisLabel,
    /// Model output or scenario runs; the same label gets the same style in every panel.
    pub lines: Vec<Series>,
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
    pub output: AxisLabel,
    pub base: f64,
    pub rows: Vec<TornadoRow>,
}

/// One parameter's Morris elementary-effect statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisPoint {
    pub parameter: String,
    pub mu_star: f64,
    pub sigma: f64,
    /// Half-width of the bootstrap confidence interval of μ*, when computed.
    pub mu_star_conf: Option<f64>,
}

/// The Morris μ*–σ plane.
#[derive(Debug, Clone, PartialEq)]
pub struct Morris {
    /// Name and unit of the output whose elementary effects were measured.
    pub output: AxisLabel,
    pub points: Vec<MorrisPoint>,
}

/// An estimate with an interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
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
    pub parameter: String,
    pub first: Interval,
    pub total: Interval,
}

/// Sobol indices of one output.
#[derive(Debug, Clone, PartialEq)]
pub struct Sobol {
    /// The output the indices decompose (shown in the axis title).
    pub output: String,
    pub rows: Vec<SobolRow>,
}

/// A likelihood profile of one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
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
    pub parameter: AxisLabel,
    pub draws: Vec<f64>,
    /// A credible interval to mark, e.g. the central 95%.
    pub interval: Option<(f64, f64)>,
    /// A point estimate to mark (posterior mean, median or MAP).
    pub estimate: Option<f64>,
}

/// Joint draws of several parameters: `draws[j]` is the column of parameter `j`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairs {
    pub parameters: Vec<AxisLabel>,
    pub draws: Vec<Vec<f64>>,
}

/// A coefficient at a position (event time, horizon) with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointEstimate {
    pub at: f64,
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// One estimator's coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct CoefSeries {
    pub label: String,
    pub points: Vec<PointEstimate>,
}

/// Event-study (or local-projection) coefficients by event time.
#[derive(Debug, Clone, PartialEq)]
pub struct EventStudy {
    pub x: AxisLabel,
    pub y: AxisLabel,
    pub series: Vec<CoefSeries>,
    /// The omitted period the coefficients are relative to (usually −1).
    pub reference_period: Option<f64>,
}

/// A Kaplan–Meier estimate for one group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KmCurve {
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
    pub time: AxisLabel,
    pub groups: Vec<KmCurve>,
}

/// One regression coefficient with its confidence interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Coefficient {
    pub term: String,
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// A coefficient plot: points with intervals, one row per term.
#[derive(Debug, Clone, PartialEq)]
pub struct CoefficientPlot {
    pub x: AxisLabel,
    pub rows: Vec<Coefficient>,
    /// Order rows by estimate (largest on top) instead of the given order.
    pub sort: bool,
}
