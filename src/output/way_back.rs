//! The way back: from an annotated workbook the user corrected in Excel to the upload file,
//! written from the ORIGINAL rejected file with the corrections in it.
//!
//! - [`AnnotatedInfo::read`] tells an annotated workbook apart: its document properties,
//!   written by [`crate::output::annotate`], name the source file, its folder, size and
//!   SHA-256; its core properties tell whether a spreadsheet program saved it since.
//! - [`find_original`] finds the original wherever icare-fix's own runs put things: beside
//!   the annotated workbook, in the folder above it (the one-step `NAME-fixed` folder), at
//!   the recorded path (`batch --out`, a moved workbook), or by content in those folders (a
//!   renamed original). The SHA-256 must match.
//! - [`plan`] compares the annotated grid with the original's. Columns are matched by the
//!   annotated workbook's own hidden codes row, which moves with the columns, never by
//!   position; rows by the record key each notes cell starts with (ORP and RID), and where
//!   the notes were emptied or deleted, by their content. Anything uncertain is refused with
//!   the reason: an upload file with moved or missing data is never written.
//! - [`way_back`] writes the upload file through `clean`, so both paths share one set of
//!   repairs, and [`WayBack::describe`] says what was done, naming cells as the user sees
//!   them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::Data;

use crate::error::{Error, Result};
use crate::output::clean::{self, CellPatch, CleanOptions, CleanReport};
use crate::output::stamp::{
    LISTS_SHEET_NAMES, PROP_SOURCE_NAME, PROP_SOURCE_PATH, PROP_SOURCE_SHA256, PROP_SOURCE_SIZE,
    PROP_VERSION, RowKey, sha256_file,
};
use crate::output::{plural, shown};
use crate::template::Registry;
use crate::workbook::{self, Grid, GridRow, Layout, Rejected, cell_name, col_name};

/// What an annotated workbook records about its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotatedInfo {
    /// File name of the rejected workbook it was made from.
    pub source_name: String,
    /// SHA-256 of that file, lower-case hex.
    pub source_sha256: String,
    /// Where that file was when the annotated workbook was made (absolute), if recorded.
    pub source_path: Option<PathBuf>,
    /// Its size in bytes, if recorded.
    pub source_size: Option<u64>,
    /// icare-fix version that wrote it.
    pub version: String,
    /// A spreadsheet program saved it after icare-fix wrote it (its core properties' modified
    /// time differs from their creation time, which icare-fix writes equal).
    pub saved_since_written: bool,
}

impl AnnotatedInfo {
    /// Reads the document properties of `path`; `None` when it is not an annotated workbook
    /// written by icare-fix (or not a readable zip at all).
    pub fn read(path: &Path) -> Option<AnnotatedInfo> {
        // Opening a named pipe or a device can wait forever: look first.
        if !std::fs::metadata(path).ok()?.is_file() {
            return None;
        }
        let file = std::fs::File::open(path).ok()?;
        let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
        let props = properties(&read_small_part(&mut zip, "docProps/custom.xml")?);
        let core = read_small_part(&mut zip, "docProps/core.xml").map(|xml| properties(&xml));
        let saved_since_written = core.is_none_or(|core| {
            let created = core.get("created");
            created.is_none() || created != core.get("modified")
        });
        Some(AnnotatedInfo {
            source_name: props.get(PROP_SOURCE_NAME)?.clone(),
            source_sha256: props.get(PROP_SOURCE_SHA256)?.clone(),
            source_path: props.get(PROP_SOURCE_PATH).map(PathBuf::from),
            source_size: props.get(PROP_SOURCE_SIZE).and_then(|s| s.parse().ok()),
            version: props.get(PROP_VERSION).cloned().unwrap_or_default(),
            saved_since_written,
        })
    }

    /// True when it was made from `original` (same SHA-256).
    pub fn is_from(&self, original: &Path) -> Result<bool> {
        Ok(sha256_file(original)?.eq_ignore_ascii_case(&self.source_sha256))
    }
}

fn read_small_part<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Option<String> {
    let mut xml = String::new();
    zip.by_name(name)
        .ok()?
        .take(1024 * 1024)
        .read_to_string(&mut xml)
        .ok()?;
    Some(xml)
}

