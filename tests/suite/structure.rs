//! Excel's structural rules, checked on every workbook icare-fix writes (issue #22, point 13).
//!
//! The schema of Office Open XML lets a worksheet hold the same `<row>` twice, rows out of
//! order, a cell under the wrong row, merged ranges on top of each other, two comments on one
//! cell and sheet names Excel refuses; Excel does not, and answers such a file with "We found a
//! problem with some content" and offers to repair it. A schema validator passes these files,
//! so this module carries its own checker of those rules (`package_faults`), proves on small
//! hand-made parts that it catches each break, then runs every command that writes a workbook
//! on every sample it applies to and checks each workbook written.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use quick_xml::events::{BytesStart, Event};

use crate::common::{icare_fix, root};

// ----------------------------------------------------------------------------------------
// The checker.
// ----------------------------------------------------------------------------------------

/// The attributes of an element by local name (`r:id` is `id`), values unescaped.
fn attributes(e: &BytesStart<'_>) -> BTreeMap<String, String> {
    e.attributes()
        .flatten()
        .map(|a| {
            let key = a.key.local_name().as_ref().to_string();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.clone().into_owned());
            (key, value)
        })
        .collect()
}

/// A cell reference (`AB12`) as (row, column), both counted from 1.
fn cell_ref(text: &str) -> Option<(u32, u32)> {
    let letters = text.bytes().take_while(u8::is_ascii_uppercase).count();
    let (col, row) = text.split_at(letters);
    if !(1..=3).contains(&col.len()) || !row.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let col = col
        .bytes()
        .fold(0u32, |n, b| n * 26 + u32::from(b - b'A' + 1));
    let row: u32 = row.parse().ok().filter(|r| *r > 0)?;
    Some((row, col))
}

/// A range (`A1:Q1`, or one cell `B4`) as (first row, first column, last row, last column).
fn range_ref(text: &str) -> Option<(u32, u32, u32, u32)> {
    let (first, last) = text.split_once(':').unwrap_or((text, text));
    let (r1, c1) = cell_ref(first)?;
    let (r2, c2) = cell_ref(last)?;
    Some((r1.min(r2), c1.min(c2), r1.max(r2), c1.max(c2)))
}

/// Calls `each` with every start or empty element of `xml` (its local name, its attributes,
/// whether it is empty) and with `None` for every end tag's local name; a fault when the XML
/// is not well formed.
fn walk(xml: &str, mut each: impl FnMut(&str, Option<(&BytesStart<'_>, bool)>)) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => each(e.local_name().as_ref(), Some((&e, false))),
            Ok(Event::Empty(e)) => each(e.local_name().as_ref(), Some((&e, true))),
            Ok(Event::End(e)) => each(e.local_name().as_ref(), None),
            Ok(Event::Eof) => return Vec::new(),
            Err(err) => {
                return vec![format!(
                    "not well-formed XML near byte {}: {err}",
                    reader.buffer_position()
                )];
            }
            Ok(_) => {}
        }
    }
}

