//! `icare-fix clean`: the upload-ready workbook, read back.
//!
//! Every test reads its output back (with calamine, by unzipping the package, or through
//! LibreOffice) and compares it with the input: untouched parts byte for byte, the data sheet
//! cell by cell, the ranges that must stay or move, and the refusals' words and exit codes.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::{Data, Range, Reader, Xlsx};
use icare_fix::output::clean::{CellPatch, CleanOptions, NotesMode, RepairKind, clean};
use icare_fix::workbook::address::cell_name;
use icare_fix::{Error, Layout, Registry, Rejected};
use icare_synth::{self as synth, Manifest, NoteSet, Spec, Strings};
use predicates::prelude::*;

// --- Helpers -------------------------------------------------------------------------------

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn icare_fix() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("icare-fix"));
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// A copy of a bundled sample in a fresh folder, under a name with a space and an accent.
fn copy_sample(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rejet été.xlsx");
    std::fs::copy(sample(name), &path).unwrap();
    (dir, path)
}

/// A generated workbook in a fresh folder.
fn generate(spec: &Spec) -> (tempfile::TempDir, PathBuf, Manifest) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rejected file.xlsx");
    let manifest = synth::write(spec, &Registry::builtin(), &path).unwrap();
    (dir, path, manifest)
}

fn upload_path(input: &Path) -> PathBuf {
    icare_fix::output::sibling_path(input, "upload.xlsx")
}

/// One zip entry: name, stored (compressed) bytes, and content.
struct Entry {
    name: String,
    stored: Vec<u8>,
    content: Vec<u8>,
}

fn entries(path: &Path) -> Vec<Entry> {
    let file = std::fs::File::open(path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut stored = Vec::new();
            let name = {
                let mut raw = zip.by_index_raw(i).unwrap();
                raw.read_to_end(&mut stored).unwrap();
                raw.name().unwrap().to_string()
            };
            let mut content = Vec::new();
            zip.by_index(i).unwrap().read_to_end(&mut content).unwrap();
            Entry {
                name,
                stored,
                content,
            }
        })
        .collect()
}

fn part_text(path: &Path, name: &str) -> String {
    let entry = entries(path)
        .into_iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no part {name}"));
    String::from_utf8(entry.content).unwrap()
}

const SHEET: &str = "xl/worksheets/sheet1.xml";

fn range(path: &Path, sheet: &str) -> Range<Data> {
    let mut book: Xlsx<_> = calamine::open_workbook(path).unwrap();
    book.worksheet_range(sheet).unwrap()
}

fn value(range: &Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match value(range, row, col) {
        Data::Empty => String::new(),
        Data::String(s) => s,
        other => format!("{other:?}"),
    }
}

/// Every non-empty cell of a range, by absolute position.
fn cells(range: &Range<Data>) -> Vec<((u32, u32), Data)> {
    let (r0, c0) = range.start().unwrap_or((0, 0));
    range
        .used_cells()
        .filter(|(_, _, v)| {
            !matches!(v, Data::Empty) && !matches!(v, Data::String(s) if s.is_empty())
        })
        .map(|(r, c, v)| ((r as u32 + r0, c as u32 + c0), v.clone()))
        .collect()
}

/// The attributes of every element with this local name, in order (a small scan of the
/// sheet's XML, good enough for the elements checked here).
fn tags<'a>(xml: &'a str, local: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    for prefix in ["<", "<x:", "<x14:"] {
        let open = format!("{prefix}{local} ");
        let mut rest = xml;
        while let Some(i) = rest.find(&open) {
            let tail = &rest[i..];
            let end = tail.find('>').unwrap();
            found.push(&tail[..end]);
            rest = &tail[end..];
        }
    }
    found
}

fn attr<'a>(tag: &'a str, key: &str) -> Option<&'a str> {
    let needle = format!(" {key}=\"");
    let i = tag.find(&needle)? + needle.len();
    Some(&tag[i..i + tag[i..].find('"')?])
}

/// (formula, sqref) of every Excel 2010 validation.
fn x14_validations(xml: &str) -> (Option<String>, Vec<(String, String)>) {
    let count = tags(xml, "dataValidations")
        .into_iter()
        .find(|t| t.starts_with("<x14:"))
        .and_then(|t| attr(t, "count"))
        .map(str::to_string);
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<x14:dataValidation ") {
        let tail = &rest[i..];
        let end = tail.find("</x14:dataValidation>").unwrap();
        let body = &tail[..end];
        let between = |a: &str, b: &str| {
            let s = body.find(a).map(|i| i + a.len()).unwrap();
            body[s..s + body[s..].find(b).unwrap()].to_string()
        };
        out.push((
            between("<xm:f>", "</xm:f>"),
            between("<xm:sqref>", "</xm:sqref>"),
        ));
        rest = &tail[end..];
    }
    (count, out)
}

/// What removing column A does to a list of areas (none of which lies wholly in A): the
/// first column of an area that starts in A stays, every other column moves left.
fn shift_left(sqref: &str) -> String {
    use icare_fix::workbook::address::parse_cell;
    sqref
        .split(' ')
        .map(|area| {
            let ends: Vec<(u32, u32)> = area.split(':').map(|c| parse_cell(c).unwrap()).collect();
            let moved: Vec<String> = ends
                .iter()
                .enumerate()
                .map(|(i, (r, c))| {
                    let c = if i == 0 { c.saturating_sub(1) } else { c - 1 };
                    cell_name(*r, c)
                })
                .collect();
            moved.join(":")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn row_hidden(xml: &str, row: u32) -> bool {
    tags(xml, "row")
        .into_iter()
        .find(|t| attr(t, "r") == Some(&(row + 1).to_string()))
        .and_then(|t| attr(t, "hidden"))
        .is_some_and(|h| h == "1" || h == "true")
}

fn merges(path: &Path, sheet: &str) -> Vec<String> {
    let mut book: Xlsx<_> = calamine::open_workbook(path).unwrap();
    book.merge_cells_by_sheet_name(sheet)
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}:{}",
                cell_name(d.start.0, d.start.1),
                cell_name(d.end.0, d.end.1)
            )
        })
        .collect()
}

