//! The streamed rewrite of a worksheet part.
//!
//! `<sheetData>` is read and written one cell at a time, never as a tree: a cell is copied
//! byte for byte unless it must change (a note emptied or removed, a repair, a patch, a new
//! place). The few other children of `<worksheet>` are small; when references move they are
//! read as element trees, edited by [`super::shift`] and written back, otherwise copied as
//! they are.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use quick_xml::events::{BytesStart, Event};

use super::plan::DataPlan;
use super::scan::Scan;
use super::self_check::{InputDigest, InputModel};
use super::shift::{self, Shift};
use crate::note;
use crate::package::address::cell_name;
use crate::package::cells::{Cell, CellType, Cursor, FormulaMove, read_cell, read_simple_cell};
use crate::package::refs::{ColumnRemoval, move_span_1based};
use crate::package::sst::SharedStrings;
use crate::package::tokens::{Events, Tokenizer};
use crate::package::xml::{self, Element, XmlProblem, XmlResult, escape_text, local, push_raw};
use crate::repair::RepairKind;

/// Largest non-cell element read whole (merges, validations...).
const ELEMENT_LIMIT: usize = 64 * 1024 * 1024;

/// A repair, as the rewrite made it.
#[derive(Debug, Clone)]
pub struct MadeRepair {
    /// Input row and column.
    pub at: (u32, u32),
    /// Output cell name.
    pub cell: String,
    /// Value before, as stored.
    pub before: String,
    /// Text after.
    pub after: String,
    /// Which repair.
    pub kind: RepairKind,
}

/// What the rewrite of a worksheet did (for the data sheet: its repairs, notes and rows).
#[derive(Debug, Default)]
pub struct SheetRewrite {
    /// Repairs made.
    pub repairs: Vec<MadeRepair>,
    /// Patches written: input position and output cell name.
    pub patched: Vec<((u32, u32), String)>,
    /// Notes removed (a cell can hold several).
    pub notes: usize,
    /// Cells that held notes.
    pub note_cells: usize,
    /// Cells of the notes column that held other text, emptied too.
    pub other_cleared: Vec<String>,
    /// Rows left out (input rows).
    pub dropped: Vec<u32>,
    /// What the pass counted, to decide the notes column and the strings to empty.
    pub scan: Scan,
    /// The input's digest for the self-check, when a model was given.
    pub digest: Option<InputDigest>,
}

/// Rewrites a worksheet. `moves` is set when a column leaves the data sheet; `data` when
/// this is the data sheet; `model` builds the input's digest for the self-check as the
/// cells are read.
pub fn rewrite<R: BufRead, W: Write>(
    source: R,
    sink: &mut W,
    moves: Option<FormulaMove>,
    data: Option<&DataPlan>,
    mut model: Option<InputModel>,
) -> XmlResult<SheetRewrite> {
    let mut reader = Tokenizer::new(source);
    let mut out = Out {
        text: String::with_capacity(256 * 1024),
        sink,
    };
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut outcome = SheetRewrite::default();
    let mut depth = 0usize;
    loop {
        buf.clear();
        let event = reader.next(&mut buf)?;
        match &event {
            Event::Eof => break,
            Event::Start(e) if depth == 1 && local(e.name().as_ref()) == "sheetData" => {
                push_raw(&mut out.text, &event);
                let e = e.clone().into_owned();
                let mut rows = Rows::new(moves, data, &e, model.take());
                rows.run(&mut reader, &mut buf, &mut out, &mut outcome)?;
                outcome.digest = rows.model.take().map(InputModel::finish);
            }
            Event::Start(e) | Event::Empty(e) if depth == 1 && moves.is_some() => {
                let empty = matches!(event, Event::Empty(_));
                let e = e.clone().into_owned();
                let mut element = Element::read(&mut reader, &mut buf, &e, empty, ELEMENT_LIMIT)?;
                let moves = moves.expect("checked");
                let on_sheet = moves.on_sheet;
                let shift = Shift {
                    sheet: moves.sheet,
                    removal: moves.removal,
                };
                if shift::worksheet_child(&mut element, shift, on_sheet)? {
                    element.write(&mut out.text);
                }
            }
            Event::Start(_) => {
                depth += 1;
                push_raw(&mut out.text, &event);
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                push_raw(&mut out.text, &event);
            }
            _ => push_raw(&mut out.text, &event),
        }
        out.flush_if_full()?;
    }
    out.flush()?;
    Ok(outcome)
}

