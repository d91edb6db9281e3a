//! Synthetic rejected iCARE workbooks in the real 2018 layout, for the bundled samples, the
//! tests and the benchmarks.
//!
//! [`to_bytes`] and [`write`] build a workbook from a [`Spec`]: which template (from the
//! [`Registry`]), how many rejected rows, where the notes stand ([`Layout`]), shared or inline
//! strings, whether the hidden `LOV`/`LOVIds` sheets and the Excel 2010 `x14:dataValidations`
//! drop-downs are there, which notes the rows carry ([`NoteSet`]) and whether some cells carry
//! the damage Excel does when someone retypes values ([`Spec::damage`]). [`bundled`] lists the
//! files of `samples/` (`cargo run --example make_samples` writes them).
//!
//! The package is written directly (zip + XML written by hand), mimicking what Excel writes for
//! the real template:
//! - sheet `iCARE Template`: row 1 one merged, wrapped, three-line title cell from A across
//!   every column; row 2 hidden, one field code per column; row 3 the English labels, bold on
//!   blue, orange (`FFFFA500`) for mandatory columns and white for optional ones; data from
//!   row 4, every data cell formatted as Text (`@`), dates as `YYYY-MM-DD` text, yes/no as
//!   `Yes`/`No`, list values exactly as allowed (typographic apostrophe U+2019);
//! - hidden sheets `LOV` (row 1 info, row 2 `Mandatory=…;`, values from row 3, one column per
//!   template column) and `LOVIds` (the values' ids), with one `x14:dataValidation` per list
//!   column pointing at `LOV!$X$3:$X$n` for rows 4 to 2503, as the real template does.
//!
//! In the [`Layout::Inserted`] layout the notes stand in an extra first column with an empty
//! codes-row cell, and everything of the template (cells, widths, validations) moves right by
//! one; the title merge then spans from A to the new last column. The `LOV` sheets do not move
//! (an inserted sheet column does not change them), so validation sources keep their letters.
//!
//! Output is deterministic: the same spec gives the same bytes (fixed zip timestamps, fixed
//! document dates, a tiny xorshift generator seeded from [`Spec::seed`]). All data is made up:
//! identifiers of 8 or 10 random digits, `555-01xx` phone numbers, random postal codes,
//! `example.org` e-mail addresses.
//!
//! XML is streamed row by row into the zip writer, so large workbooks (50,000 rows of the
//! 95-column Information and Orientation template) take little memory beyond the shared
//! strings table.
//!
//! ```
//! use icare_synth::{self as synth, Spec};
//! use icare_fix::Registry;
//! let registry = Registry::builtin();
//! let spec = Spec::new("client_profile", 5);
//! let bytes = synth::to_bytes(&spec, &registry).unwrap();
//! assert!(bytes.starts_with(b"PK"));
//! let manifest = synth::manifest(&spec, &registry).unwrap();
//! assert_eq!(manifest.note_cells.len(), 5); // every rejected row carries a note
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Cursor, Seek, Write};
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, NaiveDateTime};

pub mod hostile;
pub mod seeds;

use icare_fix::error::{Error, Result};
use icare_fix::template::{Column, Registry, Template, ValueKind};
use icare_fix::workbook::Layout;
use icare_fix::workbook::address::col_name;

/// Name of the visible data sheet.
pub const DATA_SHEET: &str = "iCARE Template";
/// Name of the hidden sheet of allowed values.
pub const LOV_SHEET: &str = "LOV";
/// Name of the hidden sheet of the allowed values' ids.
pub const LOV_IDS_SHEET: &str = "LOVIds";
/// 0-based row of the field codes (row 2 in Excel).
pub const CODES_ROW: u32 = 1;
/// 0-based row of the labels (row 3 in Excel).
pub const LABELS_ROW: u32 = 2;
/// 0-based first data row (row 4 in Excel).
pub const DATA_START: u32 = 3;
/// Last 1-based row the drop-down validations cover, as in the real template.
pub const VALIDATION_LAST_ROW: u32 = 2503;
/// Most data rows a spec may ask for: Excel's last row less the three header rows.
pub const MAX_ROWS: usize = 1_048_576 - 3;
/// Label of the extra notes column in the [`Layout::Inserted`] layout (its code cell is empty).
pub const INSERTED_LABEL: &str = "Error Details";

/// How cell text is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strings {
    /// In the shared strings table (`t="s"`), as Excel writes.
    Shared,
    /// In the cells themselves (`t="inlineStr"`), as openpyxl and some exporters write.
    Inline,
}

/// Which notes the rejected rows carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteSet {
    /// No notes: an original upload file with empty Processing Details (for refusal tests).
    None,
    /// A realistic mix: "Unable to validate against database" with `[XML:]` or `[1]`, the
    /// phone/consent message where the template has those codes, and a few other plausible
    /// messages on real codes of the template, in both languages.
    Typical,
    /// Every shape the note parser must handle, one after the other from the first data row
    /// (see [`all_shapes_count`]); rows past the shapes carry typical notes.
    AllShapes,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Template id from the registry, e.g. `information_orientation`.
    pub template: String,
    /// Number of data (rejected) rows.
    pub rows: usize,
    /// [`Layout::Native`]: notes in the template's own `processing_details` column;
    /// [`Layout::Inserted`]: notes in an extra uncoded column in front of the template.
    pub layout: Layout,
    /// Shared or inline strings.
    pub strings: Strings,
    /// Hidden `LOV` and `LOVIds` sheets and `x14:dataValidations` drop-downs.
    pub lists: bool,
    /// What notes the rows carry.
    pub notes: NoteSet,
    /// Excel damage in a few cells (each [`DamageKind`] about twice, spread over the rows);
    /// [`Manifest::damage`] lists them with their original text. Every other cell is the
    /// same as with `damage: false`, so a repaired file can be compared with that one.
    pub damage: bool,
    /// Every list column cycles through its allowed values row after row (row `i` holds
    /// value `i` modulo the list's length), so that `rows` at least as long as the longest
    /// list puts every allowed value into the file.
    pub every_value: bool,
    /// Seed of the pseudo-random data.
    pub seed: u64,
}

impl Spec {
    /// A spec with the usual settings: native layout, shared strings, lists, typical notes,
    /// no damage, seed 1.
    pub fn new(template: &str, rows: usize) -> Spec {
        Spec {
            template: template.to_string(),
            rows,
            layout: Layout::Native,
            strings: Strings::Shared,
            lists: true,
            notes: NoteSet::Typical,
            damage: false,
            every_value: false,
            seed: 1,
        }
    }
}

impl Default for Spec {
    /// Ten rows of the Information and Orientation template with [`Spec::new`]'s settings.
    fn default() -> Spec {
        Spec::new("information_orientation", 10)
    }
}

/// The kinds of Excel damage [`Spec::damage`] puts into cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DamageKind {
    /// A date column holds an Excel date serial number with a date number format
    /// (`m/d/yyyy`, built-in format 14), as when someone retypes a date.
    DateSerial,
    /// A date column holds a date serial with the custom format `yyyy-mm-dd`: it looks right
    /// in Excel but is a number.
    DateSerialIso,
    /// An identifier (`client_validation_id`) stored as a number in a General cell.
    IdentifierNumber,
    /// A list value with a straight apostrophe where the allowed value has U+2019.
    ListApostrophe,
    /// A list value differing from the allowed value only by case.
    ListCase,
    /// A list value with spaces around it.
    ListSpaces,
}

/// One damaged cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// 0-based row.
    pub row: u32,
    /// 0-based column (in the sheet, so shifted by one in the inserted layout).
    pub col: u32,
    /// Field code of the column.
    pub code: String,
    /// What was done.
    pub kind: DamageKind,
    /// The value as it should be: the text a repair must restore.
    pub original: String,
    /// What the cell holds instead: the damaged text, or the number as Excel stores it.
    pub stored: String,
}

/// The notes cell of one data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteCell {
    /// 0-based row.
    pub row: u32,
    /// The cell's text exactly as written.
    pub text: String,
    /// How many notes the cell holds (each starting with `[BUID:`, or a stray text).
    pub notes: usize,
    /// How many of them do not fit the grammar on purpose.
    pub malformed: usize,
}

/// What a generated workbook holds, for tests to check against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Template id.
    pub template: String,
    /// Where the notes stand.
    pub layout: Layout,
    /// 0-based column of the notes.
    pub notes_col: u32,
    /// 0-based column of the template's first column (1 in the inserted layout).
    pub template_offset: u32,
    /// Number of columns of the data sheet.
    pub columns: u32,
    /// 0-based first data row.
    pub data_start: u32,
    /// Number of data rows.
    pub rows: usize,
    /// The bulk upload id every note carries.
    pub buid: u64,
    /// The notes cell of each data row that has one.
    pub note_cells: Vec<NoteCell>,
    /// The damaged cells, in row order.
    pub damage: Vec<Damage>,
}

impl Manifest {
    /// Total number of notes in the workbook.
    pub fn note_count(&self) -> usize {
        self.note_cells.iter().map(|c| c.notes).sum()
    }

    /// Number of notes that do not fit the grammar on purpose.
    pub fn malformed_count(&self) -> usize {
        self.note_cells.iter().map(|c| c.malformed).sum()
    }

    /// 0-based column of a field code in the data sheet.
    pub fn column_of(&self, template: &Template, code: &str) -> Option<u32> {
        template
            .columns
            .iter()
            .position(|c| c.code == code)
            .map(|i| i as u32 + self.template_offset)
    }
}

/// The generated workbook as bytes.
pub fn to_bytes(spec: &Spec, registry: &Registry) -> Result<Vec<u8>> {
    let mut cursor = Cursor::new(Vec::new());
    generate(spec, registry, &mut cursor, Path::new("(in memory)"))?;
    Ok(cursor.into_inner())
}

