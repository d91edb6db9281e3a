//! The annotated workbook: the rejected sheet's grid, in place, with every cell to fix
//! highlighted and explained in English and French, plus "Errors" and "Summary" sheets.
//!
//! Written with rust_xlsxwriter. The first sheet keeps the rejected sheet's rows and columns
//! (notes column included), so every cell `errors` names is the same cell here. The notes
//! cells show a short summary that starts with the record's key (`ORP 6/37 · RID 43432228`):
//! when the user deletes a row, the way back ([`crate::output::annotated`]) still knows which
//! record each remaining row is. Document properties record the source file's name and
//! SHA-256, so the way back can find and verify the original.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use rust_xlsxwriter::{
    Color, DataValidation, DocProperties, Format, FormatAlign, FormatBorder, Formula, Note, Url,
    Workbook, Worksheet, XlsxError,
};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::note::Category;
use crate::template::Registry;
use crate::workbook::lists::ColumnLists;
use crate::workbook::{LocatedNote, Rejected, cell_name, col_name};

/// Custom document property holding the source file's name.
pub const PROP_SOURCE_NAME: &str = "icare-fix source file";
/// Custom document property holding the source file's SHA-256, in hex.
pub const PROP_SOURCE_SHA256: &str = "icare-fix source SHA-256";
/// Custom document property holding the source file's absolute path when annotated.
pub const PROP_SOURCE_PATH: &str = "icare-fix source path";
/// Custom document property holding the source file's size in bytes.
pub const PROP_SOURCE_SIZE: &str = "icare-fix source size";
/// Custom document property holding the version of icare-fix that wrote the file.
pub const PROP_VERSION: &str = "icare-fix version";

/// Name of the sheet listing every note and field.
pub const ERRORS_SHEET: &str = "Errors";
/// Name of the sheet with counts.
pub const SUMMARY_SHEET: &str = "Summary";
/// Name of the hidden sheet holding the drop-down lists (after Errors, Summary and
/// Checklist).
pub const LISTS_SHEET: &str = "Lists";

/// Rows the drop-down lists cover below the header, as in the real templates (rows 4-2503).
const VALIDATION_ROWS: u32 = 2500;
/// Excel's limit of hyperlinks per sheet.
const MAX_LINKS: usize = 65_530;
/// Excel's limit for the text of a cell note, less a margin for the writer's own overhead.
const MAX_NOTE_CHARS: usize = 32_000;

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

/// The key of a record in the annotated grid's notes cells: iCARE's position (ORP) and record
/// id (RID) of the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowKey {
    /// ORP index.
    pub orp_index: u64,
    /// ORP total.
    pub orp_total: u64,
    /// RID, when iCARE gave one.
    pub rid: Option<u64>,
}

impl RowKey {
    /// The key of a note, when it has a position.
    pub fn of(note: &crate::note::Note) -> Option<RowKey> {
        note.orp.map(|orp| RowKey {
            orp_index: orp.index,
            orp_total: orp.total,
            rid: note.rid,
        })
    }

    /// The key as written at the start of a notes cell.
    pub fn text(&self) -> String {
        match self.rid {
            Some(rid) => format!("ORP {}/{} · RID {rid}", self.orp_index, self.orp_total),
            None => format!("ORP {}/{}", self.orp_index, self.orp_total),
        }
    }

    /// Reads the key back from a notes cell of an annotated workbook.
    pub fn parse(text: &str) -> Option<RowKey> {
        static KEY: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^\s*ORP (\d+)/(\d+)(?: · RID (\d+))?").expect("valid key regex")
        });
        let caps = KEY.captures(text)?;
        Some(RowKey {
            orp_index: caps[1].parse().ok()?,
            orp_total: caps[2].parse().ok()?,
            rid: caps.get(3).and_then(|m| m.as_str().parse().ok()),
        })
    }
}

/// The fill colour of a category (RGB).
pub fn category_color(category: Category) -> u32 {
    match category {
        Category::Identity => 0xFFC7CE,
        Category::Missing => 0xFFEB9C,
        Category::Invalid => 0xF8CBAD,
        Category::Date => 0xBDD7EE,
        Category::Reference => 0xD9C3E9,
        Category::Other => 0xD9D9D9,
    }
}

