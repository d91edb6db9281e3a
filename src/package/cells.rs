//! Reading the cells of a worksheet part as a stream: each `<c>` with its position, type,
//! style, value and raw inner markup, so that a cell can be copied byte for byte or
//! rewritten. Positions follow the spec: `r` when present, else one past the previous cell
//! (or row).

use quick_xml::events::{BytesStart, Event};

use super::address::{MAX_ROW, parse_cell};
use super::refs::{ColumnRemoval, Moved, move_area, move_formula};
use super::sst::SharedStrings;
use super::tokens::{Events, SimpleCell};
use super::xml::{self, XmlProblem, XmlResult, local, push_raw, resolve_ref};

/// The value type of a cell (`t`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellType {
    /// A number (`t` absent or `n`).
    Number,
    /// An index into the shared strings (`s`).
    Shared,
    /// An inline string (`inlineStr`).
    Inline,
    /// A formula's text result (`str`).
    FormulaText,
    /// A boolean (`b`).
    Bool,
    /// An error value such as `#N/A` (`e`).
    Error,
    /// An ISO 8601 date (`d`).
    IsoDate,
    /// A type the spec does not have.
    Other,
}

/// How formulas of the sheet being read move (when a column leaves the data sheet).
#[derive(Debug, Clone, Copy)]
pub struct FormulaMove<'a> {
    /// Name of the sheet losing the column.
    pub sheet: &'a str,
    /// Whether the formulas being read live on that sheet.
    pub on_sheet: bool,
    /// The removal.
    pub removal: ColumnRemoval,
}

/// One cell as read.
#[derive(Debug, Default)]
pub struct Cell {
    /// Qualified element name (`c`, `x:c`).
    pub name: String,
    /// The start tag as written, without `<` and `>`.
    pub start: String,
    /// Written as `<c .../>`.
    pub empty: bool,
    /// Whether it has an `r` attribute.
    pub has_r: bool,
    /// 0-based row.
    pub row: u32,
    /// 0-based column.
    pub col: u32,
    /// Raw style attribute.
    pub style: Option<String>,
    /// Value type.
    pub kind: Option<CellType>,
    /// The markup between start and end tag, as written (formulas moved if asked).
    pub inner: String,
    /// Text of `<v>`.
    pub value: String,
    /// The shared-string index of a shared-string cell (from `value`).
    pub index: Option<u32>,
    /// Text of an inline string.
    pub inline: String,
    /// A `<t>` of the inline string keeps its spaces (`xml:space="preserve"`).
    pub inline_preserve: bool,
    /// Holds a formula.
    pub formula: bool,
    /// Starts a shared formula (`<f t="shared" ref=...>`).
    pub shared_master: bool,
}

impl Cell {
    /// The value type.
    pub fn cell_type(&self) -> CellType {
        self.kind.unwrap_or(CellType::Number)
    }

    /// True when the cell holds no value.
    pub fn is_blank(&self, sst: &SharedStrings) -> bool {
        match self.cell_type() {
            CellType::Inline => self.inline.trim().is_empty(),
            CellType::Shared => self.index.is_none_or(|i| sst.is_blank(i as usize)),
            _ => self.value.trim().is_empty(),
        }
    }

    /// The cell's text, for string cells.
    pub fn text<'a>(&'a self, sst: &'a SharedStrings) -> Option<&'a str> {
        match self.cell_type() {
            CellType::Shared => self.shared_index().and_then(|i| sst.get(i as usize)),
            CellType::Inline => Some(&self.inline),
            CellType::FormulaText => Some(&self.value),
            _ => None,
        }
    }

    /// The shared-string index of a shared-string cell.
    pub fn shared_index(&self) -> Option<u32> {
        self.index
    }

    /// Sets [`Cell::index`] once the value is read.
    fn value_read(&mut self) {
        self.index = (self.cell_type() == CellType::Shared)
            .then(|| self.value.trim().parse().ok())
            .flatten();
    }
}

/// Where the reader stands in the sheet.
#[derive(Debug, Default, Clone, Copy)]
pub struct Cursor {
    /// Row of the row element being read (0-based), `None` before the first.
    pub row: Option<u32>,
    /// Column the next cell without `r` gets.
    pub next_col: u32,
}

