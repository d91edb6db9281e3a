//! The checklist as one self-contained HTML page to print.
//!
//! No scripts, no external assets, no network: the style sheet is inline, the boxes to tick
//! are plain checkboxes drawn by CSS (they can be ticked on screen and print as empty squares
//! otherwise). The page has no fixed paper size, so it prints on Letter and A4 alike; each
//! client after the first starts a new page, and a record never splits across pages when it
//! fits on one. Every text from a workbook goes through [`escape`].

use std::fmt::Write as _;

use super::model::{Checklist, ClientEntry, FieldToFix, FileSummary, Item, ItemKind, Record};
use super::text::pick;
use crate::lang::Lang;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and line ends are not allowed in HTML text.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
html { color-scheme: light; }
body { font-family: "Segoe UI", Calibri, Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
  font-size: 10.5pt; line-height: 1.35; color: #111; background: #fff;
  max-width: 62rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 17pt; margin: 0 0 .2rem; }
h2 { font-size: 13pt; margin: 0; }
p { margin: .25rem 0; }
.fr { display: block; color: #333; font-style: italic; }
.sub { color: #444; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
th, td { border: 1px solid #888; padding: 2px 4px; vertical-align: top; text-align: left;
  overflow-wrap: anywhere; hyphens: manual; }
th { overflow-wrap: normal; word-break: normal; }
th { background: #eceff3; font-size: 8.5pt; font-weight: 600; vertical-align: bottom; }
thead { display: table-header-group; }
.summary { margin-bottom: 1rem; }
.files td, .files th { font-size: 9pt; }
.counts { font-size: 10.5pt; margin: .4rem 0 .2rem; }
.howto { margin: .3rem 0 0; padding-left: 1.4rem; font-size: 9pt; }
.howto li { margin: 0; }
.client { margin-top: 1.2rem; break-inside: avoid; page-break-inside: avoid; }
.client-head { break-after: avoid; page-break-after: avoid; }
.client-head { border: 2px solid #333; border-radius: 4px; padding: .3rem .6rem; margin-bottom: .4rem; }
.identity .client-head { border-color: #b34700; background: #fff2e8; }
.num { display: inline-block; min-width: 1.6em; padding: 0 .3em; margin-right: .3em;
  border-radius: 3px; background: #333; color: #fff; text-align: center; }
.identity .num { background: #b34700; }
.ids span { margin-right: 1.2rem; white-space: nowrap; }
.first { font-weight: 600; color: #7a2e00; font-size: 9.5pt; }
.items { margin-bottom: .4rem; }
.items tbody.record { break-inside: avoid; page-break-inside: avoid; }
.pages { border: 1px solid #b34700; background: #fff8f2; padding: .3rem .6rem; margin: .4rem 0; }
.record-head th { background: #fff; border-left: 0; border-right: 0; border-bottom: 1.5px solid #333;
  font-size: 9.5pt; padding: 8px 2px 2px; }
.items tbody.record:first-of-type .record-head th { padding-top: 4px; }
.record-head .meta { font-weight: 400; color: #444; font-size: 8.5pt; margin-left: .5rem; }
.items td { font-size: 8.5pt; line-height: 1.2; }
tr.item td { border-top: 1.5px solid #555; }
.cell { display: inline-block; font-family: Consolas, "DejaVu Sans Mono", monospace; font-size: 8.5pt;
  color: #333; border: 1px solid #aaa; border-radius: 2px; padding: 0 2px; }
.value { font-family: Consolas, "DejaVu Sans Mono", monospace; font-size: 8pt; white-space: pre-wrap; }
.empty { color: #666; font-style: italic; }
.cat { display: inline-block; font-size: 8pt; font-weight: 600; text-transform: uppercase;
  letter-spacing: .02em; color: #333; }
.cat-identity .cat { color: #b34700; }
.cascade-item td { background: #fff8f2; }
.check { text-align: center; vertical-align: middle; }
th.check { font-size: 7pt; font-weight: 600; overflow-wrap: normal; padding: 2px 1px; }
th.corrected { text-align: center; font-size: 7.5pt; }
input.box { -webkit-appearance: none; appearance: none; width: 15px; height: 15px; margin: 0;
  border: 1.5px solid #000; border-radius: 2px; background: #fff; vertical-align: middle; }
input.box:checked { background: #222; box-shadow: inset 0 0 0 2.5px #fff; }
.none { border: 1px dashed #888; padding: .8rem; }
footer { margin-top: 1rem; font-size: 8pt; color: #666; }
@page { margin: 10mm 10mm 12mm;
  @bottom-right { content: counter(page) " / " counter(pages); font: 8pt Arial, "Liberation Sans", sans-serif; color: #555; }
  @bottom-left { content: "icare-fix"; font: 8pt Arial, "Liberation Sans", sans-serif; color: #555; } }
@media screen { .client + .client { border-top: 1px dashed #999; padding-top: 1rem; } }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  .client { margin-top: 0; }
  .summary + .client { margin-top: .8rem; }
  .client + .client { break-before: page; page-break-before: always; }
  .screen-only { display: none; }
}
"#;

/// Short fixed text in `lang`, escaped.
fn t(lang: Lang, en: &str, fr: &str) -> String {
    escape(&pick(lang, en, fr))
}

/// Longer text in `lang`, escaped: for both, the French follows on its own line.
fn bi(lang: Lang, en: &str, fr: &str) -> String {
    match lang {
        Lang::Both if !fr.is_empty() && fr != en && !en.is_empty() => format!(
            "{}<span class=\"fr\" lang=\"fr\">{}</span>",
            escape(en),
            escape(fr)
        ),
        _ => escape(&pick(lang, en, fr)),
    }
}

/// `1 record` / `2 records` in `lang`.
fn count(lang: Lang, n: usize, en: (&str, &str), fr: (&str, &str)) -> String {
    let en = if n == 1 { en.0 } else { en.1 };
    let fr = if n == 1 { fr.0 } else { fr.1 };
    match lang {
        Lang::En => format!("{n} {en}"),
        Lang::Fr => format!("{n} {fr}"),
        Lang::Both if en == fr => format!("{n} {en}"),
        Lang::Both => format!("{n} {en} / {fr}"),
    }
}

/// The whole page.
pub(super) fn render(checklist: &Checklist, lang: Lang) -> String {
    let mut page = Vec::with_capacity(8192 + 2048 * checklist.item_count());
    render_to(checklist, lang, &mut page).expect("writing to memory");
    String::from_utf8(page).expect("the page is UTF-8")
}

/// The whole page, written to `out` a few clients at a time: never whole in memory.
pub(super) fn render_to(
    checklist: &Checklist,
    lang: Lang,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    const CHUNK: usize = 64 * 1024;
    let mut h = String::with_capacity(2 * CHUNK);
    let title = t(
        lang,
        "Correction checklist",
        "Liste de vérification des corrections",
    );
    let names: Vec<&str> = checklist.files.iter().map(|f| f.name.as_str()).collect();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"icare-fix {}\">\n\
         <title>{title}: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        if lang == Lang::Fr { "fr" } else { "en" },
        env!("CARGO_PKG_VERSION"),
        escape(&names.join(", ")),
    );
    header(&mut h, checklist, lang, &title);
    pages_note(&mut h, checklist, lang);
    if checklist.clients.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"none\">{}</p>",
            bi(
                lang,
                "These files hold no iCARE error notes: there is nothing to correct.",
                "Ces fichiers ne contiennent aucune note d'erreur d'iCARE : il n'y a rien à corriger."
            )
        );
    }
    for (n, entry) in checklist.clients.iter().enumerate() {
        client(&mut h, checklist, n + 1, entry, lang);
        if h.len() >= CHUNK {
            out.write_all(h.as_bytes())?;
            h.clear();
        }
    }
    let _ = write!(
        h,
        "<footer>{} icare-fix {}</footer>\n</body>\n</html>\n",
        t(lang, "Made by", "Produit par"),
        env!("CARGO_PKG_VERSION")
    );
    out.write_all(h.as_bytes())
}

fn header(h: &mut String, checklist: &Checklist, lang: Lang, title: &str) {
    let _ = writeln!(h, "<header class=\"summary\">\n<h1>{title}</h1>");
    let _ = writeln!(
        h,
        "<p class=\"screen-only sub\">{}</p>",
        bi(
            lang,
            "Print this page (Ctrl+P): each client starts on a new page. The boxes can also be ticked on screen.",
            "Imprimez cette page (Ctrl+P) : chaque client commence sur une nouvelle page. Les cases peuvent aussi être cochées à l'écran."
        )
    );
    let _ = writeln!(
        h,
        "<table class=\"files\">\n<colgroup><col style=\"width:25%\"><col style=\"width:21%\">\
         <col style=\"width:18%\"><col style=\"width:18%\"><col style=\"width:9%\"><col style=\"width:9%\"></colgroup>\n\
         <thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>",
        t(lang, "File", "Fichier"),
        t(lang, "Template", "Modèle"),
        t(lang, "Upload (BUID)", "Téléversement (BUID)"),
        t(lang, "Processed by iCARE", "Traité par iCARE"),
        t(lang, "Rows", "Lignes"),
        t(lang, "Notes", "Notes"),
    );
    for file in &checklist.files {
        file_row(h, file, lang);
    }
    let _ = writeln!(h, "</tbody>\n</table>");

    let mut counts = vec![count(
        lang,
        checklist.client_count(),
        ("client", "clients"),
        ("client", "clients"),
    )];
    if checklist.not_validated_count() > 0 {
        counts[0] = format!(
            "{} ({})",
            counts[0],
            count(
                lang,
                checklist.not_validated_count(),
                ("not validated", "not validated"),
                ("non validé", "non validés"),
            )
        );
    }
    counts.push(count(
        lang,
        checklist.record_count(),
        ("record", "records"),
        ("dossier", "dossiers"),
    ));
    counts.push(count(
        lang,
        checklist.item_count(),
        ("item to correct", "items to correct"),
        ("élément à corriger", "éléments à corriger"),
    ));
    let _ = writeln!(
        h,
        "<p class=\"counts\"><strong>{}</strong></p>",
        escape(&counts.join(" · "))
    );
    let steps = [
        (
            "Work from the top. Clients IRCC could not validate come first: iCARE rejects all their records until the client validates.",
            "Commencez par le haut. Les clients qu'IRCC n'a pas pu valider viennent en premier : iCARE rejette tous leurs dossiers tant que le client n'est pas validé.",
        ),
        (
            "For each item, correct the value in your case-management system and in the rejected file, and tick both boxes.",
            "Pour chaque élément, corrigez la valeur dans votre système de gestion des dossiers et dans le fichier rejeté, puis cochez les deux cases.",
        ),
        (
            "Upload only the corrected rejected file, Client Profile first. Never upload the original file again: its records would be counted twice.",
            "Téléversez seulement le fichier rejeté corrigé, le profil du client d'abord. Ne téléversez jamais de nouveau le fichier d'origine : ses dossiers seraient comptés deux fois.",
        ),
    ];
    let _ = writeln!(h, "<ol class=\"howto\">");
    for (en, fr) in steps {
        let _ = writeln!(h, "<li>{}</li>", bi(lang, en, fr));
    }
    let _ = writeln!(h, "</ol>\n</header>");
}

/// Items of one client that fit a printed page with the client's card, about.
const ITEMS_PER_PAGE: usize = 7;
/// Pages from which a checklist of several files says how long it is.
const LONG_CHECKLIST: usize = 20;

/// About how many pages the checklist prints on: the first page, then each client on new
/// pages, [`ITEMS_PER_PAGE`] items a page.
pub(super) fn estimated_pages(checklist: &Checklist) -> usize {
    1 + checklist
        .clients
        .iter()
        .map(|c| c.item_count().div_ceil(ITEMS_PER_PAGE).max(1))
        .sum::<usize>()
}

/// For a long checklist of several files: how many pages it prints on, and what to print
/// instead.
fn pages_note(h: &mut String, checklist: &Checklist, lang: Lang) {
    let pages = estimated_pages(checklist);
    if checklist.files.len() < 2 || pages < LONG_CHECKLIST {
        return;
    }
    let _ = writeln!(
        h,
        "<p class=\"pages\">{}</p>",
        bi(
            lang,
            &format!(
                "This checklist covers {} files and prints on about {pages} pages. To print less at a time, print each file's own checklist instead: the .checklist.html file beside each annotated workbook.",
                checklist.files.len()
            ),
            &format!(
                "Cette liste couvre {} fichiers et s'imprime sur environ {pages} pages. Pour imprimer moins à la fois, imprimez plutôt la liste de chaque fichier : le fichier .checklist.html à côté de chaque classeur annoté.",
                checklist.files.len()
            )
        )
    );
}

fn file_row(h: &mut String, file: &FileSummary, lang: Lang) {
    let buids = if file.buids.is_empty() {
        "—".to_string()
    } else {
        file.buids
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let processed = match (file.first_processed, file.last_processed) {
        (Some(a), Some(b)) if a.date() == b.date() => a.format("%Y-%m-%d %H:%M").to_string(),
        (Some(a), Some(b)) => format!(
            "{} {} {}",
            a.format("%Y-%m-%d"),
            pick(lang, "to", "au"),
            b.format("%Y-%m-%d")
        ),
        _ => "—".to_string(),
    };
    let _ = writeln!(
        h,
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        escape(&file.name),
        t(lang, &file.title_en, &file.title_fr),
        escape(&buids),
        escape(&processed),
        file.rows,
        file.notes
    );
}

fn client(h: &mut String, checklist: &Checklist, n: usize, entry: &ClientEntry, lang: Lang) {
    let class = if entry.not_validated {
        "client identity"
    } else {
        "client"
    };
    let _ = writeln!(
        h,
        "<section class=\"{class}\" id=\"client-{n}\">\n<div class=\"client-head\">"
    );
    client_heading(h, n, entry, lang);
    client_first(h, entry, lang);
    let _ = writeln!(h, "</div>");
    records_table(h, checklist, entry, lang);
    let _ = writeln!(h, "</section>");
}

/// The card's heading: the client's number and identifiers.
fn client_heading(h: &mut String, n: usize, entry: &ClientEntry, lang: Lang) {
    if entry.is_unknown() {
        let _ = writeln!(
            h,
            "<h2><span class=\"num\">{n}</span>{}</h2>",
            t(
                lang,
                "Records without a client identifier",
                "Dossiers sans identificateur de client"
            )
        );
    } else {
        let c = &entry.client;
        let or_dash = |s: &str| {
            if s.is_empty() {
                format!(
                    "<span class=\"empty\">{}</span>",
                    t(lang, "(empty)", "(vide)")
                )
            } else {
                format!("<span class=\"value\">{}</span>", escape(s))
            }
        };
        let _ = writeln!(
            h,
            "<h2><span class=\"num\">{n}</span>{} {}</h2>",
            t(lang, "Client", "Client"),
            or_dash(&c.id_value)
        );
        let _ = writeln!(
            h,
            "<p class=\"ids\"><span>{}: <b>{}</b></span> <span>{}: <b>{}</b></span> <span>{}: <b>{}</b></span></p>",
            t(lang, "Identifier type", "Type d'identificateur"),
            or_dash(&c.id_type),
            t(lang, "Identifier", "Identificateur"),
            or_dash(&c.id_value),
            t(lang, "Date of birth", "Date de naissance"),
            or_dash(&c.birth_date),
        );
    }
}

/// Under the heading: for a client IRCC could not validate, why to do them first and what
/// to correct; for the others, how many records in how many files.
fn client_first(h: &mut String, entry: &ClientEntry, lang: Lang) {
    let records = count(
        lang,
        entry.records.len(),
        ("record", "records"),
        ("dossier", "dossiers"),
    );
    let files = count(
        lang,
        entry.file_count(),
        ("file", "files"),
        ("fichier", "fichiers"),
    );
    if entry.not_validated && !entry.is_unknown() {
        // The counts matter when the cascade reaches further than this one record.
        let (en_counts, fr_counts) = if entry.records.len() > 1 {
            (
                format!(
                    " ({} in {})",
                    count(
                        Lang::En,
                        entry.records.len(),
                        ("record", "records"),
                        ("", "")
                    ),
                    count(Lang::En, entry.file_count(), ("file", "files"), ("", "")),
                ),
                format!(
                    " ({} dans {})",
                    count(
                        Lang::Fr,
                        entry.records.len(),
                        ("", ""),
                        ("dossier", "dossiers")
                    ),
                    count(
                        Lang::Fr,
                        entry.file_count(),
                        ("", ""),
                        ("fichier", "fichiers")
                    ),
                ),
            )
        } else {
            (String::new(), String::new())
        };
        let (en, fr) = (
            format!(
                "Do this client first. IRCC could not validate this client, so iCARE rejects every record of the client{en_counts} until the identifier type, identifier value and date of birth match the client's immigration document. Correct them in your case-management system and in every row below."
            ),
            format!(
                "Commencez par ce client. IRCC n'a pas pu valider ce client, alors iCARE rejette tous ses dossiers{fr_counts} tant que le type d'identificateur, sa valeur et la date de naissance ne correspondent pas au document d'immigration du client. Corrigez-les dans votre système de gestion des dossiers et dans chaque ligne ci-dessous."
            ),
        );
        let _ = writeln!(h, "<p class=\"first\">{}</p>", bi(lang, &en, &fr));
    } else if entry.not_validated {
        let _ = writeln!(
            h,
            "<p class=\"first\">{}</p>",
            bi(
                lang,
                "Do these first: iCARE could not validate the client of some of these records.",
                "Commencez par ceux-ci : iCARE n'a pas pu valider le client de certains de ces dossiers."
            )
        );
    } else {
        let _ = writeln!(
            h,
            "<p class=\"sub\">{} · {}</p>",
            escape(&records),
            escape(&files)
        );
    }
}

/// The table of one client's records: the column headings once (repeated by the browser
/// on each printed page), then one group of rows per record, kept on one page.
fn records_table(h: &mut String, checklist: &Checklist, entry: &ClientEntry, lang: Lang) {
    let _ = writeln!(
        h,
        "<table class=\"items\">\n<colgroup><col style=\"width:21%\"><col style=\"width:15%\">\
         <col style=\"width:22%\"><col style=\"width:25%\"><col style=\"width:8.5%\"><col style=\"width:8.5%\"></colgroup>\n\
         <thead><tr><th rowspan=\"2\">{}</th><th rowspan=\"2\">{}</th><th rowspan=\"2\">{}</th><th rowspan=\"2\">{}</th>\
         <th colspan=\"2\" class=\"corrected\">{}</th></tr>\n<tr><th class=\"check\">{}</th><th class=\"check\">{}</th></tr></thead>",
        t(lang, "Field (cell)", "Champ (cellule)"),
        t(lang, "Current value", "Valeur actuelle"),
        t(lang, "What is wrong", "Problème"),
        t(lang, "What to do", "Que faire"),
        t(lang, "Corrected in", "Corrigé dans"),
        t(lang, "case-management system", "système de gestion"),
        t(lang, "file", "fichier"),
    );
    for record in &entry.records {
        record_rows(h, &checklist.files[record.file], record, lang);
    }
    let _ = writeln!(h, "</table>");
}

fn record_rows(h: &mut String, file: &FileSummary, record: &Record, lang: Lang) {
    let mut meta = Vec::new();
    if let Some(orp) = record.orp {
        meta.push(format!("ORP {}/{}", orp.index, orp.total));
    }
    if let Some(rid) = record.rid {
        meta.push(format!("RID {rid}"));
    }
    if let Some(buid) = record.buid {
        meta.push(format!("BUID {buid}"));
    }
    let _ = writeln!(
        h,
        "<tbody class=\"record\">\n<tr class=\"record-head\"><th colspan=\"6\">{}: {}, {} {} <span class=\"meta\">{}</span></th></tr>",
        t(lang, &file.title_en, &file.title_fr),
        escape(&file.name),
        t(lang, "row", "ligne"),
        record.row_number(),
        escape(&meta.join(" · ")),
    );
    for item in &record.items {
        item_rows(h, item, lang);
    }
    let _ = writeln!(h, "</tbody>");
}

fn item_rows(h: &mut String, item: &Item, lang: Lang) {
    let fields: Vec<&FieldToFix> = item.fields.iter().chain(item.unlocated.iter()).collect();
    let span = fields.len().max(1);
    let mut class = format!("cat-{}", item.category.id());
    if item.kind == ItemKind::Cascade {
        class.push_str(" cascade-item");
    }
    let first = fields.first().copied();
    let _ = write!(h, "<tr class=\"item {class}\">{}", field_cells(first, lang));
    let rowspan = if span > 1 {
        format!(" rowspan=\"{span}\"")
    } else {
        String::new()
    };
    let _ = write!(
        h,
        "<td{rowspan} class=\"wrong\">{}</td><td{rowspan} class=\"advice\">{}</td>",
        wrong(item, lang),
        bi(lang, &item.advice_en, &item.advice_fr),
    );
    let _ = writeln!(
        h,
        "<td{rowspan} class=\"check\"><input type=\"checkbox\" class=\"box\" aria-label=\"{}\"></td>\
         <td{rowspan} class=\"check\"><input type=\"checkbox\" class=\"box\" aria-label=\"{}\"></td></tr>",
        t(
            lang,
            "Corrected in the case-management system",
            "Corrigé dans le système de gestion des dossiers"
        ),
        t(lang, "Corrected in the file", "Corrigé dans le fichier"),
    );
    for field in fields.iter().skip(1) {
        let _ = writeln!(
            h,
            "<tr class=\"more {class}\">{}</tr>",
            field_cells(Some(field), lang)
        );
    }
}

/// The field and current-value cells of one field (or of the whole row when `None`).
fn field_cells(field: Option<&FieldToFix>, lang: Lang) -> String {
    let Some(field) = field else {
        return format!(
            "<td class=\"field\">{}</td><td><span class=\"empty\">—</span></td>",
            bi(
                lang,
                "Whole row (iCARE named no field)",
                "Toute la ligne (iCARE n'a indiqué aucun champ)"
            )
        );
    };
    let cell = if field.cell.is_empty() {
        format!(
            "<span class=\"empty\">{}</span>",
            t(lang, "not in this file", "absent de ce fichier")
        )
    } else {
        format!("<span class=\"cell\">{}</span>", escape(&field.cell))
    };
    let value = if field.cell.is_empty() {
        format!(
            "<span class=\"empty\">{}</span>",
            t(lang, "not in this file", "absent de ce fichier")
        )
    } else if field.value.is_empty() {
        format!(
            "<span class=\"empty\">{}</span>",
            t(lang, "(empty)", "(vide)")
        )
    } else {
        format!("<span class=\"value\">{}</span>", escape(&field.value))
    };
    format!(
        "<td class=\"field\">{} {cell}</td><td>{value}</td>",
        bi(lang, &field.label_en, &field.label_fr)
    )
}

/// What is wrong: the category, then the note's message (or the cascade's explanation).
fn wrong(item: &Item, lang: Lang) -> String {
    let category = match item.kind {
        ItemKind::Cascade => pick(lang, "Client not validated", "Client non validé"),
        ItemKind::Note => pick(lang, item.category.label_en(), item.category.label_fr()),
    };
    let with_entity = |entity: &str, message: &str| {
        if entity.is_empty() || message.is_empty() {
            message.to_string()
        } else {
            format!("({entity}) {message}")
        }
    };
    let mut s = format!(
        "<span class=\"cat\">{}</span><br>{}",
        escape(&category),
        bi(
            lang,
            &with_entity(&item.entity_en, &item.message_en),
            &with_entity(&item.entity_fr, &item.message_fr)
        )
    );
    if let Some(problem) = &item.problem {
        let _ = write!(
            s,
            "<br><span class=\"sub\">{} ({}): <span class=\"value\">{}</span></span>",
            t(
                lang,
                "Note not fully understood, as written by iCARE",
                "Note mal comprise, telle qu'écrite par iCARE"
            ),
            escape(problem),
            escape(&item.raw)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\"\u{7}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;\u{FFFD}"
        );
        assert_eq!(escape("é\r\nà"), "é\r\nà");
    }

    #[test]
    fn both_languages_put_french_on_its_own_line() {
        assert_eq!(bi(Lang::En, "A<b", "B"), "A&lt;b");
        assert_eq!(bi(Lang::Fr, "A", ""), "A");
        assert_eq!(
            bi(Lang::Both, "A", "B"),
            "A<span class=\"fr\" lang=\"fr\">B</span>"
        );
        assert_eq!(
            count(Lang::Both, 1, ("file", "files"), ("fichier", "fichiers")),
            "1 file / fichier"
        );
        assert_eq!(
            count(Lang::Fr, 2, ("file", "files"), ("fichier", "fichiers")),
            "2 fichiers"
        );
    }
}
