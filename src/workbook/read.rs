//! Opening a workbook: telling its format from its first bytes, refusing what is unsafe or
//! not a workbook with a clear message, and reading a sheet's cells with calamine.
//!
//! xlsx/xlsm sheets are streamed cell by cell into a sparse grid, so a stray cell at
//! XFD1048576 costs one cell, not a dense range of billions. xls and ods go through calamine's
//! range reader (calamine caps those formats itself).

use std::io::{BufReader, Read, Seek};
use std::path::Path;

use calamine::{Data, Ods, Reader, SheetType, SheetVisible, Xls, Xlsx, XlsxError};

use crate::error::{Error, Result};
use crate::package::address::{MAX_COL, MAX_ROW};
pub use crate::package::input::{Input, OLE_MAGIC, Source};

pub use crate::package::limits::{
    MAX_FILE_BYTES, MAX_PART_BYTES, MAX_TOTAL_BYTES, check_xml_prologs, check_zip_sizes, open_file,
};
/// Largest number of non-empty cells read from one sheet: 17 times a template's whole range
/// (2,500 rows of 118 columns), and about 250 MB in memory.
pub const MAX_CELLS: usize = 5_000_000;
/// Most text in the cells of one sheet, in bytes. Many cells can point to one long shared
/// string: each is a copy in memory, so a small file could otherwise fill it.
pub const MAX_SHEET_TEXT_BYTES: usize = 256 * 1024 * 1024;
/// Most iCARE notes (`[BUID:` headers) in one sheet: one per rejected row in real files.
pub const MAX_NOTES: usize = 200_000;
/// Most characters in one cell: Excel's own limit. A longer cell cannot come from Excel or
/// iCARE, and no output could hold it.
pub const MAX_CELL_CHARS: usize = 32_767;

/// The container format of a file, told from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Office Open XML workbook (.xlsx, .xlsm).
    Xlsx,
    /// Excel 97-2003 workbook.
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
}

/// One sheet of a workbook, as calamine lists it.
#[derive(Debug, Clone)]
pub struct SheetInfo {
    /// Name shown on the sheet tab.
    pub name: String,
    /// Whether the sheet is shown (hidden list sheets are not).
    pub visible: bool,
    /// Whether it is a worksheet (not a chart sheet or macro sheet).
    pub worksheet: bool,
}

/// Name of the hidden sheet holding the allowed values (matched ignoring case).
pub const LOV_SHEET: &str = "LOV";

/// The workbook's `LOV` sheet, when it has one (a worksheet named `LOV`, any case).
pub fn lov_sheet(sheets: &[SheetInfo]) -> Option<&SheetInfo> {
    sheets
        .iter()
        .find(|s| s.worksheet && s.name.eq_ignore_ascii_case(LOV_SHEET))
}

/// A sparse grid of cell values: only non-empty cells, rows in order.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    /// Rows holding at least one non-empty cell, in row order.
    pub rows: Vec<GridRow>,
}

/// One row of a [`Grid`].
#[derive(Debug, Clone)]
pub struct GridRow {
    /// 0-based row index.
    pub row: u32,
    /// Non-empty cells as (0-based column, value), in column order.
    pub cells: Vec<(u32, Data)>,
}

impl GridRow {
    /// The value in column `col`, if not empty.
    pub fn get(&self, col: u32) -> Option<&Data> {
        self.cells
            .binary_search_by_key(&col, |(c, _)| *c)
            .ok()
            .map(|i| &self.cells[i].1)
    }
}

impl Grid {
    /// The row with this 0-based index, if it holds anything.
    pub fn row(&self, row: u32) -> Option<&GridRow> {
        self.rows
            .binary_search_by_key(&row, |r| r.row)
            .ok()
            .map(|i| &self.rows[i])
    }

    fn push(&mut self, row: u32, col: u32, value: Data, keep: &mut Option<Keep<'_>>) {
        if is_blank(&value) {
            return;
        }
        match self.rows.last_mut() {
            Some(last) if last.row == row => last.cells.push((col, value)),
            _ => {
                self.finish_row(keep);
                self.rows.push(GridRow {
                    row,
                    cells: vec![(col, value)],
                });
            }
        }
    }

