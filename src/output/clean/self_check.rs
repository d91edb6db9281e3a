//! The self-check: the written file is read back with calamine, independently of the
//! rewrite, and every cell of the data sheet is compared with the input's: equal, or
//! changed exactly as listed (notes emptied or removed, repairs, patches, rows left out,
//! the removed column's shift). Other rewritten sheets must read back unchanged, and no
//! note text may be left in any cell.
//!
//! Each side is reduced to one digest per row (the sum of a hash of each cell's column and
//! value, so cell order does not matter); nothing like a grid is kept. The input's digest
//! is built during the rewrite from the tool's own reading of each input cell
//! ([`InputModel`]), which models what calamine reads from it (numbers, shared and inline
//! strings trimmed and decoded as calamine does them, booleans, errors); the output's
//! digest is calamine's reading of the written file. When the two differ, calamine reads
//! the input as well and the sheets are compared cell by cell: that says where they differ,
//! or finds that they do not (a cell the model reads otherwise than calamine), in which
//! case the file passes. So the check never rests on the tool's reading of the output, and
//! the input is read a second time only when something looks wrong.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{Read, Seek};
use std::path::Path;

use calamine::{CellErrorType, DataRef, Reader, Xlsx};

use super::plan::{Mapping, Place};
use crate::note;
use crate::package::address::cell_name;
use crate::package::cells::{Cell, CellType};
use crate::package::hash::{FastHash, WordHasher};
use crate::package::input::Input;
use crate::package::sst::SharedStrings;
use crate::package::text::{calamine_text, normalize_eols, unescape_x};

/// Where the written file differs from what it must hold, in words for the user's message
/// ("cell C1 of sheet 'S' reads 'other' but should be 'text'").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch(pub String);

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Mismatch {
    fn from(detail: String) -> Self {
        Mismatch(detail)
    }
}

/// What a cell must hold.
#[derive(Debug)]
enum Want<'a> {
    Same(DataRef<'a>),
    Text(String),
    Empty,
}

/// What the output's data sheet must hold, relative to the input's (for the cell-by-cell
/// comparison that says where a difference is).
struct Expect<'a> {
    plan: &'a Mapping<'a>,
    /// New text of changed cells, by input position (empty text: the cell is empty).
    changed: &'a HashMap<(u32, u32), String>,
}

/// Each shared string's value hash and length as calamine reads it (`None`: empty), worked
/// out once, so that a cell costs one lookup however long its text.
#[derive(Debug, Default)]
pub struct StringHashes(Vec<Option<(u64, usize)>>);

impl StringHashes {
    /// The hashes of every string of `sst`; those of its marked strings, whose text it does
    /// not keep, were taken as they were read (see [`StringHashes::of`]).
    pub fn new(sst: &SharedStrings, marked: &HashMap<u32, Option<(u64, usize)>>) -> StringHashes {
        StringHashes(
            (0..sst.len())
                .map(|i| match marked.get(&(i as u32)) {
                    Some(hash) => *hash,
                    None => StringHashes::of(sst.calamine_view(i).unwrap_or_default()),
                })
                .collect(),
        )
    }

    /// The hash and length of a string as calamine reads it; `None` when it is empty.
    pub fn of(text: &str) -> Option<(u64, usize)> {
        (!text.is_empty()).then(|| (value_hash(&Hashed::Text(text)), text.len()))
    }
}

/// An input cell as calamine reads it: its value's hash and the length of its text.
struct Modeled {
    hash: u64,
    text_len: usize,
}

impl Modeled {
    fn of(value: Hashed) -> Modeled {
        let text_len = match &value {
            Hashed::Text(t) => t.len(),
            _ => 0,
        };
        Modeled {
            hash: value_hash(&value),
            text_len,
        }
    }
}

