//! Writes the bundled synthetic samples (`icare_synth::bundled`) into `samples/`, or into
//! the folder given as the only argument: `cargo run --example make_samples [-- DIR]`.
//!
//! Existing files of the same names are replaced; other files in the folder are left alone.

use std::path::PathBuf;
use std::process::ExitCode;

use icare_fix::Registry;
use icare_synth as synth;

fn main() -> ExitCode {
    let dir = match std::env::args_os().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples"),
    };
    let registry = Registry::builtin();
    match synth::write_bundled(&dir, &registry) {
        Ok(paths) => {
            for path in &paths {
                println!("{}", path.display());
            }
            eprintln!("wrote {} samples into {}", paths.len(), dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
