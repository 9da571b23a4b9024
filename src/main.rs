//! The `pressure` command line: a thin layer over the library crates (see `src/cli/`).

fn main() -> std::process::ExitCode {
    pressure_cli::main()
}

#[path = "cli/mod.rs"]
mod pressure_cli;
