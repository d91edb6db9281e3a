//! The loop people live in, as the README's "Everyday use" tells it: the one-step run, the
//! annotated workbook corrected and saved (by LibreOffice, which rewrites the whole file as
//! Excel does, and by a library), the corrected workbook given back, the upload file. Each
//! test reads the upload file back and checks every value against the original and the
//! edits: nothing lost, nothing moved, no note left.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use icare_fix::output::way_back::AnnotatedInfo;
use icare_fix::workbook::{cell_name, display};
use icare_fix::{Layout, Registry, Rejected};

use crate::common::{icare_fix, in_ci, sample};

/// A rejected sample copied under a name with a space and an accent, in a fresh folder.
pub(crate) fn rejected(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rejet mars é.xlsx");
    std::fs::copy(sample(name), &path).unwrap();
    (dir, path)
}

/// The one-step run's outputs: (annotated, upload).
pub(crate) fn one_step(input: &Path) -> (PathBuf, PathBuf) {
    let out = icare_fix().arg(input).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("Next: open"), "{stdout}");
    let folder = input.with_file_name("rejet mars é-fixed");
    let annotated = folder.join("rejet mars é.annotated.xlsx");
    let upload = folder.join("rejet mars é.upload.xlsx");
    assert!(annotated.exists() && upload.exists(), "{stdout}");
    (annotated, upload)
}

/// The first sheet's cells as text, by (row, col).
pub(crate) type Cells = BTreeMap<(u32, u32), String>;

pub(crate) fn first_sheet(path: &Path) -> (String, Cells) {
    let mut wb: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut cells = Cells::new();
    for (r, row) in range.rows().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let text = display(value);
            if !text.trim().is_empty() {
                cells.insert((r0 + r as u32, c0 + c as u32), text);
            }
        }
    }
    (name, cells)
}

/// Saves the annotated workbook as a spreadsheet library would: its first sheet's cells are
/// read, changed by `edit` and written to a new file with the same document properties
/// (rust_xlsxwriter), all text but the numbers `edit` puts in.
pub(crate) fn library_save(path: &Path, edit: impl FnOnce(&mut BTreeMap<(u32, u32), Data>)) {
    let info = AnnotatedInfo::read(path).unwrap();
    let mut wb: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut cells = BTreeMap::new();
    for (r, row) in range.rows().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if !display(value).is_empty() {
                cells.insert((r0 + r as u32, c0 + c as u32), Data::String(display(value)));
            }
        }
    }
    drop(wb);
    edit(&mut cells);
    let mut props = rust_xlsxwriter::DocProperties::new()
        .set_custom_property("icare-fix source file", info.source_name.as_str())
        .set_custom_property("icare-fix source SHA-256", info.source_sha256.as_str())
        .set_custom_property("icare-fix version", info.version.as_str());
    if let Some(p) = &info.source_path {
        props = props.set_custom_property("icare-fix source path", p.display().to_string());
    }
    if let Some(p) = &info.source_place {
        props = props.set_custom_property("icare-fix source place", p.as_str());
    }
    if let Some(size) = info.source_size {
        props = props.set_custom_property("icare-fix source size", size.to_string());
    }
    let mut book = rust_xlsxwriter::Workbook::new();
    book.set_properties(&props);
    let ws = book.add_worksheet();
    ws.set_name(&name).unwrap();
    for ((r, c), value) in &cells {
        match value {
            Data::Float(f) => ws.write_number(*r, *c as u16, *f).unwrap(),
            other => ws.write_string(*r, *c as u16, display(other)).unwrap(),
        };
    }
    book.save(path).unwrap();
}

