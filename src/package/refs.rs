//! Moving A1 references when a column leaves a sheet.
//!
//! Removing the inserted notes column shifts every column right of it one to the left. This
//! module does that to one reference (`B4`, `$C$4:$F$9`, `B:D`), to a space-separated list
//! (`sqref`), and to the references inside formula text (`SUM('Data'!$C$4:$C$9)`), following
//! Excel's own rules: a reference wholly in the removed column becomes `#REF!`, a range that
//! spans it shrinks, whole-row ranges stay. Formula text is tokenised just enough to leave
//! string literals, functions named like cells (`LOG10(`), structured and external references
//! alone.

use std::collections::BTreeSet;

use super::address::{MAX_COL, MAX_ROW, col_name, parse_col};

/// The removal of one column (0-based) from a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnRemoval {
    /// The removed column, 0-based.
    pub col: u32,
}

impl ColumnRemoval {
    /// Where column `c` goes: `None` when it is the removed column.
    pub fn col(self, c: u32) -> Option<u32> {
        match c.cmp(&self.col) {
            std::cmp::Ordering::Less => Some(c),
            std::cmp::Ordering::Equal => None,
            std::cmp::Ordering::Greater => Some(c - 1),
        }
    }

    /// Where the cell at `row`, `col` goes. `lifted` holds the rows where a merged area
    /// starts in the removed column and goes on to the right: there the area's top-left
    /// cell, which holds its value (the template's title), stays and the next cell of the
    /// area, empty inside a merge, goes in its place.
    pub fn cell(self, row: u32, col: u32, lifted: &BTreeSet<u32>) -> Option<u32> {
        if lifted.contains(&row) {
            if col == self.col {
                return Some(col);
            }
            if col == self.col + 1 {
                return None;
            }
        }
        self.col(col)
    }

    /// Where the columns `first..=last` go: `None` when nothing of them is left.
    pub fn span(self, first: u32, last: u32) -> Option<(u32, u32)> {
        let first = i64::from(first);
        let last = i64::from(last);
        let removed = i64::from(self.col);
        let new_first = if first > removed { first - 1 } else { first };
        let new_last = if last >= removed { last - 1 } else { last };
        (new_last >= new_first).then_some((new_first as u32, new_last as u32))
    }
}

/// One end of an area: a cell, a whole column or a whole row, with its `$` markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Cell {
        col: u32,
        col_abs: bool,
        row: u32,
        row_abs: bool,
    },
    Col {
        col: u32,
        abs: bool,
    },
    Row {
        row: u32,
        abs: bool,
    },
}

impl End {
    fn parse(text: &str) -> Option<End> {
        let bytes = text.as_bytes();
        let mut i = 0;
        let col_abs = bytes.first() == Some(&b'$');
        if col_abs {
            i += 1;
        }
        let letters_start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let letters = &text[letters_start..i];
        let row_abs = bytes.get(i) == Some(&b'$');
        if row_abs {
            i += 1;
        }
        let digits_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &text[digits_start..i];
        if i != bytes.len() {
            return None;
        }
        match (letters.is_empty(), digits.is_empty()) {
            (false, false) => {
                let col = parse_col(letters)?;
                let row = parse_row(digits)?;
                Some(End::Cell {
                    col,
                    col_abs,
                    row,
                    row_abs,
                })
            }
            (false, true) if !row_abs => Some(End::Col {
                col: parse_col(letters)?,
                abs: col_abs,
            }),
            // `$5` reads as an absolute row: the `$` was taken as the column's marker.
            (true, false) if !row_abs => Some(End::Row {
                row: parse_row(digits)?,
                abs: col_abs,
            }),
            _ => None,
        }
    }

    fn col(self) -> Option<u32> {
        match self {
            End::Cell { col, .. } | End::Col { col, .. } => Some(col),
            End::Row { .. } => None,
        }
    }

    fn with_col(self, new: u32) -> End {
        match self {
            End::Cell {
                col_abs,
                row,
                row_abs,
                ..
            } => End::Cell {
                col: new,
                col_abs,
                row,
                row_abs,
            },
            End::Col { abs, .. } => End::Col { col: new, abs },
            row @ End::Row { .. } => row,
        }
    }

    fn write(self, out: &mut String) {
        let dollar = |abs: bool| if abs { "$" } else { "" };
        match self {
            End::Cell {
                col,
                col_abs,
                row,
                row_abs,
            } => {
                out.push_str(dollar(col_abs));
                out.push_str(&col_name(col));
                out.push_str(dollar(row_abs));
                out.push_str(&(row + 1).to_string());
            }
            End::Col { col, abs } => {
                out.push_str(dollar(abs));
                out.push_str(&col_name(col));
            }
            End::Row { row, abs } => {
                out.push_str(dollar(abs));
                out.push_str(&(row + 1).to_string());
            }
        }
    }
}

