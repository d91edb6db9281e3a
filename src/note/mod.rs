//! iCARE error notes: the grammar, the parser and the renderer.
//!
//! iCARE writes one note per rejected row into the Processing Details cell:
//!
//! ```text
//! [BUID:62957,RID:43432228,ORP:6/37,DTS:2015-04-13 13:18:23][XML:consent_ind, phone_no] (Profile) Telephone number has not been specified. / (Profil) Le numéro de téléphone n'a pas été indiqué.
//! ```
//!
//! [`parse_cell`] splits a cell into its notes (at each `[BUID:`) and parses each one into a
//! [`Note`]. The parser is lenient and total: it never fails and never panics. A note that
//! does not fit the grammar is kept with its raw text and the reason in [`Note::problem`], so
//! nothing a user needs to see is ever dropped. [`Note::render`] writes a note back in
//! iCARE's form; parsing a rendered note gives the same note.
//!
//! Mapping notes to cells is the job of [`crate::workbook`]; the message catalogue and the
//! categories live in [`crate::template`] and [`category`].

mod category;

pub use category::Category;

use std::fmt::Write as _;
use std::sync::LazyLock;

use std::collections::HashSet;

pub use arcstr::ArcStr;
use chrono::NaiveDateTime;
use regex::Regex;
use serde::Serialize;

/// Position of the record in the original upload: `ORP:6/37` is record 6 of 37.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Orp {
    /// 1-based position of the record in the upload.
    pub index: u64,
    /// Number of records in the upload.
    pub total: u64,
}

/// One parsed iCARE error note.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Note {
    /// Bulk upload id (`BUID`): the same for every note of one uploaded file.
    pub buid: Option<u64>,
    /// iCARE record id (`RID`); often empty.
    pub rid: Option<u64>,
    /// Position of the record in the original upload (`ORP`).
    pub orp: Option<Orp>,
    /// When iCARE processed the record (`DTS`).
    pub timestamp: Option<NaiveDateTime>,
    /// Field codes from `[XML:...]`, in the note's order.
    pub fields: Vec<ArcStr>,
    /// The number in a `[1]`-style second bracket, which some notes carry instead of
    /// `[XML:...]`.
    pub marker: Option<String>,
    /// English entity, e.g. `Profile`.
    pub entity_en: ArcStr,
    /// English message.
    pub message_en: ArcStr,
    /// French entity, e.g. `Profil`.
    pub entity_fr: ArcStr,
    /// French message.
    pub message_fr: ArcStr,
    /// The note exactly as it stood in the cell, trimmed.
    pub raw: ArcStr,
    /// Why the note does not fully fit the grammar; `None` when it does.
    pub problem: Option<String>,
}

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\[\s*BUID\s*:\s*(\d*)\s*,\s*RID\s*:\s*(\d*)\s*,\s*ORP\s*:\s*(\d+)\s*/\s*(\d+)\s*,\s*DTS\s*:\s*(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})\s*\]",
    )
    .expect("valid header regex")
});

/// ` / (Entity FR) `: the separator between the English and French halves.
static FR_SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*/\s*\(([^()]*)\)\s*").expect("valid separator regex"));

const NOTE_START: &str = "[BUID:";

/// The texts notes repeat (entities, messages, field codes), each held once however many
/// notes carry it: a file of 10,000 rejected rows has a few dozen different messages.
#[derive(Debug, Default)]
pub struct Texts {
    held: HashSet<ArcStr>,
}

impl Texts {
    /// The shared copy of `text`.
    pub fn get(&mut self, text: &str) -> ArcStr {
        if let Some(held) = self.held.get(text) {
            return held.clone();
        }
        let held = ArcStr::from(text);
        self.held.insert(held.clone());
        held
    }
}

/// True when `text` holds at least one iCARE note (an `[BUID:` header).
pub fn contains_note(text: &str) -> bool {
    // Called on every text cell of a sheet: a searcher built once.
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(NOTE_START));
    FINDER.find(text.as_bytes()).is_some()
}

/// Splits a Processing Details cell into its notes and parses each.
///
/// Notes are split at each `[BUID:`, whatever stands between them (newline, CRLF, space or
/// nothing). Text before the first note is kept as a note of its own with a problem, so no
/// text is lost. An empty or blank cell gives no notes.
pub fn parse_cell(text: &str) -> Vec<Note> {
    parse_cell_with(text, &mut Texts::default())
}

