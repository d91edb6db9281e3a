//! Reading a rejected iCARE workbook and finding everything in it from its content.
//!
//! [`Rejected::open`] finds the data sheet (the visible sheet holding the codes row), the
//! codes row, the labels row, where data starts, the template (by its codes), the notes
//! column and its layout, and maps every note's field codes to cells of its row through the
//! codes row (never through labels, which repeat). Nothing is taken from fixed positions: the
//! codes row is the truth, so unknown or newer layouts work too.
//!
//! [`read`] opens files and reads cells; [`address`] names cells. The lossless package rewrite
//! for the upload-ready file lives in [`crate::output`].

/// A1 names: kept at `workbook::address` for the callers, owned by the package layer.
pub use crate::package::address;
mod biff;
pub mod layout;
pub mod lists;
mod ole;
mod peek;
pub mod read;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use calamine::Data;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::note::{self, ArcStr, Category, Note, Texts};
use crate::template::Registry;
pub use address::{cell_name, col_name};
pub use layout::{Layout, NotesColumn};
pub use read::{Format, Grid, GridRow, Input, SheetInfo};

/// What to do when no visible sheet has the codes row: unhide the template sheet when a
/// hidden one has it, download the file again when every sheet is hidden, else check that
/// this is the rejected file.
pub(crate) fn codes_row_hint(template_hidden: bool, all_hidden: bool) -> String {
    if template_hidden {
        "The template sheet is hidden: unhide it in Excel (right-click a sheet tab > Unhide), save and try again."
    } else if all_hidden {
        "In fact every sheet of the workbook is hidden, which Excel never saves: download the rejected file from iCARE again."
    } else {
        "Make sure this is the rejected file downloaded from iCARE, with its three header rows (title, hidden codes, labels) intact."
    }
    .to_string()
}

/// The fields iCARE validates a client by: identifier type, identifier value, birth date.
pub const IDENTITY_FIELDS: [&str; 3] = [
    "client_validation_type_id",
    "client_validation_id",
    "client_birth_dt",
];

/// A note's field located in its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldCell {
    /// The field code.
    pub code: ArcStr,
    /// 0-based column.
    pub col: u32,
}

/// One note of the workbook, with the cells it concerns.
#[derive(Debug, Clone)]
pub struct LocatedNote {
    /// 0-based row of the note.
    pub row: u32,
    /// The parsed note.
    pub note: Note,
    /// Category, from the catalogue or guessed.
    pub category: Category,
    /// Cells to fix: the note's own fields, or for a note that names none, the catalogue's
    /// fields for its message (the identity fields for "Unable to validate").
    pub cells: Vec<FieldCell>,
    /// Field codes the workbook lacks.
    pub unlocated: Vec<ArcStr>,
}

impl LocatedNote {
    /// A1 names of the cells to fix.
    pub fn cell_names(&self) -> Vec<String> {
        self.cells
            .iter()
            .map(|c| cell_name(self.row, c.col))
            .collect()
    }

    /// True when no cell could be located, so the whole row is concerned.
    pub fn whole_row(&self) -> bool {
        self.cells.is_empty()
    }
}

/// The client a row belongs to, as far as the row tells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Client {
    /// Identifier type (`FOSS/GCMS Client ID`, ...).
    pub id_type: String,
    /// Identifier value.
    pub id_value: String,
    /// Date of birth as written.
    pub birth_date: String,
}

impl Client {
    /// True when the row holds none of the three.
    pub fn is_unknown(&self) -> bool {
        self.id_type.is_empty() && self.id_value.is_empty() && self.birth_date.is_empty()
    }
}