/// Text waiting to be written.
struct Out<'w, W: Write> {
    text: String,
    sink: &'w mut W,
}

impl<W: Write> Out<'_, W> {
    fn flush_if_full(&mut self) -> XmlResult<()> {
        if self.text.len() >= 128 * 1024 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> XmlResult<()> {
        self.sink
            .write_all(self.text.as_bytes())
            .map_err(XmlProblem::Write)?;
        self.text.clear();
        Ok(())
    }
}

/// The style of each column's text cells, as far as known (a column can be known to have
/// unstyled text), by column.
#[derive(Default)]
struct TextStyles(Vec<Option<Option<String>>>);

impl TextStyles {
    fn new(known: Option<&HashMap<u32, Option<String>>>) -> Self {
        let mut styles = TextStyles::default();
        for (col, style) in known.into_iter().flatten() {
            styles.learn(*col, style);
        }
        styles
    }

    /// Records a column's style unless it is known already.
    fn learn(&mut self, col: u32, style: &Option<String>) {
        let col = col as usize;
        if self.0.len() <= col {
            self.0.resize(col + 1, None);
        }
        if self.0[col].is_none() {
            self.0[col] = Some(style.clone());
        }
    }

    /// The style of the column's text cells, when known and set.
    fn get(&self, col: u32) -> Option<String> {
        self.0.get(col as usize).cloned().flatten().flatten()
    }
}

/// The state of the `<sheetData>` stream.
struct Rows<'p, 'a> {
    moves: Option<FormulaMove<'p>>,
    data: Option<&'p DataPlan<'a>>,
    removal: Option<ColumnRemoval>,
    /// Prefix of the main namespace (`x:` or empty), for elements written new.
    prefix: String,
    cursor: Cursor,
    cell: Cell,
    /// Patches not yet written, in order.
    pending: Vec<((u32, u32), &'p str)>,
    next_patch: usize,
    /// Set once rows were left out or added: rows without `r` must get one.
    rows_moved: bool,
    /// Style of each column's text cells, learnt as the rows go by.
    styles: TextStyles,
    /// The last data row counted.
    counted_row: Option<u32>,
    /// The input's digest being built.
    model: Option<InputModel<'p>>,
}

impl<'p, 'a> Rows<'p, 'a> {
    fn new(
        moves: Option<FormulaMove<'p>>,
        data: Option<&'p DataPlan<'a>>,
        start: &BytesStart,
        model: Option<InputModel<'p>>,
    ) -> Self {
        let pending = data
            .map(|d| d.patches.iter().map(|(k, v)| (*k, *v)).collect())
            .unwrap_or_default();
        Rows {
            moves,
            data,
            removal: moves.filter(|m| m.on_sheet).map(|m| m.removal),
            prefix: xml::prefix(start.name().as_ref()).to_string(),
            cursor: Cursor::default(),
            cell: Cell::default(),
            pending,
            next_patch: 0,
            rows_moved: false,
            styles: TextStyles::new(data.map(|d| &d.text_style)),
            counted_row: None,
            model,
        }
    }

