//! `icare-fix check`: for each rule, an upload file that breaks it and one that does not,
//! built by the sample generator (`synth::write_upload`); a month of files with a client
//! missing from the Client Profile file; no problem on any upload file built to be valid;
//! the JSON shape, the CSV, the exit codes, `--annotate`, and the hooks in the one-step run,
//! `batch` and the way back.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use icare_fix::check::{CheckOptions, FileReport, Problem, Rule, Severity, Source, check_files};
use icare_fix::{Registry, Rejected};
use icare_synth::{self as synth, DamageKind, Edit, NoteSet, Spec, Strings};

use crate::common::{icare_fix, read_part, sample, sample_copy, write_plain_workbook};

/// The day the checks take as today, so that the tests never age.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 15).unwrap()
}

fn check(paths: &[PathBuf]) -> Vec<FileReport> {
    check_files(
        paths,
        &Registry::builtin(),
        &CheckOptions { today: today() },
    )
    .unwrap()
}

/// An upload file of `template` with `rows` rows and `edits`, in `dir`.
fn upload(dir: &Path, template: &str, rows: usize, edits: &[Edit]) -> PathBuf {
    upload_spec(dir, &Spec::new(template, rows), edits)
}

fn upload_spec(dir: &Path, spec: &Spec, edits: &[Edit]) -> PathBuf {
    let path = dir.join(format!("{}-{}.xlsx", spec.template, edits.len()));
    synth::write_upload(spec, &Registry::builtin(), &path, edits).unwrap();
    path
}

/// The edits that make data row `to` (from 0) of a valid upload file of `template` with `rows`
/// rows a copy of its first data row, field for field.
fn copy_of_first_row(dir: &Path, template: &str, rows: usize, to: usize) -> Vec<Edit> {
    let registry = Registry::builtin();
    let valid = upload(dir, template, rows, &[]);
    let book = Rejected::open(&valid, &registry).unwrap();
    registry
        .template(template)
        .unwrap()
        .columns
        .iter()
        .filter(|c| c.code != "processing_details")
        .map(|c| Edit::new(to, &c.code, &book.field(synth::DATA_START, &c.code)))
        .collect()
}

/// Replaces part `name` of the package at `path` with `text`, the other parts as they are.
fn replace_part(path: &Path, name: &str, text: &str) {
    use std::io::Write;
    let bytes = std::fs::read(path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).unwrap();
        if entry.name().unwrap() == name {
            drop(entry);
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(text.as_bytes()).unwrap();
        } else {
            out.raw_copy_file(entry).unwrap();
        }
    }
    std::fs::write(path, out.finish().unwrap().into_inner()).unwrap();
}

/// The problems of one file, as (rule, cell, fix).
fn found(path: &Path) -> Vec<Problem> {
    check(&[path.to_path_buf()]).remove(0).problems
}

/// The 0-based column of `code` in a generated file of `template`.
fn col(template: &str, code: &str) -> u32 {
    let registry = Registry::builtin();
    registry
        .template(template)
        .unwrap()
        .columns
        .iter()
        .position(|c| c.code == code)
        .unwrap() as u32
}

/// The A1 name of field `code` in data row `row` (from 0) of a generated file.
fn cell(template: &str, row: usize, code: &str) -> String {
    icare_fix::workbook::cell_name(synth::DATA_START + row as u32, col(template, code))
}

/// Each rule's files: the valid one reports nothing; the edited one exactly the problems
/// listed as (rule, cell, severity, source, fix).
fn assert_found(
    path: &Path,
    expected: &[(Rule, String, Severity, Source, Option<&str>)],
) -> Vec<Problem> {
    let problems = found(path);
    let got: Vec<(Rule, String, Severity, Source, Option<&str>)> = problems
        .iter()
        .map(|p| {
            (
                p.rule,
                p.cell.clone(),
                p.severity,
                p.source,
                p.fix.as_deref(),
            )
        })
        .collect();
    assert_eq!(got, expected, "{problems:#?}");
    for p in &problems {
        assert!(
            !p.message_en.is_empty() && !p.message_fr.is_empty(),
            "{p:?}"
        );
        if p.severity == Severity::Warning {
            assert!(p.message_en.contains("educated guess"), "{}", p.message_en);
            assert!(p.message_fr.contains("supposition"), "{}", p.message_fr);
        }
    }
    problems
}

#[test]
fn every_upload_file_built_to_be_valid_reports_nothing() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for template in registry.templates() {
        for (seed, lists, strings) in [
            (1, true, Strings::Shared),
            (2, false, Strings::Inline),
            (3, true, Strings::Inline),
        ] {
            let spec = Spec {
                seed,
                lists,
                strings,
                ..Spec::new(&template.id, 40)
            };
            let path = dir.path().join(format!("{}-{seed}.xlsx", template.id));
            synth::write_upload(&spec, &registry, &path, &[]).unwrap();
            paths.push(path);
        }
    }
    // Every allowed value of every list, too.
    let every = Spec {
        every_value: true,
        ..Spec::new("information_orientation", 501)
    };
    paths.push(upload_spec(dir.path(), &every, &[]));
    // One at a time, and all together (the cross-file rules find nothing either: without
    // a Client Profile file nothing is matched, and identifiers are random).
    for path in &paths {
        let report = check(std::slice::from_ref(path)).remove(0);
        assert!(
            report.problems.is_empty(),
            "{path:?}: {:#?}",
            report.problems
        );
    }
    let month = synth::write_month(dir.path(), &registry, 7, 0).unwrap();
    for report in check(&month) {
        assert!(
            report.problems.is_empty(),
            "{}: {:#?}",
            report.file,
            report.problems
        );
    }
}

