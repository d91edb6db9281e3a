//! The checklist as a worksheet, for the annotated workbook: one row per item, set up to
//! print (landscape, one page wide, title and header rows on every page).

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

use crate::output::print;

use super::model::Checklist;
use super::text::pick;
use crate::lang::Lang;

/// The name [`write_sheet`] gives the worksheet in English.
pub const CHECKLIST_SHEET: &str = "Checklist";

/// The name [`write_sheet`] gives the worksheet in `lang` (Excel allows no `/` in a sheet
/// name: both languages are joined with a dash).
pub fn sheet_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => CHECKLIST_SHEET,
        Lang::Fr => "Liste de vérification",
        Lang::Both => "Checklist - Vérification",
    }
}

/// Font size of the item rows.
const FONT_SIZE: f64 = 10.0;

/// Row of the column headings (0-based); the title is in row 0.
const HEADER_ROW: u32 = 1;

/// Columns: English heading, French heading, width in characters.
const COLUMNS: [(&str, &str, f64); 14] = [
    ("#", "#", 4.0),
    ("Client", "Client", 26.0),
    ("Not validated", "Non validé", 9.0),
    ("File", "Fichier", 18.0),
    ("Template", "Modèle", 16.0),
    ("Row", "Ligne", 6.0),
    ("ORP", "ORP", 7.0),
    ("RID", "RID", 10.0),
    ("Field (cell)", "Champ (cellule)", 26.0),
    ("Current value", "Valeur actuelle", 20.0),
    ("What is wrong", "Problème", 38.0),
    ("What to do", "Que faire", 45.0),
    (
        "Corrected in the case-management system",
        "Corrigé dans le système de gestion des dossiers",
        13.0,
    ),
    ("Corrected in the file", "Corrigé dans le fichier", 11.0),
];

/// An empty box to tick on paper.
const BOX: &str = "\u{2610}";

/// Writes `checklist` on `ws` in `lang` and sets the sheet up to print: named
/// [`CHECKLIST_SHEET`], title in row 1, headings in row 2 (both repeated on every printed
/// page), one row per item in the order of work, landscape, fit to one page wide, gridlines
/// printed, page numbers in the footer, panes frozen under the headings and a filter on them.
/// Rows of clients IRCC could not validate are shaded. Rows are written in order, so `ws` may
/// be a constant-memory worksheet; returns the row after the last one written.
///
/// # Errors
///
/// Fails when the workbook writer refuses the content (a cell or a setting beyond Excel's
/// limits).
pub fn write_sheet(
    ws: &mut Worksheet,
    checklist: &Checklist,
    lang: Lang,
) -> Result<u32, XlsxError> {
    ws.set_name(sheet_name(lang))?;
    let title = Format::new().set_bold().set_font_size(14);
    let heading = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_font_size(FONT_SIZE)
        .set_background_color(Color::RGB(0xECEFF3))
        .set_border(FormatBorder::Thin);
    let plain = Format::new()
        .set_font_size(FONT_SIZE)
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin)
        .set_num_format("@");
    let identity = plain.clone().set_background_color(Color::RGB(0xFFF2E8));
    let boxed = plain
        .clone()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_font_size(16);
    let boxed_identity = boxed.clone().set_background_color(Color::RGB(0xFFF2E8));

    let names: Vec<&str> = checklist.files.iter().map(|f| f.name.as_str()).collect();
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{}: {}",
            pick(
                lang,
                "Correction checklist",
                "Liste de vérification des corrections"
            ),
            names.join(", ")
        ),
        &title,
    )?;
    let headings: Vec<String> = COLUMNS
        .iter()
        .map(|(en, fr, _)| pick(lang, en, fr))
        .collect();
    for (col, (text, (_, _, width))) in headings.iter().zip(COLUMNS.iter()).enumerate() {
        let col = col as u16;
        ws.write_string_with_format(HEADER_ROW, col, text, &heading)?;
        ws.set_column_width(col, *width)?;
    }
    ws.set_row_height(HEADER_ROW, height(&headings))?;

    let yes = pick(lang, "Yes", "Oui");
    let mut count = 0u32;
    for (i, row) in checklist.rows_iter(lang).enumerate() {
        count += 1;
        let r = HEADER_ROW + 1 + i as u32;
        let (fmt, box_fmt) = if row.not_validated {
            (&identity, &boxed_identity)
        } else {
            (&plain, &boxed)
        };
        let cells = [
            row.client_no.to_string(),
            row.client.clone(),
            if row.not_validated {
                yes.clone()
            } else {
                String::new()
            },
            row.file.clone(),
            row.template.clone(),
            row.row.to_string(),
            row.orp.clone(),
            row.rid.clone(),
            row.fields.clone(),
            row.values.clone(),
            row.problem.clone(),
            row.advice.clone(),
        ];
        for (col, text) in cells.iter().enumerate() {
            ws.write_string_with_format(r, col as u16, text, fmt)?;
        }
        // Rows with wrapped text get their height: not every program sizes them.
        ws.set_row_height(r, height(&cells))?;
        ws.write_string_with_format(r, 12, BOX, box_fmt)?;
        ws.write_string_with_format(r, 13, BOX, box_fmt)?;
    }

    let last_row = HEADER_ROW + count;
    let last_col = COLUMNS.len() as u16 - 1;
    ws.autofilter(HEADER_ROW, 0, last_row, last_col)?;
    ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    ws.set_print_area(0, 0, last_row.max(HEADER_ROW + 1), last_col)?;
    ws.set_print_gridlines(true);
    print::page_setup(
        ws,
        true,
        Some((0, HEADER_ROW)),
        &pick(
            lang,
            "icare-fix checklist",
            "icare-fix liste de vérification",
        ),
    )?;
    Ok(last_row + 1)
}

/// The height of a row holding `texts` in the sheet's columns.
fn height(texts: &[String]) -> f64 {
    print::row_height(texts, &COLUMNS.map(|(_, _, width)| width), FONT_SIZE)
}
