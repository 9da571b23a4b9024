//! Figures from Python in the house style of `pressure-plot`, the one drawing code the CLI's
//! `pressure plot` uses: `python/pressure/plot.py` turns runs, batches and sensitivity results
//! into the tidy CSV layout of a figure kind (the table it also returns for matplotlib), and
//! [`plot_csv`] draws that table with `figure_from_csv_bytes` and writes SVG, PNG or PDF
//! through `pressure_output::write_atomic`.

use crate::errors::InputError;
use pressure_plot::{figure_from_csv_bytes, CsvOptions, FigureKind, Format, Width};
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::{Path, PathBuf};

/// One panel of a drawn figure: (title, plot area left top right bottom in 300-dpi pixels,
/// x range, y range).
type PanelRow = (Option<String>, (f64, f64, f64, f64), (f64, f64), (f64, f64));

/// Draws the CSV table `csv` (the layout of figure kind `kind`, as `pressure plot KIND` reads
/// it; `name` stands for the table in error messages) and writes it to every path in `paths`,
/// each in the format its extension names (`.svg`, `.png` at 300 dpi, `.pdf` with the font
/// embedded). Every file is rendered before the first is written, so a bad path or format
/// writes nothing. Returns the panels' geometry.
#[pyfunction]
#[pyo3(signature = (kind, csv, name, paths, width="single", x_label=None, y_label=None, select=None, note=None))]
#[allow(clippy::too_many_arguments)]
pub fn plot_csv(
    py: Python<'_>,
    kind: &str,
    csv: &Bound<'_, PyBytes>,
    name: &str,
    paths: Vec<PathBuf>,
    width: &str,
    x_label: Option<String>,
    y_label: Option<String>,
    select: Option<String>,
    note: Option<String>,
) -> PyResult<Vec<PanelRow>> {
    let kind: FigureKind = kind
        .parse()
        .map_err(|e: pressure_plot::PlotError| InputError::new_err(e.to_string()))?;
    let width = match width {
        "single" => Width::Single,
        "double" => Width::Double,
        other => {
            return Err(InputError::new_err(format!(
                "width '{other}': use 'single' (85 mm) or 'double' (175 mm)"
            )))
        }
    };
    if paths.is_empty() {
        return Err(InputError::new_err(
            "no output path: give a file name ending in .svg, .png or .pdf",
        ));
    }
    let formats = paths
        .iter()
        .map(|p| format_of(p))
        .collect::<PyResult<Vec<Format>>>()?;
    let opts = CsvOptions {
        width,
        x_label,
        y_label,
        select,
        note,
    };
    let bytes = csv.as_bytes();
    // Drawing errors are the data's (InputError); writing errors the file system's (OSError).
    py.detach(|| -> PyResult<_> {
        let fig = figure_from_csv_bytes(kind, Path::new(name), bytes, &opts)
            .map_err(|e| InputError::new_err(e.to_string()))?;
        let rendered = formats
            .iter()
            .map(|&f| {
                fig.render(f)
                    .map_err(|e| InputError::new_err(e.to_string()))
            })
            .collect::<PyResult<Vec<_>>>()?;
        for (path, bytes) in paths.iter().zip(&rendered) {
            pressure_output::write_atomic(path, bytes)
                .map_err(|e| PyOSError::new_err(format!("writing {}: {e}", path.display())))?;
        }
        Ok(fig
            .panels()
            .iter()
            .map(|p| {
                let a = &p.plot_area;
                (
                    p.title.clone(),
                    (a.left, a.top, a.right, a.bottom),
                    p.x_range,
                    p.y_range,
                )
            })
            .collect())
    })
}

/// The format a path's extension names, or a clear error.
fn format_of(path: &Path) -> PyResult<Format> {
    let format = Format::from_path(path).ok_or_else(|| {
        InputError::new_err(format!(
            "{}: the file name must end in .svg, .png or .pdf",
            path.display()
        ))
    })?;
    if !format.available() {
        return Err(InputError::new_err(format!(
            "{}: this build cannot write {format}",
            path.display()
        )));
    }
    Ok(format)
}