#[test]
fn the_original_upload_sample_has_only_its_real_consent_problems() {
    // The bundled upload file is generated, not built to be valid: its consent and phone
    // columns are drawn on their own. Every row with consent Yes and neither phone nor
    // e-mail is found, and nothing else.
    let registry = Registry::builtin();
    let path = sample("original_upload.xlsx");
    let book = Rejected::open(&path, &registry).unwrap();
    let expected: Vec<String> = book
        .data_rows()
        .filter(|r| {
            book.field(r.row, "consent_ind") == "Yes"
                && book.field(r.row, "phone_no").is_empty()
                && book.field(r.row, "email_txt").is_empty()
        })
        .map(|r| {
            cell(
                "client_profile",
                (r.row - synth::DATA_START) as usize,
                "phone_no",
            )
        })
        .collect();
    assert!(!expected.is_empty());
    let problems = found(&path);
    assert!(problems.iter().all(|p| p.rule == Rule::ConsentContact
        && p.severity == Severity::Error
        && p.source == Source::IcareMessage));
    let cells: Vec<String> = problems.iter().map(|p| p.cell.clone()).collect();
    assert_eq!(cells, expected);
}

#[test]
fn mandatory_fields_from_the_file_and_from_the_template() {
    let dir = tempfile::tempdir().unwrap();
    let t = "information_orientation";
    assert!(found(&upload(dir.path(), t, 6, &[])).is_empty());
    let edits = [Edit::new(1, "service_language_id", "")];
    let with_lov = upload(dir.path(), t, 6, &edits);
    let problems = assert_found(
        &with_lov,
        &[(
            Rule::Mandatory,
            cell(t, 1, "service_language_id"),
            Severity::Error,
            Source::File,
            None,
        )],
    );
    assert!(
        problems[0]
            .message_en
            .contains("Language of Service is mandatory")
    );
    // Without the LOV sheet, the template's mark (the orange label) says so.
    let bare = Spec {
        lists: false,
        ..Spec::new(t, 6)
    };
    let bare_dir = tempfile::tempdir().unwrap();
    assert_found(
        &upload_spec(bare_dir.path(), &bare, &edits),
        &[(
            Rule::Mandatory,
            cell(t, 1, "service_language_id"),
            Severity::Error,
            Source::Template,
            None,
        )],
    );
    // An optional column left empty is fine.
    let optional = [Edit::new(2, "orientation_length_id", "")];
    assert!(found(&upload(dir.path(), t, 6, &optional)).is_empty());
}

#[test]
fn list_values_exactly_as_the_files_list_spells_them_with_the_near_miss_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let t = "information_orientation";
    let plautdietsch = "Plautdietsch (Mennonite Low German) ";
    // Exact values, the trailing space included, pass.
    let exact = [
        Edit::new(0, "service_language_id", plautdietsch),
        Edit::new(
            1,
            "client_validation_type_id",
            "Temporary Resident or Minister’s Permit Number",
        ),
    ];
    assert!(found(&upload(dir.path(), t, 6, &exact)).is_empty());
    let edits = [
        Edit::new(0, "service_official_language_id", "english"),
        Edit::new(1, "service_language_id", plautdietsch.trim()),
        Edit::new(2, "training_received_service_ind", "Oui"),
        Edit::new(3, "service_referred_by_id", "Klingon"),
        Edit::new(
            4,
            "client_validation_type_id",
            "Temporary Resident or Minister's Permit Number",
        ),
    ];
    let problems = assert_found(
        &upload(dir.path(), t, 6, &edits),
        &[
            (
                Rule::ListValue,
                cell(t, 0, "service_official_language_id"),
                Severity::Error,
                Source::File,
                Some("English"),
            ),
            (
                Rule::ListValue,
                cell(t, 1, "service_language_id"),
                Severity::Error,
                Source::File,
                Some(plautdietsch),
            ),
            (
                Rule::ListValue,
                cell(t, 2, "training_received_service_ind"),
                Severity::Error,
                Source::File,
                Some("Yes"),
            ),
            (
                Rule::ListValue,
                cell(t, 3, "service_referred_by_id"),
                Severity::Error,
                Source::File,
                None,
            ),
            (
                Rule::ListValue,
                cell(t, 4, "client_validation_type_id"),
                Severity::Error,
                Source::File,
                Some("Temporary Resident or Minister’s Permit Number"),
            ),
        ],
    );
    assert!(
        problems[2].message_en.contains("is French"),
        "{:?}",
        problems[2]
    );
    assert!(
        problems[3]
            .message_en
            .contains("is not one of the allowed values of Referred By"),
        "{:?}",
        problems[3]
    );
}

