//! What a folder run is asked to do and what it did: the options, each file's outcome and the
//! run's report, read by the command line and written out by [`super::summary`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::lang::{Bilingual, Lang};
use crate::note::Category;
use crate::workbook::Client;

/// Where a run's outputs go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Beside each input (the `batch` command without `--out`).
    Beside,
    /// Under this folder, mirroring the input folders (`--out DIR`).
    Mirror(PathBuf),
    /// In a `<name>-fixed` folder beside each input given (the one-step default).
    FixedFolders,
}

/// Options of a run.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Look in subfolders too.
    pub recursive: bool,
    /// Files processed at once; 0 means one per core.
    pub jobs: usize,
    /// Where outputs go.
    pub destination: Destination,
    /// Rewrite outputs even when they are newer than their input.
    pub force: bool,
    /// Only say what would be done.
    pub dry_run: bool,
    /// Languages of notes, advice and checklists.
    pub lang: Lang,
    /// Name files in the summary by their path inside this folder (the page's private
    /// folder, which means nothing to the user); as given when `None`.
    pub shown_from: Option<PathBuf>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            recursive: false,
            jobs: 0,
            destination: Destination::Beside,
            force: false,
            dry_run: false,
            lang: Lang::Both,
            shown_from: None,
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum Status {
    /// Outputs written.
    Done,
    /// The upload file written from the corrections in the annotated workbook: every
    /// highlighted problem corrected (or its record left out), no error left.
    Ready,
    /// The upload file written from the corrections in the annotated workbook, but problems
    /// remain (see the outcome's verdict).
    ToFix,
    /// The annotated workbook was given back with nothing changed: the upload file holds the
    /// records exactly as rejected.
    Unchanged,
    /// Outputs already there, exactly as icare-fix wrote them for this very file, and no
    /// corrections yet; left alone.
    UpToDate,
    /// Would be processed (dry run).
    Planned,
    /// No iCARE notes: checked as a file to upload (`icare-fix check`), with what was found.
    Checked(Bilingual),
    /// Not processed, with the reason (not a rejected file, an icare-fix output, ...).
    Skipped(Bilingual),
    /// Processing failed, with the reason.
    Failed(Bilingual),
}

/// One file's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The input file.
    pub file: PathBuf,
    /// What happened.
    #[serde(flatten)]
    pub status: Status,
    /// Template id, when read.
    pub template: Option<String>,
    /// Data rows.
    pub rows: usize,
    /// Notes.
    pub notes: usize,
    /// Notes per category.
    pub categories: BTreeMap<Category, usize>,
    /// Outputs written (or planned).
    pub outputs: Vec<PathBuf>,
    /// What was done, line by line, for the screen (repairs, corrections, things to check).
    #[serde(skip)]
    pub details: Vec<String>,
    /// Records in the upload file, of how many in the rejected file, when one was written.
    pub records: Option<(usize, usize)>,
    /// How far the corrections go, when an annotated workbook was given back.
    pub verdict: Option<crate::output::way_back::Verdict>,
    /// The annotated workbook whose corrections were read, when one was given back.
    pub corrections_from: Option<PathBuf>,
    /// What the way back did, as data (for the page), when an annotated workbook was given
    /// back. Left out of the summary's JSON, which keeps its form.
    #[serde(skip)]
    pub way_back: Option<crate::output::way_back::WayBackSummary>,
}

impl Outcome {
    pub(super) fn new(file: PathBuf, status: Status) -> Outcome {
        Outcome {
            file,
            status,
            template: None,
            rows: 0,
            notes: 0,
            categories: BTreeMap::new(),
            outputs: Vec::new(),
            details: Vec::new(),
            records: None,
            verdict: None,
            corrections_from: None,
            way_back: None,
        }
    }
}

/// A record of a client rejected for identity, for the cross-file client sheet.
#[derive(Debug, Clone, Serialize)]
pub struct ClientRecord {
    /// File.
    pub file: PathBuf,
    /// Template id.
    pub template: Option<String>,
    /// 1-based row.
    pub row: u32,
    /// ORP as `i/total`.
    pub orp: String,
    /// RID.
    pub rid: Option<u64>,
    /// The row's own messages, English.
    pub messages: Vec<String>,
}

