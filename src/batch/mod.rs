//! Whole folders at once: find the rejected workbooks, write each one's upload-ready file,
//! annotated workbook and checklist, and one summary for the run.
//!
//! One bad file never stops the run: every file gets an [`Outcome`] (done, up to date,
//! ready, to fix, unchanged, skipped with the reason, or failed with the reason), files are
//! processed in parallel (rayon), and the caller turns the outcomes into an exit code.
//! Outputs are planned before anything is written, so two inputs with the same name never
//! overwrite each other.
//!
//! One rejected file has one annotated workbook and one upload file, whatever the entry
//! point: a run looks for an annotated workbook of each rejected file wherever icare-fix's
//! runs put it (beside it, in its `NAME-fixed` folder, in its folder's `FOLDER-fixed`
//! folder, under a browser's `NAME.annotated (1).xlsx`), and writes there. What is up to
//! date is judged by content (the stamp's SHA-256, the workbook's values, the upload file's
//! parts), never by file times.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::check::{self, Severity};
use crate::error::{Error, Result};
use crate::lang::{Bilingual, Lang, plural};
use crate::note::Category;
use crate::output::clean::CleanOptions;
use crate::output::names::{self, OutputNames};
use crate::output::way_back::{self, AnnotatedInfo, Existing, WayBackOptions};
use crate::output::{self, annotate};
use crate::template::Registry;
use crate::workbook::{Client, Rejected};

pub mod report;
pub mod summary;

pub use report::{
    BatchOptions, BatchReport, ClientRecord, Destination, IdentityClient, Outcome, Status,
    StatusWords,
};

/// A workbook to process and where its outputs go.
#[derive(Debug, Clone)]
struct Job {
    input: PathBuf,
    upload: PathBuf,
    annotated: PathBuf,
    checklist: PathBuf,
    /// Other annotated workbooks of this input found where its outputs go (a browser's
    /// `NAME.annotated (1).xlsx`), or given in the same run: they may hold the corrections.
    also: Vec<PathBuf>,
}

/// An annotated workbook given back on its own: its upload file goes beside it.
#[derive(Debug, Clone)]
struct GivenBack {
    annotated: PathBuf,
    info: AnnotatedInfo,
}

impl Job {
    fn outputs(&self) -> Vec<PathBuf> {
        vec![
            self.upload.clone(),
            self.annotated.clone(),
            self.checklist.clone(),
        ]
    }
}

/// Finds the workbooks under `roots`, processes them and writes the summary. `progress` is
/// called once per file as it finishes (from worker threads).
///
/// # Errors
///
/// Fails only when the run as a whole cannot go on: a root that does not exist or cannot be
/// read, worker threads that cannot start, or a summary that cannot be written. A file that
/// cannot be read or written is no error here: its [`Outcome`] says `Failed` or `Skipped`, and
/// the run goes on.
pub fn run(
    roots: &[PathBuf],
    registry: &Registry,
    opts: &BatchOptions,
    progress: &(dyn Fn(&Outcome) + Sync),
) -> Result<BatchReport> {
    let Planned {
        jobs,
        given_back,
        skipped,
        summary_folder,
    } = plan(roots, opts)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .map_err(|e| Error::Unsupported {
            path: PathBuf::from("."),
            detail: format!("cannot start the worker threads: {e}"),
        })?;
    let (results, returned): (Vec<(Outcome, Option<Rejected>)>, Vec<Outcome>) =
        pool.install(|| {
            use rayon::prelude::*;
            let results = jobs
                .par_iter()
                .map(|job| {
                    let mut result = process(job, registry, opts);
                    // Kept for the summary, which only reports: the file is let go of, or a
                    // folder of hundreds of files would hold as many open.
                    if let Some(book) = result.1.as_mut() {
                        book.release_input();
                    }
                    progress(&result.0);
                    result
                })
                .collect();
            let returned = given_back
                .par_iter()
                .map(|given| {
                    let outcome = give_back(given, registry, opts);
                    progress(&outcome);
                    outcome
                })
                .collect();
            (results, returned)
        });
    for outcome in &skipped {
        progress(outcome);
    }

    let mut files: Vec<Outcome> = Vec::with_capacity(results.len() + skipped.len());
    let mut books: Vec<Rejected> = Vec::new();
    for (outcome, book) in results {
        files.push(outcome);
        books.extend(book);
    }
    let (mut books, unnoted): (Vec<Rejected>, Vec<Rejected>) =
        books.into_iter().partition(|b| !b.notes.is_empty());
    check_unnoted(&mut files, &unnoted, registry);
    files.extend(returned);
    files.extend(skipped);
    files.sort_by(|a, b| a.file.cmp(&b.file));
    books.sort_by(|a, b| a.path.cmp(&b.path));

    let identity_clients = identity_clients(&books);
    // A summary only where rejected files were read: a run that only gave corrected
    // workbooks back, or found nothing, creates no folder.
    let summary_folder = summary_folder.filter(|_| !books.is_empty());
    let mut report = BatchReport {
        files,
        identity_clients,
        summary: Vec::new(),
        summary_folder: summary_folder.clone(),
    };
    if let Some(folder) = summary_folder {
        report.summary = summary::write(&folder, &report, &books, registry, opts)?;
    }
    Ok(report)
}