#[test]
fn dates_are_text_yyyy_mm_dd_of_days_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    let t = "information_orientation";
    let edits = [
        Edit::new(0, "start_dttm", "2018/3/5"),
        Edit::new(1, "end_dttm", "2018-02-30"),
        Edit::new(2, "client_birth_dt", "05/03/1980"),
        Edit::new(3, "start_dttm", " 2018-03-05"),
        Edit::new(3, "end_dttm", "2018-03-06"),
    ];
    let problems = assert_found(
        &upload(dir.path(), t, 6, &edits),
        &[
            (
                Rule::DateFormat,
                cell(t, 0, "start_dttm"),
                Severity::Error,
                Source::Template,
                Some("2018-03-05"),
            ),
            (
                Rule::DateFormat,
                cell(t, 1, "end_dttm"),
                Severity::Error,
                Source::Template,
                None,
            ),
            (
                Rule::DateFormat,
                cell(t, 2, "client_birth_dt"),
                Severity::Error,
                Source::Template,
                None,
            ),
            (
                Rule::DateFormat,
                cell(t, 3, "start_dttm"),
                Severity::Error,
                Source::Template,
                Some("2018-03-05"),
            ),
        ],
    );
    assert!(problems[1].message_en.contains("that day does not exist"));
}

#[test]
fn excel_damage_is_predicted_with_the_repair_clean_would_make() {
    // The generator's Excel damage: dates stored as numbers and list values spelled
    // differently are found, each with the value `clean` restores; an identifier stored
    // as a number still reads as its digits.
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec {
        notes: NoteSet::None,
        damage: true,
        seed: 24,
        ..Spec::new("information_orientation", 24)
    };
    let path = dir.path().join("damaged.xlsx");
    let manifest = synth::write(&spec, &registry, &path).unwrap();
    let problems = found(&path);
    assert!(manifest.damage.len() >= 10, "{:?}", manifest.damage);
    for damage in &manifest.damage {
        let at = icare_fix::workbook::cell_name(damage.row, damage.col);
        let here: Vec<&Problem> = problems.iter().filter(|p| p.cell == at).collect();
        match damage.kind {
            DamageKind::IdentifierNumber => assert!(here.is_empty(), "{at}: {here:?}"),
            kind => {
                let rule = match kind {
                    DamageKind::DateSerial | DamageKind::DateSerialIso => Rule::DateFormat,
                    _ => Rule::ListValue,
                };
                let p = here
                    .iter()
                    .find(|p| p.rule == rule)
                    .unwrap_or_else(|| panic!("{at} {kind:?}: {problems:#?}"));
                assert_eq!(p.fix.as_deref(), Some(damage.original.as_str()), "{at}");
            }
        }
    }
}

#[test]
fn a_date_of_birth_in_the_future_or_after_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let t = "information_orientation";
    let edits = [
        Edit::new(0, "client_birth_dt", "2030-01-01"),
        Edit::new(1, "client_birth_dt", "2019-06-01"),
        // The day before the service is fine.
        Edit::new(2, "client_birth_dt", "2017-12-31"),
    ];
    let problems = assert_found(
        &upload(dir.path(), t, 6, &edits),
        &[
            (
                Rule::BirthDateFuture,
                cell(t, 0, "client_birth_dt"),
                Severity::Error,
                Source::IcareMessage,
                None,
            ),
            (
                Rule::BirthDateAfterService,
                cell(t, 1, "client_birth_dt"),
                Severity::Warning,
                Source::Guess,
                None,
            ),
        ],
    );
    assert!(
        problems[0]
            .message_en
            .contains("Unable to validate against database"),
        "{}",
        problems[0].message_en
    );
}

#[test]
fn a_start_after_its_end_where_the_template_has_both() {
    let dir = tempfile::tempdir().unwrap();
    let t = "information_orientation";
    let edits = [
        Edit::new(0, "start_dttm", "2018-05-10"),
        Edit::new(0, "end_dttm", "2018-05-01"),
        Edit::new(1, "start_dttm", "2018-05-10"),
        Edit::new(1, "end_dttm", "2018-05-10"),
    ];
    assert_found(
        &upload(dir.path(), t, 6, &edits),
        &[(
            Rule::StartAfterEnd,
            cell(t, 0, "end_dttm"),
            Severity::Warning,
            Source::Guess,
            None,
        )],
    );
    // A projected end of Community Connections, and an assessment completed before it
    // started.
    let cc = "community_connections";
    let edits = [
        Edit::new(0, "service_start_dt", "2018-05-10"),
        Edit::new(0, "service_end_dt", ""),
        Edit::new(0, "service_projected_end_dt", "2018-04-01"),
    ];
    assert_found(
        &upload(dir.path(), cc, 4, &edits),
        &[(
            Rule::StartAfterEnd,
            cell(cc, 0, "service_projected_end_dt"),
            Severity::Warning,
            Source::Guess,
            None,
        )],
    );
    let na = "needs_assessment_referrals";
    let edits = [
        Edit::new(2, "assessment_start_dt", "2018-05-10"),
        Edit::new(2, "assessment_completed_dt", "2018-05-09"),
    ];
    assert_found(
        &upload(dir.path(), na, 4, &edits),
        &[(
            Rule::StartAfterEnd,
            cell(na, 2, "assessment_completed_dt"),
            Severity::Warning,
            Source::Guess,
            None,
        )],
    );
}

