//! `clean`: the upload-ready workbook. The rejected file with its error notes gone and
//! everything else exactly as iCARE sent it, so it can be uploaded again after the
//! corrections without iCARE rejecting a changed template.
//!
//! The package is rewritten, not rebuilt: every zip entry other than the data sheet and the
//! shared strings is copied byte for byte without recompression, in its original order; the
//! data sheet is streamed cell by cell (`sheet`); the shared strings used only by notes are
//! emptied in place ([`crate::package::sst`]). Two layouts:
//!
//! - **native** (the notes stand in the template's own Processing Details column): the notes
//!   of the data rows are emptied; the column, its header, style and width stay. Removing it
//!   would shift every field against the codes row and iCARE would reject every record.
//! - **inserted** (an extra column in front of the template): the column is removed and
//!   every reference moves left by one (`shift`, with [`crate::package::refs`]).
//!
//! Repairs of Excel damage (`repair`) are made and listed; the written file is read back
//! with calamine and compared cell by cell with the input (`check`) before it is given its
//! name.
//!
//! The work is one streamed pass over the data sheet (the tokenizer of [`crate::package`] takes most cells
//! whole, in one scan each), with the compression on a second thread;
//! the same pass builds the input's digest for the check, and calamine reads the output back
//! once it is written. Memory stays flat with the number of rows (about 45 MB at 50,000 rows
//! of 95 columns); `cargo bench --bench clean` measures it, beside an openpyxl script.
//!
//! The same machinery writes the upload file of the annotated workbook's way back:
//! [`CleanOptions::patches`] puts text into cells and [`CleanOptions::drop_rows`] leaves rows
//! out.
//!
//! ```no_run
//! use icare_fix::Registry;
//! use icare_fix::output::clean::{CleanOptions, clean};
//! let registry = Registry::builtin();
//! let input = std::path::Path::new("REJECTED.xlsx");
//! let output = icare_fix::output::sibling_path(input, "upload.xlsx");
//! let report = clean(input, &output, &registry, &CleanOptions::default()).unwrap();
//! println!("{} notes removed", report.notes_removed);
//! ```

mod plan;
mod scan;
mod self_check;
mod sheet;
mod shift;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

pub use crate::repair::RepairKind;

use crate::error::{Error, Result};
use crate::output::OutputFile;
use crate::package::address::{MAX_COL, cell_name};
use crate::package::cells::FormulaMove;
use crate::package::input::Input;
use crate::package::parts::{self, Package, rel};
use crate::package::refs::{self, ColumnRemoval};
use crate::package::sst::{self, SharedStrings};
use crate::package::xml::{self, Document, XmlProblem};
use crate::repair::{ColumnRepair, ListIndex};
use crate::template::Registry;
use crate::workbook::lists::{self, ColumnLists};
use crate::workbook::{Layout, NotesColumn};
use shift::Shift;

/// Compression level of the rewritten parts (Excel itself uses about this).
const COMPRESSION_LEVEL: i64 = 3;

/// What to do with the notes column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NotesMode {
    /// Decide from the codes row: empty a native column, remove an inserted one.
    #[default]
    Auto,
    /// Empty the notes and keep the column.
    Clear,
    /// Remove the column and move everything right of it.
    Remove,
}

/// New text for one cell, in the original workbook's coordinates (0-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellPatch {
    /// Row, 0-based.
    pub row: u32,
    /// Column, 0-based.
    pub col: u32,
    /// The text; empty empties the cell.
    pub text: String,
}

/// How to clean.
#[derive(Debug, Clone)]
pub struct CleanOptions {
    /// Empty or remove the notes column.
    pub notes: NotesMode,
    /// Repair Excel damage (on by default).
    pub repair: bool,
    /// Replace an existing output.
    pub force: bool,
    /// Go on when the workbook holds no notes (an original upload file).
    pub allow_not_rejected: bool,
    /// Text to put in cells (data rows only).
    pub patches: Vec<CellPatch>,
    /// Data rows to leave out, 0-based; the rows below move up.
    pub drop_rows: Vec<u32>,
}

impl Default for CleanOptions {
    fn default() -> Self {
        CleanOptions {
            notes: NotesMode::Auto,
            repair: true,
            force: false,
            allow_not_rejected: false,
            patches: Vec::new(),
            drop_rows: Vec::new(),
        }
    }
}

/// One repair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repair {
    /// The cell in the output (`D5`).
    pub cell: String,
    /// The column's field code.
    pub code: Option<String>,
    /// The value as it was stored.
    pub before: String,
    /// The text written.
    pub after: String,
    /// Which repair.
    pub kind: RepairKind,
}

impl std::fmt::Display for Repair {
    /// `E4: 24255 -> 1966-05-28 (date stored as a number)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::text::shown;
        write!(
            f,
            "{}: {} -> {} ({})",
            self.cell,
            shown(&self.before),
            shown(&self.after),
            self.kind.describe()
        )
    }
}

/// One patched cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Patched {
    /// Row in the original, 0-based.
    pub row: u32,
    /// Column in the original, 0-based.
    pub col: u32,
    /// The cell in the output.
    pub cell: String,
    /// The text written.
    pub text: String,
}