/// A rejected iCARE workbook, read and understood.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// The file as given.
    pub path: PathBuf,
    /// Container format.
    pub format: Format,
    /// Every sheet in tab order.
    pub sheets: Vec<SheetInfo>,
    /// Name of the data sheet.
    pub sheet: String,
    /// Template id, when the codes match a known template.
    pub template: Option<String>,
    /// 0-based row of the field codes.
    pub codes_row: u32,
    /// 0-based row of the labels, when present.
    pub labels_row: Option<u32>,
    /// 0-based first data row.
    pub data_start: u32,
    /// Field code of each column (0-based), `None` where the codes row is empty.
    pub codes: Vec<Option<String>>,
    /// Label of each column (0-based), empty where none.
    pub labels: Vec<String>,
    /// Where the notes are, when found.
    pub notes_column: Option<NotesColumn>,
    /// Every non-empty cell of the data sheet (of its data rows, only those the notes need
    /// when read by [`Rejected::open_notes`]).
    pub grid: Grid,
    /// The notes, in row order.
    pub notes: Vec<LocatedNote>,
    code_index: HashMap<String, u32>,
    /// Columns of the [`IDENTITY_FIELDS`], found once (a client is asked for per note).
    identity: [Option<u32>; 3],
    /// The file as opened at the door: every later step reads it through this one handle.
    /// `None` when read for its notes only ([`Rejected::open_notes`]): nothing writes it back.
    input: Option<Input>,
    /// The cells of its `LOV` sheet, when it has one, read with the data sheet; or why that
    /// sheet could not be read.
    lov: std::result::Result<Option<Grid>, String>,
}

impl Rejected {
    /// Reads `path` and finds its layout and notes.
    ///
    /// # Errors
    ///
    /// Fails when `path` cannot be opened (missing, locked, too large), is not a workbook (a
    /// CSV, a folder, an encrypted file), is damaged, has no sheets, or is not an iCARE template
    /// (no codes row); each has its own [`Error`] variant with a message saying what to do.
    pub fn open(path: &Path, registry: &Registry) -> Result<Rejected> {
        Rejected::from_input(Input::open(path)?, registry)
    }

    /// Reads `path` for its notes only: every cell of the header rows but, of each data row,
    /// only the notes, the client's identity and the cells the notes name. What `errors`,
    /// `inspect` and the checklist read; its [`Rejected::grid`] is not the whole sheet, so it
    /// is never written back.
    ///
    /// # Errors
    ///
    /// As [`Rejected::open`].
    pub fn open_notes(path: &Path, registry: &Registry) -> Result<Rejected> {
        Rejected::read(Input::open(path)?, registry, Cells::Noted, None)
    }

    /// Reads the workbook of `input` and finds its layout and notes.
    ///
    /// # Errors
    ///
    /// As [`Rejected::open`].
    pub fn from_input(input: Input, registry: &Registry) -> Result<Rejected> {
        Rejected::read(input, registry, Cells::All, None)
    }

    /// Reads `path` a row at a time: each data row goes whole to `visitor` as it is read, and
    /// the book keeps of it only what [`Rejected::open_notes`] keeps. The visitor sees the
    /// book as its header and first rows tell it ([`HEADER_SEARCH_ROWS`] rows: the codes, the
    /// labels, the template, the `LOV` sheet and where the notes are); [`Visited::layout_held`]
    /// says whether the whole sheet told the same. What `check` reads a large file with: the
    /// grid is never whole in memory.
    ///
    /// [`HEADER_SEARCH_ROWS`]: layout::HEADER_SEARCH_ROWS
    ///
    /// # Errors
    ///
    /// As [`Rejected::open`].
    pub fn open_visiting(
        path: &Path,
        registry: &Registry,
        visitor: &mut dyn RowVisitor,
    ) -> Result<Visited> {
        let mut seen = Seen::default();
        let book = Rejected::read(
            Input::open(path)?,
            registry,
            Cells::Noted,
            Some((visitor, &mut seen)),
        )?;
        Ok(Visited {
            layout_held: !seen.not_as_told && seen.notes_column == Some(book.notes_column),
            book,
        })
    }

