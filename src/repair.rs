//! Repairs of the damage Excel does to iCARE data, decided per column from its field code:
//! a date serial in a date column becomes the text `YYYY-MM-DD`, a digits-only identifier
//! stored as a number becomes text without `.0` or an exponent, and a list value that
//! differs from an allowed value only by its apostrophe (`'` for `’`), its case or the
//! spaces around it becomes the allowed value. Nothing else is touched.
//!
//! The repairs are the tool's knowledge of that damage, below what uses them: `clean` makes
//! them in the upload file ([`crate::output::clean`]), the way back makes them in the values
//! typed into the annotated workbook, and `check` tells which problems `clean` would repair
//! ([`repaired_text`]) rather than report them as iCARE rejections.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use std::collections::{HashMap, HashSet};

use crate::package::hash::FastHash;
use crate::template::{Registry, ValueKind};

/// What a repair did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairKind {
    /// An Excel date serial became the text `YYYY-MM-DD`.
    DateSerial,
    /// A digits-only identifier stored as a number became text.
    NumberAsText,
    /// A list value was written exactly as the list has it.
    ListValue,
}

impl RepairKind {
    /// A few words for reports.
    pub fn describe(self) -> &'static str {
        match self {
            RepairKind::DateSerial => "date stored as a number",
            RepairKind::NumberAsText => "identifier stored as a number",
            RepairKind::ListValue => "list value spelled differently",
        }
    }
}

/// The allowed values of a list column, indexed for the repair: exact values, and each
/// value by its folded form (`None` when two values fold alike, so the choice would be a
/// guess).
#[derive(Debug, Clone, Default)]
pub struct ListIndex {
    exact: HashSet<String, FastHash>,
    folded: HashMap<String, Option<String>, FastHash>,
}

impl ListIndex {
    /// Indexes a list.
    pub fn new<S: AsRef<str>>(values: &[S]) -> ListIndex {
        let mut index = ListIndex::default();
        for v in values {
            let v = v.as_ref();
            index.exact.insert(v.to_string());
            index
                .folded
                .entry(fold(v))
                .and_modify(|e| {
                    if e.as_deref() != Some(v) {
                        *e = None;
                    }
                })
                .or_insert_with(|| Some(v.to_string()));
        }
        index
    }
}

/// The repair rule of a column: what `clean` repairs in its cells.
#[derive(Debug, Clone, Copy)]
pub enum ColumnRepair<'a> {
    /// Nothing is repaired.
    None,
    /// Date serials become `YYYY-MM-DD`.
    Date,
    /// Whole numbers become digits.
    Identifier,
    /// Near-misses become the allowed value.
    List(&'a ListIndex),
}

impl<'a> ColumnRepair<'a> {
    /// The rule for a column with field code `code` of template `template`; `list` is the
    /// column's allowed values, when it has a list.
    pub fn for_column(
        registry: &Registry,
        template: Option<&str>,
        code: &str,
        list: Option<&'a ListIndex>,
    ) -> ColumnRepair<'a> {
        if let Some(list) = list {
            return ColumnRepair::List(list);
        }
        match registry.kind(template, code) {
            ValueKind::Date => ColumnRepair::Date,
            ValueKind::Identifier => ColumnRepair::Identifier,
            _ => ColumnRepair::None,
        }
    }

    /// The repaired text of a number cell whose stored value is `raw`, if this rule
    /// repairs it.
    pub fn number(self, raw: &str, date1904: bool) -> Option<(RepairKind, String)> {
        let value: f64 = raw.trim().parse().ok()?;
        if !value.is_finite() {
            return None;
        }
        match self {
            ColumnRepair::Date => {
                serial_to_date(value, date1904).map(|d| (RepairKind::DateSerial, d))
            }
            ColumnRepair::Identifier => {
                (value >= 0.0 && value.fract() == 0.0 && value < 9_007_199_254_740_992.0)
                    .then(|| (RepairKind::NumberAsText, format!("{}", value as u64)))
            }
            _ => None,
        }
    }

    /// The repaired form of `text` put into a cell (the way back): a number is taken as
    /// Excel would have stored it, other text as a list value; `None` when it stays.
    ///
    /// Only a date column takes a number as Excel's date serial; an identifier typed as text
    /// stays as typed (leading zeros included).
    pub fn patch(self, text: &str, date1904: bool) -> Option<(RepairKind, String)> {
        let fix = match self {
            ColumnRepair::Date => self.number(text, date1904),
            ColumnRepair::List(_) => self.text(text),
            ColumnRepair::Identifier | ColumnRepair::None => None,
        };
        fix.filter(|(_, after)| after != text)
    }

    /// The allowed value a text cell should hold, if it differs from one only by apostrophe,
    /// case or surrounding spaces.
    pub fn text(self, text: &str) -> Option<(RepairKind, String)> {
        let ColumnRepair::List(list) = self else {
            return None;
        };
        if list.exact.contains(text) || text.trim().is_empty() {
            return None;
        }
        let value = list.folded.get(&fold(text))?.clone()?;
        Some((RepairKind::ListValue, value))
    }
}