/// What `clean` did.
#[derive(Debug, Clone, Serialize)]
pub struct CleanReport {
    /// The file written.
    pub output: PathBuf,
    /// The data sheet.
    pub sheet: String,
    /// The template, when recognised.
    pub template: Option<String>,
    /// What was done to the notes column: emptied (`native`) or removed (`inserted`).
    pub layout: Layout,
    /// The layout the codes row shows, when a notes column was found.
    pub detected: Option<Layout>,
    /// The notes column (0-based, in the input), when there is one.
    pub notes_column: Option<u32>,
    /// Notes removed (a cell can hold several).
    pub notes_removed: usize,
    /// Cells that held notes.
    pub note_cells: usize,
    /// Cells of the notes column holding other text, emptied as well.
    pub other_cleared: Vec<String>,
    /// Shared strings emptied because only notes used them.
    pub strings_emptied: usize,
    /// Repairs, in sheet order.
    pub repairs: Vec<Repair>,
    /// Patched cells.
    pub patched: Vec<Patched>,
    /// Patches not applied: in the notes column or in a row left out.
    pub ignored_patches: Vec<CellPatch>,
    /// Rows left out (0-based, original rows).
    pub dropped_rows: Vec<u32>,
    /// Parts of the package rewritten (all others are byte-for-byte copies).
    pub rewritten_parts: Vec<String>,
    /// The self-check had to compare the sheets cell by cell: the tool read some input cell
    /// otherwise than calamine does (which costs time, not safety). For tests and
    /// benchmarks.
    #[serde(skip)]
    pub checked_cell_by_cell: bool,
}

impl CleanReport {
    /// The notes column's letter in the input.
    pub fn notes_column_name(&self) -> Option<String> {
        self.notes_column.map(crate::workbook::col_name)
    }
}

/// What `clean` did, in plain words.
pub fn describe(report: &CleanReport) -> String {
    use crate::lang::plural;
    let mut text = String::new();
    let column = report.notes_column_name().unwrap_or_default();
    let notes = plural(report.notes_removed, "note", "notes");
    match (report.notes_column, report.layout, report.detected) {
        (None, _, _) => text.push_str("No notes column found: nothing removed.\n"),
        (Some(_), Layout::Native, Some(Layout::Native)) => text.push_str(&format!(
            "Removed {notes} from column {column} (kept the column: it is the template's own Processing Details column).\n"
        )),
        (Some(_), Layout::Native, _) => text.push_str(&format!(
            "Removed {notes} from column {column} (kept the column, as --notes-column clear asks).\n"
        )),
        (Some(_), Layout::Inserted, Some(Layout::Inserted)) => text.push_str(&format!(
            "Removed column {column} with {notes} (it is not part of the template); the columns after it moved one to the left.\n"
        )),
        (Some(_), Layout::Inserted, _) => text.push_str(&format!(
            "Removed column {column} with {notes}, as --notes-column remove asks; the columns after it moved one to the left. Warning: the codes row names this column, so iCARE may reject every record of this file.\n"
        )),
    }
    if !report.other_cleared.is_empty() {
        text.push_str(&format!(
            "Also emptied {} of column {column} that held other text: {}.\n",
            plural(report.other_cleared.len(), "cell", "cells"),
            report.other_cleared.join(", ")
        ));
    }
    if report.repairs.is_empty() {
        text.push_str("No Excel damage to repair.\n");
    } else {
        text.push_str(&format!(
            "Repaired {} damaged by Excel:\n",
            plural(report.repairs.len(), "cell", "cells")
        ));
        for r in &report.repairs {
            text.push_str(&format!("  {r}\n"));
        }
    }
    text.push_str(&format!(
        "Wrote {} (checked: every other cell reads back as in the original).\n",
        report.output.display()
    ));
    text
}

/// The input made the reader give up (a panic caught in calamine): it is damaged.
fn unreadable(input: &Path) -> Error {
    Error::Damaged {
        path: input.to_path_buf(),
        detail: "part of it cannot be read".into(),
    }
}

/// Writes the upload-ready copy of `input` to `output`.
///
/// # Errors
///
/// Fails when `input` is not an `.xlsx` or `.xlsm` iCARE workbook it can rewrite (an old
/// `.xls`, an OpenDocument file, a damaged or encrypted file, no codes row), when `output`
/// cannot be written (it exists without `force`, it is the input, or its folder refuses it),
/// or when the self-check finds the written file differs from the input otherwise than
/// planned: then nothing is left under `output`.
pub fn clean(
    input: &Path,
    output: &Path,
    registry: &Registry,
    opts: &CleanOptions,
) -> Result<CleanReport> {
    crate::output::check_target(output, &[input], opts.force)?;
    clean_input(&Input::open(input)?, output, registry, opts)
}

/// [`clean`] of a file already read at the door.
///
/// # Errors
///
/// As [`clean`].
pub fn clean_input(
    file: &Input,
    output: &Path,
    registry: &Registry,
    opts: &CleanOptions,
) -> Result<CleanReport> {
    let input = file.path();
    crate::output::check_target(output, &[input], opts.force)?;
    // Told what it is first: only an Office Open XML workbook is rewritten.
    match crate::workbook::read::sniff_input(file)? {
        crate::workbook::Format::Xlsx => {}
        crate::workbook::Format::Xls => {
            return Err(Error::OldExcelFormat {
                path: input.to_path_buf(),
            });
        }
        crate::workbook::Format::Ods => {
            return Err(Error::OpenDocument {
                path: input.to_path_buf(),
            });
        }
    }
    let mut pkg = Package::open_input(file)?;
    let prepared = prepare(input, &mut pkg, registry, opts)?;
    let edits = Edits::of(&prepared, registry, opts, pkg.date1904);
    let mut pass = rewrite_data_sheet(input, &mut pkg, &prepared, &edits, opts)?;
    refuse_stray_notes(input, &pass)?;
    let written = write_and_verify(file, output, &mut pkg, &prepared, &mut pass, opts)?;
    Ok(report(&prepared, &edits, pass, written))
}