#[test]
fn identifiers_are_digits_where_the_identifier_type_calls_for_digits() {
    let dir = tempfile::tempdir().unwrap();
    let t = "information_orientation";
    let uci = "FOSS/GCMS Client ID";
    let fine = [
        Edit::new(0, "client_validation_type_id", uci),
        Edit::new(0, "client_validation_id", "1234567890"),
        Edit::new(
            1,
            "client_validation_type_id",
            "IMM5292, IMM5509, IMM1000 Number",
        ),
        Edit::new(1, "client_validation_id", "W123456789"),
    ];
    assert!(found(&upload(dir.path(), t, 6, &fine)).is_empty());
    let edits = [
        Edit::new(0, "client_validation_type_id", uci),
        Edit::new(0, "client_validation_id", "1234-5678"),
        Edit::new(1, "client_validation_type_id", uci),
        Edit::new(1, "client_validation_id", "1234567"),
        Edit::new(2, "update_record_id", "12-34"),
    ];
    assert_found(
        &upload(dir.path(), t, 6, &edits),
        &[
            (
                Rule::IdentifierDigits,
                cell(t, 0, "client_validation_id"),
                Severity::Warning,
                Source::Guess,
                Some("12345678"),
            ),
            (
                Rule::IdentifierDigits,
                cell(t, 1, "client_validation_id"),
                Severity::Warning,
                Source::Guess,
                None,
            ),
            (
                Rule::IdentifierDigits,
                cell(t, 2, "update_record_id"),
                Severity::Warning,
                Source::Guess,
                Some("1234"),
            ),
        ],
    );
}

#[test]
fn the_identity_triple_is_complete_and_told_once() {
    let dir = tempfile::tempdir().unwrap();
    let t = "client_profile";
    let edits = [
        Edit::new(0, "client_birth_dt", ""),
        Edit::new(1, "client_validation_type_id", ""),
        Edit::new(2, "client_validation_id", ""),
    ];
    assert_found(
        &upload(dir.path(), t, 4, &edits),
        &[
            (
                Rule::IdentityIncomplete,
                cell(t, 0, "client_birth_dt"),
                Severity::Error,
                Source::IcareMessage,
                None,
            ),
            (
                Rule::IdentityIncomplete,
                cell(t, 1, "client_validation_type_id"),
                Severity::Error,
                Source::IcareMessage,
                None,
            ),
            (
                Rule::IdentityIncomplete,
                cell(t, 2, "client_validation_id"),
                Severity::Error,
                Source::IcareMessage,
                None,
            ),
        ],
    );
}

#[test]
fn canadian_postal_codes() {
    let dir = tempfile::tempdir().unwrap();
    let t = "information_orientation";
    let fine = [
        Edit::new(0, "postal_cd", "K1A 0B1"),
        Edit::new(1, "postal_cd", "T2W1Z9"),
    ];
    assert!(found(&upload(dir.path(), t, 4, &fine)).is_empty());
    let edits = [
        Edit::new(0, "postal_cd", "k1a 0b1"),
        Edit::new(1, "postal_cd", "12345"),
    ];
    assert_found(
        &upload(dir.path(), t, 4, &edits),
        &[
            (
                Rule::PostalCode,
                cell(t, 0, "postal_cd"),
                Severity::Warning,
                Source::Guess,
                Some("K1A0B1"),
            ),
            (
                Rule::PostalCode,
                cell(t, 1, "postal_cd"),
                Severity::Warning,
                Source::Guess,
                None,
            ),
        ],
    );
}

#[test]
fn consent_of_yes_needs_a_phone_as_icare_says() {
    let dir = tempfile::tempdir().unwrap();
    let t = "client_profile";
    let edits = [
        Edit::new(0, "consent_ind", "Yes"),
        Edit::new(0, "phone_no", ""),
        Edit::new(0, "email_txt", ""),
        Edit::new(1, "consent_ind", "Yes"),
        Edit::new(1, "phone_no", ""),
        Edit::new(1, "email_txt", "client@example.org"),
        Edit::new(2, "consent_ind", "No"),
        Edit::new(2, "phone_no", ""),
        Edit::new(2, "email_txt", ""),
        Edit::new(3, "consent_ind", "Yes"),
        Edit::new(3, "phone_no", "613-555-0101"),
    ];
    let problems = assert_found(
        &upload(dir.path(), t, 4, &edits),
        &[
            (
                Rule::ConsentContact,
                cell(t, 0, "phone_no"),
                Severity::Error,
                Source::IcareMessage,
                None,
            ),
            (
                Rule::ConsentContact,
                cell(t, 1, "phone_no"),
                Severity::Warning,
                Source::Guess,
                None,
            ),
        ],
    );
    // The words are iCARE's own, from the message catalogue.
    assert!(
        problems[0]
            .message_en
            .contains("(Telephone number has not been specified)")
    );
    assert!(
        problems[0]
            .message_fr
            .contains("(Le numéro de téléphone n'a pas été indiqué)")
    );
}

