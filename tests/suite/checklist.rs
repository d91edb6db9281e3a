//! `icare-fix checklist`: the model (order of work, the identity cascade across files), the
//! HTML (every note and flagged client present, markup from cells escaped, self-contained),
//! printing with headless Chromium (page count), the "Checklist" sheet and the command line.
//!
//! Fixtures are small synthetic rejected workbooks written here with rust_xlsxwriter; the
//! project's `samples/` are checked too.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use calamine::{Data, Reader as _};
use icare_fix::output::checklist::{CHECKLIST_SHEET, Checklist, ItemKind, write_sheet};
use icare_fix::{Category, Lang, Registry, Rejected};

use crate::common::{icare_fix, in_ci, read_part, root};

// ---------------------------------------------------------------------------------------
// Fixtures

const IDENTITY_NOTE: &str = "[BUID:305939,RID:,ORP:1/3,DTS:2024-05-06 10:05:04][XML:] (Client) Unable to validate against database. / (Client) Impossible de valider dans la base de données.";
const PHONE_NOTE: &str = "[BUID:305939,RID:43432228,ORP:2/3,DTS:2024-05-06 10:05:05][XML:consent_ind, phone_no] (Profile) Telephone number has not been specified. / (Profil) Le numéro de téléphone n'a pas été indiqué.";
/// A message and a value holding markup: both must come out as text.
const STREET_NOTE: &str = "[BUID:305939,RID:43432229,ORP:3/3,DTS:2024-05-06 10:05:06][XML:street_nme] (Profile) Street name <b>is</b> not valid. / (Profil) Le nom de rue <i>n'est</i> pas valide.";
const SCRIPT_VALUE: &str = "<script>alert(\"x\")</script>";
const NAR_DATE_NOTE: &str = "[BUID:305940,RID:,ORP:1/3,DTS:2024-05-07 09:00:00][XML:assessment_start_dt] (Needs Assessment) The start date of the assessment must not be in the future. / (Évaluation des besoins) La date de début de l'évaluation ne doit pas être dans le futur.";
const NAR_POSTAL_NOTE: &str = "[BUID:305940,RID:,ORP:2/3,DTS:2024-05-07 09:00:01][XML:postal_cd] (Needs Assessment) Postal code is not valid. / (Évaluation des besoins) Le code postal n'est pas valide.";

const FOSS: &str = "FOSS/GCMS Client ID";

/// Writes a rejected workbook of `template` (title, codes and labels rows from the registry,
/// then `rows` of `(code, value)` pairs) to `dir/name`.
fn write_book(dir: &Path, name: &str, template: &str, rows: &[Vec<(&str, &str)>]) -> PathBuf {
    let registry = Registry::builtin();
    let t = registry.template(template).expect("known template");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("iCARE Template").unwrap();
    ws.write_string(
        0,
        0,
        format!(
            "Immigration, Refugees and Citizenship Canada\niCARE\n{}",
            t.title_en
        ),
    )
    .unwrap();
    for (col, column) in t.columns.iter().enumerate() {
        ws.write_string(1, col as u16, &column.code).unwrap();
        ws.write_string(2, col as u16, &column.label_en).unwrap();
    }
    ws.set_row_hidden(1).unwrap();
    for (i, row) in rows.iter().enumerate() {
        for (code, value) in row {
            let col = t
                .columns
                .iter()
                .position(|c| c.code == *code)
                .unwrap_or_else(|| panic!("{code} is not in {template}"));
            ws.write_string(3 + i as u32, col as u16, *value).unwrap();
        }
    }
    let path = dir.join(name);
    wb.save(&path).unwrap();
    path
}

fn client<'a>(id: &'a str, dob: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("client_validation_type_id", FOSS),
        ("client_validation_id", id),
        ("client_birth_dt", dob),
    ]
}

fn with<'a>(
    mut row: Vec<(&'a str, &'a str)>,
    more: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    row.extend_from_slice(more);
    row
}

