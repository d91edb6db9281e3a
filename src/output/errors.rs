//! The `errors` and `inspect` reports: a table for people, JSON and CSV for programs.
//!
//! [`NoteRecord`] is the one flat shape of a located note that every export shares (the JSON
//! of `errors`, its CSV, and the batch summary), so the field names mean the same everywhere.

use std::fmt::Write as _;

use serde::Serialize;

use crate::lang::plural;
use crate::note::{ArcStr, Category, Orp};
use crate::template::Registry;
use crate::text::csv_safe;
use crate::workbook::{Client, LocatedNote, Rejected, col_name};

/// The notes column as reported.
#[derive(Debug, Clone, Serialize)]
pub struct NotesColumnRecord {
    /// Column letter.
    pub column: String,
    /// `native` or `inserted`.
    pub layout: &'static str,
}

/// One note, flat, for JSON and CSV.
#[derive(Debug, Clone, Serialize)]
pub struct NoteRecord {
    /// 1-based row, as in the workbook.
    pub row: u32,
    /// Bulk upload id.
    pub buid: Option<u64>,
    /// Record id.
    pub rid: Option<u64>,
    /// Position in the original upload.
    pub orp: Option<Orp>,
    /// Processing time, ISO 8601.
    pub timestamp: Option<String>,
    /// Field codes named by the note.
    pub fields: Vec<String>,
    /// Cells to fix, A1 names.
    pub cells: Vec<String>,
    /// Field codes of `cells`, in the same order.
    pub cell_fields: Vec<String>,
    /// Field codes the workbook lacks.
    pub unlocated: Vec<String>,
    /// English entity.
    pub entity_en: String,
    /// English message.
    pub message_en: String,
    /// French entity.
    pub entity_fr: String,
    /// French message.
    pub message_fr: String,
    /// Category id.
    pub category: Category,
    /// The note as written by iCARE.
    pub raw: String,
    /// Why the note does not fit iCARE's grammar, when it does not.
    pub problem: Option<String>,
    /// The row's client.
    pub client: Client,
}

impl NoteRecord {
    /// The record of one located note of `book`.
    pub fn new(book: &Rejected, located: &LocatedNote) -> NoteRecord {
        let note = &located.note;
        NoteRecord {
            row: located.row + 1,
            buid: note.buid,
            rid: note.rid,
            orp: note.orp,
            timestamp: note
                .timestamp
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string()),
            fields: note.fields.iter().map(ArcStr::to_string).collect(),
            cells: located.cell_names(),
            cell_fields: located.cells.iter().map(|c| c.code.to_string()).collect(),
            unlocated: located.unlocated.iter().map(ArcStr::to_string).collect(),
            entity_en: note.entity_en.to_string(),
            message_en: note.message_en.to_string(),
            entity_fr: note.entity_fr.to_string(),
            message_fr: note.message_fr.to_string(),
            category: located.category,
            raw: note.raw.to_string(),
            problem: note.problem.clone(),
            client: book.client(located.row),
        }
    }
}

/// The JSON object of `icare-fix errors`.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorsReport {
    /// The file as given.
    pub file: String,
    /// Template id, `null` when unknown.
    pub template: Option<String>,
    /// Data sheet name.
    pub sheet: String,
    /// Where the notes are.
    pub notes_column: Option<NotesColumnRecord>,
    /// Number of data rows.
    pub rows: usize,
    /// Every note.
    pub notes: Vec<NoteRecord>,
}

impl ErrorsReport {
    /// The report for `book`.
    pub fn new(book: &Rejected) -> ErrorsReport {
        ErrorsReport {
            file: book.path.display().to_string(),
            template: book.template.clone(),
            sheet: book.sheet.clone(),
            notes_column: notes_column(book),
            rows: book.row_count(),
            notes: book
                .notes
                .iter()
                .map(|n| NoteRecord::new(book, n))
                .collect(),
        }
    }
}

fn notes_column(book: &Rejected) -> Option<NotesColumnRecord> {
    book.notes_column.map(|n| NotesColumnRecord {
        column: col_name(n.col),
        layout: n.layout.id(),
    })
}

/// `icare-fix errors --format json`.
pub fn to_json(book: &Rejected) -> String {
    let mut json = Vec::new();
    write_json(book, &mut json).expect("writing to memory");
    String::from_utf8(json).expect("JSON is UTF-8")
}

