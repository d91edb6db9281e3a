//! `icare-fix errors FILE`: every note of a rejected workbook, as a table, JSON or CSV.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use icare_fix::Rejected;
use icare_fix::output::errors;

use super::common::ReportFormat;

#[derive(Debug, Args)]
pub struct ErrorsArgs {
    /// The rejected workbook (.xlsx, .xlsm; .xls and .ods are read too).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Output format: a table to read, or JSON or CSV for other programs.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,
    /// Write to this file instead of the screen.
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    common: super::common::Common,
}

pub fn run(args: ErrorsArgs) -> Result<ExitCode> {
    let registry = args.common.registry()?;
    super::common::hint_if_annotated(&args.file);
    let book = Rejected::open_notes(&args.file, &registry)?;
    if matches!(args.format, ReportFormat::Json) {
        super::common::emit_with(args.output.as_deref(), &[&args.file], args.force, |out| {
            errors::write_json(&book, out)
        })?;
        std::mem::forget(book);
        return Ok(ExitCode::SUCCESS);
    }
    let text = match args.format {
        ReportFormat::Table => {
            icare_fix::text::terminal_safe(&errors::to_table(&book, &registry)).into_owned()
        }
        ReportFormat::Json => errors::to_json(&book),
        // A byte-order mark lets Excel open the CSV file with accents intact.
        ReportFormat::Csv if args.output.is_some() => {
            format!("\u{feff}{}", errors::to_csv(&[&book]))
        }
        ReportFormat::Csv => errors::to_csv(&[&book]),
    };
    super::common::emit(&text, args.output.as_deref(), &[&args.file], args.force)?;
    // The process ends here: freeing a few hundred thousand cells one by one would only
    // delay the exit (about 7 ms on a 2,500-row file).
    std::mem::forget(book);
    Ok(ExitCode::SUCCESS)
}