/// Re-saves `path` with LibreOffice, which rewrites every part of the file as Excel does;
/// false (with a visible message) when LibreOffice is not installed outside CI.
pub(crate) fn libreoffice_save(path: &Path) -> bool {
    let found = std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(!in_ci(), "LibreOffice (soffice) is required in CI");
        eprintln!(
            "SKIPPED: LibreOffice not installed; the re-save by a spreadsheet program was not tried"
        );
        return false;
    }
    let profile = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args(["--headless", "--convert-to", "xlsx", "--outdir"])
        .arg(out.path())
        .arg(path)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let saved = out.path().join(path.file_name().unwrap());
    let before = std::fs::read(path).unwrap();
    let after = std::fs::read(&saved).unwrap();
    assert_ne!(before, after, "LibreOffice did not rewrite the file");
    std::fs::copy(&saved, path).unwrap();
    true
}

/// A value to type into a cell of column `code`, fit for its kind.
fn new_value(code: &str, n: usize) -> String {
    if code.ends_with("_dt") {
        format!("2001-02-{:02}", n + 1)
    } else if code == "phone_no" {
        format!("613-555-01{:02}", n)
    } else {
        format!("Corrected {n}")
    }
}

/// Types text into cells of the annotated workbook at `path` and saves it as a library
/// would.
pub fn type_into(path: &Path, edits: &[((u32, u32), &str)]) {
    library_save(path, |cells| {
        for (at, value) in edits {
            cells.insert(*at, Data::String(value.to_string()));
        }
    });
}

/// Types `edits` into `cells`.
pub(crate) fn put(cells: &mut BTreeMap<(u32, u32), Data>, edits: &BTreeMap<(u32, u32), String>) {
    for ((row, col), value) in edits {
        cells.insert((*row, *col), Data::String(value.clone()));
    }
}

/// Edits in original coordinates: one highlighted cell of each of the first `count` notes.
pub(crate) fn edits_for(book: &Rejected, count: usize) -> BTreeMap<(u32, u32), String> {
    let mut edits = BTreeMap::new();
    for (n, note) in book
        .notes
        .iter()
        .filter(|n| !n.cells.is_empty())
        .take(count)
        .enumerate()
    {
        let cell = &note.cells[0];
        edits.insert((note.row, cell.col), new_value(&cell.code, n));
    }
    edits
}

/// What the upload file must hold: the original's data rows (less `dropped`) with `edits`,
/// the notes gone, the inserted notes column removed; every other cell as in the original.
pub(crate) fn assert_upload(
    original: &Path,
    upload: &Path,
    edits: &BTreeMap<(u32, u32), String>,
    dropped: &BTreeSet<u32>,
) {
    let registry = Registry::builtin();
    let book = Rejected::open(original, &registry).unwrap();
    let notes = book.notes_column.unwrap();
    let (_, original_cells) = first_sheet(original);
    let (_, upload_cells) = first_sheet(upload);
    let map = |row: u32, col: u32| -> Option<(u32, u32)> {
        if dropped.contains(&row) {
            return None;
        }
        let row = row - dropped.iter().filter(|d| **d < row).count() as u32;
        match notes.layout {
            Layout::Inserted if col == notes.col => None,
            Layout::Inserted if col > notes.col => Some((row, col - 1)),
            _ => Some((row, col)),
        }
    };
    let mut expected = Cells::new();
    for (&(row, col), value) in &original_cells {
        let is_note = col == notes.col && row >= book.data_start;
        if let Some(at) = map(row, col)
            && !is_note
        {
            expected.insert(at, value.clone());
        }
    }
    for (&(row, col), value) in edits {
        let at = map(row, col).unwrap();
        expected.insert(at, value.clone());
    }
    // A merged title lifted out of a removed column stays where the clean puts it.
    for (at, value) in &upload_cells {
        if at.0 < book.data_start && !expected.contains_key(at) {
            expected.insert(*at, value.clone());
        }
    }
    assert_eq!(
        upload_cells, expected,
        "the upload file differs from the original + edits"
    );
    let text = crate::common::read_part(upload, "xl/sharedStrings.xml");
    assert!(
        !text.contains("[BUID:"),
        "a note is left in the upload file"
    );
    let after = Rejected::open(upload, &registry).unwrap();
    assert!(after.notes.is_empty());
    assert_eq!(after.row_count(), book.row_count() - dropped.len());
}