    fn run<E: Events, W: Write>(
        &mut self,
        reader: &mut E,
        buf: &mut Vec<u8>,
        out: &mut Out<W>,
        outcome: &mut SheetRewrite,
    ) -> XmlResult<()> {
        // The row being written: its input row, and whether a cell was added to or taken
        // from it (cells after that need an explicit `r`).
        let mut row: Option<(u32, bool)> = None;
        loop {
            // Most cells are plain enough to be taken whole.
            if let Some(simple) = reader.simple_cell()? {
                let len = simple.len;
                if read_simple_cell(&simple, &mut self.cursor, &mut self.cell)? {
                    reader.skip_simple_cell(len);
                    self.cell_read(&mut row, out, outcome)?;
                    out.flush_if_full()?;
                    continue;
                }
            }
            buf.clear();
            let event = reader.next(buf)?;
            match &event {
                Event::Start(e) | Event::Empty(e) if local(e.name().as_ref()) == "row" => {
                    let empty = matches!(event, Event::Empty(_));
                    let (r, has_r) = self.cursor.enter_row(e)?;
                    self.rows_before(r, out, outcome);
                    if self.data.is_some_and(|d| d.drop_rows.contains(&r)) {
                        outcome.dropped.push(r);
                        self.rows_moved = true;
                        self.skip_patches_of_row(r);
                        if !empty {
                            self.skip_row(reader, buf, outcome)?;
                        }
                        continue;
                    }
                    let tag = self.row_tag(e, r, has_r)?;
                    let patches_here = self.patch_row() == Some(r);
                    if empty && !patches_here {
                        out.text.push('<');
                        out.text.push_str(&tag);
                        out.text.push_str("/>");
                    } else {
                        out.text.push('<');
                        out.text.push_str(&tag);
                        out.text.push('>');
                        if empty {
                            self.cells_before(r, u32::MAX, out, outcome);
                            out.text.push_str(&format!("</{}>", e.name().as_ref()));
                        } else {
                            row = Some((r, false));
                        }
                    }
                }
                Event::End(e) if local(e.name().as_ref()) == "row" => {
                    if let Some((r, _)) = row.take() {
                        self.cells_before(r, u32::MAX, out, outcome);
                    }
                    push_raw(&mut out.text, &event);
                }
                Event::Start(e) | Event::Empty(e) if local(e.name().as_ref()) == "c" => {
                    let empty = matches!(event, Event::Empty(_));
                    let e = e.clone().into_owned();
                    let moves = self.moves;
                    read_cell(
                        reader,
                        buf,
                        &e,
                        empty,
                        &mut self.cursor,
                        &mut self.cell,
                        moves,
                    )?;
                    self.cell_read(&mut row, out, outcome)?;
                }
                Event::End(e) if local(e.name().as_ref()) == "sheetData" => {
                    self.rows_before(u32::MAX, out, outcome);
                    push_raw(&mut out.text, &event);
                    return Ok(());
                }
                Event::Eof => {
                    return Err(XmlProblem::Malformed(
                        "the sheet ends inside its data".into(),
                    ));
                }
                _ => push_raw(&mut out.text, &event),
            }
            out.flush_if_full()?;
        }
    }

    /// Counts and writes the cell just read into `self.cell`; `row` is the row being
    /// written.
    fn cell_read<W: Write>(
        &mut self,
        row: &mut Option<(u32, bool)>,
        out: &mut Out<W>,
        outcome: &mut SheetRewrite,
    ) -> XmlResult<()> {
        self.count(outcome);
        let (r, mut changed) = row.unwrap_or((self.cell.row, false));
        if self.cells_before(r, self.cell.col, out, outcome) {
            changed = true;
        }
        if self.write_cell(out, outcome, changed)? {
            changed = true;
        }
        self.add_to_model(outcome);
        *row = Some((r, changed));
        Ok(())
    }

    /// Adds the cell just read to the input's digest, telling whether it was repaired.
    fn add_to_model(&mut self, outcome: &SheetRewrite) {
        if let Some(model) = &mut self.model {
            let at = (self.cell.row, self.cell.col);
            let repaired = outcome.repairs.last().is_some_and(|r| r.at == at);
            model.add(&self.cell, repaired);
        }
    }

    /// The start tag of a row, with `r` and `spans` moved when needed.
    fn row_tag(&self, e: &BytesStart, r: u32, has_r: bool) -> XmlResult<String> {
        let new_r = self.data.map_or(r, |d| d.map_row(r));
        let move_r = new_r != r || (!has_r && self.rows_moved);
        if !move_r && self.removal.is_none() {
            return Ok(e.to_string());
        }
        let mut tag = String::from(e.name().as_ref());
        let mut wrote_r = false;
        for a in e.attributes() {
            let a = a?;
            let key = a.key.as_ref();
            let mut value = a.value.into_owned();
            match key {
                "r" => {
                    value = (new_r + 1).to_string();
                    wrote_r = true;
                }
                "spans" => {
                    if let Some(removal) = self.removal {
                        match move_spans(&value, removal) {
                            Some(moved) => value = moved,
                            None => continue,
                        }
                    }
                }
                _ => {}
            }
            push_attr_raw(&mut tag, key, &value);
        }
        if !wrote_r && move_r {
            push_attr_raw(&mut tag, "r", &(new_r + 1).to_string());
        }
        Ok(tag)
    }