/// Two workbooks of one month:
/// - a Client Profile: client A not validated (row 4), client B without a phone (row 5),
///   client C with markup in a value and in the message (row 6);
/// - a Needs Assessment: client A again with a date note (row 4), client B with a postal
///   code note (row 5), and client A once more without any note (row 6).
///
/// The Needs Assessment comes first on the command line, to check that the Client Profile
/// still leads each client's records.
fn month(dir: &Path) -> (PathBuf, PathBuf) {
    month_in(dir, true)
}

/// [`month`], with or without the Needs Assessment's row 6 (client A without a note).
fn month_in(dir: &Path, bare_row: bool) -> (PathBuf, PathBuf) {
    let cp = write_book(
        dir,
        "CP rejeté été & co.xlsx",
        "client_profile",
        &[
            with(
                client("11111111", "1980-01-15"),
                &[("processing_details", IDENTITY_NOTE), ("consent_ind", "No")],
            ),
            with(
                client("22222222", "1975-06-30"),
                &[("processing_details", PHONE_NOTE), ("consent_ind", "Yes")],
            ),
            with(
                client("33333333", "1990-12-01"),
                &[
                    ("processing_details", STREET_NOTE),
                    ("street_nme", SCRIPT_VALUE),
                ],
            ),
        ],
    );
    let nar = write_book(
        dir,
        "NAR 'mai'.xlsx",
        "needs_assessment_referrals",
        &[
            with(
                client("11111111", "1980-01-15"),
                &[
                    ("processing_details", NAR_DATE_NOTE),
                    ("assessment_start_dt", "2099-01-01"),
                ],
            ),
            with(
                client("22222222", "1975-06-30"),
                &[
                    ("processing_details", NAR_POSTAL_NOTE),
                    ("postal_cd", "K1A"),
                ],
            ),
            with(
                client("11111111", "1980-01-15"),
                &[("postal_cd", "K1A 0B1")],
            ),
        ][..if bare_row { 3 } else { 2 }],
    );
    (cp, nar)
}

fn open(path: &Path) -> Rejected {
    Rejected::open(path, &Registry::builtin()).unwrap()
}

fn month_checklist(dir: &Path) -> (Checklist, Vec<Rejected>) {
    month_checklist_in(dir, true)
}

fn month_checklist_in(dir: &Path, bare_row: bool) -> (Checklist, Vec<Rejected>) {
    let (cp, nar) = month_in(dir, bare_row);
    let books = vec![open(&nar), open(&cp)];
    let refs: Vec<&Rejected> = books.iter().collect();
    (Checklist::build(&refs, &Registry::builtin()), books)
}

