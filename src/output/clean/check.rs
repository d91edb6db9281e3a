//! The self-check: the written file is read back with calamine, independently of the
//! rewrite, and every cell of the data sheet is compared with the input's: equal, or
//! changed exactly as listed (notes emptied or removed, repairs, patches, rows left out,
//! the removed column's shift). Other rewritten sheets must read back unchanged, and no
//! note text may be left in any cell.
//!
//! Each file is reduced to one digest per row (the sum of a hash of each cell's column and
//! value, so cell order does not matter); nothing like a grid is kept. The input is read on
//! its own thread while the rewrite runs, setting aside the few cells a repair rule may
//! change; once the repairs are known they are added as repaired or as they were. When the
//! digests differ, the sheets are compared again cell by cell to say where.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::BufReader;
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};

use super::refs::ColumnRemoval;
use super::repair::Rule;
use crate::note;
use crate::workbook::address::cell_name;

/// What the output's data sheet must hold, relative to the input's (for the cell-by-cell
/// comparison that says where a difference is).
struct Expect<'a> {
    /// The removed column.
    pub removal: Option<ColumnRemoval>,
    /// The emptied notes column.
    pub clear_col: Option<u32>,
    /// First data row.
    pub data_start: u32,
    /// Input rows left out.
    pub drop_rows: &'a BTreeSet<u32>,
    /// Rows whose merged area starts in the removed column.
    pub lifted: &'a BTreeSet<u32>,
    /// New text of changed cells, by input position (empty text: the cell is empty).
    pub changed: &'a HashMap<(u32, u32), String>,
}

impl Expect<'_> {
    /// Where an input cell lands, `None` when it goes.
    fn place(&self, row: u32, col: u32) -> Option<(u32, u32)> {
        if self.drop_rows.contains(&row) {
            return None;
        }
        let col = match self.removal {
            Some(removal) => removal.cell(row, col, self.lifted)?,
            None => col,
        };
        let row = row - self.drop_rows.range(..row).count() as u32;
        Some((row, col))
    }
}

/// A cell's place: 0-based row and column.
type Place = (u32, u32);

/// What a cell must hold.
#[derive(Debug)]
enum Want<'a> {
    Same(DataRef<'a>),
    Text(String),
    Empty,
}

/// What the input must become, as far as it is known before the rewrite runs (repairs are
/// known only after it).
pub struct Plan<'a> {
    /// The data sheet's name.
    pub sheet: &'a str,
    /// The removed column.
    pub removal: Option<ColumnRemoval>,
    /// The emptied notes column.
    pub clear_col: Option<u32>,
    /// First data row.
    pub data_start: u32,
    /// Input rows left out.
    pub drop_rows: &'a BTreeSet<u32>,
    /// Rows whose merged area starts in the removed column.
    pub lifted: &'a BTreeSet<u32>,
    /// New text of patched cells, by input position.
    pub patches: &'a BTreeMap<(u32, u32), &'a str>,
    /// Repair rule of each input column.
    pub rules: &'a [Rule<'a>],
}

impl Plan<'_> {
    fn expect<'a>(&'a self, changed: &'a HashMap<(u32, u32), String>) -> Expect<'a> {
        Expect {
            removal: self.removal,
            clear_col: self.clear_col,
            data_start: self.data_start,
            drop_rows: self.drop_rows,
            lifted: self.lifted,
            changed,
        }
    }
}

/// The input's data sheet read with calamine and reduced to digests, with the cells a
/// repair may change set aside.
pub struct InputDigest {
    rows: Digest,
    /// (input position, output position, hash of the cell unchanged).
    candidates: Vec<(Place, Place, u64)>,
}

/// Reads the input's data sheet (on its own thread while the rewrite runs).
/// What [`read_input`] answers when the sheet's cells hold more text than the reader
/// accepts (`workbook::read::MAX_SHEET_TEXT_BYTES`): a file, not the check, is at fault.
pub const TOO_MUCH_TEXT: &str = "too much text";