    /// The last row is read: `keep` prunes it, and it holds no spare room.
    fn finish_row(&mut self, keep: &mut Option<Keep<'_>>) {
        if let Some(last) = self.rows.last_mut() {
            if let Some(keep) = keep {
                keep(last);
            }
            last.cells.shrink_to_fit();
        }
    }

    fn sort(&mut self) {
        if self.rows.windows(2).any(|w| w[0].row >= w[1].row) {
            self.rows.sort_by_key(|r| r.row);
            // Merge rows that arrived in pieces (cells out of order in the XML).
            let mut merged: Vec<GridRow> = Vec::with_capacity(self.rows.len());
            for r in std::mem::take(&mut self.rows) {
                match merged.last_mut() {
                    Some(last) if last.row == r.row => last.cells.extend(r.cells),
                    _ => merged.push(r),
                }
            }
            self.rows = merged;
        }
        for r in &mut self.rows {
            if r.cells.windows(2).any(|w| w[0].0 >= w[1].0) {
                r.cells.sort_by_key(|(c, _)| *c);
                r.cells.dedup_by_key(|(c, _)| *c);
            }
        }
    }
}

fn is_blank(value: &Data) -> bool {
    match value {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Decides, as each row of a sheet is read, which of its cells to keep (the others are
/// dropped at once, so a sheet read for its notes never holds its whole grid).
pub type Keep<'a> = &'a mut dyn FnMut(&mut GridRow);

/// An open workbook of any supported format.
pub enum Book {
    /// xlsx/xlsm.
    Xlsx(Box<Xlsx<Source>>),
    /// xls.
    Xls(Box<Xls<Source>>),
    /// ods.
    Ods(Box<Ods<Source>>),
}

/// Tells the format of `path` from its first bytes and checks it is safe to open.
///
/// # Errors
///
/// Fails when `path` cannot be opened (missing, a folder, larger than icare-fix reads), or
/// its first bytes are no workbook's (empty, text, another kind of file).
pub fn sniff(path: &Path) -> Result<Format> {
    sniff_input(&Input::open(path)?)
}

/// Tells the format of `input` from its first bytes and checks it is safe to open.
///
/// # Errors
///
/// As [`sniff`].
pub fn sniff_input(input: &Input) -> Result<Format> {
    let path = input.path();
    let head = input.head(8);
    if head.is_empty() {
        return Err(Error::NotAWorkbook {
            path: path.to_path_buf(),
            detail: "the file is empty".into(),
        });
    }
    if let Some(bytes) = input.in_memory().filter(|_| head.starts_with(&OLE_MAGIC)) {
        // An OLE2 container (held in memory by the door): an encrypted xlsx (EncryptedPackage stream) or an old .xls.
        // Its sector chains are checked first: calamine follows a looping one without end.
        // A password first: an encrypted package may end in a short sector, which would
        // otherwise read as damage.
        if crate::workbook::ole::is_encrypted(bytes) {
            return Err(Error::Encrypted {
                path: path.to_path_buf(),
            });
        }
        if crate::workbook::ole::is_excel95(bytes) {
            return Err(Error::Excel95 {
                path: path.to_path_buf(),
            });
        }
        crate::workbook::ole::check(bytes).map_err(|damage| Error::Damaged {
            path: path.to_path_buf(),
            detail: damage.0,
        })?;
        if let Some(big) = crate::workbook::biff::oversized_sheet(bytes) {
            return Err(Error::XlsTooLarge {
                path: path.to_path_buf(),
                sheet: big.sheet,
                cells: big.cells,
            });
        }
        return guarded(path, || {
            Ok(match Xlsx::new(input.source()) {
                Err(XlsxError::Password) => Err(Error::Encrypted {
                    path: path.to_path_buf(),
                }),
                _ => Ok(Format::Xls),
            })
        })?;
    }
    if is_early_biff(&head) {
        return Err(other_format(
            path,
            "an Excel 2.x-4.0 worksheet (.xls), a format from before 1995",
        ));
    }
    if !head.starts_with(b"PK\x03\x04") {
        if head.starts_with(b"PK\x05\x06") {
            return Err(Error::NotAWorkbook {
                path: path.to_path_buf(),
                detail: "it is an empty zip archive".into(),
            });
        }
        return Err(Error::NotAWorkbook {
            path: path.to_path_buf(),
            detail: describe_non_workbook(&head),
        });
    }
    zip_format(path, input.source())
}

/// The format of a zip-based file (`.xlsx` or `.ods`), checked to be safe and readable, or
/// what else it is: a zip of something else, another spreadsheet format, a password.
fn zip_format(path: &Path, source: Source) -> Result<Format> {
    let mut zip = zip::ZipArchive::new(source).map_err(|e| Error::DamagedBy {
        path: path.to_path_buf(),
        // The zip library's words ("Could not find EOCD") mean nothing to a reader.
        detail: if e.to_string().contains("EOCD") {
            "the end of the file is missing: it was cut short".into()
        } else {
            "the zip archive cannot be read".into()
        },
        technical: e.to_string(),
    })?;
    check_zip_sizes(path, &mut zip)?;
    let mut is_ods = false;
    if let Ok(mut mimetype) = zip.by_name("mimetype") {
        let mut text = String::new();
        let _ = (&mut mimetype).take(200).read_to_string(&mut text);
        is_ods = text.contains("opendocument.spreadsheet");
    }
    if is_ods {
        // An encrypted OpenDocument file lists how each part was encrypted in its manifest.
        if part_head(&mut zip, "META-INF/manifest.xml", 1024 * 1024)
            .is_some_and(|m| memchr::memmem::find(&m, b"encryption-data").is_some())
        {
            return Err(Error::Encrypted {
                path: path.to_path_buf(),
            });
        }
        check_ods_well_formed(path, &mut zip)?;
        return Ok(Format::Ods);
    }
    if zip.index_for_name("[Content_Types].xml").is_none() {
        return Err(Error::NotAWorkbook {
            path: path.to_path_buf(),
            detail: "it is a zip archive without the parts of a workbook".into(),
        });
    }
    if zip.index_for_name("xl/workbook.bin").is_some() {
        return Err(other_format(path, "an Excel binary workbook (.xlsb)"));
    }
    // Told here, so that every command says the same (the reader would name it at open, the
    // package rewrite would not).
    if zip
        .file_names()
        .any(|n| n.is_ok_and(|n| n.to_ascii_lowercase().starts_with("xl/macrosheets/")))
    {
        return Err(Error::NotIcare {
            path: path.to_path_buf(),
            detail: "it holds an Excel 4.0 macro sheet, which no iCARE template has".into(),
        });
    }
    for part in ["[Content_Types].xml", "xl/workbook.xml"] {
        let Some(head) = part_head(&mut zip, part, 4096) else {
            continue;
        };
        if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) || head.contains(&0) {
            return Err(other_format(
                path,
                "a workbook whose parts are written in UTF-16, as Excel never writes them",
            ));
        }
        if part == "[Content_Types].xml"
            && memchr::memmem::find(&head, b"spreadsheetml.template").is_some()
        {
            let ext = if memchr::memmem::find(&head, b"macroEnabled").is_some() {
                "xltm"
            } else {
                "xltx"
            };
            return Err(other_format(
                path,
                &format!("an Excel template (.{ext}), not a rejected file"),
            ));
        }
        if memchr::memmem::find(&head, b"purl.oclc.org/ooxml/spreadsheetml").is_some() {
            return Err(other_format(
                path,
                "a Strict Open XML Spreadsheet (an option of Excel's Save As)",
            ));
        }
    }
    check_xml_prologs(path, &mut zip)?;
    Ok(Format::Xlsx)
}

/// The refusal of a spreadsheet in another format, `what` it is.
fn other_format(path: &Path, what: &str) -> Error {
    Error::OtherFormat {
        path: path.to_path_buf(),
        what: what.into(),
        technical: String::new(),
    }
}

/// An Excel 2.x, 3.0 or 4.0 worksheet: a BIFF2, BIFF3 or BIFF4 beginning-of-file record (type
/// `09 00`, `09 02` or `09 04`, a short length) at the very start, with no OLE2 container.
fn is_early_biff(head: &[u8]) -> bool {
    matches!(head, [0x09, 0x00 | 0x02 | 0x04, 4 | 6 | 8, 0x00, ..])
}

/// The first `limit` bytes of a part, when it is there.
fn part_head<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
) -> Option<Vec<u8>> {
    let entry = zip.by_name(name).ok()?;
    let mut bytes = Vec::new();
    entry.take(limit).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Refuses an OpenDocument spreadsheet whose XML parts are not well formed (an element left
/// open at the end of a part, a wrong closing tag): calamine's ODS reader waits for closing
/// tags without watching for the end of the part, and loops forever on such a file (found by
/// the workbook_read fuzz target).
fn check_ods_well_formed<R: Read + Seek>(path: &Path, zip: &mut zip::ZipArchive<R>) -> Result<()> {
    use quick_xml::events::Event;
    let damaged = |part: &str, why: String| Error::Damaged {
        path: path.to_path_buf(),
        detail: format!("its part '{part}' {why}"),
    };
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| Error::DamagedBy {
            path: path.to_path_buf(),
            detail: format!("part {i} cannot be read"),
            technical: e.to_string(),
        })?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        if !name.to_ascii_lowercase().ends_with(".xml") {
            continue;
        }
        let mut reader = quick_xml::Reader::from_reader(BufReader::new(entry.take(MAX_PART_BYTES)));
        reader.config_mut().check_end_names = true;
        let mut buf = Vec::new();
        let mut depth = 0usize;
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::Start(_)) => depth += 1,
                Ok(Event::End(_)) => depth = depth.saturating_sub(1),
                Ok(Event::Eof) if depth == 0 => break,
                Ok(Event::Eof) => return Err(damaged(&name, "ends inside an element".into())),
                Err(e) => return Err(damaged(&name, format!("is not well-formed XML ({e})"))),
                Ok(_) => {}
            }
            buf.clear();
        }
    }
    Ok(())
}