/// What breaks Excel's rules in one worksheet part: each `<row>` once, in ascending order;
/// each cell in ascending column order inside its own row; merged ranges apart.
fn worksheet_faults(xml: &str) -> Vec<String> {
    let mut faults = Vec::new();
    let mut in_data = false;
    // The row being read (None between rows), the highest row and column seen so far.
    let mut open_row: Option<u32> = None;
    let mut last_row = 0u32;
    let mut last_col = 0u32;
    let mut merges: Vec<(String, (u32, u32, u32, u32))> = Vec::new();
    let unreadable = walk(xml, |name, element| {
        let Some((e, empty)) = element else {
            match name {
                "sheetData" => in_data = false,
                "row" => open_row = None,
                _ => {}
            }
            return;
        };
        match name {
            "sheetData" => in_data = !empty,
            "row" if in_data => {
                let attrs = attributes(e);
                // A row without `r` is the one after the previous row.
                let r = match attrs.get("r") {
                    None => last_row + 1,
                    Some(text) => match text.parse::<u32>() {
                        Ok(r) if r > 0 => r,
                        _ => {
                            faults.push(format!("row r=\"{text}\" is not a row number"));
                            return;
                        }
                    },
                };
                if r <= last_row {
                    faults.push(format!(
                        "<row r=\"{r}\"> comes after row {last_row}: each row must appear once, in ascending order"
                    ));
                }
                last_row = last_row.max(r);
                last_col = 0;
                open_row = (!empty).then_some(r);
            }
            "c" if in_data => {
                let attrs = attributes(e);
                let Some(row) = open_row else {
                    faults.push(format!("cell {:?} outside any row", attrs.get("r")));
                    return;
                };
                // A cell without `r` is the one after the previous cell of its row.
                let (text, (r, c)) = match attrs.get("r") {
                    None => (format!("#{}", last_col + 1), (row, last_col + 1)),
                    Some(text) => match cell_ref(text) {
                        Some(at) => (text.clone(), at),
                        None => {
                            faults.push(format!("cell r=\"{text}\" is not a cell reference"));
                            return;
                        }
                    },
                };
                if r != row {
                    faults.push(format!("cell {text} is inside <row r=\"{row}\">"));
                }
                if c <= last_col {
                    faults.push(format!(
                        "cell {text} comes after column {last_col} of row {row}: cells must be in ascending column order"
                    ));
                }
                last_col = last_col.max(c);
            }
            "mergeCell" => {
                let attrs = attributes(e);
                let text = attrs.get("ref").cloned().unwrap_or_default();
                let Some(range) = range_ref(&text) else {
                    faults.push(format!("merged range {text:?} is not a range"));
                    return;
                };
                for (other, o) in &merges {
                    if range.0 <= o.2 && o.0 <= range.2 && range.1 <= o.3 && o.1 <= range.3 {
                        faults.push(format!("merged ranges {other} and {text} overlap"));
                    }
                }
                merges.push((text, range));
            }
            _ => {}
        }
    });
    faults.extend(unreadable);
    faults
}

/// What breaks Excel's rules in one comments part: at most one comment per cell.
fn comments_faults(xml: &str) -> Vec<String> {
    let mut faults = Vec::new();
    let mut seen = BTreeSet::new();
    let unreadable = walk(xml, |name, element| {
        if let (Some((e, _)), "comment") = (element, name) {
            let at = attributes(e).get("ref").cloned().unwrap_or_default();
            if !seen.insert(at.to_ascii_uppercase()) {
                faults.push(format!("two comments on cell {at}"));
            }
        }
    });
    faults.extend(unreadable);
    faults
}

/// What breaks Excel's rules in the workbook part: sheet names unique (whatever the case),
/// 1 to 31 characters, none of `[]:*?/\`, no apostrophe first or last.
fn workbook_faults(xml: &str) -> Vec<String> {
    let mut faults = Vec::new();
    let mut seen = BTreeSet::new();
    let unreadable = walk(xml, |name, element| {
        let (Some((e, _)), "sheet") = (element, name) else {
            return;
        };
        let sheet = attributes(e).get("name").cloned().unwrap_or_default();
        let length = sheet.chars().count();
        if !(1..=31).contains(&length) {
            faults.push(format!(
                "sheet name {sheet:?} has {length} characters (1 to 31)"
            ));
        }
        if let Some(c) = sheet.chars().find(|c| "[]:*?/\\".contains(*c)) {
            faults.push(format!("sheet name {sheet:?} holds {c:?}"));
        }
        if sheet.starts_with('\'') || sheet.ends_with('\'') {
            faults.push(format!(
                "sheet name {sheet:?} starts or ends with an apostrophe"
            ));
        }
        if !seen.insert(sheet.to_lowercase()) {
            faults.push(format!("two sheets named {sheet:?}"));
        }
    });
    faults.extend(unreadable);
    faults
}

const WORKBOOK_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";
const WORKSHEET_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
const COMMENTS_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml";

