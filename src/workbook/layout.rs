//! The one detector of a rejected sheet's layout, shared by both readers: the calamine grid
//! of [`crate::Rejected::open`] and the streamed rewrite of `clean`. Given the text of a
//! sheet's top rows it finds the codes row, the labels row and the first data row; given the
//! notes counted per column it finds the notes column. Keeping the rules here means the two
//! readers can never disagree.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::note;
use crate::template::Registry;

/// Where the notes stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// In the template's own Processing Details column (code `processing_details`): the
    /// column is part of the template and must stay; its note cells are emptied.
    Native,
    /// In an extra column in front of the template, with no code in the codes row: the whole
    /// column is not part of the template and must be removed.
    Inserted,
}

impl Layout {
    /// `native` or `inserted`.
    pub fn id(self) -> &'static str {
        match self {
            Layout::Native => "native",
            Layout::Inserted => "inserted",
        }
    }
}

/// The column holding the notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotesColumn {
    /// 0-based column index.
    pub col: u32,
    /// How the column relates to the template.
    pub layout: Layout,
}

/// How many rows from the top are searched for the codes row (0-based, inclusive).
pub const HEADER_SEARCH_ROWS: u32 = 30;

/// Codes that mark a codes row on their own: every known template has one of them.
pub const ANCHOR_CODES: [&str; 3] = [
    "client_validation_type_id",
    "course_cd",
    "processing_details",
];

/// The header rows of a data sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// 0-based row of the field codes.
    pub codes_row: u32,
    /// 0-based row of the labels, when there is one (the notes may start right after the
    /// codes row).
    pub labels_row: Option<u32>,
    /// 0-based first data row.
    pub data_start: u32,
    /// Field code of each column (0-based), trimmed; `None` where the codes row is empty.
    pub codes: Vec<Option<String>>,
}

/// The header of a sheet from its rows' text: `rows` gives each row's 0-based index and its
/// non-empty cells as (0-based column, text), rows in order. The codes row is the row within
/// the top [`HEADER_SEARCH_ROWS`] with an anchor code or at least three codes some template
/// knows; the one with the most known codes wins. The labels row follows it, unless the
/// notes start right there.
pub fn find_header<'a, R, C>(rows: R, registry: &Registry) -> Option<Header>
where
    R: IntoIterator<Item = (u32, C)> + Clone,
    C: IntoIterator<Item = (u32, &'a str)>,
{
    let mut best: Option<(u32, usize)> = None;
    for (row, cells) in rows.clone() {
        if row > HEADER_SEARCH_ROWS {
            break;
        }
        let mut known = 0usize;
        let mut anchor = false;
        for (_, text) in cells {
            let text = text.trim();
            anchor |= ANCHOR_CODES.contains(&text);
            known += usize::from(registry.is_known_code(text));
        }
        if (anchor || known >= 3) && best.is_none_or(|(_, k)| known > k) {
            best = Some((row, known));
        }
    }
    let (codes_row, _) = best?;
    let mut codes: Vec<Option<String>> = Vec::new();
    let mut next_has_note = false;
    for (row, cells) in rows {
        if row == codes_row {
            for (col, text) in cells {
                let text = text.trim();
                if text.is_empty() {
                    continue;
                }
                let col = col as usize;
                if codes.len() <= col {
                    codes.resize(col + 1, None);
                }
                codes[col] = Some(text.to_string());
            }
        } else if row == codes_row + 1 {
            next_has_note = cells.into_iter().any(|(_, t)| note::contains_note(t));
        } else if row > codes_row + 1 {
            break;
        }
    }
    Some(Header {
        codes_row,
        labels_row: (!next_has_note).then_some(codes_row + 1),
        data_start: codes_row + if next_has_note { 1 } else { 2 },
        codes,
    })
}

/// The notes column: the column with the most note cells in the data rows (`counts`: note
/// cells per 0-based column; on a tie, the leftmost); without notes, the Processing Details
/// column. Native when the column has a field code, inserted when it has none.
pub fn notes_column(
    counts: &BTreeMap<u32, usize>,
    codes: &[Option<String>],
) -> Option<NotesColumn> {
    let layout_of = |col: u32| match codes.get(col as usize) {
        Some(Some(_)) => Layout::Native,
        _ => Layout::Inserted,
    };
    if let Some((col, _)) = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
    {
        return Some(NotesColumn {
            col: *col,
            layout: layout_of(*col),
        });
    }
    codes
        .iter()
        .position(|c| c.as_deref() == Some("processing_details"))
        .map(|col| NotesColumn {
            col: col as u32,
            layout: Layout::Native,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &[(u32, &[(u32, &'static str)])]) -> Vec<(u32, Vec<(u32, &'static str)>)> {
        data.iter().map(|(r, c)| (*r, c.to_vec())).collect()
    }

    #[test]
    fn finds_codes_labels_and_data_rows() {
        let registry = Registry::builtin();
        let sheet = rows(&[
            (0, &[(0, "Title")]),
            (
                1,
                &[
                    (0, " processing_details "),
                    (1, "client_validation_type_id"),
                ],
            ),
            (2, &[(0, "Processing Details"), (1, "Unique Identifier")]),
            (
                3,
                &[(0, "[BUID:1,RID:2,ORP:1/1,DTS:x][XML:a] (P) m. / (P) m.")],
            ),
        ]);
        let header = find_header(
            sheet.iter().map(|(r, c)| (*r, c.iter().copied())),
            &registry,
        )
        .unwrap();
        assert_eq!(header.codes_row, 1);
        assert_eq!(header.labels_row, Some(2));
        assert_eq!(header.data_start, 3);
        assert_eq!(header.codes[0].as_deref(), Some("processing_details"));
    }

    #[test]
    fn notes_right_after_the_codes_row_mean_no_labels_row() {
        let registry = Registry::builtin();
        let sheet = rows(&[
            (0, &[(1, "client_validation_type_id")]),
            (
                1,
                &[(0, "[BUID:1,RID:2,ORP:1/1,DTS:x][XML:a] (P) m. / (P) m.")],
            ),
        ]);
        let header = find_header(
            sheet.iter().map(|(r, c)| (*r, c.iter().copied())),
            &registry,
        )
        .unwrap();
        assert_eq!((header.labels_row, header.data_start), (None, 1));
    }

    #[test]
    fn the_notes_column_is_the_one_with_most_notes_else_processing_details() {
        let codes = vec![None, Some("processing_details".to_string())];
        let counts: BTreeMap<u32, usize> = [(0, 3), (1, 1)].into();
        assert_eq!(
            notes_column(&counts, &codes),
            Some(NotesColumn {
                col: 0,
                layout: Layout::Inserted
            })
        );
        assert_eq!(
            notes_column(&BTreeMap::new(), &codes),
            Some(NotesColumn {
                col: 1,
                layout: Layout::Native
            })
        );
    }
}
