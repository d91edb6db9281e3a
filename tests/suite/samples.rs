//! The bundled samples and the synthetic workbook generator (`icare_synth`): the samples
//! in `samples/` are what the generator writes now, and every generated workbook reads back
//! with the layout, notes, lists and damage its spec asked for.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use icare_fix::workbook::address::{col_name, parse_col};
use icare_fix::{Layout, Registry, Rejected};
use icare_synth::{self as synth, DamageKind, Manifest, NoteSet, Spec, Strings};

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// Every part of a zip package, by name.
fn parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip package");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let name = entry.name().unwrap().to_string();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            (name, data)
        })
        .collect()
}

fn part(bytes: &[u8], name: &str) -> Option<String> {
    parts(bytes)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, d)| String::from_utf8(d).expect("UTF-8 XML"))
}

/// Writes a spec to a temporary file and opens it.
fn generate(spec: &Spec, registry: &Registry) -> (tempfile::TempDir, PathBuf, Manifest) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synthétique rejet.xlsx");
    let manifest = synth::write(spec, registry, &path).unwrap();
    (dir, path, manifest)
}

#[test]
fn committed_samples_are_what_the_generator_writes_now() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let written = synth::write_bundled(dir.path(), &registry).unwrap();
    assert_eq!(written.len(), synth::bundled().len());
    for path in written {
        let name = path.file_name().unwrap();
        let committed_path = samples_dir().join(name);
        let committed = std::fs::read(&committed_path).unwrap_or_else(|e| {
            panic!(
                "{} is missing ({e}); run `cargo run --example make_samples`",
                committed_path.display()
            )
        });
        let fresh = std::fs::read(&path).unwrap();
        if committed != fresh {
            // Say which part differs, to tell a content change from a compressor change.
            let (a, b) = (parts(&committed), parts(&fresh));
            let differing: Vec<&str> = b
                .iter()
                .filter(|(n, d)| !a.iter().any(|(m, e)| m == n && e == d))
                .map(|(n, _)| n.as_str())
                .collect();
            panic!(
                "samples/{} is out of date (differing parts: {differing:?}); run `cargo run --example make_samples` and commit the result",
                name.to_string_lossy()
            );
        }
    }
    // No stale workbook lies in samples/ that the generator no longer writes.
    let bundled: Vec<&str> = synth::bundled().iter().map(|(n, _)| *n).collect();
    for entry in std::fs::read_dir(samples_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".xlsx") {
            assert!(
                bundled.contains(&name.as_str()),
                "samples/{name} is not a bundled sample"
            );
        }
    }
}

#[test]
fn the_bundled_samples_cover_what_the_task_asks() {
    let registry = Registry::builtin();
    let bundled = synth::bundled();
    for template in registry.templates() {
        assert!(
            bundled
                .iter()
                .any(|(_, s)| s.template == template.id && s.notes == NoteSet::Typical),
            "no typical sample of {}",
            template.id
        );
    }
    let names: Vec<&str> = bundled.iter().map(|(n, _)| *n).collect();
    assert!(names.contains(&"information_orientation_all_shapes.xlsx"));
    assert!(names.contains(&"original_upload.xlsx"));
    assert!(bundled.iter().any(|(_, s)| s.layout == Layout::Inserted));
    assert!(bundled.iter().any(|(_, s)| s.strings == Strings::Inline));
    assert!(bundled.iter().any(|(_, s)| s.damage));
    assert!(bundled.iter().any(|(_, s)| s.notes == NoteSet::None));
    for (name, spec) in &bundled {
        assert!(
            (5..=40).contains(&spec.rows),
            "{name} has {} rows",
            spec.rows
        );
    }
}

#[test]
fn generation_is_deterministic_and_follows_the_seed() {
    let registry = Registry::builtin();
    for (name, spec) in synth::bundled() {
        let a = synth::to_bytes(&spec, &registry).unwrap();
        let b = synth::to_bytes(&spec, &registry).unwrap();
        assert!(a == b, "{name}: two generations differ");
        let other = Spec {
            seed: spec.seed + 1000,
            ..spec.clone()
        };
        let c = synth::to_bytes(&other, &registry).unwrap();
        assert!(a != c, "{name}: the seed changes nothing");
    }
}