    fn read(
        input: Input,
        registry: &Registry,
        cells: Cells,
        mut visiting: Option<(&mut dyn RowVisitor, &mut Seen)>,
    ) -> Result<Rejected> {
        let path = input.path();
        let format = read::sniff_input(&input)?;
        refuse_by_first_look(&input, format, registry)?;
        let mut book = read::open_sniffed(&input, format)?;
        let sheets = book.sheets();
        // The list sheet is read first, with the same reader, so nothing opens the file again
        // to learn what a column may hold, and a visitor knows the lists before the rows.
        // A list sheet that cannot be read is the concern of the commands that need it.
        let mut lov = match read::lov_sheet(&sheets) {
            Some(info) => match book.read_grid(path, &info.name, None) {
                Ok(grid) => Ok(Some(grid)),
                Err(e) => Err(format!("its {} sheet cannot be read: {e}", info.name)),
            },
            None => Ok(None),
        };
        // A visible sheet is read whole only once its first rows hold the codes row: a large
        // sheet that is not iCARE's is told so from its first rows, never read to its end.
        // Hidden sheets only matter for the advice when no visible sheet has the codes.
        let mut found = None;
        for info in sheets.iter().filter(|s| s.worksheet && s.visible) {
            let top = book.read_grid(path, &info.name, Some(layout::HEADER_SEARCH_ROWS))?;
            let Some(top_header) = layout::find_header(text_rows(&top), registry) else {
                continue;
            };
            let grid = match (cells, visiting.as_mut()) {
                (Cells::Noted, Some((visitor, seen))) => {
                    // The book as its first rows tell it, for the visitor.
                    let mut shell = Rejected::analyse(
                        path.to_path_buf(),
                        None,
                        book.format(),
                        sheets.clone(),
                        info.name.clone(),
                        top_header.clone(),
                        top,
                        registry,
                    );
                    // Lent to the shell while the sheet is read.
                    shell.lov = std::mem::replace(&mut lov, Ok(None));
                    // A second sheet read row by row (the first turned out not to be the
                    // data sheet): the visitor has seen rows that are not the book's.
                    seen.not_as_told |= seen.notes_column.is_some();
                    seen.notes_column = Some(shell.notes_column);
                    let mut wanted = noted_cells(&top_header, registry);
                    let mut last = None;
                    let mut keep = |row: &mut GridRow| {
                        if row.row >= top_header.data_start {
                            // A row again, or before the last: the rows are not in order (or
                            // a row comes in pieces), which only the whole sheet puts right.
                            seen.not_as_told |= last.is_some_and(|last| row.row <= last);
                            last = Some(row.row);
                            let cols = wanted(row);
                            visitor.row(&shell, keep_cols(row, &cols));
                        }
                    };
                    let grid = book.read_grid_keeping(path, &info.name, &mut keep)?;
                    visitor.end(&shell);
                    lov = std::mem::replace(&mut shell.lov, Ok(None));
                    grid
                }
                (Cells::Noted, None) => {
                    let mut wanted = noted_cells(&top_header, registry);
                    let mut keep = |row: &mut GridRow| {
                        if row.row >= top_header.data_start {
                            let cols = wanted(row);
                            row.cells.retain(|(col, _)| cols.contains(col));
                        }
                    };
                    book.read_grid_keeping(path, &info.name, &mut keep)?
                }
                (Cells::All, _) => book.read_grid(path, &info.name, None)?,
            };
            if let Some(header) = layout::find_header(text_rows(&grid), registry) {
                found = Some((info.name.clone(), header, grid));
                break;
            }
        }
        let Some((sheet, header, grid)) = found else {
            let mut hidden_with_codes = false;
            for info in sheets.iter().filter(|s| s.worksheet && !s.visible) {
                let top = book.read_grid(path, &info.name, Some(layout::HEADER_SEARCH_ROWS))?;
                hidden_with_codes |= find_codes_row(&top, registry).is_some();
            }
            if sheets.is_empty() {
                return Err(Error::NoSheets {
                    path: path.to_path_buf(),
                });
            }
            let hint = codes_row_hint(hidden_with_codes, sheets.iter().all(|s| !s.visible));
            return Err(Error::NoCodesRow {
                path: path.to_path_buf(),
                hint,
                template_hidden: hidden_with_codes,
            });
        };
        let keep = (cells == Cells::All).then(|| input.clone());
        let format = book.format();
        // The reader (and its shared strings) is done with: let it go before the notes are
        // parsed, so the two are never held at once.
        drop(book);
        let mut rejected = Rejected::analyse(
            path.to_path_buf(),
            keep,
            format,
            sheets,
            sheet,
            header,
            grid,
            registry,
        );
        rejected.lov = lov;
        Ok(rejected)
    }