fn describe_non_workbook(head: &[u8]) -> String {
    if head.starts_with(b"%PDF") {
        "it is a PDF document".into()
    } else if head.starts_with(b"<?xml") || head.starts_with(b"<") {
        "it is an XML or web page file".into()
    } else if head
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
        || std::str::from_utf8(head).is_ok()
    {
        "it is a text file, perhaps a CSV export".into()
    } else {
        String::new()
    }
}

/// Opens `path` with the reader its content calls for.
///
/// # Errors
///
/// Fails as [`sniff`] does, or when the reader its content calls for cannot read it
/// (damaged, encrypted).
pub fn open(path: &Path) -> Result<Book> {
    open_input(&Input::open(path)?)
}

/// Opens `input` with the reader its content calls for.
///
/// # Errors
///
/// As [`open`].
pub fn open_input(input: &Input) -> Result<Book> {
    open_sniffed(input, sniff_input(input)?)
}

/// Opens `input`, already told to be of `format` by [`sniff_input`].
pub(crate) fn open_sniffed(input: &Input, format: Format) -> Result<Book> {
    let path = input.path();
    let reader = input.source();
    // The reader's own words are for `--verbose`.
    let damaged = |technical: String| Error::DamagedBy {
        path: path.to_path_buf(),
        detail: "part of it cannot be read".into(),
        technical,
    };
    guarded(path, || open_as(path, format, reader, damaged))
}

