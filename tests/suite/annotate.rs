//! The annotated workbook, read back: fills on exactly the flagged cells, a note on each,
//! links on the Errors rows, values unchanged, document properties.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use calamine::{Reader, Xlsx};
use icare_fix::Lang;
use icare_fix::output::annotate::{
    PROP_SOURCE_NAME, PROP_SOURCE_SHA256, SheetNames, category_color, sha256_file,
};
use icare_fix::output::way_back::AnnotatedInfo;
use icare_fix::{Registry, Rejected};

use crate::common::{elements, icare_fix, read_part, sample_copy};

/// A copy of a sample in a fresh folder, and its annotated workbook written there by the
/// command (the folder lives as long as the returned guard).
fn annotated(name: &str) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let (dir, input) = sample_copy(name);
    let output = dir.path().join("out.xlsx");
    icare_fix()
        .arg("annotate")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .assert()
        .success();
    (dir, input, output)
}

/// Every sample with notes, both layouts, shared and inline strings.
const SAMPLES: [&str; 6] = [
    "client_profile.xlsx",
    "client_profile_inserted_column.xlsx",
    "information_orientation_all_shapes.xlsx",
    "information_orientation_inline_strings.xlsx",
    "lt_course_setup.xlsx",
    "employment.xlsx",
];

