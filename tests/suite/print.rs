//! Outputs that print and read well: the annotated workbook printed by LibreOffice (page
//! counts, every message and advice printed whole), the HTML checklist printed by Chromium
//! (each client's card on the same page as its table), and every sheet name and heading in
//! the language asked for, in the annotated workbook and the run's `summary.xlsx`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use calamine::{Reader as _, Xlsx};
use icare_fix::output::annotate::SheetNames;
use icare_fix::output::checklist::Checklist;
use icare_fix::{Lang, Registry, Rejected};
use icare_synth as synth;

use crate::checklist::{chromium, find_program, page_count, print_to_pdf};
use crate::common::{icare_fix, in_ci, sample};

/// LibreOffice, or `None` after saying so; in CI a missing LibreOffice fails the test.
fn soffice() -> Option<PathBuf> {
    let found = find_program(&["soffice", "libreoffice"]);
    if found.is_none() {
        if in_ci() {
            panic!("LibreOffice is not installed, and CI=true: install libreoffice-calc");
        }
        eprintln!("SKIPPED: LibreOffice (soffice) not installed");
    }
    found
}

/// `pdftotext`, or `None` after saying so; in CI a missing one fails the test.
fn pdftotext() -> Option<PathBuf> {
    let found = find_program(&["pdftotext"]);
    if found.is_none() {
        if in_ci() {
            panic!("pdftotext is not installed, and CI=true: install poppler-utils");
        }
        eprintln!("SKIPPED: pdftotext not installed, the printed text is not checked");
    }
    found
}

