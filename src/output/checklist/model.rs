//! The checklist's model: clients → records → items, as [`super::Checklist::build`] makes
//! it and the HTML page and the worksheet render it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::NaiveDateTime;

use crate::note::{ArcStr, Category, Orp};
use crate::workbook::Client;

/// A whole checklist: the files it covers and the clients to work through, in order.
#[derive(Debug, Clone)]
pub struct Checklist {
    /// The workbooks, in the order given.
    pub files: Vec<FileSummary>,
    /// The clients in the order of work: not validated first, then the others, then the
    /// records without a client identifier.
    pub clients: Vec<ClientEntry>,
}

/// One workbook of the checklist, for the header.
#[derive(Debug, Clone)]
pub struct FileSummary {
    /// The file as given.
    pub path: PathBuf,
    /// The file name without folders.
    pub name: String,
    /// Template id, when known.
    pub template: Option<String>,
    /// Template title in English (the id, or "Unknown template", when unknown).
    pub title_en: String,
    /// Template title in French (empty when unknown).
    pub title_fr: String,
    /// The bulk upload ids (BUID) of its notes, sorted.
    pub buids: Vec<u64>,
    /// The earliest processing time (DTS) of its notes.
    pub first_processed: Option<NaiveDateTime>,
    /// The latest processing time (DTS) of its notes.
    pub last_processed: Option<NaiveDateTime>,
    /// Data rows that hold anything.
    pub rows: usize,
    /// Error notes.
    pub notes: usize,
}

/// One client and the records to correct for them.
#[derive(Debug, Clone)]
pub struct ClientEntry {
    /// The client as first written in the files; all empty for records without a client.
    pub client: Client,
    /// IRCC could not validate the client: at least one of their records has an identity
    /// note ("Unable to validate against database").
    pub not_validated: bool,
    /// The records, Client Profile first, then in file and row order.
    pub records: Vec<Record>,
}

impl ClientEntry {
    /// True for the group of records that name no client (course setups, for example).
    pub fn is_unknown(&self) -> bool {
        self.client.is_unknown()
    }

    /// How many different files the records come from.
    pub fn file_count(&self) -> usize {
        self.records
            .iter()
            .map(|r| r.file)
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Items to tick, over all records.
    pub fn item_count(&self) -> usize {
        self.records.iter().map(|r| r.items.len()).sum()
    }
}

/// One rejected record: a data row of one workbook.
#[derive(Debug, Clone)]
pub struct Record {
    /// Index of the workbook in [`Checklist::files`].
    pub file: usize,
    /// 0-based row in the data sheet.
    pub row: u32,
    /// Bulk upload id, from the row's first note that has one.
    pub buid: Option<u64>,
    /// iCARE record id, from the row's first note that has one.
    pub rid: Option<u64>,
    /// Position in the original upload, from the row's first note that has one.
    pub orp: Option<Orp>,
    /// Processing time, from the row's first note that has one.
    pub processed: Option<NaiveDateTime>,
    /// What to correct. A record listed only through the cascade has one cascade item.
    pub items: Vec<Item>,
}

impl Record {
    /// 1-based row, as Excel shows it.
    pub fn row_number(&self) -> u32 {
        self.row + 1
    }
}

/// Where an item comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// An iCARE error note of the row.
    Note,
    /// The row belongs to a client IRCC could not validate, but its own notes (if any) are
    /// about something else: it is rejected with the client.
    Cascade,
}

/// One thing to correct, with two boxes to tick.
#[derive(Debug, Clone)]
pub struct Item {
    /// Note or cascade.
    pub kind: ItemKind,
    /// Category of the problem.
    pub category: Category,
    /// English entity of the note (`Profile`), may be empty.
    pub entity_en: ArcStr,
    /// English message: what is wrong.
    pub message_en: ArcStr,
    /// French entity of the note (`Profil`), may be empty.
    pub entity_fr: ArcStr,
    /// French message, may be empty.
    pub message_fr: ArcStr,
    /// What to do, in English: from the message catalogue, else the category's advice.
    pub advice_en: ArcStr,
    /// What to do, in French.
    pub advice_fr: ArcStr,
    /// The fields to correct, as located in the row. Empty when the note names none and
    /// none could be inferred: the whole row is concerned.
    pub fields: Vec<FieldToFix>,
    /// Field codes the note names but the workbook lacks.
    pub unlocated: Vec<FieldToFix>,
    /// Why the note does not fit iCARE's grammar, when it does not.
    pub problem: Option<String>,
    /// The note as iCARE wrote it (empty for a cascade item).
    pub raw: ArcStr,
}

/// One field of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldToFix {
    /// The field code.
    pub code: ArcStr,
    /// 0-based column, `None` when the workbook lacks the field.
    pub col: Option<u32>,
    /// A1 name of the cell, empty when the workbook lacks the field.
    pub cell: String,
    /// Label from the workbook's labels row (else the registry's English label, else the
    /// code).
    pub label_en: ArcStr,
    /// French label from the registry, empty where not known.
    pub label_fr: ArcStr,
    /// The current value as a person reads it; empty when the cell is empty.
    pub value: String,
}

/// One flat row of a printed checklist sheet: one per item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistRow {
    /// 1-based number of the client in the order of work.
    pub client_no: usize,
    /// The client: identifier type, value and date of birth.
    pub client: String,
    /// The client is not validated (identity): do first.
    pub not_validated: bool,
    /// File name.
    pub file: String,
    /// Template title.
    pub template: String,
    /// 1-based row in the file.
    pub row: u32,
    /// `6/37`, or empty.
    pub orp: String,
    /// Record id, or empty.
    pub rid: String,
    /// The fields with their cells, one per line (`Phone Number (F4)`).
    pub fields: String,
    /// The current values, one per line, in the order of `fields`.
    pub values: String,
    /// What is wrong.
    pub problem: String,
    /// What to do.
    pub advice: String,
}
