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
