//! Every note shape seen or expected, table-driven, plus property tests: the parser never
//! panics, and a rendered note parses back to the same note.

use super::*;
use proptest::prelude::*;
use rstest::rstest;

const PHONE: &str = "[BUID:62957,RID:43432228,ORP:6/37,DTS:2015-04-13 13:18:23][XML:consent_ind, phone_no] (Profile) Telephone number has not been specified. / (Profil) Le numéro de téléphone n'a pas été indiqué.";
const IDENTITY_2015: &str = "[BUID:62957,RID:91670490,ORP:1/37,DTS:2015-04-13 13:18:22][XML:] (Client) Unable to validate against database. / (Client) Impossible de valider dans la base de données.)";
const IDENTITY_2018: &str = "[BUID:305939,RID:,ORP:4/5,DTS:2018-08-07 10:05:04][1] (Client) Unable to validate against database. / (Client) Impossible de valider dans la base de données.";

/// (case, text, buid, rid, orp, fields, marker, entity_en, message_en, entity_fr, message_fr)
type Expected<'a> = (
    Option<u64>,
    Option<u64>,
    Option<(u64, u64)>,
    Vec<&'a str>,
    Option<&'a str>,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
);

#[rstest]
#[case::phone_example(PHONE, (Some(62957), Some(43432228), Some((6, 37)), vec!["consent_ind", "phone_no"], None, "Profile", "Telephone number has not been specified.", "Profil", "Le numéro de téléphone n'a pas été indiqué."))]
#[case::identity_with_stray_paren(IDENTITY_2015, (Some(62957), Some(91670490), Some((1, 37)), vec![], None, "Client", "Unable to validate against database.", "Client", "Impossible de valider dans la base de données."))]
#[case::marker_instead_of_xml_and_empty_rid(IDENTITY_2018, (Some(305939), None, Some((4, 5)), vec![], Some("1"), "Client", "Unable to validate against database.", "Client", "Impossible de valider dans la base de données."))]
#[case::codes_without_space(
    "[BUID:1,RID:2,ORP:3/4,DTS:2020-01-02 03:04:05][XML:consent_ind,phone_no] (Profile) X. / (Profil) Y.",
    (Some(1), Some(2), Some((3, 4)), vec!["consent_ind", "phone_no"], None, "Profile", "X.", "Profil", "Y.")
)]
#[case::codes_holding_brackets(
    "[BUID:1,RID:,ORP:3/4,DTS:2020-01-02 03:04:05][XML:childminding_NewcomerChildren[1]childminding_age_id, childminding_NewcomerChildren[2]childminding_type_id] (Service) Age is invalid. / (Service) L'âge n'est pas valide.",
    (Some(1), None, Some((3, 4)), vec!["childminding_NewcomerChildren[1]childminding_age_id", "childminding_NewcomerChildren[2]childminding_type_id"], None, "Service", "Age is invalid.", "Service", "L'âge n'est pas valide.")
)]
#[case::slash_inside_the_message(
    "[BUID:9,RID:8,ORP:1/2,DTS:2020-01-02 03:04:05][XML:unit_txt] (Profile) Unit/Suite/Apt is too long. / (Profil) Unité/Bureau/App. est trop long.",
    (Some(9), Some(8), Some((1, 2)), vec!["unit_txt"], None, "Profile", "Unit/Suite/Apt is too long.", "Profil", "Unité/Bureau/App. est trop long.")
)]
#[case::typographic_apostrophe(
    "[BUID:9,RID:8,ORP:1/2,DTS:2020-01-02 03:04:05][XML:phone_no] (Profile) Telephone number has not been specified. / (Profil) Le numéro de téléphone n’a pas été indiqué.",
    (Some(9), Some(8), Some((1, 2)), vec!["phone_no"], None, "Profile", "Telephone number has not been specified.", "Profil", "Le numéro de téléphone n’a pas été indiqué.")
)]
#[case::whitespace_around("  \t[BUID:9,RID:,ORP:1/2,DTS:2020-01-02 03:04:05][XML:] (Client) A. / (Client) B.  \r\n",
    (Some(9), None, Some((1, 2)), vec![], None, "Client", "A.", "Client", "B."))]
#[case::parentheses_inside_the_message(
    "[BUID:9,RID:,ORP:1/2,DTS:2020-01-02 03:04:05][XML:x] (Service) The length (hours) is wrong. / (Service) La durée (heures) est erronée.",
    (Some(9), None, Some((1, 2)), vec!["x"], None, "Service", "The length (hours) is wrong.", "Service", "La durée (heures) est erronée.")
)]
fn parses_every_known_shape(#[case] text: &str, #[case] expected: Expected) {
    let (buid, rid, orp, fields, marker, entity_en, message_en, entity_fr, message_fr) = expected;
    let note = parse_note(text);
    assert_eq!(note.problem, None, "{text}");
    assert_eq!(note.buid, buid);
    assert_eq!(note.rid, rid);
    assert_eq!(note.orp.map(|o| (o.index, o.total)), orp);
    assert_eq!(note.fields, fields);
    assert_eq!(note.marker.as_deref(), marker);
    assert_eq!(note.entity_en, entity_en);
    assert_eq!(note.message_en, message_en);
    assert_eq!(note.entity_fr, entity_fr);
    assert_eq!(note.message_fr, message_fr);
    assert_eq!(note.raw, text.trim());
    assert!(note.timestamp.is_some());
}