/// What `clean` knows before the data sheet is rewritten (phase 1, [`prepare`]).
struct Prepared {
    sst: SharedStrings,
    strings: self_check::StringHashes,
    data_sheet: parts::SheetEntry,
    data_part: String,
    header: scan::Header,
    top: scan::TopRows,
    template: Option<String>,
    /// What each column may hold, indexed for repairs (empty when repairs are off).
    lists: Vec<Option<ListIndex>>,
    drop_rows: BTreeSet<u32>,
}

/// The changes every pass makes: the repair rule of each column, and the patches as they will
/// be written (a value put into a cell gets the same repairs as every other cell).
struct Edits<'p> {
    /// Repair rule per column (empty when repairs are off).
    rules: Vec<ColumnRepair<'p>>,
    /// The patches, repaired.
    patch_texts: Vec<CellPatch>,
    /// Repairs made to patches: kind and the text as given.
    patch_repairs: HashMap<(u32, u32), (RepairKind, String)>,
}

impl<'p> Edits<'p> {
    fn of(prep: &'p Prepared, registry: &'p Registry, opts: &CleanOptions, date1904: bool) -> Self {
        let rules: Vec<ColumnRepair> = if opts.repair {
            prep.header
                .codes
                .iter()
                .zip(&prep.lists)
                .map(|(code, list)| match code {
                    Some(code) => ColumnRepair::for_column(
                        registry,
                        prep.template.as_deref(),
                        code,
                        list.as_ref(),
                    ),
                    None => ColumnRepair::None,
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut patch_repairs = HashMap::new();
        let patch_texts = opts
            .patches
            .iter()
            .map(|p| {
                let fix = rules
                    .get(p.col as usize)
                    .and_then(|rule| rule.patch(&p.text, date1904));
                match fix {
                    Some((kind, after)) => {
                        patch_repairs.insert((p.row, p.col), (kind, p.text.clone()));
                        CellPatch {
                            text: after,
                            ..p.clone()
                        }
                    }
                    None => p.clone(),
                }
            })
            .collect();
        Edits {
            rules,
            patch_texts,
            patch_repairs,
        }
    }
}

/// Phase 1: the shared strings, the data sheet and its header, the template, what each column
/// may hold (the workbook's own LOV sheet first) and the patches as they will be written.
fn prepare(
    input: &Path,
    pkg: &mut Package,
    registry: &Registry,
    opts: &CleanOptions,
) -> Result<Prepared> {
    // The notes, most of the part in a rejected file, are held as their counts, not their
    // text (what the rewrite needs of them), and their hashes for the self-check.
    let mut note_hashes = HashMap::new();
    let sst = match pkg.shared_strings.clone() {
        Some(part) => {
            let source = pkg.stream(&part)?;
            SharedStrings::read_marking(source, sheet::note_mark, |i, text| {
                note_hashes.insert(i, self_check::StringHashes::of(text));
            })
            .map_err(|e| pkg.xml_error(&part, e))?
        }
        None => SharedStrings::default(),
    };
    let (sheet_index, header, top) = find_data_sheet(pkg, &sst, registry)?;
    // Only once the file is known to be a template: a large export is refused first.
    let strings = self_check::StringHashes::new(&sst, &note_hashes);
    drop(note_hashes);
    let data_sheet = pkg.sheets[sheet_index].clone();
    let data_part = data_sheet.part.clone().expect("a worksheet with a part");
    let template = registry
        .detect(header.codes.iter().flatten().map(String::as_str))
        .map(|t| t.id.clone());
    let lists = if opts.repair {
        column_lists(pkg, &sst, &header, registry)?
    } else {
        Vec::new()
    };
    let drop_rows: BTreeSet<u32> = opts.drop_rows.iter().copied().collect();
    refuse_header_changes(input, &header, &drop_rows, &opts.patches)?;
    Ok(Prepared {
        sst,
        strings,
        data_sheet,
        data_part,
        header,
        top,
        template,
        lists,
        drop_rows,
    })
}

/// What each column may hold, indexed for repairs: the workbook's own LOV sheet first, then
/// the templates.
fn column_lists(
    pkg: &mut Package,
    sst: &SharedStrings,
    header: &scan::Header,
    registry: &Registry,
) -> Result<Vec<Option<ListIndex>>> {
    let lov = match pkg
        .sheets
        .iter()
        .find(|s| s.worksheet && s.name.eq_ignore_ascii_case(lists::LOV_SHEET))
        .and_then(|s| s.part.clone())
    {
        Some(part) => {
            let source = pkg.stream(&part)?;
            Some(scan::grid(source, sst).map_err(|e| pkg.xml_error(&part, e))?)
        }
        None => None,
    };
    let column_lists = ColumnLists::build(&header.codes, lov.as_ref(), registry);
    Ok((0..header.codes.len() as u32)
        .map(|col| column_lists.values(col).map(ListIndex::new))
        .collect())
}

/// Rows above the data and cells outside the data rows are the template's: never changed.
fn refuse_header_changes(
    input: &Path,
    header: &scan::Header,
    drop_rows: &BTreeSet<u32>,
    patches: &[CellPatch],
) -> Result<()> {
    if let Some(row) = drop_rows.iter().find(|r| **r < header.data_start) {
        return Err(Error::Unsupported {
            path: input.to_path_buf(),
            detail: format!(
                "row {} is a header row of the template and cannot be left out",
                row + 1
            ),
        });
    }
    if let Some(p) = patches
        .iter()
        .find(|p| p.row < header.data_start || p.col > MAX_COL)
    {
        return Err(Error::Unsupported {
            path: input.to_path_buf(),
            detail: format!(
                "cell {} is not in a data row; only data rows can be changed",
                cell_name(p.row, p.col.min(MAX_COL))
            ),
        });
    }
    Ok(())
}

/// What the pass over the data sheet did (phase 2, [`rewrite_data_sheet`]).
struct Pass<'p> {
    action: Option<NotesColumn>,
    detected: Option<NotesColumn>,
    plan: plan::DataPlan<'p>,
    outcome: sheet::SheetRewrite,
    /// The rewritten data sheet, until the package is written.
    sheet_file: Option<std::fs::File>,
    ignored_patches: Vec<CellPatch>,
    digest: self_check::InputDigest,
}

/// Phase 2: one pass over the data sheet, with the notes column the top rows suggest; the
/// pass counts every note, and in the rare file whose top rows mislead, a second pass uses
/// the column the counts show.
fn rewrite_data_sheet<'p>(
    input: &Path,
    pkg: &mut Package,
    prep: &'p Prepared,
    edits: &'p Edits<'p>,
    opts: &CleanOptions,
) -> Result<Pass<'p>> {
    let header = &prep.header;
    let mut assumed = scan::notes_column(
        &scan::Scan::of_top_rows(&prep.top, header.data_start),
        header,
    );
    loop {
        let action = notes_action(opts.notes, assumed);
        let notes_col = action.map(|n| n.col);
        let mut patches: BTreeMap<(u32, u32), &str> = BTreeMap::new();
        let mut ignored = Vec::new();
        for p in &edits.patch_texts {
            if Some(p.col) == notes_col || prep.drop_rows.contains(&p.row) {
                ignored.push(p.clone());
            } else {
                patches.insert((p.row, p.col), p.text.as_str());
            }
        }
        // A merged area starting in a removed column keeps its value (the title).
        let lifted = match removal_of(action) {
            Some(removal) => {
                let source = pkg.stream(&prep.data_part)?;
                let merges = scan::merges(source).map_err(|e| pkg.xml_error(&prep.data_part, e))?;
                refs::lifted_rows(merges.iter().map(String::as_str), removal)
            }
            None => BTreeSet::new(),
        };
        let plan = plan::DataPlan {
            clear_col: action.filter(|n| n.layout == Layout::Native).map(|n| n.col),
            data_start: header.data_start,
            rules: edits.rules.clone(),
            date1904: pkg.date1904,
            patches,
            drop_rows: prep.drop_rows.clone(),
            lifted,
            text_style: scan::text_styles(&prep.top, header.data_start),
            sst: &prep.sst,
        };
        let sheet_name = &prep.data_sheet.name;
        let shift = removal_of(action).map(|removal| Shift {
            sheet: sheet_name,
            removal,
        });
        // The input's digest for the self-check is built as the rewrite reads the cells.
        let mapping = plan::Mapping::of(sheet_name, removal_of(action), &plan);
        let model = self_check::InputModel::new(mapping, &prep.strings);
        let (file, mut outcome) = write_data_sheet(pkg, &prep.data_part, shift, &plan, model)?;
        let digest = outcome.digest.take().unwrap_or_default();
        if digest.too_much_text {
            return Err(Error::TooLarge {
                path: input.to_path_buf(),
                detail: format!(
                    "the cells of sheet '{sheet_name}' hold more than {} MB of text",
                    crate::workbook::read::MAX_SHEET_TEXT_BYTES / (1024 * 1024)
                ),
            });
        }
        let detected = scan::notes_column(&outcome.scan, header);
        if detected == assumed {
            if outcome.scan.note_cells.is_empty() && !opts.allow_not_rejected {
                return Err(Error::NotRejected {
                    path: input.to_path_buf(),
                });
            }
            return Ok(Pass {
                action,
                detected,
                plan,
                outcome,
                sheet_file: Some(file),
                ignored_patches: ignored,
                digest,
            });
        }
        assumed = detected;
    }
}