/// What a run will do.
struct Planned {
    jobs: Vec<Job>,
    given_back: Vec<GivenBack>,
    skipped: Vec<Outcome>,
    summary_folder: Option<PathBuf>,
}

/// Finds the inputs and plans every output path.
fn plan(roots: &[PathBuf], opts: &BatchOptions) -> Result<Planned> {
    let mut jobs = Vec::new();
    let mut annotated = Vec::new();
    let mut skipped = Vec::new();
    let mut taken: HashMap<PathBuf, usize> = HashMap::new();
    let mut summary_folder = None;
    for root in roots {
        let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
        let (base, files): (PathBuf, Vec<PathBuf>) = if meta.is_dir() {
            (root.clone(), find_files(root, opts.recursive, &mut skipped))
        } else {
            (
                root.parent().map(Path::to_path_buf).unwrap_or_default(),
                vec![root.clone()],
            )
        };
        let out_root = match &opts.destination {
            Destination::Beside => None,
            Destination::Mirror(dir) => Some(dir.clone()),
            Destination::FixedFolders => Some(fixed_folder(root)),
        };
        for input in files {
            if let Some(reason) = skip_reason(&input) {
                // The same word whether found in a folder or given on its own (a run given
                // only files none of which it handles still exits with 2).
                skipped.push(Outcome::new(input, Status::Skipped(reason)));
                continue;
            }
            // A corrected workbook given back: its upload file is made from it.
            if let Some(info) = AnnotatedInfo::recognise(&input) {
                annotated.push(GivenBack {
                    annotated: input,
                    info,
                });
                continue;
            }
            if summary_folder.is_none() {
                summary_folder = Some(out_root.clone().unwrap_or_else(|| {
                    if meta.is_dir() {
                        root.clone()
                    } else {
                        base.clone()
                    }
                }));
            }
            let folder = match &out_root {
                None => input.parent().map(Path::to_path_buf).unwrap_or_default(),
                Some(out) => {
                    let relative = input
                        .parent()
                        .and_then(|p| p.strip_prefix(&base).ok())
                        .map(Path::to_path_buf)
                        .unwrap_or_default();
                    out.join(relative)
                }
            };
            let stem = input
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Two inputs with the same name (NAME.xlsx and NAME.xlsm, or the same relative
            // path under two roots) get NAME, NAME (2), ...
            let key = folder.join(stem.to_lowercase());
            let n = taken.entry(key).or_insert(0);
            *n += 1;
            let name = if *n == 1 {
                stem.clone()
            } else {
                format!("{stem} ({n})")
            };
            let default = OutputNames::named(&input, &folder.join(format!("{name}.xlsx")));
            let (names, also) = locate(&input, default);
            jobs.push(Job {
                input: input.clone(),
                upload: names.upload,
                annotated: names.annotated,
                checklist: names.checklist,
                also,
            });
        }
    }
    // An annotated workbook of a rejected file of this run is handled with it (its outcome
    // says what was read), never on its own: one rejected file, one upload file.
    let mut given_back = Vec::new();
    for given in annotated {
        let of_job = jobs.iter_mut().find(|job| {
            output::same_file(&job.annotated, &given.annotated)
                || job
                    .also
                    .iter()
                    .any(|p| output::same_file(p, &given.annotated))
                || made_from(&given.info, &job.input)
        });
        match of_job {
            Some(job) => {
                let known = output::same_file(&job.annotated, &given.annotated)
                    || job
                        .also
                        .iter()
                        .any(|p| output::same_file(p, &given.annotated));
                if !known {
                    job.also.push(given.annotated);
                }
            }
            None => given_back.push(given),
        }
    }
    Ok(Planned {
        jobs,
        given_back,
        skipped,
        summary_folder,
    })
}

/// True when `info`'s stamp names `input`, by name and content.
fn made_from(info: &AnnotatedInfo, input: &Path) -> bool {
    let same_name = input
        .file_name()
        .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case(&info.source_name));
    same_name && info.is_from(input).unwrap_or(false)
}