fn parse_row(digits: &str) -> Option<u32> {
    let row: u64 = digits.parse().ok()?;
    (1..=u64::from(MAX_ROW) + 1)
        .contains(&row)
        .then(|| row as u32 - 1)
}

/// An A1 area: one cell, or two ends of the same kind joined by `:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Area {
    first: End,
    last: Option<End>,
}

impl Area {
    fn parse(text: &str) -> Option<Area> {
        let mut parts = text.split(':');
        let first = End::parse(parts.next()?)?;
        let last = match parts.next() {
            Some(p) => Some(End::parse(p)?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        let same_kind = match (first, last) {
            (End::Cell { .. }, None) => true,
            (_, None) => false,
            (End::Cell { .. }, Some(End::Cell { .. }))
            | (End::Col { .. }, Some(End::Col { .. }))
            | (End::Row { .. }, Some(End::Row { .. })) => true,
            _ => false,
        };
        same_kind.then_some(Area { first, last })
    }

    /// The area after the removal; `None` when nothing of it is left.
    fn remove_column(self, removal: ColumnRemoval) -> Option<Area> {
        let (Some(a), last) = (self.first.col(), self.last) else {
            return Some(self); // whole rows do not move
        };
        let b = last.and_then(End::col).unwrap_or(a);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let (new_lo, new_hi) = removal.span(lo, hi)?;
        let (new_a, new_b) = if a <= b {
            (new_lo, new_hi)
        } else {
            (new_hi, new_lo)
        };
        Some(Area {
            first: self.first.with_col(new_a),
            last: last.map(|l| l.with_col(new_b)),
        })
    }

    fn write(self, out: &mut String) {
        self.first.write(out);
        if let Some(last) = self.last {
            out.push(':');
            last.write(out);
        }
    }
}

/// Result of moving one reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moved {
    /// The reference, moved.
    To(String),
    /// Nothing of it is left.
    Gone,
    /// Not an A1 reference (or past Excel's limits).
    NotAReference,
}

/// Moves one area reference (`B4`, `$B$4:$D$9`, `B:D`, `4:9`).
pub fn move_area(text: &str, removal: ColumnRemoval) -> Moved {
    match Area::parse(text.trim()) {
        None => Moved::NotAReference,
        Some(area) => match area.remove_column(removal) {
            None => Moved::Gone,
            Some(area) => {
                let mut out = String::with_capacity(text.len());
                area.write(&mut out);
                Moved::To(out)
            }
        },
    }
}

/// Moves a space-separated list of areas (`sqref`); `Ok(None)` when nothing is left, `Err`
/// with the offending part when a part is not a reference.
pub fn move_sqref(text: &str, removal: ColumnRemoval) -> Result<Option<String>, String> {
    let mut out = String::with_capacity(text.len());
    for part in text.split_ascii_whitespace() {
        match move_area(part, removal) {
            Moved::To(moved) => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&moved);
            }
            Moved::Gone => {}
            Moved::NotAReference => return Err(part.to_string()),
        }
    }
    Ok((!out.is_empty()).then_some(out))
}

/// The first row of each merged area (`A1:R1`) that starts in the removed column and goes
/// on to the right of it.
pub fn lifted_rows<'a>(
    merges: impl IntoIterator<Item = &'a str>,
    removal: ColumnRemoval,
) -> BTreeSet<u32> {
    let mut rows = BTreeSet::new();
    for merge in merges {
        let Some(area) = Area::parse(merge.trim()) else {
            continue;
        };
        if let (End::Cell { col: a, row, .. }, Some(End::Cell { col: b, .. })) =
            (area.first, area.last)
            && a.min(b) == removal.col
            && a.max(b) > removal.col
        {
            rows.insert(row);
        }
    }
    rows
}

/// Moves `min:max` column spans (1-based, as in `row@spans` and `col@min/max`).
pub fn move_span_1based(min: u32, max: u32, removal: ColumnRemoval) -> Option<(u32, u32)> {
    if min == 0 || max < min {
        return Some((min, max));
    }
    removal.span(min - 1, max - 1).map(|(a, b)| (a + 1, b + 1))
}

/// Largest column index, for callers that check spans.
pub const LAST_COL: u32 = MAX_COL;