fn open_as(
    path: &Path,
    format: Format,
    reader: Source,
    damaged: impl Fn(String) -> Error,
) -> Result<Book> {
    Ok(match format {
        Format::Xlsx => Book::Xlsx(Box::new(
            Xlsx::new(reader).map_err(|e| xlsx_error(path, e))?,
        )),
        Format::Xls => Book::Xls(Box::new(Xls::new(reader).map_err(|e| match e {
            calamine::XlsError::Password => Error::Encrypted {
                path: path.to_path_buf(),
            },
            other => damaged(other.to_string()),
        })?)),
        Format::Ods => Book::Ods(Box::new(Ods::new(reader).map_err(|e| match e {
            calamine::OdsError::Password => Error::Encrypted {
                path: path.to_path_buf(),
            },
            other => unreadable_ods(path, other.to_string()),
        })?)),
    })
}

/// An OpenDocument spreadsheet the reader cannot take: saved as .xlsx, it can be read.
fn unreadable_ods(path: &Path, technical: String) -> Error {
    Error::OtherFormat {
        path: path.to_path_buf(),
        what: "an OpenDocument spreadsheet (.ods)".into(),
        technical,
    }
}

fn xlsx_error(path: &Path, e: XlsxError) -> Error {
    match e {
        XlsxError::Password => Error::Encrypted {
            path: path.to_path_buf(),
        },
        // The zip reader reports a part that inflates past its declared size, or fails its
        // checksum, as invalid data: the file is damaged (or hostile), not unreadable.
        XlsxError::Io(source) if source.kind() == std::io::ErrorKind::InvalidData => {
            Error::DamagedBy {
                path: path.to_path_buf(),
                detail: "a part does not unpack to what the file declares".into(),
                technical: source.to_string(),
            }
        }
        XlsxError::Io(source) => Error::io(path, source),
        // Excel 4.0 macro sheets (and other kinds calamine does not list): no iCARE template
        // has them.
        XlsxError::Unrecognized {
            typ: "sheet:type",
            val,
        } => Error::NotIcare {
            path: path.to_path_buf(),
            detail: if val.contains("macrosheet") {
                "it holds an Excel 4.0 macro sheet, which no iCARE template has".into()
            } else {
                format!("it holds a kind of sheet no iCARE template has ({val})")
            },
        },
        XlsxError::WorksheetNotFound(name) => Error::Damaged {
            path: path.to_path_buf(),
            detail: format!(
                "the workbook lists a sheet '{name}' whose content is missing from the file"
            ),
        },
        other => Error::DamagedBy {
            path: path.to_path_buf(),
            detail: "part of it cannot be read".into(),
            technical: other.to_string(),
        },
    }
}

