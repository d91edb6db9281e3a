//! One request of the page: the workbooks received into a private folder, run through the
//! same library run as the one-step command line ([`batch::run`]), and the answer the page
//! shows: per file what iCARE said and every output to download, plus the run's summary.
//!
//! Uploads are written to disk as they arrive, never held whole in memory, and a file over
//! the input limit ([`MAX_FILE_BYTES`]) stops the request with 413. The request's folder is
//! removed before the answer is sent: the answer carries the outputs' bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Serialize;
use tokio::io::AsyncWriteExt;

use crate::output::names;

use super::shared::Shared;
use crate::batch::{self, BatchOptions, BatchReport, Destination, Outcome, Status};
use crate::note::Category;
use crate::output::errors::{ErrorsReport, NoteRecord};
use crate::output::way_back::AnnotatedInfo;
use crate::template::Registry;
use crate::workbook::Rejected;
use crate::workbook::read::MAX_FILE_BYTES;

/// Largest request: several workbooks at once, each within [`MAX_FILE_BYTES`].
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024 * 1024;

/// The page's answer for one request.
#[derive(Debug, Serialize)]
struct Answer {
    files: Vec<FileAnswer>,
    /// The run's summary (workbook and checklist across files), when several were read.
    summary: Vec<Download>,
}

/// One workbook received.
#[derive(Debug, Serialize)]
struct FileAnswer {
    name: String,
    /// `done`, `corrected`, `skipped` or `failed`.
    status: &'static str,
    /// Why it was skipped or failed: the command line's words.
    reason: Option<String>,
    template: Option<String>,
    rows: usize,
    notes: usize,
    categories: BTreeMap<Category, usize>,
    /// Records in the upload file, of how many, when written from corrections.
    records: Option<(usize, usize)>,
    /// What was done, line by line (repairs, corrections).
    details: Vec<String>,
    /// Clients rejected for identity, to fix first.
    identity: Vec<IdentityAnswer>,
    /// Every note, located.
    problems: Vec<NoteRecord>,
    downloads: Vec<Download>,
}

/// A client rejected for identity and the rows of theirs in this file.
#[derive(Debug, Serialize)]
struct IdentityAnswer {
    id_type: String,
    id_value: String,
    birth_date: String,
    rows: Vec<u32>,
}

/// A file to download, named as the command line names it.
#[derive(Debug, Serialize)]
struct Download {
    name: String,
    /// `upload`, `annotated`, `checklist`, `summary` or `summary-checklist`.
    kind: &'static str,
    mime: &'static str,
    /// The bytes, base64.
    data: String,
}

/// A request refused as a whole, with its status and plain message.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

impl From<MultipartError> for Refusal {
    fn from(e: MultipartError) -> Self {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return too_large();
        }
        Refusal(
            status,
            "The files did not arrive whole. Choose them again.".into(),
        )
    }
}

fn too_large() -> Refusal {
    Refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "A file is larger than {} MB, the most icare-fix reads: iCARE's rejected files are far smaller. Check that you chose the right file.",
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
}

fn failed(what: &str, e: impl std::fmt::Display) -> Refusal {
    Refusal(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("{what}: {e}. Try again; if it happens again, restart icare-fix."),
    )
}

/// `POST /api/process`: the workbooks of a multipart request, processed.
pub(crate) async fn process(State(state): State<Arc<Shared>>, multipart: Multipart) -> Response {
    match answer(state, multipart).await {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn answer(state: Arc<Shared>, multipart: Multipart) -> Result<String, Refusal> {
    let folder = tempfile::Builder::new()
        .prefix("request-")
        .tempdir_in(&state.work)
        .map_err(|e| failed("The temporary folder could not be made", e))?;
    let inputs = folder.path().join("in");
    tokio::fs::create_dir(&inputs)
        .await
        .map_err(|e| failed("The temporary folder could not be made", e))?;
    let files = receive(multipart, &inputs).await?;
    if files.is_empty() {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "No workbook arrived. Choose the files again.".into(),
        ));
    }
    let _turn = state
        .jobs
        .acquire()
        .await
        .map_err(|e| failed("The page is stopping", e))?;
    let shared = state.clone();
    let json = tokio::task::spawn_blocking(move || run(&inputs, &files, &shared.registry))
        .await
        .map_err(|e| failed("Processing stopped", e))??;
    // Removed before the answer leaves: nothing of the request stays on disk.
    folder
        .close()
        .map_err(|e| failed("The temporary folder could not be emptied", e))?;
    Ok(json)
}