/// Every break of Excel's structural rules in the workbook at `path`, each as "part: fault".
/// The parts are found by their content types, as Excel finds them.
fn package_faults(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        zip.by_name(name)
            .unwrap_or_else(|e| panic!("{name} in {}: {e}", path.display()))
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let mut parts: Vec<(String, String)> = Vec::new();
    walk(&read("[Content_Types].xml"), |name, element| {
        if let (Some((e, _)), "Override") = (element, name) {
            let attrs = attributes(e);
            if let (Some(part), Some(kind)) = (attrs.get("PartName"), attrs.get("ContentType")) {
                parts.push((part.trim_start_matches('/').to_string(), kind.clone()));
            }
        }
    });
    let mut faults = Vec::new();
    let mut worksheets = 0;
    let mut workbooks = 0;
    for (part, kind) in parts {
        let check: fn(&str) -> Vec<String> = match kind.as_str() {
            WORKBOOK_TYPE => {
                workbooks += 1;
                workbook_faults
            }
            WORKSHEET_TYPE => {
                worksheets += 1;
                worksheet_faults
            }
            COMMENTS_TYPE => comments_faults,
            _ => continue,
        };
        faults.extend(
            check(&read(&part))
                .into_iter()
                .map(|f| format!("{part}: {f}")),
        );
    }
    if workbooks != 1 || worksheets == 0 {
        faults.push(format!(
            "{workbooks} workbook parts and {worksheets} worksheet parts in [Content_Types].xml"
        ));
    }
    faults
}

// ----------------------------------------------------------------------------------------
// The checker on hand-made parts: it flags each break and passes a sound part.
// ----------------------------------------------------------------------------------------

fn sheet(data: &str) -> String {
    format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
    )
}

#[test]
fn checker_passes_a_sound_worksheet() {
    let xml = concat!(
        r#"<worksheet><sheetData>"#,
        r#"<row r="1" ht="30" customHeight="1"><c r="A1" t="s"><v>0</v></c><c r="Q1"/></row>"#,
        r#"<row r="2" hidden="1"/>"#,
        r#"<row r="4"><c r="A4" t="inlineStr"><is><r><t>x</t></r></is></c><c r="AB4"/></row>"#,
        r#"<row><c/><c r="C5"/></row>"#,
        r#"</sheetData><mergeCells count="2">"#,
        r#"<mergeCell ref="A1:Q1"/><mergeCell ref="A2:Q3"/></mergeCells></worksheet>"#,
    );
    assert_eq!(worksheet_faults(xml), Vec::<String>::new());
}

#[test]
fn checker_flags_a_row_written_twice_as_constant_memory_wrote_the_last_row() {
    // The data sheet of issue #22 point 13: the last row again, as a bare element.
    let xml = sheet(concat!(
        r#"<row r="14" ht="48" customHeight="1"><c r="A14" t="s"><v>3</v></c></row>"#,
        r#"<row r="15" ht="48" customHeight="1"><c r="A15" t="s"><v>4</v></c></row>"#,
        r#"<row r="15" ht="48" customHeight="1"/>"#,
    ));
    assert_eq!(
        worksheet_faults(&xml),
        ["<row r=\"15\"> comes after row 15: each row must appear once, in ascending order"]
    );
}