/// Writes the generated workbook to `path`, replacing any file there (through
/// [`icare_fix::output::OutputFile`], so a half-written file never appears), and returns what it
/// holds.
pub fn write(spec: &Spec, registry: &Registry, path: &Path) -> Result<Manifest> {
    let mut out = icare_fix::output::OutputFile::create(path, &[], true)?;
    let manifest = generate(spec, registry, out.file(), path)?;
    out.commit()?;
    Ok(manifest)
}

/// What [`to_bytes`] or [`write`] would put in the workbook, without writing it.
pub fn manifest(spec: &Spec, registry: &Registry) -> Result<Manifest> {
    let plan = Plan::new(spec, registry)?;
    let mut generator = RowGenerator::new(&plan);
    let mut manifest = plan.manifest();
    for i in 0..spec.rows {
        let row = generator.row(i);
        manifest.absorb(row);
    }
    Ok(manifest)
}

/// The damaged cells of the workbook a spec gives (empty without [`Spec::damage`]).
pub fn damaged_cells(spec: &Spec, registry: &Registry) -> Result<Vec<Damage>> {
    Ok(manifest(spec, registry)?.damage)
}

/// Number of note shapes [`NoteSet::AllShapes`] puts into the first rows, one row each;
/// a spec with fewer rows covers only the first shapes.
pub fn all_shapes_count() -> usize {
    SHAPES.len()
}