#[test]
fn the_same_record_twice_in_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let t = "information_orientation";
    // Row 4 becomes a copy of row 1.
    let copy = copy_of_first_row(dir.path(), t, 5, 3);
    let problems = assert_found(
        &upload(dir.path(), t, 5, &copy),
        &[(
            Rule::DuplicateRecord,
            cell(t, 3, "client_validation_id"),
            Severity::Warning,
            Source::Guess,
            None,
        )],
    );
    assert!(
        problems[0].message_en.contains("repeats row 4"),
        "{problems:?}"
    );
}

#[test]
fn a_month_of_files_with_a_service_whose_client_has_no_profile() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let paths = synth::write_month(dir.path(), &registry, 3, 2).unwrap();
    let reports = check(&paths);
    let io = "information_orientation";
    let problems: Vec<(Rule, String, Severity)> = reports
        .iter()
        .flat_map(|r| &r.problems)
        .map(|p| (p.rule, p.cell.clone(), p.severity))
        .collect();
    assert_eq!(
        problems,
        [
            (
                Rule::ClientWithoutProfile,
                cell(io, 0, "client_validation_id"),
                Severity::Warning
            ),
            (
                Rule::ClientWithoutProfile,
                cell(io, 1, "client_validation_id"),
                Severity::Warning
            ),
        ]
    );
    assert!(reports[1].file.ends_with("information_orientation.xlsx"));
    assert!(
        reports[1].problems[0]
            .message_en
            .contains("has no row in the Client Profile file given (client_profile.xlsx)")
    );
    // Without the Client Profile file nothing can be matched, and nothing is said.
    assert!(check(&paths[1..]).iter().all(|r| r.problems.is_empty()));
    // One at a time, each file is fine.
    for path in &paths {
        assert!(found(path).is_empty(), "{path:?}");
    }
}

#[test]
fn a_client_whose_identity_differs_between_files() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let profile = upload(dir.path(), "client_profile", 4, &[]);
    let clients = synth::clients(&profile, &registry).unwrap();
    let mut edits = synth::identity_edits(&clients, 4);
    edits.push(Edit::new(2, "client_birth_dt", "1990-01-01"));
    let t = "employment";
    let service = upload(dir.path(), t, 4, &edits);
    assert_ne!(clients[2][2], "1990-01-01");
    let reports = check(&[profile.clone(), service.clone()]);
    assert!(reports[0].problems.is_empty(), "{:?}", reports[0].problems);
    let p = &reports[1].problems;
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(
        (
            p[0].rule,
            p[0].cell.clone(),
            p[0].severity,
            p[0].value.as_str()
        ),
        (
            Rule::IdentityDiffers,
            cell(t, 2, "client_birth_dt"),
            Severity::Error,
            "1990-01-01"
        )
    );
    let profile_name = profile.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        p[0].message_en
            .contains(&format!("'{}' in {profile_name} row 6", clients[2][2])),
        "{}",
        p[0].message_en
    );
}

#[test]
fn json_has_one_object_per_file_and_the_fix_only_when_certain() {
    let dir = tempfile::tempdir().unwrap();
    let t = "information_orientation";
    let edits = [
        Edit::new(0, "service_official_language_id", "english"),
        Edit::new(1, "service_referred_by_id", "Klingon"),
    ];
    let bad = upload(dir.path(), t, 3, &edits);
    // Not a Client Profile: with one, every service client would lack a profile.
    let good = upload(dir.path(), "employment", 3, &[]);
    let run = icare_fix()
        .args(["check", "--format", "json"])
        .arg(&bad)
        .arg(&good)
        .assert()
        .code(1);
    let json: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    let files = json.as_array().unwrap();
    assert_eq!(files.len(), 2);
    // Keys compared as sets: the text keeps the fields' order, serde_json's map sorts them.
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let sorted = |list: &[&str]| -> Vec<String> {
        let mut list: Vec<String> = list.iter().map(|k| k.to_string()).collect();
        list.sort();
        list
    };
    for file in files {
        assert_eq!(
            keys(file),
            sorted(&["file", "template", "rows", "problems"])
        );
    }
    assert_eq!(files[0]["template"], t);
    assert_eq!(files[0]["rows"], 3);
    assert_eq!(files[1]["problems"].as_array().unwrap().len(), 0);
    let problems = files[0]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2);
    let mut with_fix = vec![
        "row",
        "cell",
        "field",
        "rule",
        "severity",
        "source",
        "value",
        "message_en",
        "message_fr",
        "fix",
    ];
    assert_eq!(keys(&problems[0]), sorted(&with_fix));
    with_fix.pop();
    assert_eq!(keys(&problems[1]), sorted(&with_fix));
    // In the text, the fields come in the documented order.
    let text = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    let at = |k: &str| text.find(&format!("\"{k}\":")).unwrap();
    assert!(
        at("file") < at("template") && at("template") < at("rows") && at("rows") < at("problems")
    );
    assert!(at("row") < at("cell") && at("message_fr") < at("fix"));
    assert_eq!(problems[0]["row"], 4);
    assert_eq!(
        problems[0]["cell"],
        cell(t, 0, "service_official_language_id")
    );
    assert_eq!(problems[0]["field"], "service_official_language_id");
    assert_eq!(problems[0]["rule"], "list_value");
    assert_eq!(problems[0]["severity"], "error");
    assert_eq!(problems[0]["source"], "file");
    assert_eq!(problems[0]["value"], "english");
    assert_eq!(problems[0]["fix"], "English");
}

