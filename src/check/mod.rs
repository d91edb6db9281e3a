//! `icare-fix check`: what iCARE is likely to reject in an upload file, found before the
//! upload.
//!
//! An upload file is an export from a case-management system, or a corrected file: an iCARE
//! template with data rows and no notes. [`check_files`] reads each one the way
//! [`crate::Rejected::open`] reads a rejected file (the codes row is the truth), takes each
//! column's rules from [`ColumnLists`] (the file's own `LOV` sheet first, the bundled
//! `templates/` after) and the [`crate::Registry`] (kinds, mandatory marks, labels), and runs
//! the rules of [`rules`] on every row and those of [`across`] on all the files given
//! together (a month's exports). [`report`] prints the result as `errors` does: a table, JSON
//! or CSV.
//!
//! Every problem says where its rule comes from ([`Source`]): the file's own lists and
//! mandatory flags, icare-fix's copy of the template, a message iCARE is known to write, or
//! an educated guess. The first three are errors (iCARE rejects the record); guesses are
//! warnings and say so in their message. A `fix` is given only when it is certain (a near
//! miss of a list value, a date Excel stored as a number).
//!
//! Nothing is written here, and nothing here knows the outputs: the annotated workbook of
//! `check --annotate` is drawn by [`crate::output::annotate::annotate_predicted`] and named
//! by [`crate::output::names::checked_path`]. What a check shares with the outputs lies below
//! both: the repairs `clean` makes ([`crate::repair`]) and the way values are written out
//! ([`crate::text`]).
//!
//! ```
//! use icare_fix::Registry;
//! use icare_fix::check::{CheckOptions, check_files};
//! let registry = Registry::builtin();
//! let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/original_upload.xlsx");
//! let reports = check_files(&[path], &registry, &CheckOptions::default()).unwrap();
//! assert_eq!(reports[0].template.as_deref(), Some("client_profile"));
//! ```

pub mod across;
mod model;
pub mod report;
pub mod rules;

pub use model::{CheckOptions, FileReport, Problem, Rule, Severity, Sheet, Source};

use std::path::PathBuf;

use crate::error::Result;
use crate::template::Registry;
use crate::workbook::Rejected;
use crate::workbook::lists::ColumnLists;

/// Reads `paths` (in parallel) and checks them, each on its own and all together. Refuses
/// (the first error in the order given) a file that cannot be read or is not an iCARE
/// template.
///
/// # Errors
///
/// Fails, with the first such error in the order given, when a file cannot be read (see
/// [`crate::Rejected::open`]) or its lists cannot be read (see [`check_books`]).
pub fn check_files(
    paths: &[PathBuf],
    registry: &Registry,
    opts: &CheckOptions,
) -> Result<Vec<FileReport>> {
    let books = open_all(paths, registry, false)?;
    let refs: Vec<&Rejected> = books.iter().collect();
    check_books(&refs, registry, opts)
}

/// Reads `paths` in parallel; the first error in the order given. Unless `keep_files` (to
/// write from them afterwards), each workbook lets go of its file once read, so that a
/// thousand files are never open at once.
///
/// # Errors
///
/// Fails, with the first such error in the order given, when a file cannot be read as a
/// workbook or is not an iCARE template (see [`crate::Rejected::open`]).
pub fn open_all(paths: &[PathBuf], registry: &Registry, keep_files: bool) -> Result<Vec<Rejected>> {
    use rayon::prelude::*;
    // Collected whole first: rayon would return any one of several errors.
    let opened: Vec<Result<Rejected>> = paths
        .par_iter()
        .map(|path| {
            let mut book = Rejected::open(path, registry)?;
            if !keep_files {
                book.release_input();
            }
            Ok(book)
        })
        .collect();
    opened.into_iter().collect()
}

/// Checks workbooks already read, each on its own and all together.
///
/// # Errors
///
/// Fails when a workbook's own `LOV` sheet cannot be read (see
/// [`ColumnLists::of_book`]); a problem of the data is a [`Problem`], never an error.
pub fn check_books(
    books: &[&Rejected],
    registry: &Registry,
    opts: &CheckOptions,
) -> Result<Vec<FileReport>> {
    use rayon::prelude::*;
    let sheets: Vec<Result<Sheet<'_>>> = books
        .par_iter()
        .map(|book| {
            Ok(Sheet {
                book,
                lists: ColumnLists::of_book(book, registry)?,
            })
        })
        .collect();
    let sheets: Vec<Sheet<'_>> = sheets.into_iter().collect::<Result<_>>()?;
    let mut problems: Vec<Vec<Problem>> = sheets
        .par_iter()
        .map(|sheet| rules::check(sheet, registry, opts))
        .collect();
    across::check(&sheets, registry, &mut problems);
    Ok(sheets
        .iter()
        .zip(problems)
        .map(|(sheet, mut problems)| {
            problems.sort_by_key(|p| (p.row, p.col, p.rule));
            FileReport {
                file: sheet.book.path.display().to_string(),
                template: sheet.book.template.clone(),
                rows: sheet.book.row_count(),
                problems,
                path: sheet.book.path.clone(),
                notes: sheet.book.notes.len(),
            }
        })
        .collect())
}