/// [`to_json`] written to `out` note by note: the records are made as they are written,
/// never all held at once.
///
/// # Errors
///
/// When `out` fails.
pub fn write_json(book: &Rejected, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &Streamed(book)).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// An [`ErrorsReport`] of a book, serialised field by field as [`ErrorsReport`] is, its
/// notes made one at a time.
struct Streamed<'a>(&'a Rejected);

impl Serialize for Streamed<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let book = self.0;
        let mut report = serializer.serialize_struct("ErrorsReport", 6)?;
        report.serialize_field("file", &book.path.display().to_string())?;
        report.serialize_field("template", &book.template)?;
        report.serialize_field("sheet", &book.sheet)?;
        report.serialize_field("notes_column", &notes_column(book))?;
        report.serialize_field("rows", &book.row_count())?;
        report.serialize_field("notes", &Records(book))?;
        report.end()
    }
}

/// The notes of a book as [`NoteRecord`]s, each made as it is written.
struct Records<'a>(&'a Rejected);

impl Serialize for Records<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let book = self.0;
        serializer.collect_seq(book.notes.iter().map(|n| NoteRecord::new(book, n)))
    }
}

/// The CSV header of `icare-fix errors --format csv`.
pub const CSV_HEADER: [&str; 21] = [
    "file",
    "row",
    "buid",
    "rid",
    "orp_index",
    "orp_total",
    "timestamp",
    "fields",
    "cells",
    "unlocated",
    "entity_en",
    "message_en",
    "entity_fr",
    "message_fr",
    "category",
    "client_id_type",
    "client_id_value",
    "client_birth_date",
    "problem",
    "template",
    "raw",
];

/// `icare-fix errors --format csv`: one row per note; lists are joined with spaces; fields
/// that Excel would take as formulas are written as text ([`csv_safe`]).
pub fn to_csv(books: &[&Rejected]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).expect("writing to memory");
    for book in books {
        let report = ErrorsReport::new(book);
        for n in &report.notes {
            let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
            let record = [
                report.file.as_str(),
                &n.row.to_string(),
                &opt(n.buid),
                &opt(n.rid),
                &opt(n.orp.map(|o| o.index)),
                &opt(n.orp.map(|o| o.total)),
                n.timestamp.as_deref().unwrap_or(""),
                &n.fields.join(" "),
                &n.cells.join(" "),
                &n.unlocated.join(" "),
                &n.entity_en,
                &n.message_en,
                &n.entity_fr,
                &n.message_fr,
                n.category.id(),
                &n.client.id_type,
                &n.client.id_value,
                &n.client.birth_date,
                n.problem.as_deref().unwrap_or(""),
                report.template.as_deref().unwrap_or(""),
                &n.raw,
            ];
            w.write_record(record.iter().map(|f| csv_safe(f).into_owned()))
                .expect("writing to memory");
        }
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("CSV of UTF-8 is UTF-8")
}

/// `icare-fix errors` for a person: a heading, then one block per note.
pub fn to_table(book: &Rejected, registry: &Registry) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", heading(book, registry));
    if book.notes.is_empty() {
        let _ = writeln!(
            s,
            "\nNo iCARE error notes: this looks like an original upload file, not a rejected file."
        );
        return s;
    }
    let width = book
        .notes
        .iter()
        .map(|n| n.cell_names().join(", ").len())
        .max()
        .unwrap_or(0)
        .clamp(5, 40);
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{:<5}  {:<width$}  {:<9}  Message",
        "Row", "Cells", "Category"
    );
    for located in &book.notes {
        let note = &located.note;
        let cells = if located.cells.is_empty() {
            "whole row".to_string()
        } else {
            located.cell_names().join(", ")
        };
        let _ = writeln!(
            s,
            "{:<5}  {:<width$}  {:<9}  {}",
            located.row + 1,
            cells,
            located.category.id(),
            if note.entity_en.is_empty() {
                note.message_en.to_string()
            } else {
                format!("({}) {}", note.entity_en, note.message_en)
            }
        );
        let pad = " ".repeat(5 + 2 + width + 2 + 9 + 2);
        if !note.message_fr.is_empty() {
            let _ = writeln!(s, "{pad}({}) {}", note.entity_fr, note.message_fr);
        }
        let fields: Vec<String> = located
            .cells
            .iter()
            .map(|c| {
                format!(
                    "{} = {}",
                    book.label(c.col),
                    quoted(&book.value(located.row, c.col))
                )
            })
            .collect();
        if !fields.is_empty() {
            let _ = writeln!(s, "{pad}{}", fields.join("; "));
        }
        if !located.unlocated.is_empty() {
            let _ = writeln!(
                s,
                "{pad}not in this workbook: {}",
                located.unlocated.join(", ")
            );
        }
        if let Some(problem) = &note.problem {
            let _ = writeln!(s, "{pad}note not understood: {problem}");
        }
    }
    let _ = writeln!(s, "\n{}", counts_line(book));
    s
}

