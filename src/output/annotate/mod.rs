//! The annotated workbook: the rejected sheet's grid, in place, with every cell to fix
//! highlighted and explained in English, French or both, plus "Errors", "Summary" and
//! "Checklist" sheets (named in the language chosen, see [`SheetNames`]).
//!
//! Written with rust_xlsxwriter. The first sheet keeps the rejected sheet's rows and columns
//! (notes column included), so every cell `errors` names is the same cell here. The notes
//! cells show a short summary that starts with the record's key (`ORP 6/37 · RID 43432228`):
//! when the user deletes a row, the way back ([`crate::output::way_back`]) still knows which
//! record each remaining row is. Document properties record the source file's name and
//! SHA-256, so the way back can find and verify the original.
//!
//! Every sheet is set up to print (module `crate::output::print`): Letter, one page wide,
//! header rows repeated, rows as tall as their wrapped text. The data sheet of a wide
//! template prints its first columns only (as many as fit a landscape page at a readable
//! size, see `grid`); the Errors and Checklist sheets list every cell to fix.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{DocProperties, Format, Workbook, Worksheet, XlsxError};

use crate::output::stamp::relative_place;
pub use crate::output::stamp::{
    CONTENT_PENDING, LISTS_SHEET, LISTS_SHEET_NAMES, PROP_CONTENT, PROP_SOURCE_NAME,
    PROP_SOURCE_PATH, PROP_SOURCE_PLACE, PROP_SOURCE_SHA256, PROP_SOURCE_SIZE, PROP_VERSION,
    RowKey, sha256_file,
};
pub use context::{ERRORS_SHEET, SUMMARY_SHEET, SheetNames, category_color};
pub use predicted::Predicted;

use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::template::Registry;
use crate::workbook::Rejected;
use crate::workbook::lists::ColumnLists;
use context::{Annotation, Flags, flags, last_column, likely_format};
use notes::CellNotes;

mod context;
mod errors_sheet;
mod grid;
mod notes;
mod predicted;
mod summary_sheet;

/// Most cells (data rows × columns) of an annotated workbook, within a memory budget of about
/// 1 GB (88 MB were measured at its peak at 10,000 rows of 95 columns, `cargo bench --bench
/// annotate_memory`), about 26,000 rows of the widest template.
pub const MAX_ANNOTATED_CELLS: u64 = 2_500_000;

/// Options of `annotate`.
#[derive(Debug, Clone, Default)]
pub struct AnnotateOptions {
    /// Languages of the cell notes and the advice.
    pub lang: Lang,
    /// Replace an existing output; also annotate a workbook that has no notes.
    pub force: bool,
}

/// What `annotate` did.
#[derive(Debug, Clone)]
pub struct AnnotateReport {
    /// Where the annotated workbook was written.
    pub output: PathBuf,
    /// Number of notes explained.
    pub notes: usize,
    /// Number of highlighted cells.
    pub flagged_cells: usize,
}