/// Decompressed text of every part, for the no-note-text check.
fn package_text(path: &Path) -> String {
    entries(path)
        .into_iter()
        .map(|e| String::from_utf8_lossy(&e.content).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_no_note_text(path: &Path, manifest_notes: &[String]) {
    let all = package_text(path);
    assert!(!all.contains("[BUID:"), "note text left in the package");
    for note in manifest_notes {
        // Each note's own message, not only its header.
        let tail: String = note
            .chars()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        assert!(
            !all.contains(tail.trim()) || tail.trim().is_empty(),
            "part of a note left in the package: {tail}"
        );
    }
}

/// Every cell of the input's data sheet reads back the same from the output, except the
/// notes column's data cells (column A), which are empty; no note text is left anywhere.
fn assert_only_the_notes_went(input: &Path, output: &Path, book: &Rejected) {
    let (ri, ro) = (range(input, &book.sheet), range(output, &book.sheet));
    for ((r, c), v) in cells(&ri) {
        let want = if c == 0 && r >= book.data_start {
            Data::Empty
        } else {
            v
        };
        assert_eq!(value(&ro, r, c), want, "{}", cell_name(r, c));
    }
    let notes: Vec<String> = book.notes.iter().map(|n| n.note.raw.to_string()).collect();
    assert_no_note_text(output, &notes);
}

fn files_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

// --- Native layout ------------------------------------------------------------------------

#[test]
fn native_layout_empties_the_notes_and_keeps_everything_else() {
    let (dir, input) = copy_sample("information_orientation.xlsx");
    let before = std::fs::read(&input).unwrap();
    let registry = Registry::builtin();
    let book = Rejected::open(&input, &registry).unwrap();
    let output = upload_path(&input);
    let report = clean(&input, &output, &registry, &CleanOptions::default()).unwrap();

    // What the report says agrees with the reader the other commands use.
    assert_eq!(report.layout, Layout::Native);
    assert_eq!(report.detected, Some(Layout::Native));
    assert_eq!(report.notes_column, Some(0));
    assert_eq!(report.sheet, book.sheet);
    assert_eq!(report.notes_removed, book.notes.len());
    assert!(report.notes_removed > 0);
    assert!(report.repairs.is_empty());
    assert_eq!(report.output, output);

    // The input is untouched; the output is the only new file.
    assert_eq!(std::fs::read(&input).unwrap(), before);
    assert_eq!(
        files_in(dir.path()),
        BTreeSet::from([
            "rejet été.xlsx".to_string(),
            "rejet été.upload.xlsx".to_string()
        ])
    );

    // Only the data sheet and the shared strings were rewritten; every other part is the
    // same stored bytes, in the same order.
    let a = entries(&input);
    let b = entries(&output);
    assert_eq!(
        a.iter().map(|e| &e.name).collect::<Vec<_>>(),
        b.iter().map(|e| &e.name).collect::<Vec<_>>()
    );
    let rewritten: BTreeSet<&str> = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x.stored != y.stored)
        .map(|(x, _)| x.name.as_str())
        .collect();
    assert_eq!(rewritten, BTreeSet::from([SHEET, "xl/sharedStrings.xml"]));
    assert_eq!(
        report.rewritten_parts,
        vec![SHEET.to_string(), "xl/sharedStrings.xml".to_string()]
    );

    // Every cell but the notes reads back the same; the notes are empty, the header of
    // the column stays.
    let (ri, ro) = (range(&input, &book.sheet), range(&output, &book.sheet));
    let mut compared = 0;
    for ((r, c), v) in cells(&ri) {
        if c == 0 && r >= book.data_start {
            assert_eq!(value(&ro, r, c), Data::Empty, "{}", cell_name(r, c));
        } else {
            assert_eq!(value(&ro, r, c), v, "{}", cell_name(r, c));
            compared += 1;
        }
    }
    assert_eq!(cells(&ro).len(), compared, "no cell was added");
    assert_eq!(text(&ro, 1, 0), "processing_details");
    assert_eq!(text(&ro, 2, 0), "Processing Details");

    // Title merge, hidden codes row, widths and the 88 drop-downs are as they were.
    assert_eq!(merges(&output, &book.sheet), vec!["A1:CQ1".to_string()]);
    let (xi, xo) = (part_text(&input, SHEET), part_text(&output, SHEET));
    assert!(row_hidden(&xo, 1), "the codes row is still hidden");
    assert_eq!(tags(&xi, "col"), tags(&xo, "col"));
    let (count_in, dv_in) = x14_validations(&xi);
    let (count_out, dv_out) = x14_validations(&xo);
    assert_eq!(count_out.as_deref(), Some("88"));
    assert_eq!(count_in, count_out);
    assert_eq!(dv_in, dv_out);
    assert!(dv_out.contains(&("LOV!$C$3:$C$5".to_string(), "C4:C2503".to_string())));

    // No note text anywhere in the package.
    let notes: Vec<String> = book.notes.iter().map(|n| n.note.raw.to_string()).collect();
    assert_no_note_text(&output, &notes);
}

#[test]
fn elements_with_a_namespace_prefix_are_handled() {
    // Some writers put the main namespace on a prefix: <x:row>, <x:c>, <x:v>.
    let prefix: &dyn Fn(&str) -> String = &|xml| {
        let body = xml.replacen(
            "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"",
            "xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"",
            1,
        );
        let mut out = String::with_capacity(body.len() + body.len() / 4);
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            out.push(c);
            if c != '<' {
                continue;
            }
            let rest = &body[i + 1..];
            let name_start = usize::from(rest.starts_with('/'));
            let name: String = rest[name_start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
                .collect();
            if !name.is_empty() && !name.contains(':') && !rest.starts_with('?') {
                if name_start == 1 {
                    out.push('/');
                    chars.next();
                }
                out.push_str("x:");
            }
        }
        out
    };
    let (_dir, input) = with_parts("client_profile.xlsx", &[(SHEET, prefix)]);
    assert!(part_text(&input, SHEET).contains("<x:c r=\"A4\""));
    let registry = Registry::builtin();
    let book = Rejected::open(&input, &registry).unwrap();
    assert!(!book.notes.is_empty());
    let output = upload_path(&input);
    let report = clean(&input, &output, &registry, &CleanOptions::default()).unwrap();
    assert_eq!(report.notes_removed, book.notes.len());
    assert_only_the_notes_went(&input, &output, &book);
}

#[test]
fn inline_strings_go_with_their_cells() {
    let (_dir, input) = copy_sample("information_orientation_inline_strings.xlsx");
    let registry = Registry::builtin();
    let book = Rejected::open(&input, &registry).unwrap();
    let output = upload_path(&input);
    let report = clean(&input, &output, &registry, &CleanOptions::default()).unwrap();
    assert_eq!(report.notes_removed, book.notes.len());
    assert_eq!(report.strings_emptied, 0);
    assert_eq!(report.rewritten_parts, vec![SHEET.to_string()]);
    assert_only_the_notes_went(&input, &output, &book);
}

#[test]
fn every_note_shape_is_removed() {
    let (_dir, input) = copy_sample("information_orientation_all_shapes.xlsx");
    let registry = Registry::builtin();
    let book = Rejected::open(&input, &registry).unwrap();
    let output = upload_path(&input);
    let report = clean(&input, &output, &registry, &CleanOptions::default()).unwrap();
    assert_eq!(report.notes_removed, book.notes.len());
    assert_eq!(
        report.note_cells,
        book.notes
            .iter()
            .map(|n| n.row)
            .collect::<BTreeSet<_>>()
            .len()
    );
    assert!(report.other_cleared.is_empty());
    let notes: Vec<String> = book.notes.iter().map(|n| n.note.raw.to_string()).collect();
    assert_no_note_text(&output, &notes);
}

#[test]
fn detection_agrees_with_the_reader_on_every_sample() {
    let registry = Registry::builtin();
    for (name, spec) in synth::bundled() {
        if spec.notes == NoteSet::None {
            continue;
        }
        let (_dir, input) = copy_sample(name);
        let book = Rejected::open(&input, &registry).unwrap();
        let output = upload_path(&input);
        let report = clean(&input, &output, &registry, &CleanOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let column = book.notes_column.unwrap();
        assert_eq!(report.sheet, book.sheet, "{name}");
        assert_eq!(report.template, book.template, "{name}");
        assert_eq!(report.notes_column, Some(column.col), "{name}");
        assert_eq!(report.detected, Some(column.layout), "{name}");
        assert_eq!(report.notes_removed, book.notes.len(), "{name}");
        // The check's own reading of the input agreed with calamine's: no cell needed the
        // slow comparison.
        assert!(!report.checked_cell_by_cell, "{name}");
        // The output holds no note any more, by the same reader.
        let clean_book = Rejected::open(&output, &registry).unwrap();
        assert!(clean_book.notes.is_empty(), "{name}");
        assert_eq!(clean_book.template, book.template, "{name}");
    }
}

/// Row 5 of the I&O sample with `cells` added after its last cell.
fn with_cells_in_row_5(cells: &'static str) -> (tempfile::TempDir, PathBuf) {
    let edit = move |xml: &str| {
        let row = xml.find("<row r=\"5\"").unwrap();
        let end = row + xml[row..].find("</row>").unwrap();
        format!("{}{cells}{}", &xml[..end], &xml[end..])
    };
    with_parts("information_orientation.xlsx", &[(SHEET, &edit)])
}

/// Every kind of cell value, as a rejected file can hold them.
const EVERY_KIND: &str = concat!(
    r#"<c r="CT5"><v>1.5E3</v></c>"#,
    r#"<c r="CU5" t="n"><v>-0.25</v></c>"#,
    r#"<c r="CV5" t="b"><v>1</v></c>"#,
    r#"<c r="CW5" t="e"><v>#N/A</v></c>"#,
    r#"<c r="CX5" t="str"><f>"a"</f><v>x_x0009_y</v></c>"#,
    r#"<c r="CY5" t="d"><v>2020-01-31T00:00:00</v></c>"#,
    r#"<c r="CZ5" t="inlineStr"><is><t> padded </t></is></c>"#,
    r#"<c r="DA5" t="inlineStr"><is><t xml:space="preserve"> kept </t></is></c>"#,
    r#"<c r="DB5" t="inlineStr"><is><t>a_x000D_b &amp; c</t></is></c>"#,
    r#"<c r="DC5" t="inlineStr"><is><r><t>rich</t></r><r><t xml:space="preserve"> text</t></r></is></c>"#,
    r#"<c r="DD5"><v>not a number</v></c>"#,
    r#"<c r="DE5" t="s"><v></v></c>"#,
    r#"<c r="DF5" s="4"><f>1+1</f></c>"#,
);

#[test]
fn the_check_reads_every_kind_of_cell_as_calamine_does() {
    let (_dir, input) = with_cells_in_row_5(EVERY_KIND);
    let registry = Registry::builtin();
    let output = upload_path(&input);
    let report = clean(&input, &output, &registry, &CleanOptions::default()).unwrap();
    // The digest built from the tool's own reading of the input matched calamine's
    // reading of the output, with no cell-by-cell comparison.
    assert!(!report.checked_cell_by_cell);
    let (ri, ro) = (
        range(&input, "iCARE Template"),
        range(&output, "iCARE Template"),
    );
    for col in 97..=109 {
        assert_eq!(
            value(&ro, 4, col),
            value(&ri, 4, col),
            "{}",
            cell_name(4, col)
        );
    }
    assert_eq!(text(&ro, 4, 105), "a\rb & c");
    assert_eq!(text(&ro, 4, 103), "padded");
}

#[test]
fn a_cell_the_tool_reads_otherwise_than_calamine_is_compared_cell_by_cell() {
    // A carriage return written as a character reference: calamine keeps it, the tool's
    // model of calamine's reading turns it into a line feed. The check notices the digests
    // differ, compares the sheets cell by cell with calamine and lets the file pass.
    let (_dir, input) =
        with_cells_in_row_5(r#"<c r="CT5" t="inlineStr"><is><t>a&#13;b</t></is></c>"#);
    let registry = Registry::builtin();
    let output = upload_path(&input);
    let report = clean(&input, &output, &registry, &CleanOptions::default()).unwrap();
    assert!(report.checked_cell_by_cell);
    assert_eq!(text(&range(&output, "iCARE Template"), 4, 97), "a\rb");
}

// --- Inserted layout ----------------------------------------------------------------------

#[test]
fn inserted_layout_removes_the_column_and_moves_every_reference() {
    let (_dir, input) = copy_sample("client_profile_inserted_column.xlsx");
    let registry = Registry::builtin();
    let book = Rejected::open(&input, &registry).unwrap();
    assert_eq!(book.notes_column.unwrap().layout, Layout::Inserted);
    let output = upload_path(&input);
    let report = clean(&input, &output, &registry, &CleanOptions::default()).unwrap();
    assert_eq!(report.layout, Layout::Inserted);
    assert_eq!(report.notes_removed, book.notes.len());

    // Every cell moved one column left; the inserted column is gone, except the title,
    // which heads the merged first row and keeps its place in A1.
    let (ri, ro) = (range(&input, &book.sheet), range(&output, &book.sheet));
    let title = text(&ri, 0, 0);
    assert!(title.contains("iCARE"), "{title}");
    assert_eq!(text(&ro, 0, 0), title);
    let mut kept = 1;
    for ((r, c), v) in cells(&ri) {
        if c == 0 {
            continue;
        }
        assert_eq!(
            value(&ro, r, c - 1),
            v,
            "{} -> {}",
            cell_name(r, c),
            cell_name(r, c - 1)
        );
        kept += 1;
    }
    assert_eq!(cells(&ro).len(), kept);
    // The codes row now starts with the template's own first code, as in an original file.
    assert_eq!(text(&ro, 1, 0), "processing_details");

    // The title merge spans row 1 from A; the codes row is hidden; widths, validations and
    // the dimension moved left.
    let (xi, xo) = (part_text(&input, SHEET), part_text(&output, SHEET));
    let merged_in = merges(&input, &book.sheet);
    assert_eq!(merged_in.len(), 1);
    let last_in = merged_in[0].split(':').nth(1).unwrap().to_string();
    let last_out = shift_left(&last_in);
    assert_eq!(merges(&output, &book.sheet), vec![format!("A1:{last_out}")]);
    assert!(row_hidden(&xo, 1));
    let dim_in = attr(tags(&xi, "dimension")[0], "ref").unwrap();
    let dim_out = attr(tags(&xo, "dimension")[0], "ref").unwrap();
    assert_eq!(
        dim_out,
        format!("A1:{}", shift_left(dim_in.split(':').nth(1).unwrap()))
    );
    let widths = |xml: &str| -> Vec<(u32, String)> {
        tags(xml, "col")
            .into_iter()
            .flat_map(|t| {
                let (min, max): (u32, u32) = (
                    attr(t, "min").unwrap().parse().unwrap(),
                    attr(t, "max").unwrap().parse().unwrap(),
                );
                let w = attr(t, "width").unwrap_or("").to_string();
                (min..=max).map(move |c| (c, w.clone()))
            })
            .collect()
    };
    let expected: Vec<(u32, String)> = widths(&xi)
        .into_iter()
        .filter(|(c, _)| *c > 1)
        .map(|(c, w)| (c - 1, w))
        .collect();
    assert_eq!(widths(&xo), expected);
    let (count_in, dv_in) = x14_validations(&xi);
    let (count_out, dv_out) = x14_validations(&xo);
    assert!(!dv_in.is_empty(), "the sample has Excel 2010 validations");
    assert_eq!(count_in, count_out);
    let moved: Vec<(String, String)> = dv_in
        .iter()
        .map(|(f, s)| (f.clone(), shift_left(s)))
        .collect();
    assert_eq!(dv_out, moved, "list sources stay, ranges move left");
    for (i, o) in tags(&xi, "dataValidation")
        .iter()
        .zip(tags(&xo, "dataValidation"))
        .filter(|(t, _)| t.starts_with("<dataValidation"))
    {
        assert_eq!(
            attr(o, "sqref").map(str::to_string),
            attr(i, "sqref").map(shift_left)
        );
    }

    // Spans of the rows moved too, and no row still mentions column one past the end.
    for tag in tags(&xo, "row") {
        if let Some(spans) = attr(tag, "spans") {
            let max: u32 = spans.split(':').nth(1).unwrap().parse().unwrap();
            assert!(max <= ro.end().unwrap().1 + 1, "{tag}");
        }
    }
    let notes: Vec<String> = book.notes.iter().map(|n| n.note.raw.to_string()).collect();
    assert_no_note_text(&output, &notes);
}

/// A part's name and how its text changes.
type Edit<'a> = (&'a str, &'a dyn Fn(&str) -> String);

/// A copy of a sample with several parts' text changed.
fn with_parts(name: &str, edits: &[Edit]) -> (tempfile::TempDir, PathBuf) {
    let (dir, path) = copy_sample(name);
    let old = entries(&path);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for e in old {
        zip.start_file(e.name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        let text = std::str::from_utf8(&e.content).unwrap_or_default();
        match edits.iter().find(|(part, _)| *part == e.name) {
            Some((_, edit)) => zip.write_all(edit(text).as_bytes()).unwrap(),
            None => zip.write_all(&e.content).unwrap(),
        }
    }
    zip.finish().unwrap();
    (dir, path)
}

#[test]
fn inserted_layout_moves_formulas_names_and_the_other_sheets_references() {
    let names: &dyn Fn(&str) -> String = &|xml| {
        xml.replacen(
            "</sheets>",
            "</sheets><definedNames><definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'iCARE Template'!$A:$B,'iCARE Template'!$1:$3</definedName><definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">'iCARE Template'!$A$1:$R$13</definedName><definedName name=\"Ids\">'iCARE Template'!$D$4:$D$13</definedName></definedNames>",
            1,
        )
    };
    let data: &dyn Fn(&str) -> String = &|xml| {
        xml.replacen(
            "</sheetData>",
            "<row r=\"20\"><c r=\"A20\" t=\"inlineStr\"><is><t>gone</t></is></c><c r=\"D20\" t=\"str\"><f>D4&amp;\"-\"&amp;$E$5</f><v>x</v></c></row></sheetData>",
            1,
        )
    };
    let lov: &dyn Fn(&str) -> String = &|xml| {
        xml.replacen(
            "</sheetData>",
            "<row r=\"900\"><c r=\"A900\" t=\"str\"><f>'iCARE Template'!D4&amp;LOVIds!D4</f><v>y</v></c></row></sheetData>",
            1,
        )
    };
    let (_dir, input) = with_parts(
        "client_profile_inserted_column.xlsx",
        &[
            ("xl/workbook.xml", names),
            (SHEET, data),
            ("xl/worksheets/sheet2.xml", lov),
        ],
    );
    let registry = Registry::builtin();
    let output = upload_path(&input);
    let report = clean(&input, &output, &registry, &CleanOptions::default()).unwrap();
    assert_eq!(report.layout, Layout::Inserted);
    assert_eq!(
        report.rewritten_parts,
        vec![
            "xl/workbook.xml".to_string(),
            SHEET.to_string(),
            "xl/worksheets/sheet2.xml".to_string(),
            "xl/sharedStrings.xml".to_string()
        ]
    );
    let workbook = part_text(&output, "xl/workbook.xml");
    assert!(
        workbook.contains(
            "localSheetId=\"0\">'iCARE Template'!$A:$A,'iCARE Template'!$1:$3</definedName>"
        ),
        "{workbook}"
    );
    assert!(
        workbook.contains(">'iCARE Template'!$A$1:$Q$13</definedName>"),
        "{workbook}"
    );
    assert!(
        workbook.contains("<definedName name=\"Ids\">'iCARE Template'!$C$4:$C$13</definedName>"),
        "{workbook}"
    );
    let mut book: Xlsx<_> = calamine::open_workbook(&output).unwrap();
    let formulas = book.worksheet_formula("iCARE Template").unwrap();
    assert_eq!(
        formulas.get_value((19, 2)).map(String::as_str),
        Some("C4&\"-\"&$D$5")
    );
    let lov_formulas = book.worksheet_formula("LOV").unwrap();
    assert_eq!(
        lov_formulas.get_value((899, 0)).map(String::as_str),
        Some("'iCARE Template'!C4&LOVIds!D4")
    );
    // The LOV sheet's own cells and ranges did not move.
    let (li, lo) = (range(&input, "LOV"), range(&output, "LOV"));
    assert_eq!(cells(&li), cells(&lo));
}

#[test]
fn inserted_layout_with_inline_strings_and_x14_validations() {
    let spec = Spec {
        layout: Layout::Inserted,
        strings: Strings::Inline,
        lists: true,
        ..Spec::new("information_orientation", 25)
    };
    let (_dir, input, manifest) = generate(&spec);
    let registry = Registry::builtin();
    let output = upload_path(&input);
    let report = clean(&input, &output, &registry, &CleanOptions::default()).unwrap();
    assert_eq!(report.layout, Layout::Inserted);
    assert_eq!(report.notes_removed, manifest.note_count());
    let (ri, ro) = (
        range(&input, synth::DATA_SHEET),
        range(&output, synth::DATA_SHEET),
    );
    for ((r, c), v) in cells(&ri).into_iter().filter(|((_, c), _)| *c > 0) {
        assert_eq!(value(&ro, r, c - 1), v, "{}", cell_name(r, c));
    }
    let (xi, xo) = (part_text(&input, SHEET), part_text(&output, SHEET));
    let (count_in, dv_in) = x14_validations(&xi);
    let (count_out, dv_out) = x14_validations(&xo);
    assert_eq!(count_in.as_deref(), Some("88"));
    assert_eq!(count_out, count_in);
    assert_eq!(
        dv_out,
        dv_in
            .iter()
            .map(|(f, s)| (f.clone(), shift_left(s)))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        merges(&output, synth::DATA_SHEET),
        vec!["A1:CQ1".to_string()]
    );
    let notes: Vec<String> = manifest.note_cells.iter().map(|n| n.text.clone()).collect();
    assert_no_note_text(&output, &notes);
}

#[test]
fn the_notes_column_flag_overrides_the_detection() {
    let (_dir, input) = copy_sample("client_profile_inserted_column.xlsx");
    let registry = Registry::builtin();
    let output = upload_path(&input);
    let opts = CleanOptions {
        notes: NotesMode::Clear,
        ..CleanOptions::default()
    };
    let report = clean(&input, &output, &registry, &opts).unwrap();
    assert_eq!(report.layout, Layout::Native);
    assert_eq!(report.detected, Some(Layout::Inserted));
    let ro = range(&output, "iCARE Template");
    // The column stays (its label too), its notes are gone.
    assert_eq!(text(&ro, 2, 0), synth::INSERTED_LABEL);
    assert_eq!(text(&ro, 1, 1), "processing_details");
    assert_eq!(text(&ro, 3, 0), "");

    let (_dir2, input2) = copy_sample("client_profile.xlsx");
    let output2 = upload_path(&input2);
    let opts = CleanOptions {
        notes: NotesMode::Remove,
        ..CleanOptions::default()
    };
    let report = clean(&input2, &output2, &registry, &opts).unwrap();
    assert_eq!(report.layout, Layout::Inserted);
    assert_eq!(report.detected, Some(Layout::Native));
    let (ri, ro) = (
        range(&input2, "iCARE Template"),
        range(&output2, "iCARE Template"),
    );
    assert_eq!(text(&ro, 1, 0), text(&ri, 1, 1));
    assert_eq!(text(&ro, 1, 0), "client_validation_type_id");
}

// --- Repairs ----------------------------------------------------------------------------

#[test]
fn repairs_are_exactly_the_damaged_cells() {
    let (_dir, input) = copy_sample("information_orientation_damaged.xlsx");
    let registry = Registry::builtin();
    let spec = synth::bundled()
        .into_iter()
        .find(|(n, _)| *n == "information_orientation_damaged.xlsx")
        .unwrap()
        .1;
    let damage = synth::damaged_cells(&spec, &registry).unwrap();
    assert!(damage.len() >= 6);
    let output = upload_path(&input);
    let report = clean(&input, &output, &registry, &CleanOptions::default()).unwrap();
    let mut made: Vec<(String, String, Option<String>)> = report
        .repairs
        .iter()
        .map(|r| (r.cell.clone(), r.after.clone(), r.code.clone()))
        .collect();
    let mut wanted: Vec<(String, String, Option<String>)> = damage
        .iter()
        .map(|d| {
            (
                cell_name(d.row, d.col),
                d.original.clone(),
                Some(d.code.clone()),
            )
        })
        .collect();
    made.sort();
    wanted.sort();
    assert_eq!(made, wanted);
    for r in &report.repairs {
        let d = damage
            .iter()
            .find(|d| cell_name(d.row, d.col) == r.cell)
            .unwrap();
        assert_eq!(r.before, d.stored, "{}", r.cell);
        let expected_kind = match d.kind {
            synth::DamageKind::DateSerial | synth::DamageKind::DateSerialIso => {
                RepairKind::DateSerial
            }
            synth::DamageKind::IdentifierNumber => RepairKind::NumberAsText,
            _ => RepairKind::ListValue,
        };
        assert_eq!(r.kind, expected_kind, "{}", r.cell);
    }
    // The repaired cells read back as text; every other cell as it was.
    let (ri, ro) = (
        range(&input, "iCARE Template"),
        range(&output, "iCARE Template"),
    );
    for ((r, c), v) in cells(&ri) {
        if c == 0 && r >= 3 {
            continue;
        }
        match damage.iter().find(|d| (d.row, d.col) == (r, c)) {
            Some(d) => assert_eq!(value(&ro, r, c), Data::String(d.original.clone())),
            None => assert_eq!(value(&ro, r, c), v, "{}", cell_name(r, c)),
        }
    }

    // Without repairs, the damage stays.
    let plain = input.with_file_name("plain.xlsx");
    let opts = CleanOptions {
        repair: false,
        ..CleanOptions::default()
    };
    let report = clean(&input, &plain, &registry, &opts).unwrap();
    assert!(report.repairs.is_empty());
    let rp = range(&plain, "iCARE Template");
    for d in &damage {
        assert_eq!(value(&rp, d.row, d.col), value(&ri, d.row, d.col));
    }
}

#[test]
fn the_cli_lists_each_repair_and_where_it_wrote() {
    let (dir, input) = copy_sample("information_orientation_damaged.xlsx");
    let registry = Registry::builtin();
    let notes = Rejected::open(&input, &registry).unwrap().notes.len();
    let spec = synth::bundled()
        .into_iter()
        .find(|(n, _)| *n == "information_orientation_damaged.xlsx")
        .unwrap()
        .1;
    let damage = synth::damaged_cells(&spec, &registry).unwrap();
    let date = damage
        .iter()
        .find(|d| d.kind == synth::DamageKind::DateSerial)
        .expect("the sample has a date serial");
    let assert = icare_fix().arg("clean").arg(&input).assert().success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with(&format!("Removed {notes} notes from column A (kept the column: it is the template's own Processing Details column).\n")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "\n  {}: {} -> {} (date stored as a number)\n",
            cell_name(date.row, date.col),
            date.stored,
            date.original
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "Repaired {} cells damaged by Excel:\n",
            damage.len()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("Wrote "), "{stderr}");
    assert!(dir.path().join("rejet été.upload.xlsx").exists());
    // A second run does not overwrite without --force, and says so.
    icare_fix()
        .arg("clean")
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "already exists. Use --force to replace it",
        ));
    icare_fix()
        .arg("clean")
        .arg(&input)
        .arg("--force")
        .assert()
        .success();
    // -o writes elsewhere; --no-repair keeps the damage.
    let other = dir.path().join("out dir");
    std::fs::create_dir(&other).unwrap();
    let out = other.join("ready.xlsx");
    let assert = icare_fix()
        .arg("clean")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--no-repair")
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("No Excel damage to repair."), "{stderr}");
    assert!(out.exists());
}

// --- The annotate way back: patches and rows left out ------------------------------------

#[test]
fn patches_and_dropped_rows_write_the_corrected_file() {
    let spec = Spec::new("client_profile", 10);
    let (_dir, input, manifest) = generate(&spec);
    let registry = Registry::builtin();
    let book = Rejected::open(&input, &registry).unwrap();
    let id_col = book.column_of("client_validation_id").unwrap();
    let phone_col = book.column_of("phone_no").unwrap();
    let start = manifest.data_start;
    let patches = vec![
        CellPatch {
            row: start,
            col: id_col,
            text: "00123456".into(),
        },
        // A cell that was empty in the original.
        CellPatch {
            row: start + 4,
            col: phone_col,
            text: "555-010-0199".into(),
        },
        // Ignored: the notes column is always emptied.
        CellPatch {
            row: start + 1,
            col: 0,
            text: "kept?".into(),
        },
    ];
    let opts = CleanOptions {
        patches,
        drop_rows: vec![start + 2, start + 3],
        ..CleanOptions::default()
    };
    let output = upload_path(&input);
    let report = clean(&input, &output, &registry, &opts).unwrap();
    assert_eq!(report.dropped_rows, vec![start + 2, start + 3]);
    assert_eq!(report.patched.len(), 2);
    assert_eq!(report.ignored_patches.len(), 1);

    let (ri, ro) = (range(&input, &book.sheet), range(&output, &book.sheet));
    // Patched cells are text, in the output's rows.
    assert_eq!(text(&ro, start, id_col), "00123456");
    let moved = |r: u32| if r > start + 3 { r - 2 } else { r };
    assert_eq!(text(&ro, moved(start + 4), phone_col), "555-010-0199");
    // Rows below the dropped ones moved up, with no blank row; the notes are gone.
    for ((r, c), v) in cells(&ri) {
        if r == start + 2 || r == start + 3 || (c == 0 && r >= start) {
            continue;
        }
        if (r, c) == (start, id_col) || (r, c) == (start + 4, phone_col) {
            continue;
        }
        assert_eq!(value(&ro, moved(r), c), v, "{}", cell_name(r, c));
    }
    let last_in = ri.end().unwrap().0;
    assert_eq!(ro.end().unwrap().0, last_in - 2);
    for r in start..=ro.end().unwrap().0 {
        assert!(
            (1..ro.width() as u32).any(|c| !text(&ro, r, c).is_empty()),
            "row {} is blank",
            r + 1
        );
    }
    // Header rows cannot be patched or dropped.
    let bad = CleanOptions {
        drop_rows: vec![1],
        force: true,
        ..CleanOptions::default()
    };
    assert!(matches!(
        clean(&input, &output, &registry, &bad),
        Err(Error::Unsupported { .. })
    ));
}

// --- Refusals -----------------------------------------------------------------------------

/// Runs `clean` on `path` and checks: exit code 2, the message, nothing left behind, the
/// input unchanged.
fn refused(path: &Path, message: &str) {
    let before = std::fs::read(path).unwrap();
    let dir = path.parent().unwrap();
    let files = files_in(dir);
    icare_fix()
        .arg("clean")
        .arg(path)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(message));
    assert_eq!(files_in(dir), files, "nothing is left behind");
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "the input is unchanged"
    );
}