/// Writes every file of the request into `folder` as it arrives; returns their paths.
async fn receive(mut multipart: Multipart, folder: &Path) -> Result<Vec<PathBuf>, Refusal> {
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await? {
        let Some(name) = field.file_name().map(safe_name) else {
            continue;
        };
        let path = unique(folder, &name);
        save(field, &path).await?;
        files.push(path);
    }
    Ok(files)
}

async fn save(mut field: Field<'_>, path: &Path) -> Result<(), Refusal> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| failed("A file could not be saved in the temporary folder", e))?;
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await? {
        size += chunk.len() as u64;
        if size > MAX_FILE_BYTES {
            return Err(too_large());
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| failed("A file could not be saved in the temporary folder", e))?;
    }
    file.flush()
        .await
        .map_err(|e| failed("A file could not be saved in the temporary folder", e))
}

/// The file's own name, without any folder and without characters Windows refuses.
fn safe_name(given: &str) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
        .take(150)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() {
        "workbook.xlsx".into()
    } else {
        cleaned
    }
}

/// `folder/NAME`, or `NAME (2)`, ... when two files of a request share a name.
fn unique(folder: &Path, name: &str) -> PathBuf {
    let path = folder.join(name);
    if !path.exists() {
        return path;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) => (stem, format!(".{ext}")),
        None => (name, String::new()),
    };
    (2..)
        .map(|n| folder.join(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists())
        .expect("a free name")
}

/// Runs the one-step processing on the `files` received in `folder`, given one by one as on
/// the command line (so a file that is no workbook is named and refused, not passed over),
/// and builds the answer.
fn run(folder: &Path, files: &[PathBuf], registry: &Registry) -> Result<String, Refusal> {
    let opts = BatchOptions {
        destination: Destination::Beside,
        shown_from: Some(folder.to_path_buf()),
        ..BatchOptions::default()
    };
    let roots = files;
    // The table of problems is read beside the run, on the core the run leaves idle, not
    // taken from the run's workbooks afterwards: measured with `cargo bench --bench serve`
    // (2 cores, 2,500 rows), reading twice answers in 1.05-1.14 times the command line's
    // time over five runs, reusing the run's workbooks in 1.11-1.18 over three: no faster.
    let (report, mut problems) = rayon::join(
        || batch::run(roots, registry, &opts, &|_| {}),
        || read_problems(files, registry),
    );
    let report = report.map_err(|e| failed("The files could not be processed", e))?;
    let files = report
        .files
        .iter()
        .map(|outcome| file_answer(outcome, &report, &mut problems, folder))
        .collect::<Result<Vec<_>, _>>()?;
    let done = files
        .iter()
        .filter(|f| matches!(f.status, "done" | "ready" | "to_fix" | "unchanged"))
        .count();
    let summary = if done > 1 {
        summary_downloads(&report)?
    } else {
        Vec::new()
    };
    let answer = Answer { files, summary };
    serde_json::to_string(&answer).map_err(|e| failed("The answer could not be written", e))
}

/// Every rejected workbook's notes, by file (annotated workbooks are left out).
fn read_problems(files: &[PathBuf], registry: &Registry) -> BTreeMap<PathBuf, Vec<NoteRecord>> {
    files
        .iter()
        .filter(|p| AnnotatedInfo::read(p).is_none())
        .filter_map(|p| {
            let book = Rejected::open(p, registry).ok()?;
            Some((p.clone(), ErrorsReport::new(&book).notes))
        })
        .collect()
}