#[test]
fn timestamp_is_read() {
    let note = parse_note(PHONE);
    assert_eq!(
        note.timestamp.unwrap().to_string(),
        "2015-04-13 13:18:23".to_string()
    );
}

#[rstest]
#[case::newline("\n")]
#[case::crlf("\r\n")]
#[case::space(" ")]
#[case::nothing("")]
#[case::blank_lines("\r\n\r\n  ")]
fn splits_several_notes_in_one_cell(#[case] between: &str) {
    let cell = format!("{PHONE}{between}{IDENTITY_2018}{between}{IDENTITY_2015}");
    let notes = parse_cell(&cell);
    assert_eq!(notes.len(), 3, "{cell:?}");
    assert_eq!(notes[0].fields, ["consent_ind", "phone_no"]);
    assert_eq!(
        notes[0].message_fr,
        "Le numéro de téléphone n'a pas été indiqué."
    );
    assert_eq!(notes[1].marker.as_deref(), Some("1"));
    assert_eq!(notes[2].rid, Some(91670490));
    assert!(notes.iter().all(|n| n.problem.is_none()));
}

#[rstest]
#[case::no_header("Please fix this row", "does not start")]
#[case::broken_header("[BUID:12,RID:,ORP:x/y] (Client) Oops.", "malformed")]
#[case::unclosed_list(
    "[BUID:1,RID:,ORP:1/1,DTS:2020-01-02 03:04:05][XML:phone_no (Profile) A. / (Profil) B.",
    "not closed"
)]
#[case::no_french(
    "[BUID:1,RID:,ORP:1/1,DTS:2020-01-02 03:04:05][XML:phone_no] (Profile) Only English.",
    "French half"
)]
#[case::impossible_date(
    "[BUID:1,RID:,ORP:1/1,DTS:2020-13-45 03:04:05][XML:] (Client) A. / (Client) B.",
    "not a real date"
)]
fn keeps_what_it_cannot_parse_with_the_reason(#[case] text: &str, #[case] reason: &str) {
    let notes = parse_cell(text);
    assert_eq!(notes.len(), 1);
    let problem = notes[0].problem.as_deref().expect("a problem is reported");
    assert!(problem.contains(reason), "{problem}");
    assert_eq!(notes[0].raw, text.trim());
}

#[test]
fn text_before_the_first_note_is_kept() {
    let notes = parse_cell(&format!("see below\n{PHONE}"));
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0].raw, "see below");
    assert!(notes[0].problem.is_some());
    assert!(notes[1].problem.is_none());
}

#[test]
fn blank_cells_have_no_notes() {
    assert!(parse_cell("").is_empty());
    assert!(parse_cell(" \r\n\t").is_empty());
}

#[test]
fn rendering_the_examples_gives_them_back() {
    for text in [PHONE, IDENTITY_2018] {
        assert_eq!(parse_note(text).render(), text);
    }
    // The stray parenthesis is not part of the message, so it is not rendered.
    assert_eq!(
        parse_note(IDENTITY_2015).render(),
        IDENTITY_2015.trim_end_matches(')')
    );
}

fn code() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z_]{0,20}",
        "[a-z][a-zA-Z_]{0,10}\\[[0-9]\\][a-z_]{1,10}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    // Message text as iCARE writes it: letters, accents, apostrophes of both kinds, slashes
    // without a following parenthesised entity, periods. Never empty, never padded.
    "[A-Za-zéèàçôÉ'’][A-Za-zéèàçôÉ'’ ./,-]{0,40}[A-Za-zé.]"
}

fn entity() -> impl Strategy<Value = String> {
    "[A-Z][a-zé]{1,12}"
}

prop_compose! {
    fn well_formed_note()(
        buid in 0u64..10_000_000,
        rid in proptest::option::of(0u64..100_000_000),
        index in 1u64..3000,
        total in 1u64..3000,
        secs in 0i64..2_000_000_000,
        marker in proptest::option::of("[0-9]{1,2}"),
        fields in proptest::collection::vec(code(), 0..4),
        entity_en in entity(), message_en in text(),
        entity_fr in entity(), message_fr in text(),
    ) -> Note {
        let timestamp = chrono::DateTime::from_timestamp(secs, 0).map(|t| t.naive_utc());
        let fields = if marker.is_some() { Vec::new() } else { fields };
        let mut note = Note {
            buid: Some(buid), rid, orp: Some(Orp { index, total }), timestamp,
            fields: fields.iter().map(ArcStr::from).collect(), marker,
            entity_en: entity_en.into(), message_en: message_en.into(),
            entity_fr: entity_fr.into(), message_fr: message_fr.into(),
            raw: ArcStr::new(), problem: None,
        };
        note.raw = note.render().into();
        note
    }
}