/// Where the outputs of `input` go: where an earlier run put an annotated workbook of it, if
/// any, else `default`. The places icare-fix's runs use, in order: `default`, beside the
/// input (`batch`), its `NAME-fixed` folder (the one-step run on the file), its folder's
/// `FOLDER-fixed` folder (the one-step run on the folder). Also returns the other annotated
/// workbooks of the input found there under another name (`NAME.annotated (1).xlsx`).
fn locate(input: &Path, default: OutputNames) -> (OutputNames, Vec<PathBuf>) {
    let Some(folder) = input.parent() else {
        return (default, Vec::new());
    };
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut places: Vec<PathBuf> = default
        .annotated
        .parent()
        .map(Path::to_path_buf)
        .into_iter()
        .collect();
    places.push(folder.to_path_buf());
    places.push(folder.join(format!("{stem}-fixed")));
    if let Some(above) = std::fs::canonicalize(folder).ok().and_then(|f| {
        let name = f.file_name()?.to_string_lossy().into_owned();
        Some(f.parent()?.join(format!("{name}-fixed")))
    }) {
        places.push(above);
    }
    let file_name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for (n, place) in places.iter().enumerate() {
        let found = annotated_in(place, &stem, &file_name);
        if found.is_empty() {
            continue;
        }
        let names = if n == 0 {
            default
        } else {
            OutputNames::named(input, &place.join(format!("{stem}.xlsx")))
        };
        let also = found
            .into_iter()
            .filter(|p| !output::same_file(p, &names.annotated))
            .collect();
        return (names, also);
    }
    (default, Vec::new())
}

/// The annotated workbooks of the rejected file `file_name` in `folder`: named
/// `STEM.annotated….xlsx`, their stamp (or, without one, their name) naming that file.
fn annotated_in(folder: &Path, stem: &str, file_name: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let prefix = format!("{}.annotated", stem.to_lowercase());
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy().to_lowercase();
                n.starts_with(&prefix) && n.ends_with(".xlsx") && !n.starts_with("~$")
            })
        })
        .filter(|p| {
            AnnotatedInfo::recognise(p)
                .is_some_and(|i| i.source_name.eq_ignore_ascii_case(file_name))
        })
        .collect();
    found.sort();
    found
}

/// `Rejected files/` → `Rejected files-fixed/`; `March.xlsx` → `March-fixed/`.
fn fixed_folder(root: &Path) -> PathBuf {
    let name = if root.is_dir() {
        root.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "icare".into())
    } else {
        root.file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "icare".into())
    };
    let parent = if root.is_dir() {
        std::fs::canonicalize(root)
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_default()
    } else {
        root.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    parent.join(format!("{name}-fixed"))
}

