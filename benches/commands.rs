//! Benchmark of `errors` and `annotate` on a 2,500-row Information and Orientation workbook
//! (95 columns, hidden list sheets, x14 validations), made by the sample generator.
//!
//! Run: `cargo bench --bench commands`. Prints, for each, the best and the median of several
//! runs, in the library (no process start) and as the command a user runs (the release
//! binary, output to a file). Goals: `errors` under 100 ms, `annotate` under 1 s. Then the
//! way back from the annotated workbook to the upload file: as written (rows matched by their
//! record keys), and with the Processing Details column deleted (rows matched by values).

mod timing;

use timing::ms;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use icare_fix::output::annotate::{AnnotateOptions, annotate};
use icare_fix::output::clean::CleanOptions;
use icare_fix::output::errors::to_json;
use icare_fix::output::way_back::{AnnotatedInfo, WayBackOptions, way_back};
use icare_fix::{Registry, Rejected};
use icare_synth::{self as synth, Spec};

const RUNS: usize = 9;

fn time(f: impl FnMut()) -> (Duration, Duration) {
    timing::repeat(RUNS, f)
}

fn main() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("io-2500.xlsx");
    let spec = Spec::new("information_orientation", 2500);
    synth::write(&spec, &registry, &input).expect("generate the workbook");
    let size = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
    let book = Rejected::open(&input, &registry).expect("read the workbook");
    println!(
        "Workbook: {} data rows x {} columns, {} notes, {} KB (Information and Orientation, generated)",
        book.row_count(),
        book.codes.len(),
        book.notes.len(),
        size / 1024
    );
    println!("{:<44} {:>11} {:>11}", "", "best", "median");

    let (best, median) = time(|| {
        let book = Rejected::open(&input, &registry).unwrap();
        std::hint::black_box(to_json(&book));
    });
    println!(
        "{:<44} {} {}",
        "errors --format json (library)",
        ms(best),
        ms(median)
    );

    let exe = env!("CARGO_BIN_EXE_icare-fix");
    for (label, args) in [
        (
            "icare-fix errors --format json > file",
            &["errors", "--format", "json"][..],
        ),
        ("icare-fix errors (table) > file", &["errors"][..]),
    ] {
        let (best, median) = time(|| {
            let status = Command::new(exe)
                .args(args)
                .arg(&input)
                .stdout(std::process::Stdio::null())
                .status()
                .expect("run icare-fix");
            assert!(status.success());
        });
        println!("{label:<44} {} {}", ms(best), ms(median));
    }

    let out = dir.path().join("annotated.xlsx");
    let opts = AnnotateOptions {
        force: true,
        ..AnnotateOptions::default()
    };
    let (best, median) = time(|| {
        let book = Rejected::open(&input, &registry).unwrap();
        annotate(&book, &registry, &out, &opts).unwrap();
    });
    println!(
        "{:<44} {} {}",
        "annotate (library, read + write)",
        ms(best),
        ms(median)
    );
    let (best, median) = time(|| run(exe, &["annotate", "--force", "-o"], &out, &input));
    println!(
        "{:<44} {} {}",
        "icare-fix annotate (process)",
        ms(best),
        ms(median)
    );

    let info = AnnotatedInfo::read(&out).expect("an annotated workbook");
    let upload = dir.path().join("annotated.upload.xlsx");
    let way_back_opts = WayBackOptions {
        original: Some(input.clone()),
        clean: CleanOptions {
            force: true,
            ..CleanOptions::default()
        },
        ..WayBackOptions::default()
    };
    let (best, median) = time(|| {
        way_back(&out, &info, &registry, &way_back_opts).unwrap();
    });
    println!(
        "{:<44} {} {}",
        "way back, rows by key (library)",
        ms(best),
        ms(median)
    );
    without_first_column(&out);
    let (best, median) = time(|| {
        let done = way_back(&out, &info, &registry, &way_back_opts).unwrap();
        assert_eq!(done.plan.kept(), book.row_count());
    });
    println!(
        "{:<44} {} {}",
        "way back, notes column deleted (library)",
        ms(best),
        ms(median)
    );
    assert!(upload.exists());
}

/// The annotated workbook with its first column (the notes) deleted, as a user would in
/// Excel: its first sheet rewritten without it, the document properties kept.
fn without_first_column(path: &Path) {
    use calamine::{Reader, Xlsx};
    let info = AnnotatedInfo::read(path).unwrap();
    let mut wb: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    drop(wb);
    let mut book = rust_xlsxwriter::Workbook::new();
    let mut props = rust_xlsxwriter::DocProperties::new()
        .set_custom_property("icare-fix source file", info.source_name.as_str())
        .set_custom_property("icare-fix source SHA-256", info.source_sha256.as_str());
    if let Some(p) = &info.source_path {
        props = props.set_custom_property("icare-fix source path", p.display().to_string());
    }
    book.set_properties(&props);
    let ws = book.add_worksheet();
    ws.set_name(&name).unwrap();
    for (r, c, value) in range.used_cells() {
        if c > 0 {
            ws.write_string(r as u32, c as u16 - 1, value.to_string())
                .unwrap();
        }
    }
    book.save(path).unwrap();
}

fn run(exe: &str, args: &[&str], out: &Path, input: &Path) {
    let status = Command::new(exe)
        .args(args)
        .arg(out)
        .arg(input)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run icare-fix");
    assert!(status.success());
}