/// Writes the annotated workbook of `book` to `output`.
///
/// # Errors
///
/// Fails when `book` is an old `.xls` or an OpenDocument file (an annotated workbook is
/// written from an `.xlsx`), when the workbook cannot be built, or when `output` cannot be
/// written (it exists without `force`, it is the input, or its folder refuses it).
pub fn annotate(
    book: &Rejected,
    registry: &Registry,
    output: &Path,
    opts: &AnnotateOptions,
) -> Result<AnnotateReport> {
    if book.notes.is_empty() && !opts.force {
        return Err(Error::NotRejected {
            path: book.path.clone(),
        });
    }
    match book.format {
        crate::workbook::Format::Xls => {
            return Err(Error::OldExcelFormat {
                path: book.path.clone(),
            });
        }
        crate::workbook::Format::Ods => {
            return Err(Error::OpenDocument {
                path: book.path.clone(),
            });
        }
        crate::workbook::Format::Xlsx => {}
    }
    // Refused before any work when the workbook would not fit the memory budget.
    let cells = book.row_count() as u64 * (u64::from(last_column(book)) + 1);
    if cells > MAX_ANNOTATED_CELLS {
        return Err(Error::TooLarge {
            path: book.path.clone(),
            detail: format!(
                "its annotated workbook would hold {cells} cells ({} data rows), more than the {MAX_ANNOTATED_CELLS} that fit the tool's memory budget of about 1 GB. Split it in Excel into files of at most 2,500 rows (as iCARE's templates hold) and annotate each",
                book.row_count()
            ),
        });
    }
    // The user's corrections are never replaced, with or without --force.
    use crate::output::way_back::assess;
    if assess(output, book, registry)?.is_user_work() {
        return Err(Error::UserWork {
            path: output.to_path_buf(),
            reason: "was saved or changed after icare-fix wrote it and may hold your corrections"
                .into(),
            next: format!(
                "To make the upload file from it, run: icare-fix \"{}\". To start over, move it away first.",
                output.display()
            ),
        });
    }
    let mut out = crate::output::OutputFile::create(output, &[&book.path], opts.force)?;
    let sha = book.input().sha256()?.to_string();
    let mut notes = CellNotes::streamed();
    let (mut workbook, flagged_cells) =
        build_with(book, registry, opts.lang, &sha, &[], &mut notes)?;
    workbook.set_properties(&stamp(book, &sha, Some(output)));
    save(&mut workbook, &notes, &mut out)?;
    let output = out.commit()?;
    Ok(AnnotateReport {
        output,
        notes: book.notes.len(),
        flagged_cells,
    })
}

/// The document properties the way back trusts (see [`crate::output::stamp`]): the source
/// file's name, SHA-256, size and, when the workbook's own place `output` is known, where the
/// source is seen from it. Never its absolute path: the workbook gets e-mailed.
///
/// Created and modified are written equal and one second in the past, so that any later save
/// (which sets modified to its own time) differs, even one in the same second.
fn stamp(book: &Rejected, source_sha256: &str, output: Option<&Path>) -> DocProperties {
    let written = chrono::Utc::now() - chrono::Duration::seconds(1);
    let properties = DocProperties::new()
        .set_title(format!("icare-fix: corrections for {}", book.file_name()))
        .set_comment("Written by icare-fix. Correct the highlighted cells, save, then give this file back to icare-fix: it writes the upload file with your corrections.")
        .set_creation_datetime(&written)
        .set_custom_property(PROP_SOURCE_NAME, book.file_name())
        .set_custom_property(PROP_SOURCE_SHA256, source_sha256)
        .set_custom_property(PROP_VERSION, env!("CARGO_PKG_VERSION"))
        .set_custom_property(PROP_CONTENT, CONTENT_PENDING);
    let properties = match output.and_then(|o| relative_place(&book.path, o)) {
        Some(place) => properties.set_custom_property(PROP_SOURCE_PLACE, place),
        None => properties,
    };
    properties.set_custom_property(PROP_SOURCE_SIZE, book.input().len().to_string())
}

fn xlsx_error(path: &Path, e: XlsxError) -> Error {
    Error::Unsupported {
        path: path.to_path_buf(),
        detail: format!("the annotated workbook could not be built: {e}"),
    }
}

/// Builds the annotated workbook in memory; returns it and the number of flagged cells.
///
/// Its notes are rust_xlsxwriter's own, as many as the cells to fix: [`annotate`] writes
/// them itself, with less memory, the same bytes.
///
/// # Errors
///
/// Fails when the workbook writer refuses the content (a cell or a sheet beyond Excel's
/// limits).
pub fn build(
    book: &Rejected,
    registry: &Registry,
    lang: Lang,
    source_sha256: &str,
) -> Result<(Workbook, usize)> {
    let mut notes = CellNotes::direct();
    build_with(book, registry, lang, source_sha256, &[], &mut notes)
}