/// SHA-256 of a file, in lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = std::io::Read::read(&mut file, &mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        }))
}

/// Writes the annotated workbook of `book` to `output`.
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
    // The user's corrections are never replaced, with or without --force.
    use crate::output::way_back::{Existing, assess};
    if let Existing::Corrected(_) | Existing::Earlier(_) = assess(output, book, registry)? {
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
    crate::output::check_target(output, &[&book.path], opts.force)?;
    let sha = sha256_file(&book.path)?;
    let (mut workbook, flagged_cells) = build(book, registry, opts.lang, &sha)?;
    let bytes = workbook
        .save_to_buffer()
        .map_err(|e| xlsx_error(output, e))?;
    let output = crate::output::write_file(output, &[&book.path], opts.force, &bytes)?;
    Ok(AnnotateReport {
        output,
        notes: book.notes.len(),
        flagged_cells,
    })
}

fn xlsx_error(path: &Path, e: XlsxError) -> Error {
    Error::Unsupported {
        path: path.to_path_buf(),
        detail: format!("the annotated workbook could not be built: {e}"),
    }
}

/// The cells to flag: (row, col) → the notes concerning it, in order.
type Flags<'a> = BTreeMap<(u32, u32), Vec<&'a LocatedNote>>;

fn flags(book: &Rejected) -> Flags<'_> {
    let mut flags: Flags<'_> = BTreeMap::new();
    let last_col = last_column(book);
    for located in &book.notes {
        if located.cells.is_empty() {
            // No cell located: the whole row (its template columns) is concerned.
            let notes_col = book.notes_column.map(|n| n.col);
            for col in 0..=last_col {
                if Some(col) != notes_col {
                    flags.entry((located.row, col)).or_default().push(located);
                }
            }
        } else {
            for cell in &located.cells {
                flags
                    .entry((located.row, cell.col))
                    .or_default()
                    .push(located);
            }
        }
    }
    flags
}

fn last_column(book: &Rejected) -> u32 {
    let coded = book.codes.len().saturating_sub(1) as u32;
    let data = book
        .data_rows()
        .filter_map(|r| r.cells.last().map(|(c, _)| *c))
        .max()
        .unwrap_or(0);
    // A stray cell far to the right must not make the grid 16,000 columns wide.
    coded.max(data.min(coded + 50))
}