/// cell → fill colour (RRGGBB) of every cell of the first sheet that has a solid fill.
fn fills(path: &std::path::Path) -> BTreeMap<String, String> {
    let styles = read_part(path, "xl/styles.xml");
    let fills_xml = styles
        .split("<fills")
        .nth(1)
        .unwrap()
        .split("</fills>")
        .next()
        .unwrap();
    let fill_colors: Vec<Option<String>> = fills_xml
        .split("<fill>")
        .skip(1)
        .map(|f| {
            regex::Regex::new(r#"<fgColor rgb="FF([0-9A-F]{6})""#)
                .unwrap()
                .captures(f)
                .map(|c| c[1].to_string())
        })
        .collect();
    let xfs_xml = styles
        .split("<cellXfs")
        .nth(1)
        .unwrap()
        .split("</cellXfs>")
        .next()
        .unwrap();
    let xf_fill: Vec<usize> = elements(xfs_xml, "xf")
        .iter()
        .map(|a| a.get("fillId").map_or(0, |v| v.parse().unwrap()))
        .collect();
    let sheet = read_part(path, "xl/worksheets/sheet1.xml");
    let mut out = BTreeMap::new();
    for c in elements(&sheet, "c") {
        let style: usize = c.get("s").map_or(0, |v| v.parse().unwrap());
        if let Some(Some(color)) = fill_colors.get(xf_fill[style]) {
            out.insert(c["r"].clone(), color.clone());
        }
    }
    out
}

#[test]
fn fills_and_notes_are_on_exactly_the_flagged_cells() {
    let registry = Registry::builtin();
    for name in SAMPLES {
        let (dir, input) = sample_copy(name);
        let before = std::fs::read(&input).unwrap();
        let output = dir.path().join("out.xlsx");
        icare_fix()
            .arg("annotate")
            .arg(&input)
            .arg("-o")
            .arg(&output)
            .assert()
            .success();
        assert_eq!(
            std::fs::read(&input).unwrap(),
            before,
            "{name}: input changed"
        );

        let book = Rejected::open(&input, &registry).unwrap();
        let mut expected: BTreeMap<String, u32> = BTreeMap::new();
        for n in &book.notes {
            let cells: Vec<String> = if n.cells.is_empty() {
                (0..book.codes.len() as u32)
                    .filter(|c| Some(*c) != book.notes_column.map(|n| n.col))
                    .map(|c| icare_fix::workbook::cell_name(n.row, c))
                    .collect()
            } else {
                n.cell_names()
            };
            for cell in cells {
                expected.entry(cell).or_insert(category_color(n.category));
            }
        }
        assert!(!expected.is_empty(), "{name}: no flagged cells");

        let category_fills: BTreeMap<String, u32> = fills(&output)
            .into_iter()
            .map(|(cell, rgb)| (cell, u32::from_str_radix(&rgb, 16).unwrap()))
            .filter(|(_, rgb)| {
                icare_fix::Category::ALL
                    .iter()
                    .any(|c| category_color(*c) == *rgb)
            })
            .collect();
        assert_eq!(category_fills, expected, "{name}: fills");

        let comments = read_part(&output, "xl/comments1.xml");
        let noted: BTreeSet<String> = elements(&comments, "comment")
            .into_iter()
            .map(|a| a["ref"].clone())
            .collect();
        assert_eq!(noted, expected.keys().cloned().collect(), "{name}: notes");
    }
}

#[test]
fn cell_notes_explain_in_both_languages_or_one() {
    let (dir, input) = sample_copy("client_profile.xlsx");
    let both = dir.path().join("both.xlsx");
    let fr = dir.path().join("fr.xlsx");
    icare_fix()
        .arg("annotate")
        .arg(&input)
        .arg("-o")
        .arg(&both)
        .assert()
        .success();
    icare_fix()
        .args(["annotate", "--lang", "fr"])
        .arg(&input)
        .arg("-o")
        .arg(&fr)
        .assert()
        .success();
    let both = read_part(&both, "xl/comments1.xml");
    assert!(both.contains("Unable to validate against database."));
    assert!(both.contains("Impossible de valider dans la base de données."));
    assert!(both.contains("What to do:"));
    assert!(both.contains("Que faire :"));
    let fr = read_part(&fr, "xl/comments1.xml");
    assert!(fr.contains("Impossible de valider dans la base de données."));
    assert!(!fr.contains("Unable to validate against database."));
    assert!(!fr.contains("What to do:"));
}

#[test]
fn values_are_unchanged_and_codes_row_hidden() {
    let registry = Registry::builtin();
    for name in SAMPLES {
        let (dir, input) = sample_copy(name);
        let output = dir.path().join("out.xlsx");
        icare_fix()
            .arg("annotate")
            .arg(&input)
            .arg("-o")
            .arg(&output)
            .assert()
            .success();
        let book = Rejected::open(&input, &registry).unwrap();
        let mut annotated: Xlsx<_> = calamine::open_workbook(&output).unwrap();
        let sheet_names = annotated.sheet_names();
        assert_eq!(sheet_names[0], book.sheet, "{name}");
        // The default language is both: the sheets are named in both.
        let names = SheetNames::of(Lang::Both);
        assert_eq!(
            sheet_names[1..4],
            [names.errors, names.summary, names.checklist],
            "{name}"
        );
        // The Checklist sheet prints landscape, one page wide, its header rows repeated.
        let workbook_xml = read_part(&output, "xl/workbook.xml");
        assert!(
            workbook_xml.contains(&format!(
                r#"<definedName name="_xlnm.Print_Titles" localSheetId="3">'{}'!$1:$2</definedName>"#,
                names.checklist
            )),
            "{name}"
        );
        let checklist = read_part(&output, "xl/worksheets/sheet4.xml");
        assert!(checklist.contains(r#"orientation="landscape""#), "{name}");
        // Fit to pages, one page wide (the default width) and as many pages tall as needed.
        assert!(
            checklist.contains(r#"<pageSetUpPr fitToPage="1"/>"#),
            "{name}"
        );
        assert!(checklist.contains(r#"fitToHeight="0""#), "{name}");
        let range = annotated.worksheet_range(&book.sheet).unwrap();
        let notes_col = book.notes_column.unwrap().col;
        for row in &book.grid.rows {
            for (col, value) in &row.cells {
                if *col == notes_col && row.row >= book.data_start {
                    continue;
                }
                let got = range
                    .get_value((row.row, *col))
                    .map(icare_fix::workbook::display)
                    .unwrap_or_default();
                assert_eq!(
                    got,
                    icare_fix::workbook::display(value),
                    "{name} {}",
                    icare_fix::workbook::cell_name(row.row, *col)
                );
            }
        }
        // The notes cell shows the record key and a readable summary instead of the raw note.
        for n in &book.notes {
            let summary = range
                .get_value((n.row, notes_col))
                .map(icare_fix::workbook::display)
                .unwrap_or_default();
            assert!(!summary.contains("[BUID:"), "{name}: {summary}");
            if let Some(orp) = n.note.orp {
                assert!(
                    summary.starts_with(&format!("ORP {}/{}", orp.index, orp.total)),
                    "{summary}"
                );
            }
        }
        let sheet = read_part(&output, "xl/worksheets/sheet1.xml");
        let hidden: Vec<String> = elements(&sheet, "row")
            .into_iter()
            .filter(|a| a.get("hidden").is_some_and(|v| v == "1"))
            .map(|a| a["r"].clone())
            .collect();
        assert_eq!(hidden, [(book.codes_row + 1).to_string()], "{name}");
        assert!(
            sheet.contains(&format!("<pane ySplit=\"{}\"", book.data_start)),
            "{name}: frozen header"
        );
        assert!(
            sheet.contains("<autoFilter ref=\"A3:"),
            "{name}: filter on labels"
        );
    }
}

#[test]
fn errors_sheet_links_every_note_to_its_first_cell() {
    let registry = Registry::builtin();
    let (_dir, input, output) = annotated("information_orientation_all_shapes.xlsx");
    let book = Rejected::open(&input, &registry).unwrap();
    // One row per note; a note that names cells links to its first one.
    let expected: Vec<String> = book
        .notes
        .iter()
        .filter_map(|n| n.cell_names().into_iter().next())
        .collect();
    let errors = read_part(&output, "xl/worksheets/sheet2.xml");
    let links: Vec<HashMap<String, String>> = elements(&errors, "hyperlink");
    assert_eq!(links.len(), expected.len());
    for (link, cell) in links.iter().zip(&expected) {
        assert_eq!(link["location"], format!("'{}'!{cell}", book.sheet));
    }
    let mut annotated: Xlsx<_> = calamine::open_workbook(&output).unwrap();
    let range = annotated
        .worksheet_range(SheetNames::of(Lang::Both).errors)
        .unwrap();
    assert_eq!(range.height(), book.notes.len() + 1);
}

#[test]
fn properties_record_the_source_and_its_hash() {
    let (_dir, input, output) = annotated("employment.xlsx");
    let info = AnnotatedInfo::read(&output).expect("an annotated workbook");
    assert_eq!(info.source_name, "employment.xlsx");
    assert_eq!(info.source_sha256, sha256_file(&input).unwrap());
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    let custom = read_part(&output, "docProps/custom.xml");
    assert!(custom.contains(PROP_SOURCE_NAME) && custom.contains(PROP_SOURCE_SHA256));
    assert!(AnnotatedInfo::read(&input).is_none());
}

#[test]
fn drop_downs_come_from_the_workbooks_own_lists() {
    let (_dir, _input, output) = annotated("information_orientation.xlsx");
    let sheet = read_part(&output, "xl/worksheets/sheet1.xml");
    let validations = elements(&sheet, "dataValidation");
    // One per list or yes/no column of the template.
    let registry = Registry::builtin();
    let template = registry.template("information_orientation").unwrap();
    let lists = template
        .columns
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                icare_fix::template::ValueKind::List | icare_fix::template::ValueKind::YesNo
            )
        })
        .count();
    assert_eq!(validations.len(), lists);
    assert!(validations.iter().all(|v| v["type"] == "list"));
    let mut annotated: Xlsx<_> = calamine::open_workbook(&output).unwrap();
    let lists_sheet = annotated
        .worksheet_range(SheetNames::of(Lang::Both).lists)
        .unwrap();
    let first_list: Vec<String> = lists_sheet
        .rows()
        .filter_map(|r| r.first().map(icare_fix::workbook::display))
        .filter(|v| !v.is_empty())
        .collect();
    assert_eq!(
        first_list,
        [
            "FOSS/GCMS Client ID",
            "Temporary Resident or Minister’s Permit Number",
            "IMM5292, IMM5509, IMM1000 Number"
        ]
    );
}

#[test]
fn refuses_an_original_upload_file_and_never_overwrites() {
    let (dir, input) = sample_copy("original_upload.xlsx");
    icare_fix()
        .arg("annotate")
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "this looks like an original upload file",
        ));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let (dir, input) = sample_copy("employment.xlsx");
    icare_fix().arg("annotate").arg(&input).assert().success();
    let out = dir.path().join("employment.annotated.xlsx");
    assert!(out.exists());
    icare_fix()
        .arg("annotate")
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already exists"));
    icare_fix()
        .arg("annotate")
        .arg("--force")
        .arg(&input)
        .assert()
        .success();
}

#[test]
fn a_file_too_large_to_annotate_is_refused_before_any_work() {
    // 26,400 rows of the 95-column template: 2,508,000 cells, past the budget.
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("huge.xlsx");
    let spec = icare_synth::Spec::new("information_orientation", 26_400);
    icare_synth::write(&spec, &registry, &input).unwrap();
    let book = Rejected::open(&input, &registry).unwrap();
    let cells = book.row_count() as u64 * book.codes.len() as u64;
    assert!(cells > icare_fix::output::annotate::MAX_ANNOTATED_CELLS);
    let output = dir.path().join("huge.annotated.xlsx");
    let err = icare_fix::output::annotate::annotate(
        &book,
        &registry,
        &output,
        &icare_fix::output::annotate::AnnotateOptions::default(),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("more than the 2500000 that fit")
            && message.contains("Split it in Excel into files of at most 2,500 rows"),
        "{message}"
    );
    assert!(!output.exists(), "nothing is written");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file is left"
    );
}

