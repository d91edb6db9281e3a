//! `icare-fix annotate FILE`: the annotated workbook to correct in Excel.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use icare_fix::Rejected;
use icare_fix::lang::plural;
use icare_fix::output::OutputNames;
use icare_fix::output::annotate::{AnnotateOptions, annotate};
use icare_fix::workbook::Format;

use super::common::LangArg;

#[derive(Debug, Args)]
pub struct AnnotateArgs {
    /// The rejected workbook.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Where to write the annotated workbook [default: FILE's name with .annotated.xlsx, beside it].
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Language of the cell notes and the advice.
    #[arg(long, value_enum, default_value_t = LangArg::Both)]
    lang: LangArg,
    /// Replace the output if it exists (and annotate a workbook without notes).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    common: super::common::Common,
}

pub fn run(args: AnnotateArgs) -> Result<ExitCode> {
    let registry = args.common.registry()?;
    // The way back needs an .xlsx original: say so before any work is done.
    match icare_fix::workbook::read::sniff(&args.file)? {
        Format::Xls => return Err(icare_fix::Error::OldExcelFormat { path: args.file }.into()),
        Format::Ods => return Err(icare_fix::Error::OpenDocument { path: args.file }.into()),
        Format::Xlsx => {}
    }
    let book = Rejected::open(&args.file, &registry)?;
    let output = args
        .output
        .unwrap_or_else(|| OutputNames::beside(&args.file).annotated);
    let opts = AnnotateOptions {
        lang: args.lang.into(),
        force: args.force,
    };
    let report = annotate(&book, &registry, &output, &opts)?;
    eprintln!(
        "Highlighted {} for {}. Next: correct them in Excel, save, then give the workbook back: icare-fix \"{}\" (it writes the upload file with your corrections).",
        plural(report.flagged_cells, "cell", "cells"),
        plural(report.notes, "note", "notes"),
        report.output.display()
    );
    eprintln!("Wrote {}", report.output.display());
    Ok(ExitCode::SUCCESS)
}