/// Moves the references of formula text that point at the sheet named `sheet`.
///
/// `on_sheet` says whether the formula lives on that sheet, so that its unqualified
/// references point there too. References to other sheets, string literals, function names,
/// structured references (`Table1[Col]`) and external references (`[1]Sheet!A1`) are left
/// as they are. A reference wholly in the removed column becomes `#REF!`.
pub fn move_formula(formula: &str, sheet: &str, on_sheet: bool, removal: ColumnRemoval) -> String {
    let chars: Vec<char> = formula.chars().collect();
    let mut out = String::with_capacity(formula.len());
    let mut i = 0;
    // Set after `[1]`: the next qualified reference belongs to another workbook.
    let mut external = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => {
                let end = skip_quoted(&chars, i, '"');
                out.extend(&chars[i..end]);
                i = end;
            }
            '[' => {
                let end = skip_brackets(&chars, i);
                out.extend(&chars[i..end]);
                // `[1]Sheet!A1` names another workbook; `Table1[Col]` is a structured
                // reference. Either way what follows the brackets is not ours to move,
                // unless it is an operator.
                external = chars
                    .get(end)
                    .is_some_and(|c| is_word_char(*c) || *c == '\'');
                i = end;
            }
            '\'' => {
                let end = skip_quoted(&chars, i, '\'');
                let quoted: String = chars[i + 1..end.saturating_sub(1).max(i + 1)]
                    .iter()
                    .collect();
                let name = quoted.replace("''", "'");
                if chars.get(end) == Some(&'!') {
                    let (area_end, area) = read_word(&chars, end + 1);
                    out.extend(&chars[i..=end]);
                    let target = !external && name == sheet;
                    push_moved(&mut out, &area, target, removal);
                    i = area_end;
                } else {
                    out.extend(&chars[i..end]);
                    i = end;
                }
                external = false;
            }
            '#' => {
                // An error literal such as #REF! or #N/A.
                let mut end = i + 1;
                while end < chars.len()
                    && (chars[end].is_ascii_alphanumeric() || matches!(chars[end], '/' | '_'))
                {
                    end += 1;
                }
                if end < chars.len() && matches!(chars[end], '!' | '?') {
                    end += 1;
                }
                out.extend(&chars[i..end]);
                i = end;
            }
            c if is_word_char(c) && !preceded_by_word(&chars, i) => {
                let (end, word) = read_word(&chars, i);
                match chars.get(end) {
                    Some('(') => {
                        out.push_str(&word);
                        i = end;
                    }
                    Some('!') => {
                        // An unquoted sheet name (or a 3-D `Sheet1:Sheet3` span, left alone).
                        let (area_end, area) = read_word(&chars, end + 1);
                        out.push_str(&word);
                        out.push('!');
                        let target = !external && word == sheet;
                        push_moved(&mut out, &area, target, removal);
                        i = area_end;
                    }
                    _ => {
                        let target = on_sheet && !external;
                        push_moved(&mut out, &word, target, removal);
                        i = end;
                    }
                }
                external = false;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn push_moved(out: &mut String, word: &str, target: bool, removal: ColumnRemoval) {
    if !target || !word.contains(|c: char| c.is_ascii_alphabetic()) && !word.contains(':') {
        out.push_str(word);
        return;
    }
    match move_area(word, removal) {
        Moved::To(moved) => out.push_str(&moved),
        Moved::Gone => out.push_str("#REF!"),
        Moved::NotAReference => out.push_str(word),
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | '\\' | ':' | '?')
}

fn preceded_by_word(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '_' | '.'))
}

/// Reads a run of word characters from `i`; returns the end and the run.
fn read_word(chars: &[char], i: usize) -> (usize, String) {
    let mut end = i;
    while end < chars.len() && is_word_char(chars[end]) {
        end += 1;
    }
    (end, chars[i..end].iter().collect())
}

