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
use crate::batch::{self, BatchOptions, BatchReport, Destination, Outcome};
use crate::lang::{Bilingual, Lang};
use crate::note::Category;
use crate::output::errors::{ErrorsReport, NoteRecord};
use crate::output::way_back::{AnnotatedInfo, WayBackSummary};
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
    /// `done`, `ready`, `to_fix`, `unchanged`, `checked`, `skipped` or `failed`.
    status: &'static str,
    /// Why it was checked, skipped or failed: the command line's words, told for the page
    /// (no command-line options, no temporary folders).
    reason: Option<String>,
    /// The same in French.
    reason_fr: Option<String>,
    /// Template id.
    template: Option<String>,
    /// The template's name, as the command line shows it (`Client Profile`).
    template_name: Option<Named>,
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
    problems: Vec<Problem>,
    downloads: Vec<Download>,
    /// The annotated workbook whose corrections were read, by its name.
    corrections_from: Option<String>,
    /// What the way back did: verdict, changes, records left out, things to check.
    way_back: Option<WayBackSummary>,
}

/// A name in English and French.
#[derive(Debug, Serialize)]
struct Named {
    en: String,
    fr: String,
}

/// A note and the labels of the fields it names (the page never shows field codes).
#[derive(Debug, Serialize)]
struct Problem {
    #[serde(flatten)]
    note: NoteRecord,
    /// Labels of `fields`, in English.
    labels_en: Vec<String>,
    /// Labels of `fields`, in French (English where the template has no French label).
    labels_fr: Vec<String>,
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

/// A request refused as a whole, with its status and plain message in English and French.
struct Refusal(StatusCode, Bilingual);

impl IntoResponse for Refusal {
    /// The message as JSON, `{"en": ..., "fr": ...}`: the page shows it in its language.
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "en": self.1.en, "fr": self.1.fr }).to_string();
        (self.0, [(header::CONTENT_TYPE, "application/json")], body).into_response()
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
            Bilingual::new(
                "The files did not arrive whole. Choose them again.",
                "Les fichiers ne sont pas arrivés en entier. Choisissez-les de nouveau.",
            ),
        )
    }
}

fn too_large() -> Refusal {
    let mb = MAX_FILE_BYTES / (1024 * 1024);
    Refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        Bilingual::new(
            format!(
                "A file is larger than {mb} MB, the most icare-fix reads: iCARE's rejected files are far smaller. Check that you chose the right file."
            ),
            format!(
                "Un fichier dépasse {mb} Mo, le maximum que lit icare-fix : les fichiers rejetés d'iCARE sont bien plus petits. Vérifiez que vous avez choisi le bon fichier."
            ),
        ),
    )
}

/// A failure of the page itself: `what` failed (in English and French), for the reason `e`.
fn failed(what: (&str, &str), e: impl std::fmt::Display) -> Refusal {
    Refusal(
        StatusCode::INTERNAL_SERVER_ERROR,
        Bilingual::new(
            format!(
                "{}: {e}. Try again; if it happens again, restart icare-fix.",
                what.0
            ),
            format!(
                "{} : {e}. Réessayez ; si cela se reproduit, relancez icare-fix.",
                what.1
            ),
        ),
    )
}

