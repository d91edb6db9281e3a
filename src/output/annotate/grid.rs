//! The annotated workbook's first sheet: the rejected sheet's grid with the cells to fix
//! filled in their category's colour, a note on each, the notes column summarised, the
//! drop-down lists back on list columns, and the sheet set up to print.
//!
//! What the data sheet prints: a wide template (Information and Orientation has 95 columns)
//! fitted to one page wide would print too small to read, and Excel prints only one
//! rectangle per print area. So the sheet prints its first columns (the notes, the client's
//! identifiers and as many more as fit [`PRINT_WIDTH`]) at a readable size, the labels row on
//! every page, and the footer says which columns were left out: every cell to fix, in any
//! column, is listed on the Errors and Checklist sheets, which print whole.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use rust_xlsxwriter::{
    Color, DataValidation, Format, FormatAlign, FormatBorder, Formula, Worksheet, XlsxError,
};

use super::context::{
    Annotation, Flags, MAX_NOTE_CHARS, SheetNames, VALIDATION_ROWS, category_color, last_column,
};
use super::notes::CellNotes;
use crate::lang::Lang;
use crate::note::Category;
use crate::output::print;
use crate::output::stamp::RowKey;
use crate::workbook::{LocatedNote, Rejected, col_name};

/// Width of the notes column, in characters.
const NOTES_WIDTH: f64 = 60.0;
/// The widest the printed columns may be together, in characters: on a landscape Letter
/// page this prints at about two thirds of full size.
const PRINT_WIDTH: f64 = 200.0;

/// The formats of the grid.
struct Formats {
    text: Format,
    title: Format,
    mandatory: Format,
    optional: Format,
    summary: Format,
    fills: HashMap<Category, Format>,
}

impl Formats {
    fn new() -> Formats {
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_background_color(Color::RGB(0x0000FF))
            .set_border(FormatBorder::Thin);
        Formats {
            text: Format::new()
                .set_num_format("@")
                .set_align(FormatAlign::Top),
            title: Format::new()
                .set_bold()
                .set_font_size(14)
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            mandatory: header.clone().set_font_color(Color::RGB(0xFFA500)),
            optional: header.set_font_color(Color::White),
            summary: Format::new()
                .set_num_format("@")
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_font_color(Color::RGB(0x9C0006)),
            fills: Category::ALL
                .iter()
                .map(|c| {
                    let fill = Format::new()
                        .set_num_format("@")
                        .set_align(FormatAlign::Top)
                        .set_background_color(Color::RGB(category_color(*c)))
                        .set_border(FormatBorder::Thin)
                        .set_border_color(Color::RGB(0xC00000));
                    (*c, fill)
                })
                .collect(),
        }
    }
}

/// Writes the grid on `ws`: header rows, data rows, notes, drop-downs, widths, printing.
pub(super) fn write_grid(
    ws: &mut Worksheet,
    ctx: &Annotation<'_>,
    flags: &Flags<'_>,
    lists: &BTreeMap<u32, Vec<String>>,
    mandatory: &BTreeSet<u32>,
    marks: &BTreeMap<(u32, u32), Format>,
    cell_notes: &mut CellNotes,
) -> Result<(), XlsxError> {
    let book = ctx.book;
    let last_col = last_column(book);
    let formats = Formats::new();
    let widths = column_widths(book, last_col);
    for (col, width) in widths.iter().enumerate() {
        cell_notes.set_column_width(ws, col as u16, *width)?;
    }
    write_header_rows(ws, book, last_col, &formats, mandatory, &widths, cell_notes)?;
    write_data_rows(ws, ctx, flags, marks, &formats, last_col, cell_notes)?;
    let after_grid = book
        .data_rows()
        .last()
        .map_or(book.data_start, |r| r.row + 1);
    finish_rows(ws, after_grid)?;
    write_cell_notes(ws, ctx, flags, cell_notes)?;
    add_drop_downs(ws, ctx, lists)?;
    ws.set_freeze_panes(book.data_start, 0)?;
    let last_data_row = book.data_rows().last().map_or(book.data_start, |r| r.row);
    if let Some(labels_row) = book.labels_row {
        ws.autofilter(
            labels_row,
            0,
            last_data_row.max(labels_row),
            last_col as u16,
        )?;
    }
    set_printing(ws, ctx, &widths, last_data_row)
}

/// Widths: the notes column [`NOTES_WIDTH`]; the others the longest value, or the label over
/// up to three lines, within limits.
fn column_widths(book: &Rejected, last_col: u32) -> Vec<f64> {
    let notes_col = book.notes_column.map(|n| n.col);
    let mut longest: HashMap<u32, usize> = HashMap::new();
    for row in book.data_rows() {
        for (col, value) in &row.cells {
            let len = crate::workbook::display(value).chars().count();
            let entry = longest.entry(*col).or_default();
            *entry = (*entry).max(len);
        }
    }
    (0..=last_col)
        .map(|col| {
            if Some(col) == notes_col {
                NOTES_WIDTH
            } else {
                let label = book.label(col).chars().count().div_ceil(3);
                let value = longest.get(&col).copied().unwrap_or(0);
                (label.max(value) as f64 + 2.0).clamp(10.0, 45.0)
            }
        })
        .collect()
}