/// The text of each leaf element of a properties part: a custom property by its `name`
/// attribute, a core property by its element name (`created`, `modified`).
fn properties(xml: &str) -> HashMap<String, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut props = HashMap::new();
    let mut property: Option<String> = None;
    let mut current: Option<String> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let local = e.local_name().as_ref().to_string();
                if local == "property" {
                    property = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == "name")
                        .and_then(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .ok()
                                .map(|v| v.into_owned())
                        });
                } else {
                    current = Some(property.clone().unwrap_or(local));
                }
            }
            Ok(Event::Text(t)) => {
                if let Some(name) = &current {
                    props
                        .entry(name.clone())
                        .or_insert_with(String::new)
                        .push_str(&t.xml10_content());
                }
            }
            Ok(Event::GeneralRef(r)) => {
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
                    property = None;
                }
                current = None;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    props
}

/// What stands at an annotated workbook's place, for a run that would write it.
#[derive(Debug, Clone)]
pub enum Existing {
    /// Nothing.
    Absent,
    /// A file icare-fix did not write (or cannot read as its own).
    NotOurs,
    /// icare-fix's own annotated workbook, exactly as written: it may be written again.
    Untouched,
    /// The user's corrections of this very rejected file: the way back makes the upload file
    /// from it; it is never replaced.
    Corrected(AnnotatedInfo),
    /// The user's corrections of an earlier copy of the rejected file: kept, never replaced.
    Earlier(AnnotatedInfo),
}

/// What stands at `path`, the annotated workbook's place for `book`. It is the user's work
/// when a spreadsheet program saved it, or its data differs from `book`'s.
pub fn assess(path: &Path, book: &Rejected, registry: &Registry) -> Result<Existing> {
    if !path.exists() {
        return Ok(Existing::Absent);
    }
    let Some(info) = AnnotatedInfo::read(path) else {
        return Ok(Existing::NotOurs);
    };
    let same_source = info.is_from(&book.path)?;
    let changed = info.saved_since_written
        || same_source && !plan(path, book, registry).is_ok_and(|p| p.is_pristine());
    Ok(match (changed, same_source) {
        (false, _) => Existing::Untouched,
        (true, true) => Existing::Corrected(info),
        (true, false) => Existing::Earlier(info),
    })
}

/// Finds the original of an annotated workbook: `given` when named; otherwise the recorded
/// file name beside the annotated workbook and in the folder above it, the recorded path,
/// and last any workbook of the recorded size in those folders. The SHA-256 must match.
pub fn find_original(
    annotated: &Path,
    info: &AnnotatedInfo,
    given: Option<&Path>,
) -> Result<PathBuf> {
    let same = |path: &Path| {
        sha256_file(path)
            .map(|sha| sha.eq_ignore_ascii_case(&info.source_sha256))
            .unwrap_or(false)
    };
    if let Some(given) = given {
        if !given.is_file() {
            return Err(Error::NotFound {
                path: given.to_path_buf(),
            });
        }
        if !same(given) {
            return Err(Error::OriginalChanged {
                annotated: annotated.to_path_buf(),
                original: given.to_path_buf(),
            });
        }
        return Ok(given.to_path_buf());
    }
    let here = match annotated.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let above = std::fs::canonicalize(&here)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let mut folders = vec![here.clone()];
    folders.extend(above.clone());
    let mut candidates: Vec<PathBuf> = folders.iter().map(|f| f.join(&info.source_name)).collect();
    candidates.extend(info.source_path.clone());
    let mut changed = Vec::new();
    for candidate in &candidates {
        if candidate.is_file() && !crate::output::same_file(candidate, annotated) {
            if same(candidate) {
                return Ok(candidate.clone());
            }
            changed.push(candidate.clone());
        }
    }
    // Renamed: any workbook of the same size and content in those folders.
    if let Some(size) = info.source_size {
        for folder in &folders {
            let Ok(entries) = std::fs::read_dir(folder) else {
                continue;
            };
            let mut names: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            names.sort();
            for path in names {
                let fits = std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() == size);
                if fits && !crate::output::same_file(&path, annotated) && same(&path) {
                    return Ok(path);
                }
            }
        }
    }
    let mut looked: Vec<String> = folders
        .iter()
        .map(|f| format!("the folder '{}'", f.display()))
        .collect();
    if let Some(p) = &info.source_path {
        looked.push(format!("'{}'", p.display()));
    }
    changed.dedup();
    Err(Error::OriginalMissing {
        annotated: annotated.to_path_buf(),
        name: info.source_name.clone(),
        looked: looked.join(", "),
        changed: changed
            .iter()
            .map(|p| format!(" '{}' is there, but it is not the file it was made from (its content changed since).", p.display()))
            .collect(),
    })
}

