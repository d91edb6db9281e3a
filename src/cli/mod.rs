//! Command-line definitions (clap) and dispatch: one file per subcommand, each with its own
//! arguments and `run`. The library takes plain values; nothing clap-specific leaves this
//! module.

mod annotate;
mod batch;
mod check;
mod checklist;
mod clean;
mod common;
mod errors;
mod inspect;
mod launch;
mod serve;

pub use launch::Launch;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

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
    /// With an error, also print the reader's own technical words (for a technician).
    #[arg(long, global = true)]
    pub verbose: bool,
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
    /// Open a page in your browser to drop rejected workbooks on and download the files to
    /// upload. It runs on this computer only; double-clicking the program (on Windows) opens
    /// it too.
    Serve(serve::ServeArgs),
    /// Before you upload: report what iCARE is likely to reject in upload files (exit code 1
    /// when something is found).
    Check(check::CheckArgs),
}

/// The arguments; started with none by a double-click, the page (`serve`).
pub fn parse(launch: Launch) -> Cli {
    if launch.opens_page() {
        Cli::parse_from(["icare-fix", "serve"])
    } else {
        Cli::parse_from(command_first(std::env::args_os().collect()))
    }
}

/// `icare-fix --verbose errors FILE` as `icare-fix errors --verbose FILE`: the one-step
/// run's file arguments would otherwise take the command's name for a file.
fn command_first(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    use clap::CommandFactory;
    let lead = args
        .iter()
        .skip(1)
        .take_while(|a| a.as_os_str() == "--verbose")
        .count();
    let Some(word) = args.get(1 + lead).filter(|_| lead > 0) else {
        return args;
    };
    let is_command = Cli::command()
        .get_subcommands()
        .any(|c| word.as_os_str() == c.get_name());
    if !is_command {
        return args;
    }
    let mut out = vec![args[0].clone(), word.clone()];
    out.extend_from_slice(&args[1..1 + lead]);
    out.extend_from_slice(&args[2 + lead..]);
    out
}

impl Cli {
    /// The one-step run: workbooks given with no command (dropped on the program, say).
    pub fn is_one_step(&self) -> bool {
        self.command.is_none()
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
        Some(Command::Serve(args)) => serve::run(args),
        Some(Command::Check(args)) => check::run(args),
        None => batch::run_default(&cli.paths, &cli.run),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<std::ffi::OsString> {
        args.iter().map(Into::into).collect()
    }

    #[test]
    fn verbose_before_the_command_is_moved_after_it() {
        assert_eq!(
            command_first(os(&["icare-fix", "--verbose", "errors", "a.xlsx"])),
            os(&["icare-fix", "errors", "--verbose", "a.xlsx"])
        );
        // A file named like nothing else, or no flag in front: unchanged.
        for args in [
            &["icare-fix", "--verbose", "a.xlsx"][..],
            &["icare-fix", "errors", "--verbose", "a.xlsx"],
            &["icare-fix", "a.xlsx", "errors"],
            &["icare-fix"],
        ] {
            assert_eq!(command_first(os(args)), os(args));
        }
    }
}
