//! The `errors` and `inspect` commands: output, exit codes and the exact wording of the main
//! refusals.

use predicates::prelude::*;

use crate::common::{icare_fix, write_plain_workbook};

#[test]
fn a_missing_file_is_named_with_a_plain_message() {
    icare_fix()
        .args(["errors", "no such file.xlsx"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "icare-fix: cannot find the file 'no such file.xlsx'. Check the name and the folder.\n",
        );
}

#[test]
fn a_text_file_renamed_xlsx_is_not_a_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.xlsx");
    std::fs::write(&path, "client,date\r\n1,2024-01-01\r\n").unwrap();
    icare_fix()
        .arg("errors")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(format!(
            "icare-fix: '{}' is not an Excel workbook (it is a text file, perhaps a CSV export). Download the rejected file from iCARE again, or open it in Excel and save it as .xlsx.\n",
            path.display()
        ));
}

#[test]
fn an_empty_file_is_not_a_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.xlsx");
    std::fs::write(&path, "").unwrap();
    icare_fix()
        .arg("inspect")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is not an Excel workbook (the file is empty)",
        ));
}

#[test]
fn a_workbook_without_a_codes_row_is_refused_with_advice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("budget 2024.xlsx");
    write_plain_workbook(&path, &[&["Month", "Amount"], &["January", "12"]]);
    icare_fix()
        .arg("errors")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(format!(
            "icare-fix: '{}' does not look like an iCARE template: no visible sheet has the hidden row of iCARE field codes (such as client_validation_type_id). Make sure this is the rejected file downloaded from iCARE, with its three header rows (title, hidden codes, labels) intact.\n",
            path.display()
        ));
}

#[test]
fn a_workbook_whose_template_sheet_is_hidden_says_how_to_unhide_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hidden.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "cover").unwrap();
    let ws = wb.add_worksheet();
    for (c, code) in ["processing_details", "client_validation_type_id"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *code).unwrap();
    }
    ws.set_hidden(true);
    wb.save(&path).unwrap();
    icare_fix()
        .arg("inspect")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "The template sheet is hidden: unhide it",
        ));
}

/// A small rejected workbook written here, independent of the samples: an inserted notes
/// column in front of a Client Profile-like template, notes in two shapes.
fn small_rejected(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("rejeté été.xlsx");
    let note_phone = "[BUID:62957,RID:43432228,ORP:6/37,DTS:2015-04-13 13:18:23][XML:consent_ind, phone_no] (Profile) Telephone number has not been specified. / (Profil) Le numéro de téléphone n'a pas été indiqué.";
    let note_id = "[BUID:62957,RID:,ORP:7/37,DTS:2015-04-13 13:18:24][XML:] (Client) Unable to validate against database. / (Client) Impossible de valider dans la base de données.";
    write_plain_workbook(
        &path,
        &[
            &[
                "",
                "Immigration, Refugees and Citizenship Canada\niCARE\nClient Profile",
            ],
            &[
                "",
                "processing_details",
                "client_validation_type_id",
                "client_validation_id",
                "client_birth_dt",
                "phone_no",
                "consent_ind",
                "missing_code_here",
            ],
            &[
                "",
                "Processing Details",
                "Unique Identifier",
                "Unique Identifier Value",
                "Date of Birth (YYYY-MM-DD)",
                "Phone Number",
                "Consent",
                "X",
            ],
            &[
                note_phone,
                "",
                "FOSS/GCMS Client ID",
                "12345678",
                "1980-01-31",
                "",
                "Yes",
            ],
            &[
                &format!("{note_id}\r\n{note_phone}"),
                "",
                "FOSS/GCMS Client ID",
                "87654321",
                "1975-12-01",
                "",
                "Yes",
            ],
        ],
    );
    path
}