    /// The file as read at the door.
    ///
    /// # Panics
    ///
    /// For a workbook read by [`Rejected::open_notes`], which keeps only what the notes need
    /// (not the file itself): those are for reports, never written back.
    pub fn input(&self) -> &Input {
        self.input
            .as_ref()
            .expect("a workbook read whole (Rejected::open), not for its notes only")
    }

    /// Lets go of the file (its open handle, or an old `.xls`'s bytes), for a workbook only
    /// reported on from now on (never written back: [`Rejected::input`] then panics).
    pub fn release_input(&mut self) {
        self.input = None;
    }

    /// The cells of its `LOV` sheet, when it has one.
    ///
    /// # Errors
    ///
    /// When the sheet is there but could not be read: the workbook is damaged.
    pub fn lov(&self) -> Result<Option<&Grid>> {
        match &self.lov {
            Ok(grid) => Ok(grid.as_ref()),
            Err(why) => Err(Error::Damaged {
                path: self.path.clone(),
                detail: why.clone(),
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn analyse(
        path: PathBuf,
        input: Option<Input>,
        format: Format,
        sheets: Vec<SheetInfo>,
        sheet: String,
        header: layout::Header,
        grid: Grid,
        registry: &Registry,
    ) -> Rejected {
        let codes_row = header.codes_row;
        let codes = header.codes;
        let mut code_index = HashMap::new();
        for (col, code) in codes.iter().enumerate() {
            if let Some(code) = code {
                code_index.entry(code.clone()).or_insert(col as u32);
            }
        }
        let template = registry
            .detect(codes.iter().flatten().map(String::as_str))
            .map(|t| t.id.clone());

        let (labels_row, data_start) = (header.labels_row, header.data_start);
        let labels = labels_row
            .and_then(|r| grid.row(r))
            .map(|row| {
                let mut labels = vec![String::new(); codes.len()];
                for (col, value) in &row.cells {
                    if let Some(slot) = labels.get_mut(*col as usize) {
                        *slot = display(value).trim().to_string();
                    }
                }
                labels
            })
            .unwrap_or_else(|| vec![String::new(); codes.len()]);

        let notes_column = find_notes_column(&grid, data_start, &codes);
        let mut rejected = Rejected {
            path,
            format,
            sheets,
            sheet,
            template,
            codes_row,
            labels_row,
            data_start,
            codes,
            labels,
            notes_column,
            grid,
            notes: Vec::new(),
            code_index,
            identity: [None; 3],
            input,
            lov: Ok(None),
        };
        rejected.identity = IDENTITY_FIELDS.map(|code| rejected.column_of(code));
        // A book read for its notes only is never written back: its note cells leave the grid.
        let take_text = rejected.input.is_none();
        rejected.notes = rejected.locate_notes(registry, take_text);
        rejected
    }

    /// Parses and locates the notes of the notes column. With `take_text`, each note cell's
    /// text leaves the grid once parsed (the notes hold it from then on): what a book read for
    /// its notes only does, so no note is held twice.
    fn locate_notes(&mut self, registry: &Registry, take_text: bool) -> Vec<LocatedNote> {
        let Some(notes_col) = self.notes_column else {
            return Vec::new();
        };
        let start = self.data_start;
        let mut texts = Texts::default();
        // Counted first, so the list is made once at its size (never doubled as it grows).
        let count = self
            .data_rows()
            .filter_map(|row| match row.get(notes_col.col) {
                Some(Data::String(text)) if note::contains_note(text) => {
                    Some(note::count_in_cell(text))
                }
                _ => None,
            })
            .sum();
        let mut located = Vec::with_capacity(count);
        let code_index = &self.code_index;
        for row in self.grid.rows.iter_mut().filter(|r| r.row >= start) {
            let Ok(at) = row.cells.binary_search_by_key(&notes_col.col, |(c, _)| *c) else {
                continue;
            };
            let value = &mut row.cells[at].1;
            let Data::String(text) = value else {
                continue;
            };
            if !note::contains_note(text) {
                continue;
            }
            for note in note::parse_cell_with(text, &mut texts) {
                located.push(locate_in(code_index, row.row, note, registry, &mut texts));
            }
            if take_text {
                *value = Data::Empty;
            }
        }
        located
    }

    /// Maps one note to the cells of row `row`.
    pub fn locate(&self, row: u32, note: Note, registry: &Registry) -> LocatedNote {
        locate_in(&self.code_index, row, note, registry, &mut Texts::default())
    }

    /// The 0-based column of a field code: exact match first, then ignoring case.
    pub fn column_of(&self, code: &str) -> Option<u32> {
        column_in(&self.code_index, code)
    }

    /// The data rows that hold anything, in order.
    pub fn data_rows(&self) -> impl Iterator<Item = &GridRow> {
        let start = self.data_start;
        self.grid.rows.iter().filter(move |r| r.row >= start)
    }

    /// Number of data rows that hold anything.
    pub fn row_count(&self) -> usize {
        self.data_rows().count()
    }

    /// The text of a cell as a person would read it (empty when the cell is empty).
    pub fn value(&self, row: u32, col: u32) -> String {
        self.grid
            .row(row)
            .and_then(|r| r.get(col))
            .map(display)
            .unwrap_or_default()
    }

    /// The value of field `code` in `row`.
    pub fn field(&self, row: u32, code: &str) -> String {
        self.column_of(code)
            .map(|col| self.value(row, col))
            .unwrap_or_default()
    }

    /// The client of a row.
    pub fn client(&self, row: u32) -> Client {
        let cells = self.grid.row(row);
        let [id_type, id_value, birth_date] = self.identity.map(|col| {
            cells
                .zip(col)
                .and_then(|(cells, col)| cells.get(col))
                .map(display)
                .unwrap_or_default()
        });
        Client {
            id_type,
            id_value,
            birth_date,
        }
    }

    /// The label of a column, or its code when it has no label.
    pub fn label(&self, col: u32) -> String {
        let label = self.labels.get(col as usize).cloned().unwrap_or_default();
        if label.is_empty() {
            self.code(col).unwrap_or_default().to_string()
        } else {
            label
        }
    }

    /// The field code of a column.
    pub fn code(&self, col: u32) -> Option<&str> {
        self.codes.get(col as usize).and_then(|c| c.as_deref())
    }

    /// The file name without folders, for messages and reports.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }
}

/// Not an iCARE file by its first rows: said before the whole workbook is read.
fn refuse_by_first_look(input: &Input, format: Format, registry: &Registry) -> Result<()> {
    let path = input.path();
    if format == Format::Xlsx
        && let Some(look) = peek::first_look(input, registry)
        && !look.visible_codes
    {
        if look.no_sheets {
            return Err(Error::NoSheets {
                path: path.to_path_buf(),
            });
        }
        return Err(Error::NoCodesRow {
            path: path.to_path_buf(),
            hint: codes_row_hint(look.hidden_codes, look.all_hidden),
            template_hidden: look.hidden_codes,
        });
    }
    Ok(())
}

/// What a row-at-a-time read saw that the visitor was not told: where the first rows put the
/// notes, and whether the rows came otherwise than as told (out of order, a row in pieces, or
/// from a second sheet).
#[derive(Default)]
struct Seen {
    notes_column: Option<Option<NotesColumn>>,
    not_as_told: bool,
}

/// Leaves in `row` only the cells of `cols` and gives back the whole row, its cells in column
/// order (the first of two in one place), as the whole grid holds them.
fn keep_cols(row: &mut GridRow, cols: &[u32]) -> GridRow {
    let mut whole = std::mem::take(&mut row.cells);
    if whole.windows(2).any(|w| w[0].0 >= w[1].0) {
        whole.sort_by_key(|(c, _)| *c);
        whole.dedup_by_key(|(c, _)| *c);
    }
    row.cells = whole
        .iter()
        .filter(|(col, _)| cols.contains(col))
        .cloned()
        .collect();
    GridRow {
        row: row.row,
        cells: whole,
    }
}

/// What reads a sheet a row at a time ([`Rejected::open_visiting`]).
pub trait RowVisitor {
    /// One data row, whole, in the order of the sheet; `book` is the workbook as its header
    /// and first rows tell it (no data rows in its grid).
    fn row(&mut self, book: &Rejected, row: GridRow);
    /// The sheet has been read to its end.
    fn end(&mut self, book: &Rejected);
}

/// A workbook read a row at a time ([`Rejected::open_visiting`]).
#[derive(Debug)]
pub struct Visited {
    /// The workbook, with what [`Rejected::open_notes`] keeps of each data row.
    pub book: Rejected,
    /// True when the rows came in order, each whole, from one sheet, and the whole sheet puts
    /// the notes where its first rows did: what the visitor was told holds. When false, what
    /// it found must be found again from the whole book.
    pub layout_held: bool,
}

/// Which cells of a sheet to read: all, or those the notes need ([`Rejected::open_notes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cells {
    All,
    Noted,
}

/// The 0-based column of a field code in `code_index`: exact match first, then ignoring case.
fn column_in(code_index: &HashMap<String, u32>, code: &str) -> Option<u32> {
    if let Some(col) = code_index.get(code.trim()) {
        return Some(*col);
    }
    code_index
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(code.trim()))
        .map(|(_, col)| *col)
}

/// Maps one note to the cells of row `row`, the fields' columns found in `code_index`.
fn locate_in(
    code_index: &HashMap<String, u32>,
    row: u32,
    note: Note,
    registry: &Registry,
    texts: &mut Texts,
) -> LocatedNote {
    let (category, wanted) = concerned(&note, registry, texts);
    let mut cells = Vec::new();
    let mut unlocated = Vec::new();
    for code in wanted {
        match column_in(code_index, &code) {
            Some(col) => cells.push(FieldCell { code, col }),
            None => unlocated.push(code),
        }
    }
    LocatedNote {
        row,
        note,
        category,
        cells,
        unlocated,
    }
}

/// A note's category and the fields it concerns: its own, or for a note that names none, the
/// catalogue's fields for its message (the identity fields for "Unable to validate").
fn concerned(note: &Note, registry: &Registry, texts: &mut Texts) -> (Category, Vec<ArcStr>) {
    let message = registry.message(note);
    let category = message.map_or_else(
        || Category::guess(&note.message_en, &note.fields),
        |m| m.category,
    );
    let wanted: Vec<ArcStr> = if !note.fields.is_empty() {
        note.fields.clone()
    } else if let Some(m) = message {
        m.fields.iter().map(|f| texts.get(f)).collect()
    } else if category == Category::Identity {
        // An identity note iCARE worded differently (or garbled): the client is validated
        // by these three fields.
        IDENTITY_FIELDS.iter().map(|c| texts.get(c)).collect()
    } else {
        Vec::new()
    };
    (category, wanted)
}

/// What [`Rejected::open_notes`] keeps of each row: every cell above the data rows; of a
/// data row, the cells holding a note, the client's identity and the cells its notes name
/// (by field code, exactly or ignoring case, as [`Rejected::column_of`] finds them).
fn noted_cells<'r>(
    header: &layout::Header,
    registry: &'r Registry,
) -> impl FnMut(&GridRow) -> Vec<u32> + use<'r> {
    // Every column a code may name, ignoring case: a few more cells than needed at worst.
    let mut columns: HashMap<String, Vec<u32>> = HashMap::new();
    for (col, code) in header.codes.iter().enumerate() {
        if let Some(code) = code {
            columns
                .entry(code.trim().to_ascii_lowercase())
                .or_default()
                .push(col as u32);
        }
    }
    let identity: Vec<u32> = IDENTITY_FIELDS
        .iter()
        .filter_map(|c| columns.get(*c))
        .flatten()
        .copied()
        .collect();
    let mut catalogue: HashMap<(ArcStr, ArcStr), Vec<ArcStr>> = HashMap::new();
    let mut texts = Texts::default();
    move |row: &GridRow| {
        let mut wanted = identity.clone();
        for (col, value) in &row.cells {
            let Data::String(text) = value else { continue };
            if !note::contains_note(text) {
                continue;
            }
            wanted.push(*col);
            for note in note::parse_cell_with(text, &mut texts) {
                // Most notes name their fields; the catalogue's answer for the others is the
                // same for every note of the same message.
                let fields = if note.fields.is_empty() {
                    catalogue
                        .entry((note.message_en.clone(), note.message_fr.clone()))
                        .or_insert_with(|| concerned(&note, registry, &mut texts).1)
                } else {
                    &note.fields
                };
                wanted.extend(
                    fields
                        .iter()
                        .filter_map(|f| columns.get(&f.trim().to_ascii_lowercase()))
                        .flatten(),
                );
            }
        }
        wanted
    }
}

