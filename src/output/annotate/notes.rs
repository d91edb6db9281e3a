//! The data sheet's cell notes, written by icare-fix itself.
//!
//! rust_xlsxwriter keeps a whole `Note` (its text, a cell format, an author) per cell, copies
//! them all on saving and builds `xl/comments1.xml` and `xl/drawings/vmlDrawing1.vml` in
//! memory: about half the peak memory of a large annotated workbook. [`CellNotes`] keeps only
//! each note's text (once: the same error in a column gives the same note on every row, a
//! few dozen texts for 20,000 notes), author and size, and the column widths and row heights
//! the note boxes are placed by. rust_xlsxwriter gets a single placeholder note, so that it
//! still writes every link to the notes (the sheet's `<legacyDrawing>`, its relationships,
//! the content types); on saving, the two parts it wrote for that note are replaced by the whole notes,
//! streamed into the package, byte for byte as rust_xlsxwriter 0.102 writes them (a test
//! compares the two).
//!
//! The data sheet is the workbook's first sheet and the only one with notes, so its parts are
//! the first ones.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read, Seek, Write};

use rust_xlsxwriter::{Note, Worksheet, XlsxError};

use crate::note::{ArcStr, Texts};
use crate::output::stamp::{CONTENT_PENDING, CUSTOM_PART, Fingerprint};
use crate::workbook::col_name;

/// The notes' part in the package.
pub(super) const COMMENTS_PART: &str = "xl/comments1.xml";
/// The notes' boxes (their place and size) in the package.
pub(super) const VML_PART: &str = "xl/drawings/vmlDrawing1.vml";
/// The data sheet's relationships, which name the two parts above.
const SHEET_RELS_PART: &str = "xl/worksheets/_rels/sheet1.xml.rels";

/// Excel's rows and columns.
const ROWS: u32 = 1_048_576;
const COLS: u16 = 16_384;
/// Default sizes, in pixels, and the widest column.
const DEFAULT_COL_PX: u32 = 64;
const DEFAULT_ROW_PX: u32 = 20;
const MAX_COL_PX: u32 = 1790;
/// A column width in characters is this many pixels each, plus the padding.
const DIGIT_PX: u32 = 7;
const PADDING_PX: u32 = 5;
/// The longest note text, in UTF-16 units (Excel's limit for a string, less room for the
/// author's name).
const MAX_TEXT: usize = 32_767 - 54;
/// Default size of a note's box, in pixels.
const DEFAULT_NOTE_WIDTH: u32 = 128;
const DEFAULT_NOTE_HEIGHT: u32 = 74;
/// The longest author's name, in UTF-16 units (a longer one is ignored).
const MAX_AUTHOR: usize = 52;
/// The author of a note that names none.
const DEFAULT_AUTHOR: &str = "Author";

/// The data sheet's notes, and the sizes of the rows and columns they are placed by.
///
/// Every change to a column width or a row height of the data sheet goes through here.
pub(super) struct CellNotes {
    /// Notes are collected (the annotated workbook) rather than given to rust_xlsxwriter at
    /// once (the reference, [`CellNotes::direct`]).
    streamed: bool,
    notes: BTreeMap<(u32, u16), CellNote>,
    /// Each text once.
    texts: Texts,
    /// Column widths set, in pixels.
    cols: HashMap<u16, u32>,
    /// Row heights set, in pixels, and hidden rows.
    rows: HashMap<u32, RowSize>,
}

struct CellNote {
    text: ArcStr,
    author: Option<&'static str>,
    /// Size of the box, in pixels.
    width: u32,
    height: u32,
}

#[derive(Clone, Copy)]
struct RowSize {
    height: u32,
    hidden: bool,
}

impl CellNotes {
    /// Notes collected here and written on saving (see [`write_package`]).
    pub(super) fn streamed() -> CellNotes {
        CellNotes {
            streamed: true,
            notes: BTreeMap::new(),
            texts: Texts::default(),
            cols: HashMap::new(),
            rows: HashMap::new(),
        }
    }

    /// Notes given to rust_xlsxwriter as they come: the workbook is whole as built.
    pub(super) fn direct() -> CellNotes {
        CellNotes {
            streamed: false,
            ..CellNotes::streamed()
        }
    }

