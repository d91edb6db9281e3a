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
use crate::workbook::lists::ColumnLists;
use crate::workbook::{GridRow, Rejected, RowVisitor};

/// Reads `paths` (in parallel) and checks them, each on its own and all together. Each file
/// is read a row at a time and its rows checked as they come, so a file of any length is
/// checked in about the same memory; the answer is what [`check_books`] gives on the whole
/// books. Refuses (the first error in the order given) a file that cannot be read or is not
/// an iCARE template.
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
    use rayon::prelude::*;
    // Collected whole first: rayon would return any one of several errors.
    let checked: Vec<Result<Checked>> = paths
        .par_iter()
        .map(|path| check_streamed(path, registry, opts))
        .collect();
    let (books, found): (Vec<Rejected>, Vec<_>) = checked
        .into_iter()
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .unzip();
    let (lists, problems): (Vec<ColumnLists>, Vec<Vec<Problem>>) = found.into_iter().unzip();
    let sheets: Vec<Sheet<'_>> = books
        .iter()
        .zip(lists)
        .map(|(book, lists)| Sheet { book, lists })
        .collect();
    Ok(reports(&sheets, problems, registry))
}

/// A file checked on its own: what is kept of it, its lists and its problems.
type Checked = (Rejected, (ColumnLists, Vec<Problem>));

/// Rows checked this many at a time as a file is read: about what is held of its grid.
const CHUNK: usize = 512;

/// One file read a row at a time, its rules run on its rows a [`CHUNK`] at a time: what is
/// kept of the file is what [`Rejected::open_notes`] keeps (the notes and the clients, for
/// the checks across files), with its lists and its problems. Should the notes turn out to
/// be elsewhere than the first rows said (or the rows out of order), the file is read whole
/// and checked again, so the answer is the same either way.
fn check_streamed(
    path: &std::path::Path,
    registry: &Registry,
    opts: &CheckOptions,
) -> Result<Checked> {
    let mut streaming = Streaming {
        registry,
        opts,
        rows: Vec::with_capacity(CHUNK),
        lists: None,
        seen: rules::Seen::default(),
        problems: Vec::new(),
    };
    let visited = Rejected::open_visiting(path, registry, &mut streaming)?;
    // The visitor is always told the end, so the lists were made (or failed).
    let lists = streaming
        .lists
        .expect("lists made at the end of the sheet")?;
    if visited.layout_held {
        return Ok((visited.book, (lists, streaming.problems)));
    }
    drop(visited);
    let mut book = Rejected::open(path, registry)?;
    book.release_input();
    let sheet = Sheet {
        book: &book,
        lists: ColumnLists::of_book(&book, registry)?,
    };
    let problems = rules::check(&sheet, registry, opts);
    let lists = sheet.lists;
    Ok((book, (lists, problems)))
}

/// The rules of one file, run on its rows as they are read ([`check_streamed`]).
struct Streaming<'r> {
    registry: &'r Registry,
    opts: &'r CheckOptions,
    /// The rows read since the last check.
    rows: Vec<GridRow>,
    /// The file's lists, made at the first check (or why they could not be).
    lists: Option<Result<ColumnLists>>,
    seen: rules::Seen,
    problems: Vec<Problem>,
}

impl Streaming<'_> {
    fn check(&mut self, book: &Rejected) {
        let lists = match self.lists.take() {
            Some(lists) => lists,
            None => ColumnLists::of_book(book, self.registry),
        };
        self.lists = Some(lists.map(|lists| {
            let sheet = Sheet { book, lists };
            rules::check_rows(
                &sheet,
                self.rows.iter(),
                self.registry,
                self.opts,
                &mut self.seen,
                &mut self.problems,
            );
            sheet.lists
        }));
        self.rows.clear();
    }
}

impl RowVisitor for Streaming<'_> {
    fn row(&mut self, book: &Rejected, row: GridRow) {
        self.rows.push(row);
        if self.rows.len() == CHUNK {
            self.check(book);
        }
    }

    fn end(&mut self, book: &Rejected) {
        self.check(book);
    }
}

/// Reads `paths` in parallel, whole, each holding its file (to write from it afterwards);
/// the first error in the order given.
///
/// # Errors
///
/// Fails, with the first such error in the order given, when a file cannot be read as a
/// workbook or is not an iCARE template (see [`crate::Rejected::open`]).
pub fn open_all(paths: &[PathBuf], registry: &Registry) -> Result<Vec<Rejected>> {
    use rayon::prelude::*;
    // Collected whole first: rayon would return any one of several errors.
    let opened: Vec<Result<Rejected>> = paths
        .par_iter()
        .map(|path| Rejected::open(path, registry))
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
    let sheets = sheets_of(books, registry)?;
    let problems: Vec<Vec<Problem>> = sheets
        .par_iter()
        .map(|sheet| rules::check(sheet, registry, opts))
        .collect();
    Ok(reports(&sheets, problems, registry))
}

/// Each book with its lists.
fn sheets_of<'a>(books: &[&'a Rejected], registry: &Registry) -> Result<Vec<Sheet<'a>>> {
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
    sheets.into_iter().collect()
}

/// The reports of `sheets`, given the problems of each found on its own: the checks across
/// the files added, each file's problems in row order.
fn reports(
    sheets: &[Sheet<'_>],
    mut problems: Vec<Vec<Problem>>,
    registry: &Registry,
) -> Vec<FileReport> {
    across::check(sheets, registry, &mut problems);
    sheets
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
        .collect()
}