/// Phase 3: note text outside the notes column would be uploaded as data: the user must look
/// at it.
fn refuse_stray_notes(input: &Path, pass: &Pass) -> Result<()> {
    let notes_col = pass.action.map(|n| n.col);
    match pass
        .outcome
        .scan
        .first_note
        .iter()
        .find(|(col, _)| Some(**col) != notes_col)
    {
        Some((col, row)) => Err(Error::Unsupported {
            path: input.to_path_buf(),
            detail: format!(
                "cell {} holds an iCARE error note outside the notes column{}. Delete it in Excel (or move it to the notes column), save and try again.",
                cell_name(*row, *col),
                notes_col.map_or(String::new(), |c| format!(
                    " ({})",
                    crate::workbook::col_name(c)
                ))
            ),
        }),
        None => Ok(()),
    }
}

/// What phase 4 ([`write_and_verify`]) wrote.
struct Written {
    output: PathBuf,
    rewritten_parts: Vec<String>,
    strings_emptied: usize,
    checked: self_check::Checked,
}

/// Phase 4: the package written to a temporary file, read back with calamine and compared
/// with the input, and only then given its name.
fn write_and_verify(
    file: &Input,
    output: &Path,
    pkg: &mut Package,
    prep: &Prepared,
    pass: &mut Pass,
    opts: &CleanOptions,
) -> Result<Written> {
    let removal = removal_of(pass.action);
    let emptied = note_only_strings(
        pkg,
        &prep.data_part,
        &pass.outcome.scan,
        pass.action.map(|n| (n.col, removal.is_some())),
        prep.header.data_start,
        &prep.drop_rows,
    )?;
    let sheet_name = &prep.data_sheet.name;
    let shift = removal.map(|removal| Shift {
        sheet: sheet_name,
        removal,
    });
    let jobs = plan_jobs(
        pkg,
        &prep.data_part,
        shift,
        &emptied,
        !prep.drop_rows.is_empty(),
    )?;
    let input = file.path();
    let mut out = OutputFile::create(output, &[input], opts.force)?;
    let parts = Rewrites {
        jobs: &jobs,
        shift,
        plan: &pass.plan,
        emptied: &emptied,
        sheet_id: prep.data_sheet.sheet_id,
    };
    let sheet_file = pass
        .sheet_file
        .take()
        .expect("the data sheet is written once");
    write_package(pkg, &mut out, parts, sheet_file)?;
    let repairs: HashMap<(u32, u32), String> = pass
        .outcome
        .repairs
        .iter()
        .map(|r| (r.at, r.after.clone()))
        .collect();
    let others: Vec<String> = pkg
        .sheets
        .iter()
        .filter(|s| {
            s.part
                .as_ref()
                .is_some_and(|p| *p != prep.data_part && jobs.contains_key(p))
        })
        .map(|s| s.name.clone())
        .collect();
    let mapping = plan::Mapping::of(sheet_name, removal, &pass.plan);
    let checked = crate::workbook::read::quietly(|| {
        self_check::verify(
            file,
            out.temp_path(),
            &mapping,
            &pass.digest,
            &repairs,
            &others,
        )
    })
    .ok_or_else(|| unreadable(input))?
    .map_err(|mismatch| Error::SelfCheck { detail: mismatch.0 })?;
    let output = out.commit()?;
    let mut rewritten_parts: Vec<String> = jobs.keys().cloned().collect();
    rewritten_parts.sort_by_key(|p| pkg.entry_index(p));
    Ok(Written {
        output,
        rewritten_parts,
        strings_emptied: emptied.len(),
        checked,
    })
}