impl Cursor {
    /// Enters a row element; returns its 0-based row.
    pub fn enter_row(&mut self, e: &BytesStart) -> XmlResult<(u32, bool)> {
        let (row, has_r) = match xml::attr(e, "r")? {
            Some(r) => (parse_row_number(&r)?, true),
            None => (self.row.map_or(0, |r| r + 1), false),
        };
        if row > MAX_ROW {
            return Err(XmlProblem::OutOfRange(format!("row {}", row as u64 + 1)));
        }
        self.row = Some(row);
        self.next_col = 0;
        Ok((row, has_r))
    }
}

/// Parses a 1-based row number into a 0-based row.
pub fn parse_row_number(text: &str) -> XmlResult<u32> {
    match text.trim().parse::<u64>() {
        Ok(n) if (1..=u64::from(MAX_ROW) + 1).contains(&n) => Ok(n as u32 - 1),
        Ok(_) => Err(XmlProblem::OutOfRange(format!("row {text}"))),
        Err(_) if text.trim().bytes().all(|b| b.is_ascii_digit()) => {
            Err(XmlProblem::OutOfRange(format!("row {text}")))
        }
        Err(_) => Err(XmlProblem::Malformed(format!("row number '{text}'"))),
    }
}

/// Parses a cell name, telling a reference past the limits from a malformed one.
pub fn parse_cell_name(text: &str) -> XmlResult<(u32, u32)> {
    if let Some(found) = parse_plain_cell(text.as_bytes()) {
        return Ok(found);
    }
    parse_cell(text).ok_or_else(|| {
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'$') {
            XmlProblem::OutOfRange(text.to_string())
        } else {
            XmlProblem::Malformed(format!("cell reference '{text}'"))
        }
    })
}

/// The common case of a cell name, fast: `AB12` without `$` or spaces, within Excel's limits.
fn parse_plain_cell(text: &[u8]) -> Option<(u32, u32)> {
    let mut i = 0;
    let mut col: u32 = 0;
    while i < text.len() && text[i].is_ascii_uppercase() {
        if i == 3 {
            return None;
        }
        col = col * 26 + u32::from(text[i] - b'A' + 1);
        i += 1;
    }
    if i == 0 || i == text.len() || col - 1 > super::refs::LAST_COL {
        return None;
    }
    let mut row: u32 = 0;
    for &b in &text[i..] {
        if !b.is_ascii_digit() || row > MAX_ROW {
            return None;
        }
        row = row * 10 + u32::from(b - b'0');
    }
    (1..=MAX_ROW + 1).contains(&row).then(|| (row - 1, col - 1))
}

/// Sets `slot` to `value`, reusing its buffer.
fn set(slot: &mut Option<String>, value: &str) {
    match slot {
        Some(s) => {
            s.clear();
            s.push_str(value);
        }
        None => *slot = Some(value.to_string()),
    }
}

/// The value type named by a `t` attribute.
fn cell_type(t: &str) -> CellType {
    match t {
        "n" => CellType::Number,
        "s" => CellType::Shared,
        "inlineStr" => CellType::Inline,
        "str" => CellType::FormulaText,
        "b" => CellType::Bool,
        "e" => CellType::Error,
        "d" => CellType::IsoDate,
        _ => CellType::Other,
    }
}