    /// Notes are waiting to be written by [`write_package`].
    pub(super) fn pending(&self) -> bool {
        self.streamed && !self.notes.is_empty()
    }

    /// The note of cell (`row`, `col`), replacing any earlier one, in a box of `width` ×
    /// `height` pixels, by `author` ("Author" when the name is longer than Excel allows).
    pub(super) fn insert(
        &mut self,
        ws: &mut Worksheet,
        (row, col): (u32, u16),
        text: String,
        author: &'static str,
        (width, height): (u32, u32),
    ) -> Result<(), XlsxError> {
        if !self.streamed {
            let note = Note::new(text)
                .set_author(author)
                .set_width(width)
                .set_height(height);
            ws.insert_note(row, col, &note)?;
            return Ok(());
        }
        if row >= ROWS || col >= COLS {
            return Err(XlsxError::RowColumnLimitError);
        }
        if utf16_len(&text) > MAX_TEXT {
            return Err(XlsxError::MaxStringLengthExceeded);
        }
        let text = self.texts.get(&text);
        let note = CellNote {
            text,
            author: (utf16_len(author) <= MAX_AUTHOR).then_some(author),
            width: if width == 0 {
                DEFAULT_NOTE_WIDTH
            } else {
                width
            },
            height: if height == 0 {
                DEFAULT_NOTE_HEIGHT
            } else {
                height
            },
        };
        self.notes.insert((row, col), note);
        Ok(())
    }

    /// Gives rust_xlsxwriter one note of its own, when notes are collected here, so that it
    /// links the notes' parts to the sheet. Call it once all notes are in.
    ///
    /// Every cell with a note is also written on the sheet (flagged, likely or predicted,
    /// each is filled), so the note does not change the sheet's range.
    pub(super) fn link(&self, ws: &mut Worksheet) -> Result<(), XlsxError> {
        if let Some((&(row, col), _)) = self.notes.iter().next().filter(|_| self.streamed) {
            ws.insert_note(row, col, &Note::new(""))?;
        }
        Ok(())
    }

    /// [`Worksheet::set_column_width`], `width` in characters.
    pub(super) fn set_column_width(
        &mut self,
        ws: &mut Worksheet,
        col: u16,
        width: f64,
    ) -> Result<(), XlsxError> {
        ws.set_column_width(col, width)?;
        // As rust_xlsxwriter turns characters into pixels.
        let px = if width == 0.0 {
            0
        } else if width < 1.0 {
            (width * f64::from(DIGIT_PX + PADDING_PX)).round() as u32
        } else {
            (width * f64::from(DIGIT_PX)).round() as u32 + PADDING_PX
        };
        self.cols.insert(col, px.min(MAX_COL_PX));
        Ok(())
    }

    /// [`Worksheet::set_row_height`], `height` in points.
    pub(super) fn set_row_height(
        &mut self,
        ws: &mut Worksheet,
        row: u32,
        height: f64,
    ) -> Result<(), XlsxError> {
        ws.set_row_height(row, height)?;
        let px = (height * 4.0 / 3.0).round() as u32;
        if px == 0 {
            self.hide(row);
        } else {
            self.rows
                .entry(row)
                .and_modify(|r| r.height = px)
                .or_insert(RowSize {
                    height: px,
                    hidden: false,
                });
        }
        Ok(())
    }

    /// [`Worksheet::set_row_hidden`].
    pub(super) fn set_row_hidden(&mut self, ws: &mut Worksheet, row: u32) -> Result<(), XlsxError> {
        ws.set_row_hidden(row)?;
        self.hide(row);
        Ok(())
    }

    fn hide(&mut self, row: u32) {
        self.rows
            .entry(row)
            .and_modify(|r| r.hidden = true)
            .or_insert(RowSize {
                height: DEFAULT_ROW_PX,
                hidden: true,
            });
    }

    fn col_px(&self, col: u16) -> u32 {
        self.cols.get(&col).copied().unwrap_or(DEFAULT_COL_PX)
    }

    /// A hidden row takes no room (notes neither move nor size with cells).
    fn row_px(&self, row: u32) -> u32 {
        match self.rows.get(&row) {
            Some(r) if r.hidden => 0,
            Some(r) => r.height,
            None => DEFAULT_ROW_PX,
        }
    }