/// The level of compression of the annotated workbook: Excel's own, nearly the size of the
/// default at two thirds of the time.
const ZIP_LEVEL: u8 = 3;

/// [`build`], with the problems `icare-fix check` predicts drawn on the data sheet, and the
/// data sheet's notes in `notes` (see [`CellNotes`]).
fn build_with(
    book: &Rejected,
    registry: &Registry,
    lang: Lang,
    source_sha256: &str,
    predicted: &[Predicted],
    notes: &mut CellNotes,
) -> Result<(Workbook, usize)> {
    let out = Path::new("annotated workbook");
    let err = |e: XlsxError| xlsx_error(out, e);
    let mut workbook = Workbook::new();
    workbook.set_zip_compression_level(ZIP_LEVEL);
    workbook.set_properties(&stamp(book, source_sha256, None));

    let flags = flags(book);
    let names = SheetNames::of(lang);
    let data_sheet = sheet_name(&book.sheet, &names);
    let column_lists = ColumnLists::of_book(book, registry)
        .unwrap_or_else(|_| ColumnLists::build(&book.codes, None, registry));
    let mandatory: BTreeSet<u32> = (0..book.codes.len() as u32)
        .filter(|col| {
            book.code(*col).is_some_and(|code| {
                column_lists.is_mandatory(*col, code, registry, book.template.as_deref())
            })
        })
        .collect();
    let likely = likely_rejections(book, registry, &column_lists, &mandatory, &flags);
    let ctx = Annotation {
        book,
        registry,
        lang,
        lists: &column_lists,
        names,
    };
    // Predicted problems on cells iCARE did not flag, by cell.
    let mut predicted_cells: BTreeMap<(u32, u32), Vec<&Predicted>> = BTreeMap::new();
    for p in predicted
        .iter()
        .filter(|p| !flags.contains_key(&(p.row, p.col)))
    {
        predicted_cells.entry((p.row, p.col)).or_default().push(p);
    }
    let marks = Marks {
        likely: &likely,
        predicted: &predicted_cells,
    };
    add_sheets(
        &mut workbook,
        &ctx,
        &data_sheet,
        &flags,
        &mandatory,
        &marks,
        notes,
    )
    .map_err(err)?;
    let drawn = if predicted.is_empty() {
        flags.len()
    } else {
        predicted_cells.len()
    };
    Ok((workbook, drawn))
}

/// Cells marked on the data sheet besides iCARE's: likely next rejections, and the problems
/// `icare-fix check` predicts.
struct Marks<'a> {
    likely: &'a [Likely],
    predicted: &'a BTreeMap<(u32, u32), Vec<&'a Predicted>>,
}

impl Marks<'_> {
    /// The format of each marked cell (a prediction wins over a likely rejection).
    fn formats(&self) -> BTreeMap<(u32, u32), Format> {
        let likely = likely_format();
        let mut formats: BTreeMap<(u32, u32), Format> = self
            .likely
            .iter()
            .map(|l| ((l.row, l.col), likely.clone()))
            .collect();
        for (at, problems) in self.predicted {
            formats.insert(*at, predicted::format(problems.iter().any(|p| p.error)));
        }
        formats
    }
}

