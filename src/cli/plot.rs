//! `pressure plot KIND INPUT.csv --out FILE`: redraws a figure from the CSV another command
//! wrote (or a script made), so figures can be restyled without rerunning anything. The CSV
//! layout of each kind is documented in `pressure_plot` ("CSV layouts") and printed by
//! `pressure plot --help`.
//!
//! Other commands write their standard figures with [`pressure::figures::write_figure_set`].

use super::CliError;
use pressure::output::write_atomic;
use pressure::plot::{figure_from_csv, CsvOptions, FigureKind, Format, PlotError, Width};
use std::path::{Path, PathBuf};

fn kinds_help() -> String {
    let mut s = String::from("Figure kinds and the CSV columns each reads:\n");
    for k in FigureKind::ALL {
        s.push_str(&format!("  {:<13} {}\n", k.name(), k.layout()));
    }
    s.push_str(
        "Columns are matched by name in any order; extra columns are ignored; `#` starts a comment line.",
    );
    s
}

/// Redraw a figure from a CSV file.
#[derive(Debug, clap::Args)]
#[command(after_help = kinds_help())]
pub struct PlotArgs {
    /// Figure kind (see the list below).
    pub kind: String,
    /// The CSV file to draw.
    pub input: PathBuf,
    /// Output file; its extension gives the format unless --format is set.
    #[arg(long)]
    pub out: PathBuf,
    /// Journal width: single (85 mm) or double (175 mm) column.
    #[arg(long, default_value = "single")]
    pub width: String,
    /// Output format: svg, png (300 dpi) or pdf (fonts embedded).
    #[arg(long)]
    pub format: Option<String>,
    /// Replace the x-axis title (include the unit, e.g. "Year" or "Time (month)").
    #[arg(long)]
    pub x_label: Option<String>,
    /// Replace the y-axis title (include the unit).
    #[arg(long)]
    pub y_label: Option<String>,
    /// Draw only the panel named so (an observable, variable, output, parameter or group;
    /// posterior and pairs: a comma-separated list of parameters).
    #[arg(long)]
    pub select: Option<String>,
    /// A line of small text under the figure, e.g. the data source.
    #[arg(long)]
    pub note: Option<String>,
}

fn input_err(message: impl std::fmt::Display) -> CliError {
    CliError::Input(miette::miette!("{message}"))
}

/// Bad data or an unknown kind is bad input (exit 2); a failing renderer is a failed run (1).
fn plot_err(e: PlotError) -> CliError {
    match e {
        PlotError::Render(_) => CliError::Failure(miette::miette!("{e}")),
        _ => input_err(e),
    }
}

/// The output format: `--format` if given, else the extension of `--out`.
fn resolve_format(format: Option<&str>, out: &Path) -> Result<Format, CliError> {
    let format = match format {
        Some(f) => f.parse::<Format>().map_err(input_err)?,
        None => Format::from_path(out).ok_or_else(|| {
            input_err(format!(
                "cannot tell the format from `{}`: give --format ({}) or an .svg, .png or .pdf file name",
                out.display(),
                Format::NAMES.join(", ")
            ))
        })?,
    };
    if !format.available() {
        return Err(input_err(
            "PDF output is not compiled into this build (pressure-plot's `pdf` feature); use svg or png",
        ));
    }
    Ok(format)
}

pub fn run(args: &PlotArgs) -> Result<(), CliError> {
    // Check every argument before reading anything, so bad input never writes a file.
    let kind: FigureKind = args.kind.parse().map_err(plot_err)?;
    let width: Width = args.width.parse().map_err(input_err)?;
    let format = resolve_format(args.format.as_deref(), &args.out)?;
    let opts = CsvOptions {
        width,
        x_label: args.x_label.clone(),
        y_label: args.y_label.clone(),
        select: args.select.clone(),
        note: args.note.clone(),
    };
    let figure = figure_from_csv(kind, &args.input, &opts).map_err(plot_err)?;
    let bytes = figure.render(format).map_err(plot_err)?;
    write_atomic(&args.out, &bytes)
        .map_err(|e| CliError::Failure(miette::miette!("writing {}: {e}", args.out.display())))?;
    let (w, h) = figure.size_inches();
    eprintln!(
        "wrote {} ({kind}, {w:.2} × {h:.2} in, {})",
        args.out.display(),
        format
    );
    Ok(())
}
