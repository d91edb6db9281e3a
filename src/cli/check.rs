//! `icare-fix check FILE...`: what iCARE is likely to reject in upload files, before the
//! upload. Writes nothing unless asked (`-o`, `--annotate`). Exit codes: 0 nothing found, 1
//! problems found, 2 refused.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use icare_fix::Rejected;
use icare_fix::check::{self, CheckOptions, report};
use icare_fix::output::annotate::{self, AnnotateOptions, Predicted};
use icare_fix::text::terminal_safe;

use super::common::{LangArg, ReportFormat};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The upload files: exports from the case-management system or corrected files (.xlsx,
    /// .xlsm; .xls and .ods are read too). Give a month's files together to find service
    /// records whose client has no Client Profile row.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Output format: a table to read, or JSON or CSV for other programs.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,
    /// Write the report to this file instead of the screen.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Also write NAME.checked.xlsx beside each file with problems: the sheet with every
    /// predicted problem highlighted and explained, apart from any note iCARE wrote.
    #[arg(long)]
    annotate: bool,
    /// Language of the notes of --annotate.
    #[arg(long, value_enum, default_value_t = LangArg::Both)]
    lang: LangArg,
    /// Replace the report file or the NAME.checked.xlsx files if they exist.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    common: super::common::Common,
}

pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let registry = args.common.registry()?;
    // An annotated workbook is never a file to upload: it is given back instead.
    for file in &args.files {
        if icare_fix::output::way_back::AnnotatedInfo::recognise(file).is_some() {
            return Err(icare_fix::Error::AnnotatedNotUpload { path: file.clone() }.into());
        }
    }
    let opts = CheckOptions::default();
    // Anything that stops the check is a refusal (exit 2), whatever its kind: 1 means
    // "problems found".
    // Only reported on unless annotated: each file is read a row at a time, its rows
    // checked as they come. Annotated: read whole, to be drawn on.
    let checked = if args.annotate {
        check::open_all(&args.files, &registry).and_then(|books| {
            let refs: Vec<&Rejected> = books.iter().collect();
            let reports = check::check_books(&refs, &registry, &opts)?;
            Ok((books, reports))
        })
    } else {
        check::check_files(&args.files, &registry, &opts).map(|reports| (Vec::new(), reports))
    };
    let (books, reports) = match checked {
        Ok(checked) => checked,
        Err(e) => {
            eprintln!("icare-fix: {}", terminal_safe(&e.to_string()));
            return Ok(ExitCode::from(2));
        }
    };
    let inputs: Vec<&std::path::Path> = args.files.iter().map(PathBuf::as_path).collect();
    // Written as it is made: the table of a large file is never whole in memory.
    super::common::emit_with(args.output.as_deref(), &inputs, args.force, |out| {
        match args.format {
            ReportFormat::Table => report::write_table(&reports, &registry, &mut |chunk| {
                out.write_all(terminal_safe(chunk).as_bytes())
            }),
            ReportFormat::Json => out.write_all(report::to_json(&reports).as_bytes()),
            ReportFormat::Csv => {
                // A byte-order mark lets Excel open the CSV file with accents intact.
                if args.output.is_some() {
                    out.write_all("\u{feff}".as_bytes())?;
                }
                out.write_all(report::to_csv(&reports).as_bytes())
            }
        }
    })?;
    if args.annotate {
        for (book, report) in books.iter().zip(&reports) {
            write_annotated(book, report, &registry, &args)?;
        }
    }
    // The process ends here: freeing every cell one by one would only delay the exit.
    std::mem::forget(books);
    Ok(if report::any_problem(&reports) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `NAME.checked.xlsx`: the predicted problems of one file, drawn on its sheet (none for a
/// file without problems).
fn write_annotated(
    book: &Rejected,
    report: &check::FileReport,
    registry: &icare_fix::Registry,
    args: &CheckArgs,
) -> Result<()> {
    if report.problems.is_empty() {
        eprintln!("Nothing to highlight in {}", report.path.display());
        return Ok(());
    }
    let predicted: Vec<Predicted> = report.problems.iter().map(Predicted::from).collect();
    let output = icare_fix::output::names::checked_path(&report.path);
    let opts = AnnotateOptions {
        lang: args.lang.into(),
        force: args.force,
    };
    annotate::annotate_predicted(book, registry, &output, &opts, &predicted)?;
    eprintln!(
        "Wrote {} ({} highlighted)",
        output.display(),
        icare_fix::lang::plural(predicted.len(), "problem", "problems")
    );
    Ok(())
}
