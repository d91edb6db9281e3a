//! A first look at an `.xlsx` workbook before it is read: the first rows of each worksheet,
//! streamed, with only the shared strings those rows use. A workbook none of whose sheets
//! has iCARE's codes row in its first rows is not an iCARE file, and is told so without the
//! reader loading the whole workbook: calamine reads the whole shared-strings part at open,
//! which for a large foreign workbook (half a million rows of text) is hundreds of
//! megabytes.
//!
//! The look is only ever a shortcut to "not an iCARE file": when it cannot tell (not an
//! `.xlsx`, a part it cannot read), the full reading decides, as before.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufRead;

use quick_xml::events::Event;

use crate::package::cells::{CellType, cells_until};
use crate::package::input::Input;
use crate::package::parts::Package;
use crate::package::tokens::{Events, Tokenizer};
use crate::package::xml::{XmlResult, local, resolve_ref};
use crate::template::Registry;

use super::layout;

/// What the first rows of a workbook's worksheets hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstLook {
    /// A visible worksheet has the codes row in its first rows.
    pub visible_codes: bool,
    /// A hidden worksheet has it.
    pub hidden_codes: bool,
    /// Every sheet is hidden.
    pub all_hidden: bool,
    /// The workbook lists no sheet.
    pub no_sheets: bool,
}

/// A cell of the first rows: its text, or the index of its shared string.
enum Text {
    Plain(String),
    Shared(u32),
}

/// The first rows of a sheet: (row, cells as (column, text)).
type FirstRows = Vec<(u32, Vec<(u32, Text)>)>;

/// The first look at `input`, already told to be an `.xlsx` by
/// [`super::read::sniff_input`]; `None` when it cannot tell (the full reading decides).
pub(crate) fn first_look(input: &Input, registry: &Registry) -> Option<FirstLook> {
    let mut package = Package::open_input(input).ok()?;
    let sheets = package.sheets.clone();
    // Only a plain workbook is judged here: sheets listed, every one a worksheet with its
    // part. Anything else (a macro sheet, a missing part) is for the full reading to name.
    if sheets.is_empty() || sheets.iter().any(|s| !s.worksheet || s.part.is_none()) {
        return None;
    }
    let mut looks: Vec<(bool, FirstRows)> = Vec::new();
    for sheet in &sheets {
        let part = sheet.part.clone()?;
        let rows = first_rows(package.stream(&part).ok()?, layout::HEADER_SEARCH_ROWS).ok()?;
        looks.push((sheet.visible, rows));
    }
    let wanted: BTreeSet<u32> = looks
        .iter()
        .flat_map(|(_, rows)| rows.iter().flat_map(|(_, cells)| cells))
        .filter_map(|(_, t)| match t {
            Text::Shared(i) => Some(*i),
            Text::Plain(_) => None,
        })
        .collect();
    let strings = match (&package.shared_strings.clone(), wanted.is_empty()) {
        (Some(part), false) => some_strings(package.stream(part).ok()?, &wanted).ok()?,
        _ => HashMap::new(),
    };
    let mut look = FirstLook {
        visible_codes: false,
        hidden_codes: false,
        all_hidden: !sheets.is_empty() && sheets.iter().all(|s| !s.visible),
        no_sheets: sheets.is_empty(),
    };
    for (visible, rows) in &looks {
        let texts: Vec<(u32, Vec<(u32, &str)>)> = rows
            .iter()
            .map(|(row, cells)| {
                let cells = cells
                    .iter()
                    .map(|(col, text)| {
                        let text = match text {
                            Text::Plain(t) => t.as_str(),
                            Text::Shared(i) => strings.get(i).map_or("", String::as_str),
                        };
                        (*col, text.trim())
                    })
                    .collect();
                (*row, cells)
            })
            .collect();
        let found = layout::find_header(
            texts
                .iter()
                .map(|(row, cells)| (*row, cells.iter().copied())),
            registry,
        )
        .is_some();
        if *visible {
            look.visible_codes |= found;
        } else {
            look.hidden_codes |= found;
        }
    }
    Some(look)
}

/// The non-empty cells of a worksheet's rows up to and including row `last` (0-based).
fn first_rows<R: BufRead>(source: R, last: u32) -> XmlResult<FirstRows> {
    let mut rows: BTreeMap<u32, Vec<(u32, Text)>> = BTreeMap::new();
    cells_until(source, last, |cell| {
        let text = match (cell.cell_type(), cell.shared_index()) {
            (CellType::Shared, Some(i)) => Text::Shared(i),
            (CellType::Inline, _) => Text::Plain(cell.inline.clone()),
            _ => Text::Plain(cell.value.clone()),
        };
        rows.entry(cell.row).or_default().push((cell.col, text));
    })?;
    Ok(rows.into_iter().collect())
}

/// The shared strings of indexes `wanted`, read up to the last of them and no further.
fn some_strings<R: BufRead>(source: R, wanted: &BTreeSet<u32>) -> XmlResult<HashMap<u32, String>> {
    let last = wanted.last().copied().unwrap_or(0);
    let mut reader = Tokenizer::new(source);
    let mut buf = Vec::with_capacity(8 * 1024);
    let mut strings = HashMap::new();
    let mut index: Option<u32> = None;
    let mut phonetic = 0u32;
    let mut in_t = false;
    let mut text = String::new();
    loop {
        buf.clear();
        match reader.next(&mut buf)? {
            Event::Start(e) => match local(e.name().as_ref()) {
                "si" => {
                    let next = index.map_or(0, |i| i + 1);
                    if next > last {
                        break;
                    }
                    index = Some(next);
                    text.clear();
                }
                "rPh" => phonetic += 1,
                "t" if phonetic == 0 => in_t = true,
                _ => {}
            },
            Event::End(e) => match local(e.name().as_ref()) {
                "si" => {
                    if let Some(i) = index.filter(|i| wanted.contains(i)) {
                        strings.insert(i, std::mem::take(&mut text));
                    }
                }
                "rPh" => phonetic = phonetic.saturating_sub(1),
                "t" => in_t = false,
                _ => {}
            },
            Event::Text(t) if in_t => text.push_str(t.as_ref()),
            Event::GeneralRef(r) if in_t => resolve_ref(r.as_ref(), &mut text)?,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(strings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_look_finds_the_codes_row_of_every_bundled_sample() {
        let registry = Registry::builtin();
        let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        for entry in std::fs::read_dir(samples).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xlsx") {
                let look = first_look(&Input::open(&path).unwrap(), &registry).unwrap();
                assert!(look.visible_codes, "{}", path.display());
            }
        }
    }

    #[test]
    fn only_the_strings_asked_for_are_kept() {
        let sst = r#"<sst><si><t>a</t></si><si><r><t>b</t></r><r><t>c</t></r><rPh><t>x</t></rPh></si><si><t>d</t></si><si><t>e</t></si></sst>"#;
        let got = some_strings(sst.as_bytes(), &BTreeSet::from([1, 2])).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[&1], "bc");
        assert_eq!(got[&2], "d");
    }
}