/// The project's synthetic rejected samples (every `samples/*.xlsx` but the original upload
/// file, which has no notes by design).
pub(crate) fn samples() -> Vec<PathBuf> {
    let dir = root().join("samples");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xlsx"))
        .filter(|p| !p.ends_with("original_upload.xlsx"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 8,
        "samples/ should hold a rejected file per template"
    );
    paths
}

/// `text` as it must appear in the HTML.
fn esc(text: &str) -> String {
    icare_fix::output::checklist::escape(text)
}

// ---------------------------------------------------------------------------------------
// The model

#[test]
fn identity_clients_come_first_with_every_record_of_theirs_in_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let (checklist, _books) = month_checklist(dir.path());
    let ids: Vec<&str> = checklist
        .clients
        .iter()
        .map(|c| c.client.id_value.as_str())
        .collect();
    // Client A is not validated: first, though B appears first in the first file given.
    assert_eq!(ids, ["11111111", "22222222", "33333333"]);
    assert_eq!(checklist.not_validated_count(), 1);
    let a = &checklist.clients[0];
    assert!(a.not_validated);
    assert!(!checklist.clients[1].not_validated);

    // Client Profile first, then the other file's rows in order, including the row without
    // a note of its own.
    let where_: Vec<(&str, u32)> = a
        .records
        .iter()
        .map(|r| {
            (
                checklist.files[r.file].template.as_deref().unwrap(),
                r.row_number(),
            )
        })
        .collect();
    assert_eq!(
        where_,
        [
            ("client_profile", 4),
            ("needs_assessment_referrals", 4),
            ("needs_assessment_referrals", 6)
        ]
    );
    assert_eq!(a.file_count(), 2);

    // The identity note itself: the three identity fields with their current values.
    let own = &a.records[0].items;
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].kind, ItemKind::Note);
    assert_eq!(own[0].category, Category::Identity);
    let values: Vec<(&str, &str)> = own[0]
        .fields
        .iter()
        .map(|f| (f.cell.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(
        values,
        [("B4", FOSS), ("C4", "11111111"), ("D4", "1980-01-15")]
    );
    assert_eq!(own[0].fields[2].label_en, "Date of Birth (YYYY-MM-DD)");
    assert_eq!(own[0].fields[2].label_fr, "Date de naissance (AAAA-MM-JJ)");

    // A record with a note about something else gets the cascade item first, then its own.
    let nar = &a.records[1].items;
    assert_eq!(
        nar.iter().map(|i| i.kind).collect::<Vec<_>>(),
        [ItemKind::Cascade, ItemKind::Note]
    );
    assert_eq!(nar[0].fields.len(), 3);
    assert_eq!(nar[1].category, Category::Date);
    assert_eq!(nar[1].fields[0].value, "2099-01-01");
    // ... and a row without a note is listed through the cascade alone.
    let bare = &a.records[2];
    assert_eq!(bare.items.len(), 1);
    assert_eq!(bare.items[0].kind, ItemKind::Cascade);
    assert_eq!(bare.orp, None);

    // Not-validated-free clients list only rows with notes.
    let b = &checklist.clients[1];
    assert_eq!(b.records.len(), 2);
    assert_eq!(b.records[0].orp.map(|o| (o.index, o.total)), Some((2, 3)));
    assert_eq!(b.records[0].rid, Some(43432228));
    assert!(
        b.records
            .iter()
            .flat_map(|r| &r.items)
            .all(|i| i.kind == ItemKind::Note)
    );

    assert_eq!(checklist.record_count(), 6);
    assert_eq!(checklist.item_count(), 7);
    assert_eq!(checklist.files[1].buids, [305939]);
}

#[test]
fn clients_match_across_files_whatever_the_spacing_and_dashes() {
    let dir = tempfile::tempdir().unwrap();
    let cp = write_book(
        dir.path(),
        "cp.xlsx",
        "client_profile",
        &[with(
            client("11111111", "1980-01-15"),
            &[("processing_details", IDENTITY_NOTE)],
        )],
    );
    let nar = write_book(
        dir.path(),
        "nar.xlsx",
        "needs_assessment_referrals",
        &[
            with(
                client(" 1111-1111 ", "1980-01-15"),
                &[("processing_details", NAR_DATE_NOTE)],
            ),
            // Same identifier, another birth date: another client.
            with(
                client("11111111", "1980-01-16"),
                &[("processing_details", NAR_POSTAL_NOTE)],
            ),
        ],
    );
    let books = [open(&cp), open(&nar)];
    let checklist = Checklist::build(&[&books[0], &books[1]], &Registry::builtin());
    assert_eq!(checklist.clients.len(), 2);
    assert_eq!(checklist.clients[0].records.len(), 2);
    assert!(checklist.clients[0].not_validated);
    assert!(!checklist.clients[1].not_validated);
    assert_eq!(checklist.clients[1].client.birth_date, "1980-01-16");
}

// ---------------------------------------------------------------------------------------
// The HTML

/// Asserts every note of every book, and every client with an identity note, is in `html`.
fn assert_complete(html: &str, books: &[&Rejected], lang: Lang) {
    for book in books {
        for located in &book.notes {
            let note = &located.note;
            let message = match lang {
                Lang::Fr if !note.message_fr.is_empty() => &note.message_fr,
                _ => &note.message_en,
            };
            assert!(
                html.contains(&esc(message)),
                "{}: row {}: message missing: {message}",
                book.file_name(),
                located.row + 1
            );
            if located.category == Category::Identity {
                let client = book.client(located.row);
                for part in [&client.id_type, &client.id_value, &client.birth_date] {
                    assert!(html.contains(&esc(part)), "client part missing: {part}");
                }
            }
        }
    }
}

/// No scripts, no external resources, no network.
fn assert_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for bad in [
        "<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import", "http://",
        "https://",
    ] {
        assert!(!lower.contains(bad), "the page contains {bad}");
    }
}