/// Reads a worksheet part's cells in order up to and including row `last` (0-based), and
/// hands each cell with content to `visit` (an empty `<c/>` holds no value). Stops at the
/// first row past `last`, the end of the sheet data, or the end of the part.
pub fn cells_until<R: std::io::BufRead>(
    source: R,
    last: u32,
    mut visit: impl FnMut(&Cell),
) -> XmlResult<()> {
    let mut reader = super::tokens::Tokenizer::new(source);
    let mut buf = Vec::with_capacity(8 * 1024);
    let mut cursor = Cursor::default();
    let mut cell = Cell::default();
    loop {
        buf.clear();
        match reader.next(&mut buf)? {
            Event::Start(e) | Event::Empty(e)
                if local(e.name().as_ref()) == "row" && cursor.enter_row(&e)?.0 > last =>
            {
                break;
            }
            Event::Start(e) if local(e.name().as_ref()) == "c" => {
                let e = e.into_owned();
                read_cell(
                    &mut reader,
                    &mut buf,
                    &e,
                    false,
                    &mut cursor,
                    &mut cell,
                    None,
                )?;
                if cell.row > last {
                    break;
                }
                visit(&cell);
            }
            Event::Empty(e) if local(e.name().as_ref()) == "c" => {
                let e = e.into_owned();
                read_cell(
                    &mut reader,
                    &mut buf,
                    &e,
                    true,
                    &mut cursor,
                    &mut cell,
                    None,
                )?;
            }
            Event::End(e) if local(e.name().as_ref()) == "sheetData" => break,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(())
}

/// Fills `cell` from a cell in its plainest form, as [`read_cell`] would from its events;
/// false (and `cell` left in any state) when its attributes are not plain `key="value"`
/// pairs, so that the caller reads it as events instead.
pub fn read_simple_cell(
    simple: &SimpleCell,
    cursor: &mut Cursor,
    cell: &mut Cell,
) -> XmlResult<bool> {
    let mut position = None;
    let mut style = None;
    let mut kind = None;
    // The attributes, as `key="value"` pairs; the delimiters are ASCII, so every slice is on
    // a character boundary.
    let start = simple.start;
    let bytes = start.as_bytes();
    let mut at = 1;
    loop {
        while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        if at == bytes.len() {
            break;
        }
        let Some(eq) = bytes[at..].iter().position(|&b| b == b'=').map(|i| at + i) else {
            return Ok(false);
        };
        let quote = match bytes.get(eq + 1) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Ok(false),
        };
        let Some(end) = bytes[eq + 2..]
            .iter()
            .position(|&b| b == quote)
            .map(|i| eq + 2 + i)
        else {
            return Ok(false);
        };
        let key = &bytes[at..eq];
        if key.is_empty() || key.iter().any(u8::is_ascii_whitespace) {
            return Ok(false);
        }
        let value = &start[eq + 2..end];
        match key {
            b"r" => position = Some(value),
            b"s" => style = Some(value),
            b"t" => kind = Some(cell_type(value)),
            _ => {}
        }
        at = end + 1;
    }
    let (row, col) = match position {
        Some(r) => parse_cell_name(r)?,
        None => (cursor.row.unwrap_or(0), cursor.next_col),
    };
    if col > super::refs::LAST_COL {
        return Err(XmlProblem::OutOfRange(format!("column {}", col as u64 + 1)));
    }
    cell.name.clear();
    cell.name.push('c');
    cell.start.clear();
    cell.start.push_str(simple.start);
    cell.empty = simple.empty;
    match style {
        Some(s) => set(&mut cell.style, s),
        None => cell.style = None,
    }
    cell.kind = kind;
    cell.has_r = position.is_some();
    cell.row = row;
    cell.col = col;
    cursor.next_col = col + 1;
    cell.inner.clear();
    cell.inner.push_str(simple.inner);
    cell.value.clear();
    cell.value.push_str(simple.value);
    cell.inline.clear();
    cell.inline_preserve = false;
    cell.formula = false;
    cell.shared_master = false;
    cell.value_read();
    Ok(true)
}

/// Reads a cell whose start tag was just read into `cell` (cleared first).
pub fn read_cell<E: Events>(
    reader: &mut E,
    buf: &mut Vec<u8>,
    start: &BytesStart,
    empty: bool,
    cursor: &mut Cursor,
    cell: &mut Cell,
    formulas: Option<FormulaMove>,
) -> XmlResult<()> {
    start_cell(start, empty, cursor, cell)?;
    if empty {
        return Ok(());
    }
    read_cell_content(reader, buf, cell, formulas)
}

/// Takes the cell's start tag: its name, style, type and place (from `r`, or the next
/// column after the previous cell).
fn start_cell(
    start: &BytesStart,
    empty: bool,
    cursor: &mut Cursor,
    cell: &mut Cell,
) -> XmlResult<()> {
    cell.name.clear();
    cell.name.push_str(start.name().as_ref());
    cell.start.clear();
    cell.start.push_str(start);
    cell.empty = empty;
    let mut style = false;
    cell.kind = None;
    cell.has_r = false;
    cell.inner.clear();
    cell.value.clear();
    cell.inline.clear();
    cell.inline_preserve = false;
    cell.formula = false;
    cell.shared_master = false;
    cell.index = None;
    let mut position = None;
    for a in start.attributes().with_checks(false) {
        let a = a?;
        match a.key.as_ref() {
            "r" => position = Some(parse_cell_name(&a.value)?),
            "s" => {
                set(&mut cell.style, &a.value);
                style = true;
            }
            "t" => cell.kind = Some(cell_type(&a.value)),
            _ => {}
        }
    }
    if !style {
        cell.style = None;
    }
    let (row, col) = match position {
        Some(p) => {
            cell.has_r = true;
            p
        }
        None => (cursor.row.unwrap_or(0), cursor.next_col),
    };
    if col > super::refs::LAST_COL {
        return Err(XmlProblem::OutOfRange(format!("column {}", col as u64 + 1)));
    }
    cell.row = row;
    cell.col = col;
    cursor.next_col = col + 1;
    Ok(())
}

/// Reads the cell's children up to its end tag: the value, the inline string (without its
/// phonetic runs) and the formula (moved when `formulas` says so), keeping the raw XML.
fn read_cell_content<E: Events>(
    reader: &mut E,
    buf: &mut Vec<u8>,
    cell: &mut Cell,
    formulas: Option<FormulaMove>,
) -> XmlResult<()> {
    let mut in_v = false;
    let mut in_is = false;
    let mut phonetic = 0u32;
    let mut in_t = false;
    loop {
        buf.clear();
        let event = reader.next(buf)?;
        match &event {
            Event::Start(e) => match local(e.name().as_ref()) {
                "v" => in_v = true,
                "is" => in_is = true,
                "rPh" => phonetic += 1,
                "t" if in_is && phonetic == 0 => {
                    in_t = true;
                    cell.inline_preserve |=
                        xml::attr(e, "xml:space")?.as_deref() == Some("preserve");
                }
                "f" => {
                    cell.formula = true;
                    if let Some(moves) = formulas {
                        let e = e.clone().into_owned();
                        read_formula(reader, buf, &e, cell, moves)?;
                        continue;
                    }
                    cell.shared_master |= is_shared_master(e)?;
                }
                _ => {}
            },
            Event::Empty(e) if local(e.name().as_ref()) == "f" => {
                cell.formula = true;
                cell.shared_master |= is_shared_master(e)?;
                if let Some(moves) = formulas {
                    let e = e.clone().into_owned();
                    let tag = moved_formula_tag(&e, moves)?;
                    cell.inner.push('<');
                    cell.inner.push_str(&tag);
                    cell.inner.push_str("/>");
                    continue;
                }
            }
            Event::End(e) => match local(e.name().as_ref()) {
                "c" => {
                    cell.value_read();
                    return Ok(());
                }
                "v" => in_v = false,
                "is" => in_is = false,
                "rPh" => phonetic = phonetic.saturating_sub(1),
                "t" => in_t = false,
                _ => {}
            },
            Event::Text(t) => {
                if in_v {
                    cell.value.push_str(t);
                } else if in_t {
                    cell.inline.push_str(t);
                }
            }
            Event::CData(t) => {
                if in_v {
                    cell.value.push_str(t);
                } else if in_t {
                    cell.inline.push_str(t);
                }
            }
            Event::GeneralRef(r) => {
                if in_v {
                    resolve_ref(r, &mut cell.value)?;
                } else if in_t {
                    resolve_ref(r, &mut cell.inline)?;
                } else {
                    resolve_ref(r, &mut String::new())?;
                }
            }
            Event::Eof => return Err(XmlProblem::Malformed("the sheet ends inside a cell".into())),
            _ => {}
        }
        push_raw(&mut cell.inner, &event);
    }
}

fn is_shared_master(e: &BytesStart) -> XmlResult<bool> {
    Ok(xml::attr(e, "t")?.as_deref() == Some("shared") && xml::attr(e, "ref")?.is_some())
}

/// The start tag of a formula element with its `ref` moved.
fn moved_formula_tag(e: &BytesStart, moves: FormulaMove) -> XmlResult<String> {
    let mut tag = String::from(e.name().as_ref());
    for a in e.attributes() {
        let a = a?;
        let key = a.key.as_ref();
        let mut value = a.value.into_owned();
        if moves.on_sheet && key == "ref" {
            match move_area(&value, moves.removal) {
                Moved::To(moved) => value = moved,
                Moved::Gone => continue,
                Moved::NotAReference => {}
            }
        }
        tag.push(' ');
        tag.push_str(key);
        tag.push_str("=\"");
        tag.push_str(&value);
        tag.push('"');
    }
    Ok(tag)
}

/// Reads a `<f>` element to its end and appends it, references moved, to the cell's inner
/// markup.
fn read_formula<E: Events>(
    reader: &mut E,
    buf: &mut Vec<u8>,
    start: &BytesStart,
    cell: &mut Cell,
    moves: FormulaMove,
) -> XmlResult<()> {
    cell.shared_master |= is_shared_master(start)?;
    let mut text = String::new();
    loop {
        buf.clear();
        let event = reader.next(buf)?;
        match event {
            Event::Text(t) => text.push_str(&t),
            Event::CData(t) => text.push_str(&t),
            Event::GeneralRef(r) => resolve_ref(&r, &mut text)?,
            Event::End(_) => break,
            Event::Eof => {
                return Err(XmlProblem::Malformed(
                    "the sheet ends inside a formula".into(),
                ));
            }
            _ => {}
        }
    }
    let moved = move_formula(&text, moves.sheet, moves.on_sheet, moves.removal);
    let tag = moved_formula_tag(start, moves)?;
    cell.inner.push('<');
    cell.inner.push_str(&tag);
    cell.inner.push('>');
    cell.inner.push_str(&xml::escape_text(&moved));
    cell.inner.push_str("</");
    cell.inner.push_str(start.name().as_ref());
    cell.inner.push('>');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::tokens::Tokenizer;
    use crate::package::tokens::tests::sample_parts;

    /// Every cell of a worksheet part, as debug text, read with or without the simple-cell
    /// path; and how many cells took that path.
    fn cells_of(xml: &[u8], simple: bool, reads: usize) -> (Vec<String>, usize) {
        let mut reader = Tokenizer::new(std::io::BufReader::with_capacity(reads, xml));
        let (mut buf, mut cursor, mut cell) = (Vec::new(), Cursor::default(), Cell::default());
        let (mut out, mut simple_cells) = (Vec::new(), 0);
        loop {
            if simple && let Some(s) = reader.simple_cell().unwrap() {
                let len = s.len;
                if read_simple_cell(&s, &mut cursor, &mut cell).unwrap() {
                    reader.skip_simple_cell(len);
                    out.push(format!("{cell:?}"));
                    simple_cells += 1;
                    continue;
                }
            }
            buf.clear();
            let event = reader.next(&mut buf).unwrap();
            match &event {
                Event::Eof => return (out, simple_cells),
                Event::Start(e) | Event::Empty(e) if local(e.name().as_ref()) == "row" => {
                    cursor.enter_row(e).unwrap();
                }
                Event::Start(e) | Event::Empty(e) if local(e.name().as_ref()) == "c" => {
                    let empty = matches!(event, Event::Empty(_));
                    let e = e.clone().into_owned();
                    read_cell(
                        &mut reader,
                        &mut buf,
                        &e,
                        empty,
                        &mut cursor,
                        &mut cell,
                        None,
                    )
                    .unwrap();
                    out.push(format!("{cell:?}"));
                }
                _ => {}
            }
        }
    }

    #[test]
    fn simple_cells_read_as_their_events_do_on_every_sample() {
        let mut simple_cells = 0;
        for (sample, name, xml) in sample_parts() {
            if !name.starts_with("xl/worksheets/sheet") {
                continue;
            }
            let (events, _) = cells_of(&xml, false, 64 * 1024);
            // Small reads cut cells at the buffer's end: the simple path must give way.
            for reads in [64 * 1024, 7] {
                let (simple, n) = cells_of(&xml, true, reads);
                assert_eq!(simple, events, "{sample} {name}");
                simple_cells += n;
            }
        }
        assert!(simple_cells > 10_000, "{simple_cells} simple cells");
    }

    #[test]
    fn cells_with_more_than_a_value_are_not_simple() {
        for xml in [
            r#"<c r="A1"><f>1+1</f><v>2</v></c>"#,
            r#"<c r="A1" t="inlineStr"><is><t>x</t></is></c>"#,
            r#"<c r="A1" t="str"><v>a &amp; b</v></c>"#,
            r#"<x:c r="A1"><x:v>1</x:v></x:c>"#,
            r#"<c r="A1"><v>1</v> </c>"#,
        ] {
            let mut reader = Tokenizer::new(xml.as_bytes());
            assert_eq!(reader.simple_cell().unwrap(), None, "{xml}");
        }
        let mut reader = Tokenizer::new(r#"<c r="B2" s="3" t="s"><v>12</v></c><c/>"#.as_bytes());
        let simple = reader.simple_cell().unwrap().unwrap();
        assert_eq!(
            (simple.start, simple.inner, simple.value, simple.len),
            (r#"c r="B2" s="3" t="s""#, "<v>12</v>", "12", 35)
        );
    }
}
