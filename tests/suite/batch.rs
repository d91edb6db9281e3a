//! `icare-fix batch` and the one-step default, in the style of cargo's testsuite: an input
//! folder in, the expected set of outputs and summary out.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::{icare_fix, sample};

/// Every file under `root`, as sorted relative paths with `/`.
fn tree(root: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

/// (relative path, SHA-256 of the content, modification time) of every file under `root`.
fn snapshot(root: &Path) -> Vec<(String, String, std::time::SystemTime)> {
    tree(root)
        .into_iter()
        .map(|rel| {
            let path = root.join(&rel);
            let hash = icare_fix::output::annotate::sha256_file(&path).unwrap();
            let time = std::fs::metadata(&path).unwrap().modified().unwrap();
            (rel, hash, time)
        })
        .collect()
}

/// The input folder: samples, a broken file, a workbook that is not a rejected file, a
/// nested folder, and two files with the same name (NAME.xlsx and NAME.xlsm).
fn input_folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rejected files");
    std::fs::create_dir_all(input.join("février")).unwrap();
    for (from, to) in [
        ("client_profile.xlsx", "client_profile.xlsx"),
        ("employment.xlsx", "employment.xlsx"),
        ("employment.xlsx", "employment.xlsm"),
        (
            "client_profile_inserted_column.xlsx",
            "février/client_profile.xlsx",
        ),
        ("original_upload.xlsx", "original upload.xlsx"),
    ] {
        std::fs::copy(sample(from), input.join(to)).unwrap();
    }
    std::fs::write(input.join("broken.xlsx"), b"PK\x03\x04 cut short").unwrap();
    std::fs::write(input.join("notes.txt"), b"not a workbook").unwrap();
    (dir, input)
}

fn expected_outputs(stems: &[&str]) -> BTreeSet<String> {
    stems
        .iter()
        .flat_map(|s| {
            [
                format!("{s}.upload.xlsx"),
                format!("{s}.annotated.xlsx"),
                format!("{s}.checklist.html"),
            ]
        })
        .chain(
            ["summary.xlsx", "summary.json", "summary.checklist.html"]
                .iter()
                .map(|s| s.to_string()),
        )
        .collect()
}

#[test]
fn a_folder_in_gives_every_output_and_a_summary_and_a_rerun_changes_nothing() {
    let (dir, input) = input_folder();
    let out = dir.path().join("out");
    let before_inputs = snapshot(&input);

    let run = icare_fix()
        .args(["batch", "--recursive", "--jobs", "2", "--out"])
        .arg(&out)
        .arg(&input)
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        stdout.contains("failed") && stdout.contains("broken.xlsx"),
        "{stdout}"
    );
    // A file without iCARE notes is checked as a file to upload, with the warning against
    // uploading it twice.
    assert!(
        stdout.contains("checked     ")
            && stdout.contains("original upload.xlsx: no iCARE error notes, so it was checked as a file to upload: 3 errors. If it was uploaded to iCARE already, do not upload it again"),
        "{stdout}"
    );

    // NAME.xlsm comes first in name order and keeps the name (its upload-ready copy stays
    // .xlsm); its NAME.xlsx twin becomes "NAME (2)".
    let mut expected =
        expected_outputs(&["client_profile", "employment (2)", "février/client_profile"]);
    expected.extend([
        "employment.upload.xlsm".to_string(),
        "employment.annotated.xlsx".to_string(),
        "employment.checklist.html".to_string(),
    ]);
    assert_eq!(tree(&out), expected);
    // Inputs untouched, nothing written beside them.
    assert_eq!(snapshot(&input), before_inputs);

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let files = summary["files"].as_array().unwrap();
    let status_of = |name: &str| {
        files
            .iter()
            .find(|f| {
                f["file"]
                    .as_str()
                    .unwrap()
                    .replace('\\', "/")
                    .ends_with(name)
            })
            .unwrap_or_else(|| panic!("{name} in {summary}"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status_of("/client_profile.xlsx"), "done");
    assert_eq!(status_of("février/client_profile.xlsx"), "done");
    assert_eq!(status_of("employment.xlsm"), "done");
    assert_eq!(status_of("employment.xlsx"), "done");
    assert_eq!(status_of("broken.xlsx"), "failed");
    assert_eq!(status_of("original upload.xlsx"), "checked");
    assert!(!summary["identity_clients"].as_array().unwrap().is_empty());

    // The upload-ready outputs have no notes left.
    let registry = icare_fix::Registry::builtin();
    let upload =
        icare_fix::Rejected::open(&out.join("employment (2).upload.xlsx"), &registry).unwrap();
    assert!(upload.notes.is_empty());

    // A second run changes nothing.
    let first = snapshot(&out);
    let rerun = icare_fix()
        .args(["batch", "--recursive", "--out"])
        .arg(&out)
        .arg(&input)
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&rerun.get_output().stdout).into_owned();
    assert!(stdout.contains("up to date"), "{stdout}");
    assert_eq!(snapshot(&out), first);
}

