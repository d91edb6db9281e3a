//! Benchmark of `icare-fix batch` on 200 generated rejected workbooks: files per second with
//! `--jobs 1` and `--jobs 2`, and the speed-up (goal on a 2-core machine: at least 1.7x).
//!
//! Run: `cargo bench --bench batch`. Each run writes all outputs (upload-ready file,
//! annotated workbook, checklist) and the summary, with `--force` so every file is processed.

use std::process::Command;
use std::time::{Duration, Instant};

use icare_fix::Registry;
use icare_synth::{self as synth, NoteSet};

const FILES: usize = 200;
const RUNS: usize = 3;

fn main() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    let specs: Vec<_> = synth::bundled()
        .into_iter()
        .filter(|(_, s)| s.notes != NoteSet::None)
        .collect();
    let mut bytes = 0u64;
    for i in 0..FILES {
        let (name, spec) = &specs[i % specs.len()];
        let mut spec = spec.clone();
        spec.seed = 1000 + i as u64;
        let path = input.join(format!("{i:03}-{name}"));
        synth::write(&spec, &registry, &path).expect("generate");
        bytes += std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    }
    println!(
        "{FILES} rejected workbooks ({} templates and layouts, {} KB in all)",
        specs.len(),
        bytes / 1024
    );
    let exe = env!("CARGO_BIN_EXE_icare-fix");
    let mut rates = Vec::new();
    for jobs in [1, 2] {
        let out = dir.path().join(format!("out-{jobs}"));
        let best = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let status = Command::new(exe)
                    .args(["batch", "--force", "--jobs", &jobs.to_string(), "--out"])
                    .arg(&out)
                    .arg(&input)
                    .stdout(std::process::Stdio::null())
                    .status()
                    .expect("run icare-fix");
                assert!(status.success(), "batch failed");
                start.elapsed()
            })
            .min()
            .unwrap_or(Duration::ZERO);
        let rate = FILES as f64 / best.as_secs_f64();
        println!(
            "--jobs {jobs}: {:>6.2} s for {FILES} files, {rate:>6.1} files/s (best of {RUNS})",
            best.as_secs_f64()
        );
        rates.push(rate);
    }
    println!("speed-up with 2 jobs: {:.2}x", rates[1] / rates[0]);
}
