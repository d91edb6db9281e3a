//! The run's summary for people and programs, written beside a folder run's outputs:
//! `summary.xlsx` (every file with its counts and status, then every record of the clients
//! rejected for identity), `summary.json`, and, when the run read more than one rejected
//! file, `summary.checklist.html` across all of them (a one-file run has its file's own
//! checklist, and one is enough).
//!
//! The workbook follows `--lang`: sheet names, headings, template names, categories,
//! statuses and iCARE's messages; its columns are sized to their text and it prints
//! landscape, one page wide, its headings on every page.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

use super::report::{BatchOptions, BatchReport, Status};
use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::note::Category;
use crate::output::checklist::{Checklist, pick};
use crate::output::names::{SUMMARY_CHECKLIST, SUMMARY_JSON, SUMMARY_XLSX};
use crate::output::print;
use crate::template::Registry;
use crate::workbook::Rejected;

/// Writes the summary files into `folder` (unless nothing changed since they were written)
/// and returns their paths; on a dry run only returns them.
///
/// # Errors
///
/// Fails when the summary folder cannot be created, the workbook cannot be built, or a
/// summary file cannot be written (see [`crate::output::write_file`]).
pub fn write(
    folder: &Path,
    report: &BatchReport,
    books: &[Rejected],
    registry: &Registry,
    opts: &BatchOptions,
) -> Result<Vec<PathBuf>> {
    let mut paths = vec![folder.join(SUMMARY_XLSX), folder.join(SUMMARY_JSON)];
    if books.len() > 1 {
        paths.push(folder.join(SUMMARY_CHECKLIST));
    }
    if opts.dry_run {
        return Ok(paths);
    }
    // A run that wrote no output leaves an existing summary alone, so a re-run changes
    // nothing (files that fail again are reported on screen).
    let changed = report
        .files
        .iter()
        .any(|f| f.status == Status::Done || f.status.is_given_back());
    if !changed && !opts.force && paths.iter().all(|p| p.exists()) {
        return Ok(paths);
    }
    std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
    let json = serde_json::to_string_pretty(report).expect("plain data serialises") + "\n";
    crate::output::write_file(&paths[1], &[], true, json.as_bytes())?;
    let xlsx = workbook(report, books, registry, opts).map_err(|e| Error::Unsupported {
        path: paths[0].clone(),
        detail: format!("the summary workbook could not be built: {e}"),
    })?;
    crate::output::write_file(&paths[0], &[], true, &xlsx)?;
    if let Some(path) = paths.get(2) {
        let refs: Vec<&Rejected> = books.iter().collect();
        let html = Checklist::build(&refs, registry).to_html(opts.lang);
        crate::output::write_file(path, &[], true, html.as_bytes())?;
    }
    Ok(paths)
}

/// The summary workbook in `lang`.
///
/// # Errors
///
/// Fails when the workbook writer refuses the content (a sheet or cell beyond Excel's
/// limits) or cannot save it in memory.
pub fn workbook(
    report: &BatchReport,
    books: &[Rejected],
    registry: &Registry,
    opts: &BatchOptions,
) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    files_sheet(wb.add_worksheet(), report, registry, opts)?;
    clients_sheet(wb.add_worksheet(), report, books, registry, opts)?;
    wb.save_to_buffer()
}

/// A file as the summary names it: as given, or inside [`BatchOptions::shown_from`].
fn shown(file: &Path, opts: &BatchOptions) -> String {
    opts.shown_from
        .as_deref()
        .and_then(|folder| file.strip_prefix(folder).ok())
        .unwrap_or(file)
        .display()
        .to_string()
}

/// A template's name in `lang`, from its id (the id itself when the registry lacks it).
fn template_name(registry: &Registry, id: Option<&str>, lang: Lang) -> String {
    match id {
        Some(id) => registry
            .template(id)
            .map_or_else(|| id.to_string(), |t| pick(lang, &t.title_en, &t.title_fr)),
        None => String::new(),
    }
}

/// The name of the files sheet in `lang` (both joined by a dash: Excel allows no `/`).
fn files_sheet_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Files",
        Lang::Fr => "Fichiers",
        Lang::Both => "Files - Fichiers",
    }
}

/// A file's status in `lang` ([`Status::words`]) and its reason, if any.
fn status_text(status: &Status, lang: Lang) -> (String, String) {
    let words = status.words();
    (
        pick(lang, words.en, words.fr),
        status.reason().map(|r| r.en.clone()).unwrap_or_default(),
    )
}

