//! `icare-fix serve` over HTTP: the real binary started with `--no-open --port 0`, its
//! address read from the first line of stdout, requests written by hand on a TCP socket (so
//! the `Host` and `Origin` headers are exactly what each test says).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};

use base64::Engine as _;

use crate::common::{icare_fix, sample, sample_copy};

/// A running `icare-fix serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    pub token: String,
    /// The temporary folder the server says it uses.
    pub work: PathBuf,
    /// What it said after the address (whether the page was opened, how to stop it).
    pub said: String,
    _stderr: BufReader<ChildStderr>,
}

impl Server {
    pub fn start() -> Server {
        Server::start_with(&["serve", "--no-open", "--port", "0"], &[])
    }

    /// Starts the program with `args` and extra environment variables.
    fn start_with(args: &[&str], env: &[(&str, &Path)]) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin!("icare-fix"))
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut address = String::new();
        stdout.read_line(&mut address).unwrap();
        let mut said = String::new();
        stdout.read_line(&mut said).unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let address = address.trim();
        let rest = address
            .strip_prefix("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("first line is not the address: {address:?} {line}"));
        let (port, token) = rest.split_once("/?token=").unwrap();
        let work = line
            .trim()
            .rsplit_once(": ")
            .map(|(_, p)| PathBuf::from(p))
            .unwrap_or_else(|| panic!("no temporary folder line: {line:?}"));
        assert!(work.is_dir(), "{}", work.display());
        Server {
            child,
            port: port.parse().unwrap(),
            token: token.to_string(),
            work,
            said,
            _stderr: stderr,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}?token={}", self.port, self.token)
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `GET path?token=...` with the right Host.
    fn get(&self, path: &str) -> Response {
        let target = format!("{path}?token={}", self.token);
        send(self.port, &request("GET", &target, &self.host(), &[], &[]))
    }

    /// Posts `files` (name, bytes) to the processing address from the page's origin.
    fn post_files(&self, files: &[(&str, Vec<u8>)]) -> Response {
        let (content_type, body) = multipart(files);
        let target = format!("/api/process?token={}", self.token);
        let origin = self.origin();
        send(
            self.port,
            &request(
                "POST",
                &target,
                &self.host(),
                &[("Origin", &origin), ("Content-Type", &content_type)],
                &body,
            ),
        )
    }

    /// Presses Quit and waits for the program to end; its exit status.
    pub fn quit(mut self) -> std::process::ExitStatus {
        let target = format!("/api/quit?token={}", self.token);
        let origin = self.origin();
        let answer = send(
            self.port,
            &request("POST", &target, &self.host(), &[("Origin", &origin)], &[]),
        );
        assert_eq!(answer.status, 200, "{}", answer.text());
        self.child.wait().unwrap()
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Files left in the temporary folder.
    fn leftovers(&self) -> Vec<PathBuf> {
        walkdir::WalkDir::new(&self.work)
            .min_depth(1)
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.running() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An HTTP answer, read back.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> serde_json::Value {
        assert_eq!(self.status, 200, "{}", self.text());
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A whole HTTP/1.1 request, closing the connection after the answer.
fn request(
    method: &str,
    target: &str,
    host: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Sends `raw` and reads the answer. The request is written from another thread, so an
/// answer sent before the whole body is read (413) is still received.
fn send(port: u16, raw: &[u8]) -> Response {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let raw = raw.to_vec();
    let writing = std::thread::spawn(move || {
        let _ = writer.write_all(&raw);
    });
    let mut reader = BufReader::new(stream);
    let response = read_response(&mut reader);
    let _ = reader.get_ref().shutdown(std::net::Shutdown::Both);
    let _ = writing.join();
    response
}

fn read_response(reader: &mut BufReader<TcpStream>) -> Response {
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .unwrap_or_else(|| panic!("no status line: {status_line:?}"))
        .parse()
        .unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse::<usize>().unwrap());
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body).unwrap();
        }
        None => {
            reader.read_to_end(&mut body).unwrap();
        }
    }
    Response {
        status,
        headers,
        body,
    }
}

/// A multipart/form-data body with one `files` field per file.
fn multipart(files: &[(&str, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "icare-fix-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn sample_bytes(name: &str) -> Vec<u8> {
    std::fs::read(sample(name)).unwrap()
}

/// The answer's entry for the file `name`.
fn file<'a>(answer: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    answer["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in the answer: {answer}"))
}

/// The bytes of the download `name` of a file's entry.
fn download(entry: &serde_json::Value, name: &str) -> Vec<u8> {
    let d = entry["downloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no download {name} in {}", entry["name"]));
    base64::engine::general_purpose::STANDARD
        .decode(d["data"].as_str().unwrap())
        .unwrap()
}

/// The upload file `icare-fix clean` writes for a sample.
pub fn clean_output(name: &str) -> Vec<u8> {
    let (dir, input) = sample_copy(name);
    let output = dir.path().join("out.xlsx");
    icare_fix()
        .arg("clean")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .assert()
        .success();
    std::fs::read(output).unwrap()
}

fn assert_protected(answer: &Response) {
    let csp = answer.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
}

#[test]
fn every_request_needs_the_token() {
    let server = Server::start();
    let host = server.host();
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(
        page.text().contains(&server.token),
        "the page carries its token"
    );
    assert_protected(&page);
    for target in [
        "/".to_string(),
        "/app.js".to_string(),
        "/?token=".to_string(),
        format!("/?token={}0", server.token),
        format!("/?token={}", &server.token[1..]),
    ] {
        let refused = send(server.port, &request("GET", &target, &host, &[], &[]));
        assert_eq!(refused.status, 403, "{target}");
        assert_protected(&refused);
    }
    for path in ["/app.js", "/style.css"] {
        let asset = server.get(path);
        assert_eq!(asset.status, 200, "{path}");
        assert_protected(&asset);
    }
}

#[test]
fn only_the_loopback_host_is_answered() {
    let server = Server::start();
    let target = format!("/?token={}", server.token);
    let other_port = format!("127.0.0.1:{}", server.port.wrapping_add(1));
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{}", server.port),
        other_port,
        String::new(),
    ] {
        let answer = send(server.port, &request("GET", &target, &host, &[], &[]));
        assert_eq!(answer.status, 403, "Host {host:?}");
        assert_protected(&answer);
    }
    for host in [
        format!("localhost:{}", server.port),
        format!("127.0.0.1:{}", server.port),
    ] {
        let answer = send(server.port, &request("GET", &target, &host, &[], &[]));
        assert_eq!(answer.status, 200, "Host {host:?}");
    }
}