const NO_FOLDER: (&str, &str) = (
    "The temporary folder could not be made",
    "Le dossier temporaire n'a pas pu être créé",
);
const NOT_SAVED: (&str, &str) = (
    "A file could not be saved in the temporary folder",
    "Un fichier n'a pas pu être enregistré dans le dossier temporaire",
);

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
        .map_err(|e| failed(NO_FOLDER, e))?;
    let inputs = folder.path().join("in");
    tokio::fs::create_dir(&inputs)
        .await
        .map_err(|e| failed(NO_FOLDER, e))?;
    let files = receive(multipart, &inputs).await?;
    if files.is_empty() {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            Bilingual::new(
                "No workbook arrived. Choose the files again.",
                "Aucun classeur n'est arrivé. Choisissez de nouveau les fichiers.",
            ),
        ));
    }
    let _turn = state
        .jobs
        .acquire()
        .await
        .map_err(|e| failed(("The page is stopping", "La page s'arrête"), e))?;
    let shared = state.clone();
    let json = tokio::task::spawn_blocking(move || run(&inputs, &files, &shared.registry))
        .await
        .map_err(|e| failed(("Processing stopped", "Le traitement s'est arrêté"), e))??;
    // Removed before the answer leaves: nothing of the request stays on disk.
    folder.close().map_err(|e| {
        failed(
            (
                "The temporary folder could not be emptied",
                "Le dossier temporaire n'a pas pu être vidé",
            ),
            e,
        )
    })?;
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
        .map_err(|e| failed(NOT_SAVED, e))?;
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await? {
        size += chunk.len() as u64;
        if size > MAX_FILE_BYTES {
            return Err(too_large());
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| failed(NOT_SAVED, e))?;
    }
    file.flush().await.map_err(|e| failed(NOT_SAVED, e))
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
    let report = report.map_err(|e| {
        failed(
            (
                "The files could not be processed",
                "Les fichiers n'ont pas pu être traités",
            ),
            e,
        )
    })?;
    let files = report
        .files
        .iter()
        .map(|outcome| file_answer(outcome, &report, &mut problems, folder, registry))
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
    serde_json::to_string(&answer).map_err(|e| {
        failed(
            (
                "The answer could not be written",
                "La réponse n'a pas pu être écrite",
            ),
            e,
        )
    })
}

/// Every rejected workbook's notes, by file (annotated workbooks are left out).
fn read_problems(files: &[PathBuf], registry: &Registry) -> BTreeMap<PathBuf, Vec<Problem>> {
    files
        .iter()
        .filter(|p| AnnotatedInfo::read(p).is_none())
        .filter_map(|p| {
            let book = Rejected::open(p, registry).ok()?;
            let problems = ErrorsReport::new(&book)
                .notes
                .into_iter()
                .map(|note| labelled(note, &book, registry))
                .collect();
            Some((p.clone(), problems))
        })
        .collect()
}

/// `note` with the labels of its fields: the workbook's own label row, else the template's.
fn labelled(note: NoteRecord, book: &Rejected, registry: &Registry) -> Problem {
    let template = book
        .template
        .as_deref()
        .and_then(|id| registry.template(id));
    let column = |code: &str| template.and_then(|t| t.column(code));
    let labels_en = note
        .fields
        .iter()
        .map(|code| match book.column_of(code) {
            Some(col) => book.label(col),
            None => column(code).map_or_else(|| code.clone(), |c| c.label_en.clone()),
        })
        .collect::<Vec<_>>();
    let labels_fr = note
        .fields
        .iter()
        .zip(&labels_en)
        .map(|(code, en)| {
            column(code)
                .map(|c| c.label_fr.clone())
                .filter(|fr| !fr.is_empty())
                .unwrap_or_else(|| en.clone())
        })
        .collect();
    Problem {
        note,
        labels_en,
        labels_fr,
    }
}

/// The name of template `id`, in English and French.
fn template_name(id: &str, registry: &Registry) -> Named {
    match registry.template(id) {
        Some(t) => Named {
            en: t.title_en.clone(),
            fr: if t.title_fr.is_empty() {
                t.title_en.clone()
            } else {
                t.title_fr.clone()
            },
        },
        None => Named {
            en: id.to_string(),
            fr: id.to_string(),
        },
    }
}