/// The text `clean` writes for `text` put into a cell of column `code`, with the repairs it
/// makes to every cell (a date serial becomes a date, a list value spelled differently the
/// list's own spelling); `None` when it stays as it is.
pub fn repaired_text(
    registry: &Registry,
    template: Option<&str>,
    code: &str,
    list: Option<&[String]>,
    text: &str,
) -> Option<(RepairKind, String)> {
    let list = list.map(ListIndex::new);
    ColumnRepair::for_column(registry, template, code, list.as_ref()).patch(text, false)
}

fn fold(text: &str) -> String {
    text.trim()
        .replace(['\u{2019}', '\u{2018}'], "'")
        .to_lowercase()
}

/// The date of an Excel serial, as `YYYY-MM-DD` (the time of day is dropped); `None` outside
/// Excel's date range and for the 1900 system's non-existent 29 February 1900.
pub fn serial_to_date(serial: f64, date1904: bool) -> Option<String> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let date = if date1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1)? + Duration::days(days)
    } else if days == 60 {
        return None;
    } else if days < 60 {
        NaiveDate::from_ymd_opt(1899, 12, 31)? + Duration::days(days)
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)? + Duration::days(days)
    };
    Some(date.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_become_dates_in_both_systems() {
        assert_eq!(
            serial_to_date(43971.0, false).as_deref(),
            Some("2020-05-20")
        );
        assert_eq!(
            serial_to_date(43971.75, false).as_deref(),
            Some("2020-05-20")
        );
        assert_eq!(serial_to_date(1.0, false).as_deref(), Some("1900-01-01"));
        assert_eq!(serial_to_date(61.0, false).as_deref(), Some("1900-03-01"));
        assert_eq!(serial_to_date(60.0, false), None);
        assert_eq!(serial_to_date(0.0, false), None);
        assert_eq!(serial_to_date(19_780_520.0, false), None);
        assert_eq!(serial_to_date(42509.0, true).as_deref(), Some("2020-05-20"));
        assert_eq!(
            serial_to_date(44197.0, false).as_deref(),
            Some("2021-01-01")
        );
    }

    #[test]
    fn identifiers_lose_the_number_format() {
        let r = ColumnRepair::Identifier;
        assert_eq!(r.number("12345678", false).unwrap().1, "12345678");
        assert_eq!(r.number("1.2345678901E10", false).unwrap().1, "12345678901");
        assert_eq!(r.number("12345678.0", false).unwrap().1, "12345678");
        assert_eq!(r.number("1234.5", false), None);
        assert_eq!(r.number("-3", false), None);
        assert_eq!(ColumnRepair::None.number("43972", false), None);
    }

    #[test]
    fn list_values_match_apostrophe_case_and_spaces_only() {
        let values = vec![
            "Temporary Resident or Minister’s Permit Number",
            "FOSS/GCMS Client ID",
        ];
        let index = ListIndex::new(&values);
        let r = ColumnRepair::List(&index);
        assert_eq!(
            r.text(" temporary resident or minister's permit number ")
                .unwrap()
                .1,
            "Temporary Resident or Minister’s Permit Number"
        );
        assert_eq!(
            r.text("FOSS/GCMS client id").unwrap().1,
            "FOSS/GCMS Client ID"
        );
        assert_eq!(r.text("FOSS/GCMS Client ID"), None);
        assert_eq!(r.text("FOSS GCMS Client ID"), None);
        assert_eq!(r.text(""), None);
    }
}
