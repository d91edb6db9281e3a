//! The loop tells the truth: what the user corrected is what gets uploaded, and every last
//! line is true. Each test makes a gesture the way a person makes it (a copy with an old file
//! time, a browser's `(1)` name, a sheet duplicated, a stamp removed by Document Inspector, a
//! record cleared, a whole-sheet sort, a formula a script wrote) and compares every cell of
//! the upload file with the rejected file plus the intended corrections.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::Path;

use calamine::Data;
use icare_fix::output::way_back::AnnotatedInfo;
use icare_fix::{Registry, Rejected};

use crate::common::{icare_fix, sample};
use crate::way_back::{
    Cells, assert_upload, edits_for, first_sheet, library_save, libreoffice_save, one_step, put,
    rejected,
};

/// Everything the command printed, stdout then stderr.
fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs icare-fix with `args`; (exit code, what it said).
fn run(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = icare_fix().args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), said(&out))
}

/// Rewrites the zip at `path` part by part: `f` returns a part's new bytes, or `None` to drop
/// it.
fn rewrite_zip(path: &Path, f: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) {
    let bytes = std::fs::read(path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if let Some(data) = f(&name, data) {
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&data).unwrap();
        }
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

/// Replaces cell `cell` of the annotated workbook's data sheet (written with inline strings)
/// by `xml`, as another program would write it.
fn set_cell_xml(path: &Path, cell: &str, xml: &str) {
    let pattern =
        regex::Regex::new(&format!(r#"<c r="{cell}"( s="\d+")?(/>|[^/]*?>.*?</c>)"#)).unwrap();
    rewrite_zip(path, |name, data| {
        if name != "xl/worksheets/sheet1.xml" {
            return Some(data);
        }
        let text = String::from_utf8(data).unwrap();
        assert!(pattern.is_match(&text), "{cell} not found");
        let style = pattern
            .captures(&text)
            .and_then(|c| c.get(1))
            .map_or(String::new(), |m| m.as_str().to_string());
        let new = xml.replace("STYLE", &style);
        Some(
            pattern
                .replace(&text, new.as_str())
                .into_owned()
                .into_bytes(),
        )
    });
}

/// The workbook's custom document properties removed, as Document Inspector removes them.
fn remove_stamp(path: &Path) {
    rewrite_zip(path, |name, data| {
        let text = || String::from_utf8(data.clone()).unwrap();
        match name {
            "docProps/custom.xml" => None,
            "[Content_Types].xml" => {
                let re = regex::Regex::new(r#"<Override PartName="/docProps/custom.xml"[^>]*/>"#)
                    .unwrap();
                Some(re.replace(&text(), "").into_owned().into_bytes())
            }
            "_rels/.rels" => {
                let re = regex::Regex::new(r#"<Relationship [^>]*Target="docProps/custom.xml"/>"#)
                    .unwrap();
                Some(re.replace(&text(), "").into_owned().into_bytes())
            }
            _ => Some(data),
        }
    });
}

/// Saves `sheets` (name, cells as text) as a workbook with the stamp of `stamped`, the way a
/// spreadsheet library would save a workbook whose sheets the user arranged.
fn save_sheets(path: &Path, stamped: &Path, sheets: &[(&str, &Cells)]) {
    let info = AnnotatedInfo::read(stamped).unwrap();
    let mut props = rust_xlsxwriter::DocProperties::new()
        .set_custom_property("icare-fix source file", info.source_name.as_str())
        .set_custom_property("icare-fix source SHA-256", info.source_sha256.as_str());
    if let Some(place) = &info.source_place {
        props = props.set_custom_property("icare-fix source place", place.as_str());
    }
    let mut book = rust_xlsxwriter::Workbook::new();
    book.set_properties(&props);
    for (name, cells) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).unwrap();
        for ((r, c), value) in *cells {
            ws.write_string(*r, *c as u16, value).unwrap();
        }
    }
    book.save(path).unwrap();
}

fn old_time(path: &Path) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_500_000_000))
        .unwrap();
}

#[test]
fn an_older_file_time_never_makes_an_upload_file_up_to_date() {
    let registry = Registry::builtin();
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, upload) = one_step(&input);
    let book = Rejected::open(&input, &registry).unwrap();
    let first = edits_for(&book, 1);
    library_save(&annotated, |cells| put(cells, &first));
    icare_fix().arg(&annotated).assert().success();
    assert_upload(&input, &upload, &first, &BTreeSet::new());
    // More corrections, saved by LibreOffice, then the workbook put back with an old time (a
    // copy from a backup, a sync client, an unzip).
    let more = edits_for(&book, 3);
    library_save(&annotated, |cells| put(cells, &more));
    libreoffice_save(&annotated);
    old_time(&annotated);
    let (code, text) = run(&[input.as_os_str()]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("up to date"), "{text}");
    assert!(text.contains("to fix "), "{text}");
    assert_upload(&input, &upload, &more, &BTreeSet::new());
}