impl Book {
    /// The container format.
    pub fn format(&self) -> Format {
        match self {
            Book::Xlsx(_) => Format::Xlsx,
            Book::Xls(_) => Format::Xls,
            Book::Ods(_) => Format::Ods,
        }
    }

    /// The sheets in tab order.
    pub fn sheets(&self) -> Vec<SheetInfo> {
        let meta = match self {
            Book::Xlsx(b) => b.sheets_metadata(),
            Book::Xls(b) => b.sheets_metadata(),
            Book::Ods(b) => b.sheets_metadata(),
        };
        meta.iter()
            .map(|s| SheetInfo {
                name: s.name.clone(),
                visible: s.visible == SheetVisible::Visible,
                worksheet: s.typ == SheetType::WorkSheet,
            })
            .collect()
    }

    /// Reads a sheet's non-empty cells. With `stop_after_row`, stops once a later row is
    /// reached (enough to look for a header).
    ///
    /// # Errors
    ///
    /// Fails when there is no sheet `sheet`, or it cannot be read (damaged, or beyond the size
    /// limits icare-fix reads within).
    pub fn read_grid(
        &mut self,
        path: &Path,
        sheet: &str,
        stop_after_row: Option<u32>,
    ) -> Result<Grid> {
        guarded(path, || {
            self.read_grid_unguarded(path, sheet, stop_after_row)
        })
    }

    /// [`Book::read_grid`] of an `.xlsx` sheet, with the cells that hold a formula but no
    /// saved result (written by a program that does not calculate): they read as empty,
    /// though they are not.
    ///
    /// # Errors
    ///
    /// Fails as [`Book::read_grid`] does.
    pub fn read_grid_and_uncalculated(
        &mut self,
        path: &Path,
        sheet: &str,
    ) -> Result<(Grid, Vec<(u32, u32)>)> {
        let mut uncalculated = Vec::new();
        let grid = guarded(path, || {
            self.read_grid_inner(path, sheet, None, Some(&mut uncalculated), None)
        })?;
        Ok((grid, uncalculated))
    }

