//! The Summary sheet of the annotated workbook: the file, its template and uploads, the
//! colour legend with counts, then counts by field and by client, in the language chosen.
//! Set up to print portrait, one page wide; its long texts wrap inside the printed width.

use std::collections::{BTreeMap, BTreeSet};

use rust_xlsxwriter::{Color, Format, FormatAlign, Worksheet, XlsxError};

use super::context::{Annotation, category_color, likely_format};
use crate::note::{ArcStr, Category};
use crate::output::print;

/// Column widths, in characters: label, value, code or count, count.
const WIDTHS: [f64; 4] = [46.0, 34.0, 22.0, 10.0];

/// Writes the Summary sheet on `ws` (a sheet in constant-memory mode: rows in order, each
/// written once); `likely` is the number of likely next rejections. Returns the row after
/// the last.
pub(super) fn write_summary(
    ws: &mut Worksheet,
    ctx: &Annotation<'_>,
    likely: usize,
) -> Result<u32, XlsxError> {
    for (c, width) in WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *width)?;
    }
    let mut w = Writer { ws, r: 0 };
    let heading = Format::new().set_bold().set_font_size(13);
    w.ws.write_string_with_format(
        0,
        0,
        ctx.t(
            "icare-fix: corrections to make",
            "icare-fix : corrections à faire",
        ),
        &heading,
    )?;
    w.r = 2;
    file_facts(&mut w, ctx)?;
    w.r += 1;
    legend(&mut w, ctx, likely)?;
    w.r += 1;
    by_field(&mut w, ctx)?;
    w.r += 1;
    by_client(&mut w, ctx)?;
    let (last, after) = (w.r.saturating_sub(1), w.r);
    ws_setup(w.ws, ctx, last)?;
    Ok(after)
}

/// The sheet being written and its next row.
struct Writer<'w> {
    ws: &'w mut Worksheet,
    r: u32,
}

impl Writer<'_> {
    /// Writes `texts` on the next row, wrapped, the row as tall as its longest text.
    fn row(&mut self, texts: &[&str], format: &Format) -> Result<(), XlsxError> {
        for (c, text) in texts.iter().enumerate() {
            self.ws
                .write_string_with_format(self.r, c as u16, *text, format)?;
        }
        let height = print::row_height(texts, &WIDTHS, 11.0);
        if height > print::LINE_HEIGHT + 3.0 {
            self.ws.set_row_height(self.r, height)?;
        }
        self.r += 1;
        Ok(())
    }

    fn heading(&mut self, text: &str) -> Result<(), XlsxError> {
        let heading = Format::new().set_bold().set_font_size(13);
        self.ws
            .write_string_with_format(self.r, 0, text, &heading)?;
        self.r += 1;
        Ok(())
    }

    fn number(&mut self, col: u16, n: usize) -> Result<(), XlsxError> {
        let format = Format::new().set_align(FormatAlign::Top);
        self.ws
            .write_number_with_format(self.r, col, n as f64, &format)?;
        Ok(())
    }
}

fn wrap() -> Format {
    Format::new().set_text_wrap().set_align(FormatAlign::Top)
}

/// The file, its template, uploads, processing times and counts.
fn file_facts(w: &mut Writer<'_>, ctx: &Annotation<'_>) -> Result<(), XlsxError> {
    let book = ctx.book;
    let template = book
        .template
        .as_deref()
        .and_then(|id| ctx.registry.template(id))
        .map_or(ctx.t("unknown", "inconnu"), |t| {
            ctx.t(&t.title_en, &t.title_fr)
        });
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
    let buids = buids
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let bold = wrap().set_bold();
    for (k, v) in [
        (ctx.t("File", "Fichier"), book.file_name()),
        (ctx.t("Template", "Modèle"), template),
        (
            ctx.t(
                "Bulk upload ids (BUID)",
                "Numéros de téléversement en bloc (BUID)",
            ),
            buids,
        ),
        (ctx.t("Processed", "Traité"), range),
        (
            ctx.t("Rejected rows", "Lignes rejetées"),
            book.row_count().to_string(),
        ),
        (ctx.t("Notes", "Notes"), book.notes.len().to_string()),
    ] {
        w.row(&[&k, &v], &wrap())?;
        w.ws.write_string_with_format(w.r - 1, 0, &k, &bold)?;
    }
    Ok(())
}