/// The index just past a quoted run starting at `i` (doubled quotes stay inside).
fn skip_quoted(chars: &[char], i: usize, quote: char) -> usize {
    let mut j = i + 1;
    while j < chars.len() {
        if chars[j] == quote {
            if chars.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    chars.len()
}

/// The index just past a bracketed run starting at `i` (nested brackets included).
fn skip_brackets(chars: &[char], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < chars.len() {
        match chars[j] {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            '\'' if depth > 0
                && chars
                    .get(j + 1)
                    .is_some_and(|c| matches!(c, '[' | ']' | '#' | '\'')) =>
            {
                // An escape inside a structured reference.
                j += 1;
            }
            _ => {}
        }
        j += 1;
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: ColumnRemoval = ColumnRemoval { col: 0 };

    #[test]
    fn single_references_move_left_or_go() {
        assert_eq!(move_area("B4", A), Moved::To("A4".into()));
        assert_eq!(move_area("$C$4", A), Moved::To("$B$4".into()));
        assert_eq!(move_area("A4", A), Moved::Gone);
        assert_eq!(move_area("A1:CR1", A), Moved::To("A1:CQ1".into()));
        assert_eq!(move_area("B1:CR1", A), Moved::To("A1:CQ1".into()));
        assert_eq!(move_area("A2:A9", A), Moved::Gone);
        assert_eq!(move_area("$A:$B", A), Moved::To("$A:$A".into()));
        assert_eq!(move_area("1:3", A), Moved::To("1:3".into()));
        assert_eq!(move_area("$1:$3", A), Moved::To("$1:$3".into()));
        assert_eq!(move_area("XFE1", A), Moved::NotAReference);
        assert_eq!(move_area("A1048577", A), Moved::NotAReference);
        assert_eq!(move_area("SUM", A), Moved::NotAReference);
        let d = ColumnRemoval { col: 3 };
        assert_eq!(move_area("B2:F2", d), Moved::To("B2:E2".into()));
        assert_eq!(move_area("D2:D9", d), Moved::Gone);
        assert_eq!(move_area("C2", d), Moved::To("C2".into()));
    }

    #[test]
    fn sqref_lists_drop_what_is_gone() {
        assert_eq!(
            move_sqref("A4:A9 C4:C2503 BY4 CE4", A).unwrap().as_deref(),
            Some("B4:B2503 BX4 CD4")
        );
        assert_eq!(move_sqref("A4:A9", A).unwrap(), None);
        assert!(move_sqref("C4 nonsense", A).is_err());
    }

    #[test]
    fn a_merged_title_starting_in_the_removed_column_keeps_its_cell() {
        let lifted = lifted_rows(["A1:R1", "A5:A6", "C7:D8", "A9:B10"], A);
        assert_eq!(lifted, BTreeSet::from([0, 8]));
        assert_eq!(A.cell(0, 0, &lifted), Some(0));
        assert_eq!(A.cell(0, 1, &lifted), None);
        assert_eq!(A.cell(0, 2, &lifted), Some(1));
        assert_eq!(A.cell(3, 0, &lifted), None);
        assert_eq!(A.cell(3, 1, &lifted), Some(0));
    }

    #[test]
    fn spans_are_one_based() {
        assert_eq!(move_span_1based(1, 96, A), Some((1, 95)));
        assert_eq!(move_span_1based(1, 1, A), None);
        assert_eq!(move_span_1based(3, 5, A), Some((2, 4)));
    }

    #[test]
    fn formulas_move_only_references_to_the_sheet() {
        let s = "iCARE Template";
        let f = |text: &str, on: bool| move_formula(text, s, on, A);
        assert_eq!(f("B4*2+$C$5", true), "A4*2+$B$5");
        assert_eq!(f("B4*2", false), "B4*2");
        assert_eq!(
            f("'iCARE Template'!$C$4:$C$9", false),
            "'iCARE Template'!$B$4:$B$9"
        );
        assert_eq!(f("'iCARE Template'!$A$4", false), "'iCARE Template'!#REF!");
        assert_eq!(f("LOV!$C$3:$C$5", true), "LOV!$C$3:$C$5");
        assert_eq!(f("LOG10(C4)&\"B4\"", true), "LOG10(B4)&\"B4\"");
        assert_eq!(
            f("SUM(Table1[Col])+[1]Sheet!C4", true),
            "SUM(Table1[Col])+[1]Sheet!C4"
        );
        assert_eq!(
            f("'iCARE Template'!$A:$B,'iCARE Template'!$1:$3", false),
            "'iCARE Template'!$A:$A,'iCARE Template'!$1:$3"
        );
        assert_eq!(f("#REF!+D4", true), "#REF!+C4");
        assert_eq!(f("1.5E+10+B1", true), "1.5E+10+A1");
        let other = |text: &str| move_formula(text, "Data", false, A);
        assert_eq!(other("Data!C3+Lists!C3"), "Data!B3+Lists!C3");
        assert_eq!(other("'It''s'!C3"), "'It''s'!C3");
        assert_eq!(move_formula("'It''s'!C3", "It's", false, A), "'It''s'!B3");
    }

    proptest::proptest! {
        #[test]
        fn formula_moving_never_panics(text in "[A-Za-z0-9$:!'\\[\\]\"#(),. &+-]{0,40}", col in 0u32..5) {
            let removal = ColumnRemoval { col };
            let _ = move_formula(&text, "Data", true, removal);
            let _ = move_formula(&text, "Data", false, removal);
            let _ = move_sqref(&text, removal);
        }
    }
}
