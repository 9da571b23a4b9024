//! Econometric estimators on plain tables: OLS and robust SEs, high-dimensional fixed effects, event studies, local projections, VAR, logit/probit, survival models, synthetic control.