    /// Reads the cells of a row left out, counting what they hold, up to the row's end.
    fn skip_row<E: Events>(
        &mut self,
        reader: &mut E,
        buf: &mut Vec<u8>,
        outcome: &mut SheetRewrite,
    ) -> XmlResult<()> {
        loop {
            buf.clear();
            let event = reader.next(buf)?;
            match &event {
                Event::Start(e) | Event::Empty(e) if local(e.name().as_ref()) == "c" => {
                    let empty = matches!(event, Event::Empty(_));
                    let e = e.clone().into_owned();
                    read_cell(
                        reader,
                        buf,
                        &e,
                        empty,
                        &mut self.cursor,
                        &mut self.cell,
                        None,
                    )?;
                    self.count(outcome);
                    self.add_to_model(outcome);
                }
                Event::End(e) if local(e.name().as_ref()) == "row" => return Ok(()),
                Event::Eof => {
                    return Err(XmlProblem::Malformed("the sheet ends inside a row".into()));
                }
                _ => {}
            }
        }
    }

    /// Counts what the cell just read holds: notes, strings used by notes, text styles.
    fn count(&mut self, outcome: &mut SheetRewrite) {
        let Some(data) = self.data else { return };
        let cell = &self.cell;
        if cell.empty {
            return;
        }
        let text = cell.text(data.sst);
        let is_note = notes_in(cell, data.sst).is_some();
        if is_note && let Some(i) = cell.shared_index() {
            outcome.scan.note_strings.push((i, cell.row, cell.col));
        }
        if cell.row < data.data_start || cell.is_blank(data.sst) {
            return;
        }
        if self.counted_row != Some(cell.row) {
            self.counted_row = Some(cell.row);
            outcome.scan.data_rows += 1;
        }
        if is_note {
            *outcome.scan.note_cells.entry(cell.col).or_default() += 1;
            outcome.scan.first_note.entry(cell.col).or_insert(cell.row);
        } else if text.is_some() && !cell.formula {
            self.styles.learn(cell.col, &cell.style);
        }
    }

    fn patch_row(&self) -> Option<u32> {
        self.pending.get(self.next_patch).map(|((r, _), _)| *r)
    }

    fn skip_patches_of_row(&mut self, r: u32) {
        while self.patch_row() == Some(r) {
            self.next_patch += 1;
        }
    }

    /// Writes new rows for patches on rows before `r` that the sheet does not have.
    fn rows_before<W: Write>(&mut self, r: u32, out: &mut Out<W>, outcome: &mut SheetRewrite) {
        while let Some(pr) = self.patch_row().filter(|pr| *pr < r) {
            if self.data.is_some_and(|d| d.drop_rows.contains(&pr)) {
                self.skip_patches_of_row(pr);
                continue;
            }
            let new_r = self.data.map_or(pr, |d| d.map_row(pr));
            out.text
                .push_str(&format!("<{}row r=\"{}\">", self.prefix, new_r + 1));
            self.cells_before(pr, u32::MAX, out, outcome);
            out.text.push_str(&format!("</{}row>", self.prefix));
            self.rows_moved = true;
        }
    }

    /// Writes new cells for patches of row `r` left of column `col` that the row does not
    /// have; true when it wrote any.
    fn cells_before<W: Write>(
        &mut self,
        r: u32,
        col: u32,
        out: &mut Out<W>,
        outcome: &mut SheetRewrite,
    ) -> bool {
        let Some(data) = self.data else {
            return false;
        };
        let mut wrote = false;
        while let Some(((pr, pc), text)) = self.pending.get(self.next_patch).copied() {
            if pr != r || pc >= col {
                break;
            }
            self.next_patch += 1;
            let Some(out_col) = self.out_col(pc) else {
                continue;
            };
            let name = cell_name(data.map_row(pr), out_col);
            let style = self.styles.get(pc);
            write_text_cell(
                &mut out.text,
                &self.prefix,
                "c",
                Some(&name),
                style.as_deref(),
                text,
            );
            outcome.patched.push(((pr, pc), name));
            wrote = true;
        }
        wrote
    }

    fn out_cell(&self, row: u32, col: u32, data: &DataPlan) -> Option<u32> {
        match self.removal {
            Some(removal) => removal.cell(row, col, &data.lifted),
            None => Some(col),
        }
    }

    fn out_col(&self, col: u32) -> Option<u32> {
        match self.removal {
            Some(removal) => removal.col(col),
            None => Some(col),
        }
    }

