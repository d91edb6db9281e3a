//! The names of the files icare-fix writes, in one place: for a rejected workbook `NAME.xlsx`,
//! `NAME.upload.xlsx` (`.xlsm` for a macro-enabled workbook, whose copy must keep the
//! extension Excel expects for its content), `NAME.annotated.xlsx` and
//! `NAME.checklist.html`; for an upload file `check --annotate` looks at, `NAME.checked.xlsx`;
//! for a run over several files, `summary.xlsx`, `summary.json` and
//! `summary.checklist.html`.

use std::path::{Path, PathBuf};

/// Suffix of the upload-ready output.
pub const UPLOAD_SUFFIX: &str = "upload.xlsx";
/// Suffix of the upload-ready output of a macro-enabled workbook.
pub const UPLOAD_SUFFIX_XLSM: &str = "upload.xlsm";
/// Suffix of the annotated workbook.
pub const ANNOTATED_SUFFIX: &str = "annotated.xlsx";
/// Suffix of the workbook of the problems `icare-fix check --annotate` predicts.
pub const CHECKED_SUFFIX: &str = "checked.xlsx";
/// Suffix of the checklist.
pub const CHECKLIST_SUFFIX: &str = "checklist.html";
/// Name of the run's summary workbook.
pub const SUMMARY_XLSX: &str = "summary.xlsx";
/// Name of the run's summary for programs.
pub const SUMMARY_JSON: &str = "summary.json";
/// Name of the run's checklist across all files.
pub const SUMMARY_CHECKLIST: &str = "summary.checklist.html";

/// The three outputs of one rejected workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputNames {
    /// `NAME.upload.xlsx` (or `.xlsm`).
    pub upload: PathBuf,
    /// `NAME.annotated.xlsx`.
    pub annotated: PathBuf,
    /// `NAME.checklist.html`.
    pub checklist: PathBuf,
}

impl OutputNames {
    /// The outputs of `input` beside it.
    pub fn beside(input: &Path) -> OutputNames {
        OutputNames::named(input, input)
    }

    /// The outputs of `input` named after `base` (`FOLDER/NAME.xlsx`): in FOLDER, called NAME.
    pub fn named(input: &Path, base: &Path) -> OutputNames {
        OutputNames {
            upload: sibling_path(base, upload_suffix(input)),
            annotated: sibling_path(base, ANNOTATED_SUFFIX),
            checklist: sibling_path(base, CHECKLIST_SUFFIX),
        }
    }
}

/// The name of an output beside `input`: `REJECTED.xlsx` + `upload.xlsx` →
/// `REJECTED.upload.xlsx`.
pub fn sibling_path(input: &Path, suffix: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    input.with_file_name(format!("{stem}.{suffix}"))
}

/// The name of the predicted-problems workbook of `check --annotate` beside `file`:
/// `NAME.checked.xlsx`.
pub fn checked_path(file: &Path) -> PathBuf {
    sibling_path(file, CHECKED_SUFFIX)
}

/// The suffix of the upload file of `input`: `upload.xlsm` for a macro-enabled workbook, else
/// `upload.xlsx`.
pub fn upload_suffix(input: &Path) -> &'static str {
    match input.extension() {
        Some(e) if e.eq_ignore_ascii_case("xlsm") => UPLOAD_SUFFIX_XLSM,
        _ => UPLOAD_SUFFIX,
    }
}

/// The upload file of an annotated workbook: beside it, named after the rejected file
/// `original` it was made from, whatever the workbook is called now (`NAME.annotated
/// (1).xlsx`, the browser's name for a second download, → `NAME.upload.xlsx`): one upload file
/// per rejected file.
pub fn upload_of_annotated(annotated: &Path, original: &Path) -> PathBuf {
    let stem = original
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    annotated.with_file_name(format!("{stem}.{}", upload_suffix(original)))
}

/// True when a file name (lower case) is one of icare-fix's upload files or run summaries,
/// which a folder run must not take for input.
pub fn is_output_name(name: &str) -> bool {
    name.ends_with(&format!(".{UPLOAD_SUFFIX}"))
        || name.ends_with(&format!(".{UPLOAD_SUFFIX_XLSM}"))
        || name.ends_with(&format!(".{CHECKED_SUFFIX}"))
        || name == SUMMARY_XLSX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_input_and_keep_accents_and_spaces() {
        let names = OutputNames::beside(Path::new("dossiers/Rejet été 2024.xlsx"));
        assert_eq!(
            names.upload,
            Path::new("dossiers/Rejet été 2024.upload.xlsx")
        );
        assert_eq!(
            names.annotated,
            Path::new("dossiers/Rejet été 2024.annotated.xlsx")
        );
        assert_eq!(
            names.checklist,
            Path::new("dossiers/Rejet été 2024.checklist.html")
        );
        let macro_book = OutputNames::named(Path::new("in/M.XLSM"), Path::new("out/M (2).xlsx"));
        assert_eq!(macro_book.upload, Path::new("out/M (2).upload.xlsm"));
        assert_eq!(
            upload_of_annotated(Path::new("f/M.annotated.xlsx"), Path::new("M.xlsm")),
            Path::new("f/M.upload.xlsm")
        );
        assert_eq!(
            upload_of_annotated(
                Path::new("Downloads/M.annotated (1).xlsx"),
                Path::new("Downloads/M.xlsx")
            ),
            Path::new("Downloads/M.upload.xlsx")
        );
        assert!(is_output_name("m.upload.xlsm") && is_output_name("summary.xlsx"));
        assert!(!is_output_name("upload.xlsx.bak"));
    }
}
