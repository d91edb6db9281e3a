//! Fuzz target `package_rewrite`: arbitrary bytes as a rejected workbook given to `clean`
//! (the lossless package rewrite with zip + quick-xml), which must never panic, hang or
//! allocate without bound, never change its input, and either write a whole output or leave
//! none (no temporary file either).
//!
//! Input is turned into a file as in `workbook_read` (see `icare_fix_fuzz::parts`). The first
//! byte's lowest bits pick the notes mode (auto, clear, remove), so both layouts' code runs
//! on every package.

#![no_main]

use std::sync::LazyLock;

use icare_fix::Registry;
use icare_fix::output::clean::{CleanOptions, NotesMode, clean};
use libfuzzer_sys::fuzz_target;

static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::builtin);
static DIR: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary folder"));

fuzz_target!(|data: &[u8]| {
    let input = DIR.path().join("in.xlsx");
    let output = DIR.path().join("out.xlsx");
    let _ = std::fs::remove_file(&output);
    let bytes = icare_fix_fuzz::parts::to_file(data);
    std::fs::write(&input, &bytes).expect("write the input");
    let notes = match data.first().map(|b| b % 3) {
        Some(1) => NotesMode::Clear,
        Some(2) => NotesMode::Remove,
        _ => NotesMode::Auto,
    };
    let opts = CleanOptions {
        notes,
        force: true,
        allow_not_rejected: true,
        ..CleanOptions::default()
    };
    let result = clean(&input, &output, &REGISTRY, &opts);
    assert_eq!(
        std::fs::read(&input).expect("read the input back"),
        bytes,
        "the input was changed"
    );
    match result {
        Ok(_) => assert!(output.exists(), "clean succeeded without an output"),
        Err(_) => assert!(!output.exists(), "clean failed but left an output"),
    }
    let leftovers: Vec<_> = std::fs::read_dir(DIR.path())
        .expect("list the folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
});