/// A cell the user changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Row in the original, 0-based.
    pub row: u32,
    /// Column in the original, 0-based.
    pub col: u32,
    /// Row in the annotated workbook, 0-based.
    pub at_row: u32,
    /// Column in the annotated workbook, 0-based.
    pub at_col: u32,
    /// Value in the original.
    pub before: String,
    /// Value in the annotated workbook: the new text.
    pub after: String,
}

/// How the annotated rows were matched with the original's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowMatching {
    /// Every row by the record key in its notes cell.
    Keys,
    /// Some rows (notes emptied or deleted) by their content.
    Content,
}

/// What the way back found in the annotated workbook.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Cells the user changed, in original order.
    pub changes: Vec<Change>,
    /// Records of the original the user deleted (0-based rows), in order.
    pub dropped_rows: Vec<u32>,
    /// Things to check, in plain words.
    pub warnings: Vec<String>,
    /// Records in the original.
    pub records: usize,
    /// How the rows were matched.
    pub matching: RowMatching,
    /// The notes column was deleted in the annotated workbook.
    pub notes_column_deleted: bool,
    /// Annotated row of each kept original row.
    row_at: BTreeMap<u32, u32>,
    /// Annotated column of each original column.
    col_at: HashMap<u32, u32>,
    /// The original's inserted notes column, which the upload file leaves out.
    removed_col: Option<u32>,
}

impl Plan {
    /// True when the user changed nothing that reaches the upload file.
    pub fn is_pristine(&self) -> bool {
        self.changes.is_empty() && self.dropped_rows.is_empty()
    }

    /// Records the upload file holds.
    pub fn kept(&self) -> usize {
        self.records - self.dropped_rows.len()
    }

    /// The cell of the original at (`row`, `col`) as the user sees it in the annotated
    /// workbook, with its place in the upload file when that differs: `C10 (C9 in the
    /// upload file)`.
    pub fn cell(&self, row: u32, col: u32) -> String {
        let at = match (self.row_at.get(&row), self.col_at.get(&col)) {
            (Some(r), Some(c)) => cell_name(*r, *c),
            _ => cell_name(row, col),
        };
        let upload_row = row - self.dropped_rows.iter().filter(|r| **r < row).count() as u32;
        let upload_col = match self.removed_col {
            Some(removed) if col > removed => col - 1,
            _ => col,
        };
        let upload = cell_name(upload_row, upload_col);
        if upload == at {
            at
        } else {
            format!("{at} ({upload} in the upload file)")
        }
    }

    /// The original's (row, column) of a cell of the upload file (0-based): rows left out
    /// and a removed notes column put back.
    pub fn original_cell(&self, row: u32, col: u32) -> (u32, u32) {
        let mut original = row;
        for dropped in &self.dropped_rows {
            if *dropped <= original {
                original += 1;
            }
        }
        match self.removed_col {
            Some(removed) if col >= removed => (original, col + 1),
            _ => (original, col),
        }
    }

    /// Row `row` of the original as the user sees it in the annotated workbook (1-based).
    pub fn row(&self, row: u32) -> u32 {
        self.row_at.get(&row).copied().unwrap_or(row) + 1
    }
}

/// The annotated grid, with its own codes row.
struct AnnotatedGrid {
    grid: Grid,
    data_start: u32,
    /// Annotated column → original column, for every column with a field code.
    to_original: BTreeMap<u32, u32>,
    /// The column holding the record keys, if any.
    key_col: Option<u32>,
    /// The first column with a field code.
    first_coded: Option<u32>,
}

fn refuse(annotated: &Path, detail: String) -> Error {
    Error::AnnotatedMismatch {
        path: annotated.to_path_buf(),
        detail,
    }
}