fn file_answer(
    outcome: &Outcome,
    report: &BatchReport,
    problems: &mut BTreeMap<PathBuf, Vec<Problem>>,
    folder: &Path,
    registry: &Registry,
) -> Result<FileAnswer, Refusal> {
    let status = outcome.status.words().page;
    let reason = outcome.status.reason();
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
        reason: reason.map(|r| for_page(folder, &r.en, Lang::En)),
        reason_fr: reason.map(|r| for_page(folder, &r.fr, Lang::Fr)),
        template: outcome.template.clone(),
        template_name: outcome
            .template
            .as_deref()
            .map(|id| template_name(id, registry)),
        rows: outcome.rows,
        notes: outcome.notes,
        categories: outcome.categories.clone(),
        records: outcome.records,
        details: outcome
            .details
            .iter()
            .map(|d| for_page(folder, d, Lang::En))
            .collect(),
        identity: identity(report, &outcome.file),
        problems: problems
            .remove(&outcome.file)
            .filter(|_| handled)
            .unwrap_or_default(),
        downloads,
        corrections_from: outcome.corrections_from.as_deref().map(file_name),
        way_back: outcome.way_back.clone().map(|mut w| {
            w.warnings = w
                .warnings
                .iter()
                .map(|t| for_page(folder, t, Lang::En))
                .collect();
            w.warnings_fr = w
                .warnings_fr
                .iter()
                .map(|t| for_page(folder, t, Lang::Fr))
                .collect();
            w
        }),
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
    let bytes = std::fs::read(path).map_err(|e| {
        failed(
            (
                "An output could not be read",
                "Un résultat n'a pas pu être lu",
            ),
            e,
        )
    })?;
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
/// other place in the page's temporary folder (an earlier request's) named as such, in the
/// language of `text` (`lang`, English or French).
fn hide(folder: &Path, text: &str, lang: Lang) -> String {
    let inside = format!("{}{}", folder.display(), std::path::MAIN_SEPARATOR);
    let text = text.replace(&inside, "");
    let Some(work) = folder.parent().and_then(Path::parent) else {
        return text;
    };
    let work = regex::escape(&work.display().to_string());
    let (pattern, instead) = match lang {
        Lang::Fr => (
            format!("« {work}[^»]*»|'?{work}[^',]*'?"),
            "(le dossier temporaire de la page)",
        ),
        _ => (format!("'?{work}[^',]*'?"), "(the page's temporary folder)"),
    };
    match regex::Regex::new(&pattern) {
        Ok(re) => re.replace_all(&text, instead).into_owned(),
        Err(_) => text,
    }
}

/// What the page says instead of the command line's advice, in one language.
struct PageWords {
    /// Where the message of a missing rejected file lists the folders looked in.
    looked: &'static str,
    /// Where its advice starts.
    put: &'static str,
    /// A file there that is not the one the workbook was made from.
    changed: &'static str,
    /// What to do on the page instead.
    choose: &'static str,
    /// The advice to give a workbook back with an earlier copy, on the command line.
    earlier: &'static str,
    /// The same on the page.
    earlier_here: &'static str,
    /// Words about an option, left out.
    options: [&'static str; 2],
}

const ENGLISH: PageWords = PageWords {
    looked: "Looked in ",
    put: " Put the rejected file",
    changed: r"'[^']*' is there, but it is not the file it was made from \(its content changed since\)\.",
    choose: "Choose the rejected file, exactly as downloaded from iCARE, here together with the annotated workbook (both at once).",
    earlier: r#"give it back with the earlier copy: icare-fix clean "[^"]*" --original EARLIER-FILE"#,
    earlier_here: "choose it here together with the earlier copy of the rejected file",
    options: [", even with --force", " Use --force if you are sure."],
};

const FRENCH: PageWords = PageWords {
    looked: "Cherché dans ",
    put: " Remettez le fichier rejeté",
    changed: r"« [^»]* » s'y trouve, mais ce n'est pas le fichier dont il a été tiré \(son contenu a changé depuis\)\.",
    choose: "Choisissez ici le fichier rejeté, exactement tel que téléchargé depuis iCARE, avec le classeur annoté (les deux à la fois).",
    earlier: r#"redonnez-le avec la copie antérieure : icare-fix clean "[^"]*" --original FICHIER-ANTÉRIEUR"#,
    earlier_here: "choisissez-le ici avec la copie antérieure du fichier rejeté",
    options: [
        ", même avec --force",
        " Utilisez --force si vous en êtes sûr.",
    ],
};

/// `text`, a message of the command line in `lang` (English or French), told for the page:
/// no temporary folder (see [`hide`]), and instead of command-line options, what to do on
/// the page.
fn for_page(folder: &Path, text: &str, lang: Lang) -> String {
    let words = if lang == Lang::Fr { &FRENCH } else { &ENGLISH };
    let text = hide(folder, text, lang);
    // The rejected file of an annotated workbook: the folders looked in are the page's own.
    let text = match (text.find(words.looked), text.find(words.put)) {
        (Some(start), Some(end)) if start < end => {
            let changed = regex::Regex::new(words.changed)
                .map(|re| {
                    re.find_iter(&text[start..end])
                        .map(|m| format!(" {}", m.as_str()))
                        .collect::<String>()
                })
                .unwrap_or_default();
            format!("{}{changed} {}", text[..start].trim_end(), words.choose)
        }
        _ => text,
    };
    let text = regex::Regex::new(words.earlier)
        .map(|re| re.replace_all(&text, words.earlier_here).into_owned())
        .unwrap_or(text);
    let text = words
        .options
        .iter()
        .fold(text, |text, option| text.replace(option, ""));
    // Any other sentence that names an option is the command line's advice: left out.
    text.split_inclusive(". ")
        .filter(|sentence| !sentence.contains(" --") && !sentence.contains("(--"))
        .collect::<String>()
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::{Lang, for_page, kind, safe_name};
    use crate::error::Error;

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
            super::hide(folder, text, super::Lang::En),
            "cannot find 'a.xlsx' in the folder 'a.xlsx', (the page's temporary folder). Put it back"
        );
        let text = "impossible de trouver « a.xlsx » dans le dossier « /tmp/page-x/request-1/in/a.xlsx », « /tmp/page-x/request-0/in/a.xlsx ». Remettez-le";
        assert_eq!(
            super::hide(folder, text, super::Lang::Fr),
            "impossible de trouver « a.xlsx » dans le dossier « a.xlsx », (le dossier temporaire de la page). Remettez-le"
        );
    }

    #[test]
    fn the_pages_messages_name_no_option_and_no_temporary_folder() {
        let folder = std::path::Path::new("/tmp/page-x/request-1/in");
        let text = "cannot find 'a.xlsx', the rejected file '/tmp/page-x/request-1/in/a.annotated.xlsx' was made from. Looked in '/tmp/page-x/request-1/in', '/tmp/page-x/request-1', '/tmp/page-x/request-0/in'. '/tmp/page-x/request-1/in/a (2).xlsx' is there, but it is not the file it was made from (its content changed since). Put the rejected file, exactly as downloaded from iCARE, back in the folder of the annotated workbook or the folder above it, or name it with --original.";
        assert_eq!(
            super::for_page(folder, text, super::Lang::En),
            "cannot find 'a.xlsx', the rejected file 'a.annotated.xlsx' was made from. 'a (2).xlsx' is there, but it is not the file it was made from (its content changed since). Choose the rejected file, exactly as downloaded from iCARE, here together with the annotated workbook (both at once)."
        );
        let missing = Error::OriginalMissing {
            annotated: folder.join("a.annotated.xlsx"),
            name: "a.xlsx".into(),
            looked: "the folder '/tmp/page-x/request-1/in', the folder '/tmp/page-x/request-1', '/tmp/page-x/request-0/in/a.xlsx'".into(),
            changed: " '/tmp/page-x/request-1/in/a (2).xlsx' is there, but it is not the file it was made from (its content changed since).".into(),
        };
        assert_eq!(
            for_page(folder, &missing.message_in(Lang::Fr), Lang::Fr),
            "impossible de trouver « a.xlsx », le fichier rejeté dont « a.annotated.xlsx » a été tiré. « a (2).xlsx » s'y trouve, mais ce n'est pas le fichier dont il a été tiré (son contenu a changé depuis). Choisissez ici le fichier rejeté, exactement tel que téléchargé depuis iCARE, avec le classeur annoté (les deux à la fois)."
        );
        let path = folder.join("a.xlsx");
        let earlier = "/tmp/page-x/request-1/in/a.annotated.xlsx holds corrections made for an earlier copy of /tmp/page-x/request-1/in/a.xlsx (the rejected file changed since it was annotated); it is kept as it is. To finish it, give it back with the earlier copy: icare-fix clean \"/tmp/page-x/request-1/in/a.annotated.xlsx\" --original EARLIER-FILE. To start over from the new file, move it away and run again";
        assert_eq!(
            for_page(folder, earlier, Lang::En),
            "a.annotated.xlsx holds corrections made for an earlier copy of a.xlsx (the rejected file changed since it was annotated); it is kept as it is. To finish it, choose it here together with the earlier copy of the rejected file. To start over from the new file, move it away and run again"
        );
        let earlier_fr = "/tmp/page-x/request-1/in/a.annotated.xlsx contient des corrections faites pour une copie antérieure de /tmp/page-x/request-1/in/a.xlsx (le fichier rejeté a changé depuis qu'il a été annoté) ; il est gardé tel quel. Pour le terminer, redonnez-le avec la copie antérieure : icare-fix clean \"/tmp/page-x/request-1/in/a.annotated.xlsx\" --original FICHIER-ANTÉRIEUR. Pour recommencer à partir du nouveau fichier, déplacez-le ailleurs et relancez";
        assert_eq!(
            for_page(folder, earlier_fr, Lang::Fr),
            "a.annotated.xlsx contient des corrections faites pour une copie antérieure de a.xlsx (le fichier rejeté a changé depuis qu'il a été annoté) ; il est gardé tel quel. Pour le terminer, choisissez-le ici avec la copie antérieure du fichier rejeté. Pour recommencer à partir du nouveau fichier, déplacez-le ailleurs et relancez"
        );
        assert_eq!(
            for_page(
                folder,
                &Error::NotRejected { path: path.clone() }.to_string(),
                Lang::En
            ),
            "'a.xlsx' has no iCARE error notes: this looks like an original upload file, not a rejected file; uploading it again would duplicate records."
        );
        assert_eq!(
            for_page(
                folder,
                &Error::NotRejected { path: path.clone() }.message_in(Lang::Fr),
                Lang::Fr
            ),
            "« a.xlsx » ne contient aucune note d'erreur d'iCARE : il semble être un fichier de téléversement d'origine, et non un fichier rejeté ; le téléverser de nouveau créerait des doublons."
        );
        assert_eq!(
            for_page(
                folder,
                &Error::OutputExists { path: path.clone() }.message_in(Lang::Fr),
                Lang::Fr
            ),
            "« a.xlsx » existe déjà."
        );
        // Every message that names an option, in both languages, and a place in another
        // request's folder.
        let elsewhere = std::path::PathBuf::from("/tmp/page-x/request-0/in/b.xlsx");
        let errors = [
            missing,
            Error::NotRejected { path: path.clone() },
            Error::OutputExists { path: path.clone() },
            Error::OutputChanged {
                path: elsewhere.clone(),
            },
            Error::OutputIsInput { path: path.clone() },
            Error::OriginalChanged {
                annotated: path.clone(),
                original: elsewhere,
            },
            Error::UserWork {
                path: path.clone(),
                reason:
                    "was saved or changed after icare-fix wrote it and may hold your corrections"
                        .into(),
                next: "To start over, move it away first.".into(),
            },
        ];
        for error in &errors {
            for lang in [Lang::En, Lang::Fr] {
                let shown = for_page(folder, &error.message_in(lang), lang);
                for never in ["--", "-o ", "/tmp/"] {
                    assert!(!shown.contains(never), "{never:?} in {shown}");
                }
                assert!(shown.len() > 20, "{shown}");
            }
        }
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