fn quoted(value: &str) -> String {
    if value.is_empty() {
        "(empty)".into()
    } else {
        format!("\"{value}\"")
    }
}

fn heading(book: &Rejected, registry: &Registry) -> String {
    let template = template_name(book, registry);
    let notes_col = match book.notes_column {
        Some(n) => format!("notes in column {} ({})", col_name(n.col), n.layout.id()),
        None => "no notes column".into(),
    };
    format!(
        "{}: {template}, sheet '{}', {notes_col}, {}, {}",
        book.file_name(),
        book.sheet,
        plural(book.row_count(), "data row", "data rows"),
        plural(book.notes.len(), "note", "notes"),
    )
}

fn template_name(book: &Rejected, registry: &Registry) -> String {
    match book
        .template
        .as_deref()
        .and_then(|id| registry.template(id))
    {
        Some(t) => format!("{} ({})", t.title_en, t.id),
        None => "unknown template".into(),
    }
}

fn counts_line(book: &Rejected) -> String {
    let parts: Vec<String> = Category::ALL
        .iter()
        .filter_map(|c| {
            let n = book.notes.iter().filter(|n| n.category == *c).count();
            (n > 0).then(|| format!("{n} {}", c.id()))
        })
        .collect();
    format!("By category: {}", parts.join(", "))
}

/// The JSON object of `icare-fix inspect --json`.
#[derive(Debug, Clone, Serialize)]
pub struct InspectReport {
    /// The file as given.
    pub file: String,
    /// `xlsx`, `xls` or `ods`.
    pub format: &'static str,
    /// Every sheet: name, visible, whether it is the data sheet.
    pub sheets: Vec<SheetRecord>,
    /// Data sheet name.
    pub sheet: String,
    /// Template id, `null` when unknown.
    pub template: Option<String>,
    /// Template title, when known.
    pub template_title: Option<String>,
    /// 1-based codes row.
    pub codes_row: u32,
    /// 1-based labels row.
    pub labels_row: Option<u32>,
    /// 1-based first data row.
    pub data_start: u32,
    /// Number of columns with a field code.
    pub coded_columns: usize,
    /// Number of columns (to the last code).
    pub columns: usize,
    /// Where the notes are.
    pub notes_column: Option<NotesColumnRecord>,
    /// Number of data rows.
    pub rows: usize,
    /// Number of notes.
    pub notes: usize,
    /// Notes per category id.
    pub categories: std::collections::BTreeMap<&'static str, usize>,
    /// Notes that do not fit iCARE's grammar.
    pub malformed_notes: usize,
    /// Codes the template lists that the codes row lacks.
    pub missing_codes: Vec<String>,
    /// Codes of the codes row that the template does not list.
    pub extra_codes: Vec<String>,
    /// Where the columns' allowed values come from: the workbook's own LOV sheet or the
    /// bundled templates.
    pub lists: crate::workbook::lists::SourceSummary,
}

/// One sheet in [`InspectReport`].
#[derive(Debug, Clone, Serialize)]
pub struct SheetRecord {
    /// Tab name.
    pub name: String,
    /// Shown or hidden.
    pub visible: bool,
    /// The data sheet.
    pub data: bool,
}

