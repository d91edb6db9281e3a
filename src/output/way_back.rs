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
use crate::lang::Bilingual;
use crate::lang::plural;
use crate::output::clean::{self, CellPatch, CleanOptions, CleanReport};
use crate::output::stamp::{
    ADDED_SHEET_NAMES, CONTENT_PENDING, Fingerprint, PROP_CONTENT, PROP_SOURCE_NAME,
    PROP_SOURCE_PATH, PROP_SOURCE_PLACE, PROP_SOURCE_SHA256, PROP_SOURCE_SIZE, PROP_VERSION,
    RowKey, sha256_file,
};
use crate::template::Registry;
use crate::text::shown;
use crate::workbook::{self, Grid, GridRow, Input, Layout, Rejected, cell_name, col_name};

/// What an annotated workbook records about its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotatedInfo {
    /// File name of the rejected workbook it was made from.
    pub source_name: String,
    /// SHA-256 of that file, lower-case hex.
    pub source_sha256: String,
    /// Where that file was when the annotated workbook was made (absolute), as icare-fix 0.1
    /// recorded it in older workbooks.
    pub source_path: Option<PathBuf>,
    /// Where that file was, relative to the annotated workbook's folder (`../NAME.xlsx`).
    pub source_place: Option<String>,
    /// Its size in bytes, if recorded.
    pub source_size: Option<u64>,
    /// icare-fix version that wrote it.
    pub version: String,
    /// A spreadsheet program saved it after icare-fix wrote it (its core properties' modified
    /// time differs from their creation time, which icare-fix writes equal).
    pub saved_since_written: bool,
    /// The document properties were removed (Document Inspector, an online export): it was
    /// recognised by its content, its source is known by its name only (no SHA-256).
    pub stamp_lost: bool,
    /// Every part of the package is as icare-fix wrote it (their fingerprint matches the one it
    /// recorded, [`crate::output::stamp::Fingerprint`]): nothing was edited, by any program.
    pub as_written: bool,
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
        let as_written = props.get(PROP_CONTENT).is_some_and(|recorded| {
            recorded != CONTENT_PENDING && Fingerprint::of_zip(&mut zip).as_ref() == Some(recorded)
        });
        Some(AnnotatedInfo {
            source_name: props.get(PROP_SOURCE_NAME)?.clone(),
            source_sha256: props.get(PROP_SOURCE_SHA256)?.clone(),
            source_path: props.get(PROP_SOURCE_PATH).map(PathBuf::from),
            source_place: props.get(PROP_SOURCE_PLACE).cloned(),
            source_size: props.get(PROP_SOURCE_SIZE).and_then(|s| s.parse().ok()),
            version: props.get(PROP_VERSION).cloned().unwrap_or_default(),
            saved_since_written,
            stamp_lost: false,
            as_written,
        })
    }

    /// [`AnnotatedInfo::read`], or, when its document properties were removed, an annotated
    /// workbook recognised by its content: the sheets icare-fix adds (Errors and Summary, in
    /// any language) beside a sheet with the hidden codes row. Its source is then the name the
    /// workbook's own name points to (`NAME.annotated (1).xlsx` → `NAME.xlsx`).
    pub fn recognise(path: &Path) -> Option<AnnotatedInfo> {
        if let Some(info) = AnnotatedInfo::read(path) {
            return Some(info);
        }
        if !std::fs::metadata(path).ok()?.is_file() {
            return None;
        }
        // The package's own list of sheets: cheap, never the whole workbook in memory.
        let package = crate::package::parts::Package::open(path).ok()?;
        let names: Vec<String> = package.sheets.into_iter().map(|s| s.name).collect();
        let has = |wanted: &[&str]| names.iter().any(|n| wanted.contains(&n.as_str()));
        let ours = has(&ADDED_SHEET_NAMES[0..3]) && has(&ADDED_SHEET_NAMES[3..6]);
        if !ours {
            return None;
        }
        let stem = annotated_stem(path)?;
        Some(AnnotatedInfo {
            source_name: format!("{stem}.xlsx"),
            source_sha256: String::new(),
            source_path: None,
            source_place: None,
            source_size: None,
            version: String::new(),
            saved_since_written: true,
            stamp_lost: true,
            as_written: false,
        })
    }

    /// True when it was made from `original`: the same SHA-256 or, when the stamp was lost,
    /// the same name.
    ///
    /// # Errors
    ///
    /// Fails when `original` cannot be read to compute its SHA-256.
    pub fn is_from(&self, original: &Path) -> Result<bool> {
        if self.stamp_lost {
            return Ok(self.is_from_name(original));
        }
        Ok(sha256_file(original)?.eq_ignore_ascii_case(&self.source_sha256))
    }

    /// [`AnnotatedInfo::is_from`] of a file already read at the door.
    pub fn is_from_input(&self, original: &Input) -> bool {
        if self.stamp_lost {
            return self.is_from_name(original.path());
        }
        original
            .sha256()
            .is_ok_and(|sha| sha.eq_ignore_ascii_case(&self.source_sha256))
    }

    fn is_from_name(&self, original: &Path) -> bool {
        original.file_stem().is_some_and(|s| {
            s.to_string_lossy()
                .eq_ignore_ascii_case(&self.source_stem())
        })
    }

    /// The rejected file's name without its extension: the name of its upload file.
    pub fn source_stem(&self) -> String {
        Path::new(&self.source_name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.source_name.clone())
    }

    /// Refuses an annotated workbook saved under another rejected file's name: a workbook
    /// called `OTHER.annotated.xlsx` (or `OTHER.annotated (1).xlsx`) whose stamp names
    /// `NAME.xlsx`. A name without `.annotated` is the user's own choice and says nothing.
    ///
    /// # Errors
    ///
    /// Fails when the workbook is named after another rejected file than the one it was made
    /// from.
    pub fn check_name(&self, annotated: &Path) -> Result<()> {
        let Some(stem) = annotated_stem(annotated) else {
            return Ok(());
        };
        let source = self.source_stem();
        if stem.eq_ignore_ascii_case(&source) {
            return Ok(());
        }
        Err(Error::AnnotatedOfAnother {
            path: annotated.to_path_buf(),
            made_from: self.source_name.clone(),
            source_stem: source,
            expected: format!("{stem}.xlsx"),
        })
    }
}