#[test]
fn a_workbook_saved_in_the_second_it_was_written_still_counts_as_saved() {
    // icare-fix writes created = modified, one second in the past: any later save (which sets
    // modified to its own time) differs, even one in the same second.
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, _) = one_step(&input);
    let core = crate::common::read_part(&annotated, "docProps/core.xml");
    let field = |tag: &str| {
        let start = core.find(&format!("<dcterms:{tag} ")).unwrap();
        let rest = &core[start..];
        let open = rest.find('>').unwrap() + 1;
        let close = rest.find("</").unwrap();
        rest[open..close].to_string()
    };
    let created = chrono::DateTime::parse_from_rfc3339(&field("created")).unwrap();
    assert_eq!(field("created"), field("modified"));
    assert!(
        created.with_timezone(&chrono::Utc)
            < chrono::Utc::now() - chrono::Duration::milliseconds(999)
    );
}

#[test]
fn a_renamed_workbook_writes_the_one_upload_file_of_its_rejected_file() {
    let registry = Registry::builtin();
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, upload) = one_step(&input);
    let book = Rejected::open(&input, &registry).unwrap();
    let edits = edits_for(&book, 2);
    // A browser's second download, corrected and given back.
    let second = annotated.with_file_name("rejet mars é.annotated (1).xlsx");
    std::fs::copy(&annotated, &second).unwrap();
    library_save(&second, |cells| put(cells, &edits));
    libreoffice_save(&second);
    let (code, text) = run(&[second.as_os_str()]);
    assert_eq!(code, 0, "{text}");
    assert_upload(&input, &upload, &edits, &BTreeSet::new());
    // The rejected file given again finds the renamed workbook: still one upload file, with
    // the corrections.
    let (code, text) = run(&[input.as_os_str()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("to fix "), "{text}");
    assert_upload(&input, &upload, &edits, &BTreeSet::new());
    let uploads: Vec<String> = std::fs::read_dir(upload.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("upload"))
        .collect();
    assert_eq!(uploads, ["rejet mars é.upload.xlsx"]);
}

#[test]
fn a_copied_or_moved_data_sheet_is_read_where_the_corrections_are() {
    let registry = Registry::builtin();
    let (_dir, input) = rejected("employment.xlsx");
    let (annotated, upload) = one_step(&input);
    let book = Rejected::open(&input, &registry).unwrap();
    let (name, cells) = first_sheet(&annotated);
    let edits = edits_for(&book, 2);
    let mut corrected = cells.clone();
    for (at, value) in &edits {
        corrected.insert(*at, value.clone());
    }
    let copy = format!("{name} (2)");
    // The copy corrected, the first sheet left as it was.
    let workbook = annotated.with_file_name("rejet mars é.annotated.xlsx");
    save_sheets(
        &workbook,
        &annotated,
        &[(&name, &cells), (&copy, &corrected)],
    );
    let (code, text) = run(&[workbook.as_os_str()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("from the sheet '{copy}'")), "{text}");
    assert_upload(&input, &upload, &edits, &BTreeSet::new());

    // Both changed, differently: refused, naming both sheets; the upload file is kept.
    let before = std::fs::read(&upload).unwrap();
    let mut other = cells.clone();
    let (&at, _) = edits.iter().next().unwrap();
    other.insert(at, "Something else".into());
    save_sheets(
        &workbook,
        &annotated,
        &[(&name, &other), (&copy, &corrected)],
    );
    let (code, text) = run(&[workbook.as_os_str()]);
    assert_ne!(code, 0, "{text}");
    assert!(text.contains(&format!("'{name}' and '{copy}'")), "{text}");
    assert_eq!(std::fs::read(&upload).unwrap(), before);

    // A sheet added in front of the data sheet (LibreOffice's default place).
    let blank = BTreeMap::from([((0, 0), "my notes".to_string())]);
    save_sheets(
        &workbook,
        &annotated,
        &[("Sheet1", &blank), (&name, &corrected)],
    );
    let (code, text) = run(&[workbook.as_os_str()]);
    assert_eq!(code, 0, "{text}");
    assert_upload(&input, &upload, &edits, &BTreeSet::new());
}