pub fn read_input(path: &Path, plan: &Plan) -> Result<InputDigest, String> {
    let mut book = open(path)?;
    // Many cells can point to one long shared string; hashing each copy would take a time
    // without bound (100,000 cells of 32,000 characters: 51 s), so text is bounded as in
    // the reading commands.
    let mut text_bytes = 0usize;
    let sheet = plan.sheet;
    let mut cells = book
        .worksheet_cells_reader(sheet)
        .map_err(|e| format!("sheet '{sheet}' of the input cannot be read: {e}"))?;
    let changed = HashMap::new();
    let expect = plan.expect(&changed);
    let mut out = InputDigest {
        rows: HashMap::new(),
        candidates: Vec::new(),
    };
    loop {
        let Some(cell) = cells
            .next_cell()
            .map_err(|e| format!("sheet '{sheet}' of the input cannot be read: {e}"))?
        else {
            return Ok(out);
        };
        let (row, col) = cell.get_position();
        let value = cell.get_value();
        text_bytes += text_of(value).map_or(0, str::len);
        if text_bytes > crate::workbook::read::MAX_SHEET_TEXT_BYTES {
            return Err(TOO_MUCH_TEXT.to_string());
        }
        if is_empty(value)
            || plan.patches.contains_key(&(row, col))
            || (plan.clear_col == Some(col) && row >= plan.data_start)
        {
            continue;
        }
        let Some(place) = expect.place(row, col) else {
            continue;
        };
        let hash = cell_hash(place.1, Hashed::of(value));
        let rule = plan.rules.get(col as usize).copied().unwrap_or(Rule::None);
        if row >= plan.data_start && may_repair(rule, value) {
            out.candidates.push(((row, col), place, hash));
        } else {
            add(&mut out.rows, place.0, hash);
        }
    }
}

/// Whether a repair rule may change this value (the rewrite decides; the check then
/// expects either the repair or the value as it was).
fn may_repair(rule: Rule, value: &DataRef) -> bool {
    match rule {
        Rule::Date | Rule::Identifier => matches!(
            value,
            DataRef::Float(_) | DataRef::Int(_) | DataRef::DateTime(_)
        ),
        Rule::List(_) => text_of(value).is_some_and(|t| rule.text(t).is_some()),
        Rule::None => false,
    }
}

impl InputDigest {
    /// The digest the output must have, now that the repairs are known.
    fn expected(&self, plan: &Plan, repairs: &HashMap<(u32, u32), String>) -> Digest {
        let mut rows = self.rows.clone();
        for (at, place, unchanged) in &self.candidates {
            let hash = match repairs.get(at) {
                Some(after) => cell_hash(place.1, Hashed::Text(after)),
                None => *unchanged,
            };
            add(&mut rows, place.0, hash);
        }
        let changed = HashMap::new();
        let expect = plan.expect(&changed);
        for (&(row, col), text) in plan.patches {
            if let (Some(place), false) = (expect.place(row, col), text.is_empty()) {
                add(&mut rows, place.0, cell_hash(place.1, Hashed::Text(text)));
            }
        }
        rows
    }
}

/// Checks the written file against the input: the data sheet against the input's digest
/// (`repairs` by input position), and the other rewritten sheets against the input's.
pub fn verify(
    input: &Path,
    output: &Path,
    plan: &Plan,
    digest: &InputDigest,
    repairs: &HashMap<(u32, u32), String>,
    others: &[String],
) -> Result<(), String> {
    let got = output_digest(output, plan.sheet)?;
    if got != digest.expected(plan, repairs) {
        let mut changed: HashMap<(u32, u32), String> = repairs.clone();
        for (&at, text) in plan.patches {
            changed.insert(at, text.to_string());
        }
        let expect = plan.expect(&changed);
        let mut inp = open(input)?;
        let mut out = open(output)?;
        compare_sheet(&mut inp, &mut out, plan.sheet, Some(&expect))?;
        return Err(format!(
            "sheet '{}' does not read back as expected",
            plan.sheet
        ));
    }
    for sheet in others {
        let (want, got) = std::thread::scope(|scope| {
            let want = scope.spawn(|| output_digest(input, sheet));
            let got = output_digest(output, sheet);
            (want.join(), got)
        });
        let want = want.map_err(|_| "the check stopped unexpectedly".to_string())??;
        if want != got? {
            let mut inp = open(input)?;
            let mut out = open(output)?;
            compare_sheet(&mut inp, &mut out, sheet, None)?;
            return Err(format!("sheet '{sheet}' does not read back as expected"));
        }
    }
    Ok(())
}

/// Per row: the sum of the cells' hashes and their number.
type Digest = HashMap<u32, (u64, u32)>;

