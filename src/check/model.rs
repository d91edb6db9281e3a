//! What a check finds: each problem with its rule, where the rule comes from and how sure it
//! is, a file's report, the options, and the facts of iCARE's messages the rules quote.

use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use crate::note::{ArcStr, Texts};
use crate::template::Registry;
use crate::workbook::lists::ColumnLists;
use crate::workbook::{Rejected, cell_name};

/// Where a rule comes from; decides its [`Severity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The file's own hidden `LOV` sheet: its allowed values or its `Mandatory=true;` flag.
    File,
    /// icare-fix's copy of the 2018 template (`templates/`): its lists, its mandatory marks
    /// (the orange labels), its `YYYY-MM-DD` date columns.
    Template,
    /// A message iCARE is known to write for this (`templates/messages.tsv`).
    IcareMessage,
    /// An educated guess: likely, but no iCARE message or template says so.
    Guess,
}

impl Source {
    /// Errors for what iCARE's files and messages say, warnings for guesses.
    pub fn severity(self) -> Severity {
        match self {
            Source::Guess => Severity::Warning,
            Source::File | Source::Template | Source::IcareMessage => Severity::Error,
        }
    }

    /// `file`, `template`, `icare_message` or `guess`.
    pub fn id(self) -> &'static str {
        match self {
            Source::File => "file",
            Source::Template => "template",
            Source::IcareMessage => "icare_message",
            Source::Guess => "guess",
        }
    }
}

/// How sure the prediction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// iCARE rejects the record: its template or one of its known messages says so.
    Error,
    /// An educated guess: iCARE is likely to reject the record.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn id(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The rules, one per thing iCARE is likely to reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A mandatory field is empty.
    Mandatory,
    /// A value is not in the column's list, spelled exactly.
    ListValue,
    /// A date is not the text `YYYY-MM-DD` of a day that exists.
    DateFormat,
    /// A date of birth in the future.
    BirthDateFuture,
    /// A date of birth after a service date of the same row.
    BirthDateAfterService,
    /// A start date after its end date.
    StartAfterEnd,
    /// An identifier that should be digits is not.
    IdentifierDigits,
    /// Identifier type, identifier value or date of birth missing.
    IdentityIncomplete,
    /// A postal code not in the Canadian format.
    PostalCode,
    /// Consent to future research without a phone number.
    ConsentContact,
    /// The same record twice in one file.
    DuplicateRecord,
    /// A service record whose client has no Client Profile row in the files given.
    ClientWithoutProfile,
    /// A client whose identity fields differ between rows or files.
    IdentityDiffers,
}

impl Rule {
    /// The rule's id, as in JSON and CSV (`list_value`).
    pub fn id(self) -> &'static str {
        match self {
            Rule::Mandatory => "mandatory",
            Rule::ListValue => "list_value",
            Rule::DateFormat => "date_format",
            Rule::BirthDateFuture => "birth_date_future",
            Rule::BirthDateAfterService => "birth_date_after_service",
            Rule::StartAfterEnd => "start_after_end",
            Rule::IdentifierDigits => "identifier_digits",
            Rule::IdentityIncomplete => "identity_incomplete",
            Rule::PostalCode => "postal_code",
            Rule::ConsentContact => "consent_contact",
            Rule::DuplicateRecord => "duplicate_record",
            Rule::ClientWithoutProfile => "client_without_profile",
            Rule::IdentityDiffers => "identity_differs",
        }
    }
}

/// One thing iCARE is likely to reject, in one cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based row, as in the workbook.
    pub row: u32,
    /// The cell, A1 name.
    pub cell: String,
    /// The column's field code.
    pub field: ArcStr,
    /// Which rule.
    pub rule: Rule,
    /// `error` (iCARE rejects it) or `warning` (an educated guess).
    pub severity: Severity,
    /// Where the rule comes from.
    pub source: Source,
    /// The cell's value as a person reads it (empty when the cell is empty).
    pub value: String,
    /// What is wrong and what to do, in English (shared with the problems that say the same).
    pub message_en: ArcStr,
    /// The same in French.
    pub message_fr: ArcStr,
    /// The value to write instead, when it is certain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// 0-based column.
    #[serde(skip)]
    pub col: u32,
}