/// Builds the annotated workbook in memory; returns it and the number of flagged cells.
pub fn build(
    book: &Rejected,
    registry: &Registry,
    lang: Lang,
    source_sha256: &str,
) -> Result<(Workbook, usize)> {
    let out = Path::new("annotated workbook");
    let err = |e: XlsxError| xlsx_error(out, e);
    let mut workbook = Workbook::new();
    // Excel's own level: nearly the size of the default at two thirds of the time.
    workbook.set_zip_compression_level(3);
    let properties = DocProperties::new()
        .set_title(format!("icare-fix: corrections for {}", book.file_name()))
        .set_comment("Written by icare-fix. Correct the highlighted cells, save, then give this file back to icare-fix: it writes the upload file with your corrections.")
        .set_custom_property(PROP_SOURCE_NAME, book.file_name())
        .set_custom_property(PROP_SOURCE_SHA256, source_sha256)
        .set_custom_property(PROP_VERSION, env!("CARGO_PKG_VERSION"));
    // Where the original is, so the way back finds it from wherever the annotated workbook
    // goes (an `--out` folder, a renamed or moved copy).
    let properties = match std::path::absolute(&book.path) {
        Ok(path) => properties.set_custom_property(PROP_SOURCE_PATH, path.display().to_string()),
        Err(_) => properties,
    };
    let properties = match std::fs::metadata(&book.path) {
        Ok(meta) => properties.set_custom_property(PROP_SOURCE_SIZE, meta.len().to_string()),
        Err(_) => properties,
    };
    workbook.set_properties(&properties);

    let flags = flags(book);
    let data_sheet = sheet_name(&book.sheet);
    let column_lists = ColumnLists::of_book(book, registry)
        .unwrap_or_else(|_| ColumnLists::build(&book.codes, None, registry));
    let lists: BTreeMap<u32, Vec<String>> = column_lists
        .iter()
        .filter(|(_, list)| list.is_list())
        .map(|(col, list)| (col, list.values.clone()))
        .collect();
    let mandatory: BTreeSet<u32> = (0..book.codes.len() as u32)
        .filter(|col| {
            book.code(*col).is_some_and(|code| {
                column_lists.is_mandatory(*col, code, registry, book.template.as_deref())
            })
        })
        .collect();
    let likely = likely_rejections(book, registry, &column_lists, &mandatory, &flags);

    {
        let ws = workbook.add_worksheet();
        ws.set_name(&data_sheet).map_err(err)?;
        write_grid(ws, book, registry, &flags, lang, &lists, &mandatory).map_err(err)?;
        write_likely(ws, book, &likely, lang).map_err(err)?;
    }
    {
        let ws = workbook.add_worksheet();
        ws.set_name(ERRORS_SHEET).map_err(err)?;
        write_errors(ws, book, registry, lang, &data_sheet).map_err(err)?;
    }
    {
        let ws = workbook.add_worksheet();
        ws.set_name(SUMMARY_SHEET).map_err(err)?;
        write_summary(ws, book, registry, likely.len()).map_err(err)?;
    }
    {
        let checklist = crate::output::checklist::Checklist::build(&[book], registry);
        let ws = workbook.add_worksheet();
        crate::output::checklist::write_sheet(ws, &checklist, lang).map_err(err)?;
    }
    if !lists.is_empty() {
        let ws = workbook.add_worksheet();
        ws.set_name(LISTS_SHEET).map_err(err)?;
        ws.set_hidden(true);
        for (i, (_, values)) in lists.iter().enumerate() {
            for (r, value) in values.iter().enumerate() {
                ws.write_string(r as u32, i as u16, value).map_err(err)?;
            }
        }
    }
    Ok((workbook, flags.len()))
}