/// Phase 5: what was done, for the user.
fn report(prep: &Prepared, edits: &Edits, pass: Pass, written: Written) -> CleanReport {
    let code_of = |col: u32| prep.header.codes.get(col as usize).cloned().flatten();
    let outcome = &pass.outcome;
    let plan = &pass.plan;
    let repairs = outcome
        .repairs
        .iter()
        .map(|r| Repair {
            cell: r.cell.clone(),
            code: code_of(r.at.1),
            before: r.before.clone(),
            after: r.after.clone(),
            kind: r.kind,
        })
        .chain(outcome.patched.iter().filter_map(|(at, cell)| {
            let (kind, before) = edits.patch_repairs.get(at)?;
            Some(Repair {
                cell: cell.clone(),
                code: code_of(at.1),
                before: before.clone(),
                after: plan.patches[at].to_string(),
                kind: *kind,
            })
        }))
        .collect();
    let patched = outcome
        .patched
        .iter()
        .map(|((row, col), cell)| Patched {
            row: *row,
            col: *col,
            cell: cell.clone(),
            text: plan.patches[&(*row, *col)].to_string(),
        })
        .collect();
    CleanReport {
        output: written.output,
        sheet: prep.data_sheet.name.clone(),
        template: prep.template.clone(),
        layout: pass.action.map_or(Layout::Native, |a| a.layout),
        detected: pass.detected.map(|d| d.layout),
        notes_column: pass.action.map(|n| n.col),
        notes_removed: outcome.notes,
        note_cells: outcome.note_cells,
        other_cleared: outcome.other_cleared.clone(),
        strings_emptied: written.strings_emptied,
        repairs,
        patched,
        ignored_patches: pass.ignored_patches,
        dropped_rows: outcome.dropped.clone(),
        rewritten_parts: written.rewritten_parts,
        checked_cell_by_cell: written.checked == self_check::Checked::CellByCell,
    }
}

/// The shared strings only notes use, which are emptied: every cell using them is a note
/// that goes (in the notes column of a data row, or anywhere in it when the column is
/// removed, or in a row left out) and no other sheet uses them. `notes` is the notes column
/// and whether it is removed.
fn note_only_strings(
    pkg: &mut Package,
    data_part: &str,
    scan: &scan::Scan,
    notes: Option<(u32, bool)>,
    data_start: u32,
    drop_rows: &BTreeSet<u32>,
) -> Result<BTreeSet<u32>> {
    let mut emptied: BTreeSet<u32> = BTreeSet::new();
    let Some((col, removed)) = notes else {
        return Ok(emptied);
    };
    let gone =
        |row: u32, c: u32| drop_rows.contains(&row) || (c == col && (removed || row >= data_start));
    let mut kept = BTreeSet::new();
    for &(i, row, c) in &scan.note_strings {
        if gone(row, c) {
            emptied.insert(i);
        } else {
            kept.insert(i);
        }
    }
    emptied.retain(|i| !kept.contains(i));
    let others: Vec<String> = pkg
        .sheets
        .iter()
        .filter(|s| s.worksheet && s.part.as_deref() != Some(data_part))
        .filter_map(|s| s.part.clone())
        .collect();
    for part in others {
        if emptied.is_empty() {
            break;
        }
        let source = pkg.stream(&part)?;
        let used =
            scan::shared_strings_used(source, &emptied).map_err(|e| pkg.xml_error(&part, e))?;
        emptied.retain(|i| !used.contains(i));
    }
    Ok(emptied)
}

/// What is done to the notes column, given the mode and the column found.
fn notes_action(mode: NotesMode, found: Option<NotesColumn>) -> Option<NotesColumn> {
    let found = found?;
    Some(match mode {
        NotesMode::Auto => found,
        NotesMode::Clear => NotesColumn {
            layout: Layout::Native,
            ..found
        },
        NotesMode::Remove => NotesColumn {
            layout: Layout::Inserted,
            ..found
        },
    })
}