/// The file names and specs of the bundled samples in `samples/`.
pub fn bundled() -> Vec<(&'static str, Spec)> {
    let typical = |template: &str, rows: usize, seed: u64| Spec {
        seed,
        ..Spec::new(template, rows)
    };
    vec![
        ("client_profile.xlsx", typical("client_profile", 12, 11)),
        (
            "needs_assessment_referrals.xlsx",
            typical("needs_assessment_referrals", 8, 12),
        ),
        (
            "information_orientation.xlsx",
            typical("information_orientation", 15, 13),
        ),
        ("employment.xlsx", typical("employment", 8, 14)),
        (
            "community_connections.xlsx",
            typical("community_connections", 8, 15),
        ),
        ("lt_course_setup.xlsx", typical("lt_course_setup", 6, 16)),
        (
            "lt_client_enrolment.xlsx",
            typical("lt_client_enrolment", 8, 17),
        ),
        ("lt_client_exit.xlsx", typical("lt_client_exit", 8, 18)),
        (
            "information_orientation_all_shapes.xlsx",
            Spec {
                notes: NoteSet::AllShapes,
                seed: 21,
                ..Spec::new("information_orientation", 20)
            },
        ),
        (
            "client_profile_inserted_column.xlsx",
            Spec {
                layout: Layout::Inserted,
                seed: 22,
                ..Spec::new("client_profile", 10)
            },
        ),
        (
            "information_orientation_inline_strings.xlsx",
            Spec {
                strings: Strings::Inline,
                lists: false,
                seed: 23,
                ..Spec::new("information_orientation", 10)
            },
        ),
        (
            "information_orientation_damaged.xlsx",
            Spec {
                damage: true,
                seed: 24,
                ..Spec::new("information_orientation", 12)
            },
        ),
        (
            "original_upload.xlsx",
            Spec {
                notes: NoteSet::None,
                seed: 25,
                ..Spec::new("client_profile", 6)
            },
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// Random numbers

/// xorshift64*: tiny, fast and good enough for made-up data.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that nearby seeds give unrelated streams; never zero.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// `len` random digits, the first not zero.
    fn digits(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        s.push(char::from(b'1' + self.below(9) as u8));
        for _ in 1..len {
            s.push(char::from(b'0' + self.below(10) as u8));
        }
        s
    }
}

// ---------------------------------------------------------------------------------------
// The plan: what is fixed for a whole workbook

struct Plan<'a> {
    spec: &'a Spec,
    registry: &'a Registry,
    template: &'a Template,
    /// 1 when the notes column is inserted in front of the template.
    offset: u32,
    /// Columns of the data sheet.
    ncols: u32,
    notes_col: u32,
    buid: u64,
    base_time: NaiveDateTime,
}

impl<'a> Plan<'a> {
    fn new(spec: &'a Spec, registry: &'a Registry) -> Result<Plan<'a>> {
        let template = registry
            .template(&spec.template)
            .ok_or_else(|| Error::UnknownTemplate {
                id: spec.template.clone(),
                known: registry
                    .templates()
                    .iter()
                    .map(|t| t.id.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if spec.rows > MAX_ROWS {
            return Err(Error::Unsupported {
                path: PathBuf::from(&spec.template),
                detail: format!(
                    "{} rows do not fit in an Excel sheet under the three header rows (at most {MAX_ROWS})",
                    spec.rows
                ),
            });
        }
        let offset = u32::from(spec.layout == Layout::Inserted);
        let native_col = template
            .columns
            .iter()
            .position(|c| c.code == "processing_details")
            .unwrap_or(0) as u32;
        let notes_col = if offset == 1 { 0 } else { native_col };
        let mut rng = Rng::new(spec.seed ^ 0xB01D);
        let buid = 100_000 + rng.below(900_000);
        let day = NaiveDate::from_ymd_opt(2018, 4, 2).expect("valid date")
            + Duration::days(rng.below(180) as i64);
        let base_time = day
            .and_hms_opt(
                9 + rng.below(8) as u32,
                rng.below(60) as u32,
                rng.below(60) as u32,
            )
            .expect("valid time");
        Ok(Plan {
            spec,
            registry,
            template,
            offset,
            ncols: template.columns.len() as u32 + offset,
            notes_col,
            buid,
            base_time,
        })
    }

    fn manifest(&self) -> Manifest {
        Manifest {
            template: self.template.id.clone(),
            layout: self.spec.layout,
            notes_col: self.notes_col,
            template_offset: self.offset,
            columns: self.ncols,
            data_start: DATA_START,
            rows: self.spec.rows,
            buid: self.buid,
            note_cells: Vec::new(),
            damage: Vec::new(),
        }
    }

    /// Template column index of a code.
    fn index_of(&self, code: &str) -> Option<usize> {
        self.template.columns.iter().position(|c| c.code == code)
    }

    fn has(&self, code: &str) -> bool {
        self.index_of(code).is_some()
    }

    /// Allowed values of a template column, when it is a list column with known values.
    fn list(&self, column: &Column) -> Option<&'a [icare_fix::template::ListValue]> {
        (column.kind == ValueKind::List)
            .then(|| self.registry.allowed_values(&column.code))
            .flatten()
            .filter(|v| !v.is_empty())
    }

    fn title(&self) -> String {
        format!(
            "Immigration, Refugees and Citizenship Canada\niCARE - Immigration Contribution Agreement Reporting Environment\n{}\n",
            self.template.title_en
        )
    }
}

impl Manifest {
    fn absorb(&mut self, row: GenRow) {
        if let Some(cell) = row.note {
            self.note_cells.push(cell);
        }
        self.damage.extend(row.damage);
    }
}

// ---------------------------------------------------------------------------------------
// Rows

/// A cell of a generated data row.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Empty,
    Text(String),
    /// A number with a style index (damage only).
    Number(f64, u32),
}

struct GenRow {
    /// One value per sheet column.
    cells: Vec<Value>,
    note: Option<NoteCell>,
    damage: Vec<Damage>,
}

/// Generates the data rows one by one, deterministically.
struct RowGenerator<'p, 'a> {
    plan: &'p Plan<'a>,
    rng: Rng,
    /// Position of the previous rejected row in the imagined original upload.
    orp_last: u64,
    /// Rows in the imagined original upload.
    orp_total: u64,
    /// Damage still to place: (first row it may go to, kind).
    pending_damage: Vec<(usize, DamageKind)>,
    /// A stream of its own for the damage, so that every other cell is the same as without
    /// damage.
    damage_rng: Rng,
}

/// What a note is about, decided before the row's values so that they agree.
struct NoteDraft {
    text: String,
    notes: usize,
    malformed: usize,
    /// Values the note needs in the row (template column index, value).
    force: Vec<(usize, String)>,
}

impl<'p, 'a> RowGenerator<'p, 'a> {
    fn new(plan: &'p Plan<'a>) -> RowGenerator<'p, 'a> {
        let mut rng = Rng::new(plan.spec.seed);
        let rows = plan.spec.rows as u64;
        // The original upload held the rejected rows and some accepted ones in between.
        let orp_total = rows + rows.div_ceil(2) + rng.below(rows / 2 + 3);
        let pending_damage = if plan.spec.damage {
            damage_schedule(plan.spec.rows)
        } else {
            Vec::new()
        };
        RowGenerator {
            plan,
            rng,
            orp_last: 0,
            orp_total,
            pending_damage,
            damage_rng: Rng::new(plan.spec.seed ^ 0xDA3A_6E00),
        }
    }

    /// The next ORP index: increasing, leaving room for every remaining row.
    fn next_orp(&mut self, i: usize) -> u64 {
        let remaining = self.plan.spec.rows as u64 - i as u64;
        let room = self.orp_total - self.orp_last - remaining;
        let gap = if room == 0 {
            0
        } else {
            self.rng.below(room.min(3) + 1)
        };
        self.orp_last += 1 + gap;
        self.orp_last
    }

    fn row(&mut self, i: usize) -> GenRow {
        let plan = self.plan;
        let row = DATA_START + i as u32;
        let orp = self.next_orp(i);
        let header = Header {
            buid: plan.buid,
            orp,
            total: self.orp_total,
            dts: plan.base_time + Duration::seconds(i as i64),
        };
        let draft = match plan.spec.notes {
            NoteSet::None => None,
            NoteSet::Typical => Some(self.typical_note(&header)),
            NoteSet::AllShapes => Some(match SHAPES.get(i) {
                Some(shape) => self.shape_note(*shape, &header),
                None => self.typical_note(&header),
            }),
        };

        let mut cells = vec![Value::Empty; plan.ncols as usize];
        let columns = &plan.template.columns;
        for (idx, column) in columns.iter().enumerate() {
            if column.code == "processing_details" {
                continue;
            }
            let value = match column.code.as_str() {
                "client_validation_id" => {
                    let len = if self.rng.chance(70) { 8 } else { 10 };
                    Some(self.rng.digits(len))
                }
                _ => self.value(column),
            };
            // The random draw above still happens, so every other cell stays the same.
            let value = match plan.list(column) {
                Some(values) if plan.spec.every_value => {
                    Some(values[i % values.len()].value.clone())
                }
                _ => value,
            };
            if let Some(v) = value {
                cells[idx + plan.offset as usize] = Value::Text(v);
            }
        }

        let mut note = None;
        let forced: Vec<usize> = draft
            .iter()
            .flat_map(|d| d.force.iter().map(|(i, _)| *i))
            .collect();
        if let Some(draft) = draft {
            for (idx, value) in &draft.force {
                cells[*idx + plan.offset as usize] = if value.is_empty() {
                    Value::Empty
                } else {
                    Value::Text(value.clone())
                };
            }
            cells[plan.notes_col as usize] = Value::Text(draft.text.clone());
            note = Some(NoteCell {
                row,
                text: draft.text,
                notes: draft.notes,
                malformed: draft.malformed,
            });
        }

        // Damage goes to the first row at or after its scheduled row that has a fitting
        // value, never to a cell a note set, at most one per cell.
        let mut damage: Vec<Damage> = Vec::new();
        let mut k = 0;
        while k < self.pending_damage.len() {
            let (first_row, kind) = self.pending_damage[k];
            if first_row > i {
                k += 1;
                continue;
            }
            let mut skip: Vec<usize> = forced.clone();
            skip.extend(damage.iter().map(|d| (d.col - plan.offset) as usize));
            match self.damage(kind, row, &mut cells, &skip) {
                Some(d) => {
                    damage.push(d);
                    self.pending_damage.remove(k);
                }
                None => k += 1,
            }
        }
        GenRow {
            cells,
            note,
            damage,
        }
    }

    /// A made-up value for a column, `None` for an empty cell.
    fn value(&mut self, column: &Column) -> Option<String> {
        let rng = &mut self.rng;
        let code = column.code.as_str();
        let fill = column.mandatory || rng.chance(35);
        match column.kind {
            ValueKind::Date => {
                if !fill {
                    return None;
                }
                let date = if code.contains("birth") {
                    NaiveDate::from_ymd_opt(1945, 1, 1).expect("valid date")
                        + Duration::days(rng.below(365 * 65) as i64)
                } else {
                    NaiveDate::from_ymd_opt(2018, 1, 2).expect("valid date")
                        + Duration::days(rng.below(240) as i64)
                };
                Some(date.format("%Y-%m-%d").to_string())
            }
            ValueKind::YesNo => fill.then(|| (*rng.pick(&["Yes", "No"])).to_string()),
            ValueKind::Identifier => (column.mandatory || rng.chance(10)).then(|| rng.digits(8)),
            ValueKind::List => {
                if !fill {
                    return None;
                }
                let values = self.plan.list(column)?;
                Some(self.rng.pick(values).value.clone())
            }
            ValueKind::Text => text_value(code, column.mandatory, rng),
        }
    }

    fn typical_note(&mut self, header: &Header) -> NoteDraft {
        let plan = self.plan;
        let has_identity = plan.has("client_validation_type_id");
        let has_phone = plan.has("consent_ind") && plan.has("phone_no");
        let roll = self.rng.below(100);
        let (body, force) = if has_identity && roll < 45 {
            let marker = if self.rng.chance(30) { "[1]" } else { "[XML:]" };
            (format!("{marker} {IDENTITY_MESSAGE}"), Vec::new())
        } else if has_phone && roll < 70 {
            let force = vec![
                (
                    plan.index_of("consent_ind").expect("checked"),
                    "Yes".to_string(),
                ),
                (plan.index_of("phone_no").expect("checked"), String::new()),
            ];
            (
                format!("[XML:consent_ind, phone_no] {PHONE_MESSAGE}"),
                force,
            )
        } else {
            self.field_message()
        };
        let rid = !self.rng.chance(25);
        let mut text = header.render(rid.then(|| self.rng.digits(8)).as_deref());
        text.push_str(&body);
        let mut notes = 1;
        // Now and then a second note on the same record, on its own line.
        if self.rng.chance(8) {
            let (body2, force2) = self.field_message();
            if !force2
                .iter()
                .any(|(i, _)| force.iter().any(|(j, _)| i == j))
            {
                text.push('\n');
                text.push_str(&header.render(None));
                text.push_str(&body2);
                notes += 1;
                let mut all = force;
                all.extend(force2);
                return NoteDraft {
                    text,
                    notes,
                    malformed: 0,
                    force: all,
                };
            }
        }
        NoteDraft {
            text,
            notes,
            malformed: 0,
            force,
        }
    }

    /// A plausible message about one real field of the template: `[XML:code] (Entity) …`.
    fn field_message(&mut self) -> (String, Vec<(usize, String)>) {
        let plan = self.plan;
        let candidates: Vec<usize> = plan
            .template
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.code != "processing_details" && c.code != "client_validation_id")
            .filter(|(_, c)| {
                c.mandatory || c.kind == ValueKind::Date || c.code == "update_record_id"
            })
            .map(|(i, _)| i)
            .collect();
        let idx = if candidates.is_empty() {
            1.min(plan.template.columns.len() - 1)
        } else {
            *self.rng.pick(&candidates)
        };
        let column = &plan.template.columns[idx];
        let (entity_en, entity_fr) = entity(&plan.template.id);
        let en = short_label(&column.label_en);
        let fr = if column.label_fr.is_empty() {
            en.clone()
        } else {
            short_label(&column.label_fr)
        };
        let code = &column.code;
        let (message, force) = match column.kind {
            ValueKind::Date if self.rng.chance(60) => {
                let future = NaiveDate::from_ymd_opt(2031, 1, 1).expect("valid date")
                    + Duration::days(self.rng.below(700) as i64);
                (
                    format!(
                        "{en} cannot be a date in the future. / ({entity_fr}) {fr} ne peut pas être une date future."
                    ),
                    vec![(idx, future.format("%Y-%m-%d").to_string())],
                )
            }
            ValueKind::List if self.rng.chance(50) => (
                format!(
                    "The value provided for {en} is not valid. / ({entity_fr}) La valeur fournie pour {fr} n’est pas valide."
                ),
                vec![(idx, NOT_ALLOWED.to_string())],
            ),
            ValueKind::Identifier => (
                format!(
                    "The record to update does not exist. / ({entity_fr}) Le dossier à mettre à jour n’existe pas."
                ),
                vec![(idx, self.rng.digits(8))],
            ),
            _ if code == "course_cd" && self.rng.chance(70) => (
                format!(
                    "The course code does not exist. / ({entity_fr}) Le code de cours n’existe pas."
                ),
                vec![(idx, self.rng.digits(8))],
            ),
            _ => (
                format!("{en} has not been specified. / ({entity_fr}) {fr} n’a pas été indiqué."),
                vec![(idx, String::new())],
            ),
        };
        (format!("[XML:{code}] ({entity_en}) {message}"), force)
    }

    fn shape_note(&mut self, shape: Shape, header: &Header) -> NoteDraft {
        let plan = self.plan;
        let rid = Some(self.rng.digits(8));
        let h = |rid: Option<&str>| header.render(rid);
        let mut force = Vec::new();
        let mut notes = 1;
        let mut malformed = 0;
        let text = match shape {
            Shape::ReferenceIdentity => format!(
                "{}[XML:] (Client) Unable to validate against database. / (Client) Impossible de valider dans la base de données.)",
                h(rid.as_deref())
            ),
            Shape::ReferencePhone => {
                for code in ["consent_ind", "phone_no"] {
                    if let Some(i) = plan.index_of(code) {
                        force.push((
                            i,
                            if code == "phone_no" {
                                String::new()
                            } else {
                                "Yes".into()
                            },
                        ));
                    }
                }
                format!(
                    "{}[XML:consent_ind, phone_no] {PHONE_MESSAGE}",
                    h(rid.as_deref())
                )
            }
            Shape::ReferenceMarker => format!("{}[1] {IDENTITY_MESSAGE}", h(None)),
            Shape::EmptyRid => format!("{}[XML:] {IDENTITY_MESSAGE}", h(None)),
            Shape::CodesNoSpace => {
                let (a, b) = self.two_codes();
                format!(
                    "{}[XML:{a},{b}] (Service) {} and {} do not agree. / (Service) {} et {} ne concordent pas.",
                    h(rid.as_deref()),
                    self.label(&a),
                    self.label(&b),
                    self.label_fr(&a),
                    self.label_fr(&b)
                )
            }
            Shape::BracketCode => {
                let code = plan
                    .template
                    .columns
                    .iter()
                    .find(|c| c.code.contains('['))
                    .map(|c| c.code.clone())
                    .unwrap_or_else(|| self.first_code());
                if let Some(i) = plan.index_of(&code) {
                    force.push((i, NOT_ALLOWED.to_string()));
                }
                format!(
                    "{}[XML:{code}] (Service) The value provided for {} is not valid. / (Service) La valeur fournie pour {} n’est pas valide.",
                    h(rid.as_deref()),
                    self.label(&code),
                    self.label_fr(&code)
                )
            }
            Shape::TwoNotesNewline
            | Shape::TwoNotesCrlf
            | Shape::TwoNotesSpace
            | Shape::TwoNotesJoined => {
                let sep = match shape {
                    Shape::TwoNotesNewline => "\n",
                    Shape::TwoNotesCrlf => "\r\n",
                    Shape::TwoNotesSpace => " ",
                    _ => "",
                };
                let (second, second_force) = self.field_message();
                force.extend(second_force);
                notes = 2;
                format!(
                    "{}[XML:] {IDENTITY_MESSAGE}{sep}{}{second}",
                    h(rid.as_deref()),
                    h(None)
                )
            }
            Shape::Whitespace => format!("  \n{}[XML:] {IDENTITY_MESSAGE} \n ", h(rid.as_deref())),
            Shape::SlashInMessage => {
                if plan.has("unit_txt") {
                    format!(
                        "{}[XML:unit_txt] (Profile) Unit/Suite/Apt is not valid: use letters and digits only. / (Profil) Unité/Bureau/App. n’est pas valide : utilisez des lettres et des chiffres seulement.",
                        h(rid.as_deref())
                    )
                } else {
                    let code = ["postal_cd", "postal_txt"]
                        .into_iter()
                        .find(|c| plan.has(c))
                        .map(str::to_string)
                        .unwrap_or_else(|| self.first_code());
                    format!(
                        "{}[XML:{code}] (Service) Postal code is not valid: use letter/digit/letter/digit/letter/digit (A#A#A#). / (Service) Le code postal n’est pas valide : utilisez lettre/chiffre/lettre/chiffre/lettre/chiffre (A#A#A#).",
                        h(rid.as_deref())
                    )
                }
            }
            Shape::StraightApostrophe => {
                if let Some(i) = plan.index_of("client_birth_dt") {
                    force.push((i, String::new()));
                }
                format!(
                    "{}[XML:client_birth_dt] (Client) Client's date of birth has not been specified. / (Client) La date de naissance du client n'a pas été indiquée.",
                    h(rid.as_deref())
                )
            }
            Shape::TypographicApostrophe => {
                if let Some(i) = plan.index_of("client_birth_dt") {
                    force.push((i, String::new()));
                }
                format!(
                    "{}[XML:client_birth_dt] (Client) Client’s date of birth has not been specified. / (Client) La date de naissance du client n’a pas été indiquée.",
                    h(rid.as_deref())
                )
            }
            Shape::UnknownCode => format!(
                "{}[XML:client_middle_nme] (Client) Middle name is not valid. / (Client) Le deuxième prénom n’est pas valide.",
                h(rid.as_deref())
            ),
            Shape::Malformed => {
                malformed = 1;
                format!(
                    "[BUID:{},RID:,ORP:{}/{} (Client) Unable to validate against database.",
                    header.buid, header.orp, header.total
                )
            }
        };
        NoteDraft {
            text,
            notes,
            malformed,
            force,
        }
    }

    fn first_code(&self) -> String {
        self.plan
            .template
            .columns
            .iter()
            .find(|c| c.code != "processing_details")
            .map(|c| c.code.clone())
            .unwrap_or_default()
    }

    /// Two real codes of the template, for a note naming two fields.
    fn two_codes(&self) -> (String, String) {
        let columns = &self.plan.template.columns;
        let dates: Vec<&Column> = columns
            .iter()
            .filter(|c| c.kind == ValueKind::Date && !c.code.contains("birth"))
            .collect();
        if dates.len() >= 2 {
            return (dates[0].code.clone(), dates[1].code.clone());
        }
        let named: Vec<&Column> = columns
            .iter()
            .filter(|c| c.code != "processing_details")
            .collect();
        match named.as_slice() {
            [a, b, ..] => (a.code.clone(), b.code.clone()),
            [a] => (a.code.clone(), a.code.clone()),
            [] => ("processing_details".into(), "processing_details".into()),
        }
    }

    fn label(&self, code: &str) -> String {
        self.plan
            .template
            .column(code)
            .map(|c| short_label(&c.label_en))
            .unwrap_or_else(|| code.to_string())
    }

    fn label_fr(&self, code: &str) -> String {
        self.plan
            .template
            .column(code)
            .map(|c| {
                if c.label_fr.is_empty() {
                    short_label(&c.label_en)
                } else {
                    short_label(&c.label_fr)
                }
            })
            .unwrap_or_else(|| code.to_string())
    }

    /// Damages one cell of `cells` (row `row`) holding a fitting value, leaving the template
    /// columns in `skip` alone; `None` when the row has no fitting value.
    fn damage(
        &mut self,
        kind: DamageKind,
        row: u32,
        cells: &mut [Value],
        skip: &[usize],
    ) -> Option<Damage> {
        let plan = self.plan;
        let columns = &plan.template.columns;
        let offset = plan.offset as usize;
        let current = |idx: usize| match &cells[idx + offset] {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        };
        // Template columns that may take this damage, with their current text.
        let candidates: Vec<(usize, String)> = columns
            .iter()
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .filter_map(|(i, c)| {
                let text = current(i)?;
                let fits = match kind {
                    DamageKind::DateSerial | DamageKind::DateSerialIso => {
                        c.kind == ValueKind::Date
                            && NaiveDate::parse_from_str(&text, "%Y-%m-%d").is_ok()
                    }
                    DamageKind::IdentifierNumber => c.code == "client_validation_id",
                    DamageKind::ListApostrophe => {
                        plan.list(c).is_some() && text.contains('\u{2019}')
                    }
                    DamageKind::ListCase | DamageKind::ListSpaces => {
                        plan.list(c)
                            .is_some_and(|l| l.iter().any(|v| v.value == text))
                            && text.chars().any(char::is_alphabetic)
                    }
                };
                fits.then_some((i, text))
            })
            .collect();
        // Dates of birth first: the date Excel most often mangles.
        let (idx, original) = candidates
            .iter()
            .find(|(i, _)| columns[*i].code == "client_birth_dt")
            .or_else(|| (!candidates.is_empty()).then(|| self.damage_rng.pick(&candidates)))?
            .clone();
        let new = match kind {
            DamageKind::DateSerial | DamageKind::DateSerialIso => {
                let date = NaiveDate::parse_from_str(&original, "%Y-%m-%d").ok()?;
                let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date");
                let style = if kind == DamageKind::DateSerial {
                    STYLE_DATE_SERIAL
                } else {
                    STYLE_DATE_SERIAL_ISO
                };
                Value::Number((date - epoch).num_days() as f64, style)
            }
            DamageKind::IdentifierNumber => Value::Number(original.parse().ok()?, STYLE_NUMBER),
            DamageKind::ListApostrophe => Value::Text(original.replace('\u{2019}', "'")),
            DamageKind::ListCase => {
                let lower = original.to_lowercase();
                Value::Text(if lower != original {
                    lower
                } else {
                    original.to_uppercase()
                })
            }
            DamageKind::ListSpaces => Value::Text(format!("  {original} ")),
        };
        let stored = match &new {
            Value::Text(s) => s.clone(),
            Value::Number(n, _) => icare_fix::workbook::format_number(*n),
            Value::Empty => String::new(),
        };
        cells[idx + offset] = new;
        Some(Damage {
            row,
            col: (idx + offset) as u32,
            code: columns[idx].code.clone(),
            kind,
            original,
            stored,
        })
    }
}