#[test]
fn checker_flags_rows_in_descending_order() {
    let xml = sheet(r#"<row r="3"/><row r="2"/><row r="4"/>"#);
    assert_eq!(
        worksheet_faults(&xml),
        ["<row r=\"2\"> comes after row 3: each row must appear once, in ascending order"]
    );
}

#[test]
fn checker_flags_a_cell_outside_its_row_and_cells_out_of_column_order() {
    let xml = sheet(concat!(
        r#"<row r="2"><c r="A3"/></row>"#,
        r#"<row r="3"><c r="C3"/><c r="B3"/><c r="B3"/></row>"#,
    ));
    assert_eq!(
        worksheet_faults(&xml),
        [
            "cell A3 is inside <row r=\"2\">",
            "cell B3 comes after column 3 of row 3: cells must be in ascending column order",
            "cell B3 comes after column 3 of row 3: cells must be in ascending column order",
        ]
    );
}

#[test]
fn checker_flags_overlapping_merged_ranges_and_passes_adjacent_ones() {
    let xml = concat!(
        r#"<worksheet><sheetData/><mergeCells>"#,
        r#"<mergeCell ref="A1:C1"/><mergeCell ref="A2:C2"/><mergeCell ref="B1:B3"/><mergeCell ref="D4"/>"#,
        r#"</mergeCells></worksheet>"#,
    );
    assert_eq!(
        worksheet_faults(xml),
        [
            "merged ranges A1:C1 and B1:B3 overlap",
            "merged ranges A2:C2 and B1:B3 overlap",
        ]
    );
}

#[test]
fn checker_flags_two_comments_on_one_cell() {
    let xml = concat!(
        r#"<comments><authors><author>icare-fix</author></authors><commentList>"#,
        r#"<comment ref="B4" authorId="0"><text><t>a</t></text></comment>"#,
        r#"<comment ref="C4" authorId="0"><text><t>b</t></text></comment>"#,
        r#"<comment ref="B4" authorId="0"><text><t>c</t></text></comment>"#,
        r#"</commentList></comments>"#,
    );
    assert_eq!(comments_faults(xml), ["two comments on cell B4"]);
}

#[test]
fn checker_flags_sheet_names_excel_refuses() {
    let names = [
        "iCARE Template",
        "Errors - Erreurs",
        "errors - erreurs",
        "",
        "A name of thirty-two characters!",
        "a/b",
        "'quoted",
        "O'Brien",
    ];
    let sheets: String = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let n = n.replace('\'', "&apos;");
            format!(
                r#"<sheet name="{n}" sheetId="{}" r:id="rId{}"/>"#,
                i + 1,
                i + 1
            )
        })
        .collect();
    let xml = format!(
        r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#
    );
    assert_eq!(
        workbook_faults(&xml),
        [
            "two sheets named \"errors - erreurs\"",
            "sheet name \"\" has 0 characters (1 to 31)",
            "sheet name \"A name of thirty-two characters!\" has 32 characters (1 to 31)",
            "sheet name \"a/b\" holds '/'",
            "sheet name \"'quoted\" starts or ends with an apostrophe",
        ]
    );
}

#[test]
fn checker_reads_the_parts_a_package_names() {
    // A package written by rust_xlsxwriter in its ordinary mode, with a note and a merge.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_row_height(3, 40).unwrap();
    ws.write_string(3, 1, "x").unwrap();
    ws.merge_range(0, 0, 0, 3, "title", &rust_xlsxwriter::Format::new())
        .unwrap();
    ws.insert_note(3, 1, &rust_xlsxwriter::Note::new("note"))
        .unwrap();
    wb.save(&path).unwrap();
    assert_eq!(package_faults(&path), Vec::<String>::new());
}

// ----------------------------------------------------------------------------------------
// Every workbook icare-fix writes.
// ----------------------------------------------------------------------------------------

/// The sample without notes: an upload file, which only `check` takes.
const NOT_REJECTED: &str = "original_upload.xlsx";

/// The bundled samples' file names.
fn samples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xlsx"))
        .collect();
    names.sort();
    names
}

/// Copies the named samples into `dir` (made if missing) and returns the copies' paths.
fn copy_samples(dir: &Path, names: &[&String]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    names
        .iter()
        .map(|name| {
            let path = dir.join(name.as_str());
            std::fs::copy(root().join("samples").join(name.as_str()), &path).unwrap();
            path
        })
        .collect()
}

/// Every `.xlsx` file under `dir`, at any depth.
fn workbooks_under(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "xlsx"))
        .collect();
    found.sort();
    found
}

/// What kind of output a written workbook is, by the name icare-fix gives it.
fn kind(path: &Path) -> &'static str {
    let name = path.file_name().unwrap().to_string_lossy();
    if name.ends_with(".checked.xlsx") {
        "checked"
    } else if name == "summary.xlsx" {
        "summary"
    } else if name.ends_with(".upload.xlsx") {
        "upload"
    } else if name.ends_with(".annotated.xlsx") {
        "annotated"
    } else {
        panic!("{} is no output icare-fix names", path.display())
    }
}

