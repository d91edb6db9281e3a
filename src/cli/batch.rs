//! `icare-fix batch FOLDER` and the one-step default `icare-fix FILE_OR_FOLDER ...`: every
//! rejected workbook's upload-ready file, annotated workbook and checklist, and one summary.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use icare_fix::batch::{self, BatchOptions, Destination, Outcome, Status};
use icare_fix::lang::plural;

use super::common::LangArg;

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The folder holding the rejected workbooks.
    #[arg(value_name = "FOLDER", required = true)]
    folders: Vec<PathBuf>,
    /// Write the outputs under this folder, mirroring the input folders [default: beside each input].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    run: RunArgs,
}

/// Options shared by `batch` and the one-step default.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Look in subfolders too.
    #[arg(short, long)]
    recursive: bool,
    /// Files to process at once [default: one per processor core].
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Rewrite outputs even when they are newer than their input.
    #[arg(long)]
    force: bool,
    /// Only list what would be done.
    #[arg(long)]
    dry_run: bool,
    /// Language of notes, advice and checklists.
    #[arg(long, value_enum, default_value_t = LangArg::Both)]
    lang: LangArg,
    #[command(flatten)]
    common: super::common::Common,
}

pub fn run(args: BatchArgs) -> Result<ExitCode> {
    let destination = match &args.out {
        Some(dir) => Destination::Mirror(dir.clone()),
        None => Destination::Beside,
    };
    for folder in &args.folders {
        if !folder.is_dir() {
            return Err(icare_fix::Error::NotAFolder {
                path: folder.clone(),
            }
            .into());
        }
    }
    execute(&args.folders, destination, &args.run)
}

/// The one-step default: files and folders given, outputs in `<name>-fixed` folders.
pub fn run_default(paths: &[PathBuf], run: &RunArgs) -> Result<ExitCode> {
    for path in paths {
        if !path.exists() {
            return Err(match command_like(path) {
                Some(command) => icare_fix::Error::MistypedCommand {
                    word: path.display().to_string(),
                    command: command.to_string(),
                }
                .into(),
                None => icare_fix::Error::NotFound { path: path.clone() }.into(),
            });
        }
        lock_file_hint(path);
    }
    let code = execute(paths, Destination::FixedFolders, run)?;
    Ok(code)
}

/// The command a mistyped word stands for (`claen` → `clean`), when it looks like one.
fn command_like(path: &std::path::Path) -> Option<&'static str> {
    const COMMANDS: [&str; 7] = [
        "check",
        "errors",
        "inspect",
        "annotate",
        "checklist",
        "batch",
        "clean",
    ];
    let word = path.to_str()?;
    if path.extension().is_some() || word.contains(['/', '\\']) {
        return None;
    }
    COMMANDS
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&word.to_lowercase(), c), c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c)
}

/// Says so when Excel's lock file (`~$NAME.xlsx`) stands beside `path`: the workbook is open,
/// and what was not saved yet is not in the file.
pub fn lock_file_hint(path: &std::path::Path) {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return;
    };
    // Excel names it ~$ + the name, dropping the first two characters of long names.
    let short: String = name.chars().skip(2).collect();
    let locked = [format!("~${name}"), format!("~${short}")]
        .iter()
        .any(|lock| path.with_file_name(lock).is_file());
    if locked {
        eprintln!(
            "Note: '{}' seems to be open in Excel (its lock file ~$... is beside it): save and close it first, or what is not saved yet will not be used.",
            path.display()
        );
    }
}

