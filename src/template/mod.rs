//! The template registry: what icare-fix knows about iCARE templates.
//!
//! The data lives in tab-separated files in the project's `templates/` folder (their schema is
//! documented in `templates/README.md`): one file per template (codes, labels, mandatory
//! flags, value kinds), `lists.tsv` (allowed values of list columns) and `messages.tsv` (the
//! message catalogue with categories and bilingual fix advice). The files are embedded in the
//! binary; [`Registry::with_overrides`] adds or replaces files from a folder at run time, so an
//! agency can teach the tool a newer template without a new release.
//!
//! The registry only ever helps: the codes row of the workbook stays the truth
//! ([`crate::workbook`]), and an unknown template still works.

mod tsv;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::note::{Category, Note};

/// What kind of value a column holds; decides repairs and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// Free text.
    Text,
    /// A date written as text `YYYY-MM-DD`.
    Date,
    /// `Yes` or `No`.
    YesNo,
    /// One value of a drop-down list.
    List,
    /// A digits-only identifier (client id, update record id), kept as text.
    Identifier,
}

impl ValueKind {
    fn from_id(id: &str) -> Option<ValueKind> {
        Some(match id {
            "text" => ValueKind::Text,
            "date" => ValueKind::Date,
            "yes_no" => ValueKind::YesNo,
            "list" => ValueKind::List,
            "identifier" => ValueKind::Identifier,
            _ => return None,
        })
    }
}

/// Where a column's French label comes from (the optional `fr_source` column of a template
/// file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FrSource {
    /// IRCC's own French wording, found in a real template.
    Ircc,
    /// icare-fix's own translation.
    Translation,
}

/// One column of a template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// The field code of the hidden codes row, as named in `[XML:...]`.
    pub code: String,
    /// English label (row 3 of the template).
    pub label_en: String,
    /// French label, empty where not known.
    pub label_fr: String,
    /// Where the French label comes from; `None` when the file does not say (five-column
    /// files such as a user's `--templates DIR` file).
    pub fr_source: Option<FrSource>,
    /// Whether iCARE requires a value.
    pub mandatory: bool,
    /// The kind of value.
    pub kind: ValueKind,
}

/// A known iCARE template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Template {
    /// Stable id such as `client_profile`.
    pub id: String,
    /// English title, as in the template's title cell.
    pub title_en: String,
    /// French title.
    pub title_fr: String,
    /// Columns in template order.
    pub columns: Vec<Column>,
}

impl Template {
    /// The column with this code.
    pub fn column(&self, code: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.code == code)
    }
}

/// One allowed value of a list column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListValue {
    /// iCARE's numeric id of the value (from the LOVIds sheet), may be empty.
    pub id: String,
    /// The value as it must appear in the cell.
    pub value: String,
}

/// A known iCARE message with its category and fix advice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Stable id such as `client_not_validated`.
    pub id: String,
    /// Category.
    pub category: Category,
    /// English message as iCARE writes it.
    pub message_en: String,
    /// French message as iCARE writes it.
    pub message_fr: String,
    /// Fields to fix when the note itself names none.
    pub fields: Vec<String>,
    /// What to do, in English, for a non-programmer.
    pub advice_en: String,
    /// What to do, in French.
    pub advice_fr: String,
}

/// All templates, lists and messages icare-fix knows.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    templates: Vec<Template>,
    lists: BTreeMap<String, Vec<ListValue>>,
    messages: Vec<Message>,
    /// Each message's English and French text as [`normalise_message`] folds it, in the
    /// order of `messages` (notes are matched against these many times a run).
    message_keys: Vec<(String, String)>,
}

/// The built-in data files, embedded at compile time.
const BUILTIN: &[(&str, &str)] = &[
    (
        "client_profile.tsv",
        include_str!("../../templates/client_profile.tsv"),
    ),
    (
        "needs_assessment_referrals.tsv",
        include_str!("../../templates/needs_assessment_referrals.tsv"),
    ),
    (
        "information_orientation.tsv",
        include_str!("../../templates/information_orientation.tsv"),
    ),
    (
        "employment.tsv",
        include_str!("../../templates/employment.tsv"),
    ),
    (
        "community_connections.tsv",
        include_str!("../../templates/community_connections.tsv"),
    ),
    (
        "lt_course_setup.tsv",
        include_str!("../../templates/lt_course_setup.tsv"),
    ),
    (
        "lt_client_enrolment.tsv",
        include_str!("../../templates/lt_client_enrolment.tsv"),
    ),
    (
        "lt_client_exit.tsv",
        include_str!("../../templates/lt_client_exit.tsv"),
    ),
    ("lists.tsv", include_str!("../../templates/lists.tsv")),
    ("messages.tsv", include_str!("../../templates/messages.tsv")),
];