/// Writes `rows` under `headings` on `ws` with widths from their text (within limits),
/// wrapped rows as tall as their text, and sets the sheet up to print.
fn table(
    ws: &mut Worksheet,
    name: &str,
    headings: &[String],
    rows: &[Vec<String>],
    numeric: &[usize],
) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let widths: Vec<f64> = (0..headings.len())
        .map(|c| {
            let longest = rows
                .iter()
                .map(|r| r[c].lines().map(|l| l.chars().count()).max().unwrap_or(0))
                .max()
                .unwrap_or(0);
            let heading = headings[c].chars().count().div_ceil(2);
            (longest.max(heading) as f64 + 2.0).clamp(8.0, 60.0)
        })
        .collect();
    for (c, (heading, width)) in headings.iter().zip(&widths).enumerate() {
        ws.set_column_width(c as u16, *width)?;
        ws.write_string_with_format(0, c as u16, heading, &bold)?;
    }
    let height = |texts: &[String]| print::row_height(texts, &widths, 11.0);
    ws.set_row_height(0, height(headings))?;
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, text) in row.iter().enumerate() {
            match text.parse::<f64>() {
                Ok(n) if numeric.contains(&c) => {
                    ws.write_number_with_format(r, c as u16, n, &wrap)?
                }
                _ => ws.write_string_with_format(r, c as u16, text, &wrap)?,
            };
        }
        ws.set_row_height(r, height(row))?;
    }
    let last_row = rows.len().max(1) as u32;
    let last_col = headings.len() as u16 - 1;
    ws.autofilter(0, 0, last_row, last_col)?;
    ws.set_freeze_panes(1, 0)?;
    print::page_setup(ws, true, Some((0, 0)), name)
}

/// One row per file found: counts, status and outputs.
fn files_sheet(
    ws: &mut Worksheet,
    report: &BatchReport,
    registry: &Registry,
    opts: &BatchOptions,
) -> Result<(), XlsxError> {
    let lang = opts.lang;
    let mut headings: Vec<String> = [
        ("File", "Fichier"),
        ("Template", "Modèle"),
        ("Rows", "Lignes"),
        ("Notes", "Notes"),
    ]
    .iter()
    .map(|(en, fr)| pick(lang, en, fr))
    .collect();
    headings.extend(
        Category::ALL
            .iter()
            .map(|c| pick(lang, c.label_en(), c.label_fr())),
    );
    headings.extend(
        [
            ("Status", "État"),
            ("Reason", "Raison"),
            ("Outputs", "Fichiers produits"),
        ]
        .iter()
        .map(|(en, fr)| pick(lang, en, fr)),
    );
    let rows: Vec<Vec<String>> = report
        .files
        .iter()
        .map(|f| {
            let (status, reason) = status_text(&f.status, lang);
            let mut row = vec![
                shown(&f.file, opts),
                template_name(registry, f.template.as_deref(), lang),
                f.rows.to_string(),
                f.notes.to_string(),
            ];
            row.extend(
                Category::ALL
                    .iter()
                    .map(|c| f.categories.get(c).unwrap_or(&0).to_string()),
            );
            let outputs: Vec<String> = f
                .outputs
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            row.extend([status, reason, outputs.join("\n")]);
            row
        })
        .collect();
    let numeric: Vec<usize> = (2..4 + Category::ALL.len()).collect();
    table(ws, files_sheet_name(lang), &headings, &rows, &numeric)
}

/// One row per record of a client rejected for identity, in every file of the run.
fn clients_sheet(
    ws: &mut Worksheet,
    report: &BatchReport,
    books: &[Rejected],
    registry: &Registry,
    opts: &BatchOptions,
) -> Result<(), XlsxError> {
    let lang = opts.lang;
    let headings: Vec<String> = [
        ("Identifier type", "Type d'identificateur"),
        ("Identifier", "Identificateur"),
        ("Date of birth", "Date de naissance"),
        ("File", "Fichier"),
        ("Template", "Modèle"),
        ("Row", "Ligne"),
        ("ORP", "ORP"),
        ("RID", "RID"),
        ("Messages", "Messages"),
    ]
    .iter()
    .map(|(en, fr)| pick(lang, en, fr))
    .collect();
    let mut rows = Vec::new();
    for client in &report.identity_clients {
        for rec in &client.records {
            rows.push(vec![
                client.client.id_type.clone(),
                client.client.id_value.clone(),
                client.client.birth_date.clone(),
                shown(&rec.file, opts),
                template_name(registry, rec.template.as_deref(), lang),
                rec.row.to_string(),
                rec.orp.clone(),
                rec.rid.map(|v| v.to_string()).unwrap_or_default(),
                messages(books, &rec.file, rec.row, &rec.messages, lang),
            ]);
        }
    }
    table(ws, "Clients", &headings, &rows, &[5])
}

/// The messages of the record at 1-based `row` of `file`, in `lang`, one per line: read
/// from the file's notes (the report keeps the English ones, used when the file is gone).
fn messages(books: &[Rejected], file: &Path, row: u32, english: &[String], lang: Lang) -> String {
    let Some(book) = books.iter().find(|b| b.path == file) else {
        return english.join("\n");
    };
    book.notes
        .iter()
        .filter(|n| n.row + 1 == row)
        .map(|n| pick(lang, &n.note.message_en, &n.note.message_fr))
        .collect::<Vec<_>>()
        .join("\n")
}
