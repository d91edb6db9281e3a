//! The way back: annotate, change cells and delete a row in the annotated workbook (by
//! editing its XML, as Excel would save it), clean it, and check the upload-ready file made
//! from the ORIGINAL package.

use std::io::{Read, Write};
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use icare_fix::{Registry, Rejected};

use crate::common::{icare_fix, read_part, sample_copy};

/// Every entry of a zip: (name, uncompressed bytes).
fn entries(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut e = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (e.name().unwrap().to_string(), bytes)
        })
        .collect()
}

fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// Puts `text` in cell `cell` of `row_xml` as an inline string, keeping the cell's style.
fn set_cell(sheet: &str, cell: &str, text: &str) -> String {
    let re = regex::Regex::new(&format!(
        r#"<c r="{cell}"( s="\d+")?( t="\w+")?(/>|>.*?</c>)"#
    ))
    .unwrap();
    assert!(re.is_match(sheet), "{cell} not in the sheet");
    re.replace(sheet, |caps: &regex::Captures| {
        format!(
            r#"<c r="{cell}"{} t="inlineStr"><is><t>{text}</t></is></c>"#,
            caps.get(1).map_or("", |m| m.as_str())
        )
    })
    .into_owned()
}

/// Deletes row `row` (1-based) the way Excel does: the rows below move up.
fn delete_row(sheet: &str, row: u32) -> String {
    let row_re = regex::Regex::new(r#"(?s)<row r="(\d+)"(.*?)</row>"#).unwrap();
    let cell_re = regex::Regex::new(r#"r="([A-Z]+)(\d+)""#).unwrap();
    row_re
        .replace_all(sheet, |caps: &regex::Captures| {
            let r: u32 = caps[1].parse().unwrap();
            if r == row {
                String::new()
            } else if r > row {
                let body = cell_re.replace_all(&caps[2], |c: &regex::Captures| {
                    format!(r#"r="{}{}""#, &c[1], c[2].parse::<u32>().unwrap() - 1)
                });
                format!(r#"<row r="{}"{body}</row>"#, r - 1)
            } else {
                caps[0].to_string()
            }
        })
        .into_owned()
}

#[test]
fn corrections_in_the_annotated_workbook_reach_the_upload_ready_file() {
    let registry = Registry::builtin();
    let (dir, input) = sample_copy("client_profile.xlsx");
    let original_bytes = std::fs::read(&input).unwrap();
    icare_fix().arg("annotate").arg(&input).assert().success();
    let annotated = dir.path().join("client_profile.annotated.xlsx");

    let book = Rejected::open(&input, &registry).unwrap();
    // The phone note: fill the phone; the identity note of another row: fix the birth date.
    let phone = book
        .notes
        .iter()
        .find(|n| n.note.fields.iter().any(|f| f == "phone_no"))
        .unwrap();
    let phone_col = book.column_of("phone_no").unwrap();
    let phone_cell = icare_fix::workbook::cell_name(phone.row, phone_col);
    let identity = book
        .notes
        .iter()
        .find(|n| n.category == icare_fix::Category::Identity && n.row != phone.row)
        .unwrap();
    let birth_col = book.column_of("client_birth_dt").unwrap();
    let birth_cell = icare_fix::workbook::cell_name(identity.row, birth_col);
    // Delete the last data row: a record the user decided not to upload again.
    let last = book.data_rows().last().unwrap().row;
    assert!(last != phone.row && last != identity.row);
    let deleted_client = book.client(last);

    let mut parts = entries(&annotated);
    for (name, bytes) in &mut parts {
        if name == "xl/worksheets/sheet1.xml" {
            let sheet = String::from_utf8(bytes.clone()).unwrap();
            let sheet = set_cell(&sheet, &phone_cell, "613-555-0142");
            let sheet = set_cell(&sheet, &birth_cell, "1961-04-30");
            let sheet = delete_row(&sheet, last + 1);
            *bytes = sheet.into_bytes();
        }
    }
    write_zip(&annotated, &parts);

    let out = icare_fix().arg("clean").arg(&annotated).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains(&format!(
            "{phone_cell} (Phone Number): \"\" -> 613-555-0142"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("Left out row {}", last + 1)),
        "{stderr}"
    );
    assert!(stderr.contains("none of the highlighted cells"), "{stderr}");
    // The phone note's row was corrected, so it is not warned about.
    assert!(
        !stderr.contains(&format!("row {}: none", phone.row + 1)),
        "{stderr}"
    );

    let upload = dir.path().join("client_profile.upload.xlsx");
    // The original is untouched.
    assert_eq!(std::fs::read(&input).unwrap(), original_bytes);

    // New values as text; the deleted row gone; no notes.
    let mut wb: Xlsx<_> = calamine::open_workbook(&upload).unwrap();
    let range = wb.worksheet_range(&book.sheet).unwrap();
    assert_eq!(
        range.get_value((phone.row, phone_col)),
        Some(&Data::String("613-555-0142".into()))
    );
    assert_eq!(
        range.get_value((identity.row, birth_col)),
        Some(&Data::String("1961-04-30".into()))
    );
    let after = Rejected::open(&upload, &registry).unwrap();
    assert!(after.notes.is_empty());
    assert_eq!(after.row_count(), book.row_count() - 1);
    assert!(
        after
            .data_rows()
            .all(|r| after.client(r.row) != deleted_client),
        "the deleted record is still there"
    );
    for (name, bytes) in entries(&upload) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("[BUID:"),
            "note text left in {name}"
        );
    }
    // Every other part is byte-identical to the original's.
    let original_parts = entries(&input);
    for (name, bytes) in entries(&upload) {
        if name == "xl/worksheets/sheet1.xml" || name == "xl/sharedStrings.xml" {
            continue;
        }
        let before = &original_parts.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(&bytes, before, "{name} changed");
    }
    // The patched cells keep the column's text style.
    let sheet = read_part(&upload, "xl/worksheets/sheet1.xml");
    let style_of = |cell: &str| {
        regex::Regex::new(&format!(r#"<c r="{cell}" s="(\d+)""#))
            .unwrap()
            .captures(&sheet)
            .map(|c| c[1].to_string())
    };
    let neighbour = icare_fix::workbook::cell_name(phone.row, phone_col + 1);
    assert!(style_of(&phone_cell).is_some());
    assert_eq!(style_of(&phone_cell), style_of(&neighbour));
}

#[test]
fn a_changed_original_is_refused() {
    let (dir, input) = sample_copy("employment.xlsx");
    icare_fix().arg("annotate").arg(&input).assert().success();
    // Replace the original with another file under the same name.
    std::fs::copy(crate::common::sample("client_profile.xlsx"), &input).unwrap();
    icare_fix()
        .arg("clean")
        .arg(dir.path().join("employment.annotated.xlsx"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not the file"));
    std::fs::remove_file(&input).unwrap();
    icare_fix()
        .arg("clean")
        .arg(dir.path().join("employment.annotated.xlsx"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot find"))
        .stderr(predicates::str::contains("--original"));
}