fn execute(roots: &[PathBuf], destination: Destination, args: &RunArgs) -> Result<ExitCode> {
    let registry = args.common.registry()?;
    let opts = BatchOptions {
        recursive: args.recursive,
        jobs: args.jobs.unwrap_or(0),
        destination,
        force: args.force,
        dry_run: args.dry_run,
        lang: args.lang.into(),
        shown_from: None,
    };
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} files  {wide_msg}")
            .expect("valid progress template"),
    );
    let progress = |outcome: &Outcome| {
        bar.inc(1);
        bar.set_message(outcome.file.display().to_string());
    };
    let report = batch::run(roots, &registry, &opts, &progress)?;
    bar.finish_and_clear();

    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for f in &report.files {
        let (word, detail) = describe(f);
        *counts.entry(word).or_default() += 1;
        println!("{word:<11} {}{detail}", f.file.display());
        for line in &f.details {
            println!("            {line}");
        }
    }
    if report.files.is_empty() {
        let names: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
        println!(
            "Found no workbook in {}: nothing was done.",
            names.join(", ")
        );
        return Ok(ExitCode::from(2));
    }
    let totals: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
    println!(
        "\n{}: {}.",
        plural(report.files.len(), "file", "files"),
        totals.join(", ")
    );
    for line in reasons(&report.files) {
        println!("{line}");
    }
    if let Some(folder) = &report.summary_folder {
        // Outputs found where an earlier run put them (beside the file, its NAME-fixed
        // folder) are not in the summary's folder: the line says only what is there.
        let all_there = report.files.iter().flat_map(|f| &f.outputs).all(|p| {
            p.parent()
                .is_some_and(|d| icare_fix::output::same_file(d, folder))
        });
        let verb = match (opts.dry_run, all_there) {
            (true, _) => "Would write",
            (false, true) => "Outputs and summary in",
            (false, false) => "Summary in",
        };
        println!("{verb} {}", folder.display());
    }
    if !report.identity_clients.is_empty() {
        println!(
            "{} rejected for identity: fix them first (see {}).",
            plural(report.identity_clients.len(), "client was", "clients were"),
            checklist_name(&report)
        );
    }
    if !opts.dry_run {
        for line in next_steps(&report.files) {
            println!("{line}");
        }
    }
    // Files given one by one and none of them handled: the input was refused, as a single
    // command would say.
    let only_files = roots.iter().all(|r| r.is_file());
    let none_handled = !report.files.iter().any(|f| {
        matches!(
            f.status,
            Status::Done
                | Status::Ready
                | Status::ToFix
                | Status::Unchanged
                | Status::UpToDate
                | Status::Planned
                | Status::Checked(_)
        )
    });
    Ok(if only_files && none_handled {
        ExitCode::from(2)
    } else if report.has_failures() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The files skipped and failed, counted by reason (the reason's first words, before its
/// advice): `  skipped: 2 an old Excel 97-2003 workbook (.xls), 1 not an iCARE template`.
fn reasons(files: &[Outcome]) -> Vec<String> {
    let mut lines = Vec::new();
    for word in ["skipped", "failed"] {
        let mut counts = std::collections::BTreeMap::<&str, usize>::new();
        for f in files {
            let reason = match &f.status {
                Status::Skipped(r) | Status::Failed(r) if f.status.words().terminal == word => r,
                _ => continue,
            };
            let short = before_advice(&reason.en);
            *counts.entry(short).or_default() += 1;
        }
        if counts.len() > 1 || counts.values().any(|n| *n > 1) {
            let parts: Vec<String> = counts.iter().map(|(r, n)| format!("{n} {r}")).collect();
            lines.push(format!("  {word}: {}", parts.join("; ")));
        }
    }
    lines
}

/// A reason's first words, before its advice: up to the first `: ` outside brackets and
/// quotes (`is damaged or incomplete (its part 'a': …)` keeps its bracket whole).
fn before_advice(reason: &str) -> &str {
    let mut depth = 0i32;
    let mut quoted = false;
    for (i, c) in reason.char_indices() {
        match c {
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            '\'' if reason[..i].ends_with(' ') || quoted => quoted = !quoted,
            ':' if depth == 0 && !quoted && reason[i + 1..].starts_with(' ') => {
                return &reason[..i];
            }
            _ => {}
        }
    }
    reason
}

/// What to do next, after a run: correct the annotated workbooks, or upload.
fn next_steps(files: &[Outcome]) -> Vec<String> {
    let name = |p: &std::path::Path| format!("\"{}\"", p.display());
    let to_correct: Vec<&Outcome> = files
        .iter()
        .filter(|f| matches!(f.status, Status::Done | Status::UpToDate) && f.outputs.len() == 3)
        .collect();
    let given_back =
        |status: Status| -> Vec<&Outcome> { files.iter().filter(|f| f.status == status).collect() };
    let (ready, to_fix, unchanged) = (
        given_back(Status::Ready),
        given_back(Status::ToFix),
        given_back(Status::Unchanged),
    );
    let mut lines = Vec::new();
    if files
        .iter()
        .any(|f| matches!(f.status, Status::Checked(_)) && !f.details.is_empty())
    {
        lines.push("Next: correct what the check found, in the case-management system (then export again) or in the file itself, and upload the file, unless it was uploaded already. To see the problems in the sheet: icare-fix check --annotate FILE.".to_string());
    }
    match to_correct.as_slice() {
        [] => {}
        [one] => {
            let (upload, annotated) = (&one.outputs[0], &one.outputs[1]);
            lines.push(format!(
                "Next: open {} in Excel, correct the highlighted cells and save it. Then give it back: icare-fix {} (or drop it on icare-fix, or run this same command again). That writes {} with your corrections: upload that file. Until then it holds the records exactly as rejected.",
                name(annotated),
                name(annotated),
                name(upload)
            ));
        }
        many => lines.push(format!(
            "Next: open each of the {} annotated workbooks (NAME.annotated.xlsx) in Excel, correct the highlighted cells and save it. Then run this same command again: each upload file (NAME.upload.xlsx) is then written with your corrections. Upload those files.",
            many.len()
        )),
    }
    // One file given back: its own next step; several ready: one line for all.
    let one_by_one = ready.len() <= 1;
    for f in to_fix
        .iter()
        .chain(&unchanged)
        .chain(ready.iter().filter(|_| one_by_one))
    {
        if let (Some(verdict), Some(upload), Some(workbook)) =
            (&f.verdict, f.outputs.first(), &f.corrections_from)
        {
            lines.push(verdict.next_step(upload, workbook));
        }
    }
    if !one_by_one {
        lines.push(format!(
            "Next: upload the {} upload files that are ready (NAME.upload.xlsx) to iCARE, clients rejected for identity first.",
            ready.len()
        ));
    }
    lines
}

fn describe(f: &Outcome) -> (&'static str, String) {
    let outputs = || {
        let names: Vec<String> = f
            .outputs
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        format!(" -> {}", names.join(", "))
    };
    let detail = match &f.status {
        Status::UpToDate => ": its outputs are there as icare-fix wrote them for this very file, and its annotated workbook holds no corrections yet (--force writes them again; a corrected annotated workbook is never replaced)".to_string(),
        status => match status.reason() {
            Some(reason) => format!(": {reason}"),
            None => outputs(),
        },
    };
    (f.status.words().terminal, detail)
}

/// The checklist to start from: the run's summary checklist when it wrote one, else (one
/// rejected file) the file's own.
fn checklist_name(report: &batch::BatchReport) -> String {
    use icare_fix::output::names::{
        CHECKLIST_SUFFIX, SUMMARY_CHECKLIST, UPLOAD_SUFFIX, UPLOAD_SUFFIX_XLSM,
    };
    // A file's own checklist is among its outputs, or (when only its upload file was
    // written, on the way back) named after its upload file.
    let own = report.files.iter().flat_map(|f| &f.outputs).find_map(|p| {
        let name = p.file_name()?.to_string_lossy().into_owned();
        if name.ends_with(CHECKLIST_SUFFIX) {
            return Some(name);
        }
        [UPLOAD_SUFFIX, UPLOAD_SUFFIX_XLSM]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .map(|stem| format!("{stem}{CHECKLIST_SUFFIX}"))
    });
    report
        .summary
        .iter()
        .find(|p| p.ends_with(SUMMARY_CHECKLIST))
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .or(own)
        .unwrap_or_else(|| SUMMARY_CHECKLIST.to_string())
}

#[cfg(test)]
mod tests {
    use super::before_advice;

    #[test]
    fn a_reason_is_cut_before_its_advice_never_inside_a_bracket() {
        assert_eq!(
            before_advice("an old Excel 97-2003 workbook (.xls): open it in Excel"),
            "an old Excel 97-2003 workbook (.xls)"
        );
        assert_eq!(
            before_advice("is damaged or incomplete (its part 'x.xml': cut). Download it again"),
            "is damaged or incomplete (its part 'x.xml': cut). Download it again"
        );
        assert_eq!(
            before_advice("is in 'a: b.xlsx': save it"),
            "is in 'a: b.xlsx'"
        );
        assert_eq!(before_advice("iCARE's own: advice"), "iCARE's own");
    }
}