/// Adds the sheets in order: the data sheet, Errors, Summary, Checklist, the hidden Lists.
/// The data sheet's notes go to `notes`.
fn add_sheets(
    workbook: &mut Workbook,
    ctx: &Annotation<'_>,
    data_sheet: &str,
    flags: &Flags<'_>,
    mandatory: &BTreeSet<u32>,
    marks: &Marks<'_>,
    notes: &mut CellNotes,
) -> Result<(), XlsxError> {
    let lists: BTreeMap<u32, Vec<String>> = ctx
        .lists
        .iter()
        .filter(|(_, list)| list.is_list())
        .map(|(col, list)| (col, list.values.clone()))
        .collect();
    {
        // The data sheet, the big one, is written a row at a time and each finished row goes
        // to a temporary file: memory stays flat however many rows the file has.
        let ws = workbook.add_worksheet_with_constant_memory()?;
        ws.set_name(data_sheet)?;
        grid::write_grid(ws, ctx, flags, &lists, mandatory, &marks.formats(), notes)?;
        write_likely(ws, marks.likely, ctx.lang, notes)?;
        for ((row, col), problems) in marks.predicted {
            let text = predicted::note(problems, ctx.lang);
            let at = (*row, *col as u16);
            notes.insert(ws, at, text, predicted::AUTHOR, predicted::NOTE_SIZE)?;
        }
        notes.link(ws)?;
    }
    {
        // Errors and Checklist have a row per note or item: written a row at a time too.
        let ws = workbook.add_worksheet_with_constant_memory()?;
        ws.set_name(ctx.names.errors)?;
        let after = errors_sheet::write_errors(ws, ctx, data_sheet)?;
        grid::finish_rows(ws, after)?;
    }
    {
        // A row per client: written a row at a time too.
        let ws = workbook.add_worksheet_with_constant_memory()?;
        ws.set_name(ctx.names.summary)?;
        let after = summary_sheet::write_summary(ws, ctx, marks.likely.len())?;
        grid::finish_rows(ws, after)?;
    }
    {
        let checklist = crate::output::checklist::Checklist::build(&[ctx.book], ctx.registry);
        let ws = workbook.add_worksheet_with_constant_memory()?;
        let after = crate::output::checklist::write_sheet(ws, &checklist, ctx.lang)?;
        grid::finish_rows(ws, after)?;
    }
    if !lists.is_empty() {
        let ws = workbook.add_worksheet();
        ws.set_name(ctx.names.lists)?;
        ws.set_hidden(true);
        for (i, (_, values)) in lists.iter().enumerate() {
            for (r, value) in values.iter().enumerate() {
                ws.write_string(r as u32, i as u16, value)?;
            }
        }
    }
    Ok(())
}

/// Our sheets' names are fixed; the data sheet keeps its name unless it clashes.
fn sheet_name(name: &str, names: &SheetNames) -> String {
    // A file not written by Excel may name its sheet in ways Excel refuses: characters
    // []:*?/\ are replaced, apostrophes trimmed, and the name cut to 31 characters.
    let name: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let name: String = name.trim_matches('\'').chars().take(31).collect();
    let name = if name.trim().is_empty() {
        "Data".to_string()
    } else {
        name
    };
    if names
        .all()
        .iter()
        .any(|n| n.to_lowercase() == name.to_lowercase())
    {
        format!("{name} (data)")
    } else {
        name
    }
}

/// A cell iCARE did not flag that it is likely to reject after the upload: an empty
/// mandatory field, or a value outside the column's list that `clean` cannot repair.
struct Likely {
    row: u32,
    col: u32,
    en: String,
    fr: String,
}