fn removal_of(action: Option<NotesColumn>) -> Option<ColumnRemoval> {
    action
        .filter(|n| n.layout == Layout::Inserted)
        .map(|n| ColumnRemoval { col: n.col })
}

/// Rewrites the data sheet into a one-entry zip in a temporary file, compressing on a
/// second thread while the first one reads and rewrites; the entry is later copied into the
/// output as it is.
fn write_data_sheet(
    pkg: &mut Package,
    part: &str,
    shift: Option<Shift>,
    plan: &plan::DataPlan,
    model: self_check::InputModel,
) -> Result<(std::fs::File, sheet::SheetRewrite)> {
    let index = pkg
        .entry_index(part)
        .expect("the data sheet is in the package");
    let modified = pkg
        .zip
        .by_index_raw(index)
        .ok()
        .and_then(|e| e.last_modified())
        .unwrap_or_default();
    let temp_err = |e: std::io::Error| Error::io(&std::env::temp_dir(), e);
    let file = tempfile::tempfile().map_err(temp_err)?;
    let moves = shift.map(|s| FormulaMove {
        sheet: s.sheet,
        on_sheet: true,
        removal: s.removal,
    });
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
    let name = part.to_string();
    let compress = move || -> std::io::Result<std::fs::File> {
        let mut zip = ZipWriter::new(BufWriter::with_capacity(256 * 1024, file));
        zip.start_file(name.as_str(), part_options(modified))
            .map_err(std::io::Error::other)?;
        for chunk in receiver {
            zip.write_all(&chunk)?;
        }
        let writer = zip.finish().map_err(std::io::Error::other)?;
        writer.into_inner().map_err(|e| e.into_error())
    };
    let source = pkg.stream(part)?;
    let (written, rewritten) = std::thread::scope(|scope| {
        let compressor = scope.spawn(compress);
        let mut sink = ChunkSender {
            chunk: Vec::with_capacity(CHUNK),
            sender,
        };
        let rewritten = sheet::rewrite(source, &mut sink, moves, Some(plan), Some(model))
            .and_then(|o| sink.finish().map(|_| o));
        drop(sink);
        (compressor.join(), rewritten)
    });
    let outcome = match rewritten {
        Ok(outcome) => outcome,
        Err(XmlProblem::Write(e)) => return Err(temp_err(e)),
        Err(e) => return Err(pkg.xml_error(part, e)),
    };
    let file = written
        .map_err(|_| temp_err(std::io::Error::other("the compressing thread stopped")))?
        .map_err(temp_err)?;
    Ok((file, outcome))
}

/// Size of the pieces handed to the compressing thread.
const CHUNK: usize = 256 * 1024;

/// A writer that hands its bytes to another thread in pieces.
struct ChunkSender {
    chunk: Vec<u8>,
    sender: std::sync::mpsc::SyncSender<Vec<u8>>,
}

impl ChunkSender {
    fn send(&mut self) -> std::io::Result<()> {
        let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
        self.sender
            .send(full)
            .map_err(|_| std::io::Error::other("the compressing thread stopped"))
    }

    fn finish(&mut self) -> Result<(), XmlProblem> {
        if !self.chunk.is_empty() {
            self.send().map_err(XmlProblem::Write)?;
        }
        Ok(())
    }
}

impl Write for ChunkSender {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.chunk.extend_from_slice(buf);
        if self.chunk.len() >= CHUNK {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn part_options(modified: zip::DateTime) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(COMPRESSION_LEVEL))
        .last_modified_time(modified)
}

/// The first visible worksheet with a codes row in its top rows, as `Rejected::open` finds it.
fn find_data_sheet(
    pkg: &mut Package,
    sst: &SharedStrings,
    registry: &Registry,
) -> Result<(usize, scan::Header, scan::TopRows)> {
    let mut hidden_with_codes = false;
    for i in 0..pkg.sheets.len() {
        let sheet = &pkg.sheets[i];
        let (Some(part), true) = (sheet.part.clone(), sheet.worksheet) else {
            continue;
        };
        let visible = sheet.visible;
        let top = {
            let source = pkg.stream(&part)?;
            scan::top_rows(source, sst, scan::TOP_LAST_ROW).map_err(|e| pkg.xml_error(&part, e))?
        };
        if let Some(header) = scan::find_header(&top, registry) {
            if visible {
                return Ok((i, header, top));
            }
            hidden_with_codes = true;
        }
    }
    // A sheet whose content cannot be found: the file is damaged, which says more than
    // "not a template" (and is what the reading commands say).
    if let Some(detail) = pkg.sheets.iter().find_map(|s| s.missing.clone()) {
        return Err(Error::Damaged {
            path: pkg.path.clone(),
            detail,
        });
    }
    if pkg.sheets.is_empty() {
        return Err(Error::NoSheets {
            path: pkg.path.clone(),
        });
    }
    let all_hidden = pkg.sheets.iter().all(|s| !s.visible);
    let hint = crate::workbook::codes_row_hint(hidden_with_codes, all_hidden);
    Err(Error::NoCodesRow {
        path: pkg.path.clone(),
        hint,
        template_hidden: hidden_with_codes,
    })
}