    /// [`Book::read_grid`] of the whole sheet, keeping of each row the cells `keep` leaves.
    ///
    /// # Errors
    ///
    /// As [`Book::read_grid`].
    pub fn read_grid_keeping(&mut self, path: &Path, sheet: &str, keep: Keep<'_>) -> Result<Grid> {
        guarded(path, || {
            self.read_grid_inner(path, sheet, None, None, Some(&mut *keep))
        })
    }

    fn read_grid_unguarded(
        &mut self,
        path: &Path,
        sheet: &str,
        stop_after_row: Option<u32>,
    ) -> Result<Grid> {
        self.read_grid_inner(path, sheet, stop_after_row, None, None)
    }

    fn read_grid_inner(
        &mut self,
        path: &Path,
        sheet: &str,
        stop_after_row: Option<u32>,
        mut uncalculated: Option<&mut Vec<(u32, u32)>>,
        mut keep: Option<Keep<'_>>,
    ) -> Result<Grid> {
        // The reader's own words are for `--verbose`.
        let damaged = |technical: String| Error::DamagedBy {
            path: path.to_path_buf(),
            detail: format!("its sheet '{sheet}' cannot be read"),
            technical,
        };
        let mut grid = Grid::default();
        let mut budget = Budget::default();
        // xlsx is read a cell at a time; xls and ods come as a range from calamine.
        let range = match self {
            Book::Xlsx(book) => {
                let mut cells = book
                    .worksheet_cells_reader(sheet)
                    .map_err(|e| xlsx_error(path, e))?;
                loop {
                    let ((row, col), value) = if let Some(found) = uncalculated.as_deref_mut() {
                        let Some(cell) = cells
                            .next_cell_with_formula_metadata()
                            .map_err(|e| damaged(e.to_string()))?
                        else {
                            break;
                        };
                        let value = Data::from(cell.value.clone());
                        if cell.formula.is_some() && matches!(value, Data::Empty) {
                            found.push(cell.pos);
                        }
                        (cell.pos, value)
                    } else {
                        let Some(cell) = cells.next_cell().map_err(|e| damaged(e.to_string()))?
                        else {
                            break;
                        };
                        (cell.get_position(), Data::from(cell.get_value().clone()))
                    };
                    if row > MAX_ROW || col > MAX_COL {
                        return Err(Error::Unsupported {
                            path: path.to_path_buf(),
                            detail: format!(
                                "sheet '{sheet}' has a cell past Excel's last row or column (row {}, column {}); the file is damaged.",
                                row as u64 + 1,
                                col as u64 + 1
                            ),
                        });
                    }
                    if stop_after_row.is_some_and(|stop| row > stop) {
                        break;
                    }
                    budget.take(path, sheet, row, col, &value)?;
                    grid.push(row, col, value, &mut keep);
                }
                None
            }
            Book::Xls(book) => Some(
                book.worksheet_range(sheet)
                    .map_err(|e| damaged(e.to_string()))?,
            ),
            Book::Ods(book) => Some(
                book.worksheet_range(sheet)
                    .map_err(|e| unreadable_ods(path, e.to_string()))?,
            ),
        };
        if let Some(range) = range {
            fill_from_range(
                path,
                sheet,
                &mut grid,
                &mut budget,
                &range,
                stop_after_row,
                &mut keep,
            )?;
        }
        grid.finish_row(&mut keep);
        grid.sort();
        Ok(grid)
    }
}

