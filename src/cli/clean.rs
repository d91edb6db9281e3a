//! `icare-fix clean FILE`: the upload-ready copy of a rejected workbook, with the error notes
//! gone and everything else as iCARE sent it. What was done is told on stderr in plain words.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};
use icare_fix::output::clean::{self, CleanOptions, NotesMode};
use icare_fix::output::way_back::{self, AnnotatedInfo, WayBackOptions};
use icare_fix::output::{OutputNames, make_room};
use icare_fix::workbook::Input;

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// The rejected workbook downloaded from iCARE (.xlsx), or the annotated workbook you
    /// corrected (its upload file is made from the original with your corrections).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Where to write the upload file [default: NAME.upload.xlsx beside FILE].
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Replace an output that is not icare-fix's own untouched one (a copy of it is kept as a
    /// .bak file), and clean a workbook that has no notes.
    #[arg(long)]
    force: bool,
    /// What to do with the notes column: auto decides from the hidden codes row (empty the
    /// template's own Processing Details column, remove an extra column in front of it).
    #[arg(long, value_enum, default_value_t = NotesArg::Auto, value_name = "MODE")]
    notes_column: NotesArg,
    /// Leave Excel damage (dates turned into numbers, numbers without their text format,
    /// list values spelled differently) as it is.
    #[arg(long)]
    no_repair: bool,
    /// Also print what was done as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// For an annotated workbook: its original rejected file [default: found beside it, in
    /// the folder above it, or where it was when annotated].
    #[arg(long, value_name = "PATH")]
    original: Option<PathBuf>,
    #[command(flatten)]
    common: super::common::Common,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum NotesArg {
    /// Decide from the codes row.
    Auto,
    /// Empty the notes, keep the column.
    Clear,
    /// Remove the column.
    Remove,
}

pub fn run(args: CleanArgs) -> Result<ExitCode> {
    let registry = args.common.registry()?;
    super::batch::lock_file_hint(&args.file);
    if let Some(info) = AnnotatedInfo::recognise(&args.file) {
        let opts = WayBackOptions {
            original: args.original.clone(),
            output: args.output.clone(),
            clean: options(&args),
        };
        let done = way_back::way_back(&args.file, &info, &registry, &opts)?;
        eprint!("{}", done.describe());
        eprintln!("{}", done.next_step());
        if args.json {
            println!("{}", serde_json::to_string_pretty(&done.clean)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| OutputNames::beside(&args.file).upload);
    let input = Input::open(&args.file)?;
    let (force, backup) = make_room(&output, &input, &[&args.file], args.force, false)?;
    let report = clean::clean_input(
        &input,
        &output,
        &registry,
        &CleanOptions {
            force,
            ..options(&args)
        },
    )?;
    if let Some(backup) = backup {
        eprintln!(
            "The file that was at {} was kept as {}.",
            output.display(),
            backup.display()
        );
    }
    eprint!("{}", clean::describe(&report));
    eprintln!(
        "Next: upload {} to iCARE. It holds the rejected records as they were: to correct them first, run icare-fix \"{}\" and follow its steps.",
        report.output.display(),
        args.file.display()
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// The options the command line asks for.
fn options(args: &CleanArgs) -> CleanOptions {
    CleanOptions {
        notes: match args.notes_column {
            NotesArg::Auto => NotesMode::Auto,
            NotesArg::Clear => NotesMode::Clear,
            NotesArg::Remove => NotesMode::Remove,
        },
        repair: !args.no_repair,
        force: args.force,
        allow_not_rejected: args.force,
        ..CleanOptions::default()
    }
}
