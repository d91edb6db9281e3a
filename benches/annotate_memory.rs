//! Peak memory and time of `annotate` (the annotated workbook) on generated Information and
//! Orientation workbooks of 2,500 and 10,000 rows (95 columns), as the command a user runs.
//!
//! Run: `cargo bench --bench annotate_memory`. Peak memory is the maximum resident set size
//! GNU time reports (`/usr/bin/time`, Debian package `time`). To compare with another build,
//! give its binary: `ICARE_FIX_BEFORE=/path/to/icare-fix cargo bench --bench annotate_memory`.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use icare_fix::Registry;
use icare_synth::{self as synth, Spec};

/// Runs `binary annotate input -o output --force`; wall seconds and peak resident MB.
fn run(binary: &Path, input: &Path, output: &Path) -> (f64, Option<f64>) {
    let report = tempfile::NamedTempFile::new().expect("a temporary file");
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut cmd = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "%M", "-o"]).arg(report.path()).arg(binary);
        c
    } else {
        Command::new(binary)
    };
    cmd.arg("annotate")
        .arg(input)
        .arg("-o")
        .arg(output)
        .arg("--force");
    let start = Instant::now();
    let out = cmd.output().expect("run annotate");
    let secs = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "annotate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak = std::fs::read_to_string(report.path())
        .ok()
        .and_then(|t| t.lines().last()?.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0);
    (secs, peak)
}

fn main() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let current = Path::new(env!("CARGO_BIN_EXE_icare-fix")).to_path_buf();
    let before = std::env::var_os("ICARE_FIX_BEFORE").map(std::path::PathBuf::from);
    if !Path::new("/usr/bin/time").exists() {
        println!("/usr/bin/time not found (Debian package `time`): times only.");
    }
    println!(
        "{:>7} | {:>22} | {:>22}",
        "rows", "this build: time, peak", "before: time, peak"
    );
    for rows in [2_500usize, 10_000] {
        let input = dir.path().join(format!("io {rows}.xlsx"));
        let spec = Spec {
            seed: 7,
            ..Spec::new("information_orientation", rows)
        };
        synth::write(&spec, &registry, &input).expect("generated workbook");
        let output = dir.path().join(format!("io {rows}.annotated.xlsx"));
        let show = |(secs, peak): (f64, Option<f64>)| {
            format!(
                "{secs:.2} s, {}",
                peak.map_or("? MB".into(), |p| format!("{p:.0} MB"))
            )
        };
        let now = show(run(&current, &input, &output));
        let then = before
            .as_deref()
            .map_or_else(|| "-".to_string(), |b| show(run(b, &input, &output)));
        println!("{rows:>7} | {now:>22} | {then:>22}");
    }
}