/// What calamine reads from an input cell, as the rewrite's own reading of it tells;
/// `None` for a cell calamine reads as empty. A value calamine would not read (a broken
/// number or string index) gets a hash the output cannot match, so the cell-by-cell
/// comparison decides.
fn model(cell: &Cell, strings: &StringHashes) -> Option<Modeled> {
    if cell.empty {
        return None;
    }
    let v = cell.value.as_str();
    let unreadable = || Some(Modeled::of(Hashed::Other(format!("unreadable {v}"))));
    let text = |t: &str| (!t.is_empty()).then(|| Modeled::of(Hashed::Text(t)));
    match cell.kind {
        None | Some(CellType::Number) => {
            if v.is_empty() {
                return None;
            }
            match v.parse::<f64>() {
                Ok(f) => Some(Modeled::of(Hashed::Number(f.to_bits()))),
                // Without a type, calamine takes what is not a number as text.
                Err(_) if cell.kind.is_none() => text(v),
                Err(_) => unreadable(),
            }
        }
        Some(CellType::Shared) => {
            if v.is_empty() {
                return None;
            }
            // The index as calamine reads it: digits only, no spaces.
            let index = cell.index.filter(|_| v.bytes().all(|b| b.is_ascii_digit()));
            let found = index.and_then(|i| strings.0.get(i as usize));
            match found {
                Some(Some((hash, text_len))) => Some(Modeled {
                    hash: *hash,
                    text_len: *text_len,
                }),
                Some(None) => None,
                None => unreadable(),
            }
        }
        Some(CellType::Inline) => text(&calamine_text(&cell.inline, cell.inline_preserve)),
        Some(CellType::FormulaText) => text(&unescape_x(&normalize_eols(v))),
        Some(CellType::Bool) => match v.trim() {
            "" => None,
            t if t == "0" || t.eq_ignore_ascii_case("false") => {
                Some(Modeled::of(Hashed::Bool(false)))
            }
            t if t == "1" || t.eq_ignore_ascii_case("true") => {
                Some(Modeled::of(Hashed::Bool(true)))
            }
            _ => unreadable(),
        },
        Some(CellType::Error) => match v.parse::<CellErrorType>() {
            Ok(e) => Some(Modeled::of(Hashed::Other(format!(
                "{:?}",
                DataRef::Error(e)
            )))),
            Err(_) => unreadable(),
        },
        Some(CellType::IsoDate) => Some(Modeled::of(Hashed::Other(format!(
            "{:?}",
            DataRef::DateTimeIso(normalize_eols(v).into_owned())
        )))),
        Some(CellType::Other) => unreadable(),
    }
}

/// The input's digest, built while the rewrite reads the input: each cell is added as
/// calamine would read it, at the place it must have in the output, except the cells that
/// go (notes, rows left out, the removed column) and the patched ones; the few cells a
/// repair may change are set aside until the repairs are known.
pub struct InputModel<'p> {
    plan: Mapping<'p>,
    strings: &'p StringHashes,
    rows: RowDigest,
    digest: InputDigest,
    text_bytes: usize,
}

impl<'p> InputModel<'p> {
    /// A model for the data sheet as `plan` changes it.
    pub fn new(plan: Mapping<'p>, strings: &'p StringHashes) -> Self {
        InputModel {
            plan,
            strings,
            rows: RowDigest::default(),
            digest: InputDigest::default(),
            text_bytes: 0,
        }
    }

    /// Adds an input cell, just read, and whether the rewrite repaired it.
    pub fn add(&mut self, cell: &Cell, repaired: bool) {
        let Some(value) = model(cell, self.strings) else {
            return;
        };
        // Many cells can point to one long shared string; the output's digest hashes each
        // copy, so text is bounded as in the reading commands.
        self.text_bytes += value.text_len;
        if self.text_bytes > crate::workbook::read::MAX_SHEET_TEXT_BYTES {
            self.digest.too_much_text = true;
        }
        let (row, col) = (cell.row, cell.col);
        let plan = &self.plan;
        if plan.patches.contains_key(&(row, col))
            || (plan.clear_col == Some(col) && row >= plan.data_start)
        {
            return;
        }
        let Some(place) = plan.place(row, col) else {
            return;
        };
        let hash = cell_hash(place.1, value.hash);
        if repaired {
            // The repair is listed; the output must hold what it wrote, or else the cell
            // as it was (which the cell-by-cell comparison would then name).
            self.digest.candidates.push(((row, col), place, hash));
        } else {
            self.rows.add(place.0, hash);
        }
    }