#[test]
fn html_lists_every_note_and_flagged_client_and_escapes_cells() {
    let dir = tempfile::tempdir().unwrap();
    let (checklist, books) = month_checklist(dir.path());
    let refs: Vec<&Rejected> = books.iter().collect();
    let html = checklist.to_html(Lang::En);
    assert_complete(&html, &refs, Lang::En);
    assert_self_contained(&html);

    // Markup from a cell and from a note is text, never markup.
    assert!(!html.contains(SCRIPT_VALUE));
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert!(!html.contains("<b>is</b>"));
    assert!(html.contains("Street name &lt;b&gt;is&lt;/b&gt; not valid."));
    assert!(html.contains("CP rejeté été &amp; co.xlsx"));
    assert!(html.contains("NAR &#39;mai&#39;.xlsx"));

    // Two boxes per item, one item block per item, one section per client.
    assert_eq!(
        html.matches("type=\"checkbox\"").count(),
        2 * checklist.item_count()
    );
    assert_eq!(
        html.matches("<tr class=\"item ").count(),
        checklist.item_count()
    );
    assert_eq!(html.matches("<section class=\"client").count(), 3);
    assert_eq!(
        html.matches("<section class=\"client identity\"").count(),
        1
    );
    // The header: files, BUIDs, processing dates, counts.
    assert!(html.contains("305939") && html.contains("305940"));
    assert!(html.contains("2024-05-06 10:05") && html.contains("2024-05-07 09:00"));
    assert!(html.contains("3 clients (1 not validated) · 6 records · 7 items to correct"));
    // The cascade is spelled out, with its counts.
    assert!(
        html.contains("(3 records in 2 files)"),
        "cascade counts missing"
    );
    assert_eq!(html.matches("Rejected with the client").count(), 2);
    // Client A's records come before client B's.
    let a = html.find("id=\"client-1\"").unwrap();
    let b = html.find("id=\"client-2\"").unwrap();
    assert!(a < b && html[a..b].contains("11111111"));
    // Print rules: a page break between clients, records kept whole, no fixed paper size.
    assert!(html.contains(".client + .client { break-before: page;"));
    assert!(html.contains(".items tbody.record { break-inside: avoid;"));
    let paper_size = regex::Regex::new(r"[;{\s]size\s*:").unwrap();
    assert!(!paper_size.is_match(&html), "no fixed paper size");
}