/// [`parse_cell`] with the repeated texts shared through `texts`.
pub fn parse_cell_with(text: &str, texts: &mut Texts) -> Vec<Note> {
    split_cell(text)
        .map(|n| parse_note_with(n, texts))
        .collect()
}

/// How many notes [`parse_cell`] finds in a cell, without parsing them.
pub fn count_in_cell(text: &str) -> usize {
    split_cell(text).count()
}

/// The notes of a cell as text, trimmed (see [`parse_cell`]).
fn split_cell(text: &str) -> impl Iterator<Item = &str> {
    let mut starts: Vec<usize> = text.match_indices(NOTE_START).map(|(i, _)| i).collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let ends: Vec<usize> = starts.iter().skip(1).copied().chain([text.len()]).collect();
    starts
        .into_iter()
        .zip(ends)
        .map(move |(start, end)| text[start..end].trim())
        .filter(|chunk| !chunk.is_empty())
}

/// Parses one note. Never fails: see [`Note::problem`].
pub fn parse_note(text: &str) -> Note {
    parse_note_with(text, &mut Texts::default())
}

/// [`parse_note`] with the repeated texts shared through `texts`.
pub fn parse_note_with(text: &str, texts: &mut Texts) -> Note {
    let raw = text.trim();
    let mut note = Note {
        raw: ArcStr::from(raw),
        ..Note::default()
    };
    let Some(caps) = HEADER.captures(raw) else {
        note.problem = Some(if raw.starts_with(NOTE_START) {
            "the [BUID:…,RID:…,ORP:…,DTS:…] header is incomplete or malformed".to_string()
        } else {
            "the text does not start with an iCARE [BUID:…] header".to_string()
        });
        note.message_en = note.raw.clone();
        return note;
    };
    note.buid = caps[1].parse().ok();
    note.rid = caps[2].parse().ok();
    note.orp = match (caps[3].parse(), caps[4].parse()) {
        (Ok(index), Ok(total)) => Some(Orp { index, total }),
        _ => None,
    };
    note.timestamp =
        NaiveDateTime::parse_from_str(&format!("{} {}", &caps[5], &caps[6]), "%Y-%m-%d %H:%M:%S")
            .ok();
    let mut problems = Vec::new();
    if note.timestamp.is_none() {
        problems.push("the processing date (DTS) is not a real date and time".to_string());
    }
    if caps[1].is_empty() {
        problems.push("the bulk upload id (BUID) is empty".to_string());
    } else if note.buid.is_none() {
        problems.push("the bulk upload id (BUID) is too long to be a number".to_string());
    }
    // Digits too many for a number are a problem to report, not a value to drop silently
    // (found by the note_parser fuzz target).
    if !caps[2].is_empty() && note.rid.is_none() {
        problems.push("the record id (RID) is too long to be a number".to_string());
    }
    if note.orp.is_none() {
        problems.push("the record position (ORP) is too long to be a number".to_string());
    }
    let mut rest = &raw[caps[0].len()..];

    // Second bracket: [XML:code, code] or [1]. Codes may hold brackets themselves
    // (childminding_NewcomerChildren[1]childminding_age_id), so match brackets by depth.
    let trimmed = rest.trim_start();
    if trimmed.starts_with('[') {
        match matching_bracket(trimmed) {
            Some(close) => {
                let inner = &trimmed[1..close];
                // `[ XML:…]`: a space before XML is still the field list (found by the
                // note_parser fuzz target: it was taken for a `[1]`-style marker).
                if let Some(list) = strip_prefix_ignore_case(inner.trim_start(), "XML:") {
                    note.fields = list
                        .split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(|c| texts.get(c))
                        .collect();
                } else {
                    note.marker = Some(inner.trim().to_string());
                }
                rest = &trimmed[close + 1..];
            }
            None => problems.push("the [XML:…] field list is not closed".to_string()),
        }
    } else {
        problems.push("the [XML:…] field list is missing".to_string());
    }

    split_message(rest.trim(), &mut note, &mut problems, texts);
    if !problems.is_empty() {
        note.problem = Some(problems.join("; "));
    }
    note
}