/// The rows above the data, top to bottom (the data sheet is written a row at a time, in
/// order, so each row's height and visibility are set before its cells): the title (merged
/// across the grid when it is one cell), the hidden codes row, the labels.
fn write_header_rows(
    ws: &mut Worksheet,
    book: &Rejected,
    last_col: u32,
    f: &Formats,
    mandatory: &BTreeSet<u32>,
    widths: &[f64],
    cell_notes: &mut CellNotes,
) -> Result<(), XlsxError> {
    for r in 0..book.data_start {
        let cells = book.grid.row(r).map_or(&[][..], |row| &row.cells[..]);
        if r == book.codes_row {
            cell_notes.set_row_hidden(ws, r)?;
        }
        if Some(r) == book.labels_row {
            let labels: Vec<String> = (0..=last_col).map(|col| book.label(col)).collect();
            let height = print::row_height(&labels, widths, 11.0).max(30.0);
            cell_notes.set_row_height(ws, r, height)?;
        }
        if r == 0 && book.codes_row > 0 && cells.len() == 1 && cells[0].0 == 0 && last_col > 0 {
            let value = crate::workbook::display(&cells[0].1);
            let lines = value.lines().count().max(1) as f64;
            cell_notes.set_row_height(ws, 0, (lines * 19.0 + 4.0).max(30.0))?;
            ws.merge_range(0, 0, 0, last_col as u16, &value, &f.title)?;
            continue;
        }
        let is_title = r < book.codes_row;
        for (col, value) in cells {
            if *col > last_col {
                continue;
            }
            let value = crate::workbook::display(value);
            let format = if is_title {
                &f.title
            } else if Some(r) == book.labels_row {
                if mandatory.contains(col) {
                    &f.mandatory
                } else {
                    &f.optional
                }
            } else {
                &f.text
            };
            ws.write_string_with_format(r, *col as u16, &value, format)?;
        }
    }
    Ok(())
}

/// Data rows, top to bottom: values as text, flagged cells filled (empty ones too), other
/// marked cells (likely rejections, predicted problems) in their `marks` format, the notes
/// cell summarised, each row as tall as its summary wraps.
fn write_data_rows(
    ws: &mut Worksheet,
    ctx: &Annotation<'_>,
    flags: &Flags<'_>,
    marks: &BTreeMap<(u32, u32), Format>,
    f: &Formats,
    last_col: u32,
    cell_notes: &mut CellNotes,
) -> Result<(), XlsxError> {
    let book = ctx.book;
    let notes_col = book.notes_column.map(|n| n.col);
    let notes_by_row: BTreeMap<u32, Vec<&LocatedNote>> =
        book.notes.iter().fold(BTreeMap::new(), |mut m, n| {
            m.entry(n.row).or_default().push(n);
            m
        });
    // A row's cells in column order (as the grid holds them), values borrowed where they are
    // text: one vector for every row.
    let mut cells: Vec<(u32, Cow<'_, str>, &Format)> = Vec::new();
    let empty = || Cow::Borrowed("");
    for row in book.data_rows() {
        cells.clear();
        cells.extend(
            row.cells
                .iter()
                .filter(|(col, _)| *col <= last_col && Some(*col) != notes_col)
                .map(|(col, value)| (*col, shown(value), &f.text)),
        );
        let flagged = flags
            .range((row.row, 0)..=(row.row, u32::MAX))
            .map(|(&(_, col), notes)| (col, &f.fills[&notes[0].category]));
        let marked = marks
            .range((row.row, 0)..=(row.row, u32::MAX))
            .map(|(&(_, col), format)| (col, format));
        // Marks come after flags: a mark's format wins, as it always has.
        for (col, format) in flagged.chain(marked) {
            match cells.binary_search_by_key(&col, |c| c.0) {
                Ok(i) => cells[i].2 = format,
                Err(i) => cells.insert(i, (col, empty(), format)),
            }
        }
        if let Some(col) = notes_col {
            let text = match notes_by_row.get(&row.row) {
                Some(notes) => notes_summary(notes, ctx.lang),
                None => book.value(row.row, col),
            };
            let height = print::row_height(&[&text], &[NOTES_WIDTH], 11.0);
            if height > print::LINE_HEIGHT + 3.0 {
                cell_notes.set_row_height(ws, row.row, height)?;
            }
            let cell = (col, Cow::Owned(text), &f.summary);
            match cells.binary_search_by_key(&col, |c| c.0) {
                Ok(i) => cells[i] = cell,
                Err(i) => cells.insert(i, cell),
            }
        }
        for (col, value, format) in &cells {
            if value.is_empty() {
                ws.write_blank(row.row, *col as u16, format)?;
            } else {
                ws.write_string_with_format(row.row, *col as u16, value.as_ref(), format)?;
            }
        }
    }
    Ok(())
}

/// Writes out the grid's last row now, by starting the row after it with an empty cell
/// (unformatted, so nothing is written for it but an empty `<row>`).
///
/// In constant-memory mode rust_xlsxwriter (0.102) writes a row when a later row is started.
/// The last row is written on saving instead, and when that row has a height of its own (the
/// labels row, a data row whose summary wraps) it comes out twice: the row with its cells,
/// then `<row r=".." ht=".." customHeight="1"/>` again, a file Excel offers to repair. Every
/// row is then written the ordinary way, once, with its height.
pub(super) fn finish_rows(ws: &mut Worksheet, after_grid: u32) -> Result<(), XlsxError> {
    /// Excel's number of rows: a grid ending on the sheet's last row has no row after it.
    const ROWS: u32 = 1_048_576;
    if after_grid < ROWS {
        ws.write_blank(after_grid, 0, &Format::new())?;
    }
    Ok(())
}

/// A cell's value as the annotated workbook shows it: text as it is, without a copy.
fn shown(value: &calamine::Data) -> Cow<'_, str> {
    match value {
        calamine::Data::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(crate::workbook::display(other)),
    }
}