/// A minimal compound file (the container of encrypted workbooks and .xls) holding one
/// empty stream.
fn compound_file(stream: &str) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let put16 =
        |b: &mut Vec<u8>, at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 =
        |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut header, 24, 0x3E);
    put16(&mut header, 26, 3);
    put16(&mut header, 28, 0xFFFE);
    put16(&mut header, 30, 9);
    put16(&mut header, 32, 6);
    put32(&mut header, 44, 1); // one FAT sector
    put32(&mut header, 48, 1); // directory in sector 1
    put32(&mut header, 56, 4096);
    put32(&mut header, 60, END);
    put32(&mut header, 68, END);
    put32(&mut header, 76, 0); // the FAT is sector 0
    for i in 1..109 {
        put32(&mut header, 76 + i * 4, FREE);
    }
    let mut fat = vec![0xFFu8; 512];
    put32(&mut fat, 0, 0xFFFF_FFFD);
    put32(&mut fat, 4, END);
    let mut dir = vec![0u8; 512];
    let entry = |dir: &mut Vec<u8>, i: usize, name: &str, kind: u8, child: u32| {
        let at = i * 128;
        let units: Vec<u16> = name.encode_utf16().collect();
        for (k, u) in units.iter().enumerate() {
            dir[at + k * 2..at + k * 2 + 2].copy_from_slice(&u.to_le_bytes());
        }
        dir[at + 64..at + 66].copy_from_slice(&(((units.len() + 1) * 2) as u16).to_le_bytes());
        dir[at + 66] = kind;
        dir[at + 67] = 1;
        dir[at + 68..at + 72].copy_from_slice(&FREE.to_le_bytes());
        dir[at + 72..at + 76].copy_from_slice(&FREE.to_le_bytes());
        dir[at + 76..at + 80].copy_from_slice(&child.to_le_bytes());
        dir[at + 116..at + 120].copy_from_slice(&END.to_le_bytes());
    };
    entry(&mut dir, 0, "Root Entry", 5, 1);
    entry(&mut dir, 1, stream, 2, FREE);
    [header, fat, dir].concat()
}

