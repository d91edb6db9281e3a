//! A column's rules come from the file itself: when a workbook's own hidden LOV sheet spells
//! a value otherwise than icare-fix's bundled lists, every consumer (clean's repairs,
//! annotate's drop-downs, the way back's checks, inspect) follows the file.

use std::io::{Read, Write};
use std::path::Path;

use calamine::{Reader, Xlsx};
use icare_fix::{Registry, Rejected};
use icare_synth::{self as synth, Spec, Strings};

use crate::common::icare_fix;

const CURLY: &str = "Temporary Resident or Minister’s Permit Number";
const STRAIGHT: &str = "Temporary Resident or Minister's Permit Number";

/// A generated Client Profile file whose LOV sheet spells the permit value with a straight
/// apostrophe (the bundled list has the curly one); its data cells keep the curly one.
fn file_with_its_own_spelling(dir: &Path) -> std::path::PathBuf {
    let registry = Registry::builtin();
    let spec = Spec {
        strings: Strings::Inline,
        every_value: true,
        ..Spec::new("client_profile", 12)
    };
    let bytes = synth::to_bytes(&spec, &registry).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let path = dir.join("own lists.xlsx");
    let mut out = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    // The LOV sheet is the second worksheet.
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if name == "xl/worksheets/sheet2.xml" {
            let text = String::from_utf8(data).unwrap();
            assert!(text.contains(CURLY), "the LOV sheet lists the permit value");
            data = text.replace(CURLY, STRAIGHT).into_bytes();
        }
        out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap();
    path
}

#[test]
fn every_consumer_follows_the_files_own_list() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let input = file_with_its_own_spelling(dir.path());
    let book = Rejected::open(&input, &registry).unwrap();
    let id_type = book.column_of("client_validation_type_id").unwrap();
    let curly_rows: Vec<u32> = book
        .data_rows()
        .filter(|r| book.value(r.row, id_type) == CURLY)
        .map(|r| r.row)
        .collect();
    assert!(!curly_rows.is_empty());

    // inspect: the lists come from the file.
    icare_fix()
        .arg("inspect")
        .arg(&input)
        .assert()
        .success()
        .stdout(predicates::str::contains("from the workbook's LOV sheet"));

    // clean: the data cells are brought to the file's spelling, not the bundled one.
    let run = icare_fix().arg("clean").arg(&input).assert().success();
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    for row in &curly_rows {
        let cell = icare_fix::workbook::cell_name(*row, id_type);
        assert!(
            stderr.contains(&format!(
                "{cell}: {CURLY} -> {STRAIGHT} (list value spelled differently)"
            )),
            "{stderr}"
        );
    }

    // annotate: the drop-down lists hold the file's spelling.
    let annotated = dir.path().join("own lists.annotated.xlsx");
    icare_fix().arg("annotate").arg(&input).assert().success();
    let mut wb: Xlsx<_> = calamine::open_workbook(&annotated).unwrap();
    let lists_sheet = icare_fix::output::annotate::SheetNames::of(icare_fix::Lang::Both).lists;
    let lists = wb.worksheet_range(lists_sheet).unwrap();
    let values: Vec<String> = lists.cells().map(|(_, _, v)| v.to_string()).collect();
    assert!(values.iter().any(|v| v == STRAIGHT), "{values:?}");
    assert!(!values.iter().any(|v| v == CURLY), "{values:?}");
    drop(wb);

    // The way back: the file's spelling passes, the bundled one is repaired to it.
    let first = curly_rows[0];
    let other = book
        .data_rows()
        .map(|r| r.row)
        .find(|r| !curly_rows.contains(r))
        .unwrap();
    crate::way_back::type_into(&annotated, &[((other, id_type), STRAIGHT)]);
    let run = icare_fix().arg("clean").arg(&annotated).assert().success();
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(
        !stderr.contains("is not one of the allowed values"),
        "{stderr}"
    );
    let other_cell = icare_fix::workbook::cell_name(other, id_type);
    assert!(
        !stderr.contains(&format!("{other_cell}: {STRAIGHT} ->")),
        "the file's own spelling was repaired: {stderr}"
    );
    let first_cell = icare_fix::workbook::cell_name(first, id_type);
    assert!(
        stderr.contains(&format!("{first_cell}: {CURLY} -> {STRAIGHT}")),
        "{stderr}"
    );
}

