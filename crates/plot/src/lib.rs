//! Publication figures in one house style, drawn with plotters: time series with bands, fit grids, tornado, Morris, Sobol, event studies, Kaplan-Meier, coefficient plots.
