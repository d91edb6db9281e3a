//! The library's error type.
//!
//! Every variant is a situation a person can act on, and its message says what happened and
//! what to do, in plain words: the people who read these messages work in Excel, not in a
//! terminal. Paths are shown as the user typed them.
//!
//! The messages are English (`Display`, what the command line prints); [`Error::message_in`]
//! gives them in French too, for the page ([`french`] holds the French).

mod french;

pub(crate) use french::q as quoted_fr;

use std::path::{Path, PathBuf};

use crate::lang::Lang;

/// Everything that can stop icare-fix from handling a file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file does not exist.
    #[error("cannot find the file '{}'. Check the name and the folder.", .path.display())]
    NotFound { path: PathBuf },

    /// A folder was expected.
    #[error("'{}' is not a folder. Give the folder that holds the rejected files.", .path.display())]
    NotAFolder { path: PathBuf },

    /// The file exists but cannot be opened, most often because Excel has it open (Windows
    /// locks open workbooks) or because of folder permissions. The system's own words
    /// ("Sharing violation. (os error 32)") are technical: `--verbose` shows them.
    #[error(
        "cannot open '{}': another program has it open (Excel, most likely), or this account may not open it. Close it in Excel and try again.",
        .path.display()
    )]
    Locked {
        path: PathBuf,
        source: std::io::Error,
    },

    /// Reading or writing failed for another reason.
    #[error("cannot read or write '{}': {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// The file is an Excel workbook protected by a password (an encrypted OLE2 container).
    #[error(
        "'{}' is protected by a password. Open it in Excel, remove the password (File > Info > Protect Workbook), save it and try again.",
        .path.display()
    )]
    Encrypted { path: PathBuf },

    /// An old-format .xls (or another OLE2 file) where only .xlsx is accepted.
    #[error(
        "'{}' is an old Excel 97-2003 workbook (.xls). Open it in Excel and save it as an Excel Workbook (.xlsx), then try again.",
        .path.display()
    )]
    OldExcelFormat { path: PathBuf },

    /// An Excel 5.0/95 workbook, older than any iCARE file.
    #[error(
        "'{}' is in the Excel 5.0/95 format, older than any iCARE file. Open it in Excel and save it as an Excel Workbook (.xlsx), then try again.",
        .path.display()
    )]
    Excel95 { path: PathBuf },

    /// A spreadsheet that is not an iCARE file, told by something no iCARE template has.
    #[error(
        "'{}' is a spreadsheet but not an iCARE file: {detail}. Use the rejected file downloaded from iCARE.",
        .path.display()
    )]
    NotIcare { path: PathBuf, detail: String },

    /// A spreadsheet in a format iCARE never sends and icare-fix does not read (an Excel
    /// binary workbook, an Excel 2.x-4.0 worksheet, a Strict Open XML workbook, parts written
    /// in UTF-16, an OpenDocument file the reader cannot take): saved as .xlsx, it can be
    /// read. `technical` holds a reader's own words, for `--verbose` only.
    #[error(
        "'{}' is {what}, not the Excel Workbook (.xlsx) iCARE sends. Open it in Excel and save it as an Excel Workbook (.xlsx), then try again.",
        .path.display()
    )]
    OtherFormat {
        path: PathBuf,
        what: String,
        technical: String,
    },

    /// An OpenDocument spreadsheet where only .xlsx is accepted.
    #[error(
        "'{}' is an OpenDocument spreadsheet (.ods), not the Excel Workbook (.xlsx) iCARE sends. Open it in Excel and save it as an Excel Workbook (.xlsx), then try again.",
        .path.display()
    )]
    OpenDocument { path: PathBuf },

    /// The file is not a spreadsheet at all (a text file, a PDF, an empty file renamed .xlsx).
    #[error(
        "'{}' is not an Excel workbook{}. Download the rejected file from iCARE again, or open it in Excel and save it as .xlsx.",
        .path.display(), detail_suffix(.detail)
    )]
    NotAWorkbook { path: PathBuf, detail: String },

    /// A zip-based workbook that is damaged or cut short (an interrupted download).
    #[error(
        "'{}' is damaged or incomplete ({detail}). Download the rejected file from iCARE again.",
        .path.display()
    )]
    Damaged { path: PathBuf, detail: String },

    /// The same, where a library said why: its words are kept for `--verbose` only.
    #[error(
        "'{}' is damaged or incomplete ({detail}). Download the rejected file from iCARE again.",
        .path.display()
    )]
    DamagedBy {
        path: PathBuf,
        detail: String,
        technical: String,
    },

    /// A part of the workbook is far larger than any iCARE file: most likely a hostile file.
    #[error(
        "'{}' is too large to be an iCARE file: {detail}. It was not processed.",
        .path.display()
    )]
    TooLarge { path: PathBuf, detail: String },

    /// An old .xls workbook one of whose sheets would need a grid larger than the tool reads
    /// at once (calamine reads an .xls whole, from its first to its last cell).
    #[error(
        "'{}' is an old Excel 97-2003 workbook (.xls) whose sheet {sheet} spans {cells} cells, more than icare-fix reads at once from this old format. It was not processed. Open it in Excel, save it as an Excel Workbook (.xlsx) and try again: that format is read a cell at a time.",
        .path.display()
    )]
    XlsTooLarge {
        path: PathBuf,
        sheet: usize,
        cells: u64,
    },

    /// The workbook's XML declares a DOCTYPE or entities, which Excel never writes and which
    /// are used to attack XML readers.
    #[error(
        "'{}' contains XML that Excel never writes (a DOCTYPE or entity declaration in {part}), as files built to attack a reader do. It was not processed. If it came from iCARE, download the rejected file again; otherwise open it in Excel, save it as an Excel Workbook (.xlsx) and try again.",
        .path.display()
    )]
    UnsafeXml { path: PathBuf, part: String },

    /// A cell or range reference past Excel's last row (1,048,576) or column (XFD).
    #[error(
        "'{}' has a reference past Excel's last row or column ({reference} in {part}): the file is damaged. Download the rejected file from iCARE again.",
        .path.display()
    )]
    OutOfRange {
        path: PathBuf,
        part: String,
        reference: String,
    },

    /// No visible sheet holds an iCARE codes row.
    #[error(
        "'{}' does not look like an iCARE template: no visible sheet has the hidden row of iCARE field codes (such as client_validation_type_id). {hint}",
        .path.display()
    )]
    NoCodesRow {
        path: PathBuf,
        hint: String,
        /// A hidden sheet has the codes row: the template sheet was hidden in Excel.
        template_hidden: bool,
    },

    /// The workbook lists no sheet at all.
    #[error(
        "'{}' has no sheets: it is damaged or was not saved by Excel. Download the rejected file from iCARE again.",
        .path.display()
    )]
    NoSheets { path: PathBuf },

    /// The folder an output goes to cannot be written in (read-only, no permission, missing).
    #[error(
        "cannot write in the folder '{}': {reason}. Choose another folder for the output, or check that you may save files there.",
        .path.display()
    )]
    OutputFolder { path: PathBuf, reason: String },

    /// The workbook has no iCARE error notes, so it is an original upload file rather than a
    /// rejected file.
    #[error(
        "'{}' has no iCARE error notes: this looks like an original upload file, not a rejected file; uploading it again would duplicate records. Use --force if you are sure.",
        .path.display()
    )]
    NotRejected { path: PathBuf },

    /// The output would overwrite an existing file.
    #[error(
        "'{}' already exists. Use --force to replace it, or -o to choose another name.",
        .path.display()
    )]
    OutputExists { path: PathBuf },

    /// The output exists and is not icare-fix's own untouched output.
    #[error(
        "'{}' already exists and was changed after icare-fix wrote it (or was not written by icare-fix), so it was not replaced. If it holds changes you want, rename it first; --force keeps a copy of it as a .bak file and writes the new one.",
        .path.display()
    )]
    OutputChanged { path: PathBuf },

    /// A word that is neither a file nor a command, but looks like a mistyped command.
    #[error(
        "'{word}' is neither a file nor a command. Did you mean: icare-fix {command} ...? (icare-fix --help lists the commands.)"
    )]
    MistypedCommand { word: String, command: String },

    /// The output path is the input itself.
    #[error(
        "the output '{}' is the input file itself; icare-fix never changes an input. Choose another name with -o.",
        .path.display()
    )]
    OutputIsInput { path: PathBuf },

    /// A data file in a templates folder is malformed.
    #[error("template file '{}', line {line}: {message}", .path.display())]
    TemplateFile {
        path: PathBuf,
        line: usize,
        message: String,
    },

    /// An annotated workbook's original rejected file cannot be found.
    #[error(
        "cannot find '{name}', the rejected file '{}' was made from. Looked in {looked}.{changed} Put the rejected file, exactly as downloaded from iCARE, back in the folder of the annotated workbook or the folder above it, or name it with --original.",
        .annotated.display()
    )]
    OriginalMissing {
        annotated: PathBuf,
        name: String,
        looked: String,
        changed: String,
    },

    /// The annotated workbook cannot be matched with its original with certainty: making an
    /// upload file from it could move or lose data.
    #[error(
        "cannot make the upload file from '{}': {detail}. Nothing was written.",
        .path.display()
    )]
    AnnotatedMismatch { path: PathBuf, detail: String },

    /// An annotated workbook saved under the name of another rejected file's: its corrections
    /// belong to the file its stamp names.
    #[error(
        "'{}' is the annotated workbook of '{made_from}', not of '{expected}': another rejected file's annotated workbook was saved under this name. Its corrections belong to '{made_from}', so nothing was written. Give it back under its own name ({source_stem}.annotated.xlsx); for '{expected}', use its own annotated workbook (running icare-fix on '{expected}' writes a new one when none is left).",
        .path.display()
    )]
    AnnotatedOfAnother {
        path: PathBuf,
        made_from: String,
        source_stem: String,
        expected: String,
    },

    /// An annotated workbook given where a file to upload (or a rejected file to check) was
    /// expected: it is never uploaded, it is given back.
    #[error(
        "'{}' is an annotated workbook written by icare-fix, not a file to upload: never upload it. Give it back instead (icare-fix \"{}\", or drop it on icare-fix): that writes the upload file with your corrections, and checks it.",
        .path.display(), .path.display()
    )]
    AnnotatedNotUpload { path: PathBuf },

    /// An output that the user changed after icare-fix wrote it: it is never replaced.
    #[error(
        "'{}' {reason}: icare-fix never replaces it, even with --force. {next}",
        .path.display()
    )]
    UserWork {
        path: PathBuf,
        reason: String,
        next: String,
    },

    /// The original rejected file changed after the annotated workbook was made.
    #[error(
        "'{}' is not the file '{}' was made from (its content changed since). Use the rejected file exactly as downloaded from iCARE, or annotate it again.",
        .original.display(), .annotated.display()
    )]
    OriginalChanged {
        annotated: PathBuf,
        original: PathBuf,
    },

    /// The written output did not read back as expected; it has been deleted.
    #[error("the check of the written file failed, so it was deleted: {detail}")]
    SelfCheck { detail: String },

    /// A template id that no template file defines.
    #[error("there is no iCARE template '{id}'. Known templates: {known}.")]
    UnknownTemplate { id: String, known: String },

    /// Something in the workbook the tool cannot handle safely.
    #[error("'{}': {detail}", .path.display())]
    Unsupported { path: PathBuf, detail: String },

    /// The page of `icare-fix serve` could not start (or stopped on an error).
    #[error(
        "the page could not start: {what} ({source}). Close other copies of icare-fix, or choose another port with --port, and try again."
    )]
    ServeStart {
        what: String,
        source: std::io::Error,
    },
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    }
}