/// A copy of a sample with one part's text changed.
fn with_part(
    name: &str,
    part: &str,
    edit: impl Fn(&str) -> String,
) -> (tempfile::TempDir, PathBuf) {
    with_parts(name, &[(part, &edit)])
}

#[test]
fn an_original_upload_file_is_refused_unless_forced() {
    let (dir, input) = copy_sample("original_upload.xlsx");
    refused(
        &input,
        "has no iCARE error notes: this looks like an original upload file, not a rejected file; uploading it again would duplicate records. Use --force if you are sure.",
    );
    icare_fix()
        .arg("clean")
        .arg(&input)
        .arg("--force")
        .assert()
        .success();
    assert!(dir.path().join("rejet été.upload.xlsx").exists());
}

#[test]
fn files_that_are_not_xlsx_workbooks_are_refused_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let encrypted = dir.path().join("protected.xlsx");
    std::fs::write(&encrypted, compound_file("EncryptedPackage")).unwrap();
    refused(
        &encrypted,
        "is protected by a password. Open it in Excel, remove the password",
    );

    let dir = tempfile::tempdir().unwrap();
    let xls = dir.path().join("old.xls");
    std::fs::write(&xls, compound_file("Workbook")).unwrap();
    refused(
        &xls,
        "is an old Excel 97-2003 workbook (.xls). Open it in Excel and save it as an Excel Workbook (.xlsx)",
    );

    let dir = tempfile::tempdir().unwrap();
    let ods = dir.path().join("calc.ods");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&ods).unwrap());
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).unwrap();
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        zip.start_file("content.xml", stored).unwrap();
        zip.write_all(b"<office:document-content/>").unwrap();
        zip.finish().unwrap();
    }
    refused(
        &ods,
        "is an OpenDocument spreadsheet (.ods), not the Excel Workbook (.xlsx) iCARE sends. Open it in Excel and save it as an Excel Workbook (.xlsx)",
    );

    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("export.xlsx");
    std::fs::write(&csv, "client,date\r\n1,2024-01-01\r\n").unwrap();
    refused(
        &csv,
        "is not an Excel workbook (it is a text file, perhaps a CSV export)",
    );

    let (_dir, truncated) = copy_sample("client_profile.xlsx");
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    refused(&truncated, "is damaged or incomplete");
}

