//! Mapping notes to cells on every bundled sample, and the JSON of `errors` on one: the
//! generator's manifest says what each sample holds, the reader must find it.

use icare_fix::{Registry, Rejected};
use icare_synth::{self as synth, NoteSet};

use crate::common::{icare_fix, sample};

#[test]
fn every_sample_maps_each_code_to_its_column_through_the_codes_row() {
    let registry = Registry::builtin();
    for (name, spec) in synth::bundled() {
        let manifest = synth::manifest(&spec, &registry).unwrap();
        let book = Rejected::open(&sample(name), &registry).unwrap();
        let template = registry.template(&spec.template).unwrap();
        assert_eq!(
            book.template.as_deref(),
            Some(spec.template.as_str()),
            "{name}"
        );
        assert_eq!(book.notes.len(), manifest.note_count(), "{name}");
        assert_eq!(book.row_count(), manifest.rows, "{name}");
        let notes_column = book.notes_column.unwrap();
        assert_eq!(notes_column.col, manifest.notes_col, "{name}");
        assert_eq!(notes_column.layout, manifest.layout, "{name}");
        let malformed = book
            .notes
            .iter()
            .filter(|n| n.note.problem.is_some())
            .count();
        assert_eq!(malformed, manifest.malformed_count(), "{name}");
        for note in &book.notes {
            for cell in &note.cells {
                // The cell is in the note's row, under the column whose code is the field.
                assert_eq!(book.code(cell.col), Some(cell.code.as_str()), "{name}");
                assert_eq!(
                    manifest.column_of(template, &cell.code),
                    Some(cell.col),
                    "{name}: {}",
                    cell.code
                );
            }
            // Every field the note names is either located or reported as not located.
            let mut named: Vec<&str> = note.cells.iter().map(|c| c.code.as_str()).collect();
            named.extend(note.unlocated.iter().map(|c| c.as_str()));
            if !note.note.fields.is_empty() {
                let mut fields: Vec<&str> = note.note.fields.iter().map(|c| c.as_str()).collect();
                fields.sort();
                named.sort();
                assert_eq!(named, fields, "{name}: {}", note.note.raw);
            }
            for code in &note.unlocated {
                assert!(template.column(code).is_none(), "{name}: {code} exists");
            }
            if note.category == icare_fix::Category::Identity && note.note.fields.is_empty() {
                let codes: Vec<&str> = note.cells.iter().map(|c| c.code.as_str()).collect();
                let expected: Vec<&str> = [
                    "client_validation_type_id",
                    "client_validation_id",
                    "client_birth_dt",
                ]
                .into_iter()
                .filter(|c| template.column(c).is_some())
                .collect();
                assert_eq!(codes, expected, "{name}");
            }
        }
    }
}

#[test]
fn the_all_shapes_sample_covers_every_shape() {
    let registry = Registry::builtin();
    let (name, spec) = synth::bundled()
        .into_iter()
        .find(|(_, s)| s.notes == NoteSet::AllShapes)
        .unwrap();
    let book = Rejected::open(&sample(name), &registry).unwrap();
    let notes: Vec<&icare_fix::Note> = book.notes.iter().map(|n| &n.note).collect();
    assert!(notes.iter().any(|n| n.marker.as_deref() == Some("1")));
    assert!(notes.iter().any(|n| n.rid.is_none() && n.problem.is_none()));
    assert!(
        notes
            .iter()
            .any(|n| n.fields.iter().any(|f| f.contains('[')))
    );
    assert!(
        notes
            .iter()
            .any(|n| n.message_en.contains("Unit/Suite/Apt") || n.message_en.contains('/'))
    );
    assert!(notes.iter().any(|n| n.message_fr.contains('’')));
    assert!(book.notes.iter().any(|n| !n.unlocated.is_empty()));
    // Several notes in one cell.
    let mut rows: Vec<u32> = book.notes.iter().map(|n| n.row).collect();
    let total = rows.len();
    rows.dedup();
    assert!(rows.len() < total, "no cell holds several notes");
    assert_eq!(spec.layout, icare_fix::Layout::Native);
}

#[test]
fn errors_json_of_a_sample_matches_what_the_generator_wrote() {
    let registry = Registry::builtin();
    let (name, spec) = synth::bundled()
        .into_iter()
        .find(|(n, _)| *n == "client_profile.xlsx")
        .unwrap();
    let manifest = synth::manifest(&spec, &registry).unwrap();
    let out = icare_fix()
        .args(["errors", "--format", "json"])
        .arg(sample(name))
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["template"], "client_profile");
    assert_eq!(json["sheet"], synth::DATA_SHEET);
    assert_eq!(
        json["notes_column"],
        serde_json::json!({"column": "A", "layout": "native"})
    );
    assert_eq!(json["rows"], manifest.rows);
    let notes = json["notes"].as_array().unwrap();
    assert_eq!(notes.len(), manifest.note_count());
    let cells = manifest
        .note_cells
        .iter()
        .flat_map(|c| std::iter::repeat_n(c, c.notes));
    for (note, cell) in notes.iter().zip(cells) {
        assert_eq!(note["row"], cell.row + 1);
        assert_eq!(note["buid"], manifest.buid);
        assert!(cell.text.contains(note["raw"].as_str().unwrap()));
        assert!(note["timestamp"].as_str().unwrap().contains('T'));
        for key in [
            "entity_en",
            "message_en",
            "entity_fr",
            "message_fr",
            "category",
        ] {
            assert!(
                note[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key}: {note}"
            );
        }
        assert_eq!(
            note["cells"].as_array().unwrap().len(),
            note["cell_fields"].as_array().unwrap().len()
        );
    }
}

/// A message repeated over many notes is held once, and a book read for its notes only holds
/// each note's text once (in the note, no longer in its grid): what keeps `errors` and the
/// checklist small on a large file. Read both ways, the notes are the same.
#[test]
fn repeated_note_texts_are_held_once_and_notes_read_alone_match_the_whole_read() {
    use calamine::Data;
    use icare_fix::note::ArcStr;

    let registry = Registry::builtin();
    let whole = Rejected::open(&sample("client_profile.xlsx"), &registry).unwrap();
    let noted = Rejected::open_notes(&sample("client_profile.xlsx"), &registry).unwrap();
    assert_eq!(whole.notes.len(), noted.notes.len());
    for (w, n) in whole.notes.iter().zip(&noted.notes) {
        assert_eq!(w.note, n.note);
        assert_eq!(w.cells, n.cells);
        assert_eq!(w.row, n.row);
    }
    let mut shared = 0;
    for book in [&whole, &noted] {
        for a in &book.notes {
            for b in &book.notes {
                if a.note.message_en == b.note.message_en {
                    assert!(ArcStr::ptr_eq(&a.note.message_en, &b.note.message_en));
                    assert!(ArcStr::ptr_eq(&a.note.message_fr, &b.note.message_fr));
                    shared += 1;
                }
            }
        }
    }
    assert!(
        shared > 2 * whole.notes.len(),
        "the sample repeats messages"
    );
    // The whole read keeps the notes column (it is written back); the notes-only read does not.
    let col = noted.notes_column.unwrap().col;
    let text_at = |book: &Rejected, row: u32| match book.grid.row(row).and_then(|r| r.get(col)) {
        Some(Data::String(s)) => s.clone(),
        _ => String::new(),
    };
    for located in &noted.notes {
        assert!(text_at(&whole, located.row).contains(&*located.note.raw));
        assert_eq!(text_at(&noted, located.row), "");
    }
}
