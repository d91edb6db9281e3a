//! Peak memory and time of the commands a user runs on one rejected workbook: `annotate`,
//! `errors --format json`, `checklist`, `clean`, and `check` on the upload file `clean`
//! wrote, on generated Information and Orientation workbooks of 2,500 and 10,000 rows (95
//! columns), each as the release binary run as a child process.
//!
//! Run: `cargo bench --bench annotate_memory`. Peak memory is the largest maximum resident
//! set size GNU time reports (`/usr/bin/time`, Debian package `time`) over the runs; time is
//! the median wall time (with that run's processor time). To compare with another build,
//! give its binary: `ICARE_FIX_BEFORE=/path/to/icare-fix cargo bench --bench annotate_memory`.

mod timing;

use std::ffi::OsStr;
use std::path::Path;

use icare_fix::Registry;
use icare_synth::{self as synth, Spec};
use timing::{Process, median_process, peak, process, wall_cpu};

/// Counted runs of each command (after one warm-up run).
const RUNS: usize = 3;

/// A command's name in the table and its arguments (outputs in `dir`, replaced each run).
fn commands(input: &Path, dir: &Path) -> Vec<(&'static str, Vec<std::ffi::OsString>, Vec<i32>)> {
    let upload = dir.join("io.upload.xlsx");
    let args = |list: &[&OsStr]| list.iter().map(|a| a.to_os_string()).collect::<Vec<_>>();
    let input = input.as_os_str();
    vec![
        (
            "annotate",
            args(&[
                "annotate".as_ref(),
                input,
                "-o".as_ref(),
                dir.join("io.annotated.xlsx").as_os_str(),
                "--force".as_ref(),
            ]),
            vec![0],
        ),
        (
            "errors --format json",
            args(&[
                "errors".as_ref(),
                "--format".as_ref(),
                "json".as_ref(),
                input,
                "-o".as_ref(),
                dir.join("io.errors.json").as_os_str(),
                "--force".as_ref(),
            ]),
            vec![0],
        ),
        (
            "checklist",
            args(&[
                "checklist".as_ref(),
                input,
                "-o".as_ref(),
                dir.join("io.checklist.html").as_os_str(),
                "--force".as_ref(),
            ]),
            vec![0],
        ),
        (
            "clean",
            args(&[
                "clean".as_ref(),
                input,
                "-o".as_ref(),
                upload.as_os_str(),
                "--force".as_ref(),
            ]),
            vec![0],
        ),
        // On the upload file clean wrote; exit code 1 says it found something to report.
        (
            "check (upload file)",
            args(&[
                "check".as_ref(),
                upload.as_os_str(),
                "-o".as_ref(),
                dir.join("io.check.txt").as_os_str(),
                "--force".as_ref(),
            ]),
            vec![0, 1],
        ),
    ]
}

/// One warm-up run, then [`RUNS`] counted: the median time and the largest peak.
fn measure(binary: &Path, args: &[std::ffi::OsString], ok: &[i32]) -> Process {
    let args: Vec<&OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let runs: Vec<Process> = (0..=RUNS)
        .map(|_| process(binary, &args, ok).expect("the command runs"))
        .skip(1)
        .collect();
    median_process(&runs)
}

fn main() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let current = Path::new(env!("CARGO_BIN_EXE_icare-fix")).to_path_buf();
    let before = std::env::var_os("ICARE_FIX_BEFORE").map(std::path::PathBuf::from);
    if !timing::gnu_time() {
        println!("/usr/bin/time not found (Debian package `time`): times only.");
    }
    let mut lines = Vec::new();
    for rows in [2_500usize, 10_000] {
        let input = dir.path().join(format!("io {rows}.xlsx"));
        let spec = Spec {
            seed: 7,
            ..Spec::new("information_orientation", rows)
        };
        let manifest = synth::write(&spec, &registry, &input).expect("generated workbook");
        let size_mb = std::fs::metadata(&input).map_or(0.0, |m| m.len() as f64 / 1e6);
        println!(
            "{rows} rows x 95 columns: {} notes, {size_mb:.1} MB file",
            manifest.note_count()
        );
        let out = dir.path().join(format!("out {rows}"));
        std::fs::create_dir_all(&out).expect("an output folder");
        for (name, args, ok) in commands(&input, &out) {
            let now = measure(&current, &args, &ok);
            let then = before.as_deref().map(|b| measure(b, &args, &ok));
            lines.push((rows, name, now, then));
        }
    }
    println!();
    println!(
        "{:>7} | {:<20} | {:>18} | {:>8} | {:>6} | {:>18} | {:>8}",
        "rows", "command", "this build (cpu)", "peak", "growth", "before (cpu)", "peak"
    );
    println!("{}", "-".repeat(105));
    for (rows, name, now, then) in &lines {
        // Peak at this size over the peak at the smallest size, for the same command.
        let growth = lines
            .iter()
            .find(|(r, n, _, _)| n == name && *r < *rows)
            .and_then(|(_, _, small, _)| Some(now.peak_mb? / small.peak_mb?))
            .map_or_else(|| "-".to_string(), |g| format!("{g:.2}x"));
        let (then_time, then_peak) = then
            .as_ref()
            .map_or(("-".to_string(), "-".to_string()), |t| {
                (wall_cpu(t), peak(t))
            });
        println!(
            "{rows:>7} | {name:<20} | {:>18} | {:>8} | {growth:>6} | {:>18} | {:>8}",
            wall_cpu(now),
            peak(now),
            then_time,
            then_peak
        );
    }
    println!();
    println!(
        "Times: median wall of {RUNS} runs after a warm-up (processor time of that run); peak: the largest maximum resident set size; growth: peak over the peak at 2,500 rows."
    );
    println!(
        "Goals (issue #24) at 10,000 rows: annotate <= 150 MB, errors, checklist and check <= 60 MB each; growth from 2,500 rows <= 1.5x (annotate 2x); clean flat."
    );
}
