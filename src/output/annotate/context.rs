//! What the sheet writers of the annotated workbook share: the sheets' names in each
//! language, the context every writer gets (the book, the registry, the language, the
//! column lists), the cells to flag, the colours of the categories and Excel's limits.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder};

use crate::lang::Lang;
use crate::note::Category;
use crate::output::stamp::{LISTS_SHEET, LISTS_SHEET_NAMES};
use crate::template::Registry;
use crate::workbook::lists::ColumnLists;
use crate::workbook::{LocatedNote, Rejected};

/// Name of the sheet listing every note, in English (see [`SheetNames`]).
pub const ERRORS_SHEET: &str = "Errors";

/// Name of the sheet with counts, in English (see [`SheetNames`]).
pub const SUMMARY_SHEET: &str = "Summary";

/// Rows the drop-down lists cover below the header, as in the real templates (rows 4-2503).
pub(super) const VALIDATION_ROWS: u32 = 2500;

/// Excel's limit of hyperlinks per sheet.
pub(super) const MAX_LINKS: usize = 65_530;

/// Excel's limit for the text of a cell note, less a margin for the writer's own overhead.
pub(super) const MAX_NOTE_CHARS: usize = 32_000;

/// The fill colour of a category (RGB).
pub fn category_color(category: Category) -> u32 {
    match category {
        Category::Identity => 0xFFC7CE,
        Category::Missing => 0xFFEB9C,
        Category::Invalid => 0xF8CBAD,
        Category::Date => 0xBDD7EE,
        Category::Reference => 0xD9C3E9,
        Category::Other => 0xD9D9D9,
    }
}

/// The cells to flag: (row, col) → the notes concerning it, in order.
pub(super) type Flags<'a> = BTreeMap<(u32, u32), Vec<&'a LocatedNote>>;

pub(super) fn flags(book: &Rejected) -> Flags<'_> {
    let mut flags: Flags<'_> = BTreeMap::new();
    let last_col = last_column(book);
    for located in &book.notes {
        if located.cells.is_empty() {
            // No cell located: the whole row (its template columns) is concerned.
            let notes_col = book.notes_column.map(|n| n.col);
            for col in 0..=last_col {
                if Some(col) != notes_col {
                    flags.entry((located.row, col)).or_default().push(located);
                }
            }
        } else {
            for cell in &located.cells {
                flags
                    .entry((located.row, cell.col))
                    .or_default()
                    .push(located);
            }
        }
    }
    flags
}

pub(super) fn last_column(book: &Rejected) -> u32 {
    let coded = book.codes.len().saturating_sub(1) as u32;
    let data = book
        .data_rows()
        .filter_map(|r| r.cells.last().map(|(c, _)| *c))
        .max()
        .unwrap_or(0);
    // A stray cell far to the right must not make the grid 16,000 columns wide.
    coded.max(data.min(coded + 50))
}

/// The names of the sheets icare-fix adds to the annotated workbook, in one language or
/// both. Excel allows no `/` in a sheet name: both languages are joined with a dash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetNames {
    /// The sheet listing every note.
    pub errors: &'static str,
    /// The sheet with counts and the colour legend.
    pub summary: &'static str,
    /// The checklist sheet.
    pub checklist: &'static str,
    /// The hidden sheet holding the drop-down lists.
    pub lists: &'static str,
}

impl SheetNames {
    /// The names in `lang`.
    pub fn of(lang: Lang) -> SheetNames {
        match lang {
            Lang::En => SheetNames {
                errors: ERRORS_SHEET,
                summary: SUMMARY_SHEET,
                checklist: crate::output::checklist::CHECKLIST_SHEET,
                lists: LISTS_SHEET,
            },
            Lang::Fr => SheetNames {
                errors: "Erreurs",
                summary: "Résumé",
                checklist: crate::output::checklist::sheet_name(Lang::Fr),
                lists: LISTS_SHEET_NAMES[1],
            },
            Lang::Both => SheetNames {
                errors: "Errors - Erreurs",
                summary: "Summary - Résumé",
                checklist: crate::output::checklist::sheet_name(Lang::Both),
                lists: LISTS_SHEET_NAMES[2],
            },
        }
    }

    pub(super) fn all(&self) -> [&'static str; 4] {
        [self.errors, self.summary, self.checklist, self.lists]
    }
}

/// One annotated workbook being written: what its sheet writers share (the rejected
/// workbook, its lists, the language and the names of the added sheets).
pub(super) struct Annotation<'a> {
    pub(super) book: &'a Rejected,
    pub(super) registry: &'a Registry,
    pub(super) lang: Lang,
    pub(super) lists: &'a ColumnLists,
    pub(super) names: SheetNames,
}

impl Annotation<'_> {
    /// A short fixed text in the language (`en / fr` for both).
    pub(super) fn t(&self, en: &str, fr: &str) -> String {
        crate::output::checklist::pick(self.lang, en, fr)
    }

    /// A column's label in the language: the file's own label in English, the registry's
    /// French label where it has one (else the English one).
    pub(super) fn label(&self, col: u32) -> String {
        let label_en = self.book.label(col);
        let label_fr = self
            .book
            .code(col)
            .and_then(|code| self.registry.column(self.book.template.as_deref(), code))
            .map(|c| c.label_fr.as_str())
            .unwrap_or("");
        self.t(&label_en, label_fr)
    }

    /// What to do about a note, in English and French: the message catalogue's advice, else
    /// the category's, with yes/no answers spelled as the file's own list spells them.
    pub(super) fn advice(&self, located: &LocatedNote) -> (String, String) {
        use crate::output::checklist::text;
        let (en, fr) = match self.registry.message(&located.note) {
            _ if located.cells.is_empty() && !located.unlocated.is_empty() => {
                (text::NOT_IN_FILE_ADVICE_EN, text::NOT_IN_FILE_ADVICE_FR)
            }
            Some(m) => (m.advice_en.as_str(), m.advice_fr.as_str()),
            None => (located.category.advice_en(), located.category.advice_fr()),
        };
        let values: Vec<&[String]> = located
            .cells
            .iter()
            .filter_map(|c| self.lists.values(c.col))
            .collect();
        (
            crate::lang::quote_list_values(en, &values, Lang::En),
            crate::lang::quote_list_values(fr, &values, Lang::Fr),
        )
    }
}

/// The fill of a likely rejection: no colour of iCARE's categories, a dashed orange border.
pub(super) fn likely_format() -> Format {
    Format::new()
        .set_num_format("@")
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::MediumDashed)
        .set_border_color(Color::RGB(0xED7D31))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_added_sheet_is_one_the_way_back_skips() {
        let mut names: Vec<&str> = [Lang::En, Lang::Fr, Lang::Both]
            .iter()
            .flat_map(|lang| SheetNames::of(*lang).all())
            .collect();
        let mut known = crate::output::stamp::ADDED_SHEET_NAMES.to_vec();
        names.sort_unstable();
        known.sort_unstable();
        assert_eq!(names, known);
    }
}