#[test]
fn every_sample_opens_with_its_template_layout_and_notes() {
    let registry = Registry::builtin();
    for (name, spec) in synth::bundled() {
        let path = samples_dir().join(name);
        let book = Rejected::open(&path, &registry).unwrap_or_else(|e| panic!("{name}: {e}"));
        let manifest = synth::manifest(&spec, &registry).unwrap();
        assert_eq!(
            book.template.as_deref(),
            Some(spec.template.as_str()),
            "{name}"
        );
        assert_eq!(book.sheet, synth::DATA_SHEET, "{name}");
        assert_eq!(book.codes_row, synth::CODES_ROW, "{name}");
        assert_eq!(book.labels_row, Some(synth::LABELS_ROW), "{name}");
        assert_eq!(book.data_start, synth::DATA_START, "{name}");
        assert_eq!(book.row_count(), spec.rows, "{name}");
        let notes_col = book
            .notes_column
            .unwrap_or_else(|| panic!("{name}: no notes column"));
        assert_eq!(notes_col.col, manifest.notes_col, "{name}");
        assert_eq!(notes_col.layout, spec.layout, "{name}");
        assert_eq!(book.notes.len(), manifest.note_count(), "{name}");
        if spec.notes == NoteSet::None {
            assert!(book.notes.is_empty(), "{name}");
        } else {
            assert!(
                book.notes.len() >= spec.rows,
                "{name}: every row carries a note"
            );
            // Every data row holds a note, in the notes column.
            for row in book.data_rows() {
                let text = book.value(row.row, notes_col.col);
                assert!(
                    text.contains("[BUID:"),
                    "{name} row {}: {text:?}",
                    row.row + 1
                );
            }
        }
        // The codes row maps every template code to its column.
        let template = registry.template(&spec.template).unwrap();
        for (i, column) in template.columns.iter().enumerate() {
            assert_eq!(
                book.column_of(&column.code),
                Some(i as u32 + manifest.template_offset),
                "{name}: {}",
                column.code
            );
        }
        if spec.layout == Layout::Inserted {
            assert_eq!(
                book.code(0),
                None,
                "{name}: the inserted column has no code"
            );
        }
        // LOV sheets: present and hidden when asked, absent otherwise.
        let lov: Vec<_> = book
            .sheets
            .iter()
            .filter(|s| s.name.starts_with("LOV"))
            .collect();
        if spec.lists {
            assert_eq!(lov.len(), 2, "{name}");
            assert!(
                lov.iter().all(|s| !s.visible),
                "{name}: LOV sheets must be hidden"
            );
        } else {
            assert!(lov.is_empty(), "{name}");
        }
        assert!(book.sheets[0].visible, "{name}");
    }
}

#[test]
fn notes_share_the_buid_and_count_orp_and_time_upward() {
    let registry = Registry::builtin();
    for (name, spec) in synth::bundled() {
        if spec.notes == NoteSet::None {
            continue;
        }
        let book = Rejected::open(&samples_dir().join(name), &registry).unwrap();
        let manifest = synth::manifest(&spec, &registry).unwrap();
        let mut last: Option<(u32, u64, chrono::NaiveDateTime)> = None;
        for located in book.notes.iter().filter(|n| n.note.is_well_formed()) {
            let note = &located.note;
            assert_eq!(note.buid, Some(manifest.buid), "{name}");
            let orp = note.orp.unwrap();
            assert!(orp.index >= 1 && orp.index <= orp.total, "{name}");
            let time = note.timestamp.unwrap();
            if let Some((row, index, t)) = last {
                if row == located.row {
                    assert_eq!(
                        (orp.index, time),
                        (index, t),
                        "{name}: one record, one header"
                    );
                } else {
                    assert!(orp.index > index, "{name}: ORP goes up");
                    let seconds = (time - t).num_seconds();
                    assert_eq!(
                        seconds,
                        i64::from(located.row - row),
                        "{name}: one second a row"
                    );
                }
            }
            last = Some((located.row, orp.index, time));
        }
    }
}

