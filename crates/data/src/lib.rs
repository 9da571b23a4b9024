//! Observed series: loading and validating the curated episode and panel tables, alignment to model time, provenance.