/// Converts `workbooks` to PDF in `out` with LibreOffice, with a private profile so that
/// tests running at once do not share one.
fn print_workbooks(soffice: &Path, workbooks: &[PathBuf], out: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(out)
        .args(workbooks)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("LibreOffice starts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        // A guard against a hung converter, not a timing check.
        if start.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            panic!("LibreOffice did not finish converting within 300 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(status.success(), "LibreOffice failed");
}

/// The text of pages `first..=last` of `pdf` in content order (`-raw`: a cell's lines stay
/// together), with all whitespace runs made one space.
fn pdf_words(tool: &Path, pdf: &Path, pages: Option<usize>) -> String {
    let mut cmd = Command::new(tool);
    cmd.arg("-raw");
    if let Some(page) = pages {
        cmd.args(["-f", &page.to_string(), "-l", &page.to_string()]);
    }
    let out = cmd.arg(pdf).arg("-").output().unwrap();
    squash(&String::from_utf8_lossy(&out.stdout))
}

/// Whitespace runs made one space; a line broken after a hyphen (`YYYY-MM-` / `DD`) joined.
fn squash(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("- ", "-")
}

/// Every text of the given columns (0-based) below the heading row of `sheet`.
fn column_texts(book: &Path, sheet: &str, first_row: u32, cols: &[u32]) -> Vec<String> {
    let mut xlsx: Xlsx<_> = calamine::open_workbook(book).unwrap();
    let range = xlsx.worksheet_range(sheet).unwrap();
    let mut texts = Vec::new();
    for row in first_row..=range.end().map_or(0, |e| e.0) {
        for col in cols {
            if let Some(value) = range.get_value((row, *col)) {
                let text = icare_fix::workbook::display(value);
                if !text.trim().is_empty() {
                    texts.push(text);
                }
            }
        }
    }
    texts
}

#[test]
fn annotated_workbooks_print_on_few_pages_with_every_message_and_advice_whole() {
    let Some(soffice) = soffice() else { return };
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::builtin();
    let io = dir.path().join("io25.xlsx");
    synth::write(
        &synth::Spec::new("information_orientation", 25),
        &registry,
        &io,
    )
    .unwrap();
    let cp = dir.path().join("cp12.xlsx");
    std::fs::copy(sample("client_profile.xlsx"), &cp).unwrap();
    assert_eq!(Rejected::open(&cp, &registry).unwrap().row_count(), 12);
    let limits = [("io25", 24), ("cp12", 6)];
    let mut annotated = Vec::new();
    for (stem, _) in limits {
        let output = dir.path().join(format!("{stem}.annotated.xlsx"));
        icare_fix()
            .arg("annotate")
            .arg(dir.path().join(format!("{stem}.xlsx")))
            .arg("-o")
            .arg(&output)
            .assert()
            .success();
        annotated.push(output);
    }
    print_workbooks(&soffice, &annotated, dir.path());
    let names = SheetNames::of(Lang::Both);
    for ((stem, limit), book) in limits.iter().zip(&annotated) {
        let pdf = dir.path().join(format!("{stem}.annotated.pdf"));
        let pages = page_count(&pdf);
        eprintln!("{stem}: the annotated workbook prints on {pages} pages");
        assert!(pages <= *limit, "{stem}: {pages} pages, at most {limit}");
        let Some(tool) = pdftotext() else { continue };
        let printed = pdf_words(&tool, &pdf, None);
        // Errors: Cells, Fields, Message, What to do; Checklist: What is wrong, What to do.
        let mut texts = column_texts(book, names.errors, 1, &[1, 3, 5, 6]);
        let errors = texts.len();
        texts.extend(column_texts(book, names.checklist, 2, &[10, 11]));
        assert!(errors > 10 && texts.len() > errors, "{stem}: {texts:?}");
        for text in texts {
            let text = squash(&text);
            assert!(
                printed.contains(&text),
                "{stem}: not printed whole: {text}\n\n{printed}"
            );
        }
    }
}

/// The pages of a PDF as text, one string each.
fn pdf_pages(tool: &Path, pdf: &Path) -> Vec<String> {
    (1..=page_count(pdf))
        .map(|page| pdf_words(tool, pdf, Some(page)))
        .collect()
}

#[test]
fn each_clients_card_prints_on_the_same_page_as_its_table() {
    let Some(chromium) = chromium() else { return };
    let Some(tool) = pdftotext() else { return };
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "client_profile.xlsx",
        "information_orientation_all_shapes.xlsx",
    ] {
        let book = Rejected::open(&sample(name), &registry).unwrap();
        let checklist = Checklist::build(&[&book], &registry);
        for (lang, heading, row) in [
            (Lang::En, "What to do", "row"),
            (Lang::Fr, "Que faire", "ligne"),
            (Lang::Both, "What to do / Que faire", "row / ligne"),
        ] {
            let page = dir.path().join(format!("{name}-{lang:?}.html"));
            std::fs::write(&page, checklist.to_html(lang)).unwrap();
            let pdf = dir.path().join(format!("{name}-{lang:?}.pdf"));
            print_to_pdf(&chromium, &page, &pdf);
            let pages = pdf_pages(&tool, &pdf);
            let mut checked = 0;
            let named = checklist
                .clients
                .iter()
                .filter(|c| !c.is_unknown() && !c.client.id_value.is_empty());
            for entry in named {
                let card = format!("Client {}", entry.client.id_value);
                let first = &entry.records[0];
                let record = format!("{} {}", row, first.row_number());
                let on = pages
                    .iter()
                    .position(|p| p.contains(&card))
                    .unwrap_or_else(|| panic!("{name} {lang:?}: no card {card}"));
                let after = &pages[on][pages[on].find(&card).unwrap()..];
                assert!(
                    after.contains(heading) && after.contains(&record),
                    "{name} {lang:?}: the card of {card} is on page {} without its table \
                     (heading '{heading}', record '{record}'):\n{}",
                    on + 1,
                    pages[on]
                );
                checked += 1;
            }
            assert!(checked > 0, "{name}: no client checked");
        }
    }
}

/// Sheet names and headings icare-fix writes in English, and the same in French: a
/// workbook in one language must show none of the other's.
const ENGLISH: [&str; 16] = [
    "Errors",
    "Summary",
    "Checklist",
    "Lists",
    "Row",
    "Cells",
    "Fields",
    "Category",
    "What to do",
    "Current value",
    "File",
    "Template",
    "What is wrong",
    "Colour legend",
    "By field",
    "Date of birth",
];
const FRENCH: [&str; 16] = [
    "Erreurs",
    "Résumé",
    "vérification",
    "Listes",
    "Ligne",
    "Cellules",
    "Champs",
    "Catégorie",
    "Que faire",
    "Valeur actuelle",
    "Fichier",
    "Modèle",
    "Problème",
    "Légende",
    "Par champ",
    "Date de naissance",
];

/// True when `text` holds `word` as whole words.
fn has_words(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The sheet names (but the data sheet's) and the heading texts of icare-fix's own sheets.
fn names_and_headings(book: &Path, lang: Lang) -> Vec<String> {
    let names = SheetNames::of(lang);
    let mut xlsx: Xlsx<_> = calamine::open_workbook(book).unwrap();
    let mut texts: Vec<String> = xlsx.sheet_names()[1..].to_vec();
    let mut add = |sheet: &str, cells: &[(u32, u32)]| {
        let range = xlsx.worksheet_range(sheet).unwrap();
        for cell in cells {
            if let Some(v) = range.get_value(*cell) {
                texts.push(icare_fix::workbook::display(v));
            }
        }
    };
    add(names.errors, &(0..8).map(|c| (0, c)).collect::<Vec<_>>());
    add(
        names.checklist,
        &(0..14).map(|c| (1, c)).collect::<Vec<_>>(),
    );
    add(names.summary, &(0..40).map(|r| (r, 0)).collect::<Vec<_>>());
    texts
}

#[test]
fn french_workbook_has_no_english_names_or_headings_and_english_no_french() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cp.xlsx");
    std::fs::copy(sample("client_profile.xlsx"), &input).unwrap();
    let book = Rejected::open(&input, &registry).unwrap();
    for (lang, id, other) in [(Lang::Fr, "fr", ENGLISH), (Lang::En, "en", FRENCH)] {
        let output = dir.path().join(format!("cp.{id}.xlsx"));
        icare_fix()
            .args(["annotate", "--lang", id, "-o"])
            .arg(&output)
            .arg(&input)
            .assert()
            .success();
        let texts = names_and_headings(&output, lang);
        assert!(texts.len() > 20, "{texts:?}");
        for text in &texts {
            for word in other {
                assert!(!has_words(text, word), "--lang {id}: '{word}' in '{text}'");
            }
        }
        // The messages and advice are in the language too.
        let errors = column_texts(&output, SheetNames::of(lang).errors, 1, &[5, 6]);
        let (foreign, own) = match lang {
            Lang::Fr => ("Unable to validate", "Impossible de valider"),
            _ => ("Impossible de valider", "Unable to validate"),
        };
        assert!(errors.iter().any(|t| t.contains(own)), "{errors:?}");
        assert!(!errors.iter().any(|t| t.contains(foreign)), "{errors:?}");
        assert!(
            book.notes
                .iter()
                .any(|n| n.note.message_en.contains("Unable"))
        );
    }
}

#[test]
fn french_advice_quotes_the_value_the_files_list_spells() {
    // The Client Profile's consent list says "Yes"/"No": the French advice must name "No",
    // the value to choose, not "Non".
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cp.xlsx");
    std::fs::copy(sample("client_profile.xlsx"), &input).unwrap();
    let output = dir.path().join("cp.fr.xlsx");
    icare_fix()
        .args(["annotate", "--lang", "fr", "-o"])
        .arg(&output)
        .arg(&input)
        .assert()
        .success();
    let advice = column_texts(&output, SheetNames::of(Lang::Fr).errors, 1, &[6]);
    let consent: Vec<&String> = advice
        .iter()
        .filter(|a| a.contains("consentement"))
        .collect();
    assert!(!consent.is_empty(), "{advice:?}");
    for a in consent {
        assert!(a.contains("«\u{a0}No\u{a0}»"), "{a}");
        assert!(!has_words(a, "Non"), "{a}");
    }
    let html = Checklist::build(
        &[&Rejected::open(&input, &Registry::builtin()).unwrap()],
        &Registry::builtin(),
    )
    .to_html(Lang::Fr);
    assert!(html.contains("indiquez «\u{a0}No\u{a0}»"), "{html}");
}

#[test]
fn summary_workbook_follows_the_language_and_names_templates() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for name in ["client_profile.xlsx", "employment.xlsx"] {
        std::fs::copy(sample(name), input.join(name)).unwrap();
    }
    let out = dir.path().join("out");
    icare_fix()
        .args(["batch", "--lang", "fr", "--out"])
        .arg(&out)
        .arg(&input)
        .assert()
        .success();
    let summary = out.join("summary.xlsx");
    let mut xlsx: Xlsx<_> = calamine::open_workbook(&summary).unwrap();
    assert_eq!(xlsx.sheet_names(), ["Fichiers", "Clients"]);
    let files = xlsx.worksheet_range("Fichiers").unwrap();
    let row = |r: u32| -> Vec<String> {
        (0..files.width() as u32)
            .map(|c| {
                files
                    .get_value((r, c))
                    .map(icare_fix::workbook::display)
                    .unwrap_or_default()
            })
            .collect()
    };
    let headings = row(0);
    assert_eq!(headings[..4], ["Fichier", "Modèle", "Lignes", "Notes"]);
    for word in ENGLISH {
        assert!(
            !headings.iter().any(|h| has_words(h, word)),
            "{word} in {headings:?}"
        );
    }
    let templates: Vec<String> = (1..files.height() as u32)
        .map(|r| row(r)[1].clone())
        .collect();
    assert!(
        templates.iter().any(|t| t == "Profil du client"),
        "{templates:?}"
    );
    assert!(!templates.iter().any(|t| t.contains('_')), "{templates:?}");
    // Every column is sized: the Template column fits its longest name.
    let sheet = crate::common::read_part(&summary, "xl/worksheets/sheet1.xml");
    let cols: Vec<(usize, usize, f64)> = crate::common::elements(&sheet, "col")
        .into_iter()
        .map(|c| {
            (
                c["min"].parse().unwrap(),
                c["max"].parse().unwrap(),
                c["width"].parse().unwrap(),
            )
        })
        .collect();
    let width = |col: usize| {
        cols.iter()
            .find(|(min, max, _)| (*min..=*max).contains(&col))
            .map(|c| c.2)
    };
    assert!((1..=headings.len()).all(|c| width(c).is_some()), "{cols:?}");
    let longest_template = templates.iter().map(|t| t.chars().count()).max().unwrap();
    assert!(width(2).unwrap() >= longest_template as f64, "{cols:?}");
}

#[test]
fn one_file_run_writes_one_checklist() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("client_profile.xlsx");
    std::fs::copy(sample("client_profile.xlsx"), &input).unwrap();
    let run = icare_fix().arg(&input).assert().success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    let folder = dir.path().join("client_profile-fixed");
    let checklists: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".html"))
        .collect();
    assert_eq!(checklists, ["client_profile.checklist.html"]);
    assert!(
        stdout.contains("(see client_profile.checklist.html)"),
        "{stdout}"
    );
}