#[test]
fn the_all_shapes_sample_has_every_shape_and_one_malformed_note() {
    let registry = Registry::builtin();
    let (_, spec) = synth::bundled()
        .into_iter()
        .find(|(n, _)| *n == "information_orientation_all_shapes.xlsx")
        .unwrap();
    assert!(spec.rows >= synth::all_shapes_count());
    let book = Rejected::open(
        &samples_dir().join("information_orientation_all_shapes.xlsx"),
        &registry,
    )
    .unwrap();
    let malformed: Vec<_> = book
        .notes
        .iter()
        .filter(|n| !n.note.is_well_formed())
        .collect();
    assert_eq!(malformed.len(), 1, "{malformed:#?}");
    assert_eq!(
        synth::manifest(&spec, &registry).unwrap().malformed_count(),
        1
    );

    let notes: Vec<&icare_fix::Note> = book.notes.iter().map(|n| &n.note).collect();
    let any = |f: &dyn Fn(&icare_fix::Note) -> bool| notes.iter().any(|n| f(n));
    assert!(
        any(&|n| n.marker.as_deref() == Some("1") && n.rid.is_none()),
        "[1] with empty RID"
    );
    assert!(
        any(&|n| n.raw.contains("[XML:]") && n.fields.is_empty()),
        "empty XML list"
    );
    assert!(
        any(&|n| n.raw.contains("[XML:consent_ind, phone_no]")),
        "codes with a space"
    );
    assert!(
        any(&|n| n.fields.len() == 2 && n.raw.contains(&format!("{},{}", n.fields[0], n.fields[1]))),
        "codes without a space"
    );
    assert!(
        any(&|n| n.fields == ["childminding_NewcomerChildren[1]childminding_age_id"]),
        "a code holding brackets"
    );
    assert!(
        any(&|n| n.raw.ends_with("données.)")),
        "a stray ) at the end"
    );
    assert!(
        any(&|n| n.message_en.contains("letter/digit")),
        "/ inside a message"
    );
    assert!(
        any(&|n| n.message_en.contains("Client's")),
        "straight apostrophe"
    );
    assert!(
        any(&|n| n.message_en.contains("Client’s")),
        "typographic apostrophe"
    );
    assert!(
        book.notes
            .iter()
            .any(|n| n.unlocated == ["client_middle_nme"]),
        "a code the workbook lacks"
    );

    // The notes cells themselves: several notes separated by newline, CRLF, a space and
    // nothing, and whitespace around a note.
    let col = book.notes_column.unwrap().col;
    let cells: Vec<String> = book.data_rows().map(|r| book.value(r.row, col)).collect();
    let joined = |sep: &str| cells.iter().any(|c| c.contains(&format!("{sep}[BUID:")));
    assert!(joined("\r\n"), "CRLF between notes");
    assert!(
        cells.iter().any(|c| c.contains(".\n[BUID:")),
        "newline between notes"
    );
    assert!(
        cells.iter().any(|c| c.contains(". [BUID:")),
        "space between notes"
    );
    assert!(
        cells.iter().any(|c| c.matches("[BUID:").count() == 2
            && (c.contains(".[BUID:") || c.contains("é.[BUID:"))),
        "nothing between notes"
    );
    assert!(
        cells
            .iter()
            .any(|c| c.starts_with("  \n[BUID:") && c.ends_with(" \n ")),
        "whitespace around a note survives the round trip"
    );
    // The three examples of REFERENCE.md, in shape.
    assert!(any(&|n| {
        n.raw.contains("][XML:] (Client) Unable to validate against database. / (Client) Impossible de valider dans la base de données.)")
    }));
    assert!(any(&|n| {
        n.raw.contains("][XML:consent_ind, phone_no] (Profile) Telephone number has not been specified. / (Profil) Le numéro de téléphone n'a pas été indiqué.")
    }));
    assert!(any(
        &|n| n.raw.contains(",RID:,") && n.raw.contains("][1] (Client) Unable to validate")
    ));
}