#[test]
fn the_everyday_loop_keeps_every_correction_in_both_layouts() {
    let registry = Registry::builtin();
    for name in [
        "client_profile.xlsx",
        "client_profile_inserted_column.xlsx",
        "information_orientation.xlsx",
    ] {
        let (_dir, input) = rejected(name);
        let original_bytes = std::fs::read(&input).unwrap();
        // 1. The one-step run.
        let (annotated, upload) = one_step(&input);
        let book = Rejected::open(&input, &registry).unwrap();
        let edits = edits_for(&book, 3);
        // 2. Corrections typed in the highlighted cells, saved by LibreOffice (or a library).
        library_save(&annotated, |cells| {
            put(cells, &edits);
        });
        libreoffice_save(&annotated);
        let corrected = std::fs::read(&annotated).unwrap();
        // 3. Given back (as the program's own argument, as a drop would).
        let out = icare_fix().arg(&annotated).assert().success();
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        // Three of the problems corrected: the verdict says what is left, and not to upload.
        assert!(stdout.contains("to fix "), "{name}: {stdout}");
        assert!(stdout.contains(": 3 corrected, "), "{name}: {stdout}");
        assert!(!stdout.contains("Next: upload"), "{name}: {stdout}");
        assert!(
            stdout.contains(&format!("Not ready to upload: {}", ""))
                && stdout.contains(&format!(
                    "The upload file holds {} of the {} records",
                    book.row_count(),
                    book.row_count()
                )),
            "{name}: {stdout}"
        );
        assert_upload(&input, &upload, &edits, &BTreeSet::new());

        // A second run, and a --force run, of the same rejected file keep the corrections.
        for args in [&[][..], &["--force"][..]] {
            let out = icare_fix().arg(&input).args(args).assert().success();
            let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
            assert_eq!(
                std::fs::read(&annotated).unwrap(),
                corrected,
                "{name} {args:?}: the corrected workbook was replaced\n{stdout}"
            );
            assert_upload(&input, &upload, &edits, &BTreeSet::new());
        }
        // `annotate --force` refuses to replace it too.
        icare_fix()
            .args(["annotate", "--force", "-o"])
            .arg(&annotated)
            .arg(&input)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "never replaces it, even with --force",
            ));
        assert_eq!(std::fs::read(&annotated).unwrap(), corrected);
        // `clean` on the corrected workbook gives the same upload file.
        icare_fix().arg("clean").arg(&annotated).assert().success();
        assert_upload(&input, &upload, &edits, &BTreeSet::new());
        assert_eq!(std::fs::read(&input).unwrap(), original_bytes);
        // One upload file per rejected file: no other workbook to upload in the folder.
        let uploads: Vec<String> = std::fs::read_dir(upload.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("upload"))
            .collect();
        assert_eq!(uploads, ["rejet mars é.upload.xlsx"], "{name}");
    }
}

#[test]
fn the_notes_column_emptied_or_deleted_keeps_every_value_under_its_code() {
    let registry = Registry::builtin();
    for name in ["client_profile.xlsx", "client_profile_inserted_column.xlsx"] {
        for delete in [false, true] {
            let (_dir, input) = rejected(name);
            let (annotated, upload) = one_step(&input);
            let book = Rejected::open(&input, &registry).unwrap();
            let notes = book.notes_column.unwrap().col;
            let edits = edits_for(&book, 2);
            library_save(&annotated, |cells| {
                put(cells, &edits);
                let old = std::mem::take(cells);
                for ((row, col), value) in old {
                    if col == notes && (delete || row >= book.data_start) {
                        continue;
                    }
                    let col = if delete && col > notes { col - 1 } else { col };
                    cells.insert((row, col), value);
                }
            });
            libreoffice_save(&annotated);
            let out = icare_fix().arg("clean").arg(&annotated).assert().success();
            let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
            assert!(
                stderr.contains(&format!(
                    "holds {} of the {} records",
                    book.row_count(),
                    book.row_count()
                )),
                "{name} delete={delete}: {stderr}"
            );
            assert_upload(&input, &upload, &edits, &BTreeSet::new());
        }
    }
}