/// Reads the annotated workbook's first sheet and maps its columns to the original's by the
/// field codes of its own hidden codes row.
fn read_annotated(
    annotated: &Path,
    original: &Rejected,
    registry: &Registry,
) -> Result<AnnotatedGrid> {
    let mut book = workbook::read::open(annotated)?;
    let sheets = book.sheets();
    let sheet = sheets
        .iter()
        .find(|s| s.worksheet && !LISTS_SHEET_NAMES.contains(&s.name.as_str()))
        .map(|s| s.name.clone())
        .ok_or_else(|| {
            refuse(
                annotated,
                "the annotated workbook has no sheets left".into(),
            )
        })?;
    let grid = book.read_grid(annotated, &sheet, None)?;
    let codes_row = workbook::find_codes_row(&grid, registry).ok_or_else(|| {
        refuse(
            annotated,
            format!(
                "its sheet '{sheet}' no longer has the hidden row of field codes (row {} in the rejected file), so icare-fix cannot tell which column is which. Undo the change that removed it, or annotate the rejected file again",
                original.codes_row + 1
            ),
        )
    })?;
    let data_start = codes_row + (original.data_start - original.codes_row);
    let mut to_original = BTreeMap::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (col, value) in grid.row(codes_row).map_or(&[][..], |r| &r.cells[..]) {
        let code = workbook::display(value).trim().to_string();
        if code.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(code.clone(), *col) {
            return Err(refuse(
                annotated,
                format!(
                    "columns {} and {} both have the field code '{code}' (a column was copied?). Delete the copy, save and try again",
                    col_name(first),
                    col_name(*col)
                ),
            ));
        }
        if let Some(o) = original.column_of(&code) {
            to_original.insert(*col, o);
        }
    }
    // Every template column must still be there; the notes column may go.
    let present: HashSet<u32> = to_original.values().copied().collect();
    let notes_col = original.notes_column.map(|n| n.col);
    for (col, code) in original.codes.iter().enumerate() {
        let col = col as u32;
        let Some(code) = code else { continue };
        if !present.contains(&col) && Some(col) != notes_col {
            return Err(refuse(
                annotated,
                format!(
                    "the column '{}' ({code}) of the template is missing: it was deleted. Every column of the template must stay for iCARE to accept the file. Undo the deletion (or annotate the rejected file again), save and try again",
                    original.label(col),
                ),
            ));
        }
    }
    // The record keys: the column whose cells read as keys most often.
    let mut key_counts: BTreeMap<u32, usize> = BTreeMap::new();
    for row in grid.rows.iter().filter(|r| r.row >= data_start) {
        for (col, value) in &row.cells {
            if let Data::String(s) = value
                && RowKey::parse(s).is_some()
            {
                *key_counts.entry(*col).or_default() += 1;
            }
        }
    }
    let key_col = key_counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(c, _)| *c);
    // Values in a column that is not the template's (one the user added) could go nowhere.
    for row in grid.rows.iter().filter(|r| r.row >= data_start) {
        for (col, value) in &row.cells {
            if to_original.contains_key(col) || Some(*col) == key_col {
                continue;
            }
            if workbook::display(value).trim().is_empty() {
                continue;
            }
            return Err(refuse(
                annotated,
                format!(
                    "column {} holds values (such as {}) but is not a column of the template: it has no field code of the template in the hidden row {}. Its values cannot go into the upload file. Move them into the template's own columns or delete that column, save and try again",
                    col_name(*col),
                    cell_name(row.row, *col),
                    codes_row + 1
                ),
            ));
        }
    }
    let first_coded = to_original.keys().next().copied();
    Ok(AnnotatedGrid {
        grid,
        data_start,
        to_original,
        key_col,
        first_coded,
    })
}

