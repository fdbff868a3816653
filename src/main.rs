//! The `procbook` command: parses arguments, calls the library, prints, sets the exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// A build allocates many small strings on every core; mimalloc does that markedly faster than
/// the system allocator (measured in BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::run(args)
}