#[test]
fn a_column_moved_by_the_user_keeps_its_values_and_an_added_one_is_refused() {
    let registry = Registry::builtin();
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, upload) = one_step(&input);
    let book = Rejected::open(&input, &registry).unwrap();
    let edits = edits_for(&book, 2);
    let phone = book.column_of("phone_no").unwrap();
    let id = book.column_of("client_validation_id").unwrap();
    // Swap two columns (codes, labels and values move together), and edit.
    library_save(&annotated, |cells| {
        put(cells, &edits);
        let old = std::mem::take(cells);
        for ((row, col), value) in old {
            let col = if col == phone {
                id
            } else if col == id {
                phone
            } else {
                col
            };
            cells.insert((row, col), value);
        }
    });
    libreoffice_save(&annotated);
    icare_fix().arg("clean").arg(&annotated).assert().success();
    assert_upload(&input, &upload, &edits, &BTreeSet::new());

    // A column added with values is refused; the upload file is left as it was.
    let before = std::fs::read(&upload).unwrap();
    library_save(&annotated, |cells| {
        let old = std::mem::take(cells);
        for ((row, col), value) in old {
            cells.insert((row, if col >= 3 { col + 1 } else { col }), value);
        }
        cells.insert((book.data_start, 3), Data::String("called back".into()));
    });
    icare_fix()
        .arg("clean")
        .arg(&annotated)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not a column of the template"))
        .stderr(predicates::str::contains("Nothing was written"));
    assert_eq!(std::fs::read(&upload).unwrap(), before);
}

#[test]
fn rows_deleted_and_sorted_are_named_as_the_user_sees_them() {
    let registry = Registry::builtin();
    for name in ["client_profile.xlsx", "client_profile_inserted_column.xlsx"] {
        let (_dir, input) = rejected(name);
        let (annotated, upload) = one_step(&input);
        let book = Rejected::open(&input, &registry).unwrap();
        let rows: Vec<u32> = book.data_rows().map(|r| r.row).collect();
        let phone = book.column_of("phone_no").unwrap();
        // Delete the second data row, then sort the rest in reverse (notes column kept).
        let deleted = rows[1];
        let edited = *rows.last().unwrap();
        let mut edits = BTreeMap::new();
        edits.insert((edited, phone), "613-555-0199".to_string());
        let kept: Vec<u32> = rows.iter().copied().filter(|r| *r != deleted).collect();
        let new_row: BTreeMap<u32, u32> = kept
            .iter()
            .rev()
            .enumerate()
            .map(|(i, r)| (*r, book.data_start + i as u32))
            .collect();
        library_save(&annotated, |cells| {
            cells.insert((edited, phone), Data::String("613-555-0199".into()));
            let old = std::mem::take(cells);
            for ((row, col), value) in old {
                if row < book.data_start {
                    cells.insert((row, col), value);
                } else if let Some(r) = new_row.get(&row) {
                    cells.insert((*r, col), value);
                }
            }
        });
        libreoffice_save(&annotated);
        let out = icare_fix().arg("clean").arg(&annotated).assert().success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        let dropped: BTreeSet<u32> = [deleted].into();
        assert_upload(&input, &upload, &edits, &dropped);
        // The edited cell as the user sees it, and where it is in the upload file.
        let seen = cell_name(new_row[&edited], phone);
        let inserted = book.notes_column.unwrap().layout == Layout::Inserted;
        let in_upload = cell_name(edited - 1, if inserted { phone - 1 } else { phone });
        assert!(
            stderr.contains(&format!(
                "  {seen} ({in_upload} in the upload file) (Phone Number)"
            )),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "holds {} of the {} records",
                rows.len() - 1,
                rows.len()
            )),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("Left out row {}", deleted + 1)),
            "{stderr}"
        );
    }
}

