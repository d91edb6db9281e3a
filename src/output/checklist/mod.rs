//! The correction checklist: what staff print and tick while they correct rejected records,
//! both in the agency's case-management system and in the rejected file.
//!
//! [`Checklist::build`] turns one or more rejected workbooks ([`Rejected`]) into a model:
//! clients → records → items (one item per note, with the fields it names). Clients IRCC could
//! not validate come first, with the cascade spelled out: iCARE rejects every record of such
//! a client until the client validates, so every record of that client (same identifier
//! type, value and date of birth) in every workbook given is listed under them, even a row
//! whose own note is about something else.
//!
//! Rendering is separate: [`Checklist::to_html`] writes one self-contained printable HTML
//! page (module `html`), [`Checklist::rows`] gives flat rows for a printed sheet, and
//! [`write_sheet`] lays them out on a "Checklist" worksheet of the annotated workbook.

mod html;
mod sheet;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use chrono::NaiveDateTime;

use crate::lang::{Lang, quote_list_values};
use crate::note::{Category, Orp};
use crate::template::Registry;
use crate::workbook::lists::ColumnLists;
use crate::workbook::{Client, LocatedNote, Rejected, cell_name};

pub use html::escape;
pub use sheet::{CHECKLIST_SHEET, sheet_name, write_sheet};

/// Template id of the Client Profile: its records come first in a client's list, since
/// iCARE accepts a client's service records only once the client is accepted.
const CLIENT_PROFILE: &str = "client_profile";

/// The field codes that identify a client to IRCC.
pub const IDENTITY_CODES: [&str; 3] = [
    "client_validation_type_id",
    "client_validation_id",
    "client_birth_dt",
];

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
    pub entity_en: String,
    /// English message: what is wrong.
    pub message_en: String,
    /// French entity of the note (`Profil`), may be empty.
    pub entity_fr: String,
    /// French message, may be empty.
    pub message_fr: String,
    /// What to do, in English: from the message catalogue, else the category's advice.
    pub advice_en: String,
    /// What to do, in French.
    pub advice_fr: String,
    /// The fields to correct, as located in the row. Empty when the note names none and
    /// none could be inferred: the whole row is concerned.
    pub fields: Vec<FieldToFix>,
    /// Field codes the note names but the workbook lacks.
    pub unlocated: Vec<FieldToFix>,
    /// Why the note does not fit iCARE's grammar, when it does not.
    pub problem: Option<String>,
    /// The note as iCARE wrote it (empty for a cascade item).
    pub raw: String,
}

/// One field of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldToFix {
    /// The field code.
    pub code: String,
    /// 0-based column, `None` when the workbook lacks the field.
    pub col: Option<u32>,
    /// A1 name of the cell, empty when the workbook lacks the field.
    pub cell: String,
    /// Label from the workbook's labels row (else the registry's English label, else the
    /// code).
    pub label_en: String,
    /// French label from the registry, empty where not known.
    pub label_fr: String,
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

/// The key that tells clients apart: identifier type, value and date of birth, compared
/// without case, spaces, dashes (in the value) or apostrophe style.
type ClientKey = (String, String, String);

