//! Benchmark of `check` on a 2,500-row Information and Orientation upload file (95 columns,
//! hidden list sheets, 88 x14 drop-downs), made by the sample generator, beside `errors` on
//! the same file.
//!
//! Run: `cargo bench --bench check`. Two files: one built to be valid (nothing to report) and
//! the generator's raw rows (each date drawn on its own, so about half the records end
//! before they start: some 1,200 problems to report). For each, the best and the median of
//! several runs, in the library (no process start) and as the command a user runs (the
//! release binary, output to nowhere), and the ratio of `check` to `errors`. Goal: `check`
//! under 250 ms.

mod timing;

use timing::ms;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use icare_fix::check::{CheckOptions, check_files, report};
use icare_fix::output::errors::to_json;
use icare_fix::{Registry, Rejected};
use icare_synth::{self as synth, NoteSet, Spec};

const RUNS: usize = 9;
const ROWS: usize = 2500;

fn time(f: impl FnMut()) -> (Duration, Duration) {
    timing::repeat(RUNS, f)
}

fn main() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().expect("temp dir");
    let valid = dir.path().join("io-2500-valid.xlsx");
    let raw = dir.path().join("io-2500-raw.xlsx");
    let spec = Spec::new("information_orientation", ROWS);
    synth::write_upload(&spec, &registry, &valid, &[]).expect("generate the valid file");
    let raw_spec = Spec {
        notes: NoteSet::None,
        ..spec
    };
    synth::write(&raw_spec, &registry, &raw).expect("generate the raw file");

    let exe = env!("CARGO_BIN_EXE_icare-fix");
    for (name, path) in [("valid upload file", &valid), ("raw generated rows", &raw)] {
        let book = Rejected::open(path, &registry).expect("read the workbook");
        let reports = check_files(
            std::slice::from_ref(path),
            &registry,
            &CheckOptions::default(),
        )
        .expect("check the workbook");
        println!(
            "\n{name}: {} data rows x {} columns, {} KB, {} problems",
            book.row_count(),
            book.codes.len(),
            std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) / 1024,
            reports[0].problems.len()
        );
        println!("{:<40} {:>11} {:>11}", "", "best", "median");
        let (errors_best, errors_median) = time(|| {
            let book = Rejected::open(path, &registry).unwrap();
            std::hint::black_box(to_json(&book));
        });
        line("errors --format json (library)", errors_best, errors_median);
        let (best, median) = time(|| {
            let reports = check_files(
                std::slice::from_ref(path),
                &registry,
                &CheckOptions::default(),
            )
            .unwrap();
            std::hint::black_box(report::to_table(&reports, &registry));
        });
        line("check (library)", best, median);
        let mut cpu = [Duration::MAX; 2];
        let mut wall = [(Duration::ZERO, Duration::ZERO); 2];
        for (k, command) in ["errors", "check"].into_iter().enumerate() {
            wall[k] = time(|| {
                if let Some(t) = run(exe, command, path) {
                    cpu[k] = cpu[k].min(t);
                }
            });
            line(
                &format!("icare-fix {command} (process)"),
                wall[k].0,
                wall[k].1,
            );
        }
        let process_check = wall[1].0;
        println!(
            "check / errors: {:.2} in the library, {:.2} as processes (best wall times)",
            best.as_secs_f64() / errors_best.as_secs_f64(),
            process_check.as_secs_f64() / wall[0].0.as_secs_f64()
        );
        if cpu[0] < Duration::MAX {
            println!(
                "processor time (user + system, best): errors {}, check {}: ratio {:.2}",
                ms(cpu[0]).trim(),
                ms(cpu[1]).trim(),
                cpu[1].as_secs_f64() / cpu[0].as_secs_f64()
            );
        }
        println!(
            "goal (icare-fix check under 250 ms): {}",
            if process_check < Duration::from_millis(250) {
                "met"
            } else {
                "NOT met (is the machine busy? see the load average)"
            }
        );
    }
}

fn line(label: &str, best: Duration, median: Duration) {
    println!("{label:<40} {} {}", ms(best), ms(median));
}

/// Runs `icare-fix COMMAND FILE`, output to nowhere (`check` exits 1 when it finds
/// problems); returns the processor time (user + system) GNU time reports, when it is there.
/// On a busy machine wall time grows with the load, processor time much less.
fn run(exe: &str, command: &str, path: &Path) -> Option<Duration> {
    let report = tempfile::NamedTempFile::new().ok()?;
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut cmd = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "%U %S", "-o"]).arg(report.path()).arg(exe);
        c
    } else {
        Command::new(exe)
    };
    let status = cmd
        .arg(command)
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run icare-fix");
    assert!(matches!(status.code(), Some(0 | 1)), "{command}: {status}");
    let text = std::fs::read_to_string(report.path()).ok()?;
    let seconds: f64 = text
        .lines()
        .last()?
        .split_whitespace()
        .filter_map(|f| f.parse::<f64>().ok())
        .sum();
    gnu_time.then(|| Duration::from_secs_f64(seconds))
}
