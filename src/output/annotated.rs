//! The way back: from an annotated workbook the user corrected in Excel to the changes to
//! make to the ORIGINAL rejected file.
//!
//! [`AnnotatedInfo::read`] tells an annotated workbook apart (its document properties, written
//! by [`crate::output::annotate`], name the source file and its SHA-256). [`find_original`]
//! finds and verifies the original. [`plan`] compares the two grids row by row, matching
//! rows by the record key each notes cell starts with (ORP and RID), never by position, and
//! gives the cell changes, the rows the user deleted, and warnings: highlighted cells left
//! unchanged, values outside the allowed lists, dates not written `YYYY-MM-DD`, identifiers
//! that are not digits. The upload-ready file itself is then written from the original
//! package by `clean`, losslessly.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::output::annotate::{
    LISTS_SHEET, PROP_SOURCE_NAME, PROP_SOURCE_SHA256, PROP_VERSION, RowKey, sha256_file,
};
use crate::template::{Registry, ValueKind};
use crate::workbook::{self, Rejected, cell_name};

/// What an annotated workbook records about its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotatedInfo {
    /// File name of the rejected workbook it was made from.
    pub source_name: String,
    /// SHA-256 of that file, lower-case hex.
    pub source_sha256: String,
    /// icare-fix version that wrote it.
    pub version: String,
}

impl AnnotatedInfo {
    /// Reads the custom document properties of `path`; `None` when it is not an annotated
    /// workbook written by icare-fix (or not a readable zip at all).
    pub fn read(path: &Path) -> Option<AnnotatedInfo> {
        // Opening a named pipe or a device can wait forever: look first.
        if !std::fs::metadata(path).ok()?.is_file() {
            return None;
        }
        let file = std::fs::File::open(path).ok()?;
        let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
        let mut xml = String::new();
        zip.by_name("docProps/custom.xml")
            .ok()?
            .take(1024 * 1024)
            .read_to_string(&mut xml)
            .ok()?;
        let props = custom_properties(&xml);
        Some(AnnotatedInfo {
            source_name: props.get(PROP_SOURCE_NAME)?.clone(),
            source_sha256: props.get(PROP_SOURCE_SHA256)?.clone(),
            version: props.get(PROP_VERSION).cloned().unwrap_or_default(),
        })
    }
}

/// name → text value of the custom properties part.
fn custom_properties(xml: &str) -> HashMap<String, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut props = HashMap::new();
    let mut current: Option<String> = None;
    let mut in_value = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let local = e.local_name();
                if local.as_ref() == "property" {
                    current = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == "name")
                        .and_then(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        });
                } else if current.is_some() {
                    in_value = true;
                }
            }
            Ok(Event::Text(t)) if in_value => {
                if let Some(name) = &current {
                    props
                        .entry(name.clone())
                        .or_insert_with(String::new)
                        .push_str(&t.xml10_content());
                }
            }
            Ok(Event::GeneralRef(r)) if in_value => {
                if let Some(name) = &current {
                    let text = match r.resolve_char_ref() {
                        Ok(Some(ch)) => ch.to_string(),
                        _ => match r.as_ref() {
                            "amp" => "&",
                            "lt" => "<",
                            "gt" => ">",
                            "quot" => "\"",
                            "apos" => "'",
                            _ => "",
                        }
                        .to_string(),
                    };
                    props.entry(name.clone()).or_default().push_str(&text);
                }
            }
            Ok(Event::End(e)) => {
                if e.local_name().as_ref() == "property" {
                    current = None;
                }
                in_value = false;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    props
}

/// Finds the original of an annotated workbook: `given`, or the recorded name in the same
/// folder; refuses when its SHA-256 differs from the recorded one.
pub fn find_original(
    annotated: &Path,
    info: &AnnotatedInfo,
    given: Option<&Path>,
) -> Result<PathBuf> {
    let candidate = match given {
        Some(p) => p.to_path_buf(),
        None => annotated
            .parent()
            .unwrap_or(Path::new(""))
            .join(&info.source_name),
    };
    if !candidate.exists() {
        return Err(Error::OriginalMissing {
            annotated: annotated.to_path_buf(),
            original: candidate,
        });
    }
    let sha = sha256_file(&candidate)?;
    if !sha.eq_ignore_ascii_case(&info.source_sha256) {
        return Err(Error::OriginalChanged {
            annotated: annotated.to_path_buf(),
            original: candidate,
        });
    }
    Ok(candidate)
}

/// A cell to change in the original, 0-based in the original's coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Row.
    pub row: u32,
    /// Column.
    pub col: u32,
    /// Value in the original.
    pub before: String,
    /// Value in the annotated workbook: the new text.
    pub after: String,
}

impl Change {
    /// A1 name of the cell.
    pub fn cell(&self) -> String {
        cell_name(self.row, self.col)
    }
}

/// What the way back found.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Cells the user changed.
    pub changes: Vec<Change>,
    /// Rows of the original the user deleted (0-based), in order.
    pub dropped_rows: Vec<u32>,
    /// Things to check, in plain words.
    pub warnings: Vec<String>,
}

