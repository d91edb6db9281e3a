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
mod model;
mod sheet;
pub(crate) mod text;

use std::collections::{BTreeSet, HashMap};

use crate::lang::{Lang, quote_list_values};
use crate::note::{ArcStr, Category, Texts};
use crate::template::Registry;
use crate::workbook::lists::ColumnLists;
use crate::workbook::{Client, LocatedNote, Rejected, cell_name};

pub use html::escape;
pub use model::{
    Checklist, ChecklistRow, ClientEntry, FieldToFix, FileSummary, Item, ItemKind, Record,
};
pub use sheet::{CHECKLIST_SHEET, sheet_name, write_sheet};
pub(crate) use text::pick;

/// Template id of the Client Profile: its records come first in a client's list, since
/// iCARE accepts a client's service records only once the client is accepted.
const CLIENT_PROFILE: &str = "client_profile";

/// The field codes that identify a client to IRCC.
pub const IDENTITY_CODES: [&str; 3] = [
    "client_validation_type_id",
    "client_validation_id",
    "client_birth_dt",
];

/// The key that tells clients apart: identifier type, value and date of birth, compared
/// without case, spaces, dashes (in the value) or apostrophe style; one text (the three
/// joined by a control character no cell can hold), as one is made per client.
type ClientKey = String;

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
    Some(format!(
        "{id_type}\u{1f}{id_value}\u{1f}{}",
        client.birth_date.trim()
    ))
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
        let mut clients: Vec<ClientEntry> = Vec::new();
        let mut index: HashMap<Option<ClientKey>, usize> = HashMap::new();
        // Messages, advice and labels repeat over thousands of items: each held once.
        let mut texts = Texts::default();
        for (file, book) in books.iter().enumerate() {
            let lists = ColumnLists::of_book(book, registry)
                .unwrap_or_else(|_| ColumnLists::build(&book.codes, None, registry));
            // The notes in row order (a stable sort: a row's notes keep their order), each
            // row's found by a binary search: no list per row.
            let mut by_row: Vec<&LocatedNote> = book.notes.iter().collect();
            by_row.sort_by_key(|n| n.row);
            for grid_row in book.data_rows() {
                let row = grid_row.row;
                let client = book.client(row);
                let key = client_key(&client);
                let first = by_row.partition_point(|n| n.row < row);
                let count = by_row[first..].partition_point(|n| n.row == row);
                let notes = &by_row[first..first + count];
                let cascade = key.as_ref().is_some_and(|k| not_validated.contains(k));
                if notes.is_empty() && !cascade {
                    continue;
                }
                let record = record(
                    file,
                    book,
                    row,
                    notes,
                    cascade,
                    (registry, &lists),
                    &mut texts,
                );
                let at = *index.entry(key).or_insert_with(|| {
                    clients.push(ClientEntry {
                        client,
                        not_validated: cascade,
                        // Most clients have one record: room for one, not the four a
                        // first push makes.
                        records: Vec::with_capacity(1),
                    });
                    clients.len() - 1
                });
                clients[at].records.push(record);
            }
        }
        drop(index);

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

    /// [`Checklist::to_html`] written to `out` as it is made, never whole in memory.
    ///
    /// # Errors
    ///
    /// When `out` fails.
    pub fn write_html(&self, lang: Lang, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        html::render_to(self, lang, out)
    }

    /// The checklist as flat rows (one per item), in the order of work, with texts in
    /// `lang`: what a printed sheet shows. See [`write_sheet`].
    pub fn rows(&self, lang: Lang) -> Vec<ChecklistRow> {
        self.rows_iter(lang).collect()
    }

    /// [`Checklist::rows`] made one at a time, for a sheet written a row at a time.
    pub fn rows_iter(&self, lang: Lang) -> impl Iterator<Item = ChecklistRow> + '_ {
        self.clients.iter().enumerate().flat_map(move |(n, entry)| {
            let client = client_line(&entry.client, lang);
            entry.records.iter().flat_map(move |record| {
                let file = &self.files[record.file];
                let client = client.clone();
                record.items.iter().map(move |item| {
                    let all: Vec<&FieldToFix> =
                        item.fields.iter().chain(item.unlocated.iter()).collect();
                    ChecklistRow {
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
                    }
                })
            })
        })
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
    (registry, lists): (&Registry, &ColumnLists),
    texts: &mut Texts,
) -> Record {
    let mut items: Vec<Item> = notes
        .iter()
        .map(|n| note_item(book, n, (registry, lists), texts))
        .collect();
    if not_validated && !items.iter().any(|i| i.category == Category::Identity) {
        items.insert(0, cascade_item(book, row, registry, texts));
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
    texts: &mut Texts,
) -> FieldToFix {
    let known = registry.column(book.template.as_deref(), code);
    // A field neither the file nor the template knows is named in words, not by its code.
    let (label_en, label_fr) = match (col, known) {
        (Some(col), _) => (
            texts.get(&book.label(col)),
            texts.get(known.map_or("", |c| c.label_fr.as_str())),
        ),
        (None, Some(c)) => (texts.get(&c.label_en), texts.get(&c.label_fr)),
        (None, None) => (
            texts.get(text::UNKNOWN_FIELD_EN),
            texts.get(text::UNKNOWN_FIELD_FR),
        ),
    };
    FieldToFix {
        code: texts.get(code),
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
    (registry, lists): (&Registry, &ColumnLists),
    texts: &mut Texts,
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
        advice_en: texts.get(&quote_list_values(advice_en, &values, Lang::En)),
        advice_fr: texts.get(&quote_list_values(advice_fr, &values, Lang::Fr)),
        fields: located
            .cells
            .iter()
            .map(|c| field(book, located.row, &c.code, Some(c.col), registry, texts))
            .collect(),
        unlocated: located
            .unlocated
            .iter()
            .map(|code| field(book, located.row, code, None, registry, texts))
            .collect(),
        problem: note.problem.clone(),
        raw: note.raw.clone(),
    }
}

fn cascade_item(book: &Rejected, row: u32, registry: &Registry, texts: &mut Texts) -> Item {
    Item {
        kind: ItemKind::Cascade,
        category: Category::Identity,
        entity_en: ArcStr::new(),
        message_en: texts.get(text::CASCADE_EN),
        entity_fr: ArcStr::new(),
        message_fr: texts.get(text::CASCADE_FR),
        advice_en: texts.get(text::CASCADE_ADVICE_EN),
        advice_fr: texts.get(text::CASCADE_ADVICE_FR),
        fields: IDENTITY_CODES
            .iter()
            .filter_map(|code| {
                book.column_of(code)
                    .map(|col| field(book, row, code, Some(col), registry, texts))
            })
            .collect(),
        unlocated: Vec::new(),
        problem: None,
        raw: ArcStr::new(),
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
