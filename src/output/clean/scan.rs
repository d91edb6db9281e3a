//! Finding what to clean, streamed: the data sheet and its header rows (by the one layout
//! detector, [`crate::workbook::layout`], which `Rejected::open` uses too),
//! a first guess of the notes column from those rows, and the rules that decide the notes
//! column from what the rewrite of the whole sheet counted ([`Scan`]).
//!
//! Nothing here builds a grid of the sheet (as `Rejected::open` does), so a 50,000-row
//! workbook is handled in a few megabytes; the test suite checks that both agree.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;

use quick_xml::events::Event;

use crate::note;
use crate::package::cells::{CellType, cells_until};
use crate::package::sst::SharedStrings;
use crate::package::tokens::{Events, Tokenizer};
use crate::package::xml::{self, XmlResult, local};
use crate::template::Registry;
use crate::workbook::{NotesColumn, format_number, layout};

pub use crate::workbook::layout::Header;

/// One non-empty cell of the top rows.
#[derive(Debug, Clone)]
pub struct TopCell {
    /// 0-based column.
    pub col: u32,
    /// Its text (numbers as a person reads them), trimmed unless read for a list.
    pub text: String,
    /// Whether it is a string cell (not a number or a formula).
    pub is_text: bool,
    /// Whether it holds iCARE notes. A shared string with notes is held as their number
    /// only (see [`SharedStrings::read_marking`]): its `text` is then empty.
    pub note: bool,
    /// Its raw style attribute.
    pub style: Option<String>,
}

/// The top rows of a sheet: (row, cells).
pub type TopRows = Vec<(u32, Vec<TopCell>)>;

/// Reads the rows of a sheet up to and including row `last` (0-based), text trimmed.
pub fn top_rows<R: BufRead>(source: R, sst: &SharedStrings, last: u32) -> XmlResult<TopRows> {
    rows_of(source, sst, last, true)
}

/// [`top_rows`], the text trimmed or kept as written.
fn rows_of<R: BufRead>(
    source: R,
    sst: &SharedStrings,
    last: u32,
    trim: bool,
) -> XmlResult<TopRows> {
    let mut rows: TopRows = Vec::new();
    cells_until(source, last, |cell| {
        let note = cell.cell_type() == CellType::Shared
            && cell
                .shared_index()
                .is_some_and(|i| sst.is_marked(i as usize));
        let text = match cell.text(sst) {
            None if note => String::new(),
            Some(t) if trim => t.trim().to_string(),
            Some(t) => t.to_string(),
            None if cell.cell_type() == CellType::Number => cell
                .value
                .trim()
                .parse::<f64>()
                .map(format_number)
                .unwrap_or_else(|_| cell.value.trim().to_string()),
            None => cell.value.trim().to_string(),
        };
        if text.trim_start().is_empty() && !note {
            return;
        }
        let top = TopCell {
            col: cell.col,
            text,
            is_text: (note || cell.text(sst).is_some()) && !cell.formula,
            note,
            style: cell.style.clone(),
        };
        match rows.last_mut() {
            Some((r, cells)) if *r == cell.row => cells.push(top),
            _ => rows.push((cell.row, vec![top])),
        }
    })?;
    rows.sort_by_key(|(r, _)| *r);
    Ok(rows)
}

/// The header found in a sheet's top rows, by the one layout detector.
pub fn find_header(top: &TopRows, registry: &Registry) -> Option<Header> {
    let rows = top
        .iter()
        .map(|(row, cells)| (*row, cells.iter().map(|c| (c.col, c.text.as_str()))));
    layout::find_header(rows, registry)
}

/// Every non-empty cell of a (small) sheet as text kept as written (a list value may end
/// with a space), as a grid: the hidden LOV sheet, read with the shared strings already in
/// memory.
pub fn grid<R: BufRead>(source: R, sst: &SharedStrings) -> XmlResult<crate::workbook::Grid> {
    let rows = rows_of(source, sst, u32::MAX, false)?;
    Ok(crate::workbook::Grid {
        rows: rows
            .into_iter()
            .map(|(row, cells)| crate::workbook::GridRow {
                row,
                cells: cells
                    .into_iter()
                    .map(|c| (c.col, calamine::Data::String(c.text)))
                    .collect(),
            })
            .collect(),
    })
}

/// The first row after the header search: the top-rows read stops there.
pub const TOP_LAST_ROW: u32 = layout::HEADER_SEARCH_ROWS + 1;

/// What the pass over the data sheet counted.
#[derive(Debug, Default, Clone)]
pub struct Scan {
    /// Cells holding a note in data rows, counted per column.
    pub note_cells: BTreeMap<u32, usize>,
    /// The first row holding a note, per column (data rows).
    pub first_note: BTreeMap<u32, u32>,
    /// Every cell whose shared string is a note: (string, row, column).
    pub note_strings: Vec<(u32, u32, u32)>,
    /// Data rows that hold anything.
    pub data_rows: usize,
}

impl Scan {
    /// What the top rows show: enough for a first guess of the notes column.
    pub fn of_top_rows(top: &TopRows, data_start: u32) -> Scan {
        let mut scan = Scan::default();
        for (_, cells) in top.iter().filter(|(r, _)| *r >= data_start) {
            for cell in cells
                .iter()
                .filter(|c| c.note || note::contains_note(&c.text))
            {
                *scan.note_cells.entry(cell.col).or_default() += 1;
            }
        }
        scan
    }
}

/// The style of the first text cell of each column among the top data rows.
pub fn text_styles(top: &TopRows, data_start: u32) -> HashMap<u32, Option<String>> {
    let mut styles = HashMap::new();
    for (_, cells) in top.iter().filter(|(r, _)| *r >= data_start) {
        for cell in cells
            .iter()
            .filter(|c| c.is_text && !c.note && !note::contains_note(&c.text))
        {
            styles.entry(cell.col).or_insert_with(|| cell.style.clone());
        }
    }
    styles
}

/// The notes column from what the pass counted, by the one layout detector.
pub fn notes_column(scan: &Scan, header: &Header) -> Option<NotesColumn> {
    layout::notes_column(&scan.note_cells, &header.codes)
}

/// Which of `wanted` shared strings a worksheet uses.
pub fn shared_strings_used<R: BufRead>(
    source: R,
    wanted: &std::collections::BTreeSet<u32>,
) -> XmlResult<std::collections::BTreeSet<u32>> {
    let mut used = std::collections::BTreeSet::new();
    cells_until(source, u32::MAX, |cell| {
        if let Some(i) = cell.shared_index()
            && wanted.contains(&i)
        {
            used.insert(i);
        }
    })?;
    Ok(used)
}

/// The ranges of a worksheet's merged areas (`A1:R1`).
pub fn merges<R: BufRead>(source: R) -> XmlResult<Vec<String>> {
    let mut reader = Tokenizer::new(source);
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut out = Vec::new();
    loop {
        buf.clear();
        let event = reader.next(&mut buf)?;
        match event {
            Event::Start(e) | Event::Empty(e) if local(e.name().as_ref()) == "mergeCell" => {
                if let Some(r) = xml::attr(&e, "ref")? {
                    out.push(r);
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}
