//! Calibration of models against observed series: objectives, optimisers (Levenberg-Marquardt, Nelder-Mead, L-BFGS, global), multi-start, uncertainty and fit statistics.
