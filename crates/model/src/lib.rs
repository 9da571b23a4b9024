//! Model files to a validated model IR: TOML parsing, the equation language, name resolution, units, dependency graph and feedback loops.