#[test]
fn csv_writes_formulas_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let edits = [Edit::new(0, "service_referred_by_id", "=HYPERLINK(\"x\")")];
    let bad = upload(dir.path(), "information_orientation", 2, &edits);
    let run = icare_fix()
        .args(["check", "--format", "csv"])
        .arg(&bad)
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        icare_fix::check::report::CSV_HEADER
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][5], "list_value");
    assert_eq!(&rows[0][8], "'=HYPERLINK(\"x\")");
    assert!(rows[0][9].starts_with("'=HYPERLINK"), "{:?}", &rows[0][9]);
}

#[test]
fn exit_codes_say_nothing_found_problems_found_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let good = upload(dir.path(), "employment", 3, &[]);
    let run = icare_fix().arg("check").arg(&good).assert().code(0);
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        stdout.contains("3 data rows: no problem found")
            && stdout.contains("1 file: nothing iCARE is likely to reject"),
        "{stdout}"
    );
    let bad = upload(
        dir.path(),
        "employment",
        3,
        &[Edit::new(0, "postal_cd", "12345")],
    );
    icare_fix().arg("check").arg(&bad).assert().code(1);
    // Refused: a file that is not there, a workbook that is not an iCARE template; nothing
    // is reported for the others and nothing is written.
    let before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    icare_fix()
        .arg("check")
        .arg(&good)
        .arg(dir.path().join("missing.xlsx"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains("cannot find the file"));
    let plain = dir.path().join("plain.xlsx");
    write_plain_workbook(&plain, &[&["Name", "Phone"], &["A", "1"]]);
    icare_fix()
        .arg("check")
        .arg(&plain)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::starts_with("icare-fix: "));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        before.len() + 1
    );
}

#[test]
fn the_report_goes_to_a_file_when_asked_and_never_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let bad = upload(
        dir.path(),
        "employment",
        3,
        &[Edit::new(0, "postal_cd", "1")],
    );
    let out = dir.path().join("report.csv");
    icare_fix()
        .args(["check", "--format", "csv", "-o"])
        .arg(&out)
        .arg(&bad)
        .assert()
        .code(1)
        .stdout("");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("\u{feff}file,template,row,cell"), "{text}");
    icare_fix()
        .args(["check", "-o"])
        .arg(&bad)
        .arg(&bad)
        .assert()
        .code(2);
    assert!(Rejected::open(&bad, &Registry::builtin()).is_ok());
}

#[test]
fn annotate_draws_the_predicted_problems_apart_from_icares_notes() {
    let dir = tempfile::tempdir().unwrap();
    let t = "client_profile";
    let edits = [
        Edit::new(0, "consent_ind", "Yes"),
        Edit::new(0, "phone_no", ""),
        Edit::new(0, "email_txt", ""),
        Edit::new(1, "postal_txt", "12345"),
    ];
    let path = upload(dir.path(), t, 3, &edits);
    icare_fix()
        .args(["check", "--annotate"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("(2 problems highlighted)"));
    let checked = icare_fix::output::names::checked_path(&path);
    assert!(checked.to_string_lossy().ends_with(".checked.xlsx"));
    let comments = read_part(&checked, "xl/comments1.xml");
    assert_eq!(
        comments
            .matches("Predicted by icare-fix check, not written by iCARE")
            .count(),
        2,
        "{comments}"
    );
    for c in [cell(t, 0, "phone_no"), cell(t, 1, "postal_txt")] {
        assert!(
            comments.contains(&format!("ref=\"{c}\"")),
            "{c}: {comments}"
        );
    }
    assert!(comments.contains("Telephone number has not been specified"));
    assert!(comments.contains("Le numéro de téléphone"));
    // Not a workbook to give back: it names no source for the way back.
    assert!(icare_fix::output::way_back::AnnotatedInfo::read(&checked).is_none());
    // Never replaced without --force; a folder run leaves it alone.
    icare_fix()
        .args(["check", "--annotate"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("exists"));
    icare_fix()
        .args(["check", "--annotate", "--force"])
        .arg(&path)
        .assert()
        .code(1);
    // A file without problems gets none.
    let good = upload(dir.path(), "employment", 2, &[]);
    icare_fix()
        .args(["check", "--annotate"])
        .arg(&good)
        .assert()
        .code(0)
        .stderr(predicates::str::contains("Nothing to highlight in"));
    assert!(!icare_fix::output::names::checked_path(&good).exists());
    let run = icare_fix().arg("batch").arg(dir.path()).assert().success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        stdout.contains(".checked.xlsx: an output of icare-fix"),
        "{stdout}"
    );
}

#[test]
fn the_one_step_run_checks_a_file_without_notes_and_keeps_the_duplicate_warning() {
    let (dir, path) = sample_copy("original_upload.xlsx");
    let run = icare_fix().arg(&path).assert().success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        stdout.contains("checked     ")
            && stdout.contains("no iCARE error notes, so it was checked as a file to upload: 3 errors")
            && stdout.contains("If it was uploaded to iCARE already, do not upload it again: iCARE would count its records twice")
            && stdout.contains("E4 error: Consent for Future Research/Consultation is Yes")
            && stdout.contains("Next: correct what the check found"),
        "{stdout}"
    );
    // Nothing is written for it.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn a_folder_run_checks_a_months_exports_together() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let month = dir.path().join("month");
    std::fs::create_dir(&month).unwrap();
    synth::write_month(&month, &registry, 9, 1).unwrap();
    std::fs::copy(sample("client_profile.xlsx"), month.join("rejected.xlsx")).unwrap();
    let run = icare_fix().arg("batch").arg(&month).assert().success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(stdout.contains("4 files: 3 checked, 1 done."), "{stdout}");
    let io = stdout
        .lines()
        .position(|l| l.contains("information_orientation.xlsx"))
        .unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[io].contains("1 warning"), "{stdout}");
    assert!(
        lines[io + 1].contains("warning: The client with identifier")
            && lines[io + 1].contains("has no row in the Client Profile file given"),
        "{stdout}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(month.join("summary.json")).unwrap()).unwrap();
    let statuses: Vec<&str> = summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["checked", "checked", "checked", "done"]);
}