/// The x14 list validations of a sheet: (formula, sqref).
fn x14_validations(sheet_xml: &str) -> Vec<(String, String)> {
    let re = regex::Regex::new(
        r"<x14:dataValidation type=.list.[^>]*><x14:formula1><xm:f>([^<]*)</xm:f></x14:formula1><xm:sqref>([^<]*)</xm:sqref></x14:dataValidation>",
    )
    .unwrap();
    re.captures_iter(sheet_xml)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

#[test]
fn list_columns_have_x14_validations_with_the_real_ranges() {
    let registry = Registry::builtin();
    for (name, spec) in synth::bundled() {
        let bytes = std::fs::read(samples_dir().join(name)).unwrap();
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml").unwrap();
        let validations = x14_validations(&sheet);
        if !spec.lists {
            assert!(
                validations.is_empty() && !sheet.contains("x14:dataValidations"),
                "{name}"
            );
            assert!(part(&bytes, "xl/worksheets/sheet2.xml").is_none(), "{name}");
            continue;
        }
        let template = registry.template(&spec.template).unwrap();
        let offset = u32::from(spec.layout == Layout::Inserted);
        let expected: Vec<(String, String)> = template
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == icare_fix::template::ValueKind::List)
            .filter_map(|(i, c)| {
                let n = registry.allowed_values(&c.code)?.len();
                let lov = col_name(i as u32);
                let target = col_name(i as u32 + offset);
                Some((
                    format!("LOV!${lov}$3:${lov}${}", n + 2),
                    format!("{target}4:{target}2503"),
                ))
            })
            .collect();
        assert_eq!(validations, expected, "{name}");
        if expected.is_empty() {
            assert!(!sheet.contains("x14:dataValidations"), "{name}");
        } else {
            assert!(
                sheet.contains(&format!(
                    "<x14:dataValidations count=\"{}\"",
                    expected.len()
                )),
                "{name}"
            );
        }
        if spec.template == "information_orientation" {
            // The real 2018 template has 88 list validations; its first is C4:C2503.
            assert_eq!(validations.len(), 88, "{name}");
            assert_eq!(validations[0].0, "LOV!$C$3:$C$5", "{name}");
        }
        // The LOV sheet holds each list where the formula points.
        let mut book: Xlsx<_> = calamine::open_workbook(samples_dir().join(name)).unwrap();
        let lov = book.worksheet_range(synth::LOV_SHEET).unwrap();
        let ids = book.worksheet_range(synth::LOV_IDS_SHEET).unwrap();
        for (formula, _) in &validations {
            let letters: String = formula[5..].chars().take_while(|c| *c != '$').collect();
            let col = parse_col(&letters).unwrap();
            let code = &template.columns[col as usize].code;
            let values = registry.allowed_values(code).unwrap();
            for (k, value) in values.iter().enumerate() {
                let cell = lov
                    .get_value((2 + k as u32, col))
                    .cloned()
                    .unwrap_or(Data::Empty);
                assert_eq!(cell, Data::String(value.value.clone()), "{name} {code}");
                let id = ids
                    .get_value((2 + k as u32, col))
                    .cloned()
                    .unwrap_or(Data::Empty);
                assert_eq!(id, Data::String(value.id.clone()), "{name} {code} id");
            }
            let mandatory = template.columns[col as usize].mandatory;
            assert_eq!(
                lov.get_value((1, col)),
                Some(&Data::String(format!("Mandatory={mandatory};"))),
                "{name} {code}"
            );
        }
    }
}