#[test]
fn a_zip_bomb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.xlsx");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
        let fast = zip::write::SimpleFileOptions::default().compression_level(Some(1));
        zip.start_file("[Content_Types].xml", fast).unwrap();
        zip.write_all(b"<Types/>").unwrap();
        zip.start_file("xl/worksheets/sheet1.xml", fast.large_file(false))
            .unwrap();
        let block = vec![b' '; 1 << 20];
        for _ in 0..520 {
            zip.write_all(&block).unwrap();
        }
        zip.finish().unwrap();
    }
    refused(&bomb, "is too large to be an iCARE file");
}

#[test]
fn a_doctype_is_refused() {
    let (_dir, path) = with_part("client_profile.xlsx", SHEET, |xml| {
        xml.replacen(
            "<worksheet",
            "<!DOCTYPE worksheet [<!ENTITY lol \"lol\">]><worksheet",
            1,
        )
    });
    refused(
        &path,
        "contains XML that Excel never writes (a DOCTYPE or entity declaration in xl/worksheets/sheet1.xml)",
    );
}

#[test]
fn a_note_outside_the_notes_column_is_refused() {
    let (_dir, path) = with_part("client_profile.xlsx", SHEET, |xml| {
        xml.replacen(
            "</sheetData>",
            "<row r=\"40\"><c r=\"E40\" t=\"inlineStr\"><is><t>[BUID:305939,RID:,ORP:4/5,DTS:2018-08-07 10:05:04][1] (Client) Unable to validate against database. / (Client) Impossible de valider dans la base de données.</t></is></c></row></sheetData>",
            1,
        )
    });
    refused(
        &path,
        "cell E40 holds an iCARE error note outside the notes column (A). Delete it in Excel (or move it to the notes column), save and try again.",
    );
}

