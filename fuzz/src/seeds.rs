//! Writes the seed corpora of the fuzz targets into `fuzz/corpus/<target>/`: iCARE notes in
//! every known shape, and small synthetic rejected workbooks (raw and in the parts text form
//! of `icare_fix_fuzz::parts`). Nothing here is real data.
//!
//! Run from the project folder: `cargo run --manifest-path fuzz/Cargo.toml --bin seeds`.

use std::path::Path;


use icare_synth::seeds::{NOTES, rejected};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let notes_dir = root.join("note_parser");
    std::fs::create_dir_all(&notes_dir)?;
    for (i, note) in NOTES.iter().enumerate() {
        std::fs::write(notes_dir.join(format!("seed-{i}")), note)?;
    }

    let books = [
        ("inserted", rejected(true, false)?),
        ("native", rejected(false, false)?),
        ("hidden", rejected(false, true)?),
    ];
    for dir in ["workbook_read", "package_rewrite"] {
        let dir = root.join(dir);
        std::fs::create_dir_all(&dir)?;
        for (name, bytes) in &books {
            std::fs::write(dir.join(format!("seed-{name}.xlsx")), bytes)?;
            std::fs::write(
                dir.join(format!("seed-{name}.parts")),
                icare_fix_fuzz::parts::from_zip(bytes)?,
            )?;
        }
    }
    println!("Wrote the seeds in {}", root.display());
    Ok(())
}