/// The smallest share of a template's codes a codes row must hold to be recognised as it.
const MIN_TEMPLATE_MATCH: f64 = 0.6;

impl Registry {
    /// The built-in registry. The embedded files are checked by the test suite, so this
    /// cannot fail at run time.
    pub fn builtin() -> Registry {
        let mut registry = Registry::default();
        for (name, text) in BUILTIN {
            registry
                .add_file(Path::new(name), text)
                .expect("the built-in template files are valid (checked by tests)");
        }
        registry
    }

    /// The built-in registry plus every `.tsv` file in `dir`, which add to or replace the
    /// built-in ones (a template by its id, a list by its code, a message by its id).
    ///
    /// # Errors
    ///
    /// Fails when `dir` cannot be read, or one of its `.tsv` files cannot be read or does not
    /// follow the data files' form (the message names the file and line).
    pub fn with_overrides(dir: &Path) -> Result<Registry> {
        let mut registry = Registry::builtin();
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("tsv")))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            registry.add_file(&path, &text)?;
        }
        Ok(registry)
    }

    /// Adds one data file; its kind is told by its name (`lists.tsv`, `messages.tsv`) or its
    /// `# id:` line (a template).
    ///
    /// # Errors
    ///
    /// Fails when `text` does not follow the data files' form (the message names the file and
    /// line).
    pub fn add_file(&mut self, path: &Path, text: &str) -> Result<()> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let table = tsv::Table::parse(path, text)?;
        match name.as_str() {
            "lists.tsv" => self.add_lists(&table),
            "messages.tsv" => self.add_messages(&table),
            _ => self.add_template(&table),
        }
    }

    fn add_template(&mut self, table: &tsv::Table) -> Result<()> {
        let id = table.meta("id")?.to_string();
        let mut columns = Vec::new();
        for row in table.rows(&["code", "label_en", "label_fr", "mandatory", "kind"])? {
            // Codes, flags and labels are names: spaces around them are typing slips. Only
            // allowed values (`add_lists`) are kept exactly as written.
            let mandatory = match row.get_trimmed("mandatory") {
                "yes" => true,
                "no" | "" => false,
                other => {
                    return Err(row.error(format!("mandatory must be yes or no, not '{other}'")));
                }
            };
            let kind = ValueKind::from_id(row.get_trimmed("kind")).ok_or_else(|| {
                row.error(format!(
                    "kind must be one of text, date, yes_no, list, identifier, not '{}'",
                    row.get_trimmed("kind")
                ))
            })?;
            let fr_source = match row.get_trimmed("fr_source") {
                "ircc" => Some(FrSource::Ircc),
                "translation" => Some(FrSource::Translation),
                "" => None,
                other => {
                    return Err(row.error(format!(
                        "fr_source must be ircc, translation or empty, not '{other}'"
                    )));
                }
            };
            let code = row.get_trimmed("code");
            if code.is_empty() {
                return Err(row.error("the code is empty".into()));
            }
            if columns.iter().any(|c: &Column| c.code == code) {
                return Err(row.error(format!("the code '{code}' appears twice")));
            }
            columns.push(Column {
                code: code.to_string(),
                label_en: row.get_trimmed("label_en").to_string(),
                label_fr: row.get_trimmed("label_fr").to_string(),
                fr_source,
                mandatory,
                kind,
            });
        }
        let template = Template {
            title_en: table.meta("title_en").unwrap_or(&id).to_string(),
            title_fr: table.meta("title_fr").unwrap_or("").to_string(),
            id,
            columns,
        };
        match self.templates.iter_mut().find(|t| t.id == template.id) {
            Some(existing) => *existing = template,
            None => self.templates.push(template),
        }
        Ok(())
    }

    fn add_lists(&mut self, table: &tsv::Table) -> Result<()> {
        let mut added: BTreeMap<String, Vec<ListValue>> = BTreeMap::new();
        for row in table.rows(&["code", "value_id", "value"])? {
            if row.get_trimmed("code").is_empty() || row.get_trimmed("value").is_empty() {
                return Err(row.error("code and value must not be empty".into()));
            }
            added
                .entry(row.get_trimmed("code").to_string())
                .or_default()
                .push(ListValue {
                    id: row.get_trimmed("value_id").to_string(),
                    // The value is data, spelled exactly as iCARE lists it: a trailing space
                    // (`Plautdietsch (Mennonite Low German) `) is part of it.
                    value: row.get("value").to_string(),
                });
        }
        // A code present in the file replaces the whole list for that code.
        self.lists.extend(added);
        Ok(())
    }

    fn add_messages(&mut self, table: &tsv::Table) -> Result<()> {
        let cols = [
            "id",
            "category",
            "entity_en",
            "message_en",
            "entity_fr",
            "message_fr",
            "fields",
            "advice_en",
            "advice_fr",
        ];
        for row in table.rows(&cols)? {
            let category = Category::from_id(row.get_trimmed("category")).ok_or_else(|| {
                row.error(format!(
                    "category must be one of identity, missing, invalid, date, reference, other, not '{}'",
                    row.get_trimmed("category")
                ))
            })?;
            if row.get_trimmed("id").is_empty() || row.get_trimmed("message_en").is_empty() {
                return Err(row.error("id and message_en must not be empty".into()));
            }
            let message = Message {
                id: row.get_trimmed("id").to_string(),
                category,
                message_en: row.get_trimmed("message_en").to_string(),
                message_fr: row.get_trimmed("message_fr").to_string(),
                fields: row
                    .get("fields")
                    .split_whitespace()
                    .map(str::to_string)
                    .collect(),
                advice_en: row.get_trimmed("advice_en").to_string(),
                advice_fr: row.get_trimmed("advice_fr").to_string(),
            };
            let keys = (
                normalise_message(&message.message_en),
                normalise_message(&message.message_fr),
            );
            match self.messages.iter().position(|m| m.id == message.id) {
                Some(i) => {
                    self.messages[i] = message;
                    self.message_keys[i] = keys;
                }
                None => {
                    self.messages.push(message);
                    self.message_keys.push(keys);
                }
            }
        }
        Ok(())
    }

    /// Every known template.
    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    /// The template with this id.
    pub fn template(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// Every known message.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The template whose codes best match a codes row, if one matches well enough.
    ///
    /// A template matches when the row holds at least 60% of its codes; the best share wins,
    /// and among equals the template with fewer codes not in the row.
    pub fn detect<'a>(&self, codes: impl IntoIterator<Item = &'a str>) -> Option<&Template> {
        let row: std::collections::HashSet<&str> = codes.into_iter().collect();
        self.templates
            .iter()
            .map(|t| {
                let hits = t
                    .columns
                    .iter()
                    .filter(|c| row.contains(c.code.as_str()))
                    .count();
                let share = hits as f64 / t.columns.len().max(1) as f64;
                // Also weigh how much of the row the template explains, so a template whose
                // codes are a subset of another's does not win by default.
                let explained = hits as f64 / row.len().max(1) as f64;
                (t, share, share + explained)
            })
            .filter(|(_, share, _)| *share >= MIN_TEMPLATE_MATCH)
            .max_by(|a, b| a.2.total_cmp(&b.2))
            .map(|(t, _, _)| t)
    }

    /// True when any template knows this field code.
    pub fn is_known_code(&self, code: &str) -> bool {
        self.templates.iter().any(|t| t.column(code).is_some())
    }

    /// The column for `code`: from `template` when given and known there, else from the first
    /// template that knows the code.
    pub fn column(&self, template: Option<&str>, code: &str) -> Option<&Column> {
        template
            .and_then(|id| self.template(id))
            .and_then(|t| t.column(code))
            .or_else(|| self.templates.iter().find_map(|t| t.column(code)))
    }

    /// The kind of value of `code`; text when unknown.
    pub fn kind(&self, template: Option<&str>, code: &str) -> ValueKind {
        if let Some(column) = self.column(template, code) {
            return column.kind;
        }
        if code.ends_with("_dt") || code.ends_with("_dttm") {
            ValueKind::Date
        } else if code.ends_with("_ind") {
            ValueKind::YesNo
        } else if self.lists.contains_key(code) {
            ValueKind::List
        } else {
            ValueKind::Text
        }
    }

    /// The allowed values of a list column, when known.
    pub fn allowed_values(&self, code: &str) -> Option<&[ListValue]> {
        self.lists.get(code).map(Vec::as_slice)
    }

    /// The catalogue entry for a note's message, matched on the English or the French text
    /// (case, spacing, apostrophes and final punctuation ignored).
    pub fn message(&self, note: &Note) -> Option<&Message> {
        let en = normalise_message(&note.message_en);
        let fr = normalise_message(&note.message_fr);
        self.message_keys
            .iter()
            .position(|(m_en, m_fr)| {
                (!en.is_empty() && *m_en == en) || (!fr.is_empty() && *m_fr == fr)
            })
            .map(|i| &self.messages[i])
    }

    /// The category of a note: from the catalogue, else guessed from its wording.
    pub fn category(&self, note: &Note) -> Category {
        match self.message(note) {
            Some(m) => m.category,
            None => Category::guess(&note.message_en, &note.fields),
        }
    }
}