/// `NAME` of a workbook called `NAME.annotated.xlsx`, `NAME.annotated (1).xlsx` or
/// `NAME.annotated-2.xlsx`; `None` for any other name.
pub fn annotated_stem(path: &Path) -> Option<String> {
    let name = path.file_stem()?.to_string_lossy().into_owned();
    let at = name.rfind(".annotated")?;
    Some(name[..at].to_string())
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
    /// `same_source` when it was made from this very rejected file.
    Untouched {
        /// Made from this very rejected file (same SHA-256).
        same_source: bool,
    },
    /// The user's corrections of this very rejected file: the way back makes the upload file
    /// from it; it is never replaced.
    Corrected(AnnotatedInfo),
    /// The user's corrections of an earlier copy of the rejected file: kept, never replaced.
    Earlier(AnnotatedInfo),
    /// The user's corrections of another rejected file (its stamp names another file): kept,
    /// never replaced, never used for this one.
    OtherFile(AnnotatedInfo),
}

impl Existing {
    /// True when it holds the user's work: never replaced, with or without `--force`.
    pub fn is_user_work(&self) -> bool {
        matches!(
            self,
            Existing::Corrected(_) | Existing::Earlier(_) | Existing::OtherFile(_)
        )
    }
}

/// What stands at `path`, the annotated workbook's place for `book`. It is the user's work
/// when a spreadsheet program saved it, or its data differs from `book`'s.
///
/// # Errors
///
/// Fails when `book`'s file or the workbook at `path` cannot be read to be compared.
pub fn assess(path: &Path, book: &Rejected, registry: &Registry) -> Result<Existing> {
    if !path.exists() {
        return Ok(Existing::Absent);
    }
    let Some(info) = AnnotatedInfo::recognise(path) else {
        return Ok(Existing::NotOurs);
    };
    let same_source = info.is_from_input(book.input());
    // Unsaved and every part as written: untouched, without reading its cells. Otherwise its
    // data is compared with the source's (a tool may change cells and leave the dates).
    let changed = info.saved_since_written
        || same_source
            && !info.as_written
            && !plan(path, book, registry).is_ok_and(|p| p.is_pristine());
    let same_name = info.source_name.eq_ignore_ascii_case(&book.file_name());
    // Another rejected file's workbook saved under this name is never replaced, saved or
    // not: nothing tells for sure that it holds no corrections of that file.
    Ok(match (changed, same_source, same_name) {
        (_, false, false) => Existing::OtherFile(info),
        (false, same_source, _) => Existing::Untouched { same_source },
        (true, true, _) => Existing::Corrected(info),
        (true, false, true) => Existing::Earlier(info),
    })
}

