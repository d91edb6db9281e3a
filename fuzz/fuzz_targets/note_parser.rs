//! Fuzz target `note_parser`: arbitrary bytes, read as UTF-8 (lossy), go through
//! `icare_fix::parse_cell`, and the parser's promises are checked:
//! - it never panics (on any text, and neither does rendering any note it returns);
//! - no text is lost: every non-blank character of the cell is in some note's raw text, in
//!   order;
//! - a well-formed note, rendered and parsed again, gives the same note back.

#![no_main]

use icare_fix::{Note, parse_cell, parse_note};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let notes = parse_cell(&text);

    let kept: String = notes
        .iter()
        .flat_map(|n| n.raw.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let given: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert_eq!(kept, given, "text was lost while splitting the cell");

    for note in &notes {
        let rendered = note.render();
        if note.is_well_formed() {
            let again = parse_note(&rendered);
            assert_eq!(
                without_raw(&again),
                without_raw(note),
                "render -> parse changed a well-formed note; rendered: {rendered:?}"
            );
            assert_eq!(again.raw, rendered.trim());
        }
    }
});

fn without_raw(note: &Note) -> Note {
    Note {
        raw: Default::default(),
        ..note.clone()
    }
}