/// Lower case, typographic apostrophes made straight, inner spaces folded, final
/// punctuation dropped.
pub fn normalise_message(text: &str) -> String {
    // One string built (it is called for every note read): the words joined by one space,
    // apostrophes made straight, then lowered in place when the text is plain ASCII.
    let mut folded = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !folded.is_empty() {
            folded.push(' ');
        }
        folded.extend(word.chars().map(|c| match c {
            '\u{2019}' | '\u{2018}' => '\'',
            c => c,
        }));
    }
    let mut folded = if folded.is_ascii() {
        folded.make_ascii_lowercase();
        folded
    } else {
        folded.to_lowercase()
    };
    let end = folded.trim_end_matches(['.', ')', ' ', '!']).len();
    folded.truncate(end);
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_folded_the_same_whatever_their_spacing_case_and_apostrophes() {
        assert_eq!(
            normalise_message("  Le numéro  de\ttéléphone n\u{2019}a PAS été INDIQUÉ. ) "),
            "le numéro de téléphone n'a pas été indiqué"
        );
        assert_eq!(
            normalise_message("Telephone number has not been ‘specified’!"),
            "telephone number has not been 'specified'"
        );
        assert_eq!(normalise_message(" \n "), "");
    }

    #[test]
    fn builtin_has_the_eight_templates_with_unique_ids() {
        let registry = Registry::builtin();
        let mut ids: Vec<&str> = registry.templates().iter().map(|t| t.id.as_str()).collect();
        ids.sort();
        assert_eq!(
            ids,
            [
                "client_profile",
                "community_connections",
                "employment",
                "information_orientation",
                "lt_client_enrolment",
                "lt_client_exit",
                "lt_course_setup",
                "needs_assessment_referrals"
            ]
        );
        let columns: usize = registry.templates().iter().map(|t| t.columns.len()).sum();
        assert_eq!(columns, 17 + 92 + 95 + 69 + 68 + 118 + 31 + 38);
    }

    #[test]
    fn every_template_is_detected_from_its_own_codes() {
        let registry = Registry::builtin();
        for template in registry.templates() {
            let detected = registry.detect(template.columns.iter().map(|c| c.code.as_str()));
            assert_eq!(detected.map(|t| t.id.as_str()), Some(template.id.as_str()));
        }
    }

    #[test]
    fn a_partial_row_is_not_a_template() {
        let registry = Registry::builtin();
        assert!(
            registry
                .detect(["processing_details", "client_validation_type_id", "foo"])
                .is_none()
        );
    }

    #[test]
    fn messages_match_in_either_language_and_ignore_apostrophes() {
        let registry = Registry::builtin();
        let note = crate::note::parse_note(
            "[BUID:1,RID:,ORP:1/1,DTS:2018-08-07 10:05:04][XML:] (Profile) telephone number has NOT been specified / (Profil) Le numéro de téléphone n’a pas été indiqué.",
        );
        assert_eq!(registry.message(&note).unwrap().id, "phone_missing");
        assert_eq!(registry.category(&note), Category::Missing);
    }

    #[test]
    fn list_values_keep_the_typographic_apostrophe() {
        let registry = Registry::builtin();
        let values = registry
            .allowed_values("client_validation_type_id")
            .unwrap();
        assert!(values.iter().any(|v| v.value.contains('\u{2019}')));
        assert_eq!(values.len(), 3);
    }

    #[test]
    fn the_bundled_trailing_space_survives() {
        let registry = Registry::builtin();
        for code in ["service_language_id", "translation_language_to_id"] {
            let values = registry.allowed_values(code).unwrap();
            assert!(
                values
                    .iter()
                    .any(|v| v.value == "Plautdietsch (Mennonite Low German) "),
                "{code}"
            );
            assert!(
                !values
                    .iter()
                    .any(|v| v.value == "Plautdietsch (Mennonite Low German)")
            );
        }
    }

    #[test]
    fn an_override_keeps_values_exact_and_trims_names_with_crlf() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("lists.tsv"),
            "code\tvalue_id\tvalue\r\n service_language_id \t 251 \tPlautdietsch (Mennonite Low German) \r\nservice_language_id\t2\tMinister\u{2019}s \r\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("mine.tsv"),
            "# id: mine\r\ncode\tlabel_en\tlabel_fr\tmandatory\tkind\r\n my_code \t My label \t\t yes \t list \r\n",
        )
        .unwrap();
        let registry = Registry::with_overrides(dir.path()).unwrap();
        let values = registry.allowed_values("service_language_id").unwrap();
        assert_eq!(
            values,
            [
                ListValue {
                    id: "251".into(),
                    value: "Plautdietsch (Mennonite Low German) ".into()
                },
                ListValue {
                    id: "2".into(),
                    value: "Minister\u{2019}s ".into()
                }
            ]
        );
        let column = registry
            .template("mine")
            .unwrap()
            .column("my_code")
            .unwrap();
        assert_eq!(column.label_en, "My label");
        assert!(column.mandatory);
        assert_eq!(column.kind, ValueKind::List);
    }

    #[test]
    fn overrides_replace_and_add() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("newer.tsv"),
            "# id: client_profile\r\n# title_en: Client Profile v2\r\ncode\tlabel_en\tlabel_fr\tmandatory\tkind\r\nprocessing_details\tProcessing Details\t\tno\ttext\r\nclient_validation_type_id\tUnique Identifier\t\tyes\tlist\r\n",
        )
        .unwrap();
        let registry = Registry::with_overrides(dir.path()).unwrap();
        let cp = registry.template("client_profile").unwrap();
        assert_eq!(cp.title_en, "Client Profile v2");
        assert_eq!(cp.columns.len(), 2);
        assert_eq!(registry.templates().len(), 8);
    }

    #[test]
    fn every_bundled_column_has_a_french_label_and_its_source() {
        let registry = Registry::builtin();
        assert_eq!(registry.templates().len(), 8);
        for template in registry.templates() {
            assert!(!template.title_fr.is_empty(), "{}", template.id);
            for column in &template.columns {
                let at = format!("{}.{}", template.id, column.code);
                assert!(!column.label_fr.trim().is_empty(), "{at}: no label_fr");
                assert!(
                    matches!(
                        column.fr_source,
                        Some(FrSource::Ircc | FrSource::Translation)
                    ),
                    "{at}: fr_source is {:?}",
                    column.fr_source
                );
                // One vocabulary: "modèle", never "gabarit"; no English left in French.
                assert!(!column.label_fr.to_lowercase().contains("gabarit"), "{at}");
                if column.label_en != "Province" {
                    assert_ne!(column.label_fr, column.label_en, "{at}: not translated");
                }
            }
        }
    }

    #[test]
    fn a_five_column_file_still_reads_and_a_sixth_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("five.tsv"),
            "# id: five\ncode\tlabel_en\tlabel_fr\tmandatory\tkind\nfoo\tFoo\t\tno\ttext\nbar\tBar\tBarre\tyes\tdate\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("six.tsv"),
            "# id: six\r\ncode\tlabel_en\tlabel_fr\tmandatory\tkind\tfr_source\r\nfoo\tFoo\tTruc\tno\ttext\t ircc \r\nbar\tBar\tBarre\tno\ttext\ttranslation\r\nbaz\tBaz\t\tno\ttext\t\r\nqux\tQux\tQux\tno\ttext\r\n",
        )
        .unwrap();
        let registry = Registry::with_overrides(dir.path()).unwrap();
        let five = registry.template("five").unwrap();
        assert_eq!(five.columns.len(), 2);
        assert_eq!(five.columns[0].label_fr, "");
        assert_eq!(five.columns[1].label_fr, "Barre");
        assert!(five.columns.iter().all(|c| c.fr_source.is_none()));
        assert!(five.columns[1].mandatory);
        assert_eq!(five.columns[1].kind, ValueKind::Date);
        let six = registry.template("six").unwrap();
        let sources: Vec<_> = six.columns.iter().map(|c| c.fr_source).collect();
        assert_eq!(
            sources,
            [
                Some(FrSource::Ircc),
                Some(FrSource::Translation),
                None,
                None
            ]
        );

        let bad = tempfile::tempdir().unwrap();
        std::fs::write(
            bad.path().join("bad.tsv"),
            "# id: bad\ncode\tlabel_en\tlabel_fr\tmandatory\tkind\tfr_source\nfoo\tFoo\tTruc\tno\ttext\tIRCC website\n",
        )
        .unwrap();
        let err = Registry::with_overrides(bad.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad.tsv") && err.contains("line 3"), "{err}");
        assert!(err.contains("fr_source must be"), "{err}");
    }

    #[test]
    fn a_bad_override_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.tsv");
        std::fs::write(
            &path,
            "# id: x\ncode\tlabel_en\tlabel_fr\tmandatory\tkind\nfoo\tFoo\t\tmaybe\ttext\n",
        )
        .unwrap();
        let err = Registry::with_overrides(dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad.tsv"), "{err}");
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("mandatory must be yes or no"), "{err}");
    }
}