#[test]
fn a_long_checklist_of_several_files_says_how_many_pages_it_prints_on() {
    let registry = Registry::builtin();
    let books: Vec<Rejected> = crate::checklist::samples()
        .iter()
        .map(|p| Rejected::open(p, &registry).unwrap())
        .collect();
    let refs: Vec<&Rejected> = books.iter().collect();
    let checklist = Checklist::build(&refs, &registry);
    let html = checklist.to_html(Lang::En);
    let about = regex::Regex::new(r"prints on about (\d+) pages")
        .unwrap()
        .captures(&html)
        .unwrap_or_else(|| panic!("no page estimate in a checklist of {} files", books.len()));
    let estimate: usize = about[1].parse().unwrap();
    assert!(
        html.contains("own checklist instead"),
        "no pointer to the per-file ones"
    );
    // One file alone: no estimate, it is the file's own checklist.
    let one = Checklist::build(&refs[..1], &registry).to_html(Lang::En);
    assert!(!one.contains("prints on about"));
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("all.html");
    std::fs::write(&page, &html).unwrap();
    let pdf = dir.path().join("all.pdf");
    print_to_pdf(&chromium, &page, &pdf);
    let pages = page_count(&pdf);
    // An estimate: within a factor of two of what Chromium prints.
    assert!(
        estimate <= 2 * pages && pages <= 2 * estimate,
        "estimated {estimate} pages, printed {pages}"
    );
}