impl InspectReport {
    /// The report for `book`.
    pub fn new(book: &Rejected, registry: &Registry) -> InspectReport {
        let template = book
            .template
            .as_deref()
            .and_then(|id| registry.template(id));
        let present: std::collections::HashSet<&str> =
            book.codes.iter().flatten().map(String::as_str).collect();
        let (missing_codes, extra_codes) = match template {
            Some(t) => (
                t.columns
                    .iter()
                    .filter(|c| !present.contains(c.code.as_str()))
                    .map(|c| c.code.clone())
                    .collect(),
                book.codes
                    .iter()
                    .flatten()
                    .filter(|c| t.column(c).is_none())
                    .cloned()
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let lists =
            crate::workbook::lists::ColumnLists::of_book(book, registry).unwrap_or_else(|_| {
                crate::workbook::lists::ColumnLists::build(&book.codes, None, registry)
            });
        InspectReport {
            lists: lists.source_summary(),
            file: book.path.display().to_string(),
            format: match book.format {
                crate::workbook::Format::Xlsx => "xlsx",
                crate::workbook::Format::Xls => "xls",
                crate::workbook::Format::Ods => "ods",
            },
            sheets: book
                .sheets
                .iter()
                .map(|s| SheetRecord {
                    name: s.name.clone(),
                    visible: s.visible,
                    data: s.name == book.sheet,
                })
                .collect(),
            sheet: book.sheet.clone(),
            template: book.template.clone(),
            template_title: template.map(|t| t.title_en.clone()),
            codes_row: book.codes_row + 1,
            labels_row: book.labels_row.map(|r| r + 1),
            data_start: book.data_start + 1,
            coded_columns: book.codes.iter().flatten().count(),
            columns: book.codes.len(),
            notes_column: notes_column(book),
            rows: book.row_count(),
            notes: book.notes.len(),
            categories: Category::ALL
                .iter()
                .map(|c| {
                    (
                        c.id(),
                        book.notes.iter().filter(|n| n.category == *c).count(),
                    )
                })
                .filter(|(_, n)| *n > 0)
                .collect(),
            malformed_notes: book
                .notes
                .iter()
                .filter(|n| n.note.problem.is_some())
                .count(),
            missing_codes,
            extra_codes,
        }
    }

    /// The report for a person.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let line = |s: &mut String, k: &str, v: String| {
            let _ = writeln!(s, "{k:<15}{v}");
        };
        line(&mut s, "File:", self.file.clone());
        line(&mut s, "Format:", self.format.to_string());
        let sheets: Vec<String> = self
            .sheets
            .iter()
            .map(|sh| {
                let mut tags = Vec::new();
                if sh.data {
                    tags.push("data");
                }
                if !sh.visible {
                    tags.push("hidden");
                }
                if tags.is_empty() {
                    sh.name.clone()
                } else {
                    format!("{} ({})", sh.name, tags.join(", "))
                }
            })
            .collect();
        line(&mut s, "Sheets:", sheets.join(", "));
        line(
            &mut s,
            "Template:",
            match (&self.template_title, &self.template) {
                (Some(title), Some(id)) => format!("{title} ({id})"),
                _ => "unknown (the codes row does not match a known template; the notes are still read)".into(),
            },
        );
        line(&mut s, "Codes row:", self.codes_row.to_string());
        line(
            &mut s,
            "Labels row:",
            self.labels_row.map_or("none".into(), |r| r.to_string()),
        );
        line(&mut s, "Data from row:", self.data_start.to_string());
        line(
            &mut s,
            "Columns:",
            format!(
                "{} ({} with a field code)",
                self.columns, self.coded_columns
            ),
        );
        line(
            &mut s,
            "Notes column:",
            match &self.notes_column {
                Some(n) if n.layout == "native" => format!(
                    "{} (native: the template's own Processing Details column; the upload-ready file empties its cells and keeps the column)",
                    n.column
                ),
                Some(n) => format!(
                    "{} (inserted: an extra column in front of the template; the upload-ready file removes it)",
                    n.column
                ),
                None => "none found".into(),
            },
        );
        line(&mut s, "Lists from:", self.lists.to_string());
        line(&mut s, "Data rows:", self.rows.to_string());
        let cats: Vec<String> = self
            .categories
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        line(
            &mut s,
            "Notes:",
            if self.notes == 0 {
                "0 (no iCARE notes: this looks like an original upload file, not a rejected file)"
                    .into()
            } else {
                format!("{} ({})", self.notes, cats.join(", "))
            },
        );
        if self.malformed_notes > 0 {
            line(
                &mut s,
                "Not understood:",
                format!(
                    "{} note(s) do not fit iCARE's usual form; they are kept as written",
                    self.malformed_notes
                ),
            );
        }
        if !self.missing_codes.is_empty() {
            line(&mut s, "Missing codes:", self.missing_codes.join(", "));
        }
        if !self.extra_codes.is_empty() {
            line(&mut s, "Extra codes:", self.extra_codes.join(", "));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_that_excel_would_run_are_written_as_text() {
        for bad in [
            "=1+1",
            "+1",
            "-1",
            "@SUM(1+1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"http://x\",\"click\")",
        ] {
            assert_eq!(csv_safe(bad), format!("'{bad}"));
        }
        for fine in ["613-555-0142", "Yes", "", "a=b", "'quoted"] {
            assert_eq!(csv_safe(fine), fine);
        }
    }
}