#[test]
fn errors_json_maps_codes_to_cells_through_the_codes_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_rejected(dir.path());
    let out = icare_fix()
        .args(["errors", "--format", "json"])
        .arg(&path)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["notes_column"]["column"], "A");
    assert_eq!(json["notes_column"]["layout"], "inserted");
    assert_eq!(json["rows"], 2);
    let notes = json["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 3);
    assert_eq!(notes[0]["row"], 4);
    assert_eq!(
        notes[0]["fields"],
        serde_json::json!(["consent_ind", "phone_no"])
    );
    assert_eq!(notes[0]["cells"], serde_json::json!(["G4", "F4"]));
    assert_eq!(notes[0]["category"], "missing");
    assert_eq!(notes[0]["timestamp"], "2015-04-13T13:18:23");
    assert_eq!(
        notes[0]["orp"],
        serde_json::json!({"index": 6, "total": 37})
    );
    assert_eq!(notes[1]["row"], 5);
    assert_eq!(notes[1]["rid"], serde_json::Value::Null);
    assert_eq!(notes[1]["cells"], serde_json::json!(["C5", "D5", "E5"]));
    assert_eq!(notes[1]["category"], "identity");
    assert_eq!(notes[1]["client"]["id_value"], "87654321");
    assert_eq!(notes[2]["row"], 5);
    assert_eq!(
        notes[2]["message_fr"],
        "Le numéro de téléphone n'a pas été indiqué."
    );
}

#[test]
fn errors_csv_has_one_row_per_note() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_rejected(dir.path());
    let out = icare_fix()
        .args(["errors", "--format", "csv"])
        .arg(&path)
        .assert()
        .success();
    let mut reader = csv::Reader::from_reader(out.get_output().stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[1][col("cells")], "C5 D5 E5");
    assert_eq!(
        &rows[2][col("message_en")],
        "Telephone number has not been specified."
    );
}

#[test]
fn errors_table_shows_cells_values_and_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_rejected(dir.path());
    icare_fix()
        .arg("errors")
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "rejeté été.xlsx: unknown template, sheet 'Sheet1', notes in column A (inserted), 2 data rows, 3 notes",
        ))
        .stdout(predicate::str::contains("G4, F4"))
        .stdout(predicate::str::contains("(Profil) Le numéro de téléphone n'a pas été indiqué."))
        .stdout(predicate::str::contains("Unique Identifier Value = \"87654321\""))
        .stdout(predicate::str::contains("By category: 1 identity, 2 missing"));
}

#[test]
fn errors_can_write_a_csv_file_for_excel_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_rejected(dir.path());
    let out = dir.path().join("notes.csv");
    icare_fix()
        .args(["errors", "--format", "csv", "-o"])
        .arg(&out)
        .arg(&path)
        .assert()
        .success();
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with("\u{feff}file,row".as_bytes()));
    icare_fix()
        .args(["errors", "--format", "csv", "-o"])
        .arg(&out)
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists. Use --force"));
    icare_fix()
        .args(["errors", "-o"])
        .arg(&path)
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is the input file itself"));
}

#[test]
fn inspect_reports_layout_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_rejected(dir.path());
    let out = icare_fix()
        .args(["inspect", "--json"])
        .arg(&path)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    // Six codes of seventeen: not enough to call it a Client Profile, and the notes are
    // still read through the codes row.
    assert_eq!(json["template"], serde_json::Value::Null);
    assert_eq!(json["codes_row"], 2);
    assert_eq!(json["labels_row"], 3);
    assert_eq!(json["data_start"], 4);
    assert_eq!(json["notes"], 3);
    assert_eq!(json["categories"]["missing"], 2);
    assert_eq!(json["coded_columns"], 7);
    icare_fix()
        .arg("inspect")
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("Notes column:  A (inserted"));
}

#[test]
fn a_code_the_workbook_lacks_is_reported_not_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.xlsx");
    write_plain_workbook(
        &path,
        &[
            &["title"],
            &[
                "processing_details",
                "client_validation_type_id",
                "client_validation_id",
                "client_birth_dt",
            ],
            &["Processing Details", "Unique Identifier", "Value", "Birth"],
            &[
                "[BUID:1,RID:,ORP:1/1,DTS:2020-01-01 00:00:00][XML:client_birth_dt, street_nme] (Profile) Bad. / (Profil) Mauvais.",
                "FOSS/GCMS Client ID",
                "1",
                "2",
            ],
        ],
    );
    let out = icare_fix()
        .args(["errors", "--format", "json"])
        .arg(&path)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["notes_column"]["layout"], "native");
    assert_eq!(json["template"], serde_json::Value::Null);
    assert_eq!(json["notes"][0]["cells"], serde_json::json!(["D4"]));
    assert_eq!(
        json["notes"][0]["unlocated"],
        serde_json::json!(["street_nme"])
    );
}