impl Error {
    /// An I/O error on `path`, told apart: missing file, locked file, other.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        let path = path.to_path_buf();
        match source.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound { path },
            std::io::ErrorKind::PermissionDenied => Error::Locked { path, source },
            // Windows reports a file locked by Excel as a sharing violation (raw OS error 32)
            // or a lock violation (33).
            _ if matches!(source.raw_os_error(), Some(32 | 33)) && cfg!(windows) => {
                Error::Locked { path, source }
            }
            _ => Error::Io { path, source },
        }
    }

    /// The message in `lang`: English (exactly the `Display` text the command line prints),
    /// French, or both (English, a line break, French). The reader's own words are in
    /// neither; see [`Error::technical_detail`].
    pub fn message_in(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Fr => self.french(),
            Lang::Both => format!("{self}\n{}", self.french()),
        }
    }

    /// The message in French. The match names every variant: a new one does not compile
    /// until it has its French.
    fn french(&self) -> String {
        use Error as E;
        use french::*;
        match self {
            E::NotFound { path } => not_found(path),
            E::NotAFolder { path } => not_a_folder(path),
            E::Locked { path, .. } => locked(path),
            E::Io { path, .. } => io(path),
            E::Encrypted { path } => encrypted(path),
            E::OldExcelFormat { path } => old_excel(path),
            E::Excel95 { path } => excel_95(path),
            E::NotIcare { path, detail } => not_icare(path, detail),
            E::OtherFormat { path, what, .. } => other_format(path, what),
            E::OpenDocument { path } => other_format(path, ODS),
            E::NotAWorkbook { path, detail } => not_a_workbook(path, detail),
            E::Damaged { path, detail } | E::DamagedBy { path, detail, .. } => {
                damaged(path, detail)
            }
            E::TooLarge { path, detail } => too_large(path, detail),
            E::XlsTooLarge { path, sheet, cells } => xls_too_large(path, *sheet, *cells),
            E::UnsafeXml { path, part } => unsafe_xml(path, part),
            E::OutOfRange {
                path,
                part,
                reference,
            } => out_of_range(path, part, reference),
            E::NoCodesRow { path, hint, .. } => no_codes_row(path, hint),
            E::NoSheets { path } => no_sheets(path),
            E::OutputFolder { path, reason } => output_folder(path, reason),
            E::NotRejected { path } => not_rejected(path),
            E::OutputExists { path } => output_exists(path),
            E::OutputChanged { path } => output_changed(path),
            E::MistypedCommand { word, command } => mistyped(word, command),
            E::OutputIsInput { path } => output_is_input(path),
            E::TemplateFile {
                path,
                line,
                message,
            } => format!("fichier de modèle {}, ligne {line} : {message}", q(path)),
            E::OriginalMissing {
                annotated,
                name,
                looked,
                changed,
            } => original_missing(annotated, name, looked, changed),
            E::AnnotatedMismatch { path, detail } => annotated_mismatch(path, detail),
            E::AnnotatedOfAnother {
                path,
                made_from,
                source_stem,
                expected,
            } => annotated_of_another(path, made_from, source_stem, expected),
            E::AnnotatedNotUpload { path } => annotated_not_upload(path),
            E::UserWork { path, reason, next } => user_work(path, reason, next),
            E::OriginalChanged {
                annotated,
                original,
            } => original_changed(annotated, original),
            E::SelfCheck { .. } => {
                // Its detail is a technician's, said in English by the command line.
                "la vérification du fichier écrit a échoué, il a donc été supprimé.".into()
            }
            E::UnknownTemplate { id, known } => {
                format!("il n'y a pas de modèle iCARE « {id} ». Modèles connus : {known}.")
            }
            E::Unsupported { path, detail } => format!("{} : {}", q(path), in_french(detail)),
            E::ServeStart { what, source } => serve_start(what, source),
        }
    }

    /// The reader's own words about a damaged file (a zip or XML library's message, a part
    /// name) or the system's about a locked one, for a technician: the command line shows
    /// them only with `--verbose`.
    pub fn technical_detail(&self) -> Option<String> {
        match self {
            Error::DamagedBy { technical, .. } => Some(technical.clone()),
            Error::OtherFormat { technical, .. } if !technical.is_empty() => {
                Some(technical.clone())
            }
            Error::Locked { source, .. } => Some(source.to_string()),
            _ => None,
        }
    }

    /// True when the input or the request was refused (the file is not one the tool can
    /// take, or an output may not be replaced), false for a failure while working (reading or
    /// writing a file, the self-check of a written file, a template file of the user's).
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            Error::Io { .. } | Error::SelfCheck { .. } | Error::TemplateFile { .. }
        )
    }
}

/// The result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
