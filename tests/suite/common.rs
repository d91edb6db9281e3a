//! Helpers shared by the suite's modules.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The project's folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A bundled sample by file name.
pub fn sample(name: &str) -> PathBuf {
    root().join("samples").join(name)
}

/// The `icare-fix` binary, ready to run.
pub fn icare_fix() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("icare-fix"));
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// A workbook with one sheet whose rows are `rows` (all text), written with rust_xlsxwriter.
pub fn write_plain_workbook(path: &Path, rows: &[&[&str]]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *value).unwrap();
        }
    }
    wb.save(path).unwrap();
}

/// True when running in CI, where a missing outside program is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The text of one part of a zip package (`xl/worksheets/sheet1.xml`).
pub fn read_part(path: &Path, name: &str) -> String {
    use std::io::Read;
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name} in {}: {e}", path.display()))
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Every `name="value"` attribute pair of every `<tag ...>` element in `xml`, in order.
pub fn elements(xml: &str, tag: &str) -> Vec<std::collections::HashMap<String, String>> {
    let element = regex::Regex::new(&format!(r"<{tag}\b([^>]*)>")).unwrap();
    let attribute = regex::Regex::new(r#"([\w:]+)="([^"]*)""#).unwrap();
    element
        .captures_iter(xml)
        .map(|c| {
            attribute
                .captures_iter(&c[1])
                .map(|a| (a[1].to_string(), a[2].to_string()))
                .collect()
        })
        .collect()
}

/// Copies a bundled sample into a fresh temporary folder (so tests never write beside the
/// samples) and returns the folder and the copy's path.
pub fn sample_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::copy(sample(name), &path).unwrap();
    (dir, path)
}
