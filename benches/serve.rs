//! Benchmark of the page (`icare-fix serve`) against the command line on a 2,500-row
//! Information and Orientation workbook made by the sample generator.
//!
//! Run: `cargo bench --bench serve`. The page: from posting the file to the page's answer read
//! whole and parsed (what the page needs to show its results and offer the downloads). The
//! command line: `icare-fix FILE`, the one-step run writing the same outputs (upload file,
//! annotated workbook, checklist, and the summary), in a fresh folder each time. Prints the
//! best and the median of several runs of each, and the page's median over the command
//! line's. Goal: within 20% (a ratio of 1.20 or less).

mod timing;

use timing::ms;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};

use icare_fix::Registry;
use icare_synth::{self as synth, Spec};

const RUNS: usize = 7;

/// Posts `bytes` as the file `name` to the page at `port` and returns the answer's body.
fn post(port: u16, token: &str, name: &str, bytes: &[u8]) -> Vec<u8> {
    let boundary = "icare-fix-bench-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = format!(
        "POST /api/process?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the page");
    stream.write_all(head.as_bytes()).expect("send");
    stream.write_all(&body).expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read the answer");
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer[..split])
    );
    answer.split_off(split + 4)
}

fn main() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("io-2500.xlsx");
    synth::write(
        &Spec::new("information_orientation", 2500),
        &registry,
        &input,
    )
    .expect("generate the workbook");
    let bytes = std::fs::read(&input).expect("read the workbook");
    println!(
        "Workbook: 2,500 rows, {} KB (Information and Orientation, generated)",
        bytes.len() / 1024
    );
    println!("{:<44} {:>11} {:>11}", "", "best", "median");
    let exe = env!("CARGO_BIN_EXE_icare-fix");

    let one_step = || {
        let run = tempfile::tempdir().expect("temp dir");
        let copy = run.path().join("io-2500.xlsx");
        std::fs::copy(&input, &copy).expect("copy");
        let status = Command::new(exe)
            .arg(&copy)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run icare-fix");
        assert!(status.success());
    };
    let (port, token, mut child) = start_page(exe);
    let mut size = 0;
    let mut page = || {
        let body = post(port, &token, "io-2500.xlsx", &bytes);
        size = body.len();
        let answer: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(answer["files"][0]["status"], "done");
    };
    // Warm both (files in the system's cache, the page's first run), then time them in turn,
    // so that both see the same load from the rest of the machine.
    one_step();
    page();
    let mut cli_times = Vec::new();
    let mut page_times = Vec::new();
    for _ in 0..RUNS {
        cli_times.push(timing::once(one_step));
        page_times.push(timing::once(&mut page));
    }
    let (cli_best, cli) = timing::best_median(&mut cli_times);
    let (page_best, page_median) = timing::best_median(&mut page_times);
    println!(
        "{:<44} {} {}",
        "icare-fix FILE (one step)",
        ms(cli_best),
        ms(cli)
    );
    println!(
        "{:<44} {} {}",
        "the page: post to results",
        ms(page_best),
        ms(page_median)
    );
    println!("the page's answer: {} KB", size / 1024);
    println!(
        "page / command line: {:.2} (medians), {:.2} (best) (goal: 1.20 or less)",
        page_median.as_secs_f64() / cli.as_secs_f64(),
        page_best.as_secs_f64() / cli_best.as_secs_f64()
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// Starts `icare-fix serve --no-open --port 0`; its port, token and process.
fn start_page(exe: impl AsRef<Path>) -> (u16, String, std::process::Child) {
    let mut child = Command::new(exe.as_ref())
        .args(["serve", "--no-open", "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the page");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the address");
    let rest = line
        .trim()
        .strip_prefix("http://127.0.0.1:")
        .expect("the address first");
    let (port, token) = rest.split_once("/?token=").expect("a token");
    (port.parse().expect("a port"), token.to_string(), child)
}