/// Compares the annotated workbook at `annotated` with its `original` and plans the changes.
pub fn plan(annotated: &Path, original: &Rejected, registry: &Registry) -> Result<Plan> {
    let mut book = workbook::read::open(annotated)?;
    let sheets = book.sheets();
    // The grid is the first sheet: the annotated workbook's own layout.
    let grid_sheet = sheets
        .iter()
        .find(|s| s.worksheet && s.name != LISTS_SHEET)
        .map(|s| s.name.clone())
        .ok_or_else(|| Error::Unsupported {
            path: annotated.to_path_buf(),
            detail: "the annotated workbook has no sheets left".into(),
        })?;
    let grid = book.read_grid(annotated, &grid_sheet, None)?;
    let notes_col = original.notes_column.map(|n| n.col);

    // Original rows by record key.
    let mut by_key: HashMap<RowKey, u32> = HashMap::new();
    for located in &original.notes {
        if let Some(key) = RowKey::of(&located.note) {
            by_key.entry(key).or_insert(located.row);
        }
    }
    let original_rows: Vec<u32> = original.data_rows().map(|r| r.row).collect();
    let annotated_rows: Vec<&workbook::GridRow> = grid
        .rows
        .iter()
        .filter(|r| r.row >= original.data_start)
        .collect();
    let same_count = annotated_rows.len() == original_rows.len();

    let mut plan = Plan::default();
    let mut matched: HashSet<u32> = HashSet::new();
    let mut pairs: Vec<(u32, &workbook::GridRow)> = Vec::new();
    for (i, row) in annotated_rows.iter().enumerate() {
        let key_text = notes_col
            .and_then(|c| row.get(c))
            .map(workbook::display)
            .unwrap_or_default();
        let original_row = match RowKey::parse(&key_text) {
            Some(key) => by_key.get(&key).copied(),
            // Without a key (a row with no note), rows are matched by position only when no
            // row was deleted.
            None if same_count => original_rows.get(i).copied(),
            None => None,
        };
        match original_row {
            Some(o) if matched.insert(o) => pairs.push((o, row)),
            _ => plan.warnings.push(format!(
                "Row {} of the annotated workbook does not match a record of the rejected file; it was left out. Add new records in your case-management system instead.",
                row.row + 1
            )),
        }
    }
    plan.dropped_rows = original_rows
        .iter()
        .copied()
        .filter(|r| !matched.contains(r))
        .collect();

    let last_col = original.codes.len().max(1) as u32 - 1;
    for (orig_row, row) in &pairs {
        for col in 0..=last_col {
            if Some(col) == notes_col {
                continue;
            }
            let before = original.value(*orig_row, col);
            let after = row.get(col).map(workbook::display).unwrap_or_default();
            if before.trim_end() != after.trim_end() {
                plan.changes.push(Change {
                    row: *orig_row,
                    col,
                    before,
                    after,
                });
            }
        }
    }
    plan.changes.sort_by_key(|c| (c.row, c.col));

    // Warnings: notes none of whose highlighted cells changed (one of an identity note's
    // three cells is often enough, so the note, not each cell, is the unit).
    let changed: HashSet<(u32, u32)> = plan.changes.iter().map(|c| (c.row, c.col)).collect();
    let mut warned: HashSet<(u32, Vec<u32>)> = HashSet::new();
    for note in original.notes.iter().filter(|n| matched.contains(&n.row)) {
        if note.cells.is_empty()
            || note
                .cells
                .iter()
                .any(|c| changed.contains(&(note.row, c.col)))
        {
            continue;
        }
        let cols: Vec<u32> = note.cells.iter().map(|c| c.col).collect();
        if !warned.insert((note.row, cols)) {
            continue;
        }
        plan.warnings.push(format!(
            "row {}: none of the highlighted cells ({}) was changed; iCARE may reject this record again ({}).",
            note.row + 1,
            note.cell_names().join(", "),
            note.note.message_en.trim_end_matches('.')
        ));
    }
    let lists = allowed_values(original, registry);
    for change in &plan.changes {
        if let Some(problem) = check_value(original, registry, &lists, change) {
            plan.warnings.push(format!("{}: {problem}", change.cell()));
        }
    }
    Ok(plan)
}

/// Allowed values by column: the workbook's own LOV sheet first, then the templates.
fn allowed_values(book: &Rejected, registry: &Registry) -> BTreeMap<u32, Vec<String>> {
    let mut lists = BTreeMap::new();
    for (col, code) in book.codes.iter().enumerate() {
        if let Some(values) = code.as_deref().and_then(|c| registry.allowed_values(c)) {
            lists.insert(col as u32, values.iter().map(|v| v.value.clone()).collect());
        }
    }
    lists
}

/// Why a new value looks wrong for its column, if it does.
fn check_value(
    book: &Rejected,
    registry: &Registry,
    lists: &BTreeMap<u32, Vec<String>>,
    change: &Change,
) -> Option<String> {
    let value = change.after.trim();
    if value.is_empty() {
        return None;
    }
    let code = book.code(change.col)?;
    match registry.kind(book.template.as_deref(), code) {
        ValueKind::Date => {
            let ok =
                value.len() == 10 && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok();
            (!ok).then(|| {
                format!("'{value}' is not a date written YYYY-MM-DD (for example 2024-03-31).")
            })
        }
        ValueKind::Identifier => {
            let ok = value.bytes().all(|b| b.is_ascii_digit());
            (!ok).then(|| format!("'{value}' should hold digits only, without dashes or spaces."))
        }
        ValueKind::YesNo => (!matches!(value, "Yes" | "No" | "Oui" | "Non"))
            .then(|| format!("'{value}' should be Yes or No.")),
        ValueKind::List => {
            let values = lists.get(&change.col)?;
            (!values.iter().any(|v| v == value)).then(|| {
                format!(
                    "'{value}' is not one of the allowed values of {}.",
                    book.label(change.col)
                )
            })
        }
        ValueKind::Text => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_custom_properties_with_entities() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="icare-fix source file"><vt:lpwstr>R&amp;D été.xlsx</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="icare-fix source SHA-256"><vt:lpwstr>abc</vt:lpwstr></property></Properties>"#;
        let props = custom_properties(xml);
        assert_eq!(props[PROP_SOURCE_NAME], "R&D été.xlsx");
        assert_eq!(props[PROP_SOURCE_SHA256], "abc");
    }
}