#[test]
fn references_past_excels_limits_are_refused() {
    let (_dir, path) = with_part("client_profile.xlsx", SHEET, |xml| {
        xml.replacen("<c r=\"B4\"", "<c r=\"XFE4\"", 1)
    });
    refused(
        &path,
        "has a reference past Excel's last row or column (XFE4 in xl/worksheets/sheet1.xml)",
    );
    let (_dir, path) = with_part("client_profile.xlsx", SHEET, |xml| {
        xml.replacen("</sheetData>", "<row r=\"1048577\"><c r=\"B1048577\" t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData>", 1)
    });
    refused(&path, "has a reference past Excel's last row or column");
}

// --- LibreOffice ------------------------------------------------------------------------

/// Converts workbooks to CSV (their first sheet) with LibreOffice; `None` when it is not
/// installed (outside CI).
fn libreoffice_csv(files: &[&Path], out: &Path) -> Option<Vec<Vec<Vec<String>>>> {
    let found = std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(!ci, "LibreOffice (soffice) is required in CI");
        eprintln!("SKIPPED: LibreOffice not installed");
        return None;
    }
    let profile = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
        ])
        .arg(out)
        .args(files)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    Some(
        files
            .iter()
            .map(|f| {
                let csv = out.join(f.with_extension("csv").file_name().unwrap());
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_path(&csv)
                    .unwrap_or_else(|e| panic!("{}: {e}", csv.display()));
                reader
                    .records()
                    .map(|r| r.unwrap().iter().map(str::to_string).collect())
                    .collect()
            })
            .collect(),
    )
}

