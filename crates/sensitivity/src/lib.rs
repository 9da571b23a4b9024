//! Global sensitivity analysis: parameter spaces, samplers (random, LHS, Sobol, Saltelli, Morris) and estimators (OAT, Morris, Sobol, PRCC, envelopes), streamed and sharded.