#[test]
fn html_speaks_french_or_both() {
    let dir = tempfile::tempdir().unwrap();
    let (checklist, books) = month_checklist(dir.path());
    let refs: Vec<&Rejected> = books.iter().collect();

    let fr = checklist.to_html(Lang::Fr);
    assert!(fr.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
    assert_complete(&fr, &refs, Lang::Fr);
    assert!(fr.contains("Corrigé dans le fichier"));
    assert!(fr.contains("Valeur actuelle"));
    assert!(fr.contains(&esc("Date de naissance (AAAA-MM-JJ)")));
    assert!(!fr.contains("Corrected in the file"));
    assert!(!fr.contains("Telephone number has not been specified"));

    let both = checklist.to_html(Lang::Both);
    assert_complete(&both, &refs, Lang::En);
    assert_complete(&both, &refs, Lang::Fr);
    assert!(both.contains("Corrected in the file / Corrigé dans le fichier"));
    assert!(both.contains("3 clients (1 not validated / non validé)"));
    assert_self_contained(&both);
}

#[test]
fn html_of_each_sample_is_complete_and_escaped() {
    let registry = Registry::builtin();
    for path in samples() {
        let book = Rejected::open(&path, &registry).unwrap();
        assert!(!book.notes.is_empty(), "{}: no notes", path.display());
        let checklist = Checklist::build(&[&book], &registry);
        for lang in [Lang::En, Lang::Fr, Lang::Both] {
            let html = checklist.to_html(lang);
            assert_self_contained(&html);
            if lang != Lang::Fr {
                assert_complete(&html, &[&book], Lang::En);
            }
            if lang != Lang::En {
                assert_complete(&html, &[&book], Lang::Fr);
            }
            // Every value shown is escaped: no raw markup from the workbook survives.
            for row in book.data_rows() {
                for (_, value) in &row.cells {
                    if let Data::String(s) = value
                        && s.contains('<')
                    {
                        assert!(!html.contains(s.as_str()), "unescaped: {s}");
                    }
                }
            }
            assert_eq!(
                html.matches("type=\"checkbox\"").count(),
                2 * checklist.item_count()
            );
        }
        // Every identity note's client is flagged and first.
        let flagged: Vec<_> = book
            .notes
            .iter()
            .filter(|n| n.category == Category::Identity)
            .map(|n| book.client(n.row))
            .filter(|c| !c.is_unknown())
            .collect();
        for c in &flagged {
            let entry = checklist
                .clients
                .iter()
                .position(|e| {
                    e.client.id_value == c.id_value && e.client.birth_date == c.birth_date
                })
                .unwrap_or_else(|| panic!("{}: client {} missing", path.display(), c.id_value));
            assert!(checklist.clients[entry].not_validated);
            assert!(
                entry < checklist.not_validated_count(),
                "not validated clients come first"
            );
        }
    }
}

#[test]
fn samples_together_make_one_checklist() {
    let registry = Registry::builtin();
    let books: Vec<Rejected> = samples()
        .iter()
        .map(|p| Rejected::open(p, &registry).unwrap())
        .collect();
    let refs: Vec<&Rejected> = books.iter().collect();
    let checklist = Checklist::build(&refs, &registry);
    assert_eq!(checklist.files.len(), books.len());
    let html = checklist.to_html(Lang::Both);
    assert_complete(&html, &refs, Lang::En);
    for book in &books {
        assert!(html.contains(&esc(&book.file_name())));
    }
    // Every note is an item somewhere.
    let notes: usize = books.iter().map(|b| b.notes.len()).sum();
    let note_items = checklist
        .clients
        .iter()
        .flat_map(|c| &c.records)
        .flat_map(|r| &r.items)
        .filter(|i| i.kind == ItemKind::Note)
        .count();
    assert_eq!(note_items, notes);
}

// ---------------------------------------------------------------------------------------
// Printing with headless Chromium

pub(crate) fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// The Chromium binary, or `None` after saying so. In CI (`CI=true`) a missing Chromium is a
/// failure, never a skip.
pub(crate) fn chromium() -> Option<PathBuf> {
    let found = find_program(&["chromium", "chromium-browser", "google-chrome", "chrome"]);
    if found.is_none() {
        if in_ci() {
            panic!("chromium is not installed, and CI=true: install Debian's chromium package");
        }
        eprintln!("SKIPPED: chromium not installed");
    }
    found
}

/// Prints `html` to `pdf` with headless Chromium (no network, a fresh profile).
pub(crate) fn print_to_pdf(chromium: &Path, html: &Path, pdf: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", html.display());
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish printing within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "chromium failed: {stderr}");
    assert!(pdf.is_file(), "chromium wrote no PDF: {stderr}");
}

