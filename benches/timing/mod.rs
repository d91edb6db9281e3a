//! The timing helpers the benchmarks share: run something several times, keep the best and
//! the median, print milliseconds; run a program as a child process under GNU time for its
//! wall time, processor time and peak memory. (Not a bench target itself: cargo only builds
//! the files directly in `benches/`.) Each bench uses some of them, so the others are unused there.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// The time of one run of `f`.
pub fn once(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// The best and the median of `times` (sorted in place).
pub fn best_median(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    (times[0], times[times.len() / 2])
}

/// `f` run `runs` times: the best and the median.
pub fn repeat(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs).map(|_| once(&mut f)).collect();
    best_median(&mut times)
}

/// A duration in milliseconds, right-aligned for a table.
pub fn ms(d: Duration) -> String {
    format!("{:>8.1} ms", d.as_secs_f64() * 1000.0)
}

/// One run of a program as a child process: wall time, processor time (user + system) and
/// peak resident memory, the last two as GNU time (`/usr/bin/time`) reports them.
#[derive(Debug, Clone, Copy)]
pub struct Process {
    pub wall: Duration,
    pub cpu: Option<Duration>,
    pub peak_mb: Option<f64>,
}

/// Whether GNU time is there to report processor time and peak memory (Debian package `time`).
pub fn gnu_time() -> bool {
    std::path::Path::new("/usr/bin/time").exists()
}

/// Runs `program args` once under GNU time (when there), its output thrown away; fails when
/// it exits with a code not in `ok` (most commands: `&[0]`; `check` finding problems: 1).
pub fn process(
    program: impl AsRef<std::ffi::OsStr>,
    args: &[&std::ffi::OsStr],
    ok: &[i32],
) -> Result<Process, String> {
    use std::process::{Command, Stdio};
    let program = program.as_ref();
    let report = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    let mut cmd = if gnu_time() {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "%U %S %M", "-o"])
            .arg(report.path())
            .arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::null());
    let start = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| format!("{}: {e}", program.to_string_lossy()))?;
    let wall = start.elapsed();
    if !out.status.code().is_some_and(|c| ok.contains(&c)) {
        return Err(format!(
            "{} failed ({}): {}",
            program.to_string_lossy(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // GNU time writes "Command exited with non-zero status N" first when the code is not 0.
    let text = std::fs::read_to_string(report.path()).unwrap_or_default();
    let fields: Vec<f64> = text
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let (cpu, peak_mb) = match fields[..] {
        [user, system, kb] => (
            Some(Duration::from_secs_f64(user + system)),
            Some(kb / 1024.0),
        ),
        _ => (None, None),
    };
    Ok(Process { wall, cpu, peak_mb })
}

/// The run of median wall time (with its processor time) and the largest peak of all runs.
pub fn median_process(runs: &[Process]) -> Process {
    let mut sorted = runs.to_vec();
    sorted.sort_by_key(|r| r.wall);
    let peak_mb = runs.iter().filter_map(|r| r.peak_mb).reduce(f64::max);
    Process {
        peak_mb,
        ..sorted[sorted.len() / 2]
    }
}

/// The run of least wall time (with its processor time) and the largest peak of all runs.
pub fn best_process(runs: &[Process]) -> Process {
    let peak_mb = runs.iter().filter_map(|r| r.peak_mb).reduce(f64::max);
    let best = runs
        .iter()
        .min_by_key(|r| r.wall)
        .expect("at least one run");
    Process { peak_mb, ..*best }
}

/// Prints the processors and the load average (Linux), which say how noisy wall times are.
pub fn print_machine() {
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!(
            "Machine: {} processors, load average {} (other work slows wall times; processor times are steadier).",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            load.join(" ")
        );
    }
}

/// "0.412 s (0.38)": wall seconds and processor seconds.
pub fn wall_cpu(run: &Process) -> String {
    let cpu = run
        .cpu
        .map_or_else(|| "?".to_string(), |c| format!("{:.2}", c.as_secs_f64()));
    format!("{:.3} s ({cpu})", run.wall.as_secs_f64())
}

/// "104 MB", or "n/a" without GNU time.
pub fn peak(run: &Process) -> String {
    run.peak_mb
        .map_or_else(|| "n/a".to_string(), |m| format!("{m:.0} MB"))
}