fn find_files(root: &Path, recursive: bool, skipped: &mut Vec<Outcome>) -> Vec<PathBuf> {
    let mut walker = walkdir::WalkDir::new(root).min_depth(1).sort_by_file_name();
    if !recursive {
        walker = walker.max_depth(1);
    }
    let mut files = Vec::new();
    for entry in walker.into_iter() {
        match entry {
            Ok(e) if e.file_type().is_file() && is_spreadsheet_name(e.path()) => {
                files.push(e.into_path())
            }
            Ok(_) => {}
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                skipped.push(Outcome::new(
                    path,
                    Status::Failed(Bilingual::new(
                        format!("cannot read this folder entry: {e}"),
                        format!("impossible de lire cet élément du dossier : {e}"),
                    )),
                ));
            }
        }
    }
    files
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// The spreadsheets a folder run looks at: workbooks it handles and old formats it names.
fn is_spreadsheet_name(path: &Path) -> bool {
    matches!(
        extension(path).as_str(),
        "xlsx" | "xlsm" | "xls" | "ods" | "xltx" | "xltm" | "xlsb" | "csv"
    )
}

/// Why a file found is not processed, judged from its name.
fn skip_reason(path: &Path) -> Option<Bilingual> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    if name.starts_with("~$") {
        return Some(Bilingual::new(
            "Excel's lock file for an open workbook",
            "le fichier de verrouillage d'Excel pour un classeur ouvert",
        ));
    }
    if name.starts_with(".icare-fix-") {
        return Some(Bilingual::new(
            "an unfinished icare-fix output",
            "un résultat inachevé d'icare-fix",
        ));
    }
    if names::is_output_name(&name) {
        return Some(Bilingual::new(
            "an output of icare-fix",
            "un résultat d'icare-fix",
        ));
    }
    let (en, fr) = match extension(path).as_str() {
        "xlsx" | "xlsm" => return None,
        "xls" => (
            "an old Excel 97-2003 workbook (.xls): open it in Excel and save it as an Excel Workbook (.xlsx) first".into(),
            "un ancien classeur Excel 97-2003 (.xls) : ouvrez-le dans Excel et enregistrez-le d'abord comme classeur Excel (.xlsx)".into(),
        ),
        "ods" => (
            "an OpenDocument spreadsheet (.ods): save it as an Excel Workbook (.xlsx) first".into(),
            "une feuille de calcul OpenDocument (.ods) : enregistrez-la d'abord comme classeur Excel (.xlsx)".into(),
        ),
        ext @ ("xltx" | "xltm") => (
            format!(
                "an Excel template (.{ext}), not a rejected file: iCARE sends rejected files as .xlsx"
            ),
            format!(
                "un modèle Excel (.{ext}), et non un fichier rejeté : iCARE envoie les fichiers rejetés en .xlsx"
            ),
        ),
        "csv" => (
            "a CSV text file, not a rejected file: iCARE sends rejected files as Excel workbooks (.xlsx)".into(),
            "un fichier texte CSV, et non un fichier rejeté : iCARE envoie les fichiers rejetés sous forme de classeurs Excel (.xlsx)".into(),
        ),
        "xlsb" => (
            "an Excel binary workbook (.xlsb): save it as an Excel Workbook (.xlsx) first".into(),
            "un classeur binaire Excel (.xlsb) : enregistrez-le d'abord comme classeur Excel (.xlsx)".into(),
        ),
        _ => (
            "not an Excel workbook (.xlsx or .xlsm)".to_string(),
            "ce n'est pas un classeur Excel (.xlsx ou .xlsm)".to_string(),
        ),
    };
    Some(Bilingual::new(en, fr))
}

/// Why a file failed, in English and French, without its own name in front (the line
/// already names it): `'X.xlsx' is damaged …` → `is damaged …`.
fn reason(e: &Error, file: &Path) -> Bilingual {
    let strip = |text: String, named: String| {
        text.strip_prefix(&named)
            .map_or(text.clone(), str::to_string)
    };
    Bilingual::new(
        strip(e.to_string(), format!("'{}' ", file.display())),
        strip(
            e.message_in(Lang::Fr),
            format!("{} ", crate::error::quoted_fr(file)),
        ),
    )
}

