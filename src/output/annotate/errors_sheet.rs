//! The Errors sheet of the annotated workbook: one row per iCARE note, with a link to its
//! first cell, the client, the fields, the category, the message and what to do, in the
//! language chosen. Set up to print: landscape, one page wide, the headings on every page,
//! each row as tall as its wrapped text.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Url, Worksheet, XlsxError};

use super::context::{Annotation, MAX_LINKS};
use crate::lang::Lang;
use crate::output::print;
use crate::workbook::{LocatedNote, cell_name};

/// The widest the Cells column gets, in characters.
const MAX_CELLS_WIDTH: f64 = 24.0;

/// Font size of the sheet's rows.
const FONT_SIZE: f64 = 10.0;

/// The columns: English heading, French heading, width in characters.
const COLUMNS: [(&str, &str, f64); 8] = [
    ("Row", "Ligne", 6.0),
    ("Cells", "Cellules", 9.0),
    ("Client", "Client", 22.0),
    ("Fields", "Champs", 26.0),
    ("Category", "Catégorie", 14.0),
    ("Message", "Message", 40.0),
    ("What to do", "Que faire", 52.0),
    ("Current value", "Valeur actuelle", 18.0),
];

/// Writes the Errors sheet on `ws`; `data_sheet` is the name of the sheet the links go to.
pub(super) fn write_errors(
    ws: &mut Worksheet,
    ctx: &Annotation<'_>,
    data_sheet: &str,
) -> Result<u32, XlsxError> {
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_font_size(FONT_SIZE)
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_font_size(FONT_SIZE)
        .set_border(FormatBorder::Thin)
        .set_num_format("@");
    let link = wrap
        .clone()
        .set_font_color(Color::RGB(0x0563C1))
        .set_underline(rust_xlsxwriter::FormatUnderline::Single);
    let rows: Vec<(&LocatedNote, Vec<String>)> = ctx
        .book
        .notes
        .iter()
        .map(|located| (located, row_texts(ctx, located)))
        .collect();
    let widths = widths(&rows);
    let headings: Vec<String> = COLUMNS.iter().map(|(en, fr, _)| ctx.t(en, fr)).collect();
    for (c, (name, width)) in headings.iter().zip(&widths).enumerate() {
        ws.write_string_with_format(0, c as u16, name, &header)?;
        ws.set_column_width(c as u16, *width)?;
    }
    let height = |texts: &[String]| print::row_height(texts, &widths, FONT_SIZE);
    ws.set_row_height(0, height(&headings))?;
    let location = |cell: &str| format!("internal:'{}'!{cell}", data_sheet.replace('\'', "''"));
    let mut r = 1u32;
    for (located, texts) in &rows {
        for (c, text) in texts.iter().enumerate() {
            ws.write_string_with_format(r, c as u16, text, &wrap)?;
        }
        // A link's text does not wrap in every program: a list of cells too long for the
        // column stays plain wrapped text.
        let fits = texts[1].chars().count() as f64 + 1.0 <= widths[1];
        if let Some(first) = located.cells.first()
            && fits
            && (r as usize) <= MAX_LINKS
        {
            let cell = cell_name(located.row, first.col);
            let url = Url::new(location(&cell)).set_text(&texts[1]);
            ws.write_url_with_format(r, 1, url, &link)?;
        }
        ws.write_number_with_format(r, 0, f64::from(located.row + 1), &wrap)?;
        ws.set_row_height(r, height(texts))?;
        r += 1;
    }
    ws.set_freeze_panes(1, 0)?;
    let last_col = (COLUMNS.len() - 1) as u16;
    ws.autofilter(0, 0, r.saturating_sub(1).max(1), last_col)?;
    ws.set_print_area(0, 0, r.saturating_sub(1).max(1), last_col)?;
    let footer = format!(
        "{} · {}",
        ctx.book.file_name().chars().take(60).collect::<String>(),
        ctx.names.errors
    );
    print::page_setup(ws, true, Some((0, 0)), &footer)?;
    Ok(r)
}

/// The widths of [`COLUMNS`], the Cells column as wide as its longest list of cells (within
/// limits).
fn widths(rows: &[(&LocatedNote, Vec<String>)]) -> Vec<f64> {
    let cells = rows
        .iter()
        .map(|(_, texts)| texts[1].chars().count())
        .max()
        .unwrap_or(0);
    COLUMNS
        .iter()
        .enumerate()
        .map(|(c, (_, _, width))| {
            if c == 1 {
                (cells as f64 + 2.0).clamp(*width, MAX_CELLS_WIDTH)
            } else {
                *width
            }
        })
        .collect()
}

/// The texts of one note's row, one per column of [`COLUMNS`].
fn row_texts(ctx: &Annotation<'_>, located: &LocatedNote) -> Vec<String> {
    let lang = ctx.lang;
    let book = ctx.book;
    let note = &located.note;
    let client = book.client(located.row);
    let client = [&client.id_type, &client.id_value, &client.birth_date]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let whole_row = || ctx.t("(whole row)", "(toute la ligne)");
    let (cells, fields, values) = if located.cells.is_empty() && !located.unlocated.is_empty() {
        let not_in_file = ctx.t("not in this file", "absent de ce fichier");
        let fields: Vec<String> = located
            .unlocated
            .iter()
            .map(|code| {
                let label = ctx
                    .registry
                    .column(book.template.as_deref(), code)
                    .map_or(code.to_string(), |c| ctx.t(&c.label_en, &c.label_fr));
                format!("{label} ({not_in_file})")
            })
            .collect();
        (whole_row(), fields.join("\n"), String::new())
    } else if located.cells.is_empty() {
        (whole_row(), whole_row(), String::new())
    } else {
        let cells: Vec<String> = located.cell_names();
        let fields: Vec<String> = located
            .cells
            .iter()
            .map(|c| format!("{} [{}]", ctx.label(c.col), c.code))
            .collect();
        let values: Vec<String> = located
            .cells
            .iter()
            .map(|c| book.value(located.row, c.col))
            .collect();
        (cells.join(", "), fields.join("\n"), values.join("\n"))
    };
    let message_en = with_entity(&note.entity_en, &note.message_en);
    let message_fr = with_entity(&note.entity_fr, &note.message_fr);
    let mut message = match lang {
        Lang::Both if !message_fr.is_empty() => format!("{message_en}\n{message_fr}"),
        _ => lang.pick(&message_en, &message_fr, "\n"),
    };
    if note.problem.is_some() {
        // Not fully understood: the note as iCARE wrote it, so nothing is lost.
        message = format!(
            "{message}\n{}: {}",
            ctx.t("As written by iCARE", "Telle qu'écrite par iCARE"),
            note.raw.trim()
        );
    }
    let (advice_en, advice_fr) = ctx.advice(located);
    vec![
        (located.row + 1).to_string(),
        cells,
        client,
        fields,
        ctx.t(located.category.label_en(), located.category.label_fr()),
        message,
        lang.pick(&advice_en, &advice_fr, "\n"),
        values,
    ]
}

/// `(Profile) Message`, or the message alone when iCARE named no entity.
fn with_entity(entity: &str, message: &str) -> String {
    if entity.is_empty() || message.is_empty() {
        message.to_string()
    } else {
        format!("({entity}) {message}")
    }
}
