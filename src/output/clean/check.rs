//! The self-check: the written file is read back with calamine, independently of the
//! rewrite, and every cell of the data sheet is compared with the input's: equal, or
//! changed exactly as listed (notes emptied or removed, repairs, patches, rows left out,
//! the removed column's shift). Other rewritten sheets must read back unchanged, and no
//! note text may be left in any cell.
//!
//! Both sheets are streamed side by side (cells come in row order in every writer that
//! matters), so the check costs two reads and no grid. A sheet stored out of row order is
//! reported rather than compared.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};

use super::refs::ColumnRemoval;
use crate::note;
use crate::workbook::address::cell_name;

/// What the output's data sheet must hold, relative to the input's.
pub struct Expect<'a> {
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
    /// New text of changed cells, by input position (empty text: the cell is empty).
    pub changed: &'a HashMap<(u32, u32), String>,
    /// Other sheets that were rewritten and must read back unchanged.
    pub others: &'a [String],
}

impl Expect<'_> {
    /// Where an input cell lands, `None` when it goes.
    fn place(&self, row: u32, col: u32) -> Option<(u32, u32)> {
        if self.drop_rows.contains(&row) {
            return None;
        }
        let col = match self.removal {
            Some(removal) => removal.col(col)?,
            None => col,
        };
        let row = row - self.drop_rows.range(..row).count() as u32;
        Some((row, col))
    }
}

/// What a cell must hold.
#[derive(Debug)]
enum Want<'a> {
    Same(DataRef<'a>),
    Text(String),
    Empty,
}

/// Runs the check; the error says what differs, in words.
pub fn check(input: &Path, output: &Path, expect: &Expect) -> Result<(), String> {
    let mut inp = open(input)?;
    let mut out = open(output)?;
    compare_sheet(&mut inp, &mut out, expect.sheet, Some(expect))?;
    for sheet in expect.others {
        compare_sheet(&mut inp, &mut out, sheet, None)?;
    }
    Ok(())
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
) -> Result<Option<((u32, u32), Want<'a>)>, String> {
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
fn next_got<'a>(
    b: &mut Cells<'a>,
    sheet: &str,
) -> Result<Option<((u32, u32), DataRef<'a>)>, String> {
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
                if !created.get(gp).is_some_and(|t| text_of(g) == Some(t)) {
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