/// Index of the `]` that closes the `[` at the start of `s`, counting nested brackets.
fn matching_bracket(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, ch) in s.char_indices() {
        match ch {
            '[' => depth += 1,
            ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Splits `(Entity EN) message EN / (Entity FR) message FR` into its four parts.
fn split_message(text: &str, note: &mut Note, problems: &mut Vec<String>, texts: &mut Texts) {
    let (entity_en, after_entity) = match leading_entity(text) {
        Some((entity, rest)) => (entity, rest),
        None => {
            if !text.is_empty() {
                problems.push("the message has no (Entity) in front".to_string());
            }
            ("", text)
        }
    };
    note.entity_en = texts.get(entity_en.trim());
    // The French half starts at the last " / (Entity)": messages themselves may contain
    // slashes ("Unit/Suite/Apt"), but not a slash followed by a parenthesised entity.
    match FR_SEPARATOR.captures_iter(after_entity).last() {
        Some(caps) => {
            let whole = caps.get(0).expect("group 0 always matches");
            note.message_en = texts.get(after_entity[..whole.start()].trim());
            note.entity_fr = texts.get(caps[1].trim());
            note.message_fr = texts.get(strip_stray_paren(after_entity[whole.end()..].trim()));
            // `/ ()` with nothing after it: rendering drops it, so it is no French half at
            // all (found by the note_parser fuzz target).
            if note.entity_fr.is_empty() && note.message_fr.is_empty() {
                problems.push("the French half of the message is empty".to_string());
            }
        }
        None => {
            note.message_en = texts.get(strip_stray_paren(after_entity.trim()));
            if !after_entity.trim().is_empty() {
                problems.push("the French half of the message is missing".to_string());
            }
        }
    }
    if note.message_en.is_empty() && note.message_fr.is_empty() {
        problems.push("the note has no message".to_string());
    }
}

/// `(Entity) rest` → `("Entity", "rest")`, with the entity's parentheses balanced.
fn leading_entity(text: &str) -> Option<(&str, &str)> {
    if !text.starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    for (i, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&text[1..i], &text[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// Drops an unbalanced `)` at the end, seen in real notes (`...données.)`).
///
/// A `)` is stray when no `(` before it is left open. Every stray `)` at the end goes, so that
/// the result ends in no stray `)` and parsing it again changes nothing (the note_parser fuzz
/// target found `...(Client))` after an earlier unmatched `)` losing one more `)` on each pass).
fn strip_stray_paren(text: &str) -> &str {
    let mut text = text;
    while text.ends_with(')') && !last_paren_is_matched(text) {
        text = text[..text.len() - 1].trim_end();
    }
    text
}

/// True when the `)` that ends `text` closes a `(` before it.
fn last_paren_is_matched(text: &str) -> bool {
    let mut depth = 0usize;
    let mut matched = false;
    for ch in text.chars() {
        match ch {
            '(' => depth += 1,
            ')' => {
                matched = depth > 0;
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    matched
}

impl Note {
    /// True when the note fits the grammar.
    pub fn is_well_formed(&self) -> bool {
        self.problem.is_none()
    }

    /// The note in iCARE's own form.
    ///
    /// For a well-formed note, `parse_note(&note.render())` gives the same note back (with
    /// `raw` set to the rendered text).
    pub fn render(&self) -> String {
        if self.buid.is_none() && self.orp.is_none() {
            return self.raw.to_string();
        }
        let mut s = String::new();
        let _ = write!(
            s,
            "[BUID:{},RID:{},ORP:{},DTS:{}]",
            self.buid.map(|b| b.to_string()).unwrap_or_default(),
            self.rid.map(|r| r.to_string()).unwrap_or_default(),
            self.orp
                .map(|o| format!("{}/{}", o.index, o.total))
                .unwrap_or_default(),
            self.timestamp
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
        );
        match &self.marker {
            Some(m) => {
                let _ = write!(s, "[{m}]");
            }
            None => {
                let _ = write!(s, "[XML:{}]", self.fields.join(", "));
            }
        }
        let _ = write!(s, " ({}) {}", self.entity_en, self.message_en);
        if !self.entity_fr.is_empty() || !self.message_fr.is_empty() {
            let _ = write!(s, " / ({}) {}", self.entity_fr, self.message_fr);
        }
        s
    }
}

#[cfg(test)]
mod tests;