/// Finds the original of an annotated workbook: `given` when named; otherwise the recorded
/// file name beside the annotated workbook and in the folder above it, the recorded path,
/// and last any workbook of the recorded size in those folders. The SHA-256 must match.
///
/// # Errors
///
/// Fails when `given` is not the original (another SHA-256), or when no file found is:
/// the message says where it looked and what to do.
pub fn find_original(
    annotated: &Path,
    info: &AnnotatedInfo,
    given: Option<&Path>,
) -> Result<PathBuf> {
    // Without its stamp, the workbook's record keys are matched with the file's notes by the
    // plan: a wrong file is refused there.
    let same = |path: &Path| {
        info.stamp_lost
            || sha256_file(path)
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
    if info.stamp_lost {
        let macro_name = format!("{}.xlsm", info.source_stem());
        candidates.extend(folders.iter().map(|f| f.join(&macro_name)));
    }
    candidates.extend(info.source_place.as_ref().map(|p| here.join(p)));
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
    if let Some(size) = info.source_size.filter(|_| !info.stamp_lost) {
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
    if let Some(p) = &info.source_place {
        looked.push(format!("'{}'", here.join(p).display()));
    }
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
    /// Of those, the records whose every value the user emptied, keeping the row: left out
    /// too, never sent as a blank row.
    pub cleared_rows: Vec<u32>,
    /// What was read where, in plain words (the sheet read when several hold the template).
    pub notices: Vec<String>,
    /// Things to check, in plain words, in English and French.
    pub warnings: Vec<Bilingual>,
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

/// A sheet of the annotated workbook that holds the template: its hidden codes row is there.
struct TemplateSheet {
    name: String,
    grid: Grid,
    codes_row: u32,
    /// Cells with a formula but no saved result.
    uncalculated: Vec<(u32, u32)>,
}

/// Every sheet of the annotated workbook that holds the template, in tab order: wherever the
/// user put it (a sheet added in front, a copy made with Move or Copy), found by its codes
/// row, never by its place. The sheets icare-fix adds are not read.
fn template_sheets(annotated: &Path, registry: &Registry) -> Result<Vec<TemplateSheet>> {
    let mut book = workbook::read::open(annotated)?;
    let mut found = Vec::new();
    for sheet in book.sheets() {
        if !sheet.worksheet || ADDED_SHEET_NAMES.contains(&sheet.name.as_str()) {
            continue;
        }
        let (grid, uncalculated) = book.read_grid_and_uncalculated(annotated, &sheet.name)?;
        if let Some(codes_row) = workbook::find_codes_row(&grid, registry) {
            found.push(TemplateSheet {
                name: sheet.name,
                grid,
                codes_row,
                uncalculated,
            });
        }
    }
    Ok(found)
}

/// Refuses a sheet whose rows above the records were moved among them, as a sort of the whole
/// sheet does: a record key above the first data row.
fn refuse_sorted(
    annotated: &Path,
    sheet_name: &str,
    grid: &Grid,
    data_start: u32,
    original: &Rejected,
) -> Result<()> {
    // A sort of the whole sheet moves the title, codes and labels rows among the records.
    let keys_above = grid.rows.iter().filter(|r| r.row < data_start).any(|r| {
        r.cells
            .iter()
            .any(|(_, v)| matches!(v, Data::String(s) if RowKey::parse(s).is_some()))
    });
    if keys_above {
        return Err(refuse(
            annotated,
            format!(
                "in its sheet '{sheet_name}', the rows above the records (the title, the hidden row of field codes and the labels) were moved among the records, as sorting the whole sheet does, so icare-fix cannot tell the records from the headings. Undo the sort (Ctrl+Z) or sort again selecting only the records (from row {} down), save and try again",
                original.data_start + 1
            ),
        ));
    }
    Ok(())
}

/// Refuses cells of the template's columns that hold a formula without a saved result.
fn refuse_uncalculated(
    annotated: &Path,
    uncalculated: &[(u32, u32)],
    data_start: u32,
    to_original: &BTreeMap<u32, u32>,
) -> Result<()> {
    // A formula without a saved result reads as empty: taken as typed, it would erase the
    // original value.
    let unknown: Vec<String> = uncalculated
        .iter()
        .filter(|(row, col)| *row >= data_start && to_original.contains_key(col))
        .map(|(row, col)| cell_name(*row, *col))
        .collect();
    if !unknown.is_empty() {
        return Err(refuse(
            annotated,
            format!(
                "{} a formula whose result was not saved (a program wrote the formula without calculating it), so icare-fix cannot tell its value. Open the workbook in Excel and save it (Excel calculates the formulas), or type the values, and try again",
                match unknown.as_slice() {
                    [one] => format!("cell {one} holds"),
                    many if many.len() <= 5 => format!("cells {} hold", many.join(", ")),
                    many => format!(
                        "cells {} and {} more hold",
                        many[..5].join(", "),
                        many.len() - 5
                    ),
                }
            ),
        ));
    }
    Ok(())
}

/// Maps the columns of a template sheet of the annotated workbook to the original's by the
/// field codes of its own hidden codes row.
fn read_annotated(
    annotated: &Path,
    sheet: TemplateSheet,
    original: &Rejected,
) -> Result<AnnotatedGrid> {
    let TemplateSheet {
        name: sheet_name,
        grid,
        codes_row,
        uncalculated,
    } = sheet;
    let data_start = codes_row + (original.data_start - original.codes_row);
    refuse_sorted(annotated, &sheet_name, &grid, data_start, original)?;
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
    refuse_uncalculated(annotated, &uncalculated, data_start, &to_original)?;
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
///
/// The template is read from the sheet that carries the codes row. When several do (a copy
/// made with Move or Copy), the one the user changed is used; two changed differently are
/// refused, naming both.
///
/// # Errors
///
/// Fails when the workbook cannot be read, when no sheet or two changed sheets carry the
/// codes row, or when a row or a column cannot be matched with the original with certainty;
/// each message says what to undo or do.
pub fn plan(annotated: &Path, original: &Rejected, registry: &Registry) -> Result<Plan> {
    let sheets = template_sheets(annotated, registry)?;
    if sheets.is_empty() {
        return Err(refuse(
            annotated,
            format!(
                "none of its sheets has the hidden row of field codes any more (row {} of the rejected file), so icare-fix cannot tell which column is which. Undo the change that removed it (Ctrl+Z), save and try again",
                original.codes_row + 1
            ),
        ));
    }
    let names: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
    let several = sheets.len() > 1;
    let mut plans: Vec<(String, Result<Plan>)> = sheets
        .into_iter()
        .map(|sheet| {
            let name = sheet.name.clone();
            (name, plan_sheet(annotated, sheet, original))
        })
        .collect();
    if !several {
        return plans.remove(0).1;
    }
    let changed: Vec<usize> = (0..plans.len())
        .filter(|i| plans[*i].1.as_ref().is_ok_and(|p| !p.is_pristine()))
        .collect();
    let chosen = match changed.as_slice() {
        [] => 0,
        [one] => *one,
        [first, rest @ ..] => {
            let same = |i: &usize| {
                let (a, b) = (&plans[*first].1, &plans[*i].1);
                matches!((a, b), (Ok(a), Ok(b)) if a.changes == b.changes && a.dropped_rows == b.dropped_rows)
            };
            if !rest.iter().all(same) {
                let quoted: Vec<String> = changed
                    .iter()
                    .map(|i| format!("'{}'", plans[*i].0))
                    .collect();
                return Err(refuse(
                    annotated,
                    format!(
                        "its sheets {} both hold the template, with different changes, so icare-fix cannot tell which one to upload. Delete the sheet you do not want (right-click its tab > Delete), save and try again",
                        quoted.join(" and ")
                    ),
                ));
            }
            *first
        }
    };
    let (name, mut plan) = {
        let (name, plan) = plans.swap_remove(chosen);
        (name, plan?)
    };
    let others: Vec<String> = names
        .iter()
        .filter(|n| **n != name)
        .map(|n| format!("'{n}'"))
        .collect();
    let how = if changed.len() > 1 {
        "with the same changes"
    } else {
        "with no change"
    };
    plan.notices.push(format!(
        "Read your corrections from the sheet '{name}'; the sheet {} also holds the template, {how}.",
        others.join(", ")
    ));
    Ok(plan)
}

/// [`plan`] from one template sheet.
fn plan_sheet(annotated: &Path, sheet: TemplateSheet, original: &Rejected) -> Result<Plan> {
    let a = read_annotated(annotated, sheet, original)?;
    let (matched, matching, cleared_rows) = match_rows(annotated, &a, original)?;
    let records = original.row_count();
    let dropped_rows: Vec<u32> = original
        .data_rows()
        .map(|r| r.row)
        .filter(|r| !matched.contains_key(r))
        .collect();
    if dropped_rows.len() == records && records > 0 {
        return Err(refuse(
            annotated,
            "icare-fix finds none of the rejected file's records in it. If you deleted them all on purpose, there is nothing to upload. If not (rows cut and pasted into another sheet or workbook, a sort or a filter that moved them), undo it (Ctrl+Z), save and try again: the records must stay in the template's sheet, under its headings".into(),
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
        cleared_rows,
        notices: Vec::new(),
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
) -> Result<(BTreeMap<u32, u32>, RowMatching, Vec<u32>)> {
    let mut by_key: HashMap<RowKey, u32> = HashMap::new();
    for located in &original.notes {
        if let Some(key) = RowKey::of(&located.note) {
            by_key.entry(key).or_insert(located.row);
        }
    }
    let notes_col = original.notes_column.map(|n| n.col);
    let key_of = |row: &GridRow| {
        a.key_col
            .and_then(|c| row.get(c))
            .and_then(|v| RowKey::parse(&workbook::display(v)))
            .and_then(|k| by_key.get(&k).copied())
    };
    // A row holds a record when a template column other than the notes holds a value; a row
    // with only its record key left is a record the user emptied: left out, as deleted.
    let has_data = |row: &GridRow| {
        row.cells.iter().any(|(c, v)| {
            a.to_original
                .get(c)
                .is_some_and(|o| Some(*o) != notes_col && Some(*c) != a.key_col)
                && !workbook::display(v).trim().is_empty()
        })
    };
    let mut cleared = Vec::new();
    let mut annotated_rows: Vec<&GridRow> = Vec::new();
    for row in a.grid.rows.iter().filter(|r| r.row >= a.data_start) {
        if has_data(row) {
            annotated_rows.push(row);
        } else if let Some(o) = key_of(row) {
            cleared.push(o);
        }
    }
    cleared.sort_unstable();
    let mut matched: BTreeMap<u32, u32> = BTreeMap::new();
    let mut pending = Vec::new();
    for row in &annotated_rows {
        let Some(o) = key_of(row) else {
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
        return Ok((matched, RowMatching::Keys, cleared));
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
    cleared.retain(|o| !matched.contains_key(o));
    Ok((matched, RowMatching::Content, cleared))
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
            // Exactly: removing a trailing space (`J2Y0V5 ` → `J2Y0V5`) is a correction.
            if before != after {
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
fn warnings(plan: &Plan, original: &Rejected) -> Vec<Bilingual> {
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
        // Identity problems left as they were are named once, by the verdict.
        if note.cells.is_empty()
            || note.category == crate::note::Category::Identity
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
        let (row, cells) = (plan.row(note.row), cells.join(", "));
        let message_fr = match note.note.message_fr.as_str() {
            "" => &note.note.message_en,
            fr => fr,
        };
        warnings.push(Bilingual::new(
            format!(
                "row {row}: none of the highlighted cells ({cells}) was changed; iCARE may reject this record again ({}).",
                note.note.message_en.trim_end_matches('.')
            ),
            format!(
                "ligne {row} : aucune des cellules surlignées ({cells}) n'a été modifiée ; iCARE pourrait rejeter de nouveau cet enregistrement ({}).",
                message_fr.trim_end_matches('.')
            ),
        ));
    }
    warnings
}

/// What `icare-fix check` finds in the rows the upload file holds, cells named as the user
/// sees them. Cells of a highlighted problem left as it was are already told of.
fn predicted(
    plan: &Plan,
    original: &Rejected,
    upload: &Path,
    registry: &Registry,
) -> Vec<(crate::check::Severity, Bilingual)> {
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
            (!told.contains(&(row, col))).then(|| {
                let cell = plan.cell(row, col);
                let message_fr = match p.message_fr.as_str() {
                    "" => &p.message_en,
                    fr => fr,
                };
                (
                    p.severity,
                    Bilingual::new(
                        format!("{cell}: {}", p.message_en),
                        format!("{cell} : {message_fr}"),
                    ),
                )
            })
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
    /// How far the corrections go, and whether the upload file is ready.
    pub verdict: Verdict,
    /// The labels of the changed columns: the workbook's own, and the template's French one
    /// (the English one where it has none).
    labels: HashMap<u32, (String, String)>,
}

/// The upload file of an annotated workbook: beside it, named after the rejected file it was
/// made from, whatever the workbook is called now (`NAME.annotated (1).xlsx` →
/// `NAME.upload.xlsx`; `.xlsm` when the original is macro-enabled).
pub fn upload_path(annotated: &Path, original: &Path) -> PathBuf {
    crate::output::names::upload_of_annotated(annotated, original)
}

/// The way back: finds the original of the annotated workbook `annotated`, plans the
/// corrections and writes the upload file with them.
///
/// # Errors
///
/// Fails when the workbook is named after another rejected file, when its original cannot
/// be found or read, and as [`way_back_from`] does.
pub fn way_back(
    annotated: &Path,
    info: &AnnotatedInfo,
    registry: &Registry,
    opts: &WayBackOptions,
) -> Result<WayBack> {
    info.check_name(annotated)?;
    let original = find_original(annotated, info, opts.original.as_deref())?;
    let book = Rejected::open(&original, registry)?;
    way_back_from(annotated, &book, registry, opts)
}

/// [`way_back`] from an original already read, known to be the annotated workbook's own
/// (see [`assess`]).
///
/// # Errors
///
/// Fails when the corrections cannot be planned with certainty (see [`plan`]), when the
/// upload file's place holds a file changed since (see [`crate::output::make_room`]), or
/// when the upload file cannot be written (see [`crate::output::clean::clean`]).
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
        book.input(),
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
    let report = clean::clean_input(book.input(), &output, registry, &clean_opts)?;
    let typed = typed_warnings(&plan);
    let found = predicted(&plan, book, &report.output, registry);
    let check_errors = typed.len()
        + found
            .iter()
            .filter(|(severity, _)| *severity == crate::check::Severity::Error)
            .count();
    plan.warnings.extend(typed);
    plan.warnings
        .extend(found.into_iter().map(|(_, text)| text));
    let verdict = Verdict::of(&plan, book, check_errors);
    let template = book
        .template
        .as_deref()
        .and_then(|id| registry.template(id));
    let labels = plan
        .changes
        .iter()
        .map(|c| {
            let en = book.label(c.col);
            let fr = book
                .code(c.col)
                .and_then(|code| template.and_then(|t| t.column(code)))
                .map(|column| column.label_fr.clone())
                .filter(|fr| !fr.is_empty())
                .unwrap_or_else(|| en.clone());
            (c.col, (en, fr))
        })
        .collect();
    Ok(WayBack {
        annotated: annotated.to_path_buf(),
        original: original.clone(),
        plan,
        clean: report,
        backup,
        verdict,
        labels,
    })
}

/// What the user typed that iCARE would receive as it is: a leading apostrophe (Excel's sign
/// for text, kept as a character in a cell formatted as text).
fn typed_warnings(plan: &Plan) -> Vec<Bilingual> {
    plan.changes
        .iter()
        .filter(|c| c.after.starts_with('\'') && !c.before.starts_with('\''))
        .map(|c| {
            let (cell, value) = (plan.cell(c.row, c.col), shown(&c.after));
            Bilingual::new(
                format!(
                    "{cell}: {value} starts with an apostrophe, which iCARE would receive as part of the value. Delete the apostrophe (the cell is already formatted as text)."
                ),
                format!(
                    "{cell} : {value} commence par une apostrophe, qu'iCARE recevrait comme faisant partie de la valeur. Supprimez l'apostrophe (la cellule est déjà au format texte)."
                ),
            )
        })
        .collect()
}

/// How far the corrections of an annotated workbook go, told the same way by every command
/// and by the page: the highlighted problems corrected and left, the records left out, and
/// whether the upload file is ready.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    /// Highlighted problems (iCARE's notes that name cells) in the records the upload file
    /// holds; a note counts once, however many of its cells there are.
    pub problems: usize,
    /// Of those, the ones where the user changed a highlighted cell.
    pub corrected: usize,
    /// Of the others, the problems left as they were that are not about the client's identity.
    pub remaining: usize,
    /// Rows (as the user sees them) of the problems "IRCC could not validate the client" left
    /// as they were: right when the client's identifier and date of birth are correct and the
    /// client is fixed elsewhere, so they do not stop the file being ready.
    pub identity_unchanged: Vec<u32>,
    /// Notes that name no cell: whether they were corrected cannot be told.
    pub unplaced: usize,
    /// Cells changed.
    pub changed_cells: usize,
    /// Records left out.
    pub left_out: usize,
    /// Errors still in the upload file that iCARE would reject (from `check`, and apostrophes
    /// typed in front of a value).
    pub check_errors: usize,
    /// Records in the upload file.
    pub kept: usize,
    /// Records in the rejected file.
    pub records: usize,
}

/// Whether an upload file made from corrections can be uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Readiness {
    /// Every highlighted problem corrected (or its record left out), no error left.
    Ready,
    /// Something was corrected, but problems or errors remain.
    ToFix,
    /// Nothing was changed: the upload file holds the records exactly as rejected.
    Unchanged,
}

impl Verdict {
    fn of(plan: &Plan, original: &Rejected, check_errors: usize) -> Verdict {
        let changed: HashSet<(u32, u32)> = plan.changes.iter().map(|c| (c.row, c.col)).collect();
        let mut seen: HashSet<(u32, Vec<u32>)> = HashSet::new();
        let mut verdict = Verdict {
            problems: 0,
            corrected: 0,
            remaining: 0,
            identity_unchanged: Vec::new(),
            unplaced: 0,
            changed_cells: plan.changes.len(),
            left_out: plan.dropped_rows.len(),
            check_errors,
            kept: plan.kept(),
            records: plan.records,
        };
        for note in original
            .notes
            .iter()
            .filter(|n| plan.row_at.contains_key(&n.row))
        {
            if note.cells.is_empty() {
                verdict.unplaced += 1;
                continue;
            }
            let cols: Vec<u32> = note.cells.iter().map(|c| c.col).collect();
            if !seen.insert((note.row, cols)) {
                continue;
            }
            verdict.problems += 1;
            if note
                .cells
                .iter()
                .any(|c| changed.contains(&(note.row, c.col)))
            {
                verdict.corrected += 1;
            } else if note.category == crate::note::Category::Identity {
                verdict.identity_unchanged.push(plan.row(note.row));
            } else {
                verdict.remaining += 1;
            }
        }
        verdict.identity_unchanged.dedup();
        verdict
    }

    /// Ready, to fix, or unchanged.
    pub fn readiness(&self) -> Readiness {
        if self.changed_cells == 0 && self.left_out == 0 {
            Readiness::Unchanged
        } else if self.remaining == 0 && self.check_errors == 0 {
            Readiness::Ready
        } else {
            Readiness::ToFix
        }
    }

    /// What to do next with the `upload` file made from `workbook`: upload it, correct what
    /// is left, or correct at all.
    pub fn next_step(&self, upload: &Path, workbook: &Path) -> String {
        let (upload, workbook) = (upload.display(), workbook.display());
        match self.readiness() {
            Readiness::Ready => format!(
                "Next: upload \"{upload}\" ({} of the {} records) to iCARE, clients rejected for identity first.",
                self.kept, self.records
            ),
            Readiness::ToFix => format!(
                "Next: correct what is still to fix in \"{workbook}\" (the Check: lines above), save it and give it back the same way. \"{upload}\" holds the corrections made so far: do not upload it yet. A record that cannot be corrected now can be deleted from the annotated workbook: it is then left out of the upload file."
            ),
            Readiness::Unchanged => format!(
                "Next: open \"{workbook}\" in Excel, correct the highlighted cells and save it (Ctrl+S), then give it back. If you saved your corrections under another name (Save As), give that file back instead. Until then \"{upload}\" holds the records exactly as rejected: do not upload it."
            ),
        }
    }

    /// The verdict in plain words, one line each: the problems, the identity rows left as they
    /// were, and whether to upload.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let mut counts = format!(
            "{}: {} corrected",
            plural(self.problems, "highlighted problem", "highlighted problems"),
            self.corrected
        );
        if self.remaining > 0 {
            counts.push_str(&format!(
                ", {} still as iCARE rejected {}",
                self.remaining,
                if self.remaining == 1 { "it" } else { "them" }
            ));
        }
        if !self.identity_unchanged.is_empty() {
            counts.push_str(&format!(
                ", {} about the client's identity left as {} (below)",
                self.identity_unchanged.len(),
                if self.identity_unchanged.len() == 1 {
                    "it was"
                } else {
                    "they were"
                }
            ));
        }
        if self.left_out > 0 {
            counts.push_str(&format!(
                "; {} left out",
                plural(self.left_out, "record", "records")
            ));
        }
        counts.push('.');
        if self.unplaced > 0 {
            counts.push_str(&format!(
                " {} no cell: check {} yourself.",
                plural(self.unplaced, "note names", "notes name"),
                if self.unplaced == 1 { "it" } else { "them" }
            ));
        }
        lines.push(counts);
        if !self.identity_unchanged.is_empty() {
            let rows: Vec<String> = self.identity_unchanged.iter().map(u32::to_string).collect();
            lines.push(format!(
                "{} {}: IRCC could not validate the client, and the identifier and date of birth were left as they were. That is right only when they are correct and the client is fixed elsewhere (the Client Profile, or IRCC's records); otherwise correct them.",
                if rows.len() == 1 { "Row" } else { "Rows" },
                rows.join(", ")
            ));
        }
        lines.push(match self.readiness() {
            Readiness::Ready => format!(
                "Ready to upload: the upload file holds {} of the {} records of the rejected file, with your corrections.",
                self.kept, self.records
            ),
            Readiness::ToFix => {
                let mut why = Vec::new();
                if self.remaining > 0 {
                    why.push(format!(
                        "{} still as iCARE rejected {}",
                        plural(self.remaining, "highlighted problem is", "highlighted problems are"),
                        if self.remaining == 1 { "it" } else { "them" }
                    ));
                }
                if self.check_errors > 0 {
                    why.push(format!(
                        "{} iCARE would reject",
                        plural(self.check_errors, "other value", "other values")
                    ));
                }
                format!(
                    "Not ready to upload: {} (the Check: lines). The upload file holds {} of the {} records, with the corrections made so far.",
                    why.join("; "),
                    self.kept,
                    self.records
                )
            }
            Readiness::Unchanged => format!(
                "Nothing was corrected: no cell was changed and no record left out, so the upload file holds the {} records exactly as rejected. Do not upload it yet.",
                self.records
            ),
        });
        lines
    }
}

impl Verdict {
    /// The verdict's lines in `lang`: [`Verdict::lines`] in English, the same in French, or
    /// both (English first).
    pub fn lines_in(&self, lang: crate::lang::Lang) -> Vec<String> {
        let mut lines = Vec::new();
        if lang.en() {
            lines.extend(self.lines());
        }
        if lang.fr() {
            lines.extend(self.lines_fr());
        }
        lines
    }

    /// [`Verdict::lines`] in French, with the words the rest of icare-fix uses (« modèle »,
    /// « téléverser »).
    fn lines_fr(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let mut counts = format!(
            "{} : {} {}",
            plural(self.problems, "problème surligné", "problèmes surlignés"),
            self.corrected,
            if self.corrected > 1 {
                "corrigés"
            } else {
                "corrigé"
            }
        );
        if self.remaining > 0 {
            counts.push_str(&format!(
                ", {} encore tel{} qu'iCARE {}a rejeté{}",
                self.remaining,
                if self.remaining == 1 { "" } else { "s" },
                if self.remaining == 1 { "l'" } else { "les " },
                if self.remaining == 1 { "" } else { "s" }
            ));
        }
        let identity = self.identity_unchanged.len();
        if identity > 0 {
            counts.push_str(&format!(
                ", {identity} sur l'identité du client laissé{} tel{} quel{} (ci-dessous)",
                if identity == 1 { "" } else { "s" },
                if identity == 1 { "" } else { "s" },
                if identity == 1 { "" } else { "s" }
            ));
        }
        if self.left_out > 0 {
            counts.push_str(&format!(
                " ; {} de côté",
                plural(
                    self.left_out,
                    "enregistrement laissé",
                    "enregistrements laissés"
                )
            ));
        }
        counts.push('.');
        if self.unplaced > 0 {
            counts.push_str(&format!(
                " {} aucune cellule : vérifiez-{} vous-même.",
                plural(self.unplaced, "note ne nomme", "notes ne nomment"),
                if self.unplaced == 1 { "la" } else { "les" }
            ));
        }
        lines.push(counts);
        if identity > 0 {
            let rows: Vec<String> = self.identity_unchanged.iter().map(u32::to_string).collect();
            lines.push(format!(
                "{} {} : IRCC n'a pas pu valider le client, et l'identifiant et la date de naissance ont été laissés tels quels. C'est juste seulement s'ils sont exacts et que le client est corrigé ailleurs (le profil du client, ou les dossiers d'IRCC) ; sinon, corrigez-les.",
                if rows.len() == 1 { "Ligne" } else { "Lignes" },
                rows.join(", ")
            ));
        }
        lines.push(self.readiness_fr());
        lines
    }

    fn readiness_fr(&self) -> String {
        match self.readiness() {
            Readiness::Ready => format!(
                "Prêt à téléverser : le fichier à téléverser contient {} des {} enregistrements du fichier rejeté, avec vos corrections.",
                self.kept, self.records
            ),
            Readiness::ToFix => {
                let mut why = Vec::new();
                if self.remaining > 0 {
                    why.push(if self.remaining == 1 {
                        "1 problème surligné est encore tel qu'iCARE l'a rejeté".to_string()
                    } else {
                        format!(
                            "{} problèmes surlignés sont encore tels qu'iCARE les a rejetés",
                            self.remaining
                        )
                    });
                }
                if self.check_errors > 0 {
                    why.push(format!(
                        "{} qu'iCARE rejetterait",
                        plural(self.check_errors, "autre valeur", "autres valeurs")
                    ));
                }
                format!(
                    "Pas prêt à téléverser : {} (les lignes « À vérifier »). Le fichier à téléverser contient {} des {} enregistrements, avec les corrections faites jusqu'ici.",
                    why.join(" ; "),
                    self.kept,
                    self.records
                )
            }
            Readiness::Unchanged => format!(
                "Rien n'a été corrigé : aucune cellule n'a été modifiée et aucun enregistrement laissé de côté, donc le fichier à téléverser contient les {} enregistrements tels qu'ils ont été rejetés. Ne le téléversez pas encore.",
                self.records
            ),
        }
    }
}

/// A cell changed in the annotated workbook, as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChangeShown {
    /// The cell's name in the rejected file (`E5`).
    pub cell: String,
    /// The field's label (`Telephone Number`), its code when it has none.
    pub label: String,
    /// Its French label (the template's), the English one where there is none.
    pub label_fr: String,
    /// The value in the rejected file.
    pub before: String,
    /// The value written to the upload file.
    pub after: String,
    /// The new value ends with a space (written as typed).
    pub ends_with_space: bool,
}

/// A record of the rejected file left out of the upload file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeftOut {
    /// Its row in the rejected file, as the user sees it (1-based).
    pub row: u32,
    /// Every value of it was deleted (its row kept), rather than its row.
    pub cleared: bool,
}

/// What a way back did, as data for a program (the page) rather than lines for a screen:
/// the verdict and its lines in English and French, each change, the records left out and
/// the things to check. Told in words by [`WayBack::describe`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WayBackSummary {
    /// Ready, to fix, or unchanged.
    pub readiness: Readiness,
    /// The counts.
    pub verdict: Verdict,
    /// [`Verdict::lines`].
    pub lines_en: Vec<String>,
    /// The same in French.
    pub lines_fr: Vec<String>,
    /// Each cell changed.
    pub changes: Vec<ChangeShown>,
    /// The records left out.
    pub left_out: Vec<LeftOut>,
    /// What to check (the `Check:` lines, without `Check: `); the French verdict calls them
    /// the « À vérifier » lines.
    pub warnings: Vec<String>,
    /// The same in French.
    pub warnings_fr: Vec<String>,
}

impl WayBack {
    /// What to do next, by the verdict: upload, correct what is left, or correct at all.
    pub fn next_step(&self) -> String {
        self.verdict.next_step(&self.clean.output, &self.annotated)
    }

    /// What was done, as data: see [`WayBackSummary`].
    pub fn summary(&self) -> WayBackSummary {
        let plan = &self.plan;
        WayBackSummary {
            readiness: self.verdict.readiness(),
            verdict: self.verdict.clone(),
            lines_en: self.verdict.lines_in(crate::lang::Lang::En),
            lines_fr: self.verdict.lines_in(crate::lang::Lang::Fr),
            changes: plan
                .changes
                .iter()
                .map(|c| ChangeShown {
                    cell: plan.cell(c.row, c.col),
                    label: self
                        .labels
                        .get(&c.col)
                        .map(|l| l.0.clone())
                        .unwrap_or_default(),
                    label_fr: self
                        .labels
                        .get(&c.col)
                        .map(|l| l.1.clone())
                        .unwrap_or_default(),
                    before: c.before.clone(),
                    after: c.after.clone(),
                    ends_with_space: c.after.ends_with(char::is_whitespace)
                        && !c.after.trim().is_empty(),
                })
                .collect(),
            left_out: plan
                .dropped_rows
                .iter()
                .map(|&row| LeftOut {
                    row: row + 1,
                    cleared: plan.cleared_rows.contains(&row),
                })
                .collect(),
            warnings: plan.warnings.iter().map(|w| w.en.clone()).collect(),
            warnings_fr: plan.warnings.iter().map(|w| w.fr.clone()).collect(),
        }
    }

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
        for notice in &plan.notices {
            text.push_str(notice);
            text.push('\n');
        }
        if plan.changes.is_empty() {
            text.push_str("No cell was changed in the annotated workbook.\n");
        } else {
            text.push_str(&format!(
                "Changed {} as in the annotated workbook:\n",
                plural(plan.changes.len(), "cell", "cells")
            ));
            for c in &plan.changes {
                let space = if c.after.ends_with(char::is_whitespace) && !c.after.trim().is_empty()
                {
                    " (ends with a space)"
                } else {
                    ""
                };
                text.push_str(&format!(
                    "  {} ({}): {} -> {}{space}\n",
                    plan.cell(c.row, c.col),
                    self.labels.get(&c.col).map_or("", |l| l.0.as_str()),
                    shown(&c.before),
                    shown(&c.after)
                ));
            }
        }
        for row in &plan.dropped_rows {
            let how = if plan.cleared_rows.contains(row) {
                "every value of its record was deleted in the annotated workbook"
            } else {
                "its record was deleted in the annotated workbook"
            };
            text.push_str(&format!(
                "Left out row {} of the rejected file ({how}).\n",
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
        for line in self.verdict.lines() {
            text.push_str(&line);
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict() -> Verdict {
        Verdict {
            problems: 4,
            corrected: 2,
            remaining: 0,
            identity_unchanged: vec![7, 9],
            unplaced: 0,
            changed_cells: 3,
            left_out: 0,
            check_errors: 0,
            kept: 10,
            records: 10,
        }
    }

    #[test]
    fn the_verdict_is_ready_only_when_nothing_is_left_and_never_for_no_change() {
        // Identity problems left as they were do not stop it (the client may be fixed
        // elsewhere), but they are named.
        let ready = verdict();
        assert_eq!(ready.readiness(), Readiness::Ready);
        let lines = ready.lines().join("\n");
        assert!(
            lines.contains("Rows 7, 9: IRCC could not validate"),
            "{lines}"
        );
        assert!(lines.contains("Ready to upload"), "{lines}");
        let to_fix = Verdict {
            remaining: 1,
            ..verdict()
        };
        assert_eq!(to_fix.readiness(), Readiness::ToFix);
        assert!(
            to_fix
                .lines()
                .join(" ")
                .contains("Not ready to upload: 1 highlighted problem is still")
        );
        let errors = Verdict {
            check_errors: 2,
            ..verdict()
        };
        assert_eq!(errors.readiness(), Readiness::ToFix);
        let nothing = Verdict {
            changed_cells: 0,
            corrected: 0,
            ..verdict()
        };
        assert_eq!(nothing.readiness(), Readiness::Unchanged);
        assert!(nothing.lines().join(" ").contains("Do not upload it yet"));
        let left_out = Verdict {
            changed_cells: 0,
            left_out: 1,
            ..verdict()
        };
        assert_eq!(left_out.readiness(), Readiness::Ready);
    }

    #[test]
    fn the_verdict_in_french_says_the_same() {
        use crate::lang::Lang;
        let ready = verdict();
        assert_eq!(
            ready.lines_in(Lang::Fr),
            [
                "4 problèmes surlignés : 2 corrigés, 2 sur l'identité du client laissés tels quels (ci-dessous).",
                "Lignes 7, 9 : IRCC n'a pas pu valider le client, et l'identifiant et la date de naissance ont été laissés tels quels. C'est juste seulement s'ils sont exacts et que le client est corrigé ailleurs (le profil du client, ou les dossiers d'IRCC) ; sinon, corrigez-les.",
                "Prêt à téléverser : le fichier à téléverser contient 10 des 10 enregistrements du fichier rejeté, avec vos corrections.",
            ]
        );
        assert_eq!(ready.lines_in(Lang::En), ready.lines());
        assert_eq!(
            ready.lines_in(Lang::Both),
            [ready.lines(), ready.lines_in(Lang::Fr)].concat()
        );
        let to_fix = Verdict {
            remaining: 1,
            check_errors: 2,
            left_out: 1,
            identity_unchanged: vec![],
            ..verdict()
        };
        let lines = to_fix.lines_in(Lang::Fr);
        assert_eq!(
            lines[0],
            "4 problèmes surlignés : 2 corrigés, 1 encore tel qu'iCARE l'a rejeté ; 1 enregistrement laissé de côté."
        );
        assert!(
            lines[1].starts_with("Pas prêt à téléverser : 1 problème surligné est encore tel qu'iCARE l'a rejeté ; 2 autres valeurs qu'iCARE rejetterait"),
            "{lines:?}"
        );
        let nothing = Verdict {
            changed_cells: 0,
            corrected: 0,
            ..verdict()
        };
        let lines = nothing.lines_in(Lang::Fr).join(" ");
        assert!(lines.contains("Rien n'a été corrigé"), "{lines}");
        assert!(lines.contains("Ne le téléversez pas encore"), "{lines}");
        assert!(!lines.contains("gabarit"), "{lines}");
    }

    #[test]
    fn a_workbook_named_after_another_rejected_file_is_refused() {
        let info = AnnotatedInfo {
            source_name: "avril.xlsx".into(),
            source_sha256: String::new(),
            source_path: None,
            source_place: None,
            source_size: None,
            version: String::new(),
            saved_since_written: true,
            stamp_lost: false,
            as_written: false,
        };
        assert!(
            info.check_name(Path::new("f/avril.annotated (1).xlsx"))
                .is_ok()
        );
        assert!(info.check_name(Path::new("f/my corrections.xlsx")).is_ok());
        let refused = info
            .check_name(Path::new("f/mars.annotated.xlsx"))
            .unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("annotated workbook of 'avril.xlsx', not of 'mars.xlsx'")
        );
        assert_eq!(
            annotated_stem(Path::new("a.b.annotated-2.xlsx")).as_deref(),
            Some("a.b")
        );
    }

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
