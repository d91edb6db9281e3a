//! Writes one synthetic rejected workbook of any template and size, for measuring and trying
//! things by hand: `cargo run --example generate -- TEMPLATE ROWS FILE`, for example
//! `cargo run --example generate -- information_orientation 2500 io.xlsx`. Made-up data only.

use std::path::PathBuf;
use std::process::ExitCode;

use icare_fix::Registry;
use icare_synth::Spec;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [template, rows, file] = args.as_slice() else {
        eprintln!("usage: generate TEMPLATE ROWS FILE (e.g. information_orientation 2500 io.xlsx)");
        return ExitCode::from(2);
    };
    let Ok(rows) = rows.parse::<usize>() else {
        eprintln!("ROWS must be a number, not '{rows}'");
        return ExitCode::from(2);
    };
    let registry = Registry::builtin();
    match icare_synth::write(&Spec::new(template, rows), &registry, &PathBuf::from(file)) {
        Ok(manifest) => {
            eprintln!("wrote {file}: {rows} rows, {} notes", manifest.note_count());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