/// When each damage may start: every kind twice, spread over the rows.
fn damage_schedule(rows: usize) -> Vec<(usize, DamageKind)> {
    let kinds = [
        DamageKind::DateSerial,
        DamageKind::DateSerialIso,
        DamageKind::IdentifierNumber,
        DamageKind::ListApostrophe,
        DamageKind::ListCase,
        DamageKind::ListSpaces,
    ];
    let slots = 2 * kinds.len();
    let mut out: Vec<(usize, DamageKind)> = (0..slots)
        .map(|n| (n * rows / slots, kinds[n % kinds.len()]))
        .collect();
    out.sort_by_key(|(r, _)| *r);
    out
}

/// The `[BUID:…,RID:…,ORP:…,DTS:…]` header of a note.
struct Header {
    buid: u64,
    orp: u64,
    total: u64,
    dts: NaiveDateTime,
}

impl Header {
    fn render(&self, rid: Option<&str>) -> String {
        format!(
            "[BUID:{},RID:{},ORP:{}/{},DTS:{}]",
            self.buid,
            rid.unwrap_or(""),
            self.orp,
            self.total,
            self.dts.format("%Y-%m-%d %H:%M:%S")
        )
    }
}

/// A value no list allows, put where a note says a list value is not valid.
const NOT_ALLOWED: &str = "Not applicable";

const IDENTITY_MESSAGE: &str = "(Client) Unable to validate against database. / (Client) Impossible de valider dans la base de données.";
const PHONE_MESSAGE: &str = "(Profile) Telephone number has not been specified. / (Profil) Le numéro de téléphone n'a pas été indiqué.";

/// The shapes of [`NoteSet::AllShapes`], in row order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// REFERENCE.md example 1: empty `[XML:]`, stray `)` at the end.
    ReferenceIdentity,
    /// REFERENCE.md example 2: `[XML:consent_ind, phone_no]` (codes the I&O template lacks).
    ReferencePhone,
    /// REFERENCE.md example 3: empty RID and `[1]` in place of `[XML:…]`.
    ReferenceMarker,
    /// Empty RID with `[XML:]`.
    EmptyRid,
    /// Two codes without a space after the comma.
    CodesNoSpace,
    /// A code holding brackets (`childminding_NewcomerChildren[1]childminding_age_id`).
    BracketCode,
    /// Two notes separated by a newline.
    TwoNotesNewline,
    /// Two notes separated by CRLF.
    TwoNotesCrlf,
    /// Two notes separated by a space.
    TwoNotesSpace,
    /// Two notes with nothing between them.
    TwoNotesJoined,
    /// Whitespace and newlines around the note.
    Whitespace,
    /// `/` inside the message (`Unit/Suite/Apt`).
    SlashInMessage,
    /// Straight apostrophes in both halves.
    StraightApostrophe,
    /// Typographic apostrophes in both halves.
    TypographicApostrophe,
    /// A code the workbook lacks.
    UnknownCode,
    /// A header cut short: the one note that does not fit the grammar.
    Malformed,
}