#[test]
fn fields_the_file_lacks_say_not_in_this_file_without_codes_or_list_advice() {
    let registry = Registry::builtin();
    let book = Rejected::open(
        &sample("information_orientation_all_shapes.xlsx"),
        &registry,
    )
    .unwrap();
    let checklist = Checklist::build(&[&book], &registry);
    let lacking: Vec<_> = checklist
        .clients
        .iter()
        .flat_map(|c| &c.records)
        .flat_map(|r| &r.items)
        .filter(|i| i.fields.is_empty() && !i.unlocated.is_empty())
        .collect();
    assert!(lacking.len() >= 2, "the sample names codes it lacks");
    let html = checklist.to_html(Lang::En);
    for item in lacking {
        for field in &item.unlocated {
            assert!(
                !field.label_en.contains('_'),
                "a raw code: {}",
                field.label_en
            );
            assert!(
                !html.contains(field.code.as_str()),
                "a raw code: {}",
                field.code
            );
        }
        assert!(!item.advice_en.contains("drop-down"), "{}", item.advice_en);
        assert!(
            item.advice_en.contains("not in this file"),
            "{}",
            item.advice_en
        );
    }
    // The printed rows say so in the value column too, never "(empty)".
    let rows = checklist.rows(Lang::En);
    let lacking_rows: Vec<_> = rows
        .iter()
        .filter(|r| r.fields.contains("(not in this file)"))
        .collect();
    assert!(!lacking_rows.is_empty());
    for row in lacking_rows {
        for (field, value) in row.fields.lines().zip(row.values.lines()) {
            if field.ends_with("(not in this file)") {
                assert_eq!(value, "not in this file", "{row:?}");
            }
        }
    }
}

/// One French word for "template" in everything the tool says or shows: "modèle", never
/// "gabarit" (templates/README.md). Read from the sources, so a message no test triggers is
/// held to it too: the Rust code (check's rules, the outputs) and the page's own files.
#[test]
fn french_says_modele_for_template_everywhere() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.unwrap();
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            // The rule itself, stated in a comment or a test, names the word it forbids.
            let states_the_rule =
                line.contains("never \"gabarit\"") || line.contains("contains(\"gabarit\")");
            if line.to_lowercase().contains("gabarit") && !states_the_rule {
                found.push(format!(
                    "{}:{}: {}",
                    entry.path().display(),
                    i + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "\"gabarit\" where \"modèle\" is the word:\n{}",
        found.join("\n")
    );
}