#[test]
fn every_workbook_icare_fix_writes_keeps_excels_structural_rules() {
    let all = samples();
    let rejected: Vec<&String> = all.iter().filter(|n| *n != NOT_REJECTED).collect();
    assert!(rejected.len() >= 10, "samples: {all:?}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");

    // The one-step run on every rejected file: annotated workbooks, upload files, a summary.
    let inputs = copy_samples(&out.join("one-step"), &rejected);
    icare_fix().args(&inputs).assert().success();
    for input in inputs {
        std::fs::remove_file(input).unwrap();
    }

    // `annotate` in each language and `clean`, file by file.
    let inputs = copy_samples(&dir.path().join("single"), &rejected);
    for input in &inputs {
        let stem = input.file_stem().unwrap().to_string_lossy();
        for lang in ["en", "fr", "both"] {
            icare_fix()
                .args(["annotate", "--lang", lang, "-o"])
                .arg(out.join(format!("{stem}.{lang}.annotated.xlsx")))
                .arg(input)
                .assert()
                .success();
        }
        icare_fix()
            .args(["clean", "-o"])
            .arg(out.join(format!("{stem}.upload.xlsx")))
            .arg(input)
            .assert()
            .success();
    }

    // `batch` on a folder of every sample: a summary beside the per-file outputs.
    let every: Vec<&String> = all.iter().collect();
    let inputs = copy_samples(&out.join("batch"), &every);
    icare_fix()
        .arg("batch")
        .arg(out.join("batch"))
        .assert()
        .success();
    for input in inputs {
        std::fs::remove_file(input).unwrap();
    }

    // `check --annotate` on the file without notes and on every upload file written above
    // (exit code 1 says problems were found: each then gets its NAME.checked.xlsx).
    let mut to_check: Vec<PathBuf> = workbooks_under(&out)
        .into_iter()
        .filter(|p| kind(p) == "upload")
        .collect();
    let not_rejected = copy_samples(&out.join("check"), &[&NOT_REJECTED.to_string()]);
    to_check.extend(not_rejected.iter().cloned());
    let check = icare_fix()
        .args(["check", "--annotate"])
        .args(&to_check)
        .output()
        .unwrap();
    assert!(
        matches!(check.status.code(), Some(0 | 1)),
        "check --annotate: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    std::fs::remove_file(&not_rejected[0]).unwrap();

    let written = workbooks_under(&out);
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut faults = Vec::new();
    for path in &written {
        *kinds.entry(kind(path)).or_default() += 1;
        let shown = path.strip_prefix(&out).unwrap().display().to_string();
        faults.extend(
            package_faults(path)
                .into_iter()
                .map(|f| format!("{shown}: {f}")),
        );
    }
    // Each rejected sample: an annotated workbook from the one-step run, three from
    // `annotate`, one from `batch`; an upload file from the one-step run, `clean` and `batch`.
    let n = rejected.len();
    assert_eq!(kinds.get("annotated"), Some(&(5 * n)), "{kinds:?}");
    assert_eq!(kinds.get("upload"), Some(&(3 * n)), "{kinds:?}");
    assert_eq!(kinds.get("summary"), Some(&2), "{kinds:?}");
    assert!(kinds.get("checked").is_some_and(|c| *c > 1), "{kinds:?}");
    assert!(written.contains(&out.join("check").join("original_upload.checked.xlsx")));
    assert!(
        faults.is_empty(),
        "{} of the {} workbooks written break Excel's rules:\n{}",
        faults
            .iter()
            .map(|f| f.split(": ").next().unwrap())
            .collect::<BTreeSet<_>>()
            .len(),
        written.len(),
        faults.join("\n")
    );
}

#[test]
fn the_data_sheets_last_row_is_written_once_and_keeps_its_height() {
    // Issue #22 point 13: client_profile's last record (row 15) has a summary that wraps, so
    // the row is taller than the default; it was written a second time as a bare element.
    let (dir, input) = crate::common::sample_copy("client_profile.xlsx");
    let output = dir.path().join("out.annotated.xlsx");
    icare_fix()
        .arg("annotate")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .assert()
        .success();
    let xml = crate::common::read_part(&output, "xl/worksheets/sheet1.xml");
    let rows = crate::common::elements(&xml, "row");
    let last: Vec<_> = rows.iter().filter(|r| r["r"] == "15").collect();
    assert_eq!(last.len(), 1, "{last:?}");
    assert_eq!(last[0].get("ht").map(String::as_str), Some("48"));
    assert_eq!(last[0].get("customHeight").map(String::as_str), Some("1"));
    assert!(xml.contains(r#"<c r="A15""#), "row 15 lost its cells");
    // Nothing follows the grid but an empty row, and no cell lies below it.
    assert!(rows.iter().all(|r| r["r"].parse::<u32>().unwrap() <= 16));
    assert!(!xml.contains(r#"<c r="A16""#));
}