const SHAPES: [Shape; 16] = [
    Shape::ReferenceIdentity,
    Shape::ReferencePhone,
    Shape::ReferenceMarker,
    Shape::EmptyRid,
    Shape::CodesNoSpace,
    Shape::BracketCode,
    Shape::TwoNotesNewline,
    Shape::TwoNotesCrlf,
    Shape::TwoNotesSpace,
    Shape::TwoNotesJoined,
    Shape::Whitespace,
    Shape::SlashInMessage,
    Shape::StraightApostrophe,
    Shape::TypographicApostrophe,
    Shape::UnknownCode,
    Shape::Malformed,
];

/// The entity names of a template's notes, English and French.
fn entity(template: &str) -> (&'static str, &'static str) {
    match template {
        "client_profile" => ("Profile", "Profil"),
        "lt_course_setup" => ("Course", "Cours"),
        "lt_client_enrolment" => ("Enrolment", "Inscription"),
        "lt_client_exit" => ("Exit", "Départ"),
        _ => ("Service", "Service"),
    }
}

/// A label without its format hint in parentheses: `Date of Birth (YYYY-MM-DD)` →
/// `Date of Birth`.
fn short_label(label: &str) -> String {
    let cut = label.find(" (").unwrap_or(label.len());
    label[..cut].trim().to_string()
}

/// Made-up text for a free-text column, chosen from its code; `None` for an empty cell.
fn text_value(code: &str, mandatory: bool, rng: &mut Rng) -> Option<String> {
    let fill = mandatory || rng.chance(30);
    let c = code.to_ascii_lowercase();
    if c.starts_with("target_group_")
        || c.starts_with("course_schedule_")
        || c.starts_with("course_material_")
    {
        return fill.then(|| (*rng.pick(&["Yes", "No"])).to_string());
    }
    if c.starts_with("language_clb_skill_") || c.contains("_clb_level") {
        return None;
    }
    if c.contains("postal") {
        const LETTERS: &[u8] = b"ABCEGHJKLMNPRSTVXY";
        let mut s = String::new();
        for k in 0..6 {
            if k % 2 == 0 {
                s.push(char::from(*rng.pick(LETTERS)));
            } else {
                s.push(char::from(b'0' + rng.below(10) as u8));
            }
        }
        return Some(s);
    }
    if !fill {
        return None;
    }
    let text = if c == "phone_no" {
        format!(
            "{}-555-01{:02}",
            rng.pick(&["613", "416", "204", "902", "780"]),
            rng.below(100)
        )
    } else if c == "phone_ext_no" {
        rng.digits(3)
    } else if c.starts_with("email") {
        format!("client{}@example.org", rng.digits(5))
    } else if c == "street_no" {
        (1 + rng.below(2999)).to_string()
    } else if c == "street_nme" {
        (*rng.pick(&[
            "Maple", "Cedar", "Birch", "Willow", "Spruce", "Tamarack", "Lilac",
        ]))
        .to_string()
    } else if c == "street_type_id" {
        (*rng.pick(&["Street", "Avenue", "Road", "Drive", "Crescent"])).to_string()
    } else if c == "street_direction_id" {
        (*rng.pick(&["North", "South", "East", "West"])).to_string()
    } else if c == "unit_txt" {
        format!("Apt {}", 1 + rng.below(40))
    } else if c.starts_with("city") {
        (*rng.pick(&[
            "Ottawa",
            "Toronto",
            "Winnipeg",
            "Halifax",
            "Edmonton",
            "Montréal",
        ]))
        .to_string()
    } else if c == "province_id" {
        (*rng.pick(&["Ontario", "Manitoba", "Nova Scotia", "Alberta", "Quebec"])).to_string()
    } else if c.contains("lang") {
        (*rng.pick(&["English", "French"])).to_string()
    } else if c == "course_cd" {
        rng.digits(8)
    } else if c == "contact_nme" {
        "Synthetic Contact".to_string()
    } else if c == "course_note" {
        "Synthetic course for testing".to_string()
    } else if c.contains("percentage") {
        (*rng.pick(&["0", "50", "100"])).to_string()
    } else if c.ends_with("_num")
        || c.ends_with("_no")
        || c.contains("per_week")
        || c.contains("hours")
        || c.contains("minutes")
        || c.contains("weeks")
    {
        (1 + rng.below(20)).to_string()
    } else if c.ends_with("_id") {
        format!("Option {}", 1 + rng.below(5))
    } else {
        "Sample text".to_string()
    };
    Some(text)
}

// ---------------------------------------------------------------------------------------
// Writing the package

/// Style indexes of `styles.xml` (cellXfs).
const STYLE_TITLE_ROW: u32 = 1;
const STYLE_LABEL_OPTIONAL: u32 = 2;
const STYLE_LABEL_MANDATORY: u32 = 3;
const STYLE_TEXT: u32 = 4;
const STYLE_TEXT_LIST: u32 = 5;
const STYLE_TITLE: u32 = 6;
const STYLE_LOV_INFO: u32 = 7;
const STYLE_DATE_SERIAL: u32 = 8;
const STYLE_DATE_SERIAL_ISO: u32 = 9;
const STYLE_NUMBER: u32 = 10;

const NS_MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const NS_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n";
const WORKSHEET_OPEN: &str = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" mc:Ignorable=\"x14ac\" xmlns:x14ac=\"http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac\">";

/// FNV-1a: the shared strings table hashes every cell text, and SipHash showed in profiles.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Shared strings, in first-use order.
#[derive(Default)]
struct SharedStrings {
    index: HashMap<String, u32, std::hash::BuildHasherDefault<Fnv>>,
    order: Vec<String>,
    count: u64,
}

impl SharedStrings {
    fn id(&mut self, text: &str) -> u32 {
        self.count += 1;
        if let Some(&i) = self.index.get(text) {
            return i;
        }
        let i = self.order.len() as u32;
        self.index.insert(text.to_string(), i);
        self.order.push(text.to_string());
        i
    }
}

/// Writes sheet XML into a buffer, with strings shared or inline.
struct CellWriter<'s> {
    buf: String,
    strings: Strings,
    sst: &'s mut SharedStrings,
    /// Column letters, computed once.
    letters: Vec<String>,
    /// The 1-based number of the row being written, as text.
    row: String,
}

impl CellWriter<'_> {
    fn new(strings: Strings, sst: &mut SharedStrings, ncols: u32) -> CellWriter<'_> {
        CellWriter {
            buf: String::with_capacity(64 * 1024),
            strings,
            sst,
            letters: (0..ncols).map(col_name).collect(),
            row: String::new(),
        }
    }

    /// Starts row `row` (0-based) with the given attributes after `r`.
    fn start_row(&mut self, row: u32, attributes: &str) {
        self.row.clear();
        let _ = write!(self.row, "{}", row + 1);
        self.buf.push_str("<row r=\"");
        self.buf.push_str(&self.row);
        self.buf.push_str("\" ");
        self.buf.push_str(attributes);
        self.buf.push('>');
    }

    fn open_cell(&mut self, col: u32, style: Option<u32>) {
        self.buf.push_str("<c r=\"");
        self.buf.push_str(&self.letters[col as usize]);
        self.buf.push_str(&self.row);
        self.buf.push('"');
        if let Some(s) = style {
            self.buf.push_str(" s=\"");
            push_u32(&mut self.buf, s);
            self.buf.push('"');
        }
    }

    fn text(&mut self, col: u32, style: Option<u32>, text: &str) {
        self.open_cell(col, style);
        match self.strings {
            Strings::Shared => {
                let id = self.sst.id(text);
                self.buf.push_str(" t=\"s\"><v>");
                push_u32(&mut self.buf, id);
                self.buf.push_str("</v></c>");
            }
            Strings::Inline => {
                self.buf.push_str(" t=\"inlineStr\"><is>");
                push_t(&mut self.buf, text);
                self.buf.push_str("</is></c>");
            }
        }
    }

    fn number(&mut self, col: u32, style: Option<u32>, value: f64) {
        self.open_cell(col, style);
        self.buf.push_str("><v>");
        self.buf
            .push_str(&icare_fix::workbook::format_number(value));
        self.buf.push_str("</v></c>");
    }

    fn empty(&mut self, col: u32, style: u32) {
        self.open_cell(col, Some(style));
        self.buf.push_str("/>");
    }
}

/// Appends a number without the formatting machinery (it showed in profiles).
fn push_u32(buf: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[i..] {
        buf.push(char::from(*d));
    }
}

/// `<t>` with `xml:space="preserve"` when the text needs it.
fn push_t(buf: &mut String, text: &str) {
    let preserve = text.starts_with(char::is_whitespace)
        || text.ends_with(char::is_whitespace)
        || text.contains(['\n', '\r', '\t']);
    buf.push_str(if preserve {
        "<t xml:space=\"preserve\">"
    } else {
        "<t>"
    });
    escape_text(buf, text);
    buf.push_str("</t>");
}

/// Escapes text for an XML element the way Excel does: `&`, `<`, `>` as entities, CR and
/// other control characters as `_xHHHH_`, and a literal `_xHHHH_` protected by `_x005F_`.
pub fn escape_text(buf: &mut String, text: &str) {
    let bytes = text.as_bytes();
    for (i, ch) in text.char_indices() {
        match ch {
            '&' => buf.push_str("&amp;"),
            '<' => buf.push_str("&lt;"),
            '>' => buf.push_str("&gt;"),
            '\n' | '\t' => buf.push(ch),
            c if (c as u32) < 0x20 => {
                let _ = write!(buf, "_x{:04X}_", c as u32);
            }
            '_' if looks_like_escape(&bytes[i..]) => buf.push_str("_x005F_"),
            c => buf.push(c),
        }
    }
}

fn looks_like_escape(s: &[u8]) -> bool {
    s.len() >= 7
        && s[0] == b'_'
        && s[1] == b'x'
        && s[2..6].iter().all(u8::is_ascii_hexdigit)
        && s[6] == b'_'
}

/// Escapes text for an XML attribute value.
fn escape_attr(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            c => s.push(c),
        }
    }
    s
}

