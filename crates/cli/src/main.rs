//! The `accord` command: negotiate on a local store from the terminal.
//!
//! Glue only (ARCHITECTURE.md, invariant 1): [`args`] knows argv, [`store`] the
//! files, [`render`] the terminal; every rule is in accord-core.

mod args;
mod clock;
mod commands;
mod export;
mod output;
mod render;
mod serve;
mod store;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(status) => ExitCode::from(status),
        Err(error) => {
            eprintln!("error: {}", render::safe(&format!("{error:#}")));
            ExitCode::FAILURE
        }
    }
}