/// Rewrites one part of a package held in memory.
fn with_part(bytes: Vec<u8>, part: &str, edit: impl FnOnce(String) -> String) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut edit = Some(edit);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if name == part {
            data = (edit.take().unwrap())(String::from_utf8(data).unwrap()).into_bytes();
        }
        out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn the_annotated_workbook_points_out_likely_next_rejections_apart_from_icares() {
    use icare_fix::workbook::cell_name;
    use icare_fix::workbook::lists::ColumnLists;
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec {
        strings: Strings::Inline,
        ..Spec::new("client_profile", 6)
    };
    let plain = dir.path().join("plain.xlsx");
    synth::write(&spec, &registry, &plain).unwrap();
    let book = Rejected::open(&plain, &registry).unwrap();
    let lists = ColumnLists::of_book(&book, &registry).unwrap();
    let flagged = |row: u32, col: u32| {
        book.notes
            .iter()
            .any(|n| n.row == row && n.cells.iter().any(|c| c.col == col))
    };
    // An unflagged mandatory cell holding a value, and an unflagged Yes/No cell.
    let (row, mandatory) = book
        .data_rows()
        .flat_map(|r| (0..book.codes.len() as u32).map(move |c| (r.row, c)))
        .find(|&(r, c)| {
            let code = book.code(c).unwrap_or_default();
            code != "processing_details"
                && lists.is_mandatory(c, code, &registry, book.template.as_deref())
                && !book.value(r, c).is_empty()
                && !flagged(r, c)
        })
        .unwrap();
    let yes_no = (0..book.codes.len() as u32)
        .find(|&c| {
            lists.values(c).is_some_and(|v| v == ["Yes", "No"])
                && !flagged(row, c)
                && c != mandatory
                && !book.value(row, c).is_empty()
        })
        .unwrap();
    let empty_cell = cell_name(row, mandatory);
    let french_cell = cell_name(row, yes_no);
    let bytes = with_part(
        std::fs::read(&plain).unwrap(),
        "xl/worksheets/sheet1.xml",
        |xml| {
            let cell =
                |name: &str| regex::Regex::new(&format!(r#"<c r="{name}"[^>]*>.*?</c>"#)).unwrap();
            let xml = cell(&empty_cell).replace(&xml, "").into_owned();
            cell(&french_cell)
                .replace(
                    &xml,
                    format!(r#"<c r="{french_cell}" t="inlineStr"><is><t>Oui</t></is></c>"#),
                )
                .into_owned()
        },
    );
    let input = dir.path().join("likely.xlsx");
    std::fs::write(&input, bytes).unwrap();
    icare_fix().arg("annotate").arg(&input).assert().success();
    let annotated = dir.path().join("likely.annotated.xlsx");
    let comments = crate::common::read_part(&annotated, "xl/comments1.xml");
    // Each comment: its cell and its text.
    let re = regex::Regex::new(r#"(?s)<comment ref="([A-Z]+\d+)"[^>]*>(.*?)</comment>"#).unwrap();
    let notes: std::collections::HashMap<String, String> = re
        .captures_iter(&comments)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect();
    let likely = "Not in iCARE's notes: a likely next rejection";
    assert!(
        notes[&empty_cell].contains(likely),
        "{}",
        notes[&empty_cell]
    );
    assert!(notes[&empty_cell].contains("mandatory field is empty"));
    assert!(notes[&french_cell].contains(likely));
    assert!(
        notes[&french_cell].contains("list says 'Yes'"),
        "{}",
        notes[&french_cell]
    );
    // iCARE's own notes are not mixed up with them.
    let own = book.notes.iter().find(|n| !n.cells.is_empty()).unwrap();
    let own_cell = cell_name(own.row, own.cells[0].col);
    assert!(!notes[&own_cell].contains(likely), "{}", notes[&own_cell]);
}