/// Zip entry options: deflate, fixed 1980-01-01 timestamp (as Excel writes), DOS system.
fn entry_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .last_modified_time(zip::DateTime::default())
        .system(zip::System::Dos)
}

fn generate<W: Write + Seek>(
    spec: &Spec,
    registry: &Registry,
    sink: W,
    path: &Path,
) -> Result<Manifest> {
    let plan = Plan::new(spec, registry)?;
    let io = |e: std::io::Error| Error::io(path, e);
    let zerr = |e: zip::result::ZipError| Error::io(path, std::io::Error::other(e));
    let mut zip = zip::ZipWriter::new(sink);
    let opts = entry_options();
    let shared = spec.strings == Strings::Shared;

    zip.start_file("[Content_Types].xml", opts).map_err(zerr)?;
    zip.write_all(content_types(spec.lists, shared).as_bytes())
        .map_err(io)?;
    zip.start_file("_rels/.rels", opts).map_err(zerr)?;
    zip.write_all(ROOT_RELS.as_bytes()).map_err(io)?;
    zip.start_file("xl/_rels/workbook.xml.rels", opts)
        .map_err(zerr)?;
    zip.write_all(workbook_rels(spec.lists, shared).as_bytes())
        .map_err(io)?;
    zip.start_file("xl/workbook.xml", opts).map_err(zerr)?;
    zip.write_all(workbook_xml(spec.lists).as_bytes())
        .map_err(io)?;

    let mut sst = SharedStrings::default();
    zip.start_file("xl/worksheets/sheet1.xml", opts)
        .map_err(zerr)?;
    let manifest = write_data_sheet(&plan, &mut sst, &mut zip).map_err(io)?;
    if spec.lists {
        zip.start_file("xl/worksheets/sheet2.xml", opts)
            .map_err(zerr)?;
        write_lov_sheet(&plan, &mut sst, &mut zip, false).map_err(io)?;
        zip.start_file("xl/worksheets/sheet3.xml", opts)
            .map_err(zerr)?;
        write_lov_sheet(&plan, &mut sst, &mut zip, true).map_err(io)?;
    }
    if shared {
        zip.start_file("xl/sharedStrings.xml", opts).map_err(zerr)?;
        write_sst(&sst, &mut zip).map_err(io)?;
    }
    zip.start_file("xl/styles.xml", opts).map_err(zerr)?;
    zip.write_all(STYLES.as_bytes()).map_err(io)?;
    zip.start_file("docProps/app.xml", opts).map_err(zerr)?;
    zip.write_all(app_xml(spec.lists).as_bytes()).map_err(io)?;
    zip.start_file("docProps/core.xml", opts).map_err(zerr)?;
    zip.write_all(CORE_XML.as_bytes()).map_err(io)?;
    zip.finish().map_err(zerr)?;
    Ok(manifest)
}

fn write_data_sheet<W: Write>(
    plan: &Plan<'_>,
    sst: &mut SharedStrings,
    out: &mut W,
) -> std::io::Result<Manifest> {
    let spec = plan.spec;
    let ncols = plan.ncols;
    let last_col = col_name(ncols - 1);
    let last_row = DATA_START + spec.rows as u32;
    let offset = plan.offset;
    let columns = &plan.template.columns;
    // Style of each sheet column's data cells.
    let data_style: Vec<u32> = (0..ncols)
        .map(|c| {
            if c < offset {
                STYLE_TEXT
            } else if plan.list(&columns[(c - offset) as usize]).is_some() {
                STYLE_TEXT_LIST
            } else {
                STYLE_TEXT
            }
        })
        .collect();

    let mut w = CellWriter::new(spec.strings, sst, ncols);
    w.buf.push_str(XML_DECL);
    w.buf.push_str(WORKSHEET_OPEN);
    let _ = write!(
        w.buf,
        "<dimension ref=\"A1:{last_col}{last_row}\"/><sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\"><selection activeCell=\"A4\" sqref=\"A4\"/></sheetView></sheetViews><sheetFormatPr defaultColWidth=\"9.1328125\" defaultRowHeight=\"14.25\" x14ac:dyDescent=\"0.45\"/><cols>"
    );
    for c in 0..ncols {
        let width = if c == plan.notes_col {
            60.0
        } else {
            let label = if c < offset {
                INSERTED_LABEL
            } else {
                &columns[(c - offset) as usize].label_en
            };
            column_width(label)
        };
        let _ = write!(
            w.buf,
            "<col min=\"{n}\" max=\"{n}\" width=\"{width}\" customWidth=\"1\"/>",
            n = c + 1
        );
    }
    w.buf.push_str("</cols><sheetData>");

    // Row 1: the title, merged across every column.
    let spans = format!("1:{ncols}");
    w.start_row(
        0,
        &format!("spans=\"{spans}\" s=\"{STYLE_TITLE_ROW}\" customFormat=\"1\" ht=\"99.95\" customHeight=\"1\" x14ac:dyDescent=\"0.7\""),
    );
    w.text(0, Some(STYLE_TITLE), &plan.title());
    for c in 1..ncols {
        w.empty(c, STYLE_TITLE);
    }
    w.buf.push_str("</row>");

    // Row 2: the codes, hidden.
    w.start_row(
        CODES_ROW,
        &format!("spans=\"{spans}\" hidden=\"1\" x14ac:dyDescent=\"0.45\""),
    );
    for (i, column) in columns.iter().enumerate() {
        w.text(i as u32 + offset, None, &column.code);
    }
    w.buf.push_str("</row>");

    // Row 3: the labels.
    w.start_row(
        LABELS_ROW,
        &format!("spans=\"{spans}\" ht=\"15.4\" customHeight=\"1\" x14ac:dyDescent=\"0.45\""),
    );
    if offset == 1 {
        w.text(0, Some(STYLE_LABEL_OPTIONAL), INSERTED_LABEL);
    }
    for (i, column) in columns.iter().enumerate() {
        let style = if column.mandatory {
            STYLE_LABEL_MANDATORY
        } else {
            STYLE_LABEL_OPTIONAL
        };
        w.text(i as u32 + offset, Some(style), &column.label_en);
    }
    w.buf.push_str("</row>");
    out.write_all(w.buf.as_bytes())?;
    w.buf.clear();

    // Data rows, streamed.
    let mut generator = RowGenerator::new(plan);
    let mut manifest = plan.manifest();
    let row_attributes = format!("spans=\"{spans}\" x14ac:dyDescent=\"0.45\"");
    for i in 0..spec.rows {
        let gen_row = generator.row(i);
        w.start_row(DATA_START + i as u32, &row_attributes);
        for (c, value) in gen_row.cells.iter().enumerate() {
            let c32 = c as u32;
            match value {
                Value::Empty => w.empty(c32, data_style[c]),
                Value::Text(t) => w.text(c32, Some(data_style[c]), t),
                Value::Number(n, style) => w.number(c32, Some(*style), *n),
            }
        }
        w.buf.push_str("</row>");
        if w.buf.len() > 48 * 1024 {
            out.write_all(w.buf.as_bytes())?;
            w.buf.clear();
        }
        manifest.absorb(gen_row);
    }
    w.buf.push_str("</sheetData>");
    let _ = write!(
        w.buf,
        "<mergeCells count=\"1\"><mergeCell ref=\"A1:{last_col}1\"/></mergeCells>"
    );
    if spec.lists {
        let _ = write!(
            w.buf,
            "<dataValidations count=\"1\"><dataValidation allowBlank=\"1\" showInputMessage=\"1\" showErrorMessage=\"1\" sqref=\"A2:{last_col}3\"/></dataValidations>"
        );
    }
    w.buf.push_str("<pageMargins left=\"0.75\" right=\"0.75\" top=\"0.75\" bottom=\"0.5\" header=\"0.5\" footer=\"0.75\"/><pageSetup orientation=\"portrait\"/>");
    if spec.lists {
        let validations: Vec<(usize, usize)> = columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| plan.list(c).map(|v| (i, v.len())))
            .collect();
        if !validations.is_empty() {
            let _ = write!(
                w.buf,
                "<extLst><ext uri=\"{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}\" xmlns:x14=\"http://schemas.microsoft.com/office/spreadsheetml/2009/9/main\"><x14:dataValidations count=\"{}\" xmlns:xm=\"http://schemas.microsoft.com/office/excel/2006/main\">",
                validations.len()
            );
            for (i, n) in validations {
                let lov = col_name(i as u32);
                let target = col_name(i as u32 + offset);
                let _ = write!(
                    w.buf,
                    "<x14:dataValidation type=\"list\" allowBlank=\"1\" showInputMessage=\"1\" showErrorMessage=\"1\"><x14:formula1><xm:f>LOV!${lov}$3:${lov}${}</xm:f></x14:formula1><xm:sqref>{target}4:{target}{VALIDATION_LAST_ROW}</xm:sqref></x14:dataValidation>",
                    n + 2
                );
            }
            w.buf.push_str("</x14:dataValidations></ext></extLst>");
        }
    }
    w.buf.push_str("</worksheet>");
    out.write_all(w.buf.as_bytes())?;
    Ok(manifest)
}

/// A column width from its label, in Excel's character units.
fn column_width(label: &str) -> f64 {
    let chars = label.chars().count() as f64;
    (chars * 1.1 + 4.0).clamp(12.0, 70.0).round()
}

