//! What may a column hold? One answer per workbook, for every consumer.
//!
//! A column's rules come from the file itself first: the real iCARE template carries a hidden
//! `LOV` sheet whose column *i* belongs to template column *i* (counted from the first column
//! of the codes row that holds a field code, so an extra notes column in front does not shift
//! it). Its layout:
//!
//! - row 1: `info`, the number of template columns, a number of unknown meaning and the
//!   language tag (`en-CA`);
//! - row 2: `Mandatory=true;` or `Mandatory=false;` per column;
//! - rows 3 and below: the allowed values, spelled exactly (a trailing space, the typographic
//!   apostrophe `’` and numbers written as text are all part of a value).
//!
//! Where the workbook has no `LOV` sheet, or no values for a column, the lists bundled in
//! `templates/` ([`Registry::allowed_values`]) answer; a Yes/No column with no list anywhere
//! allows `Yes` and `No`. Values are never trimmed here.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::error::Result;
use crate::lang::plural;
use crate::template::{Registry, ValueKind};
use crate::workbook::{Grid, Rejected, display};

pub use super::read::{LOV_SHEET, lov_sheet};

/// 0-based row of the `LOV` sheet holding `info`, the column count and the language tag.
const INFO_ROW: u32 = 0;
/// 0-based row of the `LOV` sheet holding the `Mandatory=…;` flags.
const MANDATORY_ROW: u32 = 1;
/// 0-based first row of allowed values in the `LOV` sheet.
const FIRST_VALUE_ROW: u32 = 2;

/// Where a column's allowed values came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ListSource {
    /// The workbook's own hidden `LOV` sheet.
    Workbook,
    /// The lists bundled with icare-fix (`templates/`), or `Yes`/`No` for a Yes/No column.
    Bundled,
    /// No list: the column takes free text (its mandatory flag may still be known).
    None,
}

impl ListSource {
    /// `workbook`, `bundled` or `none`.
    pub fn id(self) -> &'static str {
        match self {
            ListSource::Workbook => "workbook",
            ListSource::Bundled => "bundled",
            ListSource::None => "none",
        }
    }
}

/// What one column may hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnList {
    /// The allowed values in list order, spelled exactly (never trimmed); empty when
    /// `source` is [`ListSource::None`].
    pub values: Vec<String>,
    /// Where `values` came from.
    pub source: ListSource,
    /// The workbook's own `Mandatory=…;` flag for the column, when its `LOV` sheet has one.
    pub mandatory: Option<bool>,
}

impl ColumnList {
    /// True when the column has a list and `value` is one of its values, spelled exactly.
    pub fn allows(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value)
    }

    /// True when the column has allowed values.
    pub fn is_list(&self) -> bool {
        !self.values.is_empty()
    }
}

/// What the `LOV` sheet's first row says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LovInfo {
    /// The number of template columns it states (cell B1), when it holds a number.
    pub columns: Option<u32>,
    /// The language tag (cell D1, `en-CA`), when present.
    pub language: Option<String>,
}

/// Which sources a workbook's lists came from, for `inspect`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceSummary {
    /// Whether the workbook has a `LOV` sheet.
    pub lov_sheet: bool,
    /// What its first row says, when it has one.
    pub lov_info: Option<LovInfo>,
    /// Data-sheet columns whose values came from the `LOV` sheet.
    pub workbook: usize,
    /// Data-sheet columns whose values came from the bundled lists (or Yes/No).
    pub bundled: usize,
    /// Data-sheet columns with a mandatory flag from the `LOV` sheet.
    pub mandatory_flags: usize,
}

impl SourceSummary {
    /// The sources used, workbook first; empty when no column has a list.
    pub fn sources(&self) -> Vec<ListSource> {
        let mut sources = Vec::new();
        if self.workbook > 0 {
            sources.push(ListSource::Workbook);
        }
        if self.bundled > 0 {
            sources.push(ListSource::Bundled);
        }
        sources
    }
}