#[test]
fn removing_a_trailing_space_is_a_correction_and_a_typed_one_is_named() {
    let registry = Registry::builtin();
    let (_dir, input) = rejected("client_profile.xlsx");
    // The rejected file carries a postal code with a trailing space.
    let book = Rejected::open(&input, &registry).unwrap();
    let postal = book.column_of("postal_txt").unwrap();
    let row = book
        .data_rows()
        .map(|r| r.row)
        .find(|r| !book.value(*r, postal).is_empty())
        .unwrap();
    let value = book.value(row, postal);
    rewrite_zip(&input, |name, data| {
        if name != "xl/sharedStrings.xml" {
            return Some(data);
        }
        let text = String::from_utf8(data).unwrap();
        let from = format!("<t>{value}</t>");
        assert!(text.contains(&from), "{value} not in the shared strings");
        Some(
            text.replacen(&from, &format!("<t xml:space=\"preserve\">{value} </t>"), 1)
                .into_bytes(),
        )
    });
    let book = Rejected::open(&input, &registry).unwrap();
    assert_eq!(book.value(row, postal), format!("{value} "));
    let (annotated, upload) = one_step(&input);
    // The clerk removes the space, and types a city with one.
    let city = book.column_of("city_txt").unwrap();
    let edits = BTreeMap::from([
        ((row, postal), value.clone()),
        ((row, city), "Ottawa ".to_string()),
    ]);
    library_save(&annotated, |cells| put(cells, &edits));
    let (code, text) = run(&[annotated.as_os_str()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("\"{value} \" -> {value}")), "{text}");
    assert!(text.contains("\"Ottawa \" (ends with a space)"), "{text}");
    assert!(!text.contains("No cell was changed"), "{text}");
    assert_upload(&input, &upload, &edits, &BTreeSet::new());
}

#[test]
fn another_files_workbook_is_refused_naming_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("mars.xlsx");
    let b = dir.path().join("avril.xlsx");
    std::fs::copy(sample("client_profile.xlsx"), &a).unwrap();
    std::fs::copy(sample("employment.xlsx"), &b).unwrap();
    icare_fix().arg(&a).arg(&b).assert().success();
    let a_annotated = dir.path().join("mars-fixed/mars.annotated.xlsx");
    let a_upload = dir.path().join("mars-fixed/mars.upload.xlsx");
    let b_annotated = dir.path().join("avril-fixed/avril.annotated.xlsx");
    let registry = Registry::builtin();
    let edits = edits_for(&Rejected::open(&b, &registry).unwrap(), 1);
    library_save(&b_annotated, |cells| put(cells, &edits));
    // Saved by a spreadsheet program, as a person saves it.
    if !libreoffice_save(&b_annotated) {
        return;
    }
    // April's corrected workbook saved over March's.
    std::fs::copy(&b_annotated, &a_annotated).unwrap();
    let before = std::fs::read(&a_upload).unwrap();
    for given in [&a_annotated, &a] {
        let (code, text) = run(&[given.as_os_str()]);
        assert_ne!(code, 0, "{text}");
        assert!(text.contains("avril.xlsx"), "{text}");
        assert!(!text.contains("--force"), "{text}");
        assert_eq!(std::fs::read(&a_upload).unwrap(), before, "{text}");
    }
    // Not even --force uses it.
    let (code, text) = run(&[a.as_os_str(), std::ffi::OsStr::new("--force")]);
    assert_ne!(code, 0, "{text}");
    assert_eq!(std::fs::read(&a_upload).unwrap(), before, "{text}");
}

#[test]
fn a_workbook_that_lost_its_stamp_is_still_given_back_never_uploaded() {
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, upload) = one_step(&input);
    let registry = Registry::builtin();
    let book = Rejected::open(&input, &registry).unwrap();
    let phone = book.column_of("phone_no").unwrap();
    let note = book
        .notes
        .iter()
        .find(|n| n.cells.iter().any(|c| c.col == phone))
        .unwrap();
    let cell = icare_fix::workbook::cell_name(note.row, phone);
    set_cell_xml(
        &annotated,
        &cell,
        &format!(r#"<c r="{cell}"STYLE t="inlineStr"><is><t>613-555-0142</t></is></c>"#),
    );
    remove_stamp(&annotated);
    libreoffice_save(&annotated);
    assert!(AnnotatedInfo::read(&annotated).is_none());
    let (code, text) = run(&[annotated.as_os_str()]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("checked as a file to upload"), "{text}");
    assert!(text.contains("613-555-0142"), "{text}");
    let edits = BTreeMap::from([((note.row, phone), "613-555-0142".to_string())]);
    assert_upload(&input, &upload, &edits, &BTreeSet::new());
}