/// Our sheets' names are fixed; the data sheet keeps its name unless it clashes.
fn sheet_name(name: &str) -> String {
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
    if [
        ERRORS_SHEET,
        SUMMARY_SHEET,
        LISTS_SHEET,
        crate::output::checklist::CHECKLIST_SHEET,
    ]
    .iter()
    .any(|n| n.eq_ignore_ascii_case(&name))
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

/// The fill of a likely rejection: no colour of iCARE's categories, a dashed orange border.
fn likely_format() -> Format {
    Format::new()
        .set_num_format("@")
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::MediumDashed)
        .set_border_color(Color::RGB(0xED7D31))
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
            if crate::output::clean::repaired_text(registry, template, code, Some(values), &value)
                .is_some()
            {
                continue;
            }
            let (en, fr) = match crate::workbook::lists::english_yes_no(&value, values) {
                Some(english) => (
                    format!("'{value}' is French: this template's list says '{english}'."),
                    format!(
                        "« {value} » est en français : la liste de ce gabarit dit « {english} »."
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

/// Marks the likely rejections, told apart from iCARE's own notes.
fn write_likely(
    ws: &mut Worksheet,
    book: &Rejected,
    likely: &[Likely],
    lang: Lang,
) -> Result<(), XlsxError> {
    let format = likely_format();
    for l in likely {
        let value = book.value(l.row, l.col);
        ws.write_string_with_format(l.row, l.col as u16, &value, &format)?;
        let head = lang.pick(
            "Not in iCARE's notes: a likely next rejection",
            "Absent des notes d'iCARE : un rejet probable",
            " / ",
        );
        let text = format!("{head}\n\n{}", lang.pick(&l.en, &l.fr, "\n"));
        let note = Note::new(text)
            .set_author("icare-fix")
            .set_width(300)
            .set_height(140);
        ws.insert_note(l.row, l.col as u16, &note)?;
    }
    Ok(())
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(Color::RGB(0x0000FF))
        .set_border(FormatBorder::Thin)
}

fn write_grid(
    ws: &mut Worksheet,
    book: &Rejected,
    registry: &Registry,
    flags: &Flags<'_>,
    lang: Lang,
    lists: &BTreeMap<u32, Vec<String>>,
    mandatory_cols: &BTreeSet<u32>,
) -> Result<(), XlsxError> {
    let last_col = last_column(book);
    let notes_col = book.notes_column.map(|n| n.col);
    let text = Format::new()
        .set_num_format("@")
        .set_align(FormatAlign::Top);
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let mandatory = header_format().set_font_color(Color::RGB(0xFFA500));
    let optional = header_format().set_font_color(Color::White);
    let summary = Format::new()
        .set_num_format("@")
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_font_color(Color::RGB(0x9C0006));
    let fills: HashMap<Category, Format> = Category::ALL
        .iter()
        .map(|c| {
            (
                *c,
                Format::new()
                    .set_num_format("@")
                    .set_align(FormatAlign::Top)
                    .set_background_color(Color::RGB(category_color(*c)))
                    .set_border(FormatBorder::Thin)
                    .set_border_color(Color::RGB(0xC00000)),
            )
        })
        .collect();

    // Header rows: title, codes (hidden), labels.
    for row in book.grid.rows.iter().filter(|r| r.row < book.data_start) {
        let is_title = row.row < book.codes_row;
        for (col, value) in &row.cells {
            if *col > last_col {
                continue;
            }
            let value = crate::workbook::display(value);
            if is_title {
                ws.write_string_with_format(row.row, *col as u16, &value, &title)?;
            } else if Some(row.row) == book.labels_row {
                let fmt = if mandatory_cols.contains(col) {
                    &mandatory
                } else {
                    &optional
                };
                ws.write_string_with_format(row.row, *col as u16, &value, fmt)?;
            } else {
                ws.write_string_with_format(row.row, *col as u16, &value, &text)?;
            }
        }
    }
    if let Some(title_row) = book.grid.row(0).filter(|_| book.codes_row > 0)
        && title_row.cells.len() == 1
        && title_row.cells[0].0 == 0
        && last_col > 0
    {
        let value = crate::workbook::display(&title_row.cells[0].1);
        ws.merge_range(0, 0, 0, last_col as u16, &value, &title)?;
        ws.set_row_height(0, 60)?;
    }
    ws.set_row_hidden(book.codes_row)?;

    // Data rows.
    let notes_by_row: BTreeMap<u32, Vec<&LocatedNote>> =
        book.notes.iter().fold(BTreeMap::new(), |mut m, n| {
            m.entry(n.row).or_default().push(n);
            m
        });
    for row in book.data_rows() {
        for (col, value) in &row.cells {
            if *col > last_col || Some(*col) == notes_col {
                continue;
            }
            let value = crate::workbook::display(value);
            match flags.get(&(row.row, *col)) {
                Some(notes) => ws.write_string_with_format(
                    row.row,
                    *col as u16,
                    &value,
                    &fills[&notes[0].category],
                )?,
                None => ws.write_string_with_format(row.row, *col as u16, &value, &text)?,
            };
        }
        if let Some(col) = notes_col {
            let text = match notes_by_row.get(&row.row) {
                Some(notes) => notes_summary(notes, lang),
                None => book.value(row.row, col),
            };
            ws.write_string_with_format(row.row, col as u16, &text, &summary)?;
            // Rows are as tall as their summary (about 55 characters a line in the 60-wide
            // column), up to six lines.
            let lines = text
                .lines()
                .map(|l| l.chars().count().div_ceil(55).max(1))
                .sum::<usize>()
                .clamp(1, 6);
            if lines > 1 {
                ws.set_row_height(row.row, 15.0 * lines as f64)?;
            }
        }
    }
    // Flagged cells that are empty still need their fill, and every flagged cell its note.
    for ((row, col), notes) in flags {
        if book.grid.row(*row).and_then(|r| r.get(*col)).is_none() {
            ws.write_blank(*row, *col as u16, &fills[&notes[0].category])?;
        }
        let note = Note::new(cell_note_text(book, registry, notes, *col, lang))
            .set_author("icare-fix")
            .set_width(360)
            .set_height(200);
        ws.insert_note(*row, *col as u16, &note)?;
    }

    // Drop-down lists on list columns, from the hidden Lists sheet.
    let last_data_row = book.data_rows().last().map_or(book.data_start, |r| r.row);
    let dv_last = last_data_row.max(book.data_start + VALIDATION_ROWS - 1);
    for (i, (col, values)) in lists.iter().enumerate() {
        let range = format!(
            "='{LISTS_SHEET}'!${}$1:${}${}",
            col_name(i as u32),
            col_name(i as u32),
            values.len()
        );
        let dv = DataValidation::new()
            .allow_list_formula(Formula::new(range))
            .set_error_title("Not allowed / Non permis")?
            .set_error_message(
                "Choose a value from the drop-down list. / Choisissez une valeur dans la liste.",
            )?;
        ws.add_data_validation(book.data_start, *col as u16, dv_last, *col as u16, &dv)?;
    }

    // Widths, frozen headers, filter.
    // Widths: the longest value, or the label over up to three lines, within limits.
    let mut longest: HashMap<u32, usize> = HashMap::new();
    for row in book.data_rows() {
        for (col, value) in &row.cells {
            let len = crate::workbook::display(value).chars().count();
            let entry = longest.entry(*col).or_default();
            *entry = (*entry).max(len);
        }
    }
    for col in 0..=last_col {
        let width = if Some(col) == notes_col {
            60.0
        } else {
            let label = book.label(col).chars().count().div_ceil(3);
            let value = longest.get(&col).copied().unwrap_or(0);
            (label.max(value) as f64 + 2.0).clamp(10.0, 45.0)
        };
        ws.set_column_width(col as u16, width)?;
    }
    if let Some(labels_row) = book.labels_row {
        ws.set_row_height(labels_row, 45)?;
    }
    ws.set_freeze_panes(book.data_start, 0)?;
    // Printing: the header rows on every page; a narrow template on one page wide.
    if let Some(labels_row) = book.labels_row {
        ws.set_repeat_rows(labels_row, labels_row)?;
    }
    ws.set_landscape();
    if last_col < 25 {
        ws.set_print_fit_to_pages(1, 0);
    }
    if let Some(labels_row) = book.labels_row {
        ws.autofilter(
            labels_row,
            0,
            last_data_row.max(labels_row),
            last_col as u16,
        )?;
    }
    Ok(())
}

/// The notes cell of an annotated row: the record's key, then one line per note.
fn notes_summary(notes: &[&LocatedNote], lang: Lang) -> String {
    let mut s = notes
        .iter()
        .find_map(|n| RowKey::of(&n.note))
        .map(|k| k.text())
        .unwrap_or_default();
    for located in notes {
        let fields: Vec<String> = if located.cells.is_empty() {
            vec![lang.pick("whole row", "toute la ligne", " / ")]
        } else {
            located.cell_names()
        };
        let message = if located.note.orp.is_none() && located.note.buid.is_none() {
            // The header did not parse: the raw note is on the Errors sheet, not repeated here.
            lang.pick(
                "iCARE note not understood, see the Errors sheet",
                "note d'iCARE non comprise, voir la feuille Errors",
                " / ",
            )
        } else {
            lang.pick(&located.note.message_en, &located.note.message_fr, " / ")
        };
        if !s.is_empty() {
            s.push('\n');
        }
        let _ = write!(s, "• {message} → {}", fields.join(", "));
    }
    // Thousands of notes in one row would pass Excel's limit for a cell.
    if s.chars().count() > MAX_NOTE_CHARS {
        s.chars().take(MAX_NOTE_CHARS).collect::<String>() + "…"
    } else {
        s
    }
}

fn cell_note_text(
    book: &Rejected,
    registry: &Registry,
    notes: &[&LocatedNote],
    col: u32,
    lang: Lang,
) -> String {
    let mut s = String::new();
    let code = book.code(col).unwrap_or_default();
    let label_fr = registry
        .column(book.template.as_deref(), code)
        .map(|c| c.label_fr.as_str())
        .unwrap_or("");
    let _ = writeln!(
        s,
        "{} [{code}]",
        lang.pick(&book.label(col), label_fr, " / ")
    );
    let mut seen = BTreeSet::new();
    for located in notes {
        let note = &located.note;
        if !seen.insert((&note.message_en, &note.message_fr)) {
            continue;
        }
        let (advice_en, advice_fr) = match registry.message(note) {
            Some(m) => (m.advice_en.as_str(), m.advice_fr.as_str()),
            None => (located.category.advice_en(), located.category.advice_fr()),
        };
        let _ = writeln!(
            s,
            "\n{}",
            lang.pick(
                located.category.label_en(),
                located.category.label_fr(),
                " / "
            )
        );
        if lang.en() {
            let _ = writeln!(s, "({}) {}", note.entity_en, note.message_en);
        }
        if lang.fr() && !note.message_fr.is_empty() {
            let _ = writeln!(s, "({}) {}", note.entity_fr, note.message_fr);
        }
        if lang.en() {
            let _ = writeln!(s, "What to do: {advice_en}");
        }
        if lang.fr() {
            let _ = writeln!(s, "Que faire : {advice_fr}");
        }
    }
    let s = s.trim_end().to_string();
    if s.chars().count() > MAX_NOTE_CHARS {
        s.chars().take(MAX_NOTE_CHARS).collect::<String>() + "…"
    } else {
        s
    }
}

fn write_errors(
    ws: &mut Worksheet,
    book: &Rejected,
    registry: &Registry,
    lang: Lang,
    data_sheet: &str,
) -> Result<(), XlsxError> {
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let advice_header = match lang {
        Lang::En => "What to do",
        Lang::Fr => "Que faire",
        Lang::Both => "What to do / Que faire",
    };
    let headers: [(&str, f64); 12] = [
        ("Row / Ligne", 8.0),
        ("Cell / Cellule", 10.0),
        ("Identifier type / Type d'identificateur", 24.0),
        ("Identifier / Identificateur", 16.0),
        ("Date of birth / Date de naissance", 14.0),
        ("Field / Champ", 28.0),
        ("Field code / Code du champ", 24.0),
        ("Category / Catégorie", 18.0),
        ("Message (English)", 40.0),
        ("Message (français)", 40.0),
        (advice_header, 60.0),
        ("Current value / Valeur actuelle", 20.0),
    ];
    for (c, (name, width)) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &header)?;
        ws.set_column_width(c as u16, *width)?;
    }
    let mut r = 1u32;
    let mut links = 0usize;
    for located in &book.notes {
        let client = book.client(located.row);
        let note = &located.note;
        let advice = match registry.message(note) {
            Some(m) => lang.pick(&m.advice_en, &m.advice_fr, "\n"),
            None => lang.pick(
                located.category.advice_en(),
                located.category.advice_fr(),
                "\n",
            ),
        };
        let targets: Vec<(String, String, Option<u32>)> = if located.cells.is_empty() {
            vec![(
                lang.pick("(whole row)", "(toute la ligne)", " / "),
                String::new(),
                None,
            )]
        } else {
            located
                .cells
                .iter()
                .map(|c| (book.label(c.col), c.code.clone(), Some(c.col)))
                .collect()
        };
        for (label, code, col) in targets {
            let cell = cell_name(located.row, col.unwrap_or(0));
            let location = format!("internal:'{}'!{cell}", data_sheet.replace('\'', "''"));
            if links < MAX_LINKS {
                ws.write_url(r, 1, Url::new(location).set_text(&cell))?;
                links += 1;
            } else {
                ws.write_string(r, 1, &cell)?;
            }
            ws.write_number(r, 0, f64::from(located.row + 1))?;
            ws.write_string(r, 2, &client.id_type)?;
            ws.write_string(r, 3, &client.id_value)?;
            ws.write_string(r, 4, &client.birth_date)?;
            ws.write_string(r, 5, &label)?;
            ws.write_string(r, 6, &code)?;
            ws.write_string(
                r,
                7,
                lang.pick(
                    located.category.label_en(),
                    located.category.label_fr(),
                    " / ",
                ),
            )?;
            ws.write_string_with_format(
                r,
                8,
                format!("({}) {}", note.entity_en, note.message_en),
                &wrap,
            )?;
            ws.write_string_with_format(
                r,
                9,
                format!("({}) {}", note.entity_fr, note.message_fr),
                &wrap,
            )?;
            ws.write_string_with_format(r, 10, &advice, &wrap)?;
            if let Some(col) = col {
                ws.write_string(r, 11, book.value(located.row, col))?;
            }
            r += 1;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, r.saturating_sub(1).max(1), (headers.len() - 1) as u16)?;
    Ok(())
}

fn write_summary(
    ws: &mut Worksheet,
    book: &Rejected,
    registry: &Registry,
    likely: usize,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let heading = Format::new().set_bold().set_font_size(13);
    ws.set_column_width(0, 44)?;
    ws.set_column_width(1, 30)?;
    ws.set_column_width(2, 18)?;
    ws.set_column_width(3, 12)?;
    let mut r = 0u32;
    ws.write_string_with_format(
        r,
        0,
        "icare-fix: corrections to make / corrections à faire",
        &heading,
    )?;
    r += 2;
    let template = book
        .template
        .as_deref()
        .and_then(|id| registry.template(id))
        .map_or("unknown / inconnu".to_string(), |t| t.title_en.clone());
    let buids: BTreeSet<u64> = book.notes.iter().filter_map(|n| n.note.buid).collect();
    let times: Vec<_> = book.notes.iter().filter_map(|n| n.note.timestamp).collect();
    let range = match (times.iter().min(), times.iter().max()) {
        (Some(a), Some(b)) => format!(
            "{} – {}",
            a.format("%Y-%m-%d %H:%M:%S"),
            b.format("%Y-%m-%d %H:%M:%S")
        ),
        _ => String::new(),
    };
    for (k, v) in [
        ("File / Fichier", book.file_name()),
        ("Template / Gabarit", template),
        (
            "Bulk upload ids (BUID)",
            buids
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("Processed / Traité", range),
        (
            "Rejected rows / Lignes rejetées",
            book.row_count().to_string(),
        ),
        ("Notes", book.notes.len().to_string()),
    ] {
        ws.write_string_with_format(r, 0, k, &bold)?;
        ws.write_string(r, 1, v)?;
        r += 1;
    }

    r += 1;
    ws.write_string_with_format(
        r,
        0,
        "Colour legend and counts / Légende des couleurs",
        &heading,
    )?;
    r += 1;
    for category in Category::ALL {
        let fill = Format::new().set_background_color(Color::RGB(category_color(category)));
        let count = book.notes.iter().filter(|n| n.category == category).count();
        ws.write_string_with_format(
            r,
            0,
            format!("{} / {}", category.label_en(), category.label_fr()),
            &fill,
        )?;
        ws.write_number(r, 1, count as f64)?;
        r += 1;
    }
    ws.write_string_with_format(
        r,
        0,
        "Likely next rejection, not in iCARE's notes / Rejet probable, absent des notes d'iCARE",
        &likely_format(),
    )?;
    ws.write_number(r, 1, likely as f64)?;
    r += 1;
    ws.write_string(
        r,
        0,
        "Orange labels: mandatory fields / Étiquettes orange : champs obligatoires",
    )?;
    r += 1;

    r += 1;
    ws.write_string_with_format(r, 0, "By field / Par champ", &heading)?;
    r += 1;
    let mut by_field: BTreeMap<(String, String), usize> = BTreeMap::new();
    for located in &book.notes {
        for cell in &located.cells {
            *by_field
                .entry((book.label(cell.col), cell.code.clone()))
                .or_default() += 1;
        }
        for code in &located.unlocated {
            *by_field
                .entry((format!("{code} (not in this file)"), code.clone()))
                .or_default() += 1;
        }
    }
    for ((label, code), count) in &by_field {
        ws.write_string(r, 0, label)?;
        ws.write_string(r, 1, code)?;
        ws.write_number(r, 2, *count as f64)?;
        r += 1;
    }

    r += 1;
    ws.write_string_with_format(r, 0, "By client / Par client", &heading)?;
    r += 1;
    for (c, h) in [
        "Identifier type / Type d'identificateur",
        "Identifier / Identificateur",
        "Date of birth / Date de naissance",
        "Notes",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(r, c as u16, *h, &bold)?;
    }
    r += 1;
    let mut by_client: BTreeMap<crate::workbook::Client, usize> = BTreeMap::new();
    for located in &book.notes {
        *by_client.entry(book.client(located.row)).or_default() += 1;
    }
    for (client, count) in &by_client {
        ws.write_string(r, 0, &client.id_type)?;
        ws.write_string(r, 1, &client.id_value)?;
        ws.write_string(r, 2, &client.birth_date)?;
        ws.write_number(r, 3, *count as f64)?;
        r += 1;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Predicted problems: `icare-fix check --annotate` draws what it predicts on the same
// annotated workbook, filled and labelled apart from the notes iCARE wrote.

/// A problem predicted for a cell (0-based) by `icare-fix check`, not written by iCARE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Predicted {
    /// Row, 0-based.
    pub row: u32,
    /// Column, 0-based.
    pub col: u32,
    /// An error (iCARE rejects it) rather than an educated guess.
    pub error: bool,
    /// What is wrong and what to do, in English.
    pub en: String,
    /// The same in French.
    pub fr: String,
}

/// Writes the annotated workbook of `book` with `predicted` drawn on its first sheet:
/// diagonal stripes (violet for errors, grey for guesses) and a note that starts "Predicted
/// by icare-fix check, not written by iCARE". Cells iCARE itself flagged keep iCARE's fill
/// and note. The workbook carries no source properties: it is for reading, not for the way
/// back. Returns the number of cells drawn in `flagged_cells`.
pub fn annotate_predicted(
    book: &Rejected,
    registry: &Registry,
    output: &Path,
    opts: &AnnotateOptions,
    predicted: &[Predicted],
) -> Result<AnnotateReport> {
    use rust_xlsxwriter::FormatPattern;
    crate::output::check_target(output, &[&book.path], opts.force)?;
    let err = |e: XlsxError| xlsx_error(output, e);
    let (mut workbook, _) = build(book, registry, opts.lang, "")?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("icare-fix check: predicted problems of {}", book.file_name()))
            .set_comment("Predicted by icare-fix check, not written by iCARE. Correct the data in the case-management system or in the file itself."),
    );
    let stripes = |color: u32| {
        Format::new()
            .set_num_format("@")
            .set_align(FormatAlign::Top)
            .set_pattern(FormatPattern::LightUp)
            .set_foreground_color(Color::RGB(color))
            .set_background_color(Color::White)
            .set_border(FormatBorder::DashDot)
            .set_border_color(Color::RGB(color))
    };
    let (error_format, guess_format) = (stripes(0x7030A0), stripes(0x808080));
    let icare = flags(book);
    let mut cells: BTreeMap<(u32, u32), Vec<&Predicted>> = BTreeMap::new();
    for p in predicted
        .iter()
        .filter(|p| !icare.contains_key(&(p.row, p.col)))
    {
        cells.entry((p.row, p.col)).or_default().push(p);
    }
    let ws = workbook.worksheet_from_index(0).map_err(err)?;
    for ((row, col), problems) in &cells {
        let error = problems.iter().any(|p| p.error);
        let format = if error { &error_format } else { &guess_format };
        ws.write_string_with_format(*row, *col as u16, book.value(*row, *col), format)
            .map_err(err)?;
        let mut text = opts.lang.pick(
            "Predicted by icare-fix check, not written by iCARE",
            "Prévu par icare-fix check, pas écrit par iCARE",
            "\n",
        );
        for p in problems {
            let kind = if p.error {
                opts.lang.pick("Error", "Erreur", " / ")
            } else {
                opts.lang.pick(
                    "Warning (educated guess)",
                    "Avertissement (supposition)",
                    " / ",
                )
            };
            let _ = write!(text, "\n\n{kind}\n{}", opts.lang.pick(&p.en, &p.fr, "\n"));
        }
        let note = Note::new(text)
            .set_author("icare-fix check")
            .set_width(360)
            .set_height(200);
        ws.insert_note(*row, *col as u16, &note).map_err(err)?;
    }
    let bytes = workbook.save_to_buffer().map_err(err)?;
    let output = crate::output::write_file(output, &[&book.path], opts.force, &bytes)?;
    Ok(AnnotateReport {
        output,
        notes: book.notes.len(),
        flagged_cells: cells.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