fn fill_from_range(
    path: &Path,
    sheet: &str,
    grid: &mut Grid,
    budget: &mut Budget,
    range: &calamine::Range<Data>,
    stop_after_row: Option<u32>,
    keep: &mut Option<Keep<'_>>,
) -> Result<()> {
    for (row, col, value) in range.used_cells() {
        let (row, col) = (
            row as u32 + range.start().map_or(0, |s| s.0),
            col as u32 + range.start().map_or(0, |s| s.1),
        );
        if stop_after_row.is_some_and(|stop| row > stop) {
            continue;
        }
        budget.take(path, sheet, row, col, value)?;
        grid.push(row, col, value.clone(), keep);
    }
    Ok(())
}

/// What a sheet read so far holds, against the limits: cells, text, notes.
#[derive(Default)]
struct Budget {
    cells: usize,
    text_bytes: usize,
    notes: usize,
}

impl Budget {
    /// Counts one more cell, refusing the sheet once it passes a limit.
    fn take(&mut self, path: &Path, sheet: &str, row: u32, col: u32, value: &Data) -> Result<()> {
        let too_large = |detail: String| Error::TooLarge {
            path: path.to_path_buf(),
            detail,
        };
        self.cells += 1;
        if self.cells > MAX_CELLS {
            return Err(too_large(format!(
                "sheet '{sheet}' has more than {MAX_CELLS} cells"
            )));
        }
        if let Data::String(s) = value {
            check_cell_length(path, sheet, row, col, value)?;
            self.text_bytes += s.len();
            if self.text_bytes > MAX_SHEET_TEXT_BYTES {
                return Err(too_large(format!(
                    "the cells of sheet '{sheet}' hold more than {} MB of text",
                    MAX_SHEET_TEXT_BYTES / (1024 * 1024)
                )));
            }
            self.notes += s.matches("[BUID:").count();
            if self.notes > MAX_NOTES {
                return Err(too_large(format!(
                    "sheet '{sheet}' holds more than {MAX_NOTES} iCARE error notes"
                )));
            }
        }
        Ok(())
    }
}

/// Refuses a cell longer than Excel allows ([`MAX_CELL_CHARS`]).
fn check_cell_length(path: &Path, sheet: &str, row: u32, col: u32, value: &Data) -> Result<()> {
    if let Data::String(s) = value
        && s.len() > MAX_CELL_CHARS
    {
        let chars = s.chars().count();
        if chars > MAX_CELL_CHARS {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                detail: format!(
                    "cell {} of sheet '{sheet}' holds {chars} characters, more than Excel's limit of {MAX_CELL_CHARS}, so the file was not saved by Excel",
                    crate::package::address::cell_name(row, col)
                ),
            });
        }
    }
    Ok(())
}

/// Runs a call into the reader (calamine), turning a panic inside it into a "damaged" error:
/// a hostile file must get a plain message, never a crash. The panic's own message is kept
/// off the screen while this runs (see [`quiet_panics`]).
fn guarded<T>(path: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let _quiet = quiet_panics::Quiet::new();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(_) => Err(Error::Damaged {
            path: path.to_path_buf(),
            detail: "part of it cannot be read".into(),
        }),
    }
}

/// Runs `f`; `None` when it panicked (in calamine, on a hostile file), without printing the
/// panic. For callers that read with calamine themselves, such as the self-check of `clean`.
pub fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    let _quiet = quiet_panics::Quiet::new();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

mod quiet_panics {
    //! A panic hook that stays silent for panics caught by [`super::guarded`] on this thread
    //! and hands every other panic to the hook that was there before.

    use std::cell::Cell;
    use std::sync::Once;

    thread_local! {
        static DEPTH: Cell<usize> = const { Cell::new(0) };
    }

    /// While alive, panics on this thread are not printed.
    pub struct Quiet(());

    impl Quiet {
        pub fn new() -> Quiet {
            static INSTALL: Once = Once::new();
            INSTALL.call_once(|| {
                let previous = std::panic::take_hook();
                std::panic::set_hook(Box::new(move |info| {
                    if DEPTH.with(Cell::get) == 0 {
                        previous(info);
                    }
                }));
            });
            DEPTH.with(|d| d.set(d.get() + 1));
            Quiet(())
        }
    }

    impl Drop for Quiet {
        fn drop(&mut self) {
            DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
        }
    }
}