/// Pages of a PDF: from `pdfinfo` when installed, else by counting page objects.
pub(crate) fn page_count(pdf: &Path) -> usize {
    if let Some(pdfinfo) = find_program(&["pdfinfo"]) {
        let out = Command::new(pdfinfo).arg(pdf).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find(|l| l.starts_with("Pages:"))
            .expect("pdfinfo prints Pages:");
        return line["Pages:".len()..].trim().parse().unwrap();
    }
    let bytes = std::fs::read(pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    regex::Regex::new(r"/Type\s*/Page\b[^s]")
        .unwrap()
        .find_iter(&text)
        .count()
}

/// The PDF's text, when poppler's `pdftotext` is installed (required in CI).
fn pdf_text(pdf: &Path) -> Option<String> {
    let Some(tool) = find_program(&["pdftotext"]) else {
        if in_ci() {
            panic!("pdftotext is not installed, and CI=true: install poppler-utils");
        }
        eprintln!("SKIPPED: pdftotext not installed, the printed text is not checked");
        return None;
    };
    let out = Command::new(tool)
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Asserts each client after the first starts a printed page (the first is on page 1,
/// after the summary, or starts page 2 when it does not fit there with its table), from the
/// PDF's text.
fn assert_each_client_starts_a_page(text: &str, ids: &[&str]) {
    let pages: Vec<&str> = text.split('\u{c}').collect();
    let first_on_page_1 = pages[0].contains(&format!("Client {}", ids[0]));
    for id in ids.iter().skip(usize::from(first_on_page_1)) {
        let starts = pages.iter().any(|page| {
            page.lines()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| l.contains(&format!("Client {id}")))
        });
        assert!(starts, "client {id} does not start a page:\n{text}");
    }
}

#[test]
fn prints_one_page_per_client_on_letter_and_a4() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Without the bare row, so client A fits on page 1 after the summary with room to
    // spare in French and with wider fonts (DejaVu Sans) too.
    let (checklist, _books) = month_checklist_in(dir.path(), false);
    let ids: Vec<&str> = checklist
        .clients
        .iter()
        .map(|c| c.client.id_value.as_str())
        .collect();
    assert_eq!(ids.len(), 3);
    for lang in [Lang::En, Lang::Fr, Lang::Both] {
        let html = checklist.to_html(lang);
        // Chromium's default paper is Letter; a copy forced to A4 checks the other size, and
        // one in DejaVu Sans (wider than Arial) checks a machine without the usual fonts.
        for (paper, page_css) in [
            ("letter", ""),
            ("a4", "<style>@page { size: A4; }</style>"),
            (
                "letter-dejavu",
                "<style>body, body * { font-family: 'DejaVu Sans' !important; }</style>",
            ),
        ] {
            let page = dir.path().join(format!("checklist-{lang:?}-{paper}.html"));
            std::fs::write(
                &page,
                html.replace("</head>", &format!("{page_css}</head>")),
            )
            .unwrap();
            let pdf = dir.path().join(format!("checklist-{lang:?}-{paper}.pdf"));
            print_to_pdf(&chromium, &page, &pdf);
            let pages = page_count(&pdf);
            if lang == Lang::Both {
                // Both languages make client 1 longer than a page: at least a page each.
                assert!(pages >= ids.len(), "{lang:?} on {paper}: {pages} pages");
            } else {
                assert_eq!(pages, ids.len(), "{lang:?} on {paper}: one page per client");
            }
            if let Some(text) = pdf_text(&pdf) {
                assert_eq!(
                    text.matches('\u{c}').count(),
                    pages,
                    "one form feed per page"
                );
                assert_each_client_starts_a_page(&text, &ids);
                // The escaped markup prints as text (the value may wrap in its column).
                assert!(text.contains("<script>alert("), "{text}");
                let marked = if lang == Lang::Fr {
                    "<i>n'est</i>"
                } else {
                    "<b>is</b>"
                };
                assert!(text.contains(marked), "{text}");
            }
        }
    }
}

#[test]
fn prints_each_sample_with_at_least_a_page_per_client() {
    let Some(chromium) = chromium() else { return };
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    for (i, path) in samples().iter().enumerate() {
        let book = Rejected::open(path, &registry).unwrap();
        let checklist = Checklist::build(&[&book], &registry);
        let page = dir.path().join(format!("sample-{i}.html"));
        std::fs::write(&page, checklist.to_html(Lang::Both)).unwrap();
        let pdf = dir.path().join(format!("sample-{i}.pdf"));
        print_to_pdf(&chromium, &page, &pdf);
        let pages = page_count(&pdf);
        assert!(
            pages >= checklist.clients.len().max(1),
            "{}: {pages} pages for {} clients",
            path.display(),
            checklist.clients.len()
        );
    }
}

// ---------------------------------------------------------------------------------------
// The "Checklist" sheet

#[test]
fn checklist_sheet_reads_back_and_is_set_up_to_print() {
    let dir = tempfile::tempdir().unwrap();
    let (checklist, _books) = month_checklist(dir.path());
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    write_sheet(ws, &checklist, Lang::En).unwrap();
    let path = dir.path().join("sheet.xlsx");
    wb.save(&path).unwrap();

    let mut xlsx: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(xlsx.sheet_names(), [CHECKLIST_SHEET]);
    let range = xlsx.worksheet_range(CHECKLIST_SHEET).unwrap();
    let cell = |r: u32, c: u32| {
        range
            .get_value((r, c))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    assert!(cell(0, 0).contains("CP rejeté été & co.xlsx"));
    assert_eq!(cell(1, 9), "Current value");
    assert_eq!(cell(1, 13), "Corrected in the file");
    let rows = checklist.rows(Lang::En);
    assert_eq!(rows.len(), checklist.item_count());
    assert_eq!(range.end().unwrap().0, 1 + rows.len() as u32);
    // First data row: client A's identity note in the Client Profile.
    assert_eq!(cell(2, 0), "1");
    assert!(cell(2, 1).contains("11111111"));
    assert_eq!(cell(2, 2), "Yes");
    assert_eq!(cell(2, 3), "CP rejeté été & co.xlsx");
    assert_eq!(cell(2, 5), "4");
    assert!(cell(2, 8).contains("Date of Birth (YYYY-MM-DD) (D4)"));
    assert!(cell(2, 9).contains("1980-01-15"));
    assert!(cell(2, 10).contains("Unable to validate against database."));
    assert_eq!(cell(2, 12), "\u{2610}");
    // Every row has its two boxes; the script is plain text in a cell.
    for r in 2..2 + rows.len() as u32 {
        assert_eq!(
            (cell(r, 12).as_str(), cell(r, 13).as_str()),
            ("\u{2610}", "\u{2610}")
        );
    }
    assert!((2..2 + rows.len() as u32).any(|r| cell(r, 9) == SCRIPT_VALUE));

    let sheet = read_part(&path, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{sheet}");
    let setup = regex::Regex::new(r"<pageSetup [^>]*/>").unwrap();
    let setup = setup.find(&sheet).expect("pageSetup").as_str();
    assert!(setup.contains("orientation=\"landscape\""), "{setup}");
    assert!(setup.contains("fitToHeight=\"0\""), "{setup}");
    // fitToWidth defaults to 1 when absent.
    assert!(
        !setup.contains("fitToWidth=") || setup.contains("fitToWidth=\"1\""),
        "{setup}"
    );
    assert!(sheet.contains("<printOptions gridLines=\"1\"/>"), "{sheet}");
    let workbook = read_part(&path, "xl/workbook.xml");
    assert!(
        workbook.contains(
            "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">Checklist!$1:$2</definedName>"
        ),
        "{workbook}"
    );
}

#[test]
fn checklist_sheet_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let (checklist, _books) = month_checklist(dir.path());
    let rows = checklist.rows(Lang::Fr);
    assert!(rows[0].problem.contains("Impossible de valider"));
    assert!(
        rows[0]
            .fields
            .contains("Date de naissance (AAAA-MM-JJ) (D4)")
    );
    assert!(
        rows.iter()
            .any(|r| r.advice.contains("inscrivez les mêmes valeurs"))
    );
}

// ---------------------------------------------------------------------------------------
// The command line

fn digest(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn cli_writes_beside_the_first_file_and_never_touches_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let (cp, nar) = month(dir.path());
    let before = (digest(&cp), digest(&nar));
    let out = icare_fix()
        .arg("checklist")
        .arg(&cp)
        .arg(&nar)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let target = dir.path().join("CP rejeté été & co.checklist.html");
    assert!(
        stderr.contains("Wrote") && stderr.contains("CP rejeté été & co.checklist.html"),
        "{stderr}"
    );
    assert!(
        stderr.contains("3 clients, 1 not validated, 6 records, 7 items"),
        "{stderr}"
    );
    let html = std::fs::read_to_string(&target).unwrap();
    assert!(html.contains("NAR &#39;mai&#39;.xlsx"));
    assert_eq!((digest(&cp), digest(&nar)), before);

    // Again: refused without --force, the checklist unchanged.
    std::fs::write(&target, "mine").unwrap();
    let out = icare_fix()
        .arg("checklist")
        .arg(&cp)
        .arg(&nar)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists. Use --force"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine");
    let out = icare_fix()
        .args(["checklist", "--force"])
        .arg(&cp)
        .arg(&nar)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
}

#[test]
fn cli_output_path_and_language() {
    let dir = tempfile::tempdir().unwrap();
    let (cp, _) = month(dir.path());
    let target = dir.path().join("liste à cocher.html");
    let out = icare_fix()
        .args(["checklist", "--lang", "fr", "-o"])
        .arg(&target)
        .arg(&cp)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&target).unwrap();
    assert!(html.contains("Liste de vérification des corrections"));
    assert!(
        !dir.path()
            .join("CP rejeté été & co.checklist.html")
            .exists()
    );

    let out = icare_fix()
        .args(["checklist", "--lang", "de"])
        .arg(&cp)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_refuses_a_bad_file_among_several_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let (cp, _) = month(dir.path());
    let bad = dir.path().join("not a workbook.xlsx");
    std::fs::write(&bad, "Row,Message\r\n4,hello\r\n").unwrap();
    let out = icare_fix()
        .arg("checklist")
        .arg(&cp)
        .arg(&bad)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no checklist was written"), "{stderr}");
    assert!(stderr.contains("not a workbook.xlsx"), "{stderr}");
    assert!(stderr.contains("is not an Excel workbook"), "{stderr}");
    assert!(
        !dir.path()
            .join("CP rejeté été & co.checklist.html")
            .exists()
    );

    let missing = dir.path().join("absent.xlsx");
    let out = icare_fix().arg("checklist").arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot find the file"));
}