#[test]
fn only_the_page_itself_may_send_files_or_quit() {
    let mut server = Server::start();
    let (content_type, body) = multipart(&[("a.xlsx", sample_bytes("client_profile.xlsx"))]);
    let process = format!("/api/process?token={}", server.token);
    let quit = format!("/api/quit?token={}", server.token);
    let host = server.host();
    for origin in [None, Some("http://evil.example"), Some("null")] {
        let mut headers = vec![("Content-Type", content_type.as_str())];
        headers.extend(origin.map(|o| ("Origin", o)));
        let answer = send(
            server.port,
            &request("POST", &process, &host, &headers, &body),
        );
        assert_eq!(answer.status, 403, "Origin {origin:?}");
        let answer = send(
            server.port,
            &request("POST", &quit, &host, &headers[1..], &[]),
        );
        assert_eq!(answer.status, 403, "Origin {origin:?}");
    }
    assert!(server.running(), "a refused Quit leaves the page running");
    let localhost = format!("http://localhost:{}", server.port);
    let answer = send(
        server.port,
        &request(
            "POST",
            &process,
            &host,
            &[("Origin", &localhost), ("Content-Type", &content_type)],
            &body,
        ),
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
}

#[test]
fn a_file_over_the_input_limit_is_refused_with_413() {
    let server = Server::start();
    let limit = icare_fix::workbook::read::MAX_FILE_BYTES as usize;
    let answer = server.post_files(&[("big.xlsx", vec![b'x'; limit + 1])]);
    assert_eq!(answer.status, 413, "{}", answer.text());
    let refusal: serde_json::Value = serde_json::from_str(&answer.text()).unwrap();
    assert!(
        refusal["en"].as_str().unwrap().contains("200 MB"),
        "{refusal}"
    );
    assert!(
        refusal["fr"].as_str().unwrap().contains("200 Mo"),
        "{refusal}"
    );
    assert_protected(&answer);
    assert_eq!(server.leftovers(), Vec::<PathBuf>::new());
    // The page goes on working.
    let answer = server.post_files(&[("a.xlsx", sample_bytes("client_profile.xlsx"))]);
    assert_eq!(file(&answer.json(), "a.xlsx")["status"], "done");
}

#[test]
fn a_bad_file_gets_the_command_lines_message_and_the_others_are_processed() {
    let server = Server::start();
    let junk = b"these are not the droids".to_vec();
    let answer = server
        .post_files(&[
            ("client_profile.xlsx", sample_bytes("client_profile.xlsx")),
            ("broken.xlsx", junk.clone()),
            ("notes.txt", b"hello".to_vec()),
            ("employment.xlsx", sample_bytes("employment.xlsx")),
        ])
        .json();
    for good in ["client_profile", "employment"] {
        let entry = file(&answer, &format!("{good}.xlsx"));
        assert_eq!(entry["status"], "done", "{entry}");
        let names: Vec<&str> = entry["downloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                format!("{good}.upload.xlsx"),
                format!("{good}.annotated.xlsx"),
                format!("{good}.checklist.html")
            ]
        );
        assert_eq!(
            entry["problems"].as_array().unwrap().len() as u64,
            entry["notes"].as_u64().unwrap()
        );
        assert!(entry["template"].as_str().is_some());
    }
    // Two workbooks read: the summary comes too.
    let summary: Vec<&str> = answer["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(summary, ["summary.xlsx", "summary.checklist.html"]);
    // The summary names the files as the user chose them, not by the page's private folder.
    let summary_dir = tempfile::tempdir().unwrap();
    let summary_path = summary_dir.path().join("summary.xlsx");
    let summary_bytes = base64::engine::general_purpose::STANDARD
        .decode(answer["summary"][0]["data"].as_str().unwrap())
        .unwrap();
    std::fs::write(&summary_path, summary_bytes).unwrap();
    let mut files_column: Vec<String> = sheet_text(&summary_path)
        .into_iter()
        .skip(1)
        .map(|row| row[0].clone())
        .collect();
    files_column.sort();
    assert_eq!(
        files_column,
        [
            "broken.xlsx",
            "client_profile.xlsx",
            "employment.xlsx",
            "notes.txt"
        ],
        "the summary's File column"
    );

    let (dir, bad) = sample_copy("client_profile.xlsx");
    let bad_path = dir.path().join("broken.xlsx");
    std::fs::write(&bad_path, &junk).unwrap();
    std::fs::remove_file(bad).unwrap();
    let cli = icare_fix().arg(&bad_path).output().unwrap();
    let cli_text = String::from_utf8_lossy(&cli.stdout);
    // A damaged workbook failed; a file that is no workbook at all is passed over, as the
    // command line passes it over ("skipped"), with the reason.
    for (name, status) in [("broken.xlsx", "failed"), ("notes.txt", "skipped")] {
        let entry = file(&answer, name);
        assert_eq!(entry["status"], status, "{entry}");
        let reason = entry["reason"].as_str().unwrap();
        assert!(
            !reason.contains(&*server.work.to_string_lossy()),
            "{reason}"
        );
        assert_eq!(entry["downloads"].as_array().unwrap().len(), 0);
        if name == "broken.xlsx" {
            assert!(
                cli_text.contains(reason),
                "the command line says {cli_text:?}, the page {reason:?}"
            );
        }
    }
}

#[test]
fn concurrent_uploads_are_each_answered_with_their_own_files() {
    let server = Server::start();
    let names = [
        "client_profile.xlsx",
        "employment.xlsx",
        "community_connections.xlsx",
        "needs_assessment_referrals.xlsx",
        "lt_client_exit.xlsx",
    ];
    let answers: Vec<(String, serde_json::Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .iter()
            .map(|name| {
                let server = &server;
                scope.spawn(move || {
                    let answer = server.post_files(&[(name, sample_bytes(name))]);
                    (name.to_string(), answer.json())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (name, answer) in answers {
        assert_eq!(answer["files"].as_array().unwrap().len(), 1, "{name}");
        let entry = file(&answer, &name);
        assert_eq!(entry["status"], "done", "{name}");
        let stem = name.trim_end_matches(".xlsx");
        assert_eq!(
            download(entry, &format!("{stem}.upload.xlsx")),
            clean_output(&name),
            "{name}: the upload file is the one `icare-fix clean` writes"
        );
    }
    assert_eq!(server.leftovers(), Vec::<PathBuf>::new());
}

#[test]
fn the_way_back_gives_the_upload_file_the_command_line_gives() {
    let server = Server::start();
    let answer = server
        .post_files(&[("client_profile.xlsx", sample_bytes("client_profile.xlsx"))])
        .json();
    let dir = tempfile::tempdir().unwrap();
    let annotated = dir.path().join("client_profile.annotated.xlsx");
    std::fs::write(
        &annotated,
        download(
            file(&answer, "client_profile.xlsx"),
            "client_profile.annotated.xlsx",
        ),
    )
    .unwrap();
    // The phone number of row 5, missing, typed in and saved.
    crate::way_back::type_into(&annotated, &[((4, 4), "613-555-0101")]);
    // Alone, its rejected file cannot be found: refused, without naming temporary folders.
    let alone = server
        .post_files(&[(
            "client_profile.annotated.xlsx",
            std::fs::read(&annotated).unwrap(),
        )])
        .json();
    let entry = file(&alone, "client_profile.annotated.xlsx");
    assert_eq!(entry["status"], "failed");
    let reason = entry["reason"].as_str().unwrap();
    assert!(reason.contains("client_profile.xlsx"), "{reason}");
    assert!(
        !reason.contains(&*server.work.to_string_lossy()),
        "{reason}"
    );
    // Told for the page: no command-line option, no temporary folder, what to do here.
    assert!(!reason.contains("--"), "{reason}");
    assert!(!reason.contains("temporary folder"), "{reason}");
    assert!(
        reason.contains("here together with the annotated workbook"),
        "{reason}"
    );
    let answer = server
        .post_files(&[
            (
                "client_profile.annotated.xlsx",
                std::fs::read(&annotated).unwrap(),
            ),
            ("client_profile.xlsx", sample_bytes("client_profile.xlsx")),
        ])
        .json();
    let entry = file(&answer, "client_profile.xlsx");
    assert_eq!(entry["status"], "to_fix", "{}", entry["reason"]);
    let from_page = dir.path().join("from page.xlsx");
    std::fs::write(&from_page, download(entry, "client_profile.upload.xlsx")).unwrap();
    assert_eq!(sheet_text(&from_page)[4][4], "613-555-0101");

    let original = dir.path().join("client_profile.xlsx");
    std::fs::copy(sample("client_profile.xlsx"), &original).unwrap();
    let from_cli = dir.path().join("from cli.xlsx");
    icare_fix()
        .arg("clean")
        .arg(&annotated)
        .arg("--original")
        .arg(&original)
        .arg("-o")
        .arg(&from_cli)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&from_page).unwrap(),
        std::fs::read(&from_cli).unwrap(),
        "the page's corrected upload file is the command line's"
    );
}

#[test]
fn the_temporary_folder_is_emptied_after_each_answer_and_removed_at_exit() {
    let server = Server::start();
    let work = server.work.clone();
    let answer = server.post_files(&[("client_profile.xlsx", sample_bytes("client_profile.xlsx"))]);
    assert_eq!(answer.status, 200);
    assert_eq!(server.leftovers(), Vec::<PathBuf>::new());
    let refused = server.post_files(&[("broken.xlsx", b"junk".to_vec())]);
    assert_eq!(refused.status, 200);
    assert_eq!(server.leftovers(), Vec::<PathBuf>::new());
    assert!(server.quit().success());
    assert!(!work.exists(), "{} is still there", work.display());
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_page_and_removes_its_folder() {
    let mut server = Server::start();
    let work = server.work.clone();
    let status = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(server.child.wait().unwrap().success());
    assert!(!work.exists(), "{} is still there", work.display());
}

#[test]
fn no_open_says_the_page_was_not_opened() {
    let server = Server::start();
    assert!(
        server.said.contains("The page was not opened")
            && server
                .said
                .contains("open the address above in your browser"),
        "{:?}",
        server.said
    );
    assert!(
        !server.said.contains("is open in your browser"),
        "{:?}",
        server.said
    );
}

/// A browser's second download of the annotated workbook (`NAME.annotated (1).xlsx`), corrected
/// and given back with its rejected file: one answer for the rejected file, one upload file
/// named after it with the correction, the verdict and the change as data.
#[test]
fn a_renamed_workbook_given_back_gives_one_upload_file_and_its_verdict() {
    let server = Server::start();
    let answer = server
        .post_files(&[("client_profile.xlsx", sample_bytes("client_profile.xlsx"))])
        .json();
    let dir = tempfile::tempdir().unwrap();
    let annotated = dir.path().join("client_profile.annotated (1).xlsx");
    std::fs::write(
        &annotated,
        download(
            file(&answer, "client_profile.xlsx"),
            "client_profile.annotated.xlsx",
        ),
    )
    .unwrap();
    crate::way_back::type_into(&annotated, &[((4, 4), "613-555-0101")]);
    let answer = server
        .post_files(&[
            (
                "client_profile.annotated (1).xlsx",
                std::fs::read(&annotated).unwrap(),
            ),
            ("client_profile.xlsx", sample_bytes("client_profile.xlsx")),
        ])
        .json();
    let files = answer["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "one card for the rejected file: {answer}");
    let entry = file(&answer, "client_profile.xlsx");
    assert_eq!(entry["status"], "to_fix");
    assert_eq!(
        entry["corrections_from"],
        "client_profile.annotated (1).xlsx"
    );
    let names: Vec<&str> = entry["downloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["client_profile.upload.xlsx"]);
    let upload = dir.path().join("upload.xlsx");
    std::fs::write(&upload, download(entry, "client_profile.upload.xlsx")).unwrap();
    assert_eq!(sheet_text(&upload)[4][4], "613-555-0101");
    let way_back = &entry["way_back"];
    assert_eq!(way_back["readiness"], "to_fix");
    let registry = icare_fix::Registry::builtin();
    let book = icare_fix::Rejected::open(&sample("client_profile.xlsx"), &registry).unwrap();
    assert_eq!(
        way_back["changes"],
        serde_json::json!([{
            "cell": "E5",
            "label": book.label(4),
            "label_fr": french_label(&book, 4),
            "before": "",
            "after": "613-555-0101",
            "ends_with_space": false,
        }])
    );
    assert_ne!(book.label(4), book.code(4).unwrap());
    assert!(
        way_back["lines_fr"][0]
            .as_str()
            .unwrap()
            .starts_with("13 problèmes surlignés : 1 corrigé"),
        "{way_back}"
    );
    assert!(!way_back["warnings"].as_array().unwrap().is_empty());
    // The things to check, in French as the library says them.
    let expected = expected_way_back(&annotated, &sample("client_profile.xlsx"), dir.path());
    assert_eq!(way_back["warnings"], serde_json::json!(expected.warnings));
    assert_eq!(
        way_back["warnings_fr"],
        serde_json::json!(expected.warnings_fr)
    );
    for warning in expected.warnings_fr {
        assert!(
            warning.starts_with("ligne ") || warning.contains(" : "),
            "{warning}"
        );
        assert!(!warning.contains("none of the highlighted"), "{warning}");
    }
}

/// The library's French for a file the page refuses: `error`'s message without the file's
/// name in front (the page's card names it).
fn french_reason(error: &icare_fix::Error, path: &Path) -> String {
    let message = error.message_in(icare_fix::Lang::Fr);
    message
        .strip_prefix(&format!("« {} » ", path.display()))
        .unwrap_or_else(|| panic!("{message}"))
        .to_string()
}

/// Words of English a French message must not hold.
const ENGLISH_WORDS: [&str; 8] = [
    " the ",
    " is ",
    " was ",
    " and ",
    " not ",
    " cannot ",
    " it ",
    "try again",
];

#[test]
fn the_pages_refusals_come_in_french_as_the_library_says_them() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let junk = b"these are not the droids".to_vec();
    let protected = icare_synth::hostile::encrypted();
    let answer = server
        .post_files(&[
            ("broken.xlsx", junk.clone()),
            ("protected.xlsx", protected.clone()),
            ("notes.txt", b"hello".to_vec()),
            ("client_profile.annotated.xlsx", {
                // An annotated workbook alone: its rejected file is not there.
                let done = server
                    .post_files(&[("client_profile.xlsx", sample_bytes("client_profile.xlsx"))])
                    .json();
                download(
                    file(&done, "client_profile.xlsx"),
                    "client_profile.annotated.xlsx",
                )
            }),
        ])
        .json();
    let registry = icare_fix::Registry::builtin();
    for (name, bytes) in [("broken.xlsx", junk), ("protected.xlsx", protected)] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let error = icare_fix::Rejected::open(&path, &registry).unwrap_err();
        let entry = file(&answer, name);
        assert_eq!(entry["reason_fr"], french_reason(&error, &path), "{entry}");
        assert_eq!(
            entry["reason"],
            error.to_string()[format!("'{}' ", path.display()).len()..],
            "{entry}"
        );
    }
    assert_eq!(
        file(&answer, "notes.txt")["reason_fr"],
        "ce n'est pas un classeur Excel (.xlsx ou .xlsm)"
    );
    let alone = file(&answer, "client_profile.annotated.xlsx");
    let reason_fr = alone["reason_fr"].as_str().unwrap();
    assert!(
        reason_fr.starts_with("impossible de trouver « client_profile.xlsx »"),
        "{reason_fr}"
    );
    assert!(
        reason_fr.ends_with("Choisissez ici le fichier rejeté, exactement tel que téléchargé depuis iCARE, avec le classeur annoté (les deux à la fois)."),
        "{reason_fr}"
    );
    // Every French reason: French, no option, no temporary folder.
    for entry in answer["files"].as_array().unwrap() {
        let reason = format!(" {} ", entry["reason_fr"].as_str().unwrap());
        for never in ENGLISH_WORDS
            .iter()
            .copied()
            .chain(["--", "temporary", "temporaire"])
        {
            assert!(!reason.contains(never), "{never:?} in {reason}");
        }
        assert!(
            !reason.contains(&*server.work.to_string_lossy()),
            "{reason}"
        );
        assert_ne!(entry["reason_fr"], entry["reason"]);
    }
}

/// A rejected file copied into a folder of its own, its one-step run done: (folder, rejected
/// file, annotated workbook).
fn annotated_copy(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (dir, input) = sample_copy(name);
    icare_fix().arg(&input).assert().success();
    let stem = name.trim_end_matches(".xlsx");
    let annotated = dir
        .path()
        .join(format!("{stem}-fixed"))
        .join(format!("{stem}.annotated.xlsx"));
    assert!(annotated.is_file(), "{}", annotated.display());
    (dir, input, annotated)
}

/// The annotated workbook of `input` with every value of the record of `row` (0-based)
/// emptied, its notes cell kept, as a person clears a record in Excel.
fn clear_record(input: &Path, annotated: &Path) -> u32 {
    let registry = icare_fix::Registry::builtin();
    let book = icare_fix::Rejected::open(input, &registry).unwrap();
    let row = book.data_start + 2;
    let notes = book.notes_column.unwrap().col;
    crate::way_back::library_save(annotated, |cells| {
        cells.retain(|(r, c), _| *r != row || *c == notes);
    });
    row
}

#[test]
fn a_cleared_record_is_told_left_out_in_the_answer() {
    let server = Server::start();
    let (_dir, input, annotated) = annotated_copy("employment.xlsx");
    let row = clear_record(&input, &annotated);
    let answer = server
        .post_files(&[
            (
                "employment.annotated.xlsx",
                std::fs::read(&annotated).unwrap(),
            ),
            ("employment.xlsx", std::fs::read(&input).unwrap()),
        ])
        .json();
    let entry = file(&answer, "employment.xlsx");
    let way_back = &entry["way_back"];
    assert_eq!(
        way_back["left_out"],
        serde_json::json!([{ "row": row + 1, "cleared": true }]),
        "{way_back}"
    );
    assert_eq!(way_back["verdict"]["left_out"], 1);
    let rows = entry["rows"].as_u64().unwrap();
    assert_eq!(
        entry["records"],
        serde_json::json!([rows - 1, rows]),
        "{entry}"
    );
}

/// The template's French label of column `col` of `book`.
fn french_label(book: &icare_fix::Rejected, col: u32) -> String {
    let registry = icare_fix::Registry::builtin();
    let template = registry
        .template(book.template.as_deref().unwrap())
        .unwrap();
    let label = template
        .column(book.code(col).unwrap())
        .unwrap()
        .label_fr
        .clone();
    assert!(!label.is_empty() && label != book.label(col), "{label}");
    label
}

/// Reads the workbook's first sheet as text rows, for comparing outputs.
pub fn sheet_text(path: &Path) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(path).unwrap();
    let first = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&first).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// Started with no arguments and no terminal (a double-click), the program opens the page in
/// the browser (here a stand-in named by `BROWSER`, which writes down the address it got).
#[cfg(unix)]
#[test]
fn a_double_click_opens_the_page_in_the_browser() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let opened = dir.path().join("opened");
    let browser = dir.path().join("browser");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\necho \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let server = Server::start_with(&[], &[("BROWSER", &browser)]);
    let mut address = String::new();
    for _ in 0..200 {
        address = std::fs::read_to_string(&opened).unwrap_or_default();
        if address.ends_with('\n') {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(address.trim(), server.url("/"));
    assert!(
        server.said.contains("The page is open in your browser"),
        "{:?}",
        server.said
    );
    assert!(server.quit().success());
}

/// The first of `names` found on the PATH.
fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver and Chromium, or `None` after saying so. In CI (`CI=true`) a missing one is a
/// failure, never a skip.
fn browser_programs() -> Option<(PathBuf, PathBuf)> {
    let driver = find_program(&["chromedriver"]);
    let browser = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    match (driver, browser) {
        (Some(driver), Some(browser)) => Some((driver, browser)),
        _ if crate::common::in_ci() => panic!(
            "chromedriver or chromium is not installed, and CI=true: install Debian's chromium and chromium-driver packages"
        ),
        _ => {
            eprintln!("SKIPPED: chromedriver or chromium not installed");
            None
        }
    }
}

/// A running chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(program: &Path) -> Driver {
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Ready when it accepts connections (it says nothing a test can wait on otherwise).
        for _ in 0..400 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Chromium's options: headless, no network of its own, a fresh profile, downloads to `to`.
fn capabilities(
    browser: &Path,
    profile: &Path,
    to: &Path,
) -> serde_json::Map<String, serde_json::Value> {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--lang=en-US",
        "--window-size=1280,1600",
    ]
    .iter()
    .map(|a| a.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect::<Vec<_>>();
    let options = serde_json::json!({
        "binary": browser,
        "args": args,
        "prefs": {
            "download.default_directory": to,
            "download.prompt_for_download": false,
            "download.directory_upgrade": true,
            "safebrowsing.enabled": false,
        },
    });
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    caps
}

/// Polls `check` until it gives a value (the page works while the test waits).
async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..1200 {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("gave up waiting for {what}");
}

#[test]
fn the_page_in_a_real_browser_downloads_the_file_clean_writes() {
    let Some((driver_program, browser)) = browser_programs() else {
        return;
    };
    let server = Server::start();
    let driver = Driver::start(&driver_program);
    let scratch = tempfile::tempdir().unwrap();
    let profile = scratch.path().join("profile");
    let downloads = scratch.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let bad = scratch.path().join("broken.xlsx");
    std::fs::write(&bad, b"not a workbook at all").unwrap();
    let chosen = [
        sample("client_profile.xlsx"),
        sample("employment.xlsx"),
        bad.clone(),
    ];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        )
        .capabilities(capabilities(&browser, &profile, &downloads))
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("chromedriver starts a session");
        drive(&client, &server, &chosen, &downloads).await;
        client.close().await.unwrap();
    });
    assert_eq!(server.leftovers(), Vec::<PathBuf>::new());
}

async fn drive(client: &fantoccini::Client, server: &Server, chosen: &[PathBuf], downloads: &Path) {
    use fantoccini::Locator;
    client.goto(&server.url("/")).await.unwrap();
    let paths: Vec<String> = chosen.iter().map(|p| p.display().to_string()).collect();
    let input = client.find(Locator::Id("files")).await.unwrap();
    input.send_keys(&paths.join("\n")).await.unwrap();
    let cards = wait_for("the three results", || async {
        let cards = client.find_all(Locator::Css("article.file")).await.ok()?;
        (cards.len() == 3).then_some(cards)
    })
    .await;
    let mut statuses = Vec::new();
    for card in &cards {
        statuses.push(card.attr("data-status").await.unwrap().unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, ["done", "done", "failed"]);
    // The refused file says what the command line says.
    let refused = client
        .find(Locator::Css("article[data-status=failed] .refused"))
        .await
        .unwrap();
    let reason = refused.text().await.unwrap();
    let cli = icare_fix().arg(&chosen[2]).output().unwrap();
    let cli_text = String::from_utf8_lossy(&cli.stdout);
    assert!(
        !reason.is_empty() && cli_text.contains(&reason),
        "the command line says {cli_text:?}, the page {reason:?}"
    );
    // Every problem of every file is listed: as many rows as notes.
    let registry = icare_fix::Registry::builtin();
    let notes = |p: &Path| icare_fix::Rejected::open(p, &registry).unwrap().notes;
    let rows = client
        .find_all(Locator::Css("article[data-status=done] .problems tbody tr"))
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        notes(&chosen[0]).len() + notes(&chosen[1]).len()
    );
    // Filtered by kind: only that kind's rows, all of them.
    let card = "//article[h3[starts-with(., 'client_profile.xlsx')]]";
    client
        .find(Locator::XPath(&format!(
            "{card}//div[@class='problems']//select"
        )))
        .await
        .unwrap()
        .select_by_value("identity")
        .await
        .unwrap();
    let shown = client
        .find_all(Locator::XPath(&format!(
            "{card}//div[@class='problems']//tbody/tr"
        )))
        .await
        .unwrap();
    let identity = notes(&chosen[0])
        .iter()
        .filter(|n| n.category == icare_fix::Category::Identity)
        .count();
    assert_eq!(shown.len(), identity);
    for row in &shown {
        assert_eq!(
            row.attr("data-category").await.unwrap().as_deref(),
            Some("identity")
        );
    }
    // Sorted by row, one way then the other.
    let rows_shown = || async {
        let mut numbers = Vec::new();
        for cell in client
            .find_all(Locator::XPath(&format!(
                "{card}//div[@class='problems']//tbody/tr/td[1]"
            )))
            .await
            .unwrap()
        {
            numbers.push(cell.text().await.unwrap().parse::<u32>().unwrap());
        }
        numbers
    };
    let ascending = rows_shown().await;
    assert!(
        ascending.is_sorted() && ascending.len() == identity,
        "{ascending:?}"
    );
    client
        .find(Locator::XPath(&format!(
            "{card}//div[@class='problems']//th/button"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let descending = rows_shown().await;
    assert_eq!(
        descending,
        ascending.iter().rev().copied().collect::<Vec<_>>()
    );

    let link = client
        .find(Locator::Css("a[download='client_profile.upload.xlsx']"))
        .await
        .unwrap();
    link.click().await.unwrap();
    let saved = downloads.join("client_profile.upload.xlsx");
    wait_for("the download", || async {
        let done = saved.is_file()
            && !std::fs::read_dir(downloads)
                .unwrap()
                .any(|e| e.unwrap().path().to_string_lossy().ends_with(".crdownload"));
        done.then_some(())
    })
    .await;
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        clean_output("client_profile.xlsx"),
        "the page's upload file is the one `icare-fix clean` writes"
    );

    // The switch to French translates the page.
    let lang = client.find(Locator::Id("lang")).await.unwrap();
    lang.select_by_value("fr").await.unwrap();
    let title = client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(title.contains("fichiers rejetés"), "{title}");
    // The refusal too: the library's French, the file named as in French.
    let registry = icare_fix::Registry::builtin();
    let error = icare_fix::Rejected::open(&chosen[2], &registry).unwrap_err();
    let refused = text_of(client, "article[data-status=failed] .refused").await;
    assert_eq!(
        refused,
        format!("broken.xlsx : {}", french_reason(&error, &chosen[2]))
    );
    assert!(refused.contains("n'est pas un classeur Excel"), "{refused}");
    let badge = text_of(client, "article[data-status=failed] .badge").await;
    assert_eq!(badge, "refusé");
}

/// Starts Chromium through chromedriver, downloads going to `downloads`, and runs `drive`.
fn in_browser<F, Fut>(driver_program: &Path, browser: &Path, downloads: &Path, drive: F)
where
    F: FnOnce(fantoccini::Client) -> Fut,
    Fut: std::future::Future<Output = fantoccini::Client>,
{
    let driver = Driver::start(driver_program);
    let scratch = tempfile::tempdir().unwrap();
    let profile = scratch.path().join("profile");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        )
        .capabilities(capabilities(browser, &profile, downloads))
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("chromedriver starts a session");
        let client = drive(client).await;
        client.close().await.unwrap();
    });
}

/// Waits until the download `name` is whole in `downloads`; its path.
async fn downloaded(downloads: &Path, name: &str) -> PathBuf {
    let saved = downloads.join(name);
    wait_for(name, || async {
        let done = saved.is_file()
            && !std::fs::read_dir(downloads)
                .unwrap()
                .any(|e| e.unwrap().path().to_string_lossy().ends_with(".crdownload"));
        done.then_some(())
    })
    .await;
    saved
}

/// The text of the first element at `css`.
async fn text_of(client: &fantoccini::Client, css: &str) -> String {
    client
        .find(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Every text of the page, shown or folded away (a closed `<details>` included).
async fn page_text(client: &fantoccini::Client) -> String {
    client
        .execute("return document.body.textContent;", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// Chooses `files` in the box `input` and waits for the one card of the answer, whose status
/// must be `status`: a new choice replaces the cards of the one before.
async fn choose(client: &fantoccini::Client, input: &str, files: &[PathBuf], status: &str) {
    use fantoccini::Locator;
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let box_ = client.find(Locator::Id(input)).await.unwrap();
    box_.send_keys(&paths.join("\n")).await.unwrap();
    wait_for(&format!("the card {status}"), || async {
        let cards = client.find_all(Locator::Css("article.file")).await.ok()?;
        let mut statuses = Vec::new();
        for card in &cards {
            statuses.push(card.attr("data-status").await.ok()??);
        }
        (statuses.iter().any(|s| s == status)).then_some(statuses)
    })
    .await;
    let cards = client.find_all(Locator::Css("article.file")).await.unwrap();
    assert_eq!(cards.len(), 1, "the earlier choice's cards are gone");
}

/// The whole loop in a real browser: a rejected file, what to do now, the upload file said to
/// be uncorrected; then the renamed, corrected workbook with its rejected file: one card with
/// the verdict (English, then French), the change, one upload file holding the correction, and
/// never a field code, an option or a temporary folder on the page.
#[test]
fn the_page_guides_the_loop_in_a_real_browser() {
    use fantoccini::Locator;
    let Some((driver_program, browser)) = browser_programs() else {
        return;
    };
    let server = Server::start();
    let scratch = tempfile::tempdir().unwrap();
    let downloads = scratch.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let registry = icare_fix::Registry::builtin();
    let book = icare_fix::Rejected::open(&sample("client_profile.xlsx"), &registry).unwrap();
    let (url, book, folder, saved) = (server.url("/"), &book, scratch.path(), &downloads);
    in_browser(
        &driver_program,
        &browser,
        &downloads,
        move |client| async move {
            client.goto(&url).await.unwrap();
            fresh_run(&client, book, saved).await;
            // A browser's second download of the same workbook, corrected in Excel.
            let annotated = folder.join("client_profile.annotated (1).xlsx");
            std::fs::copy(saved.join("client_profile.annotated.xlsx"), &annotated).unwrap();
            crate::way_back::type_into(&annotated, &[((4, 4), "613-555-0101")]);
            let expected = expected_verdict(&annotated, &book.path, folder);
            let warnings_fr = expected_way_back(&annotated, &book.path, folder).warnings_fr;
            choose(
                &client,
                "back-files",
                &[annotated, book.path.clone()],
                "to_fix",
            )
            .await;
            the_way_back(&client, book, saved, &expected).await;
            // What to check, in French as the library says it.
            let shown = client.find_all(Locator::Css(".warnings li")).await.unwrap();
            let mut texts = Vec::new();
            for w in &shown {
                texts.push(w.text().await.unwrap());
            }
            let expected: Vec<String> = warnings_fr
                .iter()
                .map(|w| format!("À vérifier : {w}"))
                .collect();
            assert_eq!(texts, expected);
            assert!(!texts.is_empty());
            client
        },
    );
    assert_eq!(server.leftovers(), Vec::<PathBuf>::new());
}

/// The verdict's lines in English and French, as the library gives them for `annotated`.
fn expected_verdict(annotated: &Path, rejected: &Path, scratch: &Path) -> [Vec<String>; 2] {
    use icare_fix::output::way_back;
    let registry = icare_fix::Registry::builtin();
    let info = way_back::AnnotatedInfo::read(annotated).unwrap();
    let opts = way_back::WayBackOptions {
        original: Some(rejected.to_path_buf()),
        output: Some(scratch.join("expected.upload.xlsx")),
        ..Default::default()
    };
    let done = way_back::way_back(annotated, &info, &registry, &opts).unwrap();
    [
        done.verdict.lines_in(icare_fix::Lang::En),
        done.verdict.lines_in(icare_fix::Lang::Fr),
    ]
}

/// What the library's way back says of `annotated` made from `rejected`.
fn expected_way_back(
    annotated: &Path,
    rejected: &Path,
    scratch: &Path,
) -> icare_fix::output::way_back::WayBackSummary {
    use icare_fix::output::way_back;
    let registry = icare_fix::Registry::builtin();
    let info = way_back::AnnotatedInfo::read(annotated).unwrap();
    let opts = way_back::WayBackOptions {
        original: Some(rejected.to_path_buf()),
        output: Some(scratch.join("expected way back.upload.xlsx")),
        ..Default::default()
    };
    way_back::way_back(annotated, &info, &registry, &opts)
        .unwrap()
        .summary()
}

async fn fresh_run(client: &fantoccini::Client, book: &icare_fix::Rejected, downloads: &Path) {
    use fantoccini::Locator;
    choose(client, "files", std::slice::from_ref(&book.path), "done").await;
    let steps = client
        .find_all(Locator::Css("article[data-status=done] .next ol li"))
        .await
        .unwrap();
    assert_eq!(steps.len(), 3);
    assert!(
        steps[0]
            .text()
            .await
            .unwrap()
            .contains("client_profile.annotated.xlsx")
    );
    let upload = text_of(client, "a[download='client_profile.upload.xlsx']").await;
    assert!(
        upload.contains("not corrected yet: holds the records as rejected"),
        "{upload}"
    );
    // Labels and the template's name, never codes.
    let text = page_text(client).await;
    assert!(text.contains("Template: Client Profile"), "{text}");
    let col = book.column_of("client_validation_type_id").unwrap();
    assert!(text.contains(&book.label(col)), "{text}");
    assert!(!text.contains("client_validation_type_id"), "{text}");
    assert!(!text.contains("client_profile)"), "{text}");
    client
        .find(Locator::Css("a[download='client_profile.annotated.xlsx']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    downloaded(downloads, "client_profile.annotated.xlsx").await;
}

async fn the_way_back(
    client: &fantoccini::Client,
    book: &icare_fix::Rejected,
    downloads: &Path,
    [english, french]: &[Vec<String>; 2],
) {
    use fantoccini::Locator;
    assert!(
        client
            .find_all(Locator::Css(".badge.skipped"))
            .await
            .unwrap()
            .is_empty(),
        "no 'not read' badge"
    );
    let verdict = text_of(client, "article[data-status=to_fix] .verdict").await;
    assert_eq!(verdict, english.join("\n"));
    let change = text_of(client, ".changes tbody tr").await;
    assert_eq!(change, format!("E5 {} (empty) 613-555-0101", book.label(4)));
    let warnings = client.find_all(Locator::Css(".warnings li")).await.unwrap();
    assert!(!warnings.is_empty());
    for w in &warnings {
        assert!(w.text().await.unwrap().starts_with("Check: "));
    }
    let text = page_text(client).await;
    for never in ["client_validation_type_id", "--", "temporary folder"] {
        assert!(!text.contains(never), "{never:?} in {text}");
    }
    let uploads = client
        .find_all(Locator::Css("a[data-kind=upload]"))
        .await
        .unwrap();
    assert_eq!(uploads.len(), 1);
    assert_eq!(
        uploads[0].attr("download").await.unwrap().as_deref(),
        Some("client_profile.upload.xlsx")
    );
    assert!(
        uploads[0]
            .text()
            .await
            .unwrap()
            .contains("not ready to upload")
    );
    uploads[0].click().await.unwrap();
    let saved = downloaded(downloads, "client_profile.upload.xlsx").await;
    assert_eq!(sheet_text(&saved)[4][4], "613-555-0101");
    // docs/serve.png: `ICARE_FIX_SCREENSHOT=docs/serve.png cargo test --test suite serve::the_page_guides`.
    if let Some(path) = std::env::var_os("ICARE_FIX_SCREENSHOT") {
        client
            .execute(
                "document.getElementById('back-title').scrollIntoView();",
                vec![],
            )
            .await
            .unwrap();
        std::fs::write(path, client.screenshot().await.unwrap()).unwrap();
    }
    // In French, the verdict is the library's French one, and the page's words French.
    let lang = client.find(Locator::Id("lang")).await.unwrap();
    lang.select_by_value("fr").await.unwrap();
    let verdict = text_of(client, "article[data-status=to_fix] .verdict").await;
    assert_eq!(verdict, french.join("\n"));
    assert!(verdict.contains("problèmes surlignés"), "{verdict}");
    let upload = text_of(client, "a[data-kind=upload]").await;
    assert!(upload.contains("pas prêt à téléverser"), "{upload}");
    let change = text_of(client, ".changes tbody tr").await;
    assert_eq!(
        change,
        format!("E5 {} (vide) 613-555-0101", french_label(book, 4))
    );
    let status = text_of(client, "#status").await;
    assert!(status.starts_with("Résultats prêts"), "{status}");
    let text = page_text(client).await;
    assert!(text.contains("Cellules modifiées"), "{text}");
    assert!(!text.contains("Cells changed"), "{text}");
}

/// A record cleared in the annotated workbook: the card of the way back lists it among the
/// records left out, in English and in French.
#[test]
fn a_cleared_record_is_shown_left_out_in_a_real_browser() {
    let Some((driver_program, browser)) = browser_programs() else {
        return;
    };
    let server = Server::start();
    let (dir, input, annotated) = annotated_copy("employment.xlsx");
    let row = clear_record(&input, &annotated) + 1;
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let url = server.url("/");
    in_browser(
        &driver_program,
        &browser,
        &downloads,
        move |client| async move {
            use fantoccini::Locator;
            client.goto(&url).await.unwrap();
            let box_ = client.find(Locator::Id("back-files")).await.unwrap();
            let paths = [annotated.display().to_string(), input.display().to_string()];
            box_.send_keys(&paths.join("\n")).await.unwrap();
            let left_out = wait_for("the records left out", || async {
                let item = client.find(Locator::Css(".left-out li")).await.ok()?;
                item.text().await.ok()
            })
            .await;
            assert_eq!(
                left_out,
                format!(
                    "Row {row} of the rejected file: every value of its record was deleted in the annotated workbook."
                )
            );
            let text = page_text(&client).await;
            assert!(
                text.contains("Records left out of the upload file"),
                "{text}"
            );
            client
                .find(Locator::Id("lang"))
                .await
                .unwrap()
                .select_by_value("fr")
                .await
                .unwrap();
            assert_eq!(
                text_of(&client, ".left-out li").await,
                format!(
                    "Ligne {row} du fichier rejeté : toutes les valeurs de son enregistrement ont été supprimées dans le classeur annoté."
                )
            );
            let text = page_text(&client).await;
            assert!(
                text.contains("Enregistrements laissés de côté dans le fichier à téléverser"),
                "{text}"
            );
            client
        },
    );
    assert_eq!(server.leftovers(), Vec::<PathBuf>::new());
}