    /// The digest, once every cell was added.
    pub fn finish(mut self) -> InputDigest {
        self.digest.rows = self.rows.finish();
        self.digest
    }
}

/// The input's data sheet reduced to digests, with the cells a repair may change set aside.
#[derive(Debug, Default)]
pub struct InputDigest {
    rows: Digest,
    /// (input position, output position, hash of the cell unchanged).
    candidates: Vec<(Place, Place, u64)>,
    /// The cells hold more text than the reader accepts
    /// (`workbook::read::MAX_SHEET_TEXT_BYTES`): the file, not the check, is at fault.
    pub too_much_text: bool,
}

impl InputDigest {
    /// The digest the output must have, now that the repairs are known.
    fn expected(&self, plan: &Mapping, repairs: &HashMap<(u32, u32), String>) -> Digest {
        let mut rows = RowDigest {
            done: self.rows.clone(),
            current: None,
        };
        for (at, place, unchanged) in &self.candidates {
            let hash = match repairs.get(at) {
                Some(after) => cell_hash(place.1, value_hash(&Hashed::Text(after))),
                None => *unchanged,
            };
            rows.add(place.0, hash);
        }
        for (&(row, col), text) in plan.patches {
            if let (Some(place), false) = (plan.place(row, col), text.is_empty()) {
                rows.add(place.0, cell_hash(place.1, value_hash(&Hashed::Text(text))));
            }
        }
        rows.finish()
    }
}

/// How the check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// The digests agreed.
    ByDigest,
    /// The digests differed, and calamine's reading of the input, cell by cell, agreed
    /// with the output (the tool read some input cell otherwise than calamine).
    CellByCell,
}

/// Checks the written file against the input: the data sheet against the input's digest
/// (`repairs` by input position), and the other rewritten sheets against the input's.
pub fn verify(
    input: &Input,
    output: &Path,
    plan: &Mapping,
    digest: &InputDigest,
    repairs: &HashMap<(u32, u32), String>,
    others: &[String],
) -> Result<Checked, Mismatch> {
    let got = output_digest(&mut open_written(output)?, plan.sheet)?;
    let mut checked = Checked::ByDigest;
    if got != digest.expected(plan, repairs) {
        let mut changed: HashMap<(u32, u32), String> = repairs.clone();
        for (&at, text) in plan.patches {
            changed.insert(at, text.to_string());
        }
        let expect = Expect {
            plan,
            changed: &changed,
        };
        let mut inp = open(input)?;
        let mut out = open_written(output)?;
        compare_sheet(&mut inp, &mut out, plan.sheet, Some(&expect))?;
        checked = Checked::CellByCell;
    }
    for sheet in others {
        let (want, got) = std::thread::scope(|scope| {
            let want = scope.spawn(|| output_digest(&mut open(input)?, sheet));
            let got = open_written(output).and_then(|mut book| output_digest(&mut book, sheet));
            (want.join(), got)
        });
        let want = want.map_err(|_| "the check stopped unexpectedly".to_string())??;
        if want != got? {
            let mut inp = open(input)?;
            let mut out = open_written(output)?;
            compare_sheet(&mut inp, &mut out, sheet, None)?;
            return Err(Mismatch(format!(
                "sheet '{sheet}' does not read back as expected"
            )));
        }
    }
    Ok(checked)
}

/// Per row: the sum of the cells' hashes and their number.
type Digest = HashMap<u32, (u64, u32), FastHash>;

/// A digest being built; cells come mostly row by row, so the row being added to is kept
/// apart.
#[derive(Default)]
struct RowDigest {
    done: Digest,
    current: Option<(u32, u64, u32)>,
}

impl RowDigest {
    fn add(&mut self, row: u32, hash: u64) {
        match &mut self.current {
            Some((r, sum, n)) if *r == row => {
                *sum = sum.wrapping_add(hash);
                *n += 1;
            }
            _ => {
                self.flush();
                self.current = Some((row, hash, 1));
            }
        }
    }

