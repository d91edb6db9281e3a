//! `icare-fix checklist FILE... [-o PATH] [--lang en|fr|both] [--force]`: one printable
//! correction checklist (HTML) for one or several rejected workbooks.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use icare_fix::lang::plural;
use icare_fix::output::checklist::Checklist;
use icare_fix::{Error, Rejected};

use super::common::LangArg;

#[derive(Debug, Args)]
pub struct ChecklistArgs {
    /// The rejected workbooks: give every file of the same month together, so the records
    /// of clients IRCC could not validate are gathered from all of them.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Where to write the checklist (default: beside the first file, as NAME.checklist.html).
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Language of the checklist.
    #[arg(long, value_enum, default_value_t = LangArg::Both)]
    lang: LangArg,
    /// Replace the output if it exists (and accept a workbook without notes).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    common: super::common::Common,
}

pub fn run(args: ChecklistArgs) -> Result<ExitCode> {
    let registry = args.common.registry()?;
    let files = distinct(&args.files);
    let target = args
        .output
        .clone()
        .unwrap_or_else(|| icare_fix::output::OutputNames::beside(&files[0]).checklist);
    let inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    // Refuse an existing output before reading anything.
    icare_fix::output::check_target(&target, &inputs, args.force)?;

    let mut books = Vec::with_capacity(files.len());
    for file in &files {
        let book = Rejected::open_notes(file, &registry).with_context(|| {
            if files.len() > 1 {
                "no checklist was written; leave this file out or fix it"
            } else {
                "no checklist was written"
            }
        })?;
        if book.notes.is_empty() {
            // An original upload file instead of the rejected one: refused like everywhere
            // else, unless the user insists (its rows of clients not validated are listed).
            if !args.force {
                return Err(
                    anyhow::Error::new(Error::NotRejected { path: file.clone() })
                        .context("no checklist was written"),
                );
            }
            eprintln!(
                "icare-fix: note: '{}' has no iCARE error notes; only its rows of clients IRCC could not validate are listed.",
                file.display()
            );
        }
        books.push(book);
    }
    let refs: Vec<&Rejected> = books.iter().collect();
    let checklist = Checklist::build(&refs, &registry);
    let written = icare_fix::output::write_with(&target, &inputs, args.force, |page| {
        checklist.write_html(args.lang.into(), page)
    })?;
    eprintln!(
        "Wrote {} ({}, {} not validated, {}, {} to correct)",
        written.display(),
        plural(checklist.client_count(), "client", "clients"),
        checklist.not_validated_count(),
        plural(checklist.record_count(), "record", "records"),
        plural(checklist.item_count(), "item", "items"),
    );
    Ok(ExitCode::SUCCESS)
}

/// The files without repeats (the same file named twice would list its records twice).
fn distinct(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for file in files {
        let key = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
        if seen.insert(key) {
            out.push(file.clone());
        } else {
            eprintln!(
                "icare-fix: note: '{}' was given twice; it is read once.",
                file.display()
            );
        }
    }
    out
}
