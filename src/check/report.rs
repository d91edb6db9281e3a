//! What `check` found, as `errors` prints it: a table for people, JSON and CSV for programs.

use std::fmt::Write as _;

use super::model::{FileReport, Severity};
use crate::lang::plural;
use crate::template::Registry;
use crate::text::csv_safe;

/// True when some file has a problem: the command then exits with 1.
pub fn any_problem(reports: &[FileReport]) -> bool {
    reports.iter().any(|r| !r.problems.is_empty())
}

/// `check --format json`: an array with one object per file (`file`, `template`, `rows`,
/// `problems`).
pub fn to_json(reports: &[FileReport]) -> String {
    serde_json::to_string_pretty(reports).expect("plain data serialises") + "\n"
}

/// The CSV header of `check --format csv`.
pub const CSV_HEADER: [&str; 12] = [
    "file",
    "template",
    "row",
    "cell",
    "field",
    "rule",
    "severity",
    "source",
    "value",
    "message_en",
    "message_fr",
    "fix",
];

/// `check --format csv`: one row per problem; fields Excel would take as formulas are written
/// as text ([`csv_safe`]).
pub fn to_csv(reports: &[FileReport]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).expect("writing to memory");
    for report in reports {
        for p in &report.problems {
            let record = [
                report.file.as_str(),
                report.template.as_deref().unwrap_or(""),
                &p.row.to_string(),
                &p.cell,
                &p.field,
                p.rule.id(),
                p.severity.id(),
                p.source.id(),
                &p.value,
                &p.message_en,
                &p.message_fr,
                p.fix.as_deref().unwrap_or(""),
            ];
            w.write_record(record.iter().map(|f| csv_safe(f).into_owned()))
                .expect("writing to memory");
        }
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("CSV of UTF-8 is UTF-8")
}

/// `2 errors, 1 warning`, or `no problem found`.
pub fn counts(errors: usize, warnings: usize) -> String {
    match (errors, warnings) {
        (0, 0) => "no problem found".into(),
        (e, 0) => plural(e, "error", "errors"),
        (0, w) => plural(w, "warning", "warnings"),
        (e, w) => format!(
            "{}, {}",
            plural(e, "error", "errors"),
            plural(w, "warning", "warnings")
        ),
    }
}

/// The line `check` gives a file: `original_upload.xlsx: Client Profile (client_profile), 6
/// data rows: 2 errors, 1 warning`.
pub fn heading(report: &FileReport, registry: &Registry) -> String {
    let template = match report
        .template
        .as_deref()
        .and_then(|id| registry.template(id))
    {
        Some(t) => format!("{} ({})", t.title_en, t.id),
        None => "unknown template".into(),
    };
    let name = report
        .path
        .file_name()
        .map_or_else(|| report.file.clone(), |n| n.to_string_lossy().into_owned());
    let mut line = format!(
        "{name}: {template}, {}: {}",
        plural(report.rows, "data row", "data rows"),
        counts(
            report.count(Severity::Error),
            report.count(Severity::Warning)
        )
    );
    if report.notes > 0 {
        let _ = write!(
            line,
            " (it also holds {} from iCARE: a rejected file; icare-fix \"{}\" helps correct it)",
            plural(report.notes, "note", "notes"),
            report.file
        );
    }
    line
}

/// `check` for a person: per file a heading, then one block per problem (English, French,
/// the value, the fix), then the totals.
pub fn to_table(reports: &[FileReport], registry: &Registry) -> String {
    let mut table = String::new();
    let _ = write_table(reports, registry, &mut |chunk| {
        table.push_str(chunk);
        Ok(())
    });
    table
}

/// [`to_table`] handed to `out` a chunk of whole lines at a time, as it is made: a report of
/// many thousand problems is never whole in memory.
///
/// # Errors
///
/// When `out` fails.
pub fn write_table(
    reports: &[FileReport],
    registry: &Registry,
    out: &mut dyn FnMut(&str) -> std::io::Result<()>,
) -> std::io::Result<()> {
    const CHUNK: usize = 64 * 1024;
    let mut s = String::new();
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(s);
        }
        let _ = writeln!(s, "{}", heading(report, registry));
        if report.problems.is_empty() {
            continue;
        }
        let width = report
            .problems
            .iter()
            .map(|p| p.rule.id().len())
            .max()
            .unwrap_or(4);
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<5}  {:<5}  {:<8}  {:<width$}  Message",
            "Row", "Cell", "Severity", "Rule"
        );
        let pad = " ".repeat(5 + 2 + 5 + 2 + 8 + 2 + width + 2);
        for p in &report.problems {
            let _ = writeln!(
                s,
                "{:<5}  {:<5}  {:<8}  {:<width$}  {}",
                p.row,
                p.cell,
                p.severity.id(),
                p.rule.id(),
                p.message_en
            );
            let _ = writeln!(s, "{pad}{}", p.message_fr);
            if let Some(fix) = &p.fix {
                let _ = writeln!(s, "{pad}fix: {}", crate::text::shown(fix));
            }
            if s.len() >= CHUNK {
                out(&s)?;
                s.clear();
            }
        }
    }
    let errors: usize = reports.iter().map(|r| r.count(Severity::Error)).sum();
    let warnings: usize = reports.iter().map(|r| r.count(Severity::Warning)).sum();
    let _ = writeln!(s);
    if errors + warnings == 0 {
        let _ = writeln!(
            s,
            "{}: nothing iCARE is likely to reject, as far as icare-fix can tell.",
            plural(reports.len(), "file", "files")
        );
    } else {
        let _ = writeln!(
            s,
            "{}: {}. Errors are what iCARE's own template or messages reject; warnings are educated guesses.",
            plural(reports.len(), "file", "files"),
            counts(errors, warnings)
        );
    }
    let profiles = reports
        .iter()
        .any(|r| r.template.as_deref() == Some("client_profile"));
    let services = reports
        .iter()
        .any(|r| r.template.as_deref().is_some_and(|t| t != "client_profile"));
    if services && !profiles {
        let _ = writeln!(
            s,
            "No Client Profile file was given: give the month's Client Profile file too, to find service records whose client has no profile."
        );
    }
    out(&s)
}