fn client_key(client: &Client) -> Option<ClientKey> {
    if client.is_unknown() {
        return None;
    }
    let id_type = client
        .id_type
        .replace(['\u{2019}', '\u{2018}'], "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let id_value: String = client
        .id_value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase();
    Some((id_type, id_value, client.birth_date.trim().to_string()))
}

impl Checklist {
    /// Builds the checklist of `books` (one or several rejected workbooks).
    ///
    /// Every row with a note becomes a record under its client. A client with an identity
    /// note in any book is "not validated": every row of that client in every book is listed,
    /// and rows without an identity note of their own get a cascade item.
    pub fn build(books: &[&Rejected], registry: &Registry) -> Checklist {
        let files = books.iter().map(|b| summary(b, registry)).collect();

        // Clients IRCC could not validate, over all books.
        let mut not_validated: BTreeSet<ClientKey> = BTreeSet::new();
        for book in books {
            for located in &book.notes {
                if located.category == Category::Identity
                    && let Some(key) = client_key(&book.client(located.row))
                {
                    not_validated.insert(key);
                }
            }
        }

        // Records grouped by client, in order of first appearance.
        let mut order: Vec<Option<ClientKey>> = Vec::new();
        let mut groups: HashMap<Option<ClientKey>, ClientEntry> = HashMap::new();
        for (file, book) in books.iter().enumerate() {
            let lists = ColumnLists::of_book(book, registry)
                .unwrap_or_else(|_| ColumnLists::build(&book.codes, None, registry));
            let mut notes_by_row: HashMap<u32, Vec<&LocatedNote>> = HashMap::new();
            for located in &book.notes {
                notes_by_row.entry(located.row).or_default().push(located);
            }
            for grid_row in book.data_rows() {
                let row = grid_row.row;
                let client = book.client(row);
                let key = client_key(&client);
                let notes = notes_by_row.remove(&row).unwrap_or_default();
                let cascade = key.as_ref().is_some_and(|k| not_validated.contains(k));
                if notes.is_empty() && !cascade {
                    continue;
                }
                let record = record(file, book, row, &notes, cascade, registry, &lists);
                let entry = groups.entry(key.clone()).or_insert_with(|| {
                    order.push(key.clone());
                    ClientEntry {
                        client: client.clone(),
                        not_validated: cascade,
                        records: Vec::new(),
                    }
                });
                entry.records.push(record);
            }
        }

        let mut clients: Vec<ClientEntry> = order
            .into_iter()
            .filter_map(|key| groups.remove(&key))
            .collect();
        for entry in &mut clients {
            if entry.is_unknown() {
                // No identifier: nothing to cascade, but an identity note still means the
                // identifiers must be filled in first.
                entry.not_validated = entry
                    .records
                    .iter()
                    .flat_map(|r| &r.items)
                    .any(|i| i.category == Category::Identity);
            }
            entry.records.sort_by_key(|r| {
                let profile = books[r.file].template.as_deref() == Some(CLIENT_PROFILE);
                (!profile, r.file, r.row)
            });
        }
        // Order of work: not validated first, then the rest, records without a client last;
        // the sort is stable, so first appearance decides within each group.
        clients.sort_by_key(|c| (!c.not_validated, c.is_unknown()));
        Checklist { files, clients }
    }

    /// Number of records over all clients.
    pub fn record_count(&self) -> usize {
        self.clients.iter().map(|c| c.records.len()).sum()
    }

    /// Number of items to tick over all clients.
    pub fn item_count(&self) -> usize {
        self.clients.iter().map(ClientEntry::item_count).sum()
    }

    /// Number of clients IRCC could not validate.
    pub fn not_validated_count(&self) -> usize {
        self.clients
            .iter()
            .filter(|c| c.not_validated && !c.is_unknown())
            .count()
    }

    /// Number of clients with an identifier (the group of records without one not counted).
    pub fn client_count(&self) -> usize {
        self.clients.iter().filter(|c| !c.is_unknown()).count()
    }

    /// The whole checklist as one self-contained, printable HTML page in `lang`.
    ///
    /// Every text taken from a workbook is escaped; the page has no scripts and no external
    /// assets, prints on Letter and A4 alike with a page break between clients.
    pub fn to_html(&self, lang: Lang) -> String {
        html::render(self, lang)
    }

    /// The checklist as flat rows (one per item), in the order of work, with texts in
    /// `lang`: what a printed sheet shows. See [`write_sheet`].
    pub fn rows(&self, lang: Lang) -> Vec<ChecklistRow> {
        let mut rows = Vec::new();
        for (n, entry) in self.clients.iter().enumerate() {
            let client = client_line(&entry.client, lang);
            for record in &entry.records {
                let file = &self.files[record.file];
                for item in &record.items {
                    let all: Vec<&FieldToFix> =
                        item.fields.iter().chain(item.unlocated.iter()).collect();
                    rows.push(ChecklistRow {
                        client_no: n + 1,
                        client: client.clone(),
                        not_validated: entry.not_validated,
                        file: file.name.clone(),
                        template: pick(lang, &file.title_en, &file.title_fr),
                        row: record.row_number(),
                        orp: record
                            .orp
                            .map(|o| format!("{}/{}", o.index, o.total))
                            .unwrap_or_default(),
                        rid: record.rid.map(|r| r.to_string()).unwrap_or_default(),
                        fields: if all.is_empty() {
                            text::whole_row(lang)
                        } else {
                            all.iter()
                                .map(|f| {
                                    let label = pick(lang, &f.label_en, &f.label_fr);
                                    if f.cell.is_empty() {
                                        format!("{label} ({})", text::not_in_file(lang))
                                    } else {
                                        format!("{label} ({})", f.cell)
                                    }
                                })
                                .collect::<Vec<_>>()
                                .join("\n")
                        },
                        values: all
                            .iter()
                            .map(|f| {
                                if f.cell.is_empty() {
                                    text::not_in_file(lang)
                                } else if f.value.is_empty() {
                                    text::empty(lang)
                                } else {
                                    f.value.clone()
                                }
                            })
                            .collect::<Vec<_>>()
                            .join("\n"),
                        problem: item_problem(item, lang),
                        advice: pick(lang, &item.advice_en, &item.advice_fr),
                    });
                }
            }
        }
        rows
    }
}

/// What is wrong, as one text in `lang`.
fn item_problem(item: &Item, lang: Lang) -> String {
    let en = with_entity(&item.entity_en, &item.message_en);
    let fr = with_entity(&item.entity_fr, &item.message_fr);
    let mut s = match lang {
        Lang::Both if !fr.is_empty() && fr != en => format!("{en}\n{fr}"),
        _ => pick(lang, &en, &fr),
    };
    if let Some(problem) = &item.problem {
        s.push('\n');
        s.push_str(&text::not_understood(lang, problem, &item.raw));
    }
    s
}

fn with_entity(entity: &str, message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else if entity.is_empty() {
        message.to_string()
    } else {
        format!("({entity}) {message}")
    }
}

/// `FOSS/GCMS Client ID 12345678, born 1978-05-20` (or "No client identifier").
fn client_line(client: &Client, lang: Lang) -> String {
    if client.is_unknown() {
        return text::no_client(lang);
    }
    let or_dash = |s: &str| {
        if s.is_empty() {
            "—".to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{} {}, {} {}",
        or_dash(&client.id_type),
        or_dash(&client.id_value),
        pick(lang, "born", "né(e) le"),
        or_dash(&client.birth_date)
    )
}

fn summary(book: &Rejected, registry: &Registry) -> FileSummary {
    let template = book
        .template
        .as_deref()
        .and_then(|id| registry.template(id));
    let buids: BTreeSet<u64> = book.notes.iter().filter_map(|n| n.note.buid).collect();
    let times = book.notes.iter().filter_map(|n| n.note.timestamp);
    FileSummary {
        path: book.path.clone(),
        name: book.file_name(),
        template: book.template.clone(),
        title_en: template.map_or_else(|| "Unknown template".to_string(), |t| t.title_en.clone()),
        title_fr: template.map_or_else(|| "Modèle inconnu".to_string(), |t| t.title_fr.clone()),
        buids: buids.into_iter().collect(),
        first_processed: times.clone().min(),
        last_processed: times.max(),
        rows: book.row_count(),
        notes: book.notes.len(),
    }
}

fn record(
    file: usize,
    book: &Rejected,
    row: u32,
    notes: &[&LocatedNote],
    not_validated: bool,
    registry: &Registry,
    lists: &ColumnLists,
) -> Record {
    let mut items: Vec<Item> = notes
        .iter()
        .map(|n| note_item(book, n, registry, lists))
        .collect();
    if not_validated && !items.iter().any(|i| i.category == Category::Identity) {
        items.insert(0, cascade_item(book, row, registry));
    }
    Record {
        file,
        row,
        buid: notes.iter().find_map(|n| n.note.buid),
        rid: notes.iter().find_map(|n| n.note.rid),
        orp: notes.iter().find_map(|n| n.note.orp),
        processed: notes.iter().find_map(|n| n.note.timestamp),
        items,
    }
}

fn field(
    book: &Rejected,
    row: u32,
    code: &str,
    col: Option<u32>,
    registry: &Registry,
) -> FieldToFix {
    let known = registry.column(book.template.as_deref(), code);
    // A field neither the file nor the template knows is named in words, not by its code.
    let (label_en, label_fr) = match (col, known) {
        (Some(col), _) => (
            book.label(col),
            known.map(|c| c.label_fr.clone()).unwrap_or_default(),
        ),
        (None, Some(c)) => (c.label_en.clone(), c.label_fr.clone()),
        (None, None) => (
            text::UNKNOWN_FIELD_EN.to_string(),
            text::UNKNOWN_FIELD_FR.to_string(),
        ),
    };
    FieldToFix {
        code: code.to_string(),
        col,
        cell: col.map(|c| cell_name(row, c)).unwrap_or_default(),
        label_en,
        label_fr,
        value: col.map(|c| book.value(row, c)).unwrap_or_default(),
    }
}

/// The item of one note. Its advice names yes/no answers as the file's own list spells
/// them; a note whose fields are all missing from the file gets advice that says so, never
/// advice about a cell or a list that is not there.
fn note_item(
    book: &Rejected,
    located: &LocatedNote,
    registry: &Registry,
    lists: &ColumnLists,
) -> Item {
    let note = &located.note;
    let message = registry.message(note);
    let category = located.category;
    let advice_en = message
        .map(|m| m.advice_en.as_str())
        .filter(|a| !a.is_empty())
        .unwrap_or(category.advice_en());
    let advice_fr = message
        .map(|m| m.advice_fr.as_str())
        .filter(|a| !a.is_empty())
        .unwrap_or(category.advice_fr());
    let (advice_en, advice_fr) = if located.cells.is_empty() && !located.unlocated.is_empty() {
        (text::NOT_IN_FILE_ADVICE_EN, text::NOT_IN_FILE_ADVICE_FR)
    } else {
        (advice_en, advice_fr)
    };
    let values: Vec<&[String]> = located
        .cells
        .iter()
        .filter_map(|c| lists.values(c.col))
        .collect();
    Item {
        kind: ItemKind::Note,
        category,
        entity_en: note.entity_en.clone(),
        message_en: note.message_en.clone(),
        entity_fr: note.entity_fr.clone(),
        message_fr: note.message_fr.clone(),
        advice_en: quote_list_values(advice_en, &values, Lang::En),
        advice_fr: quote_list_values(advice_fr, &values, Lang::Fr),
        fields: located
            .cells
            .iter()
            .map(|c| field(book, located.row, &c.code, Some(c.col), registry))
            .collect(),
        unlocated: located
            .unlocated
            .iter()
            .map(|code| field(book, located.row, code, None, registry))
            .collect(),
        problem: note.problem.clone(),
        raw: note.raw.clone(),
    }
}

fn cascade_item(book: &Rejected, row: u32, registry: &Registry) -> Item {
    Item {
        kind: ItemKind::Cascade,
        category: Category::Identity,
        entity_en: String::new(),
        message_en: text::CASCADE_EN.to_string(),
        entity_fr: String::new(),
        message_fr: text::CASCADE_FR.to_string(),
        advice_en: text::CASCADE_ADVICE_EN.to_string(),
        advice_fr: text::CASCADE_ADVICE_FR.to_string(),
        fields: IDENTITY_CODES
            .iter()
            .filter_map(|code| {
                book.column_of(code)
                    .map(|col| field(book, row, code, Some(col), registry))
            })
            .collect(),
        unlocated: Vec::new(),
        problem: None,
        raw: String::new(),
    }
}

/// A short text in `lang`: `en`, `fr` (English where no French is known), or for both
/// `en / fr`, once when they are the same.
pub(crate) fn pick(lang: Lang, en: &str, fr: &str) -> String {
    if en == fr {
        en.to_string()
    } else {
        lang.pick(en, fr, " / ")
    }
}

/// The fixed texts of checklists, in both languages.
pub(crate) mod text {
    use super::pick;
    use crate::lang::Lang;

    pub const CASCADE_EN: &str = "Rejected with the client: IRCC could not validate this client, so iCARE rejects every record of the client.";
    pub const CASCADE_FR: &str = "Rejeté avec le client : IRCC n'a pas pu valider ce client, alors iCARE rejette tous les dossiers du client.";
    pub const CASCADE_ADVICE_EN: &str = "Once the client's identifier type, identifier value and date of birth are corrected, write the same corrected values in this row too, then upload it again after the Client Profile.";
    pub const CASCADE_ADVICE_FR: &str = "Une fois le type d'identificateur, sa valeur et la date de naissance du client corrigés, inscrivez les mêmes valeurs dans cette ligne aussi, puis téléversez-la de nouveau après le profil du client.";

    pub const UNKNOWN_FIELD_EN: &str = "A field iCARE names that this template does not have";
    pub const UNKNOWN_FIELD_FR: &str = "Un champ nommé par iCARE que ce modèle n'a pas";
    pub const NOT_IN_FILE_ADVICE_EN: &str = "This field is not in this file, so there is no cell to correct here: correct the record in your case-management system. If iCARE rejects it again, ask your iCARE contact which field the note means.";
    pub const NOT_IN_FILE_ADVICE_FR: &str = "Ce champ est absent de ce fichier, il n'y a donc aucune cellule à corriger ici : corrigez le dossier dans votre système de gestion des dossiers. Si iCARE le rejette de nouveau, demandez à votre personne-ressource d'iCARE quel champ la note désigne.";

    pub fn whole_row(lang: Lang) -> String {
        pick(
            lang,
            "Whole row (iCARE named no field)",
            "Toute la ligne (iCARE n'a indiqué aucun champ)",
        )
    }

    pub fn not_in_file(lang: Lang) -> String {
        pick(lang, "not in this file", "absent de ce fichier")
    }

    pub fn empty(lang: Lang) -> String {
        pick(lang, "(empty)", "(vide)")
    }

    pub fn no_client(lang: Lang) -> String {
        pick(
            lang,
            "Records without a client identifier",
            "Dossiers sans identificateur de client",
        )
    }

    pub fn not_understood(lang: Lang, problem: &str, raw: &str) -> String {
        format!(
            "{} ({problem}): {raw}",
            pick(
                lang,
                "Note not fully understood, as written by iCARE",
                "Note mal comprise, telle qu'écrite par iCARE"
            )
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_joins_both_languages_once() {
        assert_eq!(pick(Lang::Both, "Row", "Ligne"), "Row / Ligne");
        assert_eq!(pick(Lang::Both, "Province", "Province"), "Province");
        assert_eq!(pick(Lang::Fr, "Row", ""), "Row");
        assert_eq!(pick(Lang::En, "Row", "Ligne"), "Row");
    }

    #[test]
    fn clients_are_told_apart_without_case_spaces_dashes_or_apostrophe_style() {
        let client = |t: &str, v: &str, d: &str| Client {
            id_type: t.into(),
            id_value: v.into(),
            birth_date: d.into(),
        };
        assert_eq!(
            client_key(&client(
                "Temporary Resident or Minister\u{2019}s Permit Number",
                "12-3456-7890",
                "1980-01-01"
            )),
            client_key(&client(
                " temporary resident or minister's  permit number",
                "1234567890 ",
                " 1980-01-01"
            ))
        );
        assert_ne!(
            client_key(&client("FOSS/GCMS Client ID", "1234", "1980-01-01")),
            client_key(&client("FOSS/GCMS Client ID", "1234", "1980-01-02"))
        );
        assert_eq!(client_key(&Client::default()), None);
    }
}