#[test]
fn a_moved_or_renamed_annotated_workbook_finds_its_original() {
    let registry = Registry::builtin();
    let (dir, input) = rejected("employment.xlsx");
    let (annotated, _) = one_step(&input);
    let book = Rejected::open(&input, &registry).unwrap();
    let edits = edits_for(&book, 1);
    library_save(&annotated, |cells| {
        put(cells, &edits);
    });
    // Moved and renamed: the workbook records no absolute path (it gets e-mailed), so the
    // original is named with --original; the upload file is named after it.
    let elsewhere = tempfile::tempdir().unwrap();
    let moved = elsewhere.path().join("my corrections.xlsx");
    std::fs::rename(&annotated, &moved).unwrap();
    icare_fix()
        .arg(&moved)
        .assert()
        .failure()
        .stdout(predicates::str::contains("Looked in the folder"));
    icare_fix()
        .arg("clean")
        .arg(&moved)
        .arg("--original")
        .arg(&input)
        .assert()
        .success();
    let upload = elsewhere.path().join("rejet mars é.upload.xlsx");
    assert_upload(&input, &upload, &edits, &BTreeSet::new());

    // The original renamed too, beside the moved workbook: found by its content.
    let renamed = elsewhere.path().join("downloaded again.xlsx");
    std::fs::rename(&input, &renamed).unwrap();
    std::fs::remove_file(&upload).unwrap();
    icare_fix().arg("clean").arg(&moved).assert().success();
    let upload = elsewhere.path().join("downloaded again.upload.xlsx");
    assert_upload(&renamed, &upload, &edits, &BTreeSet::new());

    // Truly gone: the message says where it looked and what to do.
    std::fs::remove_file(&renamed).unwrap();
    icare_fix()
        .arg("clean")
        .arg(&moved)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("Looked in the folder"))
        .stderr(predicates::str::contains("--original"));
    drop(dir);
}

#[test]
fn batch_out_then_the_way_back() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("rejected");
    std::fs::create_dir(&folder).unwrap();
    let input = folder.join("client_profile.xlsx");
    std::fs::copy(sample("client_profile.xlsx"), &input).unwrap();
    let out = dir.path().join("out");
    icare_fix()
        .args(["batch", "--out"])
        .arg(&out)
        .arg(&folder)
        .assert()
        .success();
    let annotated = out.join("client_profile.annotated.xlsx");
    let book = Rejected::open(&input, &registry).unwrap();
    let edits = edits_for(&book, 2);
    library_save(&annotated, |cells| {
        put(cells, &edits);
    });
    // The same batch again makes the upload file from the corrections.
    let run = icare_fix()
        .args(["batch", "--out"])
        .arg(&out)
        .arg(&folder)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(stdout.contains("to fix "), "{stdout}");
    assert_upload(
        &input,
        &out.join("client_profile.upload.xlsx"),
        &edits,
        &BTreeSet::new(),
    );
    // And `clean` on the workbook in the --out folder finds its original.
    icare_fix().arg("clean").arg(&annotated).assert().success();
    assert_upload(
        &input,
        &out.join("client_profile.upload.xlsx"),
        &edits,
        &BTreeSet::new(),
    );
}