impl Problem {
    /// A problem of `rule` from `source` at the 0-based (`row`, `col`) of field `field`.
    pub fn new(rule: Rule, source: Source, row: u32, col: u32, field: &str, value: &str) -> Self {
        Problem {
            row: row + 1,
            cell: cell_name(row, col),
            field: ArcStr::from(field),
            rule,
            severity: source.severity(),
            source,
            value: value.to_string(),
            message_en: ArcStr::new(),
            message_fr: ArcStr::new(),
            fix: None,
            col,
        }
    }

    /// With its messages.
    pub fn says(mut self, en: String, fr: String) -> Self {
        self.message_en = en.into();
        self.message_fr = fr.into();
        self
    }

    /// Its field code and messages shared through `texts` with the problems that say the
    /// same (a mandatory field empty in a thousand rows has one message).
    pub fn share(&mut self, texts: &mut Texts) {
        self.field = texts.get(&self.field);
        self.message_en = texts.get(&self.message_en);
        self.message_fr = texts.get(&self.message_fr);
    }

    /// With the value to write instead.
    pub fn fix(mut self, fix: Option<String>) -> Self {
        self.fix = fix.filter(|f| *f != self.value);
        self
    }
}

/// What `check` found in one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The file as given.
    pub file: String,
    /// Template id, `null` when unknown.
    pub template: Option<String>,
    /// Data rows.
    pub rows: usize,
    /// Every problem, in row and column order.
    pub problems: Vec<Problem>,
    /// The file.
    #[serde(skip)]
    pub path: PathBuf,
    /// iCARE notes the file holds (a rejected file rather than an upload file).
    #[serde(skip)]
    pub notes: usize,
}

impl FileReport {
    /// Problems of this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == severity)
            .count()
    }
}

/// Options of a check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The day a date of birth may not be after [default: today].
    pub today: NaiveDate,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            today: chrono::Local::now().date_naive(),
        }
    }
}

/// One workbook with what its columns may hold, as the rules read it.
pub struct Sheet<'a> {
    /// The workbook.
    pub book: &'a Rejected,
    /// Its columns' lists and mandatory flags.
    pub lists: ColumnLists,
}

/// A column's label in English and French (the English one where no French is known).
pub(super) fn labels(book: &Rejected, registry: &Registry, col: u32) -> (String, String) {
    let en = book.label(col);
    let fr = book
        .code(col)
        .and_then(|code| registry.column(book.template.as_deref(), code))
        .map(|c| c.label_fr.clone())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| en.clone());
    (en, fr)
}

/// iCARE's "Unable to validate against database." (English, French), as in the catalogue.
pub(super) const UNABLE_TO_VALIDATE: (&str, &str, &str) = (
    "client_not_validated",
    "Unable to validate against database.",
    "Impossible de valider dans la base de données.",
);

/// iCARE's "Telephone number has not been specified." (English, French).
pub(super) const PHONE_MISSING: (&str, &str, &str) = (
    "phone_missing",
    "Telephone number has not been specified.",
    "Le numéro de téléphone n'a pas été indiqué.",
);

/// A message of iCARE's catalogue (`templates/messages.tsv`, as the registry has it) in
/// English and French, without its final period; `(id, en, fr)` gives the words to use
/// should the catalogue lack it.
pub(super) fn known(registry: &Registry, (id, en, fr): (&str, &str, &str)) -> (String, String) {
    let (en, fr) = registry
        .messages()
        .iter()
        .find(|m| m.id == id)
        .map_or((en, fr), |m| (m.message_en.as_str(), m.message_fr.as_str()));
    (
        en.trim_end_matches('.').to_string(),
        fr.trim_end_matches('.').to_string(),
    )
}