/// Processes one file; never fails: a failure is the outcome.
fn process(job: &Job, registry: &Registry, opts: &BatchOptions) -> (Outcome, Option<Rejected>) {
    let mut outcome = Outcome::new(job.input.clone(), Status::Done);
    let book = match Rejected::open(&job.input, registry) {
        Ok(book) => book,
        // A rejected file whose template sheet was hidden in Excel is one to fix, not to pass
        // over: it fails, with the way to unhide it.
        Err(Error::NoCodesRow {
            template_hidden: true,
            ..
        }) => {
            outcome.status = Status::Failed(Bilingual::new(
                "the template sheet is hidden: unhide it in Excel (right-click a sheet tab > Unhide), save and run again",
                "la feuille du modèle est masquée : affichez-la dans Excel (clic droit sur un onglet de feuille > Afficher), enregistrez et relancez",
            ));
            return (outcome, None);
        }
        Err(Error::NoCodesRow { .. }) => {
            outcome.status = Status::Skipped(Bilingual::new(
                "not an iCARE template: none of its sheets has iCARE's hidden row of field codes",
                "pas un modèle iCARE : aucune de ses feuilles n'a la ligne masquée des codes de champ d'iCARE",
            ));
            return (outcome, None);
        }
        // A spreadsheet in another format or not an iCARE file: passed over with the reason
        // and the way out, as a folder run passes over an .xls.
        Err(e @ (Error::OtherFormat { .. } | Error::NotIcare { .. })) => {
            outcome.status = Status::Skipped(reason(&e, &outcome.file));
            return (outcome, None);
        }
        Err(e) => {
            outcome.status = Status::Failed(reason(&e, &outcome.file));
            return (outcome, None);
        }
    };
    outcome.template = book.template.clone();
    outcome.rows = book.row_count();
    outcome.notes = book.notes.len();
    for n in &book.notes {
        *outcome.categories.entry(n.category).or_default() += 1;
    }
    if book.notes.is_empty() {
        // Checked with the run's other files without notes, once all are read (`run`).
        outcome.status = Status::Checked(Bilingual::default());
        return (outcome, Some(book));
    }
    outcome.outputs = job.outputs();
    let untouched = match corrections(job, &book, registry) {
        Ok(Found::Corrected(workbook)) => {
            correct(job, &workbook, &book, registry, opts, &mut outcome);
            return (outcome, Some(book));
        }
        Ok(Found::Nothing { untouched }) => untouched,
        Err(reason) => {
            outcome.status = Status::Failed(reason);
            return (outcome, Some(book));
        }
    };
    // Up to date by content: the annotated workbook made from this very file and untouched,
    // the upload file icare-fix's own, the checklist there.
    let up_to_date = untouched
        && job.checklist.is_file()
        && output::is_untouched_upload(&job.upload, book.input());
    if !opts.force && up_to_date {
        outcome.status = Status::UpToDate;
        return (outcome, Some(book));
    }
    if opts.dry_run {
        outcome.status = Status::Planned;
        return (outcome, Some(book));
    }
    if let Err(e) = make_folder(&job.upload) {
        outcome.status = Status::Failed(reason(&e, &outcome.file));
        return (outcome, Some(book));
    }
    match write_outputs(job, &book, registry, opts) {
        Ok(details) => outcome.details = details,
        Err(e) => outcome.status = Status::Failed(reason(&e, &outcome.file)),
    }
    (outcome, Some(book))
}

/// What [`corrections`] found for a job.
enum Found {
    /// The annotated workbook holding the user's corrections.
    Corrected(PathBuf),
    /// No corrections; `untouched` when the annotated workbook is icare-fix's own, made from
    /// this very file.
    Nothing { untouched: bool },
}