#[test]
fn the_way_back_checks_the_rows_it_writes() {
    let (dir, input) = sample_copy("client_profile.xlsx");
    icare_fix().arg(&input).assert().success();
    let annotated = dir
        .path()
        .join("client_profile-fixed/client_profile.annotated.xlsx");
    let registry = Registry::builtin();
    let book = Rejected::open(&input, &registry).unwrap();
    // A postal code typed wrong in a row iCARE did not flag for it.
    let postal = book.column_of("postal_txt").unwrap();
    let row = book
        .data_rows()
        .map(|r| r.row)
        .find(|r| {
            !book
                .notes
                .iter()
                .any(|n| n.row == *r && n.cells.iter().any(|c| c.col == postal))
        })
        .unwrap();
    crate::way_back::type_into(&annotated, &[((row, postal), "12345")]);
    let run = icare_fix().arg("clean").arg(&annotated).assert().success();
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    let at = icare_fix::workbook::cell_name(row, postal);
    assert!(
        stderr.contains(&format!(
            "Check: {at}: '12345' is not a Canadian postal code"
        )),
        "{stderr}"
    );
    // What was already said about an untouched highlighted cell is not said twice.
    let flagged = book
        .notes
        .iter()
        .find(|n| n.cells.len() == 1)
        .map(|n| icare_fix::workbook::cell_name(n.row, n.cells[0].col))
        .unwrap();
    assert!(
        !stderr.contains(&format!("Check: {flagged}:")),
        "{flagged}: {stderr}"
    );
    // The upload file is written all the same: warnings, not a refusal.
    assert!(
        dir.path()
            .join("client_profile-fixed/client_profile.upload.xlsx")
            .exists()
    );
}

#[cfg(unix)]
#[test]
fn more_files_than_the_process_may_hold_open_are_checked_whole() {
    // Each file is let go of once read (only reported on): 60 files under a limit of 48
    // open files are all checked, none fails with "Too many open files".
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for i in 0..60 {
        let file = dir.path().join(format!("f{i:02}.xlsx"));
        std::fs::copy(crate::common::sample("client_profile.xlsx"), &file).unwrap();
        files.push(file);
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 48 && exec \"$0\" check \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin!("icare-fix"))
        .args(&files)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    // 1: problems found, in every file (the sample's own).
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("60 files:"), "{stdout}");
    assert!(!stderr.contains("open files"), "{stderr}");
}