/// The hidden `LOV` sheet (`ids == false`) or `LOVIds` sheet (`ids == true`): one column per
/// template column, values from row 3.
fn write_lov_sheet<W: Write>(
    plan: &Plan<'_>,
    sst: &mut SharedStrings,
    out: &mut W,
    ids: bool,
) -> std::io::Result<()> {
    let columns = &plan.template.columns;
    let ncols = columns.len() as u32;
    let lists: Vec<Option<&[icare_fix::template::ListValue]>> =
        columns.iter().map(|c| plan.list(c)).collect();
    let longest = lists.iter().flatten().map(|l| l.len()).max().unwrap_or(0) as u32;
    let last_col = col_name(ncols.max(4) - 1);
    let spans = format!("1:{}", ncols.max(4));
    let mut w = CellWriter::new(plan.spec.strings, sst, ncols.max(4));
    let row_attributes = format!("spans=\"{spans}\" x14ac:dyDescent=\"0.45\"");
    w.buf.push_str(XML_DECL);
    w.buf.push_str(WORKSHEET_OPEN);
    let _ = write!(
        w.buf,
        "<dimension ref=\"A1:{last_col}{}\"/><sheetViews><sheetView workbookViewId=\"0\"/></sheetViews><sheetFormatPr defaultColWidth=\"9.1328125\" defaultRowHeight=\"14.25\" x14ac:dyDescent=\"0.45\"/>",
        longest + 2
    );
    if !ids {
        let _ = write!(
            w.buf,
            "<cols><col min=\"1\" max=\"{ncols}\" width=\"18.3984375\" customWidth=\"1\"/></cols>"
        );
    }
    w.buf.push_str("<sheetData>");
    if ids {
        for r in 0..2u32 {
            w.start_row(r, &row_attributes);
            w.buf.push_str("</row>");
        }
    } else {
        w.start_row(0, &row_attributes);
        w.text(0, Some(STYLE_LOV_INFO), "info");
        w.number(1, Some(STYLE_LOV_INFO), f64::from(ncols));
        w.text(3, Some(STYLE_LOV_INFO), "en-CA");
        w.buf.push_str("</row>");
        w.start_row(1, &row_attributes);
        for (i, column) in columns.iter().enumerate() {
            let flag = if column.mandatory {
                "Mandatory=true;"
            } else {
                "Mandatory=false;"
            };
            w.text(i as u32, None, flag);
        }
        w.buf.push_str("</row>");
    }
    for k in 0..longest {
        w.start_row(2 + k, &row_attributes);
        for (i, list) in lists.iter().enumerate() {
            if let Some(value) = list.and_then(|l| l.get(k as usize)) {
                let text = if ids { &value.id } else { &value.value };
                if !text.is_empty() {
                    w.text(i as u32, None, text);
                }
            }
        }
        w.buf.push_str("</row>");
        if w.buf.len() > 48 * 1024 {
            out.write_all(w.buf.as_bytes())?;
            w.buf.clear();
        }
    }
    w.buf.push_str("</sheetData><pageMargins left=\"0.75\" right=\"0.75\" top=\"0.75\" bottom=\"0.5\" header=\"0.5\" footer=\"0.75\"/><pageSetup orientation=\"portrait\"/></worksheet>");
    out.write_all(w.buf.as_bytes())
}

fn write_sst<W: Write>(sst: &SharedStrings, out: &mut W) -> std::io::Result<()> {
    let mut buf = String::with_capacity(64 * 1024);
    buf.push_str(XML_DECL);
    let _ = write!(
        buf,
        "<sst xmlns=\"{NS_MAIN}\" count=\"{}\" uniqueCount=\"{}\">",
        sst.count,
        sst.order.len()
    );
    for text in &sst.order {
        buf.push_str("<si>");
        push_t(&mut buf, text);
        buf.push_str("</si>");
        if buf.len() > 48 * 1024 {
            out.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    buf.push_str("</sst>");
    out.write_all(buf.as_bytes())
}

fn content_types(lists: bool, shared: bool) -> String {
    let sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
    let mut s = String::from(XML_DECL);
    s.push_str("<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>");
    let sheets = if lists { 3 } else { 1 };
    for n in 1..=sheets {
        let _ = write!(
            s,
            "<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"{sheet}\"/>"
        );
    }
    s.push_str("<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>");
    if shared {
        s.push_str("<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>");
    }
    s.push_str("<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/><Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/></Types>");
    s
}

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" Target=\"docProps/app.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";

fn workbook_rels(lists: bool, shared: bool) -> String {
    let mut s = String::from(XML_DECL);
    s.push_str(
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    let sheets = if lists { 3 } else { 1 };
    for n in 1..=sheets {
        let _ = write!(
            s,
            "<Relationship Id=\"rId{n}\" Type=\"{NS_REL}/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
        );
    }
    let _ = write!(
        s,
        "<Relationship Id=\"rId{}\" Type=\"{NS_REL}/styles\" Target=\"styles.xml\"/>",
        sheets + 1
    );
    if shared {
        let _ = write!(
            s,
            "<Relationship Id=\"rId{}\" Type=\"{NS_REL}/sharedStrings\" Target=\"sharedStrings.xml\"/>",
            sheets + 2
        );
    }
    s.push_str("</Relationships>");
    s
}

fn workbook_xml(lists: bool) -> String {
    let mut s = String::from(XML_DECL);
    let _ = write!(
        s,
        "<workbook xmlns=\"{NS_MAIN}\" xmlns:r=\"{NS_REL}\"><fileVersion appName=\"xl\" lastEdited=\"6\" lowestEdited=\"4\" rupBuild=\"14420\"/><workbookPr/><bookViews><workbookView xWindow=\"0\" yWindow=\"0\" windowWidth=\"22500\" windowHeight=\"12308\"/></bookViews><sheets><sheet name=\"{}\" sheetId=\"1\" r:id=\"rId1\"/>",
        escape_attr(DATA_SHEET)
    );
    if lists {
        let _ = write!(
            s,
            "<sheet name=\"{LOV_SHEET}\" sheetId=\"2\" state=\"hidden\" r:id=\"rId2\"/><sheet name=\"{LOV_IDS_SHEET}\" sheetId=\"3\" state=\"hidden\" r:id=\"rId3\"/>"
        );
    }
    s.push_str("</sheets><calcPr calcId=\"0\"/></workbook>");
    s
}

fn app_xml(lists: bool) -> String {
    let names: &[&str] = if lists {
        &[DATA_SHEET, LOV_SHEET, LOV_IDS_SHEET]
    } else {
        &[DATA_SHEET]
    };
    let mut s = String::from(XML_DECL);
    let _ = write!(
        s,
        "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"><Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector size=\"2\" baseType=\"variant\"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant><vt:variant><vt:i4>{n}</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size=\"{n}\" baseType=\"lpstr\">",
        n = names.len()
    );
    for name in names {
        let _ = write!(s, "<vt:lpstr>{}</vt:lpstr>", escape_attr(name));
    }
    s.push_str("</vt:vector></TitlesOfParts><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0300</AppVersion></Properties>");
    s
}

const CORE_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>Synthetic iCARE rejected file</dc:title><dc:creator>icare-fix synth</dc:creator><cp:lastModifiedBy>icare-fix synth</cp:lastModifiedBy><dcterms:created xsi:type=\"dcterms:W3CDTF\">2018-09-04T12:00:00Z</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">2018-09-04T12:00:00Z</dcterms:modified></cp:coreProperties>";

/// Fonts, fills and cell formats modelled on the 2018 template's `styles.xml`; see the
/// `STYLE_*` constants for the cellXfs indexes.
const STYLES: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n",
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">",
    "<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\\-dd\"/></numFmts>",
    "<fonts count=\"7\">",
    "<font><sz val=\"11\"/><color rgb=\"FF000000\"/><name val=\"Calibri\"/><family val=\"2\"/></font>",
    "<font><sz val=\"10\"/><name val=\"Arial\"/><family val=\"2\"/></font>",
    "<font><b/><sz val=\"18\"/><color rgb=\"FFFFFFFF\"/><name val=\"Calibri\"/><family val=\"2\"/></font>",
    "<font><sz val=\"18\"/><color rgb=\"FFFFFFFF\"/><name val=\"Calibri\"/><family val=\"2\"/></font>",
    "<font><b/><sz val=\"11\"/><color rgb=\"FFFFFFFF\"/><name val=\"Calibri\"/><family val=\"2\"/></font>",
    "<font><b/><sz val=\"11\"/><color rgb=\"FFFFA500\"/><name val=\"Calibri\"/><family val=\"2\"/></font>",
    "<font><b/><sz val=\"11\"/><color rgb=\"FF000000\"/><name val=\"Calibri\"/><family val=\"2\"/></font>",
    "</fonts>",
    "<fills count=\"4\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill>",
    "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FFA9A9A9\"/><bgColor indexed=\"64\"/></patternFill></fill>",
    "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FF0000FF\"/><bgColor indexed=\"64\"/></patternFill></fill></fills>",
    "<borders count=\"2\"><border><left/><right/><top/><bottom/><diagonal/></border>",
    "<border><left style=\"thin\"><color rgb=\"FF000000\"/></left><right style=\"thin\"><color rgb=\"FF000000\"/></right><top style=\"thin\"><color rgb=\"FF000000\"/></top><bottom style=\"thin\"><color rgb=\"FF000000\"/></bottom><diagonal/></border></borders>",
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>",
    "<cellXfs count=\"11\">",
    // 0 default
    "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyAlignment=\"1\"><alignment horizontal=\"left\"/></xf>",
    // 1 title row
    "<xf numFmtId=\"0\" fontId=\"3\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" applyAlignment=\"1\"><alignment horizontal=\"left\"/></xf>",
    // 2 label, optional: bold white on blue
    "<xf numFmtId=\"0\" fontId=\"4\" fillId=\"3\" borderId=\"1\" xfId=\"0\" applyFont=\"1\" applyFill=\"1\" applyBorder=\"1\" applyAlignment=\"1\"><alignment horizontal=\"left\"/></xf>",
    // 3 label, mandatory: bold orange on blue
    "<xf numFmtId=\"0\" fontId=\"5\" fillId=\"3\" borderId=\"1\" xfId=\"0\" applyFont=\"1\" applyFill=\"1\" applyBorder=\"1\" applyAlignment=\"1\"><alignment horizontal=\"left\"/></xf>",
    // 4 data: Text
    "<xf numFmtId=\"49\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\" applyAlignment=\"1\"><alignment horizontal=\"left\" vertical=\"top\" wrapText=\"1\"/></xf>",
    // 5 data: Text, list column
    "<xf numFmtId=\"49\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\" applyAlignment=\"1\"><alignment horizontal=\"left\" vertical=\"top\" wrapText=\"1\"/></xf>",
    // 6 title cell: bold 18 white on grey, wrapped
    "<xf numFmtId=\"0\" fontId=\"2\" fillId=\"2\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" applyFill=\"1\" applyAlignment=\"1\"><alignment horizontal=\"left\" wrapText=\"1\"/></xf>",
    // 7 LOV info row
    "<xf numFmtId=\"0\" fontId=\"6\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" applyAlignment=\"1\"><alignment horizontal=\"left\"/></xf>",
    // 8 damage: date serial, m/d/yyyy
    "<xf numFmtId=\"14\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>",
    // 9 damage: date serial, yyyy-mm-dd
    "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>",
    // 10 damage: number, General
    "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>",
    "</cellXfs>",
    "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>",
    "<dxfs count=\"0\"/><tableStyles count=\"0\" defaultTableStyle=\"TableStyleMedium2\" defaultPivotStyle=\"PivotStyleLight16\"/>",
    "</styleSheet>"
);

/// Writes every bundled sample into `dir` (created when missing) and returns the paths.
pub fn write_bundled(dir: &Path, registry: &Registry) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths = Vec::new();
    for (name, spec) in bundled() {
        let path = dir.join(name);
        write(&spec, registry, &path)?;
        paths.push(path);
    }
    Ok(paths)
}

// ---------------------------------------------------------------------------------------
// Upload files: what `icare-fix check` reads before the first upload

/// Date columns that are a start and its end, in the templates that have them. A generated
/// row draws each date on its own; [`write_upload`] puts them in order.
pub const DATE_PAIRS: [(&str, &str); 6] = [
    ("start_dttm", "end_dttm"),
    ("assessment_start_dt", "assessment_completed_dt"),
    ("service_start_dt", "service_end_dt"),
    ("service_start_dt", "service_projected_end_dt"),
    ("intervention_start_dt", "intervention_end_dt"),
    ("start_dt", "end_dt"),
];

/// One cell to set in a generated upload file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The data row, counted from 0 (the first data row is row 4 of the sheet).
    pub row: usize,
    /// The column's field code.
    pub code: String,
    /// The text to put in; empty empties the cell.
    pub text: String,
}