/// Reads every non-empty cell of one sheet of `path` (a list sheet, say).
///
/// # Errors
///
/// Fails when `path` cannot be opened or read as a workbook, or has no sheet `sheet`.
pub fn read_sheet(path: &Path, sheet: &str) -> Result<Grid> {
    read::open(path)?.read_grid(path, sheet, None)
}

/// Each row's index and its text cells, for the layout detector.
fn text_rows(
    grid: &Grid,
) -> impl Iterator<Item = (u32, impl Iterator<Item = (u32, &str)>)> + Clone {
    grid.rows.iter().map(|r| {
        (
            r.row,
            r.cells.iter().filter_map(|(c, v)| match v {
                Data::String(s) => Some((*c, s.as_str())),
                _ => None,
            }),
        )
    })
}

/// The row of the field codes, by the rules of [`layout::find_header`].
pub(crate) fn find_codes_row(grid: &Grid, registry: &Registry) -> Option<u32> {
    layout::find_header(text_rows(grid), registry).map(|h| h.codes_row)
}

/// The column holding the notes: note cells are counted per column of the data rows and
/// [`layout::notes_column`] decides.
fn find_notes_column(
    grid: &Grid,
    data_start: u32,
    codes: &[Option<String>],
) -> Option<NotesColumn> {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for row in grid.rows.iter().filter(|r| r.row >= data_start) {
        for (col, value) in &row.cells {
            if let Data::String(s) = value
                && note::contains_note(s)
            {
                *counts.entry(*col).or_default() += 1;
            }
        }
    }
    layout::notes_column(&counts, codes)
}

/// A cell value as a person reads it: text as is, whole numbers without `.0`, dates as
/// `YYYY-MM-DD`.
pub fn display(value: &Data) -> String {
    match value {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format_number(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) if d.time() == chrono::NaiveTime::MIN => d.format("%Y-%m-%d").to_string(),
            Some(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => format_number(dt.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A number as Excel shows it in a General cell, without a trailing `.0` or an exponent for
/// whole numbers.
pub fn format_number(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}
