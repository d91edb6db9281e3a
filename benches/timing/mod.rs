//! The timing helpers the benchmarks share: run something several times, keep the best and
//! the median, print milliseconds. (Not a bench target itself: cargo only builds the files
//! directly in `benches/`.) Each bench uses some of them, so the others are unused there.
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