#[test]
fn csv_never_turns_a_cell_value_into_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.xlsx");
    let note = "[BUID:62957,RID:,ORP:7/37,DTS:2015-04-13 13:18:24][XML:] (Client) Unable to validate against database. / (Client) Impossible de valider dans la base de données.";
    write_plain_workbook(
        &path,
        &[
            &["", "Title"],
            &[
                "processing_details",
                "client_validation_type_id",
                "client_validation_id",
                "client_birth_dt",
            ],
            &[
                "Processing Details",
                "Unique Identifier",
                "Value",
                "Date of Birth",
            ],
            &[
                note,
                "=HYPERLINK(\"http://x\",\"click\")",
                "@SUM(1+1)",
                "-1+2",
            ],
        ],
    );
    let out = icare_fix()
        .args(["errors", "--format", "csv"])
        .arg(&path)
        .assert()
        .success();
    let mut reader = csv::Reader::from_reader(out.get_output().stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(
        &row[col("client_id_type")],
        "'=HYPERLINK(\"http://x\",\"click\")"
    );
    assert_eq!(&row[col("client_id_value")], "'@SUM(1+1)");
    assert_eq!(&row[col("client_birth_date")], "'-1+2");
    // JSON stays exact.
    let out = icare_fix()
        .args(["errors", "--format", "json"])
        .arg(&path)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["notes"][0]["client"]["id_value"], "@SUM(1+1)");
}

#[test]
fn a_mistyped_command_gets_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    icare_fix()
        .current_dir(dir.path())
        .args(["claen", "file.xlsx"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("Did you mean: icare-fix clean"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_workbook_open_in_excel_is_pointed_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_rejected(dir.path());
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::write(dir.path().join(format!("~${name}")), b"owner").unwrap();
    for args in [&[][..], &["clean"][..]] {
        icare_fix()
            .args(args)
            .arg(&path)
            .assert()
            .stderr(predicates::str::contains("seems to be open in Excel"));
    }
}

#[test]
fn the_one_step_run_on_a_file_it_cannot_handle_exits_2_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("budget.xlsx");
    write_plain_workbook(&path, &[&["Month", "Amount"], &["January", "12"]]);
    let old = dir.path().join("old.xls");
    std::fs::write(&old, b"\xD0\xCF\x11\xE0 not really").unwrap();
    for input in [&path, &old] {
        icare_fix().arg(input).assert().code(2);
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // An empty folder: said, nothing created.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    icare_fix()
        .arg(&empty)
        .assert()
        .code(2)
        .stdout(predicates::str::contains("Found no workbook"));
    assert!(!dir.path().join("empty-fixed").exists());
}

#[test]
fn a_damaged_file_gets_plain_words_and_the_technical_details_only_with_verbose() {
    // A zip cut short: the zip library's own words stay out of the message.
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/client_profile.xlsx"),
    )
    .unwrap();
    let file = dir.path().join("cut.xlsx");
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let plain = icare_fix().arg("inspect").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&plain.stderr);
    assert_eq!(plain.status.code(), Some(2));
    assert!(
        stderr.contains(
            "is damaged or incomplete (the end of the file is missing: it was cut short)"
        ) && stderr.contains("Download the rejected file from iCARE again"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("technical details") && !stderr.contains("EOCD"),
        "{stderr}"
    );
    // `--verbose` after the command or before it, as people type it.
    for args in [["inspect", "--verbose"], ["--verbose", "inspect"]] {
        let verbose = icare_fix().args(args).arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&verbose.stderr);
        assert_eq!(verbose.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("is damaged or incomplete")
                && stderr.contains("icare-fix: technical details: ")
                && stderr.contains("EOCD"),
            "{args:?}: {stderr}"
        );
    }
}