fn add(rows: &mut Digest, row: u32, hash: u64) {
    let slot = rows.entry(row).or_default();
    slot.0 = slot.0.wrapping_add(hash);
    slot.1 += 1;
}

fn cell_hash(col: u32, value: Hashed) -> u64 {
    let mut h = Fnv::default();
    col.hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

/// The digest of a sheet as it is, refusing note text.
fn output_digest(path: &Path, sheet: &str) -> Result<Digest, String> {
    let mut book = open(path)?;
    let mut cells = book
        .worksheet_cells_reader(sheet)
        .map_err(|e| format!("sheet '{sheet}' cannot be read: {e}"))?;
    let mut rows: Digest = HashMap::new();
    while let Some((place, value)) = next_got(&mut cells, sheet)? {
        add(&mut rows, place.0, cell_hash(place.1, Hashed::of(&value)));
    }
    Ok(rows)
}

/// A fast hash (in the manner of rustc's FxHash, a word at a time, with a final mix): plenty
/// for a digest compared with its twin and for small lookup tables, and several times
/// faster than SipHash on cell text.
#[derive(Default, Clone, Copy)]
pub struct Fnv(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Fnv {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        // A final mix, so that sums of hashes do not cancel by accident.
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(last) ^ ((rest.len() as u64) << 56));
        }
    }
}

/// A `BuildHasher` for [`Fnv`].
pub type FastHash = std::hash::BuildHasherDefault<Fnv>;

/// A cell value reduced to what identifies it (shared and inline text alike).
#[derive(Hash)]
enum Hashed<'a> {
    Text(&'a str),
    Number(u64),
    Int(i64),
    Bool(bool),
    Date(u64, bool),
    Other(String),
}

impl<'a> Hashed<'a> {
    fn of(value: &'a DataRef) -> Hashed<'a> {
        match value {
            DataRef::String(s) => Hashed::Text(s),
            DataRef::SharedString(s) => Hashed::Text(s),
            DataRef::Float(f) => Hashed::Number(f.to_bits()),
            DataRef::Int(i) => Hashed::Int(*i),
            DataRef::Bool(b) => Hashed::Bool(*b),
            DataRef::DateTime(d) => Hashed::Date(d.as_f64().to_bits(), d.is_duration()),
            other => Hashed::Other(format!("{other:?}")),
        }
    }
}

fn open(path: &Path) -> Result<Xlsx<BufReader<File>>, String> {
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    Xlsx::new(BufReader::new(file))
        .map_err(|e| format!("the written file cannot be read back: {e}"))
}

type Book = Xlsx<BufReader<File>>;

fn text_of<'a>(d: &'a DataRef) -> Option<&'a str> {
    match d {
        DataRef::String(s) => Some(s),
        DataRef::SharedString(s) => Some(s),
        _ => None,
    }
}

fn is_empty(d: &DataRef) -> bool {
    match d {
        DataRef::Empty => true,
        other => text_of(other).is_some_and(str::is_empty),
    }
}

fn show(d: &DataRef) -> String {
    match text_of(d) {
        Some(t) => format!("'{t}'"),
        None => format!("{d:?}"),
    }
}

fn matches(want: &Want, got: &DataRef) -> bool {
    match want {
        Want::Empty => is_empty(got),
        Want::Text(t) => text_of(got) == Some(t.as_str()),
        Want::Same(d) => match (text_of(d), text_of(got)) {
            (Some(a), Some(b)) => a == b,
            (None, None) => d == got,
            _ => false,
        },
    }
}

type Cells<'a> = calamine::XlsxCellReader<'a, BufReader<File>>;

/// The next cell the output must have, from the input.
fn next_want<'a>(
    a: &mut Cells<'a>,
    sheet: &str,
    expect: Option<&Expect>,
) -> Result<Option<(Place, Want<'a>)>, String> {
    loop {
        let Some(cell) = a
            .next_cell()
            .map_err(|e| format!("sheet '{sheet}' of the input cannot be read: {e}"))?
        else {
            return Ok(None);
        };
        let (row, col) = cell.get_position();
        let value = cell.get_value().clone();
        let Some(x) = expect else {
            if is_empty(&value) {
                continue;
            }
            return Ok(Some(((row, col), Want::Same(value))));
        };
        let Some(place) = x.place(row, col) else {
            continue;
        };
        let want = if let Some(text) = x.changed.get(&(row, col)) {
            if text.is_empty() {
                Want::Empty
            } else {
                Want::Text(text.clone())
            }
        } else if x.clear_col == Some(col) && row >= x.data_start {
            Want::Empty
        } else if is_empty(&value) {
            continue;
        } else {
            Want::Same(value)
        };
        return Ok(Some((place, want)));
    }
}