/// A client rejected for identity with every record of theirs in every file.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityClient {
    /// The client.
    #[serde(flatten)]
    pub client: Client,
    /// Every record of the client in the run's files.
    pub records: Vec<ClientRecord>,
}

/// The result of a run.
#[derive(Debug, Clone, Serialize)]
pub struct BatchReport {
    /// Every file found, in order.
    pub files: Vec<Outcome>,
    /// Clients rejected for identity, across all files.
    pub identity_clients: Vec<IdentityClient>,
    /// Summary files written (or planned).
    pub summary: Vec<PathBuf>,
    /// Where the summary is.
    pub summary_folder: Option<PathBuf>,
}

/// How a [`Status`] is said, wherever it is shown: the one place a status becomes words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusWords {
    /// On the terminal, before the file's outputs or reason (`icare-fix batch`): short,
    /// English, as the command line speaks.
    pub terminal: &'static str,
    /// In the summary workbook, in English.
    pub en: &'static str,
    /// In the summary workbook, in French.
    pub fr: &'static str,
    /// The page's id for it (the page says it in its own language): a file handled without
    /// anything given back, planned or up to date, is `done` there.
    pub page: &'static str,
}

impl Status {
    /// How this status is said: on the terminal, in the summary workbook (English and
    /// French) and on the page. Its reason, when it has one, is [`Status::reason`].
    pub fn words(&self) -> StatusWords {
        let (terminal, en, fr, page) = match self {
            Status::Done => ("done", "done", "fait", "done"),
            Status::Ready => ("ready", "ready to upload", "prêt à téléverser", "ready"),
            Status::ToFix => ("to fix", "still to fix", "encore à corriger", "to_fix"),
            Status::Unchanged => (
                "unchanged",
                "nothing corrected",
                "rien de corrigé",
                "unchanged",
            ),
            Status::UpToDate => ("up to date", "up to date", "à jour", "done"),
            Status::Planned => ("would do", "planned", "prévu", "done"),
            Status::Checked(_) => ("checked", "checked", "vérifié", "checked"),
            Status::Skipped(_) => ("skipped", "skipped", "ignoré", "skipped"),
            Status::Failed(_) => ("failed", "failed", "échec", "failed"),
        };
        StatusWords {
            terminal,
            en,
            fr,
            page,
        }
    }

    /// What a check found, or why a file was skipped or failed; `None` for the other
    /// statuses.
    pub fn reason(&self) -> Option<&Bilingual> {
        match self {
            Status::Checked(r) | Status::Skipped(r) | Status::Failed(r) => Some(r),
            _ => None,
        }
    }

    /// True when an annotated workbook was given back and its upload file written.
    pub fn is_given_back(&self) -> bool {
        matches!(self, Status::Ready | Status::ToFix | Status::Unchanged)
    }

    /// The status of a way back with `verdict`.
    pub fn of(verdict: &crate::output::way_back::Verdict) -> Status {
        use crate::output::way_back::Readiness;
        match verdict.readiness() {
            Readiness::Ready => Status::Ready,
            Readiness::ToFix => Status::ToFix,
            Readiness::Unchanged => Status::Unchanged,
        }
    }
}

impl BatchReport {
    /// True when some file failed.
    pub fn has_failures(&self) -> bool {
        self.files
            .iter()
            .any(|f| matches!(f.status, Status::Failed(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_its_words_and_the_page_knows_its_id() {
        let all = [
            Status::Done,
            Status::Ready,
            Status::ToFix,
            Status::Unchanged,
            Status::UpToDate,
            Status::Planned,
            Status::Checked(Bilingual::default()),
            Status::Skipped(Bilingual::new(
                "not an iCARE template",
                "pas un modèle iCARE",
            )),
            Status::Failed(Bilingual::new("damaged", "endommagé")),
        ];
        let page = include_str!("../serve/assets/app.js");
        let mut terminal = std::collections::BTreeSet::new();
        for status in &all {
            let words = status.words();
            assert!(terminal.insert(words.terminal), "{status:?}");
            assert!(!words.en.is_empty() && !words.fr.is_empty(), "{status:?}");
            assert!(page.contains(&format!("{}: \"", words.page)), "{status:?}");
        }
        assert_eq!(
            all[7].reason().map(|r| r.en.as_str()),
            Some("not an iCARE template")
        );
        assert_eq!(all[0].reason(), None);
    }
}