/// Compares the annotated workbook at `annotated` with its `original` and plans the upload
/// file: the cells to change and the records to leave out. Refuses when a row or a column
/// cannot be matched with certainty.
pub fn plan(annotated: &Path, original: &Rejected, registry: &Registry) -> Result<Plan> {
    let a = read_annotated(annotated, original, registry)?;
    let (matched, matching) = match_rows(annotated, &a, original)?;
    let records = original.row_count();
    let dropped_rows: Vec<u32> = original
        .data_rows()
        .map(|r| r.row)
        .filter(|r| !matched.contains_key(r))
        .collect();
    if dropped_rows.len() == records && records > 0 {
        return Err(refuse(
            annotated,
            "every record was deleted from it, so there is nothing to upload. If that is what you meant, there is no need to upload this file".into(),
        ));
    }
    let col_at: HashMap<u32, u32> = a.to_original.iter().map(|(a, o)| (*o, *a)).collect();
    let notes_col = original.notes_column.map(|n| n.col);
    let removed_col = original
        .notes_column
        .filter(|n| n.layout == Layout::Inserted)
        .map(|n| n.col);
    // Deleted, not emptied: its code is gone, or (an uncoded inserted column) the template's
    // columns moved left.
    let first_original = original
        .codes
        .iter()
        .position(Option::is_some)
        .map(|c| c as u32);
    let notes_column_deleted = notes_col.is_some_and(|n| match original.code(n) {
        Some(_) => !col_at.contains_key(&n),
        None => a.first_coded < first_original,
    });
    let mut plan = Plan {
        changes: changes(&a, original, &matched),
        dropped_rows,
        warnings: Vec::new(),
        records,
        matching,
        notes_column_deleted,
        row_at: matched,
        col_at,
        removed_col,
    };
    plan.warnings = warnings(&plan, original);
    Ok(plan)
}

/// The text of a cell of `row`, empty when it has none.
fn value_at(row: &GridRow, col: u32) -> String {
    row.get(col).map(workbook::display).unwrap_or_default()
}

/// Original row → annotated row for every annotated data row: by the record key in its notes
/// cell, else by its values ([`Records::find`]).
fn match_rows(
    annotated: &Path,
    a: &AnnotatedGrid,
    original: &Rejected,
) -> Result<(BTreeMap<u32, u32>, RowMatching)> {
    let mut by_key: HashMap<RowKey, u32> = HashMap::new();
    for located in &original.notes {
        if let Some(key) = RowKey::of(&located.note) {
            by_key.entry(key).or_insert(located.row);
        }
    }
    let annotated_rows: Vec<&GridRow> = a
        .grid
        .rows
        .iter()
        .filter(|r| r.row >= a.data_start)
        .filter(|r| {
            r.cells.iter().any(|(c, v)| {
                (a.to_original.contains_key(c) || Some(*c) == a.key_col)
                    && !workbook::display(v).trim().is_empty()
            })
        })
        .collect();
    let mut matched: BTreeMap<u32, u32> = BTreeMap::new();
    let mut pending = Vec::new();
    for row in &annotated_rows {
        let key = a
            .key_col
            .and_then(|c| row.get(c))
            .and_then(|v| RowKey::parse(&workbook::display(v)))
            .and_then(|k| by_key.get(&k).copied());
        let Some(o) = key else {
            pending.push(*row);
            continue;
        };
        if let Some(first) = matched.insert(o, row.row) {
            return Err(refuse(
                annotated,
                format!(
                    "rows {} and {} are the same record (row {} of the rejected file; was a row copied?). Uploading it twice would duplicate it: delete one of them, save and try again",
                    first + 1,
                    row.row + 1,
                    o + 1
                ),
            ));
        }
    }
    if pending.is_empty() {
        return Ok((matched, RowMatching::Keys));
    }
    let added = original.row_count() < annotated_rows.len();
    let mut records = Records::new(a, original, &matched);
    for row in pending {
        let Some(o) = records.find(a, row) else {
            return Err(refuse(
                annotated,
                format!(
                    "row {} cannot be matched with certainty to a record of the rejected file: its notes cell, which names the record, was emptied or changed, and its values do not clearly match one record. Undo the change to the Processing Details column (or to this row), save and try again{}",
                    row.row + 1,
                    if added {
                        ". If this row was added, delete it: icare-fix only sends back the rejected records"
                    } else {
                        ""
                    }
                ),
            ));
        };
        records.take(o);
        matched.insert(o, row.row);
    }
    Ok((matched, RowMatching::Content))
}

/// A value shared by more records than this is too common to point at one.
const COMMON: usize = 32;

/// The records not matched yet, for matching annotated rows by their values. Only the cells
/// iCARE did not flag count (the user had no reason to change them). An index from each
/// (column, value) to its records finds the few candidates of a row, so that matching stays
/// near linear on large files.
struct Records<'o> {
    /// Record row → its unflagged values by original column (non-empty ones).
    values: BTreeMap<u32, HashMap<u32, &'o str>>,
    /// (original column, value) → records holding it.
    index: HashMap<(u32, &'o str), Vec<u32>>,
}