/// The annotated workbook of `job` that holds the user's corrections, if any; a plain reason
/// when what stands at the annotated workbook's place must be kept and cannot be used, or
/// when two workbooks hold corrections.
fn corrections(
    job: &Job,
    book: &Rejected,
    registry: &Registry,
) -> std::result::Result<Found, Bilingual> {
    let mut corrected = Vec::new();
    let mut untouched = false;
    for path in std::iter::once(&job.annotated).chain(&job.also) {
        match way_back::assess(path, book, registry) {
            Ok(Existing::Corrected(_)) => corrected.push(path.clone()),
            Ok(Existing::Untouched { same_source }) if path == &job.annotated => {
                untouched = same_source
            }
            Ok(Existing::Absent | Existing::Untouched { .. }) => {}
            Ok(_) if path != &job.annotated => {}
            Ok(Existing::NotOurs) => {
                let annotated = job.annotated.display();
                return Err(Bilingual::new(
                    format!(
                        "{annotated} exists but was not written by icare-fix; it is kept as it is. Rename it or move it away, then run again"
                    ),
                    format!(
                        "{annotated} existe, mais n'a pas été écrit par icare-fix ; il est gardé tel quel. Renommez-le ou déplacez-le ailleurs, puis relancez"
                    ),
                ));
            }
            Ok(Existing::Earlier(_)) => {
                let (annotated, input) = (job.annotated.display(), job.input.display());
                return Err(Bilingual::new(
                    format!(
                        "{annotated} holds corrections made for an earlier copy of {input} (the rejected file changed since it was annotated); it is kept as it is. To finish it, give it back with the earlier copy: icare-fix clean \"{annotated}\" --original EARLIER-FILE. To start over from the new file, move it away and run again"
                    ),
                    format!(
                        "{annotated} contient des corrections faites pour une copie antérieure de {input} (le fichier rejeté a changé depuis qu'il a été annoté) ; il est gardé tel quel. Pour le terminer, redonnez-le avec la copie antérieure : icare-fix clean \"{annotated}\" --original FICHIER-ANTÉRIEUR. Pour recommencer à partir du nouveau fichier, déplacez-le ailleurs et relancez"
                    ),
                ));
            }
            Ok(Existing::OtherFile(info)) => {
                let (annotated, source, stem) = (
                    job.annotated.display(),
                    &info.source_name,
                    info.source_stem(),
                );
                return Err(Bilingual::new(
                    format!(
                        "{annotated} is the annotated workbook of another rejected file, {source} (it was saved under this name); it is kept as it is and its corrections are not used for this file. Move it back beside {source}'s outputs under the name {stem}.annotated.xlsx, then run again"
                    ),
                    format!(
                        "{annotated} est le classeur annoté d'un autre fichier rejeté, {source} (il a été enregistré sous ce nom) ; il est gardé tel quel et ses corrections ne servent pas pour ce fichier. Remettez-le à côté des résultats de {source} sous le nom {stem}.annotated.xlsx, puis relancez"
                    ),
                ));
            }
            Err(e) => return Err(reason(&e, &job.input)),
        }
    }
    match corrected.as_slice() {
        [] => Ok(Found::Nothing { untouched }),
        [one] => Ok(Found::Corrected(one.clone())),
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|p| format!("\"{}\"", p.display()))
                .collect();
            Err(Bilingual::new(
                format!(
                    "{} annotated workbooks of this file hold corrections: {}. icare-fix cannot tell which to upload; nothing was written. Keep the one you want, move the others away, and run again",
                    many.len(),
                    names.join(" and ")
                ),
                format!(
                    "{} classeurs annotés de ce fichier contiennent des corrections : {}. icare-fix ne peut pas savoir lequel téléverser ; rien n'a été écrit. Gardez celui que vous voulez, déplacez les autres ailleurs et relancez",
                    many.len(),
                    names.join(" et ")
                ),
            ))
        }
    }
}

fn make_folder(file: &Path) -> Result<()> {
    match file.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => std::fs::create_dir_all(folder)
            .map_err(|e| output::output_folder_error(folder.parent().unwrap_or(folder), e)),
        _ => Ok(()),
    }
}