impl fmt::Display for SourceSummary {
    /// One line such as `88 columns from the workbook's LOV sheet (en-CA), 2 bundled`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if self.workbook > 0 {
            let language = self
                .lov_info
                .as_ref()
                .and_then(|i| i.language.as_deref())
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            parts.push(format!(
                "{} from the workbook's LOV sheet{language}",
                plural(self.workbook, "column", "columns")
            ));
        }
        if self.bundled > 0 {
            parts.push(format!(
                "{} from icare-fix's bundled lists",
                plural(self.bundled, "column", "columns")
            ));
        }
        if parts.is_empty() {
            f.write_str("no list columns")?;
        } else {
            f.write_str(&parts.join(", "))?;
        }
        if !self.lov_sheet {
            f.write_str(" (the workbook has no LOV sheet)")?;
        }
        Ok(())
    }
}

/// What every column of one workbook's data sheet may hold.
#[derive(Debug, Clone, Default)]
pub struct ColumnLists {
    /// By 0-based column of the data sheet; only columns with a list or a mandatory flag.
    columns: BTreeMap<u32, ColumnList>,
    /// Whether a `LOV` grid was given, and what its first row says.
    lov: Option<LovInfo>,
}

impl ColumnLists {
    /// The lists of a data sheet whose codes row is `codes` (by 0-based column): from the
    /// workbook's own `LOV` sheet grid when given and it has values for the column, else the
    /// registry's bundled list for the column's code, else `Yes`/`No` for a Yes/No column,
    /// else nothing. Mandatory flags come from the `LOV` sheet only (the bundled templates
    /// differ on them for the same code).
    pub fn build(codes: &[Option<String>], lov: Option<&Grid>, registry: &Registry) -> ColumnLists {
        // LOV column 0 belongs to the first column holding a field code.
        let template_start = codes.iter().position(Option::is_some).unwrap_or(0) as u32;
        let mut lov_values: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        let mut lov_mandatory: BTreeMap<u32, bool> = BTreeMap::new();
        if let Some(grid) = lov {
            for row in &grid.rows {
                if row.row == MANDATORY_ROW {
                    for (col, value) in &row.cells {
                        if let Some(flag) = parse_mandatory(&display(value)) {
                            lov_mandatory.insert(*col, flag);
                        }
                    }
                } else if row.row >= FIRST_VALUE_ROW {
                    for (col, value) in &row.cells {
                        let text = display(value);
                        // The grid holds no blank cells; this guards hand-made ones.
                        if !text.trim().is_empty() {
                            lov_values.entry(*col).or_default().push(text);
                        }
                    }
                }
            }
        }

        let mut columns = BTreeMap::new();
        for (col, code) in codes.iter().enumerate() {
            let Some(code) = code.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
                continue;
            };
            let col = col as u32;
            let lov_col = col - template_start;
            let mandatory = lov_mandatory.get(&lov_col).copied();
            let (values, source) = if let Some(values) = lov_values.get(&lov_col) {
                (values.clone(), ListSource::Workbook)
            } else if let Some(values) = registry.allowed_values(code).filter(|v| !v.is_empty()) {
                (
                    values.iter().map(|v| v.value.clone()).collect(),
                    ListSource::Bundled,
                )
            } else if registry.kind(None, code) == ValueKind::YesNo {
                (
                    vec!["Yes".to_string(), "No".to_string()],
                    ListSource::Bundled,
                )
            } else {
                (Vec::new(), ListSource::None)
            };
            if source == ListSource::None && mandatory.is_none() {
                continue;
            }
            columns.insert(
                col,
                ColumnList {
                    values,
                    source,
                    mandatory,
                },
            );
        }
        ColumnLists {
            columns,
            lov: lov.map(lov_info),
        }
    }

    /// The lists of `book`, reading its `LOV` sheet when it has one.
    ///
    /// # Errors
    ///
    /// Fails when the workbook's `LOV` sheet cannot be read.
    pub fn of_book(book: &Rejected, registry: &Registry) -> Result<ColumnLists> {
        Ok(ColumnLists::build(&book.codes, book.lov()?, registry))
    }

    /// What column `col` (0-based, of the data sheet) may hold; `None` when nothing is known
    /// (no list and no mandatory flag).
    pub fn get(&self, col: u32) -> Option<&ColumnList> {
        self.columns.get(&col)
    }

    /// The allowed values of column `col`; `None` when it has no list.
    pub fn values(&self, col: u32) -> Option<&[String]> {
        self.get(col)
            .filter(|l| l.is_list())
            .map(|l| l.values.as_slice())
    }

    /// Every column with something known, in column order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &ColumnList)> {
        self.columns.iter().map(|(col, list)| (*col, list))
    }

    /// Whether the workbook's `LOV` sheet was given.
    pub fn has_lov_sheet(&self) -> bool {
        self.lov.is_some()
    }

    /// Which sources the lists came from, for `inspect`.
    pub fn source_summary(&self) -> SourceSummary {
        let count = |source| self.columns.values().filter(|l| l.source == source).count();
        SourceSummary {
            lov_sheet: self.lov.is_some(),
            lov_info: self.lov.clone(),
            workbook: count(ListSource::Workbook),
            bundled: count(ListSource::Bundled),
            mandatory_flags: self
                .columns
                .values()
                .filter(|l| l.mandatory.is_some())
                .count(),
        }
    }
}