#[test]
fn a_cleared_record_is_left_out_never_a_blank_row() {
    let registry = Registry::builtin();
    let (_dir, input) = rejected("employment.xlsx");
    let (annotated, upload) = one_step(&input);
    let book = Rejected::open(&input, &registry).unwrap();
    let row = book.data_start + 2;
    let notes = book.notes_column.unwrap().col;
    library_save(&annotated, |cells| {
        cells.retain(|(r, c), _| *r != row || *c == notes);
    });
    let (code, text) = run(&[annotated.as_os_str()]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!(
            "Left out row {} of the rejected file (every value",
            row + 1
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "holds {} of the {} records",
            book.row_count() - 1,
            book.row_count()
        )),
        "{text}"
    );
    assert_upload(&input, &upload, &BTreeMap::new(), &BTreeSet::from([row]));
}

#[test]
fn batch_and_the_folder_run_use_the_corrections_of_the_one_step_run() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("Rejets");
    std::fs::create_dir(&folder).unwrap();
    let input = folder.join("rejet mars é.xlsx");
    std::fs::copy(sample("client_profile.xlsx"), &input).unwrap();
    let (annotated, upload) = one_step(&input);
    let edits = edits_for(&Rejected::open(&input, &registry).unwrap(), 2);
    library_save(&annotated, |cells| put(cells, &edits));
    libreoffice_save(&annotated);
    for args in [vec!["batch"], vec![]] {
        let out = icare_fix().args(&args).arg(&folder).output().unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {text}");
        assert!(text.contains("to fix "), "{args:?}: {text}");
        assert!(
            !folder.join("rejet mars é.annotated.xlsx").exists(),
            "{args:?}"
        );
        assert!(
            !folder.join("rejet mars é.upload.xlsx").exists(),
            "{args:?}"
        );
        assert!(
            !dir.path()
                .join("Rejets-fixed/rejet mars é.annotated.xlsx")
                .exists(),
            "{args:?}"
        );
        assert_upload(&input, &upload, &edits, &BTreeSet::new());
    }
}

#[test]
fn a_leading_apostrophe_is_named_by_cell() {
    let registry = Registry::builtin();
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, upload) = one_step(&input);
    let book = Rejected::open(&input, &registry).unwrap();
    let phone = book.column_of("phone_no").unwrap();
    let note = book
        .notes
        .iter()
        .find(|n| n.cells.iter().any(|c| c.col == phone))
        .unwrap();
    let edits = BTreeMap::from([((note.row, phone), "'613-555-0142".to_string())]);
    library_save(&annotated, |cells| put(cells, &edits));
    let (code, text) = run(&[annotated.as_os_str()]);
    assert_eq!(code, 0, "{text}");
    let cell = icare_fix::workbook::cell_name(note.row, phone);
    assert!(
        text.contains(&format!(
            "Check: {cell}: '613-555-0142 starts with an apostrophe"
        )),
        "{text}"
    );
    assert!(text.contains("to fix "), "{text}");
    assert!(!text.contains("Next: upload"), "{text}");
    assert_upload(&input, &upload, &edits, &BTreeSet::new());
}

#[test]
fn an_unedited_workbook_given_back_is_never_called_corrected() {
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, upload) = one_step(&input);
    // Forgot to save: the workbook is given back as icare-fix wrote it; and after a re-save
    // with no change (LibreOffice rewrites it).
    for resave in [false, true] {
        if resave {
            libreoffice_save(&annotated);
        }
        let out = icare_fix().arg(&annotated).output().unwrap();
        let text = said(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(text.contains("unchanged "), "{text}");
        assert!(text.contains("1 file: 1 unchanged."), "{text}");
        assert!(text.contains("Nothing was corrected"), "{text}");
        assert!(text.contains("do not upload it"), "{text}");
        assert!(!text.contains("corrected "), "{text}");
        assert!(!text.contains("Next: upload"), "{text}");
        assert_upload(&input, &upload, &BTreeMap::new(), &BTreeSet::new());
    }
}