impl Edit {
    /// `text` into field `code` of data row `row` (from 0).
    pub fn new(row: usize, code: &str, text: &str) -> Edit {
        Edit {
            row,
            code: code.to_string(),
            text: text.to_string(),
        }
    }
}

/// Writes an upload file of `spec`'s template to `path`, as a case-management system exports
/// it before the first upload: the generated rows without notes (whatever `spec.notes` and
/// `spec.layout` say), with what a generated row gets wrong put right (an end date before its
/// start becomes the start date; a consent of Yes without a phone number gets one), then
/// `edits`. The cells are put in by `clean`'s patches, so everything else (lists, styles,
/// damage) is the generator's own.
pub fn write_upload(spec: &Spec, registry: &Registry, path: &Path, edits: &[Edit]) -> Result<()> {
    use icare_fix::output::clean::{CellPatch, CleanOptions, clean};
    let spec = Spec {
        notes: NoteSet::None,
        layout: Layout::Native,
        ..spec.clone()
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let raw = tempfile::Builder::new()
        .prefix(".icare-fix-synth-")
        .suffix(".xlsx")
        .tempfile_in(&folder)
        .map_err(|e| Error::io(&folder, e))?;
    write(&spec, registry, raw.path())?;
    let book = icare_fix::Rejected::open(raw.path(), registry)?;
    let col = |code: &str| {
        book.column_of(code).ok_or_else(|| Error::Unsupported {
            path: path.to_path_buf(),
            detail: format!("the template {} has no column {code}", spec.template),
        })
    };
    let mut patches: Vec<CellPatch> = Vec::new();
    for i in 0..spec.rows {
        let row = DATA_START + i as u32;
        for (start, end) in DATE_PAIRS {
            let (Some(s), Some(e)) = (book.column_of(start), book.column_of(end)) else {
                continue;
            };
            let (from, to) = (book.value(row, s), book.value(row, e));
            if !from.is_empty() && !to.is_empty() && to < from {
                patches.push(CellPatch {
                    row,
                    col: e,
                    text: from,
                });
            }
        }
        if let (Some(consent), Some(phone)) =
            (book.column_of("consent_ind"), book.column_of("phone_no"))
            && book.value(row, consent) == "Yes"
            && book.value(row, phone).is_empty()
        {
            patches.push(CellPatch {
                row,
                col: phone,
                text: format!("613-555-01{:02}", i % 100),
            });
        }
    }
    for edit in edits {
        if edit.row >= spec.rows {
            return Err(Error::Unsupported {
                path: path.to_path_buf(),
                detail: format!("row {} is past the {} data rows", edit.row, spec.rows),
            });
        }
        let (row, col) = (DATA_START + edit.row as u32, col(&edit.code)?);
        patches.retain(|p| (p.row, p.col) != (row, col));
        patches.push(CellPatch {
            row,
            col,
            text: edit.text.clone(),
        });
    }
    let options = CleanOptions {
        repair: false,
        force: true,
        allow_not_rejected: true,
        patches,
        ..CleanOptions::default()
    };
    clean(raw.path(), path, registry, &options)?;
    Ok(())
}

/// The clients of an upload file: (identifier type, identifier value, date of birth) of each
/// data row, in order.
pub fn clients(path: &Path, registry: &Registry) -> Result<Vec<[String; 3]>> {
    let book = icare_fix::Rejected::open(path, registry)?;
    Ok(book
        .data_rows()
        .map(|r| {
            let c = book.client(r.row);
            [c.id_type, c.id_value, c.birth_date]
        })
        .collect())
}

/// Edits that give data row `i` of a service file the identity of client `i` modulo the
/// number of `clients`.
pub fn identity_edits(clients: &[[String; 3]], rows: usize) -> Vec<Edit> {
    let codes = icare_fix::workbook::IDENTITY_FIELDS;
    (0..rows)
        .flat_map(|i| {
            let client = &clients[i % clients.len().max(1)];
            codes
                .iter()
                .zip(client)
                .map(move |(code, value)| Edit::new(i, code, value))
        })
        .collect()
}

/// A month of upload files in `dir`: `client_profile.xlsx` (12 clients),
/// `information_orientation.xlsx` (20 services) and `employment.xlsx` (10 services), every
/// service record of a profiled client, but the first `unprofiled` services of the
/// Information and Orientation file, whose clients have no Client Profile row. Returns the
/// three paths.
pub fn write_month(
    dir: &Path,
    registry: &Registry,
    seed: u64,
    unprofiled: usize,
) -> Result<Vec<PathBuf>> {
    let profile = dir.join("client_profile.xlsx");
    let profile_spec = Spec {
        seed,
        ..Spec::new("client_profile", 12)
    };
    write_upload(&profile_spec, registry, &profile, &[])?;
    let clients = clients(&profile, registry)?;
    let mut paths = vec![profile];
    for (k, (template, rows)) in [("information_orientation", 20), ("employment", 10)]
        .into_iter()
        .enumerate()
    {
        let mut edits = identity_edits(&clients, rows);
        if k == 0 {
            let mut fresh = (1000..).map(|n| format!("99{n:08}"));
            for i in 0..unprofiled.min(rows) {
                let id = fresh
                    .find(|id| !clients.iter().any(|c| c[1] == *id))
                    .expect("an endless supply");
                edits.push(Edit::new(i, "client_validation_id", &id));
            }
        }
        let path = dir.join(format!("{template}.xlsx"));
        let spec = Spec {
            seed: seed + 1 + k as u64,
            ..Spec::new(template, rows)
        };
        write_upload(&spec, registry, &path, &edits)?;
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_seeds_differ() {
        let a: Vec<u64> = (0..5).scan(Rng::new(7), |r, _| Some(r.next())).collect();
        let b: Vec<u64> = (0..5).scan(Rng::new(7), |r, _| Some(r.next())).collect();
        let c: Vec<u64> = (0..5).scan(Rng::new(8), |r, _| Some(r.next())).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(Rng::new(0).next() != 0);
    }

    #[test]
    fn digits_have_the_length_asked_and_no_leading_zero() {
        let mut rng = Rng::new(3);
        for len in [8, 10] {
            for _ in 0..100 {
                let d = rng.digits(len);
                assert_eq!(d.len(), len);
                assert!(d.bytes().all(|b| b.is_ascii_digit()));
                assert!(!d.starts_with('0'));
            }
        }
    }

    #[test]
    fn text_is_escaped_like_excel() {
        let mut s = String::new();
        escape_text(&mut s, "a<b>&c\r\nd_x0041_e\u{1}");
        assert_eq!(s, "a&lt;b&gt;&amp;c_x000D_\nd_x005F_x0041_e_x0001_");
    }

    #[test]
    fn orp_positions_increase_and_stay_within_the_total() {
        let registry = Registry::builtin();
        for rows in [1usize, 2, 7, 40] {
            let spec = Spec::new("client_profile", rows);
            let plan = Plan::new(&spec, &registry).unwrap();
            let mut generator = RowGenerator::new(&plan);
            let mut last = 0;
            for i in 0..rows {
                let orp = generator.next_orp(i);
                assert!(orp > last);
                assert!(orp <= generator.orp_total);
                last = orp;
            }
        }
    }

    #[test]
    fn an_unknown_template_is_refused_with_the_known_ones() {
        let registry = Registry::builtin();
        let err = to_bytes(&Spec::new("nope", 1), &registry).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("nope") && text.contains("client_profile"),
            "{text}"
        );
    }
}