impl ColumnLists {
    /// Whether column `col` (field `code`) is mandatory: the workbook's own LOV flag, else
    /// the bundled template's mark (the orange labels of the real template).
    pub fn is_mandatory(
        &self,
        col: u32,
        code: &str,
        registry: &Registry,
        template: Option<&str>,
    ) -> bool {
        match self.get(col).and_then(|l| l.mandatory) {
            Some(flag) => flag,
            None => registry.column(template, code).is_some_and(|c| c.mandatory),
        }
    }
}

/// The English list value a French `Oui` or `Non` stands for, when `values` has it.
pub fn english_yes_no<'v>(value: &str, values: &'v [String]) -> Option<&'v str> {
    let english = match value.trim().to_lowercase().as_str() {
        "oui" => "Yes",
        "non" => "No",
        _ => return None,
    };
    values.iter().find(|v| *v == english).map(String::as_str)
}

/// `Mandatory=true;` → `Some(true)`, `Mandatory=false;` → `Some(false)`; spaces, case and
/// other `key=value;` pairs tolerated.
fn parse_mandatory(text: &str) -> Option<bool> {
    text.split(';').find_map(|part| {
        let (key, value) = part.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("mandatory") {
            return None;
        }
        match value.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    })
}

/// What the first row of a `LOV` sheet says: `info`, the column count, …, the language tag.
fn lov_info(grid: &Grid) -> LovInfo {
    let Some(row) = grid.row(INFO_ROW) else {
        return LovInfo::default();
    };
    let text = |col| row.get(col).map(display).map(|t| t.trim().to_string());
    LovInfo {
        columns: text(1).and_then(|t| t.parse().ok()),
        language: text(3).filter(|t| !t.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workbook::GridRow;
    use calamine::Data;

    /// A grid from rows of (0-based row, cells as (0-based column, text)).
    fn grid(rows: &[(u32, &[(u32, &str)])]) -> Grid {
        Grid {
            rows: rows
                .iter()
                .map(|(row, cells)| GridRow {
                    row: *row,
                    cells: cells
                        .iter()
                        .map(|(c, v)| (*c, Data::String(v.to_string())))
                        .collect(),
                })
                .collect(),
        }
    }

    fn codes(list: &[&str]) -> Vec<Option<String>> {
        list.iter()
            .map(|c| (!c.is_empty()).then(|| c.to_string()))
            .collect()
    }

    /// A small LOV sheet for the columns processing_details, client_validation_type_id,
    /// service_language_id, client_birth_dt.
    fn lov() -> Grid {
        grid(&[
            (0, &[(0, "info"), (1, "4"), (2, "591"), (3, "en-CA")]),
            (
                1,
                &[
                    (0, "Mandatory=false;"),
                    (1, "Mandatory=true;"),
                    (2, "Mandatory=true;"),
                    (3, "Mandatory=true;"),
                ],
            ),
            (2, &[(1, "Only This One"), (2, "English")]),
            (3, &[(2, "Plautdietsch (Mennonite Low German) ")]),
            (4, &[(2, "Minister\u{2019}s Tongue")]),
        ])
    }

    const CODES: [&str; 4] = [
        "processing_details",
        "client_validation_type_id",
        "service_language_id",
        "client_birth_dt",
    ];

    #[test]
    fn lov_values_win_over_bundled_ones() {
        let registry = Registry::builtin();
        let bundled = registry
            .allowed_values("client_validation_type_id")
            .unwrap();
        assert!(!bundled.iter().any(|v| v.value == "Only This One"));
        let lists = ColumnLists::build(&codes(&CODES), Some(&lov()), &registry);
        let list = lists.get(1).unwrap();
        assert_eq!(list.values, ["Only This One"]);
        assert_eq!(list.source, ListSource::Workbook);
        assert!(list.allows("Only This One"));
        assert!(!list.allows(&bundled[0].value));
    }

    #[test]
    fn lov_values_keep_trailing_spaces_and_apostrophes() {
        let registry = Registry::builtin();
        let lists = ColumnLists::build(&codes(&CODES), Some(&lov()), &registry);
        assert_eq!(
            lists.values(2).unwrap(),
            [
                "English",
                "Plautdietsch (Mennonite Low German) ",
                "Minister\u{2019}s Tongue"
            ]
        );
        let list = lists.get(2).unwrap();
        assert!(list.allows("Plautdietsch (Mennonite Low German) "));
        assert!(!list.allows("Plautdietsch (Mennonite Low German)"));
    }

    #[test]
    fn mandatory_flags_are_read_from_row_2() {
        let registry = Registry::builtin();
        let lists = ColumnLists::build(&codes(&CODES), Some(&lov()), &registry);
        assert_eq!(lists.get(1).unwrap().mandatory, Some(true));
        // A column without a list still tells whether it is mandatory.
        let birth = lists.get(3).unwrap();
        assert_eq!(birth.source, ListSource::None);
        assert!(birth.values.is_empty());
        assert_eq!(birth.mandatory, Some(true));
        assert_eq!(lists.values(3), None);
        let notes = lists.get(0).unwrap();
        assert_eq!(notes.mandatory, Some(false));
        assert_eq!(notes.source, ListSource::None);
    }

    #[test]
    fn mandatory_flags_tolerate_spacing_and_case() {
        assert_eq!(parse_mandatory("Mandatory=true;"), Some(true));
        assert_eq!(parse_mandatory("Mandatory=false;"), Some(false));
        assert_eq!(parse_mandatory(" mandatory = TRUE "), Some(true));
        assert_eq!(parse_mandatory("Other=1;Mandatory=false;"), Some(false));
        assert_eq!(parse_mandatory("Mandatory=maybe;"), None);
        assert_eq!(parse_mandatory(""), None);
    }

    #[test]
    fn without_lov_the_bundled_lists_answer() {
        let registry = Registry::builtin();
        let lists = ColumnLists::build(&codes(&CODES), None, &registry);
        let list = lists.get(2).unwrap();
        assert_eq!(list.source, ListSource::Bundled);
        assert_eq!(list.mandatory, None);
        let bundled: Vec<&str> = registry
            .allowed_values("service_language_id")
            .unwrap()
            .iter()
            .map(|v| v.value.as_str())
            .collect();
        assert_eq!(list.values, bundled);
        assert!(list.allows("Plautdietsch (Mennonite Low German) "));
        // Nothing known about free-text columns without a LOV sheet.
        assert!(lists.get(0).is_none());
        assert!(lists.get(3).is_none());
        assert!(!lists.has_lov_sheet());
    }

    #[test]
    fn a_column_empty_in_the_lov_sheet_falls_back_to_bundled() {
        let registry = Registry::builtin();
        let lov = grid(&[
            (0, &[(0, "info")]),
            (1, &[(0, "Mandatory=false;"), (1, "Mandatory=true;")]),
            (2, &[(0, "Something")]),
        ]);
        let lists = ColumnLists::build(
            &codes(&["processing_details", "client_validation_type_id"]),
            Some(&lov),
            &registry,
        );
        let list = lists.get(1).unwrap();
        assert_eq!(list.source, ListSource::Bundled);
        assert_eq!(list.values.len(), 3);
        assert_eq!(list.mandatory, Some(true));
    }

    #[test]
    fn an_unknown_code_has_no_list() {
        let registry = Registry::builtin();
        let lists = ColumnLists::build(&codes(&["no_such_code_here"]), None, &registry);
        assert!(lists.get(0).is_none());
        assert!(lists.get(7).is_none());
        assert_eq!(lists.source_summary().sources(), []);
    }

    #[test]
    fn yes_no_columns_without_a_list_allow_yes_and_no() {
        let registry = Registry::builtin();
        let code = "made_up_consent_ind";
        assert_eq!(registry.kind(None, code), ValueKind::YesNo);
        assert!(registry.allowed_values(code).is_none());
        let lists = ColumnLists::build(&codes(&[code]), None, &registry);
        let list = lists.get(0).unwrap();
        assert_eq!(list.values, ["Yes", "No"]);
        assert_eq!(list.source, ListSource::Bundled);
        // The workbook's own list (a French template, say) wins.
        let lov = grid(&[(2, &[(0, "Oui")]), (3, &[(0, "Non")])]);
        let lists = ColumnLists::build(&codes(&[code]), Some(&lov), &registry);
        assert_eq!(lists.values(0).unwrap(), ["Oui", "Non"]);
    }

    #[test]
    fn an_extra_front_column_does_not_shift_the_lov_sheet() {
        let registry = Registry::builtin();
        let mut shifted = vec![None];
        shifted.extend(codes(&CODES));
        let lists = ColumnLists::build(&shifted, Some(&lov()), &registry);
        assert!(lists.get(0).is_none());
        assert_eq!(lists.values(2).unwrap(), ["Only This One"]);
        assert_eq!(lists.get(3).unwrap().values[0], "English");
        assert_eq!(lists.get(4).unwrap().mandatory, Some(true));
    }

    #[test]
    fn the_summary_counts_sources() {
        let registry = Registry::builtin();
        let mut with_bundled = codes(&CODES);
        with_bundled.push(Some("service_official_language_id".into()));
        let lists = ColumnLists::build(&with_bundled, Some(&lov()), &registry);
        let summary = lists.source_summary();
        assert!(summary.lov_sheet);
        assert_eq!(
            summary.lov_info,
            Some(LovInfo {
                columns: Some(4),
                language: Some("en-CA".into())
            })
        );
        assert_eq!(summary.workbook, 2);
        assert_eq!(summary.bundled, 1);
        assert_eq!(summary.mandatory_flags, 4);
        assert_eq!(
            summary.sources(),
            [ListSource::Workbook, ListSource::Bundled]
        );
        assert_eq!(
            summary.to_string(),
            "2 columns from the workbook's LOV sheet (en-CA), 1 column from icare-fix's bundled lists"
        );
        let none = ColumnLists::build(&codes(&CODES), None, &registry).source_summary();
        assert_eq!(
            none.to_string(),
            "2 columns from icare-fix's bundled lists (the workbook has no LOV sheet)"
        );
    }
}