#[test]
fn a_whole_sheet_sort_is_refused_with_the_way_to_undo_it() {
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, upload) = one_step(&input);
    let before = std::fs::read(&upload).unwrap();
    // The codes and labels rows sorted among the records (here: to the bottom).
    library_save(&annotated, |cells| {
        let last = cells.keys().map(|(r, _)| *r).max().unwrap();
        let moved: BTreeMap<(u32, u32), Data> = std::mem::take(cells)
            .into_iter()
            .map(|((r, c), v)| match r {
                1 | 2 => ((last + r, c), v),
                0 => ((0, c), v),
                r => ((r - 2, c), v),
            })
            .collect();
        *cells = moved;
    });
    let (code, text) = run(&[annotated.as_os_str()]);
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("sort"), "{text}");
    assert!(!text.contains("no need to upload"), "{text}");
    assert_eq!(std::fs::read(&upload).unwrap(), before);
}

#[test]
fn a_formula_without_a_saved_result_is_refused_naming_its_cell() {
    let registry = Registry::builtin();
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, upload) = one_step(&input);
    let before = std::fs::read(&upload).unwrap();
    let book = Rejected::open(&input, &registry).unwrap();
    let birth = book.column_of("client_birth_dt").unwrap();
    let row = book.data_start + 1;
    assert!(!book.value(row, birth).is_empty());
    let cell = icare_fix::workbook::cell_name(row, birth);
    set_cell_xml(
        &annotated,
        &cell,
        &format!(r#"<c r="{cell}"STYLE><f>TEXT(DATE(1980,1,1),"yyyy-mm-dd")</f></c>"#),
    );
    let (code, text) = run(&[annotated.as_os_str()]);
    assert_ne!(code, 0, "{text}");
    assert!(
        text.contains(&format!("cell {cell} holds a formula")),
        "{text}"
    );
    assert_eq!(std::fs::read(&upload).unwrap(), before);
}

#[test]
fn the_annotated_workbook_records_no_account_path() {
    let (dir, input) = rejected("client_profile.xlsx");
    let (annotated, _) = one_step(&input);
    let custom = crate::common::read_part(&annotated, "docProps/custom.xml");
    let folder = dir.path().to_string_lossy().into_owned();
    assert!(!custom.contains(&folder), "{custom}");
    assert!(
        !custom.contains("/tmp") && !custom.contains(":\\"),
        "{custom}"
    );
    let info = AnnotatedInfo::read(&annotated).unwrap();
    assert_eq!(info.source_place.as_deref(), Some("../rejet mars é.xlsx"));
    assert_eq!(info.source_path, None);
}

#[test]
fn an_annotated_workbook_is_never_checked_as_a_file_to_upload() {
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, _) = one_step(&input);
    // With its stamp, and without (Document Inspector).
    for stamp in [true, false] {
        if !stamp {
            remove_stamp(&annotated);
        }
        let (code, text) = run(&[std::ffi::OsStr::new("check"), annotated.as_os_str()]);
        assert_eq!(code, 2, "{text}");
        assert!(
            text.contains("not a file to upload: never upload it"),
            "{text}"
        );
        assert!(!text.contains("checked as a file to upload"), "{text}");
    }
}

/// An annotated workbook left as written is known untouched from its zip directory alone (each
/// part's CRC-32 and size against the fingerprint it records), so a second run does not read
/// its cells; a cell changed by a program that keeps the document's dates undoes that, and
/// the workbook is then compared cell by cell and kept as the user's work.
#[test]
fn a_workbook_left_as_written_is_known_by_its_parts_and_an_edit_that_keeps_the_dates_is_seen() {
    use icare_fix::output::way_back::assess;
    let registry = Registry::builtin();
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, _upload) = one_step(&input);
    let book = Rejected::open(&input, &registry).unwrap();
    let info = AnnotatedInfo::read(&annotated).unwrap();
    assert!(info.as_written, "{info:?}");
    assert!(!info.saved_since_written, "{info:?}");
    assert!(!assess(&annotated, &book, &registry).unwrap().is_user_work());

    let birth = book.column_of("client_birth_dt").unwrap();
    let cell = icare_fix::workbook::cell_name(book.data_start + 1, birth);
    set_cell_xml(
        &annotated,
        &cell,
        &format!(r#"<c r="{cell}"STYLE t="inlineStr"><is><t>1980-01-02</t></is></c>"#),
    );
    let info = AnnotatedInfo::read(&annotated).unwrap();
    assert!(!info.as_written, "{info:?}");
    assert!(!info.saved_since_written, "{info:?}");
    assert!(assess(&annotated, &book, &registry).unwrap().is_user_work());
}