#[test]
fn header_rows_look_like_the_real_template() {
    let registry = Registry::builtin();
    let row1 = regex::Regex::new(r#"<row r="1"[^>]*>"#).unwrap();
    let row2 = regex::Regex::new(r#"<row r="2"[^>]*>"#).unwrap();
    for (name, spec) in synth::bundled() {
        let path = samples_dir().join(name);
        let bytes = std::fs::read(&path).unwrap();
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml").unwrap();
        let template = registry.template(&spec.template).unwrap();
        let offset = u32::from(spec.layout == Layout::Inserted);
        let ncols = template.columns.len() as u32 + offset;
        let last = col_name(ncols - 1);

        // Row 2 (codes) is hidden; row 1 is tall.
        assert!(
            row2.find(&sheet).unwrap().as_str().contains("hidden=\"1\""),
            "{name}"
        );
        assert!(
            row1.find(&sheet)
                .unwrap()
                .as_str()
                .contains("customHeight=\"1\""),
            "{name}"
        );

        // The title merge spans row 1 from A to the last column.
        let mut book: Xlsx<_> = calamine::open_workbook(&path).unwrap();
        let merges = book.merge_cells_by_sheet_name(synth::DATA_SHEET).unwrap();
        assert_eq!(merges.len(), 1, "{name}");
        assert_eq!(
            (merges[0].start, merges[0].end),
            ((0, 0), (0, ncols - 1)),
            "{name}"
        );
        assert!(
            sheet.contains(&format!("<mergeCell ref=\"A1:{last}1\"/>")),
            "{name}"
        );

        // The title has three lines and names the template; it wraps.
        let range = book.worksheet_range(synth::DATA_SHEET).unwrap();
        let title = range.get_value((0, 0)).unwrap().to_string();
        let lines: Vec<&str> = title.lines().collect();
        assert_eq!(
            lines[0], "Immigration, Refugees and Citizenship Canada",
            "{name}"
        );
        assert_eq!(lines[2], template.title_en, "{name}");

        // Labels: mandatory columns orange, others white, both bold on blue.
        let styles = book.worksheet_style(synth::DATA_SHEET).unwrap();
        for (i, column) in template.columns.iter().enumerate() {
            let col = i as u32 + offset;
            let style = styles
                .get((2, col))
                .unwrap_or_else(|| panic!("{name}: no style"));
            let font = style.font.as_ref().unwrap();
            let color = font.color.unwrap();
            let argb = (color.alpha, color.red, color.green, color.blue);
            let expected = if column.mandatory {
                (0xFF, 0xFF, 0xA5, 0x00)
            } else {
                (0xFF, 0xFF, 0xFF, 0xFF)
            };
            assert_eq!(argb, expected, "{name}: label colour of {}", column.code);
            assert!(font.is_bold(), "{name}");
            let fill = style.fill.as_ref().unwrap();
            let blue = fill.foreground_color.unwrap();
            assert_eq!((blue.red, blue.green, blue.blue), (0, 0, 0xFF), "{name}");
        }
        // Every data cell is formatted as Text (@), except the damaged ones.
        let damaged: Vec<(u32, u32)> = synth::damaged_cells(&spec, &registry)
            .unwrap()
            .iter()
            .map(|d| (d.row, d.col))
            .collect();
        for row in synth::DATA_START..synth::DATA_START + spec.rows as u32 {
            for col in 0..ncols {
                if damaged.contains(&(row, col)) {
                    continue;
                }
                let style = styles.get((row, col)).unwrap();
                let format = style.number_format.as_ref().unwrap();
                assert_eq!(format.format_code, "@", "{name} {}", col_name(col));
            }
        }
    }
}

#[test]
fn data_cells_hold_text_dates_yes_no_and_allowed_values() {
    let registry = Registry::builtin();
    let date = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}$").unwrap();
    for (name, spec) in synth::bundled() {
        if spec.damage {
            continue;
        }
        let book = Rejected::open(&samples_dir().join(name), &registry).unwrap();
        let template = registry.template(&spec.template).unwrap();
        let mut filled: HashMap<&str, usize> = HashMap::new();
        for row in book.data_rows() {
            for (col, value) in &row.cells {
                let Some(code) = book.code(*col) else {
                    continue;
                };
                let Data::String(text) = value else {
                    panic!(
                        "{name} {}: not text: {value:?}",
                        icare_fix::workbook::cell_name(row.row, *col)
                    );
                };
                let column = template.column(code).unwrap();
                *filled.entry(code).or_default() += 1;
                use icare_fix::template::ValueKind::*;
                match column.kind {
                    Date => assert!(date.is_match(text), "{name} {code}: {text}"),
                    YesNo => assert!(text == "Yes" || text == "No", "{name} {code}: {text}"),
                    Identifier => {
                        assert!(text.len() == 8 || text.len() == 10, "{name} {code}: {text}");
                        assert!(text.bytes().all(|b| b.is_ascii_digit()), "{name} {code}");
                    }
                    List => {
                        let allowed = registry.allowed_values(code).unwrap();
                        // A note saying a list value is not valid comes with such a value.
                        let flagged = book
                            .notes
                            .iter()
                            .any(|n| n.row == row.row && n.cells.iter().any(|c| c.col == *col));
                        assert!(
                            allowed.iter().any(|v| &v.value == text) || flagged,
                            "{name} {code}: {text:?} is not allowed"
                        );
                    }
                    Text => {}
                }
            }
        }
        // Mandatory columns are mostly filled (a note may empty one).
        for column in template.columns.iter().filter(|c| c.mandatory) {
            let n = filled.get(column.code.as_str()).copied().unwrap_or(0);
            assert!(
                n * 2 >= spec.rows,
                "{name}: {} filled in {n} rows",
                column.code
            );
        }
        // Phone numbers are fictional 555-01xx numbers.
        for row in book.data_rows() {
            let phone = book.field(row.row, "phone_no");
            if !phone.is_empty() {
                assert!(phone[3..].starts_with("-555-01"), "{name}: {phone}");
            }
        }
    }
}

#[test]
fn the_inline_strings_sample_uses_inline_strings_only() {
    for (name, spec) in synth::bundled() {
        let bytes = std::fs::read(samples_dir().join(name)).unwrap();
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml").unwrap();
        match spec.strings {
            Strings::Inline => {
                assert!(sheet.contains("t=\"inlineStr\""), "{name}");
                assert!(!sheet.contains("t=\"s\""), "{name}");
                assert!(part(&bytes, "xl/sharedStrings.xml").is_none(), "{name}");
                let types = part(&bytes, "[Content_Types].xml").unwrap();
                assert!(!types.contains("sharedStrings"), "{name}");
            }
            Strings::Shared => {
                assert!(!sheet.contains("inlineStr"), "{name}");
                let sst = part(&bytes, "xl/sharedStrings.xml").unwrap();
                assert!(sst.contains("uniqueCount="), "{name}");
            }
        }
    }
}

#[test]
fn damaged_cells_are_damaged_as_the_manifest_says() {
    let registry = Registry::builtin();
    let (name, spec) = synth::bundled()
        .into_iter()
        .find(|(_, s)| s.damage)
        .unwrap();
    let damage = synth::damaged_cells(&spec, &registry).unwrap();
    for kind in [
        DamageKind::DateSerial,
        DamageKind::DateSerialIso,
        DamageKind::IdentifierNumber,
        DamageKind::ListApostrophe,
        DamageKind::ListCase,
        DamageKind::ListSpaces,
    ] {
        assert!(damage.iter().any(|d| d.kind == kind), "{name}: no {kind:?}");
    }
    let book = Rejected::open(&samples_dir().join(name), &registry).unwrap();
    for d in &damage {
        assert_eq!(book.code(d.col), Some(d.code.as_str()), "{d:?}");
        let cell = book.grid.row(d.row).and_then(|r| r.get(d.col)).cloned();
        match d.kind {
            DamageKind::DateSerial | DamageKind::DateSerialIso => {
                let Some(Data::DateTime(dt)) = cell else {
                    panic!("{d:?}: {cell:?}")
                };
                let date = dt.as_datetime().unwrap().date();
                assert_eq!(date.format("%Y-%m-%d").to_string(), d.original, "{d:?}");
            }
            DamageKind::IdentifierNumber => {
                let Some(Data::Float(f)) = cell else {
                    panic!("{d:?}: {cell:?}")
                };
                assert_eq!(icare_fix::workbook::format_number(f), d.original, "{d:?}");
            }
            _ => {
                let Some(Data::String(s)) = cell else {
                    panic!("{d:?}: {cell:?}")
                };
                assert_eq!(s, d.stored, "{d:?}");
                assert_ne!(s, d.original, "{d:?}");
                let fold = |t: &str| t.trim().to_lowercase().replace('\u{2019}', "'");
                assert_eq!(fold(&s), fold(&d.original), "{d:?}");
                let allowed = registry.allowed_values(&d.code).unwrap();
                assert!(allowed.iter().any(|v| v.value == d.original), "{d:?}");
            }
        }
    }
    // Without damage nothing is damaged, and every cell is text.
    let clean = Spec {
        damage: false,
        ..spec.clone()
    };
    assert!(synth::damaged_cells(&clean, &registry).unwrap().is_empty());
}

#[test]
fn the_inserted_layout_moves_everything_right_by_one() {
    let registry = Registry::builtin();
    let native = Spec::new("information_orientation", 6);
    let inserted = Spec {
        layout: Layout::Inserted,
        ..native.clone()
    };
    let (_d1, p1, m1) = generate(&native, &registry);
    let (_d2, p2, m2) = generate(&inserted, &registry);
    assert_eq!((m1.notes_col, m1.template_offset), (0, 0));
    assert_eq!((m2.notes_col, m2.template_offset), (0, 1));
    assert_eq!(m2.columns, m1.columns + 1);
    let a = Rejected::open(&p1, &registry).unwrap();
    let b = Rejected::open(&p2, &registry).unwrap();
    assert_eq!(b.notes_column.unwrap().layout, Layout::Inserted);
    // Same data, one column to the right; the template's own Processing Details stays empty.
    for (ra, rb) in a.data_rows().zip(b.data_rows()) {
        for col in 1..m1.columns {
            assert_eq!(a.value(ra.row, col), b.value(rb.row, col + 1));
        }
        assert_eq!(a.value(ra.row, 0), b.value(rb.row, 0), "the notes");
        assert_eq!(b.value(rb.row, 1), "", "processing_details stays empty");
    }
    let sheet = part(&std::fs::read(&p2).unwrap(), "xl/worksheets/sheet1.xml").unwrap();
    assert!(sheet.contains("<col min=\"96\" max=\"96\""));
    let validations = x14_validations(&sheet);
    assert_eq!(
        validations[0],
        ("LOV!$C$3:$C$5".to_string(), "D4:D2503".to_string())
    );
}

#[test]
fn every_template_generates_in_every_variant() {
    let registry = Registry::builtin();
    for template in registry.templates() {
        for (k, notes) in [NoteSet::None, NoteSet::Typical, NoteSet::AllShapes]
            .into_iter()
            .enumerate()
        {
            let spec = Spec {
                template: template.id.clone(),
                rows: 18,
                layout: if k == 1 {
                    Layout::Inserted
                } else {
                    Layout::Native
                },
                strings: if k == 2 {
                    Strings::Inline
                } else {
                    Strings::Shared
                },
                lists: k != 0,
                notes,
                damage: k == 1,
                every_value: false,
                seed: 99 + k as u64,
            };
            let (_dir, path, manifest) = generate(&spec, &registry);
            let book = Rejected::open(&path, &registry).unwrap();
            assert_eq!(
                book.template.as_deref(),
                Some(template.id.as_str()),
                "{spec:?}"
            );
            assert_eq!(book.notes.len(), manifest.note_count(), "{spec:?}");
            assert_eq!(
                book.notes
                    .iter()
                    .filter(|n| !n.note.is_well_formed())
                    .count(),
                manifest.malformed_count(),
                "{spec:?}"
            );
            assert_eq!(manifest, synth::manifest(&spec, &registry).unwrap());
        }
    }
}

#[test]
fn zero_rows_give_the_header_rows_only() {
    let registry = Registry::builtin();
    let spec = Spec::new("client_profile", 0);
    let (_dir, path, manifest) = generate(&spec, &registry);
    assert_eq!(manifest.note_count(), 0);
    let book = Rejected::open(&path, &registry).unwrap();
    assert_eq!(book.row_count(), 0);
    assert_eq!(book.template.as_deref(), Some("client_profile"));
}

#[test]
fn write_replaces_an_existing_file_atomically() {
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.xlsx");
    std::fs::write(&path, b"old").unwrap();
    synth::write(&Spec::new("client_profile", 3), &registry, &path).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        synth::to_bytes(&Spec::new("client_profile", 3), &registry).unwrap()
    );
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file is left");
}

