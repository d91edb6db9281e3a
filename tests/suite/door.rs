//! One door for every input: a run opens the file it is given a few times at most, counted by
//! the C library's own `open` calls (a counting wrapper preloaded into the process, built here
//! with the system's C compiler), not by trusting the code.

#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{in_ci, sample};

/// A shared library that, preloaded, writes one line to `$ICARE_COUNT_LOG` for every `open`
/// of a path ending in `$ICARE_COUNT_NAME`, then opens as asked.
const COUNTER: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

static void note(const char *path) {
    const char *name = getenv("ICARE_COUNT_NAME");
    const char *log = getenv("ICARE_COUNT_LOG");
    if (!name || !log || !path) return;
    size_t n = strlen(name), p = strlen(path);
    if (p < n || strcmp(path + p - n, name) != 0) return;
    if (p > n && path[p - n - 1] != '/') return;
    static int (*real)(const char *, int, ...) = 0;
    if (!real) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
    int fd = real(log, O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd >= 0) { (void)!write(fd, "open\n", 5); close(fd); }
}

#define WRAP(fn)                                                             \
int fn(const char *path, int flags, ...) {                                   \
    static int (*real)(const char *, int, ...) = 0;                          \
    if (!real) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #fn); \
    va_list ap; va_start(ap, flags); int mode = va_arg(ap, int); va_end(ap); \
    note(path);                                                              \
    return real(path, flags, mode);                                          \
}
WRAP(open)
WRAP(open64)

#define WRAPAT(fn)                                                                \
int fn(int dir, const char *path, int flags, ...) {                               \
    static int (*real)(int, const char *, int, ...) = 0;                          \
    if (!real) real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, #fn); \
    va_list ap; va_start(ap, flags); int mode = va_arg(ap, int); va_end(ap);      \
    note(path);                                                                   \
    return real(dir, path, flags, mode);                                          \
}
WRAPAT(openat)
WRAPAT(openat64)
"#;

/// Builds the counter with `cc`; `None` (said aloud, a failure in CI) without a C compiler.
fn counter(dir: &Path) -> Option<PathBuf> {
    let source = dir.join("count.c");
    let library = dir.join("libcount.so");
    std::fs::write(&source, COUNTER).unwrap();
    let built = Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&library)
        .arg(&source)
        .arg("-ldl")
        .status();
    match built {
        Ok(status) if status.success() => Some(library),
        other => {
            assert!(!in_ci(), "the C compiler `cc` is needed in CI: {other:?}");
            eprintln!("SKIPPED: no working C compiler (`cc`) to build the open counter");
            None
        }
    }
}

/// Runs icare-fix with `args` in `dir`, counting the opens of files named `name`.
fn opens(library: &Path, dir: &Path, name: &str, args: &[&str]) -> usize {
    let log = dir.join(format!("opens-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let out = Command::new(assert_cmd::cargo::cargo_bin!("icare-fix"))
        .args(args)
        .current_dir(dir)
        .env("LD_PRELOAD", library)
        .env("ICARE_COUNT_NAME", name)
        .env("ICARE_COUNT_LOG", &log)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "icare-fix {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let count = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .count();
    let _ = std::fs::remove_file(&log);
    count
}

#[test]
fn the_one_step_run_opens_its_input_at_most_four_times() {
    let tools = tempfile::tempdir().unwrap();
    let Some(library) = counter(tools.path()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let name = "Profil client é.xlsx";
    std::fs::copy(sample("client_profile.xlsx"), dir.path().join(name)).unwrap();

    // The counter counts: reading the file with `errors` opens it at least once.
    let first = opens(&library, dir.path(), name, &[name]);
    assert!(first >= 1, "the counter saw no open at all");
    assert!(
        first <= 4,
        "the one-step run opened its input {first} times"
    );
    assert!(dir.path().join("Profil client é-fixed").is_dir());

    // Run again (everything up to date): still at most four.
    let again = opens(&library, dir.path(), name, &[name]);
    assert!(
        (1..=4).contains(&again),
        "a second run opened its input {again} times"
    );

    // The way back: the rejected file and the annotated workbook, a few times each.
    let annotated = "Profil client é-fixed/Profil client é.annotated.xlsx";
    let original = opens(&library, dir.path(), name, &[annotated]);
    assert!(
        (1..=4).contains(&original),
        "the way back opened the rejected file {original} times"
    );
    let workbook = opens(
        &library,
        dir.path(),
        "Profil client é.annotated.xlsx",
        &[annotated],
    );
    assert!(
        (1..=4).contains(&workbook),
        "the way back opened the annotated workbook {workbook} times"
    );
}