impl<'o> Records<'o> {
    fn new(a: &AnnotatedGrid, original: &'o Rejected, matched: &BTreeMap<u32, u32>) -> Records<'o> {
        let notes_col = original.notes_column.map(|n| n.col);
        let flagged: HashSet<(u32, u32)> = original
            .notes
            .iter()
            .flat_map(|n| n.cells.iter().map(move |c| (n.row, c.col)))
            .collect();
        let mut values = BTreeMap::new();
        let mut index: HashMap<(u32, &'o str), Vec<u32>> = HashMap::new();
        for row in original
            .data_rows()
            .filter(|r| !matched.contains_key(&r.row))
        {
            let mut held = HashMap::new();
            for &ocol in a.to_original.values() {
                if Some(ocol) == notes_col || flagged.contains(&(row.row, ocol)) {
                    continue;
                }
                let Some(Data::String(text)) = row.get(ocol) else {
                    continue;
                };
                let text = text.trim_end();
                if text.trim().is_empty() {
                    continue;
                }
                held.insert(ocol, text);
                index.entry((ocol, text)).or_default().push(row.row);
            }
            values.insert(row.row, held);
        }
        Records { values, index }
    }

    /// Removes a matched record.
    fn take(&mut self, record: u32) {
        self.values.remove(&record);
    }

    /// (agreeing values, values) of `record` with the annotated `row`'s `texts`.
    fn score(&self, record: u32, texts: &HashMap<u32, String>) -> (usize, usize) {
        let held = &self.values[&record];
        let agree = held
            .iter()
            .filter(|(col, value)| texts.get(col).is_some_and(|t| t == *value))
            .count();
        (agree, held.len())
    }

    /// The record the annotated `row` is: it agrees with more than half of the record's
    /// values, and better than any other record (on a tie, the record at the same place).
    fn find(&self, a: &AnnotatedGrid, row: &GridRow) -> Option<u32> {
        let texts: HashMap<u32, String> = a
            .to_original
            .iter()
            .map(|(acol, ocol)| (*ocol, value_at(row, *acol).trim_end().to_string()))
            .filter(|(_, t)| !t.trim().is_empty())
            .collect();
        // Candidates share a rare value with the row; a record that shares none agrees on at
        // most `common` values.
        let mut candidates: BTreeSet<u32> = BTreeSet::new();
        let mut common = 0;
        for (col, text) in &texts {
            match self.index.get(&(*col, text.as_str())) {
                Some(rows) if rows.len() > COMMON => common += 1,
                Some(rows) => {
                    candidates.extend(rows.iter().filter(|r| self.values.contains_key(r)))
                }
                None => {}
            }
        }
        if self.values.contains_key(&row.row) {
            candidates.insert(row.row);
        }
        let rank = |records: &mut dyn Iterator<Item = u32>| {
            let mut ranked: Vec<(usize, usize, u32)> = records
                .map(|o| {
                    let (agree, total) = self.score(o, &texts);
                    (agree, total, o)
                })
                .collect();
            ranked.sort_by(|x, y| {
                y.0.cmp(&x.0)
                    .then_with(|| (x.2 != row.row).cmp(&(y.2 != row.row)))
            });
            ranked
        };
        let mut ranked = rank(&mut candidates.iter().copied());
        // Only when a record outside the candidates could tie: every record.
        if ranked.first().is_none_or(|best| best.0 <= common) {
            ranked = rank(&mut self.values.keys().copied());
        }
        let fits = |(agree, total, _): &(usize, usize, u32)| *agree * 2 > *total && *agree > 0;
        match ranked.as_slice() {
            [best, second, ..] if fits(best) && (best.0 > second.0 || best.2 == row.row) => {
                Some(best.2)
            }
            [best] if fits(best) => Some(best.2),
            _ => None,
        }
    }
}

/// The cells whose value differs between each matched annotated row and its record, in the
/// original's order.
fn changes(a: &AnnotatedGrid, original: &Rejected, matched: &BTreeMap<u32, u32>) -> Vec<Change> {
    let notes_col = original.notes_column.map(|n| n.col);
    let mut changes = Vec::new();
    for (&orow, &arow) in matched {
        // Every matched row holds a value (rows are matched from the annotated grid).
        let Some(arow_cells) = a.grid.row(arow) else {
            continue;
        };
        for (&acol, &ocol) in &a.to_original {
            if Some(ocol) == notes_col {
                continue;
            }
            let before = original.value(orow, ocol);
            let after = value_at(arow_cells, acol);
            if before.trim_end() != after.trim_end() {
                changes.push(Change {
                    row: orow,
                    col: ocol,
                    at_row: arow,
                    at_col: acol,
                    before,
                    after,
                });
            }
        }
    }
    changes.sort_by_key(|c| (c.row, c.col));
    changes
}

/// Highlighted problems left as they were (what else looks wrong is found by `check` on the
/// written upload file, see [`predicted`]).
fn warnings(plan: &Plan, original: &Rejected) -> Vec<String> {
    let mut warnings = Vec::new();
    // One of an identity note's three cells is often enough, so the note, not each cell, is
    // the unit.
    let changed: HashSet<(u32, u32)> = plan.changes.iter().map(|c| (c.row, c.col)).collect();
    let mut warned: HashSet<(u32, Vec<u32>)> = HashSet::new();
    for note in original
        .notes
        .iter()
        .filter(|n| plan.row_at.contains_key(&n.row))
    {
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
        let cells: Vec<String> = note
            .cells
            .iter()
            .map(|c| plan.cell(note.row, c.col))
            .collect();
        warnings.push(format!(
            "row {}: none of the highlighted cells ({}) was changed; iCARE may reject this record again ({}).",
            plan.row(note.row),
            cells.join(", "),
            note.note.message_en.trim_end_matches('.')
        ));
    }
    warnings
}

/// What `icare-fix check` finds in the rows the upload file holds, cells named as the user
/// sees them. Cells of a highlighted problem left as it was are already told of.
fn predicted(plan: &Plan, original: &Rejected, upload: &Path, registry: &Registry) -> Vec<String> {
    // The upload file was just written and read back by clean's own check; should it not
    // read now, there is simply nothing more to say.
    let Ok(book) = Rejected::open(upload, registry) else {
        return Vec::new();
    };
    let opts = crate::check::CheckOptions::default();
    let Ok(reports) = crate::check::check_books(&[&book], registry, &opts) else {
        return Vec::new();
    };
    let changed: HashSet<(u32, u32)> = plan.changes.iter().map(|c| (c.row, c.col)).collect();
    let told: HashSet<(u32, u32)> = original
        .notes
        .iter()
        .filter(|n| plan.row_at.contains_key(&n.row))
        .filter(|n| !n.cells.iter().any(|c| changed.contains(&(n.row, c.col))))
        .flat_map(|n| n.cells.iter().map(move |c| (n.row, c.col)))
        .collect();
    reports
        .iter()
        .flat_map(|r| &r.problems)
        .filter_map(|p| {
            let (row, col) = plan.original_cell(p.row - 1, p.col);
            (!told.contains(&(row, col)))
                .then(|| format!("{}: {}", plan.cell(row, col), p.message_en))
        })
        .collect()
}

/// Options of the way back.
#[derive(Debug, Clone, Default)]
pub struct WayBackOptions {
    /// The original rejected file, when the user names it.
    pub original: Option<PathBuf>,
    /// Where to write the upload file [default: [`upload_path`]].
    pub output: Option<PathBuf>,
    /// How to clean (notes column, repairs, `force` to replace an output that is not
    /// icare-fix's own).
    pub clean: CleanOptions,
}

/// What the way back did.
#[derive(Debug, Clone)]
pub struct WayBack {
    /// The annotated workbook.
    pub annotated: PathBuf,
    /// The original rejected file it was made from.
    pub original: PathBuf,
    /// What was found in the annotated workbook.
    pub plan: Plan,
    /// What `clean` did.
    pub clean: CleanReport,
    /// Where an earlier file at the output's name was kept, when it was not icare-fix's own.
    pub backup: Option<PathBuf>,
    labels: HashMap<u32, String>,
}

/// The upload file of an annotated workbook: beside it, `NAME.annotated.xlsx` →
/// `NAME.upload.xlsx` (`.xlsm` when the original is macro-enabled).
pub fn upload_path(annotated: &Path, original: &Path) -> PathBuf {
    crate::output::names::upload_of_annotated(annotated, original)
}

/// The way back: finds the original of the annotated workbook `annotated`, plans the
/// corrections and writes the upload file with them.
pub fn way_back(
    annotated: &Path,
    info: &AnnotatedInfo,
    registry: &Registry,
    opts: &WayBackOptions,
) -> Result<WayBack> {
    let original = find_original(annotated, info, opts.original.as_deref())?;
    let book = Rejected::open(&original, registry)?;
    way_back_from(annotated, &book, registry, opts)
}

/// [`way_back`] from an original already read, known to be the annotated workbook's own
/// (see [`assess`]).
pub fn way_back_from(
    annotated: &Path,
    book: &Rejected,
    registry: &Registry,
    opts: &WayBackOptions,
) -> Result<WayBack> {
    let original = &book.path;
    let mut plan = plan(annotated, book, registry)?;
    let output = opts
        .output
        .clone()
        .unwrap_or_else(|| upload_path(annotated, original));
    let (force, backup) = crate::output::make_room(
        &output,
        original,
        &[annotated, original],
        opts.clean.force,
        true,
    )?;
    let clean_opts = CleanOptions {
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
        force,
        ..opts.clean.clone()
    };
    let report = clean::clean(original, &output, registry, &clean_opts)?;
    let found = predicted(&plan, book, &report.output, registry);
    plan.warnings.extend(found);
    let labels = plan
        .changes
        .iter()
        .map(|c| (c.col, book.label(c.col)))
        .collect();
    Ok(WayBack {
        annotated: annotated.to_path_buf(),
        original: original.clone(),
        plan,
        clean: report,
        backup,
        labels,
    })
}

impl WayBack {
    /// What was done, in plain words, cells named as the user sees them.
    pub fn describe(&self) -> String {
        let plan = &self.plan;
        let mut text = format!(
            "Made from the original rejected file {} (unchanged since it was annotated) and your corrections in {}.\n",
            self.original.display(),
            self.annotated.display()
        );
        if plan.notes_column_deleted {
            text.push_str("The Processing Details column was deleted in the annotated workbook: every value was placed by its field code, and the upload file keeps the column, as iCARE needs.\n");
        }
        if plan.matching == RowMatching::Content {
            text.push_str("Some rows had no record key in their notes cell: they were matched to their records by their values.\n");
        }
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
                    plan.cell(c.row, c.col),
                    self.labels.get(&c.col).map_or("", String::as_str),
                    shown(&c.before),
                    shown(&c.after)
                ));
            }
        }
        for row in &plan.dropped_rows {
            text.push_str(&format!(
                "Left out row {} of the rejected file (its record was deleted in the annotated workbook).\n",
                row + 1
            ));
        }
        for warning in &plan.warnings {
            text.push_str(&format!("Check: {warning}\n"));
        }
        if let Some(backup) = &self.backup {
            text.push_str(&format!(
                "The file that was at {} was not written by icare-fix (or was changed since): it was kept as {}.\n",
                self.clean.output.display(),
                backup.display()
            ));
        }
        text.push_str(&clean::describe(&self.clean));
        text.push_str(&format!(
            "The upload file holds {} of the {} records of the rejected file.\n",
            plan.kept(),
            plan.records
        ));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_custom_and_core_properties_with_entities() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="icare-fix source file"><vt:lpwstr>R&amp;D été.xlsx</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="icare-fix source SHA-256"><vt:lpwstr>abc</vt:lpwstr></property></Properties>"#;
        let props = properties(xml);
        assert_eq!(props[PROP_SOURCE_NAME], "R&D été.xlsx");
        assert_eq!(props[PROP_SOURCE_SHA256], "abc");
        let core = r#"<cp:coreProperties xmlns:cp="x" xmlns:dcterms="y"><dc:creator>a</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2026-01-02T00:00:00Z</dcterms:modified></cp:coreProperties>"#;
        let props = properties(core);
        assert_eq!(props["created"], "2026-01-01T00:00:00Z");
        assert_eq!(props["modified"], "2026-01-02T00:00:00Z");
    }
}