/// Every part of the package at `bytes`, by name, in order, unpacked.
fn unpacked(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (entry.name().unwrap().to_string(), data)
        })
        .collect()
}

#[test]
fn the_notes_written_by_icare_fix_are_those_rust_xlsxwriter_writes() {
    // `annotate` writes the data sheet's notes itself; `build` leaves them to rust_xlsxwriter.
    // Both packages hold the same parts in the same order, the same bytes but for the
    // document properties (dates, the output's place).
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let synthetic = dir.path().join("io.xlsx");
    // Some 1,200 notes: their boxes' ids take two blocks of 1,024.
    let spec = icare_synth::Spec::new("information_orientation", 600);
    icare_synth::write(&spec, &registry, &synthetic).unwrap();
    let inputs = [
        (synthetic, Lang::Both),
        (crate::common::sample("client_profile.xlsx"), Lang::Fr),
        (
            crate::common::sample("information_orientation.xlsx"),
            Lang::En,
        ),
    ];
    let mut many = false;
    for (i, (input, lang)) in inputs.iter().enumerate() {
        let book = Rejected::open(input, &registry).unwrap();
        let output = dir.path().join(format!("out{i}.xlsx"));
        let opts = icare_fix::output::annotate::AnnotateOptions {
            lang: *lang,
            force: false,
        };
        icare_fix::output::annotate::annotate(&book, &registry, &output, &opts).unwrap();
        let ours = unpacked(&std::fs::read(&output).unwrap());
        let (mut workbook, _) =
            icare_fix::output::annotate::build(&book, &registry, *lang, "sha").unwrap();
        let theirs = unpacked(&workbook.save_to_buffer().unwrap());
        // The same parts in the same order, but the custom properties: written last, once
        // the fingerprint of the other parts they record is known.
        let custom = "docProps/custom.xml";
        let names = |p: &[(String, Vec<u8>)]| {
            p.iter()
                .map(|(n, _)| n.clone())
                .filter(|n| n != custom)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&ours), names(&theirs), "{}", input.display());
        assert_eq!(ours.last().map(|(n, _)| n.as_str()), Some(custom));
        assert!(theirs.iter().any(|(n, _)| n == custom));
        let others = |p: &[(String, Vec<u8>)]| {
            p.iter()
                .filter(|(n, _)| n != custom)
                .cloned()
                .collect::<Vec<_>>()
        };
        for ((name, a), (_, b)) in others(&ours).iter().zip(&others(&theirs)) {
            if !name.starts_with("docProps/") {
                assert!(a == b, "{}: {name} differs", input.display());
            }
        }
        let part = |name: &str| {
            let (_, data) = ours.iter().find(|(n, _)| n == name).unwrap();
            String::from_utf8(data.clone()).unwrap()
        };
        let vml = part("xl/drawings/vmlDrawing1.vml");
        let comments = part("xl/comments1.xml");
        assert_eq!(
            vml.matches("<v:shape ").count(),
            comments.matches("<comment ").count()
        );
        assert!(comments.matches("<comment ").count() > 1, "{comments}");
        many |= vml.contains(r#"data="1,2""#);
    }
    assert!(many, "more than 1,024 notes");
}
