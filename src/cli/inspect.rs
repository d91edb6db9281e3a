//! `icare-fix inspect FILE`: what a workbook is, as text or JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use icare_fix::Rejected;
use icare_fix::output::errors::InspectReport;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The workbook to look at.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print JSON for other programs.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    common: super::common::Common,
}

pub fn run(args: InspectArgs) -> Result<ExitCode> {
    let registry = args.common.registry()?;
    super::common::hint_if_annotated(&args.file);
    let book = Rejected::open_notes(&args.file, &registry)?;
    let report = InspectReport::new(&book, &registry);
    let text = if args.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        icare_fix::text::terminal_safe(&report.to_text()).into_owned()
    };
    super::common::emit(&text, None, &[], false)?;
    Ok(ExitCode::SUCCESS)
}