fn file_answer(
    outcome: &Outcome,
    report: &BatchReport,
    problems: &mut BTreeMap<PathBuf, Vec<NoteRecord>>,
    folder: &Path,
) -> Result<FileAnswer, Refusal> {
    let (status, reason) = match &outcome.status {
        Status::Done | Status::UpToDate | Status::Planned => ("done", None),
        Status::Ready => ("ready", None),
        Status::ToFix => ("to_fix", None),
        Status::Unchanged => ("unchanged", None),
        Status::Checked(r) => ("checked", Some(hide(folder, r))),
        Status::Skipped(r) => ("skipped", Some(hide(folder, r))),
        Status::Failed(r) => ("failed", Some(hide(folder, r))),
    };
    let handled = matches!(status, "done" | "ready" | "to_fix" | "unchanged");
    let downloads = outcome
        .outputs
        .iter()
        .filter(|_| handled)
        .map(|p| download(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FileAnswer {
        name: file_name(&outcome.file),
        status,
        reason,
        template: outcome.template.clone(),
        rows: outcome.rows,
        notes: outcome.notes,
        categories: outcome.categories.clone(),
        records: outcome.records,
        details: outcome.details.iter().map(|d| hide(folder, d)).collect(),
        identity: identity(report, &outcome.file),
        problems: problems
            .remove(&outcome.file)
            .filter(|_| handled)
            .unwrap_or_default(),
        downloads,
    })
}

/// The clients of `file` rejected for identity, with their rows there.
fn identity(report: &BatchReport, file: &Path) -> Vec<IdentityAnswer> {
    report
        .identity_clients
        .iter()
        .filter_map(|c| {
            let rows: Vec<u32> = c
                .records
                .iter()
                .filter(|r| r.file == file)
                .map(|r| r.row)
                .collect();
            (!rows.is_empty()).then(|| IdentityAnswer {
                id_type: c.client.id_type.clone(),
                id_value: c.client.id_value.clone(),
                birth_date: c.client.birth_date.clone(),
                rows,
            })
        })
        .collect()
}

fn summary_downloads(report: &BatchReport) -> Result<Vec<Download>, Refusal> {
    report
        .summary
        .iter()
        .filter(|p| p.exists() && !p.to_string_lossy().ends_with(".json"))
        .map(|p| download(p))
        .collect()
}

fn download(path: &Path) -> Result<Download, Refusal> {
    let bytes = std::fs::read(path).map_err(|e| failed("An output could not be read", e))?;
    let name = file_name(path);
    let kind = kind(&name);
    Ok(Download {
        mime: if name.ends_with(".html") {
            "text/html"
        } else {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        },
        data: base64::engine::general_purpose::STANDARD.encode(bytes),
        kind,
        name,
    })
}

fn kind(name: &str) -> &'static str {
    let lower = name.to_lowercase();
    if lower == names::SUMMARY_CHECKLIST {
        "summary-checklist"
    } else if lower == names::SUMMARY_XLSX {
        "summary"
    } else if lower.ends_with(names::CHECKLIST_SUFFIX) {
        "checklist"
    } else if lower.ends_with(names::ANNOTATED_SUFFIX) {
        "annotated"
    } else {
        "upload"
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `text` without temporary locations: the files of the request by their names alone, any
/// other place in the page's temporary folder (an earlier request's) named as such.
fn hide(folder: &Path, text: &str) -> String {
    let inside = format!("{}{}", folder.display(), std::path::MAIN_SEPARATOR);
    let text = text.replace(&inside, "");
    let Some(work) = folder.parent().and_then(Path::parent) else {
        return text;
    };
    let pattern = format!("'?{}[^',]*'?", regex::escape(&work.display().to_string()));
    match regex::Regex::new(&pattern) {
        Ok(re) => re
            .replace_all(&text, "(the page's temporary folder)")
            .into_owned(),
        Err(_) => text,
    }
}

#[cfg(test)]
mod tests {
    use super::{kind, safe_name};

    #[test]
    fn names_keep_only_the_file_itself() {
        assert_eq!(safe_name("C:\\Users\\me\\March.xlsx"), "March.xlsx");
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("..."), "workbook.xlsx");
        assert_eq!(safe_name("a<b>:c?.xlsx"), "abc.xlsx");
    }

    #[test]
    fn temporary_locations_are_not_shown() {
        let folder = std::path::Path::new("/tmp/page-x/request-1/in");
        let text = "cannot find 'a.xlsx' in the folder '/tmp/page-x/request-1/in/a.xlsx', '/tmp/page-x/request-0/in/a.xlsx'. Put it back";
        assert_eq!(
            super::hide(folder, text),
            "cannot find 'a.xlsx' in the folder 'a.xlsx', (the page's temporary folder). Put it back"
        );
    }

    #[test]
    fn outputs_are_told_apart_by_name() {
        assert_eq!(kind("March.upload.xlsx"), "upload");
        assert_eq!(kind("March.annotated.xlsx"), "annotated");
        assert_eq!(kind("March.checklist.html"), "checklist");
        assert_eq!(kind("summary.xlsx"), "summary");
        assert_eq!(kind("summary.checklist.html"), "summary-checklist");
    }
}
