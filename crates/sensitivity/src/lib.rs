//! Global sensitivity analysis for Pressure: parameter spaces, samplers, estimators, and a
//! streaming engine that runs them on any model in parallel or in shards.
//!
//! The core is model-agnostic: anything that maps a parameter vector to outputs (an
//! [`engine::Evaluator`], e.g. a closure wrapped in [`engine::FnEvaluator`]) can be analysed.
//!
//! | module | job |
//! |---|---|
//! | [`distribution`], [`space`] | uncertain parameters: uniform, normal, log-normal, triangular, truncated normal |
//! | [`design`] | samplers: random, Latin hypercube, Sobol' (scrambled), Saltelli, Morris (improved spread) |
//! | [`analysis`] | estimators: Sobol' S1/ST/S2, Morris μ/μ*/σ, Monte Carlo bands and PRCC, one-at-a-time swings |
//! | [`bootstrap`] | streaming (Poisson) bootstrap intervals |
//! | [`engine`] | parallel, streamed, sharded execution with thread- and shard-independent results |
//! | [`partial`] | partial results of shards on disk and their merge |
//!
//! ```
//! use pressure_sensitivity::prelude::*;
//! // Ishigami function, a = 7, b = 0.1, on [-π, π]³.
//! let pi = std::f64::consts::PI;
//! let space = ParameterSpace::uniform(&[("x1", -pi, pi), ("x2", -pi, pi), ("x3", -pi, pi)])?;
//! let model = FnEvaluator::new(1, |x: &[f64], y: &mut [f64]| {
//!     y[0] = x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin();
//!     Ok(())
//! });
//! let design = SaltelliDesign::new(3, 1024, false, Some(42))?;
//! let analysis = SobolAnalysis::new(3, false, vec![100], 42, 0.95);
//! let job = Job::new(&design, &space, &model, &analysis);
//! let indices = &analysis.finalize(&run_all(&job)?)[0];
//! assert!((indices.first[1].value - 0.4424).abs() < 0.03);
//! assert!((indices.total[2].value - 0.2437).abs() < 0.03);
//! # Ok::<(), pressure_sensitivity::SensitivityError>(())
//! ```

pub mod analysis;
pub mod bootstrap;
pub mod design;
pub mod distribution;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod partial;
pub mod space;

pub use distribution::Distribution;
pub use error::{DistributionError, Result, SensitivityError};
pub use space::{Parameter, ParameterSpace};

/// The names most programs need.
pub mod prelude {
    pub use crate::analysis::montecarlo::MonteCarloAnalysis;
    pub use crate::analysis::morris::MorrisAnalysis;
    pub use crate::analysis::sobol::SobolAnalysis;
    pub use crate::analysis::Analysis;
    pub use crate::bootstrap::Estimate;
    pub use crate::design::{
        Design, LatinHypercube, MorrisDesign, RandomDesign, SaltelliDesign, SobolDesign,
    };
    pub use crate::engine::{run_all, Evaluator, FnEvaluator, Job, OnFailure, Plan};
    pub use crate::{Distribution, Parameter, ParameterSpace, SensitivityError};
}