#[test]
fn dry_run_writes_nothing_and_lists_the_plan() {
    let (dir, input) = input_folder();
    let before = snapshot(dir.path());
    icare_fix()
        .args(["batch", "--dry-run"])
        .arg(&input)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("would do"))
        .stdout(predicates::str::contains("client_profile.upload.xlsx"));
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn the_one_step_default_writes_a_fixed_folder_beside_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("Mars 2025.xlsx");
    std::fs::copy(sample("client_profile.xlsx"), &input).unwrap();
    icare_fix()
        .arg(&input)
        .assert()
        .success()
        .stdout(predicates::str::contains("Mars 2025-fixed"));
    // One rejected file: its own checklist, no second one across files.
    let mut expected = expected_outputs(&["Mars 2025"]);
    expected.remove("summary.checklist.html");
    assert_eq!(tree(&dir.path().join("Mars 2025-fixed")), expected);
    // Run again (nothing to write): the clients rejected for identity are pointed to the
    // checklist that exists, the file's own.
    icare_fix()
        .arg(&input)
        .assert()
        .success()
        .stdout(predicates::str::contains("(see Mars 2025.checklist.html)"))
        .stdout(predicates::prelude::PredicateBooleanExt::not(
            predicates::str::contains("summary.checklist.html"),
        ));
}

#[test]
fn a_file_instead_of_a_folder_is_a_usage_error() {
    icare_fix()
        .arg("batch")
        .arg(sample("client_profile.xlsx"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is not a folder"));
}

#[test]
fn a_folder_run_counts_every_file_it_saw_by_reason_and_names_each_once() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("month");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(sample("client_profile.xlsx"), folder.join("rejected.xlsx")).unwrap();
    for name in ["a.xls", "b.xls"] {
        std::fs::write(folder.join(name), b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1").unwrap();
    }
    std::fs::write(folder.join("template.xltx"), b"PK\x03\x04").unwrap();
    std::fs::write(folder.join("broken.xlsx"), b"PK\x03\x04 cut short").unwrap();
    let run = icare_fix().arg("batch").arg(&folder).assert().code(1);
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        stdout.contains("5 files: 1 done, 1 failed, 3 skipped."),
        "{stdout}"
    );
    assert!(
        stdout.contains("  skipped: 1 an Excel template (.xltx), not a rejected file; 2 an old Excel 97-2003 workbook (.xls)"),
        "{stdout}"
    );
    let failed = stdout.lines().find(|l| l.starts_with("failed")).unwrap();
    assert_eq!(failed.matches("broken.xlsx").count(), 1, "{failed}");
    assert!(failed.contains("is damaged or incomplete"), "{failed}");
    assert!(!failed.contains("EOCD"), "{failed}");
}

#[cfg(unix)]
#[test]
fn a_folder_of_more_files_than_the_process_may_hold_open_is_handled_whole() {
    // The door holds each file open while it is worked on: the files kept for the summary
    // must let go of theirs, or a folder of hundreds of rejected files fails part way with
    // "Too many open files". Here the limit is 48 open files and the folder holds 60.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("in");
    std::fs::create_dir(&folder).unwrap();
    for i in 0..60 {
        std::fs::copy(
            sample("client_profile.xlsx"),
            folder.join(format!("f{i:02}.xlsx")),
        )
        .unwrap();
    }
    let bin = assert_cmd::cargo::cargo_bin!("icare-fix");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 48 && exec \"$0\" \"$@\"")
        .arg(bin)
        .arg(&folder)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("60 files: 60 done"), "{stdout}");
    let fixed = dir.path().join("in-fixed");
    for i in [0, 59] {
        assert!(fixed.join(format!("f{i:02}.upload.xlsx")).is_file());
    }
}