/// `check` reads a file a row at a time and runs the rules on a few hundred rows at once: on a
/// file of three such parts, with a problem in each and a record repeated across two parts,
/// it finds exactly what the rules find on the whole book. A file whose notes start past its
/// first rows (so the notes column is known only at the end) is checked again whole: the
/// answer is the same.
#[test]
fn a_file_checked_a_part_at_a_time_gets_the_answer_of_the_whole_file() {
    use icare_fix::check::{Sheet, rules};
    use icare_fix::workbook::lists::ColumnLists;
    use icare_fix::workbook::{GridRow, RowVisitor};

    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let t = "information_orientation";
    // Row 1,000 repeats row 0 (another part); rows 5, 700 and 1,150 each miss a mandatory
    // value or hold one outside its list.
    let mut edits = copy_of_first_row(dir.path(), t, 1_200, 1_000);
    edits.push(Edit::new(5, "client_validation_id", ""));
    edits.push(Edit::new(700, "service_language_id", "Klingon"));
    edits.push(Edit::new(1_150, "client_birth_dt", "2099-01-01"));
    let edited = upload(dir.path(), t, 1_200, &edits);

    let whole_of = |path: &Path| {
        let book = Rejected::open(path, &registry).unwrap();
        let sheet = Sheet {
            book: &book,
            lists: ColumnLists::of_book(&book, &registry).unwrap(),
        };
        let mut problems = rules::check(&sheet, &registry, &CheckOptions { today: today() });
        problems.sort_by_key(|p| (p.row, p.col, p.rule));
        problems
    };
    let streamed = found(&edited);
    assert_eq!(format!("{streamed:?}"), format!("{:?}", whole_of(&edited)));
    let rows: Vec<u32> = streamed.iter().map(|p| p.row).collect();
    for row in [5, 700, 1_000, 1_150] {
        assert!(
            rows.contains(&(synth::DATA_START + row + 1)),
            "row {row}: {rows:?}"
        );
    }
    assert!(
        streamed
            .iter()
            .any(|p| p.rule == Rule::DuplicateRecord && p.message_en.contains("repeats row 4")),
        "{streamed:?}"
    );

    // The same file with one record's row in two pieces, the second after the last row (the
    // XML allows it; the whole grid merges them): checked again whole, the same answer, and no
    // half-row flagged for the fields of its other half.
    let split = dir.path().join("split row.xlsx");
    std::fs::copy(&edited, &split).unwrap();
    let sheet = read_part(&split, "xl/worksheets/sheet1.xml");
    let r = synth::DATA_START + 700 + 1;
    let row = regex::Regex::new(&format!(r#"(<row r="{r}"[^>]*>)(.*?)</row>"#)).unwrap();
    let caps = row.captures(&sheet).unwrap();
    let cells: Vec<&str> = regex::Regex::new(r#"<c [^>]*?(/>|>.*?</c>)"#)
        .unwrap()
        .find_iter(&caps[2])
        .map(|m| m.as_str())
        .collect();
    let (first, second) = cells.split_at(cells.len() / 2);
    let sheet = sheet
        .replacen(
            &caps[0],
            &format!("{}{}</row>", &caps[1], first.concat()),
            1,
        )
        .replacen(
            "</sheetData>",
            &format!(r#"<row r="{r}">{}</row></sheetData>"#, second.concat()),
            1,
        );
    replace_part(&split, "xl/worksheets/sheet1.xml", &sheet);
    struct Nothing;
    impl RowVisitor for Nothing {
        fn row(&mut self, _: &Rejected, _: GridRow) {}
        fn end(&mut self, _: &Rejected) {}
    }
    assert!(
        !Rejected::open_visiting(&split, &registry, &mut Nothing)
            .unwrap()
            .layout_held
    );
    let streamed = found(&split);
    assert_eq!(format!("{streamed:?}"), format!("{:?}", whole_of(&split)));
    assert_eq!(
        format!("{streamed:?}"),
        format!("{:?}", whole_of(&edited)).replace("edited", "split")
    );

    // A file whose notes start past the first rows, in a template column (the identifier
    // type's): the first rows say the notes are in Processing Details, the whole sheet says
    // they are in that column, which the rules then leave alone.
    let profile = Rejected::open(&sample("client_profile.xlsx"), &registry).unwrap();
    let header: Vec<Vec<String>> = (0..profile.data_start)
        .map(|row| {
            (0..profile.codes.len() as u32)
                .map(|col| profile.value(row, col))
                .collect()
        })
        .collect();
    let first = profile.data_start;
    let noted = profile.column_of("client_validation_type_id").unwrap();
    let mut rows: Vec<Vec<String>> = header;
    for n in 0..60u32 {
        let mut row: Vec<String> = (0..profile.codes.len() as u32)
            .map(|col| profile.value(first + n % 3, col))
            .collect();
        row[profile.notes_column.unwrap().col as usize].clear();
        if n >= 45 {
            row[noted as usize] = synth::hostile::NOTE.to_string();
        }
        rows.push(row);
    }
    let late = dir.path().join("late notes.xlsx");
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    crate::common::write_plain_workbook(&late, &rows);
    let visited = Rejected::open_visiting(&late, &registry, &mut Nothing).unwrap();
    assert!(!visited.layout_held, "{:?}", visited.book.notes_column);
    assert_eq!(visited.book.notes.len(), 15);
    assert_eq!(visited.book.notes_column.unwrap().col, noted);
    let streamed = found(&late);
    assert_eq!(format!("{streamed:?}"), format!("{:?}", whole_of(&late)));
    assert!(!streamed.is_empty());
}

/// The same problem in many rows says the same words: held once, across the parts a file is
/// checked in (what keeps `check` of a large file small).
#[test]
fn the_same_message_in_two_parts_of_a_file_is_held_once() {
    let dir = tempfile::tempdir().unwrap();
    let t = "information_orientation";
    let edits = [
        Edit::new(10, "postal_cd", ""),
        Edit::new(590, "postal_cd", ""),
    ];
    let problems = found(&upload(dir.path(), t, 600, &edits));
    let empty: Vec<&Problem> = problems
        .iter()
        .filter(|p| p.rule == Rule::Mandatory && p.field == "postal_cd")
        .collect();
    assert_eq!(empty.len(), 2, "{problems:?}");
    assert_eq!(empty[0].message_en, empty[1].message_en);
    assert!(icare_fix::note::ArcStr::ptr_eq(
        &empty[0].message_en,
        &empty[1].message_en
    ));
    assert!(icare_fix::note::ArcStr::ptr_eq(
        &empty[0].message_fr,
        &empty[1].message_fr
    ));
    assert!(icare_fix::note::ArcStr::ptr_eq(
        &empty[0].field,
        &empty[1].field
    ));
}