    /// Writes the cell just read; true when it was dropped or added (so later cells of the
    /// row need an explicit `r`).
    fn write_cell<W: Write>(
        &mut self,
        out: &mut Out<W>,
        outcome: &mut SheetRewrite,
        row_changed: bool,
    ) -> XmlResult<bool> {
        let cell = &self.cell;
        let (row, col) = (cell.row, cell.col);
        let Some(data) = self.data else {
            // Another sheet: only its formulas moved (already in `inner`).
            write_as_is(&mut out.text, cell, None);
            return Ok(false);
        };
        let sst = data.sst;
        let in_data = row >= data.data_start;
        let out_row = data.map_row(row);
        let Some(out_col) = self.out_cell(row, col, data) else {
            // The inserted notes column: the cell goes.
            if cell.shared_master {
                return Err(XmlProblem::Unsupported(format!(
                    "cell {} of the notes column starts a formula other cells share; remove the formulas from that column in Excel and try again",
                    cell_name(row, col)
                )));
            }
            count_note(outcome, notes_in(cell, sst));
            return Ok(true);
        };
        // A new `r` is written when the cell moved, or lacks one where its place would
        // otherwise be lost.
        let force_r = row_changed || self.removal.is_some() || out_row != row;
        let moved = (out_row != row || out_col != col) || (force_r && !cell.has_r);
        // The `r` of a cell written anew, and of a cell copied to a new place.
        let name = || (cell.has_r || force_r).then(|| cell_name(out_row, out_col));
        let new_r = || moved.then(|| cell_name(out_row, out_col));
        if data.clear_col == Some(col) && in_data {
            // The column is always emptied, whatever a patch says.
            if self
                .pending
                .get(self.next_patch)
                .is_some_and(|(at, _)| *at == (row, col))
            {
                self.next_patch += 1;
            }
            if !cell.is_blank(sst) {
                let notes = notes_in(cell, sst);
                if notes.is_some() {
                    count_note(outcome, notes);
                } else {
                    outcome.other_cleared.push(cell_name(out_row, out_col));
                }
                write_empty_cell(&mut out.text, cell, name().as_deref());
            } else {
                write_as_is(&mut out.text, cell, new_r().as_deref());
            }
            return Ok(false);
        }
        if let Some(((pr, pc), text)) = self.pending.get(self.next_patch).copied()
            && (pr, pc) == (row, col)
        {
            self.next_patch += 1;
            let cell_ref = cell_name(out_row, out_col);
            let style = self.styles.get(col).or_else(|| cell.style.clone());
            let r = name();
            write_text_cell(
                &mut out.text,
                &self.prefix,
                local(&cell.name),
                r.as_deref(),
                style.as_deref(),
                text,
            );
            outcome.patched.push(((row, col), cell_ref));
            return Ok(false);
        }
        if in_data
            && !cell.formula
            && let Some(rule) = data.rules.get(col as usize).copied()
        {
            let fix = match cell.cell_type() {
                CellType::Number if !cell.value.trim().is_empty() => rule
                    .number(&cell.value, data.date1904)
                    .map(|f| (f, cell.value.trim().to_string())),
                CellType::Shared | CellType::Inline => cell
                    .text(sst)
                    .and_then(|t| rule.text(t).map(|f| (f, t.to_string()))),
                _ => None,
            };
            if let Some(((kind, after), before)) = fix {
                // A number turned text takes the column's text style; a list value keeps its own.
                let style = if kind == RepairKind::ListValue {
                    cell.style.clone()
                } else {
                    self.styles.get(col).or_else(|| cell.style.clone())
                };
                write_text_cell(
                    &mut out.text,
                    &self.prefix,
                    local(&cell.name),
                    name().as_deref(),
                    style.as_deref(),
                    &after,
                );
                outcome.repairs.push(MadeRepair {
                    at: (row, col),
                    cell: cell_name(out_row, out_col),
                    before,
                    after,
                    kind,
                });
                return Ok(false);
            }
        }
        write_as_is(&mut out.text, cell, new_r().as_deref());
        Ok(false)
    }
}

/// How a shared string is marked when read: a text with iCARE notes by their number (held
/// as that number only, see [`SharedStrings::read_marking`]).
pub fn note_mark(text: &str) -> Option<u32> {
    note::contains_note(text).then(|| u32::try_from(note::count_in_cell(text)).unwrap_or(u32::MAX))
}

/// The number of iCARE notes a cell holds, `None` when it holds none.
pub fn notes_in(cell: &Cell, sst: &SharedStrings) -> Option<usize> {
    match cell.cell_type() {
        CellType::Shared => cell
            .shared_index()
            .and_then(|i| sst.mark(i as usize))
            .map(|n| n as usize),
        _ => cell
            .text(sst)
            .filter(|t| note::contains_note(t))
            .map(note::count_in_cell),
    }
}

fn count_note(outcome: &mut SheetRewrite, notes: Option<usize>) {
    if let Some(notes) = notes {
        outcome.notes += notes;
        outcome.note_cells += 1;
    }
}

/// Moves a `spans` list (`1:95`, or several `a:b` separated by spaces).
fn move_spans(value: &str, removal: ColumnRemoval) -> Option<String> {
    let mut parts = Vec::new();
    for span in value.split_ascii_whitespace() {
        let (a, b) = span.split_once(':')?;
        let (a, b) = (a.parse().ok()?, b.parse().ok()?);
        if let Some((a, b)) = move_span_1based(a, b, removal) {
            parts.push(format!("{a}:{b}"));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn push_attr_raw(tag: &mut String, key: &str, raw_value: &str) {
    tag.push(' ');
    tag.push_str(key);
    tag.push_str("=\"");
    tag.push_str(raw_value);
    tag.push('"');
}

/// The cell's start tag with `r` set to `name` (added first when missing).
fn retag(cell: &Cell, name: &str, keep: impl Fn(&str) -> bool) -> String {
    let start = BytesStart::from_content(cell.start.as_str(), cell.name.len());
    let mut tag = cell.name.clone();
    if !cell.has_r {
        push_attr_raw(&mut tag, "r", name);
    }
    for a in start.attributes().flatten() {
        let key = a.key.as_ref();
        if key == "r" {
            push_attr_raw(&mut tag, "r", name);
        } else if keep(key) {
            push_attr_raw(&mut tag, key, &a.value);
        }
    }
    tag
}

/// Copies a cell, with a new `r` when given.
fn write_as_is(out: &mut String, cell: &Cell, new_r: Option<&str>) {
    out.push('<');
    match new_r {
        Some(name) => out.push_str(&retag(cell, name, |_| true)),
        None => out.push_str(&cell.start),
    }
    if cell.empty {
        out.push_str("/>");
        return;
    }
    out.push('>');
    out.push_str(&cell.inner);
    out.push_str("</");
    out.push_str(&cell.name);
    out.push('>');
}

/// Writes the cell without its value: position and style stay.
fn write_empty_cell(out: &mut String, cell: &Cell, name: Option<&str>) {
    out.push('<');
    match name {
        Some(name) => out.push_str(&retag(cell, name, |k| k == "s")),
        None => {
            out.push_str(&cell.name);
            if let Some(s) = &cell.style {
                push_attr_raw(out, "s", s);
            }
        }
    }
    out.push_str("/>");
}

/// Writes an inline-string cell.
fn write_text_cell(
    out: &mut String,
    prefix: &str,
    c: &str,
    r: Option<&str>,
    style: Option<&str>,
    text: &str,
) {
    out.push('<');
    out.push_str(prefix);
    out.push_str(c);
    if let Some(r) = r {
        push_attr_raw(out, "r", r);
    }
    if let Some(s) = style {
        push_attr_raw(out, "s", s);
    }
    if text.is_empty() {
        out.push_str("/>");
        return;
    }
    push_attr_raw(out, "t", "inlineStr");
    out.push_str(&format!("><{prefix}is><{prefix}t"));
    if text.starts_with(char::is_whitespace)
        || text.ends_with(char::is_whitespace)
        || text.contains('\n')
    {
        out.push_str(" xml:space=\"preserve\"");
    }
    out.push('>');
    out.push_str(&escape_text(text));
    out.push_str(&format!("</{prefix}t></{prefix}is></{prefix}{c}>"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_move_with_the_columns() {
        let a = ColumnRemoval { col: 0 };
        assert_eq!(move_spans("1:96", a).as_deref(), Some("1:95"));
        assert_eq!(move_spans("1:1", a), None);
        assert_eq!(move_spans("2:3 5:9", a).as_deref(), Some("1:2 4:8"));
    }
}