    fn flush(&mut self) {
        if let Some((row, sum, n)) = self.current.take() {
            let slot = self.done.entry(row).or_default();
            slot.0 = slot.0.wrapping_add(sum);
            slot.1 += n;
        }
    }

    fn finish(mut self) -> Digest {
        self.flush();
        self.done
    }
}

fn value_hash(value: &Hashed) -> u64 {
    let mut h = WordHasher::default();
    value.hash(&mut h);
    h.finish()
}

fn cell_hash(col: u32, value: u64) -> u64 {
    let mut h = WordHasher::default();
    h.mix(u64::from(col));
    h.mix(value);
    h.finish()
}

/// The digest of a sheet as it is, refusing note text.
fn output_digest<R: Read + Seek>(book: &mut Xlsx<R>, sheet: &str) -> Result<Digest, Mismatch> {
    let mut cells = book
        .worksheet_cells_reader(sheet)
        .map_err(|e| format!("sheet '{sheet}' cannot be read: {e}"))?;
    let mut rows = RowDigest::default();
    while let Some((place, value)) = next_got(&mut cells, sheet)? {
        rows.add(place.0, cell_hash(place.1, value_hash(&Hashed::of(&value))));
    }
    Ok(rows.finish())
}

/// A cell value reduced to what identifies it: shared and inline text alike, and a number
/// by its value whether calamine shows it as a date (which depends on the style) or not.
#[derive(Hash)]
enum Hashed<'a> {
    Text(&'a str),
    Number(u64),
    Bool(bool),
    Other(String),
}

impl<'a> Hashed<'a> {
    fn of(value: &'a DataRef) -> Hashed<'a> {
        match value {
            DataRef::String(s) => Hashed::Text(s),
            DataRef::SharedString(s) => Hashed::Text(s),
            DataRef::Float(f) => Hashed::Number(f.to_bits()),
            DataRef::Int(i) => Hashed::Number((*i as f64).to_bits()),
            DataRef::Bool(b) => Hashed::Bool(*b),
            DataRef::DateTime(d) => Hashed::Number(d.as_f64().to_bits()),
            other => Hashed::Other(format!("{other:?}")),
        }
    }
}

/// The input, as calamine reads it through the door.
fn open(file: &Input) -> Result<Xlsx<crate::package::input::Source>, Mismatch> {
    Xlsx::new(file.source()).map_err(|e| Mismatch(format!("the input cannot be read: {e}")))
}

/// The written file, read back from the disk as any reader of it will: a reading
/// independent of how it was written, and never the whole file in memory.
fn open_written(path: &Path) -> Result<Xlsx<std::io::BufReader<std::fs::File>>, Mismatch> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("the written file cannot be opened: {e}"))?;
    Xlsx::new(std::io::BufReader::new(file))
        .map_err(|e| Mismatch(format!("the written file cannot be read back: {e}")))
}

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

type Cells<'a, R> = calamine::XlsxCellReader<'a, R>;

/// The next cell the output must have, from the input.
fn next_want<'a, R: Read + Seek>(
    a: &mut Cells<'a, R>,
    sheet: &str,
    expect: Option<&Expect>,
) -> Result<Option<(Place, Want<'a>)>, Mismatch> {
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
        let Some(place) = x.plan.place(row, col) else {
            continue;
        };
        let want = if let Some(text) = x.changed.get(&(row, col)) {
            if text.is_empty() {
                Want::Empty
            } else {
                Want::Text(text.clone())
            }
        } else if x.plan.clear_col == Some(col) && row >= x.plan.data_start {
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
fn next_got<'a, R: Read + Seek>(
    b: &mut Cells<'a, R>,
    sheet: &str,
) -> Result<Option<(Place, DataRef<'a>)>, Mismatch> {
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
            return Err(Mismatch(format!(
                "cell {} of sheet '{sheet}' still holds an iCARE note",
                cell_name(r, c)
            )));
        }
        return Ok(Some(((r, c), value)));
    }
}

