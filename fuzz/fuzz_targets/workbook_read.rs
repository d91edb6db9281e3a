//! Fuzz target `workbook_read`: arbitrary bytes as a file given to `Rejected::open`, which
//! must answer with a workbook or an error and never panic, hang or allocate without bound
//! (run with `-rss_limit_mb=2048`; libFuzzer then also fails any single allocation above it).
//!
//! Input that starts with `PK` or with an OLE2 signature is written as is. Anything else is
//! read as a list of zip parts (see `icare_fix_fuzz::parts`) and packed into a zip with
//! correct checksums, so that mutations reach the XML inside instead of stopping at the zip's
//! CRC check.

#![no_main]

use std::sync::LazyLock;

use icare_fix::{Registry, Rejected};
use libfuzzer_sys::fuzz_target;

static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::builtin);
static DIR: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary folder"));

fuzz_target!(|data: &[u8]| {
    let path = DIR.path().join("fuzz.xlsx");
    std::fs::write(&path, icare_fix_fuzz::parts::to_file(data)).expect("write the input");
    if let Ok(book) = Rejected::open(&path, &REGISTRY) {
        // What the commands do with an opened book must not panic either.
        for note in &book.notes {
            let _ = note.cell_names();
            let _ = book.client(note.row);
        }
        let _ = icare_fix::output::errors::to_json(&book);
        let _ = icare_fix::output::errors::to_table(&book, &REGISTRY);
        let opts = icare_fix::check::CheckOptions::default();
        if let Ok(reports) = icare_fix::check::check_books(&[&book], &REGISTRY, &opts) {
            let _ = icare_fix::check::report::to_table(&reports, &REGISTRY);
        }
    }
});