#[test]
fn outputs_open_in_libreoffice_with_the_same_values() {
    let registry = Registry::builtin();
    let work = tempfile::tempdir().unwrap();
    let mut pairs = Vec::new();
    for (name, layout) in [
        ("information_orientation.xlsx", Layout::Native),
        (
            "information_orientation_inline_strings.xlsx",
            Layout::Native,
        ),
        ("client_profile_inserted_column.xlsx", Layout::Inserted),
    ] {
        let input = work.path().join(name);
        std::fs::copy(sample(name), &input).unwrap();
        let output = work.path().join(name.replace(".xlsx", " upload.xlsx"));
        clean(&input, &output, &registry, &CleanOptions::default()).unwrap();
        pairs.push((input, output, layout));
    }
    let files: Vec<&Path> = pairs
        .iter()
        .flat_map(|(i, o, _)| [i.as_path(), o.as_path()])
        .collect();
    let csv_dir = work.path().join("csv");
    std::fs::create_dir(&csv_dir).unwrap();
    let Some(tables) = libreoffice_csv(&files, &csv_dir) else {
        return;
    };
    for (k, (input, _, layout)) in pairs.iter().enumerate() {
        let (a, b) = (&tables[2 * k], &tables[2 * k + 1]);
        assert_eq!(a.len(), b.len(), "{}", input.display());
        for (r, (ra, rb)) in a.iter().zip(b).enumerate() {
            let expected: Vec<String> = match layout {
                Layout::Native if r >= 3 => std::iter::once(String::new())
                    .chain(ra.iter().skip(1).cloned())
                    .collect(),
                Layout::Native => ra.clone(),
                // The merged title stays in A1; the merge's next cell (empty) goes instead.
                Layout::Inserted if r == 0 => ra
                    .iter()
                    .take(1)
                    .chain(ra.iter().skip(2))
                    .cloned()
                    .collect(),
                Layout::Inserted => ra.iter().skip(1).cloned().collect(),
            };
            let trim = |v: &[String]| {
                let mut v = v.to_vec();
                while v.last().is_some_and(String::is_empty) {
                    v.pop();
                }
                v
            };
            assert_eq!(
                trim(rb),
                trim(&expected),
                "{} row {}",
                input.display(),
                r + 1
            );
            assert!(!rb.iter().any(|v| v.contains("[BUID:")));
        }
    }
}