/// How a part of the package is rewritten: the job each rewritten part gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartJob {
    /// The data sheet.
    DataSheet,
    /// The shared strings.
    SharedStrings,
    /// Another worksheet with formulas pointing at the data sheet.
    OtherSheet,
    /// The workbook part (defined names).
    Workbook,
    /// Legacy comments of the data sheet.
    Comments,
    /// Threaded comments of the data sheet.
    ThreadedComments,
    /// The VML drawing of the data sheet's comments.
    Vml,
    /// A drawing of the data sheet.
    Drawing,
    /// A table of the data sheet.
    Table,
    /// A chart pointing at the data sheet.
    Chart,
    /// A pivot cache reading the data sheet.
    PivotCache,
    /// The calculation chain.
    CalcChain,
}

/// Decides which parts are rewritten; every other part is copied as it is.
fn plan_jobs(
    pkg: &mut Package,
    data_part: &str,
    shift: Option<Shift>,
    emptied: &BTreeSet<u32>,
    rows_move: bool,
) -> Result<HashMap<String, PartJob>> {
    let mut jobs = HashMap::new();
    jobs.insert(data_part.to_string(), PartJob::DataSheet);
    if let (Some(part), false) = (pkg.shared_strings.clone(), emptied.is_empty()) {
        jobs.insert(part, PartJob::SharedStrings);
    }
    if shift.is_some() || rows_move {
        let chain = pkg
            .workbook_rels
            .iter()
            .find(|r| r.kind == rel::CALC_CHAIN)
            .and_then(|r| r.part.clone());
        if let Some(part) = chain {
            jobs.insert(part, PartJob::CalcChain);
        }
    }
    let Some(shift) = shift else {
        return Ok(jobs);
    };
    for r in pkg.relationships_of(data_part)? {
        let job = match r.kind.as_str() {
            rel::COMMENTS => PartJob::Comments,
            rel::THREADED_COMMENT => PartJob::ThreadedComments,
            rel::VML_DRAWING => PartJob::Vml,
            rel::DRAWING => PartJob::Drawing,
            rel::TABLE => PartJob::Table,
            _ => continue,
        };
        if let Some(part) = r.part {
            jobs.insert(part, job);
        }
    }
    // Parts that may point at the data sheet by name.
    let content_types = content_types(pkg)?;
    let needles = sheet_name_needles(shift.sheet);
    let workbook_part = pkg.workbook_part.clone();
    for name in pkg.names.clone() {
        if jobs.contains_key(&name) {
            continue;
        }
        let kind = content_types
            .get(&name.to_ascii_lowercase())
            .map(String::as_str);
        let job = if name == workbook_part {
            PartJob::Workbook
        } else {
            match kind {
                Some(k) if k.ends_with("spreadsheetml.worksheet+xml") => PartJob::OtherSheet,
                Some(k) if k.ends_with("drawingml.chart+xml") => PartJob::Chart,
                Some(k) if k.ends_with("spreadsheetml.pivotCacheDefinition+xml") => {
                    PartJob::PivotCache
                }
                _ => continue,
            }
        };
        let path = pkg.path.clone();
        let mentions = contains_any(pkg.stream(&name)?, &needles)
            .map_err(|e| parts::read_error(&path, &name, e))?;
        if mentions {
            jobs.insert(name, job);
        }
    }
    Ok(jobs)
}

/// Part name (lower case) → content type, from `[Content_Types].xml`.
fn content_types(pkg: &mut Package) -> Result<HashMap<String, String>> {
    let mut map = HashMap::new();
    let Some(entry) = pkg.entry_name("[Content_Types].xml") else {
        return Ok(map);
    };
    let doc = pkg.document(&entry)?;
    let mut defaults = HashMap::new();
    for e in doc.root.elements() {
        match e.local() {
            "Override" => {
                if let (Some(part), Some(kind)) = (e.get("PartName"), e.get("ContentType")) {
                    map.insert(part.trim_start_matches('/').to_ascii_lowercase(), kind);
                }
            }
            "Default" => {
                if let (Some(ext), Some(kind)) = (e.get("Extension"), e.get("ContentType")) {
                    defaults.insert(ext.to_ascii_lowercase(), kind);
                }
            }
            _ => {}
        }
    }
    for name in &pkg.names {
        let lower = name.to_ascii_lowercase();
        if map.contains_key(&lower) {
            continue;
        }
        if let Some(kind) = lower
            .rsplit_once('.')
            .and_then(|(_, ext)| defaults.get(ext))
        {
            map.insert(lower, kind.clone());
        }
    }
    Ok(map)
}

/// The ways a sheet's name can be written in a part.
fn sheet_name_needles(name: &str) -> Vec<Vec<u8>> {
    let doubled = name.replace('\'', "''");
    let mut needles: Vec<Vec<u8>> = Vec::new();
    for text in [
        name.to_string(),
        doubled.clone(),
        xml::escape_attr(name).into_owned(),
        xml::escape_attr(&doubled).into_owned(),
    ] {
        if !needles.iter().any(|n| n == text.as_bytes()) {
            needles.push(text.into_bytes());
        }
    }
    needles
}

/// Whether a stream contains any of `needles`, read in chunks.
fn contains_any(mut source: impl BufRead, needles: &[Vec<u8>]) -> std::io::Result<bool> {
    let keep = needles.iter().map(Vec::len).max().unwrap_or(0);
    let mut window: Vec<u8> = Vec::with_capacity(64 * 1024 + keep);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = source.read(&mut chunk)?;
        if n == 0 {
            return Ok(false);
        }
        window.extend_from_slice(&chunk[..n]);
        if needles
            .iter()
            .any(|needle| !needle.is_empty() && memchr::memmem::find(&window, needle).is_some())
        {
            return Ok(true);
        }
        let cut = window.len().saturating_sub(keep);
        window.drain(..cut);
    }
}