#[test]
fn a_date_typed_as_a_number_is_repaired_on_the_way_back_as_in_clean() {
    let registry = Registry::builtin();
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, upload) = one_step(&input);
    let book = Rejected::open(&input, &registry).unwrap();
    let birth = book.column_of("client_birth_dt").unwrap();
    let row = book.data_rows().next().unwrap().row;
    library_save(&annotated, |cells| {
        // Excel stores a date typed into a General cell as its serial number.
        cells.insert((row, birth), Data::Float(26557.0));
    });
    let out = icare_fix().arg("clean").arg(&annotated).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("26557 -> 1972-09-15 (date stored as a number)"),
        "{stderr}"
    );
    let mut edits = BTreeMap::new();
    edits.insert((row, birth), "1972-09-15".to_string());
    assert_upload(&input, &upload, &edits, &BTreeSet::new());
}

#[test]
fn an_upload_file_edited_by_hand_is_never_lost() {
    let (_dir, input) = rejected("client_profile.xlsx");
    let (annotated, upload) = one_step(&input);
    // Someone opened the upload file and saved it: it is no longer icare-fix's own.
    libreoffice_save(&upload);
    library_save(&annotated, |cells| {
        cells.insert((3, 4), Data::String("613-555-0100".into()));
    });
    let hand_edited = std::fs::read(&upload).unwrap();
    if icare_fix::output::is_untouched_upload(
        &upload,
        &icare_fix::workbook::Input::open(&input).unwrap(),
    ) {
        // Without LibreOffice the upload file was not re-saved: nothing to check.
        return;
    }
    icare_fix()
        .arg("clean")
        .arg(&annotated)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "was changed after icare-fix wrote it",
        ));
    assert_eq!(std::fs::read(&upload).unwrap(), hand_edited);
    // With --force the new one is written and the old one kept as a .bak.
    icare_fix()
        .args(["clean", "--force"])
        .arg(&annotated)
        .assert()
        .success()
        .stderr(predicates::str::contains(".bak"));
    let backups: Vec<PathBuf> = std::fs::read_dir(upload.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bak"))
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(std::fs::read(&backups[0]).unwrap(), hand_edited);
}

