//! `icare-fix clean FILE`: the upload-ready copy of a rejected workbook, with the error notes
//! gone and everything else as iCARE sent it. What was done is told on stderr in plain words.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};
use icare_fix::output::annotated::{self, AnnotatedInfo};
use icare_fix::output::clean::{self, CellPatch, CleanOptions, CleanReport, NotesMode};
use icare_fix::output::sibling_path;
use icare_fix::{Layout, Registry, Rejected};

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// The rejected workbook downloaded from iCARE (.xlsx).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Where to write the upload-ready copy [default: FILE.upload.xlsx beside FILE].
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Replace the output if it exists, and clean a workbook that has no notes.
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
    /// For an annotated workbook: its original rejected file [default: the file named in the
    /// annotated workbook, in the same folder].
    #[arg(long, value_name = "PATH")]
    original: Option<PathBuf>,
    #[command(flatten)]
    common: super::Common,
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
    if let Some(info) = AnnotatedInfo::read(&args.file) {
        return run_way_back(&args, &info, &registry);
    }
    let extension = workbook_extension(&args.file);
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| sibling_path(&args.file, &format!("upload.{extension}")));
    let report = clean::clean(&args.file, &output, &registry, &options(&args))?;
    eprint!("{}", describe(&report));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// `xlsm` for a macro-enabled workbook (its copy must keep the extension Excel expects for
/// its content), else `xlsx`.
fn workbook_extension(path: &std::path::Path) -> &'static str {
    match path.extension() {
        Some(e) if e.eq_ignore_ascii_case("xlsm") => "xlsm",
        _ => "xlsx",
    }
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

/// `clean` given an annotated workbook: the upload-ready file from the ORIGINAL package, with
/// the cells the user changed patched in and the rows the user deleted left out.
fn run_way_back(args: &CleanArgs, info: &AnnotatedInfo, registry: &Registry) -> Result<ExitCode> {
    let original = annotated::find_original(&args.file, info, args.original.as_deref())?;
    let book = Rejected::open(&original, registry)?;
    let plan = annotated::plan(&args.file, &book, registry)?;
    let extension = workbook_extension(&original);
    // NAME.annotated.xlsx -> NAME.corrected.upload.xlsx
    let output = args.output.clone().unwrap_or_else(|| {
        let stem = args
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = stem.strip_suffix(".annotated").unwrap_or(&stem);
        args.file
            .with_file_name(format!("{stem}.corrected.upload.{extension}"))
    });
    let opts = CleanOptions {
        patches: plan
            .changes
            .iter()
            .map(|c| CellPatch {
                row: c.row,
                col: c.col,
                text: c.after.clone(),
            })
            .collect(),
        drop_rows: plan.dropped_rows.clone(),
        ..options(args)
    };
    let report = clean::clean(&original, &output, registry, &opts)?;
    let mut text = format!(
        "Made from the original rejected file {} (unchanged since it was annotated).\n",
        original.display()
    );
    if plan.changes.is_empty() {
        text.push_str("No cell was changed in the annotated workbook.\n");
    } else {
        text.push_str(&format!(
            "Changed {} as in the annotated workbook:\n",
            plural(plan.changes.len(), "cell", "cells")
        ));
        for c in &plan.changes {
            text.push_str(&format!(
                "  {} ({}): {} -> {}\n",
                c.cell(),
                book.label(c.col),
                shown(&c.before),
                shown(&c.after)
            ));
        }
    }
    for row in &plan.dropped_rows {
        text.push_str(&format!(
            "Left out row {} (deleted in the annotated workbook).\n",
            row + 1
        ));
    }
    for warning in &plan.warnings {
        text.push_str(&format!("Check: {warning}\n"));
    }
    text.push_str(&describe(&report));
    eprint!("{text}");
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// What was done, in plain words.
fn describe(report: &CleanReport) -> String {
    let mut text = String::new();
    let column = report.notes_column_name().unwrap_or_default();
    let notes = plural(report.notes_removed, "note", "notes");
    match (report.notes_column, report.layout, report.detected) {
        (None, _, _) => text.push_str("No notes column found: nothing removed.\n"),
        (Some(_), Layout::Native, Some(Layout::Native)) => text.push_str(&format!(
            "Removed {notes} from column {column} (kept the column: it is the template's own Processing Details column).\n"
        )),
        (Some(_), Layout::Native, _) => text.push_str(&format!(
            "Removed {notes} from column {column} (kept the column, as --notes-column clear asks).\n"
        )),
        (Some(_), Layout::Inserted, Some(Layout::Inserted)) => text.push_str(&format!(
            "Removed column {column} with {notes} (it is not part of the template); the columns after it moved one to the left.\n"
        )),
        (Some(_), Layout::Inserted, _) => text.push_str(&format!(
            "Removed column {column} with {notes}, as --notes-column remove asks; the columns after it moved one to the left. Warning: the codes row names this column, so iCARE may reject every record of this file.\n"
        )),
    }
    if !report.other_cleared.is_empty() {
        text.push_str(&format!(
            "Also emptied {} of column {column} that held other text: {}.\n",
            plural(report.other_cleared.len(), "cell", "cells"),
            report.other_cleared.join(", ")
        ));
    }
    if report.repairs.is_empty() {
        text.push_str("No Excel damage to repair.\n");
    } else {
        text.push_str(&format!(
            "Repaired {} damaged by Excel:\n",
            plural(report.repairs.len(), "cell", "cells")
        ));
        for r in &report.repairs {
            text.push_str(&format!(
                "  {}: {} -> {} ({})\n",
                r.cell,
                shown(&r.before),
                shown(&r.after),
                r.kind.describe()
            ));
        }
    }
    text.push_str(&format!(
        "Wrote {} (checked: every other cell reads back as in the original).\n",
        report.output.display()
    ));
    text
}

/// A value as printed: in quotes when its spaces would not show.
fn shown(value: &str) -> String {
    if value.is_empty() || value.trim() != value {
        format!("\"{value}\"")
    } else {
        value.to_string()
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