fn likely_rejections(
    book: &Rejected,
    registry: &Registry,
    lists: &ColumnLists,
    mandatory: &BTreeSet<u32>,
    flags: &Flags<'_>,
) -> Vec<Likely> {
    let notes_col = book.notes_column.map(|n| n.col);
    let template = book.template.as_deref();
    // Looked up once per cell: each list as a set.
    let sets: HashMap<u32, HashSet<&str>> = lists
        .iter()
        .filter(|(_, l)| l.is_list())
        .map(|(col, l)| (col, l.values.iter().map(String::as_str).collect()))
        .collect();
    let mut likely = Vec::new();
    for row in book.data_rows() {
        // Empty mandatory fields.
        for &col in mandatory {
            let empty = row.get(col).is_none_or(|v| match v {
                calamine::Data::String(s) => s.trim_start().is_empty(),
                other => crate::workbook::display(other).trim().is_empty(),
            });
            if empty && Some(col) != notes_col && !flags.contains_key(&(row.row, col)) {
                likely.push(Likely {
                    row: row.row,
                    col,
                    en: "This mandatory field is empty: iCARE is likely to reject the record for it once the highlighted problems are fixed.".into(),
                    fr: "Ce champ obligatoire est vide : iCARE rejettera probablement l'enregistrement pour cette raison une fois les problèmes surlignés corrigés.".into(),
                });
            }
        }
        // Values outside their list.
        for (col, data) in &row.cells {
            let (Some(set), Some(code)) = (sets.get(col), book.code(*col)) else {
                continue;
            };
            let value = match data {
                calamine::Data::String(s) => std::borrow::Cow::Borrowed(s.as_str()),
                other => std::borrow::Cow::Owned(crate::workbook::display(other)),
            };
            // Exact values pass; near misses are repaired by `clean` on the way to the upload.
            if set.contains(value.as_ref())
                || value.trim().is_empty()
                || Some(*col) == notes_col
                || flags.contains_key(&(row.row, *col))
            {
                continue;
            }
            let values = lists.values(*col).unwrap_or_default();
            if crate::repair::repaired_text(registry, template, code, Some(values), &value)
                .is_some()
            {
                continue;
            }
            let (en, fr) = match crate::workbook::lists::english_yes_no(&value, values) {
                Some(english) => (
                    format!("'{value}' is French: this template's list says '{english}'."),
                    format!(
                        "« {value} » est en français : la liste de ce modèle dit « {english} »."
                    ),
                ),
                None => (
                    format!(
                        "'{value}' is not one of this column's allowed values: choose one from the drop-down list."
                    ),
                    format!(
                        "« {value} » n'est pas une valeur permise de cette colonne : choisissez-en une dans la liste."
                    ),
                ),
            };
            likely.push(Likely {
                row: row.row,
                col: *col,
                en,
                fr,
            });
        }
    }
    likely.sort_by_key(|l| (l.row, l.col));
    likely
}

/// The notes of the likely rejections, told apart from iCARE's own notes.
fn write_likely(
    ws: &mut Worksheet,
    likely: &[Likely],
    lang: Lang,
    notes: &mut CellNotes,
) -> Result<(), XlsxError> {
    // The cells themselves are marked with the data rows (see `grid`); here, their notes.
    for l in likely {
        let head = lang.pick(
            "Not in iCARE's notes: a likely next rejection",
            "Absent des notes d'iCARE : un rejet probable",
            " / ",
        );
        let text = format!("{head}\n\n{}", lang.pick(&l.en, &l.fr, "\n"));
        notes.insert(ws, (l.row, l.col as u16), text, "icare-fix", (300, 140))?;
    }
    Ok(())
}

/// Writes the annotated workbook of `book` with `predicted` drawn on its first sheet:
/// diagonal stripes (violet for errors, grey for guesses) and a note that starts "Predicted
/// by icare-fix check, not written by iCARE". Cells iCARE itself flagged keep iCARE's fill
/// and note. The workbook carries no source properties: it is for reading, not for the way
/// back. Returns the number of cells drawn in `flagged_cells`.
///
/// # Errors
///
/// Fails as [`annotate`] does: a workbook that cannot be built, or an `output` that cannot
/// be written.
pub fn annotate_predicted(
    book: &Rejected,
    registry: &Registry,
    output: &Path,
    opts: &AnnotateOptions,
    predicted: &[Predicted],
) -> Result<AnnotateReport> {
    let mut out = crate::output::OutputFile::create(output, &[&book.path], opts.force)?;
    let mut notes = CellNotes::streamed();
    let (mut workbook, drawn) = build_with(book, registry, opts.lang, "", predicted, &mut notes)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("icare-fix check: predicted problems of {}", book.file_name()))
            .set_comment("Predicted by icare-fix check, not written by iCARE. Correct the data in the case-management system or in the file itself."),
    );
    save(&mut workbook, &notes, &mut out)?;
    Ok(AnnotateReport {
        output: out.commit()?,
        notes: book.notes.len(),
        flagged_cells: drawn,
    })
}

