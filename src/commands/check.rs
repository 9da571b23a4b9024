//! What `pressure check` reports of a model that loads and compiles: its variables counted by
//! kind, the hidden variables of stateful functions, the size of its compiled program.

use crate::model::Model;
use crate::sim::CompiledModel;
use std::collections::BTreeMap;

/// A model's size at a glance.
#[derive(Debug, Clone)]
pub struct ModelSummary {
    /// Declared variables by kind (`stock`, `flow`, ...), hidden ones left out.
    pub counts: BTreeMap<&'static str, usize>,
    /// Hidden variables of stateful functions (SMOOTH, DELAY...).
    pub hidden: usize,
    /// Instructions of the initial program.
    pub initial_instructions: usize,
    /// Instructions per evaluation.
    pub instructions_per_evaluation: usize,
    /// Storage slots.
    pub slots: usize,
    /// State variables (integrated).
    pub state_variables: usize,
}

impl ModelSummary {
    /// Counts `model`'s variables and measures its compiled program.
    pub fn new(model: &Model, compiled: &CompiledModel) -> ModelSummary {
        let mut counts = BTreeMap::new();
        let mut hidden = 0;
        for v in &model.variables {
            if v.hidden.is_some() {
                hidden += 1;
            } else {
                *counts.entry(v.kind.name()).or_default() += 1;
            }
        }
        let (init, step, slots, states) = compiled.program_size();
        ModelSummary {
            counts,
            hidden,
            initial_instructions: init,
            instructions_per_evaluation: step,
            slots,
            state_variables: states,
        }
    }
}