/// The next non-empty cell of the output; a note left anywhere is an error.
fn next_got<'a>(b: &mut Cells<'a>, sheet: &str) -> Result<Option<(Place, DataRef<'a>)>, String> {
    loop {
        let Some(cell) = b
            .next_cell()
            .map_err(|e| format!("sheet '{sheet}' cannot be read back: {e}"))?
        else {
            return Ok(None);
        };
        let value = cell.get_value().clone();
        if is_empty(&value) {
            continue;
        }
        let (r, c) = cell.get_position();
        if text_of(&value).is_some_and(note::contains_note) {
            return Err(format!(
                "cell {} of sheet '{sheet}' still holds an iCARE note",
                cell_name(r, c)
            ));
        }
        return Ok(Some(((r, c), value)));
    }
}

fn compare_sheet(
    inp: &mut Book,
    out: &mut Book,
    sheet: &str,
    expect: Option<&Expect>,
) -> Result<(), String> {
    let mut a = inp
        .worksheet_cells_reader(sheet)
        .map_err(|e| format!("sheet '{sheet}' of the input cannot be read: {e}"))?;
    let mut b = out
        .worksheet_cells_reader(sheet)
        .map_err(|e| format!("sheet '{sheet}' cannot be read back: {e}"))?;
    // Cells a patch created, by output position.
    let created: HashMap<(u32, u32), &str> = expect
        .map(|x| {
            x.changed
                .iter()
                .filter_map(|(&(r, c), t)| x.place(r, c).map(|p| (p, t.as_str())))
                .collect()
        })
        .unwrap_or_default();
    let out_of_order = || {
        format!(
            "the cells of sheet '{sheet}' are not stored in row order, so they cannot be compared one by one"
        )
    };
    let mut want = next_want(&mut a, sheet, expect)?;
    let mut got = next_got(&mut b, sheet)?;
    let mut last_want: Option<(u32, u32)> = None;
    let mut last_got: Option<(u32, u32)> = None;
    loop {
        if let (Some((p, _)), Some(l)) = (&want, last_want)
            && l >= *p
        {
            return Err(out_of_order());
        }
        if let (Some((p, _)), Some(l)) = (&got, last_got)
            && l >= *p
        {
            return Err(out_of_order());
        }
        match (&want, &got) {
            (None, None) => return Ok(()),
            (Some((wp, w)), Some((gp, g))) if wp == gp => {
                if !matches(w, g) {
                    return Err(format!(
                        "cell {} of sheet '{sheet}' reads {} but should be {}",
                        cell_name(gp.0, gp.1),
                        show(g),
                        describe(w)
                    ));
                }
                last_want = Some(*wp);
                last_got = Some(*gp);
                want = next_want(&mut a, sheet, expect)?;
                got = next_got(&mut b, sheet)?;
            }
            (Some((wp, w)), g) if g.as_ref().is_none_or(|(gp, _)| wp < gp) => {
                if !matches!(w, Want::Empty) {
                    return Err(format!(
                        "cell {} of sheet '{sheet}' is empty but should be {}",
                        cell_name(wp.0, wp.1),
                        describe(w)
                    ));
                }
                last_want = Some(*wp);
                want = next_want(&mut a, sheet, expect)?;
            }
            (_, Some((gp, g))) => {
                if created.get(gp).is_none_or(|t| text_of(g) != Some(t)) {
                    return Err(format!(
                        "cell {} of sheet '{sheet}' reads {} but should be empty",
                        cell_name(gp.0, gp.1),
                        show(g)
                    ));
                }
                last_got = Some(*gp);
                got = next_got(&mut b, sheet)?;
            }
            (Some(_), None) => unreachable!("the arm above takes a missing output cell"),
        }
    }
}

fn describe(w: &Want) -> String {
    match w {
        Want::Same(d) => show(d),
        Want::Text(t) => format!("'{t}'"),
        Want::Empty => "empty".into(),
    }
}