fn compare_sheet<A: Read + Seek, B: Read + Seek>(
    inp: &mut Xlsx<A>,
    out: &mut Xlsx<B>,
    sheet: &str,
    expect: Option<&Expect>,
) -> Result<(), Mismatch> {
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
                .filter_map(|(&(r, c), t)| x.plan.place(r, c).map(|p| (p, t.as_str())))
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
            return Err(Mismatch(out_of_order()));
        }
        if let (Some((p, _)), Some(l)) = (&got, last_got)
            && l >= *p
        {
            return Err(Mismatch(out_of_order()));
        }
        match (&want, &got) {
            (None, None) => return Ok(()),
            (Some((wp, w)), Some((gp, g))) if wp == gp => {
                if !matches(w, g) {
                    return Err(Mismatch(format!(
                        "cell {} of sheet '{sheet}' reads {} but should be {}",
                        cell_name(gp.0, gp.1),
                        show(g),
                        describe(w)
                    )));
                }
                last_want = Some(*wp);
                last_got = Some(*gp);
                want = next_want(&mut a, sheet, expect)?;
                got = next_got(&mut b, sheet)?;
            }
            (Some((wp, w)), g) if g.as_ref().is_none_or(|(gp, _)| wp < gp) => {
                if !matches!(w, Want::Empty) {
                    return Err(Mismatch(format!(
                        "cell {} of sheet '{sheet}' is empty but should be {}",
                        cell_name(wp.0, wp.1),
                        describe(w)
                    )));
                }
                last_want = Some(*wp);
                want = next_want(&mut a, sheet, expect)?;
            }
            (_, Some((gp, g))) => {
                if created.get(gp).is_none_or(|t| text_of(g) != Some(t)) {
                    return Err(Mismatch(format!(
                        "cell {} of sheet '{sheet}' reads {} but should be empty",
                        cell_name(gp.0, gp.1),
                        show(g)
                    )));
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// A workbook with one sheet `S`: a number in B1 and text in C1.
    fn book(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet().set_name("S").unwrap();
        ws.write_number(0, 1, 1.5).unwrap();
        ws.write_string(0, 2, text).unwrap();
        wb.save(&path).unwrap();
        path
    }

    /// The input's digest as the rewrite would build it for that sheet.
    fn digest(plan: &Mapping, strings: &StringHashes) -> InputDigest {
        let mut model = InputModel::new(*plan, strings);
        let number = Cell {
            col: 1,
            value: "1.5".into(),
            ..Cell::default()
        };
        let text = Cell {
            col: 2,
            kind: Some(CellType::Shared),
            value: "0".into(),
            index: Some(0),
            ..Cell::default()
        };
        model.add(&number, false);
        model.add(&text, false);
        model.finish()
    }

    #[test]
    fn a_changed_cell_fails_the_check_and_a_misread_one_passes_cell_by_cell() {
        let dir = tempfile::tempdir().unwrap();
        let input = Input::open(&book(dir.path(), "in.xlsx", "text")).unwrap();
        let same = book(dir.path(), "same.xlsx", "text");
        let changed = book(dir.path(), "changed.xlsx", "other");
        let sst = SharedStrings::read("<sst><si><t>text</t></si></sst>".as_bytes()).unwrap();
        let strings = StringHashes::new(&sst, &HashMap::new());
        let empty = BTreeSet::new();
        let patches = BTreeMap::new();
        let plan = Mapping {
            sheet: "S",
            removal: None,
            clear_col: None,
            data_start: 1,
            drop_rows: &empty,
            lifted: &empty,
            patches: &patches,
        };
        let digest = digest(&plan, &strings);
        let none = HashMap::new();
        assert_eq!(
            verify(&input, &same, &plan, &digest, &none, &[]),
            Ok(Checked::ByDigest)
        );
        let err = verify(&input, &changed, &plan, &digest, &none, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cell C1 of sheet 'S' reads 'other' but should be 'text'"
        );
        // A digest that disagrees with calamine's reading of a correct output (as when the
        // tool reads an input cell otherwise): the cell-by-cell comparison lets it pass.
        let mut misread = InputDigest::default();
        misread.rows.insert(0, (1, 1));
        assert_eq!(
            verify(&input, &same, &plan, &misread, &none, &[]),
            Ok(Checked::CellByCell)
        );
    }
}