#[test]
fn damage_changes_only_the_damaged_cells() {
    let registry = Registry::builtin();
    for template in ["information_orientation", "client_profile", "employment"] {
        let damaged = Spec {
            damage: true,
            seed: 5,
            ..Spec::new(template, 30)
        };
        let clean = Spec {
            damage: false,
            ..damaged.clone()
        };
        let (_d1, p1, m1) = generate(&damaged, &registry);
        let (_d2, p2, m2) = generate(&clean, &registry);
        assert!(!m1.damage.is_empty() && m2.damage.is_empty());
        assert_eq!(m1.note_cells, m2.note_cells, "{template}: same notes");
        let a = Rejected::open(&p1, &registry).unwrap();
        let b = Rejected::open(&p2, &registry).unwrap();
        for row in synth::DATA_START..synth::DATA_START + 30 {
            for col in 0..m1.columns {
                let (va, vb) = (a.value(row, col), b.value(row, col));
                match m1.damage.iter().find(|d| (d.row, d.col) == (row, col)) {
                    Some(d) => assert_eq!(vb, d.original, "{template} {d:?}"),
                    None => assert_eq!(va, vb, "{template} row {} col {col}", row + 1),
                }
            }
        }
    }
}

#[test]
fn a_spec_past_excels_last_row_is_refused() {
    let registry = Registry::builtin();
    let spec = Spec::new("client_profile", synth::MAX_ROWS + 1);
    let err = synth::to_bytes(&spec, &registry).unwrap_err().to_string();
    assert!(err.contains("do not fit"), "{err}");
}