#[test]
fn every_allowed_value_of_the_file_passes_both_paths_unchanged_and_near_misses_are_repaired() {
    use icare_fix::repair::repaired_text;
    use icare_fix::workbook::lists::{ColumnLists, ListSource};
    let registry = Registry::builtin();
    let book = Rejected::open(&sample("information_orientation.xlsx"), &registry).unwrap();
    let lists = ColumnLists::of_book(&book, &registry).unwrap();
    let mut checked = 0;
    for (col, list) in lists.iter().filter(|(_, l)| l.is_list()) {
        assert_eq!(list.source, ListSource::Workbook, "column {col}");
        let code = book.code(col).unwrap();
        let template = book.template.as_deref();
        for value in &list.values {
            // The one repair both paths share leaves an allowed value alone...
            assert_eq!(
                repaired_text(&registry, template, code, Some(&list.values), value),
                None,
                "{code}: {value:?}"
            );
            // ...and brings a near miss back to the list's exact spelling.
            let straight = value.replace('’', "'");
            for miss in [straight.trim().to_string(), value.to_uppercase()] {
                if miss != *value
                    && list
                        .values
                        .iter()
                        .all(|v| v.to_lowercase() != miss.to_lowercase() || v == value)
                {
                    let fixed = repaired_text(&registry, template, code, Some(&list.values), &miss);
                    assert_eq!(
                        fixed.map(|f| f.1).as_deref(),
                        Some(value.as_str()),
                        "{code}: {miss:?}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");

    // End to end: the value with a trailing space and a straight apostrophe, given back.
    let (_dir, input) = rejected("information_orientation.xlsx");
    let (annotated, upload) = one_step(&input);
    let language = book.column_of("service_language_id").unwrap();
    let id_type = book.column_of("client_validation_type_id").unwrap();
    let row = book.data_rows().nth(1).unwrap().row;
    let plautdietsch = "Plautdietsch (Mennonite Low German) ";
    let permit = "Temporary Resident or Minister’s Permit Number";
    assert!(
        lists
            .values(language)
            .unwrap()
            .iter()
            .any(|v| v == plautdietsch)
    );
    library_save(&annotated, |cells| {
        cells.insert((row, language), Data::String(plautdietsch.into()));
        cells.insert((row, id_type), Data::String(permit.replace('’', "'")));
    });
    let out = icare_fix().arg("clean").arg(&annotated).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        !stderr.contains("Plautdietsch (Mennonite Low German) ->"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("is not one of the allowed values"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(list value spelled differently)"),
        "{stderr}"
    );
    let (_, cells) = first_sheet(&upload);
    assert_eq!(cells[&(row, language)], plautdietsch);
    assert_eq!(cells[&(row, id_type)], permit);
}

#[test]
fn every_allowed_value_in_a_generated_file_passes_clean_and_the_way_back_unchanged() {
    use icare_fix::output::clean::{CleanOptions, RepairKind, clean};
    use icare_fix::workbook::lists::ColumnLists;
    use icare_synth::{self as synth, Spec};
    let registry = Registry::builtin();
    let template = registry.template("information_orientation").unwrap();
    let longest = template
        .columns
        .iter()
        .filter_map(|c| registry.allowed_values(&c.code))
        .map(<[_]>::len)
        .max()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // `every` holds every allowed value of every list; `random` is the same file with the
    // list cells drawn at random.
    let every_spec = Spec {
        every_value: true,
        ..Spec::new("information_orientation", longest)
    };
    let random_spec = Spec {
        every_value: false,
        ..every_spec.clone()
    };
    let every = dir.path().join("every.xlsx");
    let random = dir.path().join("random.xlsx");
    synth::write(&every_spec, &registry, &every).unwrap();
    synth::write(&random_spec, &registry, &random).unwrap();
    let book = Rejected::open(&every, &registry).unwrap();
    let lists = ColumnLists::of_book(&book, &registry).unwrap();

    // Every value of every list is in the file (but where a note needed another value).
    let mut wanted = 0;
    let mut found = 0;
    for (col, list) in lists.iter().filter(|(_, l)| l.is_list()) {
        let held: BTreeSet<String> = book.data_rows().map(|r| book.value(r.row, col)).collect();
        wanted += list.values.len();
        found += list.values.iter().filter(|v| held.contains(*v)).count();
    }
    assert!(
        found * 100 >= wanted * 99,
        "{found} of {wanted} values in the file"
    );

    // Direct clean: nothing to repair.
    let upload = dir.path().join("every.upload.xlsx");
    let report = clean(&every, &upload, &registry, &CleanOptions::default()).unwrap();
    assert!(
        report.repairs.is_empty(),
        "{:?}",
        &report.repairs[..report.repairs.len().min(5)]
    );

    // The way back: the random file annotated, every list cell typed as in `every`.
    let out = dir.path().join("random.annotated.xlsx");
    icare_fix()
        .args(["annotate", "-o"])
        .arg(&out)
        .arg(&random)
        .assert()
        .success();
    let mut edits = BTreeMap::new();
    for (col, _) in lists.iter().filter(|(_, l)| l.is_list()) {
        for row in book.data_rows() {
            edits.insert((row.row, col), book.value(row.row, col));
        }
    }
    library_save(&out, |cells| {
        for ((row, col), value) in &edits {
            if value.is_empty() {
                cells.remove(&(*row, *col));
            } else {
                cells.insert((*row, *col), Data::String(value.clone()));
            }
        }
    });
    let run = icare_fix().arg("clean").arg(&out).assert().success();
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(
        !stderr.contains("is not one of the allowed values"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(RepairKind::ListValue.describe()),
        "an allowed value was repaired: {stderr}"
    );
    let (_, cells) = first_sheet(&dir.path().join("random.upload.xlsx"));
    for ((row, col), value) in &edits {
        assert_eq!(
            cells.get(&(*row, *col)).map_or("", String::as_str),
            value.as_str(),
            "{}",
            cell_name(*row, *col)
        );
    }
}