/// The upload file of a rejected file from the corrections in its annotated workbook
/// `workbook`, written again at every run (what is up to date is never judged by file
/// times); the checklist is written when missing.
fn correct(
    job: &Job,
    workbook: &Path,
    book: &Rejected,
    registry: &Registry,
    opts: &BatchOptions,
    outcome: &mut Outcome,
) {
    outcome.outputs = vec![job.upload.clone()];
    if opts.dry_run {
        outcome.status = Status::Planned;
        return;
    }
    let way_back_opts = WayBackOptions {
        original: None,
        output: Some(job.upload.clone()),
        clean: CleanOptions {
            force: opts.force,
            ..CleanOptions::default()
        },
    };
    match way_back::way_back_from(workbook, book, registry, &way_back_opts) {
        Ok(done) => given_back(outcome, &done),
        Err(e) => {
            outcome.status = Status::Failed(reason(&e, &outcome.file));
            return;
        }
    }
    if !job.checklist.exists() || opts.force {
        let html = checklist_html(&[book], registry, opts.lang);
        if let Err(e) = output::write_file(&job.checklist, &[&job.input], true, html.as_bytes()) {
            outcome.status = Status::Failed(reason(&e, &outcome.file));
        }
    }
}

/// What the way back `done` tells the outcome: its verdict, the records, what was done.
fn given_back(outcome: &mut Outcome, done: &way_back::WayBack) {
    outcome.status = Status::of(&done.verdict);
    outcome.records = Some((done.plan.kept(), done.plan.records));
    outcome.verdict = Some(done.verdict.clone());
    outcome.way_back = Some(done.summary());
    outcome.corrections_from = Some(done.annotated.clone());
    outcome.outputs = vec![done.clean.output.clone()];
    outcome.details = done.describe().lines().map(str::to_string).collect();
}

/// An annotated workbook given back on its own: its upload file, beside it.
fn give_back(given: &GivenBack, registry: &Registry, opts: &BatchOptions) -> Outcome {
    let mut outcome = Outcome::new(given.annotated.clone(), Status::Planned);
    if opts.dry_run {
        outcome.status = Status::Planned;
        return outcome;
    }
    let way_back_opts = WayBackOptions {
        clean: CleanOptions {
            force: opts.force,
            ..CleanOptions::default()
        },
        ..WayBackOptions::default()
    };
    match way_back::way_back(&given.annotated, &given.info, registry, &way_back_opts) {
        Ok(done) => {
            outcome.template = done.clean.template.clone();
            outcome.rows = done.plan.records;
            given_back(&mut outcome, &done);
        }
        Err(e) => outcome.status = Status::Failed(reason(&e, &outcome.file)),
    }
    outcome
}

/// Writes a rejected file's three outputs; returns what `clean` did, line by line.
fn write_outputs(
    job: &Job,
    book: &Rejected,
    registry: &Registry,
    opts: &BatchOptions,
) -> Result<Vec<String>> {
    // The upload file and the checklist are written beside the annotated workbook, on the
    // other processor: the one-step run waits for the longest of them, not for their sum.
    let (cleaned, annotated) = std::thread::scope(|scope| {
        let cleaned = scope.spawn(|| -> Result<_> {
            // icare-fix's own upload file of this very file is replaced; any other only with
            // --force, kept first as a .bak.
            let (force, backup) =
                output::make_room(&job.upload, book.input(), &[&job.input], opts.force, true)?;
            let report = crate::output::clean::clean_input(
                book.input(),
                &job.upload,
                registry,
                &CleanOptions {
                    force,
                    ..CleanOptions::default()
                },
            )?;
            // The checklist is icare-fix's own page, written again with the annotated
            // workbook.
            let html = checklist_html(&[book], registry, opts.lang);
            output::write_file(&job.checklist, &[&job.input], true, html.as_bytes())?;
            Ok((report, backup))
        });
        // The annotated workbook was found untouched (or absent) just before.
        let annotated = annotate::annotate(
            book,
            registry,
            &job.annotated,
            &annotate::AnnotateOptions {
                lang: opts.lang,
                force: job.annotated.exists(),
            },
        );
        (cleaned.join(), annotated)
    });
    let (report, backup) = cleaned.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    annotated?;
    let mut details: Vec<String> = report
        .repairs
        .iter()
        .map(|r| format!("repaired {r}"))
        .collect();
    if let Some(backup) = backup {
        details.push(format!(
            "the earlier {} was kept as {}",
            job.upload.display(),
            backup.display()
        ));
    }
    Ok(details)
}