/// The colours of the categories with their counts, the likely rejections, the labels.
fn legend(w: &mut Writer<'_>, ctx: &Annotation<'_>, likely: usize) -> Result<(), XlsxError> {
    let book = ctx.book;
    w.heading(&ctx.t(
        "Colour legend and counts",
        "Légende des couleurs et nombres",
    ))?;
    for category in Category::ALL {
        let fill = wrap().set_background_color(Color::RGB(category_color(category)));
        let count = book.notes.iter().filter(|n| n.category == category).count();
        w.number(1, count)?;
        w.row(&[&ctx.t(category.label_en(), category.label_fr())], &fill)?;
    }
    w.number(1, likely)?;
    w.row(
        &[&ctx.t(
            "Likely next rejection, not in iCARE's notes",
            "Rejet probable, absent des notes d'iCARE",
        )],
        &likely_format().set_text_wrap().set_align(FormatAlign::Top),
    )?;
    w.row(
        &[&ctx.t(
            "Orange labels: mandatory fields",
            "Étiquettes orange : champs obligatoires",
        )],
        &wrap(),
    )
}

/// How many notes name each field.
fn by_field(w: &mut Writer<'_>, ctx: &Annotation<'_>) -> Result<(), XlsxError> {
    let book = ctx.book;
    w.heading(&ctx.t("By field", "Par champ"))?;
    let bold = wrap().set_bold();
    w.row(
        &[
            &ctx.t("Field", "Champ"),
            &ctx.t("Field code", "Code du champ"),
            &ctx.t("Notes", "Notes"),
        ],
        &bold,
    )?;
    let mut by_field: BTreeMap<(String, ArcStr), usize> = BTreeMap::new();
    for located in &book.notes {
        for cell in &located.cells {
            *by_field
                .entry((ctx.label(cell.col), cell.code.clone()))
                .or_default() += 1;
        }
        for code in &located.unlocated {
            let label = ctx
                .registry
                .column(book.template.as_deref(), code)
                .map_or(code.to_string(), |c| ctx.t(&c.label_en, &c.label_fr));
            let label = format!(
                "{label} ({})",
                ctx.t("not in this file", "absent de ce fichier")
            );
            *by_field.entry((label, code.clone())).or_default() += 1;
        }
    }
    for ((label, code), count) in &by_field {
        w.number(2, *count)?;
        w.row(&[label, code], &wrap())?;
    }
    Ok(())
}

/// How many notes each client has.
fn by_client(w: &mut Writer<'_>, ctx: &Annotation<'_>) -> Result<(), XlsxError> {
    let book = ctx.book;
    w.heading(&ctx.t("By client", "Par client"))?;
    let bold = wrap().set_bold();
    w.row(
        &[
            &ctx.t("Identifier type", "Type d'identificateur"),
            &ctx.t("Identifier", "Identificateur"),
            &ctx.t("Date of birth", "Date de naissance"),
            &ctx.t("Notes", "Notes"),
        ],
        &bold,
    )?;
    let mut by_client: BTreeMap<crate::workbook::Client, usize> = BTreeMap::new();
    for located in &book.notes {
        *by_client.entry(book.client(located.row)).or_default() += 1;
    }
    for (client, count) in &by_client {
        w.number(3, *count)?;
        w.row(
            &[&client.id_type, &client.id_value, &client.birth_date],
            &wrap(),
        )?;
    }
    Ok(())
}

/// Portrait, one page wide, the file name in the footer.
fn ws_setup(ws: &mut Worksheet, ctx: &Annotation<'_>, last_row: u32) -> Result<(), XlsxError> {
    ws.set_print_area(0, 0, last_row.max(1), (WIDTHS.len() - 1) as u16)?;
    let footer = format!(
        "{} · {}",
        ctx.book.file_name().chars().take(60).collect::<String>(),
        ctx.names.summary
    );
    print::page_setup(ws, false, None, &footer)
}
