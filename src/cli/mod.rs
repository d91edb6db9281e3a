//! Command-line definitions (clap) and dispatch: one file per subcommand, each with its own
//! arguments and `run`. The library takes plain values; nothing clap-specific leaves this
//! module.

mod clean;
mod errors;
mod inspect;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use icare_fix::Registry;

/// Reads rejected iCARE workbooks, explains their error notes in English and French, and
/// writes the files you need to correct them and upload again.
#[derive(Debug, Parser)]
#[command(name = "icare-fix", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List every error note of a rejected workbook: row, client, fields, cells, message.
    Errors(errors::ErrorsArgs),
    /// Say what a workbook is: template, data sheet, header rows, notes column, counts.
    Inspect(inspect::InspectArgs),
    /// Write the upload-ready copy: the notes gone, everything else as iCARE sent it.
    Clean(clean::CleanArgs),
}

/// Options every command shares.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// Folder of template data files (.tsv) that add to or replace the built-in ones.
    #[arg(long, value_name = "DIR", global = true)]
    templates: Option<PathBuf>,
}

impl Common {
    /// The registry: built-in, plus the --templates folder.
    fn registry(&self) -> Result<Registry> {
        Ok(match &self.templates {
            Some(dir) => Registry::with_overrides(dir)?,
            None => Registry::builtin(),
        })
    }
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Errors(args) => errors::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Clean(args) => clean::run(args),
    }
}

/// Writes `text` to stdout, or to `path` when given (safely, see `OutputFile`).
fn emit(
    text: &str,
    path: Option<&std::path::Path>,
    inputs: &[&std::path::Path],
    force: bool,
) -> Result<()> {
    use std::io::Write;
    match path {
        Some(path) => {
            icare_fix::output::write_file(path, inputs, force, text.as_bytes())?;
            eprintln!("Wrote {}", path.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(())
}