/// Every flagged cell gets its note (notes are kept apart from the rows, so they may come
/// after them).
fn write_cell_notes(
    ws: &mut Worksheet,
    ctx: &Annotation<'_>,
    flags: &Flags<'_>,
    cell_notes: &mut CellNotes,
) -> Result<(), XlsxError> {
    for ((row, col), notes) in flags {
        let text = cell_note_text(ctx, notes, *col);
        cell_notes.insert(ws, (*row, *col as u16), text, "icare-fix", (360, 200))?;
    }
    Ok(())
}

/// Drop-down lists on list columns, from the hidden Lists sheet.
fn add_drop_downs(
    ws: &mut Worksheet,
    ctx: &Annotation<'_>,
    lists: &BTreeMap<u32, Vec<String>>,
) -> Result<(), XlsxError> {
    let book = ctx.book;
    let last_data_row = book.data_rows().last().map_or(book.data_start, |r| r.row);
    let dv_last = last_data_row.max(book.data_start + VALIDATION_ROWS - 1);
    let lists_sheet = ctx.names.lists.replace('\'', "''");
    for (i, (col, values)) in lists.iter().enumerate() {
        let range = format!(
            "='{lists_sheet}'!${}$1:${}${}",
            col_name(i as u32),
            col_name(i as u32),
            values.len()
        );
        let dv = DataValidation::new()
            .allow_list_formula(Formula::new(range))
            .set_error_title(ctx.t("Not allowed", "Non permis"))?
            .set_error_message(ctx.t(
                "Choose a value from the drop-down list.",
                "Choisissez une valeur dans la liste.",
            ))?;
        ws.add_data_validation(book.data_start, *col as u16, dv_last, *col as u16, &dv)?;
    }
    Ok(())
}

/// Printing: Letter, landscape, the labels row on every page, the first columns that fit
/// [`PRINT_WIDTH`] fitted to one page wide; the footer names the columns left out.
fn set_printing(
    ws: &mut Worksheet,
    ctx: &Annotation<'_>,
    widths: &[f64],
    last_data_row: u32,
) -> Result<(), XlsxError> {
    let book = ctx.book;
    let mut total = 0.0;
    let printed = widths
        .iter()
        .take_while(|w| {
            total += **w;
            total <= PRINT_WIDTH
        })
        .count()
        .max(1);
    let last_printed = printed as u32 - 1;
    let last_col = widths.len() as u32 - 1;
    ws.set_print_area(0, 0, last_data_row, last_printed as u16)?;
    let name: String = book.file_name().chars().take(40).collect();
    let footer = if last_printed < last_col {
        format!(
            "{name} · {}",
            ctx.t(
                &format!(
                    "Columns A-{} of A-{} printed; every cell to fix is on the Errors and Checklist sheets.",
                    col_name(last_printed),
                    col_name(last_col)
                ),
                &format!(
                    "Colonnes A-{} sur A-{} imprimées; chaque cellule à corriger est dans Erreurs et Liste de vérification.",
                    col_name(last_printed),
                    col_name(last_col)
                ),
            )
        )
    } else {
        name
    };
    let repeat = book.labels_row.map(|r| (r, r));
    print::page_setup(ws, true, repeat, &footer)
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
                &format!(
                    "iCARE note not understood, see the {} sheet",
                    SheetNames::of(Lang::En).errors
                ),
                &format!(
                    "note d'iCARE non comprise, voir la feuille {}",
                    SheetNames::of(Lang::Fr).errors
                ),
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

/// The note of a flagged cell: the field, then each note's category, message and advice.
fn cell_note_text(ctx: &Annotation<'_>, notes: &[&LocatedNote], col: u32) -> String {
    let lang = ctx.lang;
    let mut s = String::new();
    let code = ctx.book.code(col).unwrap_or_default();
    let _ = writeln!(s, "{} [{code}]", ctx.label(col));
    let mut seen = BTreeSet::new();
    for located in notes {
        let note = &located.note;
        if !seen.insert((&note.message_en, &note.message_fr)) {
            continue;
        }
        let (advice_en, advice_fr) = ctx.advice(located);
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