#[test]
fn cli_reads_a_file_given_twice_once() {
    let dir = tempfile::tempdir().unwrap();
    let (cp, _) = month(dir.path());
    let out = icare_fix()
        .arg("checklist")
        .arg(&cp)
        .arg(&cp)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("given twice"), "{stderr}");
    let html =
        std::fs::read_to_string(dir.path().join("CP rejeté été & co.checklist.html")).unwrap();
    assert_eq!(html.matches("<tr class=\"item ").count(), 3);
}

#[test]
fn cli_refuses_an_original_upload_file_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let (cp, _) = month(dir.path());
    let original = root().join("samples/original_upload.xlsx");
    let target = dir.path().join("out.html");
    let out = icare_fix()
        .arg("checklist")
        .arg(&cp)
        .arg(&original)
        .arg("-o")
        .arg(&target)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("original_upload.xlsx' has no iCARE error notes"),
        "{stderr}"
    );
    assert!(!target.exists());

    let out = icare_fix()
        .args(["checklist", "--force", "--lang", "en"])
        .arg(&cp)
        .arg(&original)
        .arg("-o")
        .arg(&target)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("only its rows of clients IRCC could not validate"),
        "{stderr}"
    );
    let html = std::fs::read_to_string(&target).unwrap();
    assert!(html.contains("original_upload.xlsx"));
    assert_eq!(html.matches("<tr class=\"item ").count(), 3);
}
