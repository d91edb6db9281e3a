//! Command-line definitions (clap) and dispatch: one file per subcommand, each with its own
//! arguments and `run`. The library takes plain values; nothing clap-specific leaves this
//! module.

mod annotate;
mod batch;
mod check;
mod checklist;
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
///
/// Give it rejected workbooks or folders of them, with no command, and it does everything:
/// for each workbook an upload file, an annotated workbook and a checklist, in a
/// `<name>-fixed` folder beside what you gave it. Give it the annotated workbook you
/// corrected and it writes the upload file with your corrections. Give it a file without
/// iCARE notes (an export not uploaded yet) and it checks it, as `icare-fix check` does.
#[derive(Debug, Parser)]
#[command(
    name = "icare-fix",
    version,
    after_help = "Everyday use:\n  1. icare-fix NAME.xlsx          writes NAME-fixed/ with NAME.annotated.xlsx, NAME.checklist.html, NAME.upload.xlsx\n  2. correct the highlighted cells of NAME-fixed/NAME.annotated.xlsx in Excel and save\n  3. icare-fix NAME-fixed/NAME.annotated.xlsx   (or run step 1 again) writes NAME.upload.xlsx with your corrections\n  4. upload NAME-fixed/NAME.upload.xlsx to iCARE\nA corrected annotated workbook is never replaced, not even with --force."
)]
#[command(args_conflicts_with_subcommands = true, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Rejected workbooks or folders to handle in one step.
    #[arg(value_name = "FILE_OR_FOLDER")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    run: batch::RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List every error note of a rejected workbook: row, client, fields, cells, message.
    Errors(errors::ErrorsArgs),
    /// Say what a workbook is: template, data sheet, header rows, notes column, counts.
    Inspect(inspect::InspectArgs),
    /// Write an annotated copy to correct in Excel: cells to fix highlighted and explained.
    Annotate(annotate::AnnotateArgs),
    /// Write a printable checklist (HTML) of the corrections to make, client by client.
    Checklist(checklist::ChecklistArgs),
    /// Handle every rejected workbook in a folder: upload-ready files, annotated workbooks,
    /// checklists and a summary.
    Batch(batch::BatchArgs),
    /// Write the upload-ready copy: the notes gone, everything else as iCARE sent it.
    Clean(clean::CleanArgs),
    /// Before you upload: report what iCARE is likely to reject in upload files (exit code 1
    /// when something is found).
    Check(check::CheckArgs),
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

/// `--format` of the reports (`errors`, `check`): a table to read, JSON or CSV for programs.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// `--lang en|fr|both`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LangArg {
    /// English.
    En,
    /// French.
    Fr,
    /// English and French.
    Both,
}

impl From<LangArg> for icare_fix::Lang {
    fn from(lang: LangArg) -> Self {
        match lang {
            LangArg::En => icare_fix::Lang::En,
            LangArg::Fr => icare_fix::Lang::Fr,
            LangArg::Both => icare_fix::Lang::Both,
        }
    }
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Some(Command::Errors(args)) => errors::run(args),
        Some(Command::Inspect(args)) => inspect::run(args),
        Some(Command::Annotate(args)) => annotate::run(args),
        Some(Command::Checklist(args)) => checklist::run(args),
        Some(Command::Batch(args)) => batch::run(args),
        Some(Command::Clean(args)) => clean::run(args),
        Some(Command::Check(args)) => check::run(args),
        None => batch::run_default(&cli.paths, &cli.run),
    }
}

/// Tells on stderr when `file` is an annotated workbook rather than iCARE's rejected file.
fn hint_if_annotated(file: &std::path::Path) {
    if let Some(info) = icare_fix::output::way_back::AnnotatedInfo::read(file) {
        eprintln!(
            "Note: this is an annotated workbook made by icare-fix from '{}'; its notes column holds summaries, not iCARE's notes. To make the upload-ready file, run: icare-fix clean \"{}\"",
            icare_fix::output::terminal_safe(&info.source_name),
            file.display()
        );
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