/// Saves `workbook` straight into the temporary file of `out`, never whole in memory.
///
/// With `notes` to write, rust_xlsxwriter saves to a temporary file of its own (in the same
/// folder), then its entries are copied into `out` as they are, but for the notes' parts,
/// written from `notes` (see [`notes::write_package`]).
fn save(
    workbook: &mut Workbook,
    notes: &CellNotes,
    out: &mut crate::output::OutputFile,
) -> Result<()> {
    use std::io::{BufWriter, Seek, Write};
    let target = out.target().to_path_buf();
    let io_err = |e: std::io::Error| Error::io(&target, e);
    if !notes.pending() {
        let mut writer = BufWriter::new(out.file());
        workbook
            .save_to_writer(&mut writer)
            .map_err(|e| xlsx_error(&target, e))?;
        return writer.flush().map_err(io_err);
    }
    let dir = out.temp_path().parent().unwrap_or(Path::new("."));
    let mut saved = tempfile::tempfile_in(dir).map_err(io_err)?;
    let mut writer = BufWriter::new(&mut saved);
    workbook
        .save_to_writer(&mut writer)
        .map_err(|e| xlsx_error(&target, e))?;
    writer.flush().map_err(io_err)?;
    drop(writer);
    saved.rewind().map_err(io_err)?;
    let sink = BufWriter::with_capacity(256 * 1024, out.file());
    let zip_err = |e: zip::result::ZipError| match e {
        zip::result::ZipError::Io(e) => Error::io(&target, e),
        zip::result::ZipError::InvalidArchive(why) => Error::Unsupported {
            path: target.clone(),
            detail: format!("the annotated workbook could not be built: {why}"),
        },
        other => Error::io(&target, std::io::Error::other(other.to_string())),
    };
    let source = std::io::BufReader::new(saved);
    let mut sink = notes::write_package(source, sink, notes, ZIP_LEVEL).map_err(zip_err)?;
    sink.flush().map_err(io_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every part of a package, by name, in order.
    pub(super) fn parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut entry = zip.by_index(i).unwrap();
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
                (entry.name().unwrap().to_string(), data)
            })
            .collect()
    }

    /// The two packages hold the same parts, in the same order; all the same but the
    /// document's properties (its dates, the output's place).
    pub(super) fn assert_same(ours: &[u8], theirs: &[u8]) {
        let (ours, theirs) = (parts(ours), parts(theirs));
        let names = |p: &[(String, Vec<u8>)]| p.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&ours), names(&theirs));
        for ((name, a), (_, b)) in ours.iter().zip(&theirs) {
            if name.starts_with("docProps/") {
                continue;
            }
            assert!(
                a == b,
                "{name} differs:\n{}\n---\n{}",
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b)
            );
        }
        assert!(ours.iter().any(|(n, _)| n == notes::COMMENTS_PART));
        assert!(ours.iter().any(|(n, _)| n == notes::VML_PART));
    }

    #[test]
    fn row_keys_round_trip() {
        for key in [
            RowKey {
                orp_index: 6,
                orp_total: 37,
                rid: Some(43432228),
            },
            RowKey {
                orp_index: 4,
                orp_total: 5,
                rid: None,
            },
        ] {
            assert_eq!(
                RowKey::parse(&format!("{}\n• anything", key.text())),
                Some(key)
            );
        }
        assert_eq!(RowKey::parse("[BUID:1,RID:,ORP:1/2"), None);
    }

    #[test]
    fn the_summary_sheet_reads_back_whole_written_a_row_at_a_time() {
        use calamine::{Data, Reader, Xlsx};
        let registry = Registry::builtin();
        let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/client_profile.xlsx");
        let book = Rejected::open(&input, &registry).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("annotated.xlsx");
        annotate(&book, &registry, &output, &AnnotateOptions::default()).unwrap();
        let mut xlsx: Xlsx<_> = calamine::open_workbook(&output).unwrap();
        let names = SheetNames::of(Lang::Both);
        let summary = xlsx.worksheet_range(names.summary).unwrap();
        let text = |r: u32, c: u32| match summary.get_value((r, c)) {
            Some(Data::String(s)) => s.clone(),
            Some(Data::Float(f)) => f.to_string(),
            _ => String::new(),
        };
        let (height, _) = summary.get_size();
        let rows: Vec<u32> = (0..height as u32).collect();
        // The file's facts: its number of notes, next to the key written over in bold.
        let notes_row = rows
            .iter()
            .find(|r| text(**r, 0) == "Notes")
            .expect("a Notes row among the file's facts");
        assert_eq!(text(*notes_row, 1), book.notes.len().to_string());
        // By client, the last table: a row per client, the counts adding up to the notes.
        let by_client = rows
            .iter()
            .rposition(|r| text(*r, 0).starts_with("By client"))
            .expect("the By client heading") as u32;
        let counts: Vec<f64> = (by_client + 2..height as u32)
            .filter_map(|r| match summary.get_value((r, 3)) {
                Some(Data::Float(f)) => Some(*f),
                _ => None,
            })
            .collect();
        let clients: std::collections::BTreeSet<_> =
            book.notes.iter().map(|n| book.client(n.row)).collect();
        assert_eq!(counts.len(), clients.len());
        assert_eq!(counts.iter().sum::<f64>() as usize, book.notes.len());
    }

    #[test]
    fn predicted_notes_are_written_as_rust_xlsxwriter_writes_them() {
        // `annotate_predicted` writes the notes itself; `build_with` given `CellNotes::direct`
        // leaves them to rust_xlsxwriter. Texts that need escaping, spaces and newlines at
        // their ends, French, a control character; on cells iCARE flagged (left out) or not.
        let registry = Registry::builtin();
        let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/client_profile.xlsx");
        let book = Rejected::open(&input, &registry).unwrap();
        let texts = [
            ("Tom & Jerry <b> \"quoted\"", "é « guillemets » & <b>"),
            ("  spaces around  ", "\nnewlines around\n"),
            ("tab\there\u{1}", "_x0041_ déjà"),
        ];
        let mut predicted = Vec::new();
        for row in book.data_rows().take(12) {
            for col in [0, 1, 4] {
                let (en, fr) = texts[(row.row + col) as usize % texts.len()];
                predicted.push(Predicted {
                    row: row.row,
                    col,
                    error: col == 1,
                    en: en.into(),
                    fr: fr.into(),
                });
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("predicted.xlsx");
        let opts = AnnotateOptions {
            lang: Lang::Both,
            force: false,
        };
        annotate_predicted(&book, &registry, &output, &opts, &predicted).unwrap();
        let mut direct = CellNotes::direct();
        let (mut workbook, _) =
            build_with(&book, &registry, Lang::Both, "", &predicted, &mut direct).unwrap();
        // As `annotate_predicted` does: no custom properties.
        workbook.set_properties(&DocProperties::new());
        let ours = std::fs::read(&output).unwrap();
        assert_same(&ours, &workbook.save_to_buffer().unwrap());
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(ours)).unwrap();
        let mut comments = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name(notes::COMMENTS_PART).unwrap(),
            &mut comments,
        )
        .unwrap();
        assert!(comments.contains("<author>icare-fix check</author>"));
        assert!(comments.contains("Tom &amp; Jerry &lt;b&gt; \"quoted\""));
        assert!(comments.contains("é « guillemets »"));
    }
}
