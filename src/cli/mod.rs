//! Command-line arguments and dispatch, one file per subcommand. Only this layer prints and
//! chooses exit codes: 0 clean, 1 problems in the handbook, 2 a usage error.

mod build;
mod check;
mod explain;
mod init;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Turns a procurement office's guidance, procurement list and role rules into a static HTML
/// handbook on who to involve in buying AI.
#[derive(Debug, Parser)]
#[command(name = "procbook", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the handbook's website; the previous site stays as it was if anything fails.
    Build {
        /// The handbook folder (where book.toml is).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Write the site here instead of book.toml's `output-dir`.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Check the CSV, the rules, the guidance and its links, and report who is unassigned.
    Check {
        /// The handbook folder (where book.toml is).
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Treat unassigned lead and sign-off roles as errors.
        #[arg(long)]
        strict: bool,
    },
    /// Build, then rebuild what each change to book.toml, content/, data/ or the theme touches.
    Watch {
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        watching: Watching,
    },
    /// Preview the handbook in the browser: build, serve on 127.0.0.1, rebuild and reload on
    /// every change, show errors in the page.
    Serve {
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The port to listen on (the next free one if it is taken).
        #[arg(long, short, default_value_t = 4400)]
        port: u16,
        /// The address to listen on; only this machine can connect to the default.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the handbook in the browser.
        #[arg(long)]
        open: bool,
        #[command(flatten)]
        watching: Watching,
    },
    /// Create a new handbook from the example, or copy the default theme to edit.
    Init {
        /// The folder to create the handbook in.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Copy the default theme into themes/default/ (into an existing handbook too).
        #[arg(long)]
        theme: bool,
    },
    /// Show one procurement's stakeholder plan: who to involve, when, how deeply and why.
    Explain {
        /// `[DIR] ID`: the handbook folder (default: the current one) and the procurement's id.
        #[arg(value_name = "[DIR] ID", num_args = 1..=2, required = true)]
        args: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// How file changes are noticed.
#[derive(Debug, clap::Args)]
struct Watching {
    /// Changes closer together than this many milliseconds are one rebuild.
    #[arg(long, default_value_t = 30, value_name = "MS")]
    debounce: u64,
    /// Poll for changes instead of using the system's events (network drives, containers, WSL).
    #[arg(long)]
    poll: bool,
    /// How often to poll, in milliseconds.
    #[arg(long, default_value_t = 500, value_name = "MS", requires = "poll")]
    poll_interval: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For scripts and CI (documented in docs/formats.md).
    Json,
}

/// What a command wants the process to exit with.
pub enum Outcome {
    Clean,
    Problems,
    Usage,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Clean => ExitCode::SUCCESS,
            Outcome::Problems => ExitCode::from(1),
            Outcome::Usage => ExitCode::from(2),
        }
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let outcome = match cli.command {
        Command::Build { dir, output } => build::run(&dir, output),
        Command::Init { dir, theme } => init::run(&dir, theme),
        Command::Watch {
            dir,
            output,
            watching,
        } => watch::run_watch(
            &dir,
            output,
            watch::options(watching.debounce, watching.poll, watching.poll_interval),
        ),
        Command::Serve {
            dir,
            port,
            bind,
            open,
            watching,
        } => watch::run_serve(
            &dir,
            bind,
            port,
            open,
            watch::options(watching.debounce, watching.poll, watching.poll_interval),
        ),
        Command::Check {
            dir,
            format,
            strict,
        } => check::run(&dir, format, strict),
        Command::Explain { args, format } => {
            let (dir, id) = match args.as_slice() {
                [id] => (PathBuf::from("."), id.clone()),
                [dir, id] => (PathBuf::from(dir), id.clone()),
                _ => unreachable!("clap takes one or two values"),
            };
            explain::run(&dir, &id, format)
        }
    };
    outcome.into()
}