/// Files without iCARE notes are upload files, not rejected ones: they are checked, all
/// together (a client's records across files), as `icare-fix check` does, and the warning
/// against uploading a file twice stays.
fn check_unnoted(files: &mut [Outcome], books: &[Rejected], registry: &Registry) {
    if books.is_empty() {
        return;
    }
    let refs: Vec<&Rejected> = books.iter().collect();
    let reports = check::check_books(&refs, registry, &check::CheckOptions::default());
    for outcome in files.iter_mut() {
        if !matches!(outcome.status, Status::Checked(_)) {
            continue;
        }
        let report = match &reports {
            Ok(reports) => reports.iter().find(|r| r.path == outcome.file),
            Err(e) => {
                outcome.status = Status::Failed(reason(e, &outcome.file));
                continue;
            }
        };
        let Some(report) = report else { continue };
        let (errors, warnings) = (
            report.count(Severity::Error),
            report.count(Severity::Warning),
        );
        let found = check::report::counts(errors, warnings);
        let found_fr = match (errors, warnings) {
            (0, 0) => "aucun problème trouvé".to_string(),
            (e, 0) => plural(e, "erreur", "erreurs"),
            (0, w) => plural(w, "avertissement", "avertissements"),
            (e, w) => format!(
                "{}, {}",
                plural(e, "erreur", "erreurs"),
                plural(w, "avertissement", "avertissements")
            ),
        };
        outcome.status = Status::Checked(Bilingual::new(
            format!(
                "no iCARE error notes, so it was checked as a file to upload: {found}. If it was uploaded to iCARE already, do not upload it again: iCARE would count its records twice"
            ),
            format!(
                "aucune note d'erreur d'iCARE, il a donc été vérifié comme fichier à téléverser : {found_fr}. S'il a déjà été téléversé dans iCARE, ne le téléversez pas de nouveau : iCARE compterait ses enregistrements deux fois"
            ),
        ));
        outcome.details = report
            .problems
            .iter()
            .map(|p| format!("{} {}: {}", p.cell, p.severity.id(), p.message_en))
            .collect();
    }
}

/// Clients with an identity note in any file, with all their records in all files.
fn identity_clients(books: &[Rejected]) -> Vec<IdentityClient> {
    let key = |c: &Client| {
        (
            c.id_type.trim().to_lowercase(),
            c.id_value.trim().to_string(),
            c.birth_date.trim().to_string(),
        )
    };
    let mut clients: BTreeMap<(String, String, String), IdentityClient> = BTreeMap::new();
    for book in books {
        for n in book
            .notes
            .iter()
            .filter(|n| n.category == Category::Identity)
        {
            let client = book.client(n.row);
            if client.is_unknown() {
                continue;
            }
            clients.entry(key(&client)).or_insert(IdentityClient {
                client,
                records: Vec::new(),
            });
        }
    }
    for book in books {
        for row in book.data_rows() {
            let client = book.client(row.row);
            let Some(entry) = clients.get_mut(&key(&client)) else {
                continue;
            };
            let notes: Vec<_> = book.notes.iter().filter(|n| n.row == row.row).collect();
            let first = notes.first().map(|n| &n.note);
            entry.records.push(ClientRecord {
                file: book.path.clone(),
                template: book.template.clone(),
                row: row.row + 1,
                orp: first
                    .and_then(|n| n.orp)
                    .map(|o| format!("{}/{}", o.index, o.total))
                    .unwrap_or_default(),
                rid: first.and_then(|n| n.rid),
                messages: notes
                    .iter()
                    .map(|n| n.note.message_en.to_string())
                    .collect(),
            });
        }
    }
    clients.into_values().collect()
}

fn checklist_html(books: &[&Rejected], registry: &Registry, lang: Lang) -> String {
    crate::output::checklist::Checklist::build(books, registry).to_html(lang)
}