proptest! {
    #[test]
    fn never_panics_on_any_text(s in "\\PC*") {
        let _ = parse_cell(&s);
    }

    #[test]
    fn never_panics_on_note_like_text(s in "(\\[BUID:[0-9,]{0,4}|RID:|ORP:[0-9/]{0,4}|DTS:|\\[XML:|\\]|\\[|\\(|\\)| / |[a-z ]{0,5}|\r\n){0,12}") {
        let notes = parse_cell(&s);
        prop_assert_eq!(count_in_cell(&s), notes.len());
        // No text is lost: every non-blank character of the cell is in some note's raw text.
        let kept: usize = notes.iter().map(|n| n.raw.chars().filter(|c| !c.is_whitespace()).count()).sum();
        prop_assert_eq!(kept, s.chars().filter(|c| !c.is_whitespace()).count());
    }

    #[test]
    fn a_rendered_note_parses_back_to_the_same_note(note in well_formed_note()) {
        let parsed = parse_note(&note.render());
        prop_assert_eq!(parsed, note);
    }

    #[test]
    fn rendered_notes_in_one_cell_split_back(notes in proptest::collection::vec(well_formed_note(), 1..5), sep in "(\n|\r\n| |)") {
        let cell: Vec<String> = notes.iter().map(Note::render).collect();
        let parsed = parse_cell(&cell.join(&sep));
        prop_assert_eq!(parsed, notes);
    }
}

/// Regression (note_parser fuzz target, crash-da35cc28): an ORP too long for a number was
/// dropped silently and the note still counted as well-formed, so rendering it gave a header
/// that no longer parsed.
#[rstest]
#[case::orp(
    "[BUID:305939,RID:,ORP:488888888888888888888888888/5,DTS:2018-08-25 10:05:04][1] (Client) A. / (Client) B.",
    "(ORP) is too long"
)]
#[case::rid(
    "[BUID:305939,RID:99999999999999999999999,ORP:1/5,DTS:2018-08-25 10:05:04][1] (Client) A. / (Client) B.",
    "(RID) is too long"
)]
#[case::buid(
    "[BUID:99999999999999999999999,RID:,ORP:1/5,DTS:2018-08-25 10:05:04][1] (Client) A. / (Client) B.",
    "(BUID) is too long"
)]
fn numbers_too_long_are_a_problem_not_a_silent_loss(#[case] text: &str, #[case] problem: &str) {
    let note = parse_note(text);
    assert!(
        note.problem.as_deref().is_some_and(|p| p.contains(problem)),
        "{:?}",
        note.problem
    );
    assert!(!note.is_well_formed());
    assert_eq!(note.raw, text);
}

/// Regression (note_parser fuzz target, crash-a7b1cddd): an empty French half `/ ()` counted
/// as well-formed, but rendering drops it, so the note did not parse back the same.
#[test]
fn an_empty_french_half_is_a_problem() {
    let text = "[BUID:1,RID:,ORP:1/4,DTS:2020-01-02 03:04:05][XML:a_type_id] (Service) Aid. / ()";
    let note = parse_note(text);
    assert_eq!(
        note.problem.as_deref(),
        Some("the French half of the message is empty")
    );
    assert_eq!(note.message_en, "Aid.");
    assert_eq!(note.raw, text);
}

/// Regression (note_parser fuzz target, crash-6d553d07): `[ XML:a,b]` with a space was read
/// as a `[1]`-style marker, and rendered back as `[XML:a,b]`, a different note.
#[test]
fn a_space_before_xml_is_still_the_field_list() {
    let note = parse_note(
        "[BUID:9,RID:,ORP:1/2,DTS:2020-01-02 03:04:05][ XML:a,b] (Client) A. / (Client) B.",
    );
    assert_eq!(note.fields, ["a", "b"]);
    assert_eq!(note.marker, None);
    assert_eq!(parse_note(&note.render()).fields, ["a", "b"]);
}

/// Regression (note_parser fuzz target, crash-50ca2bc5): with an unmatched `)` earlier in the
/// message, each parse of `(Client))` dropped one more `)`, so a rendered note did not parse
/// back the same.
#[rstest]
#[case::after_an_unmatched_paren("Un) texte (Client))", "Un) texte (Client)")]
#[case::real_stray(
    "Impossible de valider dans la base de données.)",
    "Impossible de valider dans la base de données."
)]
#[case::two_strays("A.))", "A.")]
#[case::balanced("La durée (heures)", "La durée (heures)")]
fn a_stray_paren_goes_once_and_for_all(#[case] message: &str, #[case] kept: &str) {
    let text = format!(
        "[BUID:1,RID:,ORP:1/2,DTS:2020-01-02 03:04:05][XML:] (Client) A. / (Client) {message}"
    );
    let note = parse_note(&text);
    assert_eq!(note.message_fr, kept);
    assert_eq!(parse_note(&note.render()).message_fr, kept);
}