    /// The authors, "Author" first, then in the order of the notes; and each note's author's
    /// place in that list.
    fn authors(&self) -> (Vec<&'static str>, Vec<usize>) {
        let mut authors = vec![DEFAULT_AUTHOR];
        let ids = self
            .notes
            .values()
            .map(|note| match note.author {
                None => 0,
                Some(author) => match authors.iter().position(|a| *a == author) {
                    Some(id) => id,
                    None => {
                        authors.push(author);
                        authors.len() - 1
                    }
                },
            })
            .collect();
        (authors, ids)
    }

    /// Writes `xl/comments1.xml`: the authors, then each note's text after its author's name
    /// in bold.
    pub(super) fn write_comments<W: Write>(&self, w: &mut W) -> io::Result<()> {
        const RUN: &str =
            r#"<sz val="8"/><color indexed="81"/><rFont val="Tahoma"/><family val="2"/></rPr>"#;
        w.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n")?;
        w.write_all(
            br#"<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors>"#,
        )?;
        let (authors, ids) = self.authors();
        for author in &authors {
            w.write_all(b"<author>")?;
            write_escaped(w, author)?;
            w.write_all(b"</author>")?;
        }
        w.write_all(b"</authors><commentList>")?;
        for ((&(row, col), note), &id) in self.notes.iter().zip(&ids) {
            write!(
                w,
                r#"<comment ref="{}{}" authorId="{id}"><text><r><rPr><b/>{RUN}"#,
                col_name(u32::from(col)),
                u64::from(row) + 1
            )?;
            let author = authors[id];
            if author.starts_with(['\t', '\n', ' ']) {
                w.write_all(br#"<t xml:space="preserve">"#)?;
            } else {
                w.write_all(b"<t>")?;
            }
            write_escaped(w, author)?;
            // The text goes on the line after the name: it starts with a newline, kept.
            w.write_all(b":</t></r><r><rPr>")?;
            w.write_all(RUN.as_bytes())?;
            w.write_all(b"<t xml:space=\"preserve\">\n")?;
            write_escaped(w, &note.text)?;
            w.write_all(b"</t></r></text></comment>")?;
        }
        w.write_all(b"</commentList></comments>")
    }

    /// Writes `xl/drawings/vmlDrawing1.vml`: each note's box, hidden until the cell is
    /// pointed at, placed a little right of and above its cell.
    pub(super) fn write_vml<W: Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(
            br#"<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"#,
        )?;
        // Shape ids come in blocks of 1,024, one id of the map for each.
        for block in 0..self.notes.len() / 1024 {
            write!(w, ",{}", block + 2)?;
        }
        w.write_all(br#""/></o:shapelayout>"#)?;
        if !self.notes.is_empty() {
            w.write_all(br#"<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>"#)?;
        }
        let mut offsets = Offsets::default();
        for (i, (&(row, col), note)) in self.notes.iter().enumerate() {
            let b = self.place(row, col, note, &mut offsets);
            write!(
                w,
                r##"<v:shape id="_x0000_s{}" type="#_x0000_t202" style="position:absolute;margin-left:{}pt;margin-top:{}pt;width:{}pt;height:{}pt;z-index:{};visibility:hidden" fillcolor="{FILL}" o:insetmode="auto"><v:fill color2="{FILL}"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{}, {}, {}, {}, {}, {}, {}, {}</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>"##,
                1025 + i,
                points(f64::from(b.left)),
                points(f64::from(b.top)),
                points(f64::from(note.width)),
                points(f64::from(note.height)),
                i + 1,
                b.from_col,
                f64::from(b.from_x),
                b.from_row,
                f64::from(b.from_y),
                b.to_col,
                b.to_x,
                b.to_row,
                b.to_y,
            )?;
        }
        w.write_all(b"</xml>")
    }

    /// Where the box of the note of (`row`, `col`) goes: from the cell up and right of it
    /// (within the sheet), a little inside, for its width and height.
    fn place(&self, row: u32, col: u16, note: &CellNote, offsets: &mut Offsets) -> Place {
        let (mut from_row, mut from_y) = match row {
            0 => (0, 2),
            r if r == ROWS - 3 => (ROWS - 7, 16),
            r if r == ROWS - 2 => (ROWS - 6, 16),
            r if r == ROWS - 1 => (ROWS - 5, 14),
            r => (r - 1, 10),
        };
        let (mut from_col, mut from_x) = match col {
            c if c == COLS - 3 => (COLS - 6, 49),
            c if c == COLS - 2 => (COLS - 5, 49),
            c if c == COLS - 1 => (COLS - 4, 49),
            c => (c + 1, 15),
        };
        let left = offsets.col(from_col, |c| self.col_px(c)) + from_x;
        let top = offsets.row(from_row, |r| self.row_px(r)) + from_y;
        // Offsets past the cell's edge move the corner to the next cells.
        while from_x >= self.col_px(from_col) {
            from_x -= self.col_px(from_col);
            from_col += 1;
        }
        while from_y >= self.row_px(from_row) {
            from_y -= self.row_px(from_row);
            from_row += 1;
        }
        let (mut to_col, mut to_x) = (from_col, f64::from(note.width) + f64::from(from_x));
        let (mut to_row, mut to_y) = (from_row, f64::from(note.height) + f64::from(from_y));
        while to_x >= f64::from(self.col_px(to_col)) {
            to_x -= f64::from(self.col_px(to_col));
            to_col += 1;
        }
        while to_y >= f64::from(self.row_px(to_row)) {
            to_y -= f64::from(self.row_px(to_row));
            to_row += 1;
        }
        Place {
            left,
            top,
            from_col,
            from_x,
            from_row,
            from_y,
            to_col,
            to_x,
            to_row,
            to_y,
        }
    }
}

/// The fill of a note's box.
const FILL: &str = "#ffffe1";

/// A note's box: its top left corner in pixels from the sheet's, and its corners as a cell
/// and an offset in it.
struct Place {
    left: u32,
    top: u32,
    from_col: u16,
    from_x: u32,
    from_row: u32,
    from_y: u32,
    to_col: u16,
    to_x: f64,
    to_row: u32,
    to_y: f64,
}

/// The distance to the last column and row asked for, in pixels: notes come row by row, so
/// each sum goes on from the last.
#[derive(Default)]
struct Offsets {
    col: (u16, u32),
    row: (u32, u32),
}

impl Offsets {
    fn col(&mut self, col: u16, px: impl Fn(u16) -> u32) -> u32 {
        let (mut from, mut sum) = self.col;
        if col < from {
            (from, sum) = (0, 0);
        }
        sum += (from..col).map(px).sum::<u32>();
        self.col = (col, sum);
        sum
    }

    fn row(&mut self, row: u32, px: impl Fn(u32) -> u32) -> u32 {
        let (mut from, mut sum) = self.row;
        if row < from {
            (from, sum) = (0, 0);
        }
        sum += (from..row).map(px).sum::<u32>();
        self.row = (row, sum);
        sum
    }
}

/// Pixels (at 96 dpi) in points, as Excel rounds them.
fn points(px: f64) -> f64 {
    (px + 0.25).floor() * 72.0 / 96.0
}

fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Writes `text` as the content of an element, escaped as Excel does: `&`, `<` and `>`, and
/// the control characters other than tab and newline, and U+FFFE and U+FFFF, as `_xHHHH_`.
/// Quotes are left as they are.
fn write_escaped<W: Write>(w: &mut W, text: &str) -> io::Result<()> {
    let mut plain = 0;
    for (i, c) in text.char_indices() {
        let escape = match c {
            '&' => Some("&amp;"),
            '<' => Some("&lt;"),
            '>' => Some("&gt;"),
            '\t' | '\n' => None,
            '\0'..='\x1F' | '\u{FFFE}' | '\u{FFFF}' => Some(""),
            _ => None,
        };
        let Some(escape) = escape else { continue };
        w.write_all(&text.as_bytes()[plain..i])?;
        if escape.is_empty() {
            write!(w, "_x{:04X}_", u32::from(c))?;
        } else {
            w.write_all(escape.as_bytes())?;
        }
        plain = i + c.len_utf8();
    }
    w.write_all(&text.as_bytes()[plain..])
}

/// Copies the package `source` (the workbook as rust_xlsxwriter saved it, with the
/// placeholder note of [`CellNotes::link`]) into `sink` entry by entry, as they are, except
/// the two parts of the notes, written from `notes` instead, in their place.
///
/// # Errors
///
/// Fails when `source` cannot be read, `sink` cannot be written, or `source` does not hold
/// the notes' parts where they are expected ([`zip::result::ZipError::InvalidArchive`]).
pub(super) fn write_package<R: Read + Seek, W: Write + Seek>(
    source: R,
    sink: W,
    notes: &CellNotes,
    level: u8,
) -> zip::result::ZipResult<W> {
    use zip::result::ZipError;
    let mut source = zip::ZipArchive::new(source)?;
    // The parts replaced must be those of the data sheet.
    let mut rels = String::new();
    source.by_name(SHEET_RELS_PART)?.read_to_string(&mut rels)?;
    let linked = |part: &str| rels.contains(&format!("Target=\"../{}\"", &part[3..]));
    if !linked(COMMENTS_PART) || !linked(VML_PART) {
        return Err(ZipError::InvalidArchive(
            "the notes are not those of the first sheet".into(),
        ));
    }
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(i64::from(level)))
        .unix_permissions(0o600)
        .last_modified_time(zip::DateTime::default());
    let mut zip = zip::ZipWriter::new(sink);
    let mut written = 0;
    // The fingerprint of what is written, recorded last in the custom properties, which move
    // to the end of the package for it.
    let mut fingerprint = Fingerprint::default();
    let mut custom = None;
    for i in 0..source.len() {
        let entry = source.by_index_raw(i)?;
        let name = entry.name()?.to_string();
        if name == COMMENTS_PART || name == VML_PART {
            drop(entry);
            zip.start_file(name.as_str(), options)?;
            let mut counted = Counted::new(&mut zip);
            let mut w = io::BufWriter::with_capacity(64 * 1024, &mut counted);
            if name == COMMENTS_PART {
                notes.write_comments(&mut w)?;
            } else {
                notes.write_vml(&mut w)?;
            }
            w.flush()?;
            drop(w);
            fingerprint.part(&name, counted.crc.clone().finalize(), counted.size);
            written += 1;
        } else if name == CUSTOM_PART {
            drop(entry);
            let mut xml = String::new();
            source.by_index(i)?.read_to_string(&mut xml)?;
            custom = Some(xml);
        } else {
            fingerprint.part(&name, entry.crc32(), entry.size());
            zip.raw_copy_file(entry)?;
        }
    }
    if written != 2 {
        return Err(ZipError::InvalidArchive(
            "the notes' parts are missing".into(),
        ));
    }
    if let Some(xml) = custom {
        zip.start_file(CUSTOM_PART, options)?;
        zip.write_all(
            xml.replacen(CONTENT_PENDING, &fingerprint.hex(), 1)
                .as_bytes(),
        )?;
    }
    zip.finish()
}

/// A writer that counts the bytes through it and their CRC-32.
struct Counted<W> {
    inner: W,
    crc: crc32fast::Hasher,
    size: u64,
}

impl<W> Counted<W> {
    fn new(inner: W) -> Self {
        Counted {
            inner,
            crc: crc32fast::Hasher::new(),
            size: 0,
        }
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::annotate::tests::{assert_same, parts};
    use rust_xlsxwriter::Workbook;

    /// A note: its cell, text, author and size.
    type TestNote = ((u32, u16), String, &'static str, (u32, u32));

    /// Saves a workbook whose first sheet is laid out by `layout` and gets `notes`, with the
    /// notes given to rust_xlsxwriter (`streamed` off) or written here.
    fn saved(
        streamed: bool,
        layout: &dyn Fn(&mut CellNotes, &mut Worksheet),
        notes: &[TestNote],
    ) -> Vec<u8> {
        let mut workbook = Workbook::new();
        workbook.set_zip_compression_level(3);
        let mut cells = if streamed {
            CellNotes::streamed()
        } else {
            CellNotes::direct()
        };
        let ws = workbook.add_worksheet_with_constant_memory().unwrap();
        layout(&mut cells, ws);
        // Constant memory: the cells row by row.
        let mut at: Vec<_> = notes.iter().map(|n| n.0).collect();
        at.sort_unstable();
        for (row, col) in at {
            ws.write_string(row, col, "x").unwrap();
        }
        for (at, text, author, size) in notes {
            cells.insert(ws, *at, text.clone(), author, *size).unwrap();
        }
        cells.link(ws).unwrap();
        workbook
            .add_worksheet()
            .write_string(0, 0, "second")
            .unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        if !streamed {
            return bytes;
        }
        let sink = write_package(
            io::Cursor::new(bytes),
            io::Cursor::new(Vec::new()),
            &cells,
            3,
        )
        .unwrap();
        sink.into_inner()
    }

    fn layout(cells: &mut CellNotes, ws: &mut Worksheet) {
        for (col, width) in [
            (0, 60.0),
            (1, 0.5),
            (2, 10.0),
            (3, 45.0),
            (5, 300.0),
            (6, 0.0),
        ] {
            cells.set_column_width(ws, col, width).unwrap();
        }
        cells.set_row_height(ws, 0, 40.0).unwrap();
        cells.set_row_hidden(ws, 2).unwrap();
        cells.set_row_height(ws, 2, 30.0).unwrap();
        cells.set_row_height(ws, 3, 45.5).unwrap();
        cells.set_row_height(ws, 5, 0.0).unwrap();
        cells.set_row_height(ws, 7, 200.0).unwrap();
    }

    #[test]
    fn notes_are_written_as_rust_xlsxwriter_writes_them() {
        let texts = [
            "plain",
            "Tom & Jerry <b> \"quoted\" 'single'",
            "  leading and trailing spaces  ",
            "\nnewlines\n\n",
            "\ttab\r\ncarriage\u{1}\u{1F}\u{B}\u{FFFE}",
            "é « guillemets » — ∑ 😀",
            "_x0041_ looks escaped",
            "",
        ];
        let mut notes = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let author = ["icare-fix", "icare-fix check", "Author", "icare-fix & co"][i % 4];
            let size = [(360, 200), (300, 140), (0, 0), (1, 1)][i % 4];
            notes.push(((i as u32, i as u16), text.to_string(), author, size));
        }
        // A later note replaces an earlier one.
        notes.push(((0, 0), "first cell".into(), "icare-fix", (360, 200)));
        notes.push(((2, 4), "on a hidden row".into(), "icare-fix", (360, 200)));
        notes.push(((3, 4), "under a hidden row".into(), "icare-fix", (360, 200)));
        notes.push(((6, 4), "under a zero row".into(), "icare-fix", (360, 200)));
        notes.push((
            (ROWS - 1, COLS - 1),
            "last cell".into(),
            "icare-fix",
            (360, 200),
        ));
        notes.push((
            (ROWS - 3, COLS - 3),
            "near the end".into(),
            "icare-fix",
            (360, 200),
        ));
        notes.push((
            (ROWS - 2, COLS - 2),
            "near the end".into(),
            "icare-fix",
            (360, 200),
        ));
        notes.push((
            (40, 3),
            "a long author".into(),
            "a name longer than Excel's limit of fifty-two characters for authors",
            (360, 200),
        ));
        let ours = saved(true, &layout, &notes);
        let theirs = saved(false, &layout, &notes);
        assert_same(&ours, &theirs);
        let comments = &parts(&ours)
            .into_iter()
            .find(|(n, _)| n == COMMENTS_PART)
            .unwrap()
            .1;
        let comments = String::from_utf8_lossy(comments);
        assert!(
            comments.contains("Tom &amp; Jerry &lt;b&gt; \"quoted\""),
            "{comments}"
        );
        assert!(comments.contains("_x0001_"), "{comments}");
        assert!(!comments.contains("plain"), "{comments}");
    }

    #[test]
    fn more_than_1024_notes_take_two_blocks_of_ids() {
        let notes: Vec<_> = (0..1100u32)
            .map(|i| {
                (
                    (1 + i / 40, (i % 40) as u16),
                    format!("note {i}"),
                    if i % 3 == 0 {
                        "icare-fix check"
                    } else {
                        "icare-fix"
                    },
                    (360, 200),
                )
            })
            .collect();
        let ours = saved(true, &layout, &notes);
        let theirs = saved(false, &layout, &notes);
        assert_same(&ours, &theirs);
        let vml = parts(&ours)
            .into_iter()
            .find(|(n, _)| n == VML_PART)
            .unwrap()
            .1;
        let vml = String::from_utf8(vml).unwrap();
        assert!(vml.contains(r#"data="1,2""#), "{}", &vml[..300]);
        assert!(vml.contains("_x0000_s2124"));
    }
}
