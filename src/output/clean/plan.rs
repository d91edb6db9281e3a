//! The plan of the data sheet's rewrite: what to do ([`DataPlan`]) and, read from it, where
//! each input cell lands ([`Mapping`]), which the self-check compares the output against.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::package::refs::ColumnRemoval;
use crate::package::sst::SharedStrings;
use crate::repair::ColumnRepair;

/// A cell position: row and column, 0-based.
pub type Place = (u32, u32);

/// What to do to the data sheet.
pub struct DataPlan<'a> {
    /// Notes column cleared in the data rows (native layout).
    pub clear_col: Option<u32>,
    /// First data row.
    pub data_start: u32,
    /// Repair rule per column (input coordinates); empty when repairs are off.
    pub rules: Vec<ColumnRepair<'a>>,
    /// Dates count from 1904.
    pub date1904: bool,
    /// New text per cell (input coordinates).
    pub patches: BTreeMap<(u32, u32), &'a str>,
    /// Data rows to leave out (input rows).
    pub drop_rows: BTreeSet<u32>,
    /// Rows whose merged area starts in the removed column (see [`ColumnRemoval::cell`]).
    pub lifted: BTreeSet<u32>,
    /// Style of each column's text cells, as far as the top rows show them (the rewrite
    /// learns the others as it goes).
    pub text_style: HashMap<u32, Option<String>>,
    /// The shared strings.
    pub sst: &'a SharedStrings,
}

impl DataPlan<'_> {
    /// The output row of input row `row` (rows below a dropped row move up).
    pub fn map_row(&self, row: u32) -> u32 {
        row - self.drop_rows.range(..row).count() as u32
    }
}

/// What the input must become, as far as it is known before the rewrite runs (repairs are
/// known only after it).
#[derive(Clone, Copy)]
pub struct Mapping<'a> {
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
}

impl<'a> Mapping<'a> {
    /// The plan of the data sheet `sheet` as the rewrite's `data` plan changes it, with
    /// `removal` the removed column.
    pub fn of(sheet: &'a str, removal: Option<ColumnRemoval>, data: &'a DataPlan) -> Self {
        Mapping {
            sheet,
            removal,
            clear_col: data.clear_col,
            data_start: data.data_start,
            drop_rows: &data.drop_rows,
            lifted: &data.lifted,
            patches: &data.patches,
        }
    }

    /// Where an input cell lands, `None` when it goes.
    pub fn place(&self, row: u32, col: u32) -> Option<Place> {
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