/// The parts to rewrite and what they need.
struct Rewrites<'a> {
    jobs: &'a HashMap<String, PartJob>,
    shift: Option<Shift<'a>>,
    plan: &'a plan::DataPlan<'a>,
    emptied: &'a BTreeSet<u32>,
    sheet_id: Option<u32>,
}

/// Writes the package: rewritten parts where `jobs` says, raw copies everywhere else, in
/// the original order.
/// `sheet_file` holds the data sheet, already rewritten, as the only entry of a zip file.
fn write_package(
    pkg: &mut Package,
    out: &mut OutputFile,
    parts: Rewrites,
    sheet_file: std::fs::File,
) -> Result<()> {
    let target = out.target().to_path_buf();
    let write_err = |e: std::io::Error| Error::io(&target, e);
    let zip_err = |e: zip::result::ZipError| match e {
        zip::result::ZipError::Io(e) => Error::io(&target, e),
        other => Error::io(&target, std::io::Error::other(other.to_string())),
    };
    let mut sheet_zip = zip::ZipArchive::new(BufReader::new(sheet_file)).map_err(zip_err)?;
    let file = out.file().try_clone().map_err(write_err)?;
    let mut zip = ZipWriter::new(BufWriter::with_capacity(256 * 1024, file));
    for i in 0..pkg.names.len() {
        let name = pkg.names[i].clone();
        match parts.jobs.get(&name).copied() {
            None => {
                let damaged = pkg.damaged(&name, "the part cannot be read");
                let entry = pkg.zip.by_index_raw(i).map_err(|_| damaged)?;
                zip.raw_copy_file(entry).map_err(zip_err)?;
            }
            Some(PartJob::DataSheet) => {
                let entry = sheet_zip.by_index_raw(0).map_err(zip_err)?;
                zip.raw_copy_file(entry).map_err(zip_err)?;
            }
            Some(job) => {
                let modified = pkg
                    .zip
                    .by_index_raw(i)
                    .ok()
                    .and_then(|e| e.last_modified())
                    .unwrap_or_default();
                zip.start_file(name.as_str(), part_options(modified))
                    .map_err(zip_err)?;
                match rewrite_part(pkg, &name, job, &mut zip, &parts) {
                    Ok(()) => {}
                    Err(XmlProblem::Write(e)) => return Err(write_err(e)),
                    Err(e) => return Err(pkg.xml_error(&name, e)),
                }
            }
        }
    }
    let mut writer = zip.finish().map_err(zip_err)?;
    writer.flush().map_err(write_err)?;
    Ok(())
}

/// Rewrites one part (other than the data sheet) into `sink`.
fn rewrite_part<W: Write>(
    pkg: &mut Package,
    name: &str,
    job: PartJob,
    sink: &mut W,
    parts: &Rewrites,
) -> std::result::Result<(), XmlProblem> {
    let (shift, plan, emptied, sheet_id) = (parts.shift, parts.plan, parts.emptied, parts.sheet_id);
    let path = pkg.path.clone();
    // The shared strings are searched as bytes unless a comment or CDATA could hide an
    // item: a first read tells.
    let plain = job == PartJob::SharedStrings
        && pkg
            .stream(name)
            .map_err(|e| XmlProblem::Malformed(e.to_string()))
            .and_then(|s| {
                sst::is_plain(s).map_err(|e| {
                    XmlProblem::Malformed(parts::read_error(&path, name, e).to_string())
                })
            })?;
    let source = pkg
        .stream(name)
        .map_err(|e| XmlProblem::Malformed(e.to_string()))?;
    let moves = |on_sheet| {
        shift.map(|s| FormulaMove {
            sheet: s.sheet,
            on_sheet,
            removal: s.removal,
        })
    };
    match job {
        PartJob::OtherSheet => {
            sheet::rewrite(source, sink, moves(false), None, None)?;
            return Ok(());
        }
        PartJob::SharedStrings => return sst::rewrite(source, sink, emptied, plain),
        _ => {}
    }
    // The small parts: edited whole.
    let mut text = String::new();
    let mut source = source;
    source
        .read_to_string(&mut text)
        .map_err(|e| XmlProblem::Malformed(parts::read_error(&path, name, e).to_string()))?;
    let mut doc = Document::parse(&text, parts::MAX_SMALL_PART)?;
    let root = &mut doc.root;
    match (job, shift) {
        (PartJob::CalcChain, _) => {
            let removal = shift.map(|s| s.removal);
            let map = |row: u32, col: u32| {
                if plan.drop_rows.contains(&row) {
                    return None;
                }
                let col = match removal {
                    Some(r) => r.col(col)?,
                    None => col,
                };
                Some((plan.map_row(row), col))
            };
            shift::calc_chain(root, sheet_id.unwrap_or(0), &map)?;
        }
        (PartJob::Workbook, Some(s)) => {
            shift::workbook(root, s)?;
        }
        (PartJob::Comments, Some(s)) => shift::comments(root, s)?,
        (PartJob::ThreadedComments, Some(s)) => shift::threaded_comments(root, s)?,
        (PartJob::Vml, Some(s)) => shift::vml(root, s)?,
        (PartJob::Drawing, Some(s)) => shift::drawing(root, s)?,
        (PartJob::Table, Some(s)) => shift::table(root, s)?,
        (PartJob::Chart, Some(s)) => {
            shift::chart(root, s)?;
        }
        (PartJob::PivotCache, Some(s)) => {
            shift::pivot_cache(root, s)?;
        }
        _ => {}
    }
    sink.write_all(doc.write().as_bytes())
        .map_err(XmlProblem::Write)
}
