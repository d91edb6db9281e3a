//! The rules for one file: one function per rule, each over the data rows it is given (the whole
//! sheet, or a part of it as `check` reads a file a row at a time).
//!
//! Columns are found by their field codes, never by position or label. What a column may
//! hold comes from [`crate::workbook::lists::ColumnLists`] (the file's own `LOV` sheet, then
//! the bundled lists); kinds and mandatory marks from the [`Registry`]. Each rule says where
//! it comes from ([`Source`]), which makes it an error or a warning:
//!
//! | rule | source |
//! |---|---|
//! | [`mandatory`] | the file's `Mandatory=true;` flag, else the template's orange label |
//! | [`list_values`] | the file's own list, else icare-fix's copy of the template's list |
//! | [`dates`] | the template: date columns hold the text `YYYY-MM-DD` of a real day |
//! | [`birth_dates`] | in the future: iCARE's "Unable to validate against database" (such a date matches no record); after a service date: a guess |
//! | [`start_before_end`] | a guess |
//! | [`identifiers`] | a guess from IRCC's UCI format (8 or 10 digits) |
//! | [`identity`] | iCARE's "Unable to validate against database": a client is validated by all three |
//! | [`postal_codes`] | a guess from the templates' label `A#A#A#` |
//! | [`consent`] | iCARE's "Telephone number has not been specified." |
//! | [`Duplicates`] | a guess |

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use calamine::Data;
use chrono::NaiveDate;

use super::model::{self, CheckOptions, Problem, Rule, Sheet, Source};
use crate::note::Texts;
use crate::package::hash::FastHash;
use crate::repair::repaired_text;
use crate::template::{Registry, ValueKind};
use crate::workbook::lists::{ListSource, english_yes_no};
use crate::workbook::{GridRow, IDENTITY_FIELDS, display};

/// Everything the rules of one sheet share.
pub struct Ctx<'s, 'a> {
    sheet: &'s Sheet<'a>,
    registry: &'a Registry,
    template: Option<&'a str>,
    notes_col: Option<u32>,
    today: NaiveDate,
    /// The template's columns (a field code, not the notes column), in order.
    columns: Vec<(u32, &'a str)>,
    /// The data rows holding a value in a template column.
    rows: Vec<&'a GridRow>,
}

impl<'s, 'a> Ctx<'s, 'a> {
    /// The rules' view of `rows`, data rows of `sheet`.
    fn new(
        sheet: &'s Sheet<'a>,
        rows: impl Iterator<Item = &'a GridRow>,
        registry: &'a Registry,
        opts: &CheckOptions,
    ) -> Self {
        let book = sheet.book;
        let notes_col = book.notes_column.map(|n| n.col);
        let columns: Vec<(u32, &'a str)> = book
            .codes
            .iter()
            .enumerate()
            .filter_map(|(col, code)| Some((col as u32, code.as_deref()?)))
            .filter(|(col, _)| Some(*col) != notes_col)
            .collect();
        let rows = rows
            .filter(|row| {
                row.cells.iter().any(|(col, _)| {
                    Some(*col) != notes_col && book.code(*col).is_some_and(|c| !c.is_empty())
                })
            })
            .collect();
        Ctx {
            sheet,
            registry,
            template: book.template.as_deref(),
            notes_col,
            today: opts.today,
            columns,
            rows,
        }
    }

    /// The column of a field code, unless it is the notes column.
    fn col(&self, code: &str) -> Option<u32> {
        self.sheet
            .book
            .column_of(code)
            .filter(|c| Some(*c) != self.notes_col)
    }

    /// The column's label in English and French (the English one where no French is known).
    fn labels(&self, col: u32) -> (String, String) {
        model::labels(self.sheet.book, self.registry, col)
    }

    fn kind(&self, code: &str) -> ValueKind {
        self.registry.kind(self.template, code)
    }
}

/// The text of a cell as a person reads it; empty when the cell is empty.
fn text(row: &GridRow, col: u32) -> Cow<'_, str> {
    match row.get(col) {
        Some(Data::String(s)) => Cow::Borrowed(s.as_str()),
        Some(other) => Cow::Owned(display(other)),
        None => Cow::Borrowed(""),
    }
}

fn is_empty(row: &GridRow, col: u32) -> bool {
    text(row, col).trim().is_empty()
}

/// Every rule on every row of `sheet`.
pub fn check(sheet: &Sheet<'_>, registry: &Registry, opts: &CheckOptions) -> Vec<Problem> {
    let mut out = Vec::new();
    check_rows(
        sheet,
        sheet.book.data_rows(),
        registry,
        opts,
        &mut Seen::default(),
        &mut out,
    );
    out
}

/// What the rules remember from one part of a sheet to the next: the rows seen (for
/// [`Duplicates`]) and the texts of the problems found, each held once.
#[derive(Debug, Default)]
pub struct Seen {
    duplicates: Duplicates,
    texts: Texts,
}

/// Every rule on `rows`, data rows of `sheet` given in order, a part of the sheet at a time:
/// `seen` remembers what earlier parts held. The problems are added to `out`.
pub fn check_rows<'a>(
    sheet: &Sheet<'a>,
    rows: impl Iterator<Item = &'a GridRow>,
    registry: &'a Registry,
    opts: &CheckOptions,
    seen: &mut Seen,
    out: &mut Vec<Problem>,
) {
    use rayon::prelude::*;
    let start = out.len();
    let ctx = Ctx::new(sheet, rows, registry, opts);
    // The rules are independent: each makes its own list, side by side.
    let found: Vec<Problem> = RULES
        .par_iter()
        .flat_map_iter(|rule| {
            let mut out = Vec::new();
            rule(&ctx, &mut out);
            out
        })
        .collect();
    out.extend(found);
    seen.duplicates.check(&ctx, out);
    for problem in &mut out[start..] {
        problem.share(&mut seen.texts);
    }
}

/// Every rule of one file that looks at one row at a time, in the order of the table above
/// ([`Duplicates`], the last, remembers rows).
type RuleFn = fn(&Ctx<'_, '_>, &mut Vec<Problem>);
const RULES: [RuleFn; 9] = [
    mandatory,
    list_values,
    dates,
    birth_dates,
    start_before_end,
    identifiers,
    identity,
    postal_codes,
    consent,
];

/// Empty mandatory fields: the file's own `Mandatory=true;` flag, else the template's mark.
/// The identity fields are left to [`identity`].
pub fn mandatory(ctx: &Ctx<'_, '_>, out: &mut Vec<Problem>) {
    let lists = &ctx.sheet.lists;
    for &(col, code) in &ctx.columns {
        if IDENTITY_FIELDS.contains(&code)
            || !lists.is_mandatory(col, code, ctx.registry, ctx.template)
        {
            continue;
        }
        let source = if lists.get(col).and_then(|l| l.mandatory).is_some() {
            Source::File
        } else {
            Source::Template
        };
        let (en, fr) = ctx.labels(col);
        for row in ctx.rows.iter().filter(|r| is_empty(r, col)) {
            out.push(
                Problem::new(Rule::Mandatory, source, row.row, col, code, "").says(
                    format!("{en} is mandatory and empty: iCARE rejects a record without it."),
                    format!(
                        "Le champ « {fr} » est obligatoire et vide : iCARE rejette un dossier sans cette valeur."
                    ),
                ),
            );
        }
    }
}

/// Values outside their column's list, compared exactly (a trailing space and the
/// typographic apostrophe are part of a value). A near miss (case, spaces around, the
/// apostrophe; `Oui` for `Yes`) gets the list's exact spelling as its fix, by `clean`'s own
/// repair rule.
pub fn list_values(ctx: &Ctx<'_, '_>, out: &mut Vec<Problem>) {
    for &(col, code) in &ctx.columns {
        let Some(list) = ctx.sheet.lists.get(col).filter(|l| l.is_list()) else {
            continue;
        };
        let (source, whose_en, whose_fr) = match list.source {
            ListSource::Workbook => (Source::File, "the file's own list", "la liste du fichier"),
            _ => (
                Source::Template,
                "icare-fix's copy of the template's list (the file has none)",
                "la copie de la liste du modèle d'icare-fix (le fichier n'en a pas)",
            ),
        };
        let allowed: HashSet<&str, FastHash> = list.values.iter().map(String::as_str).collect();
        let (en, fr) = ctx.labels(col);
        // The same wrong value comes back row after row: its fix is found once.
        let mut fixes: HashMap<String, Option<String>> = HashMap::new();
        for row in &ctx.rows {
            let value = text(row, col);
            if value.trim().is_empty() || allowed.contains(value.as_ref()) {
                continue;
            }
            let fix = fixes
                .entry(value.to_string())
                .or_insert_with(|| {
                    english_yes_no(&value, &list.values)
                        .map(str::to_string)
                        .or_else(|| {
                            repaired_text(
                                ctx.registry,
                                ctx.template,
                                code,
                                Some(&list.values),
                                &value,
                            )
                            .map(|(_, v)| v)
                        })
                })
                .clone();
            let (message_en, message_fr) = match (&fix, english_yes_no(&value, &list.values)) {
                (_, Some(english)) => (
                    format!("'{value}' is French: this template's list says '{english}'."),
                    format!(
                        "« {value} » est en français : la liste de ce modèle dit « {english} »."
                    ),
                ),
                (Some(fix), None) => (
                    format!(
                        "'{value}' is not one of the allowed values of {en} as spelled in {whose_en}: write '{fix}'."
                    ),
                    format!(
                        "« {value} » n'est pas une valeur permise de « {fr} » telle qu'écrite dans {whose_fr} : écrivez « {fix} »."
                    ),
                ),
                (None, None) => (
                    format!(
                        "'{value}' is not one of the allowed values of {en}; choose one from the drop-down list ({whose_en})."
                    ),
                    format!(
                        "« {value} » n'est pas une valeur permise de « {fr} » ; choisissez-en une dans la liste déroulante ({whose_fr})."
                    ),
                ),
            };
            out.push(
                Problem::new(Rule::ListValue, source, row.row, col, code, &value)
                    .says(message_en, message_fr)
                    .fix(fix),
            );
        }
    }
}

/// A date as the rules compare it: the text `YYYY-MM-DD` of a real day (surrounding spaces
/// allowed), or a cell Excel holds as a date.
fn date_of(row: &GridRow, col: u32) -> Option<NaiveDate> {
    match row.get(col)? {
        Data::String(s) => iso_date(s.trim()),
        Data::DateTime(dt) => dt.as_datetime().map(|d| d.date()),
        _ => None,
    }
}

/// `YYYY-MM-DD` exactly, of a day that exists.
fn iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// A date written year first in another way (`2024/3/5`, `2024.03.05`, `2024-03-05
/// 00:00:00`): the day it can only mean.
fn year_first(text: &str) -> Option<NaiveDate> {
    let date_part = text.split([' ', 'T']).next().unwrap_or(text);
    let parts: Vec<&str> = date_part.split(['-', '/', '.']).collect();
    let [y, m, d] = parts[..] else {
        return None;
    };
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !(digits(y, 4..=4) && digits(m, 1..=2) && digits(d, 1..=2)) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Date columns hold the text `YYYY-MM-DD` of a day that exists, as the template's labels
/// ask; a date Excel turned into a number is read by iCARE as that number.
pub fn dates(ctx: &Ctx<'_, '_>, out: &mut Vec<Problem>) {
    for &(col, code) in &ctx.columns {
        if ctx.kind(code) != ValueKind::Date || ctx.sheet.lists.values(col).is_some() {
            continue;
        }
        let (en, fr) = ctx.labels(col);
        for row in &ctx.rows {
            let Some(data) = row.get(col) else { continue };
            // A date Excel holds is told by the number it stores, as `clean` reports it.
            let value = match data {
                Data::DateTime(dt) => Cow::Owned(crate::workbook::format_number(dt.as_f64())),
                _ => text(row, col),
            };
            let (message_en, message_fr, fix) = match data {
                Data::String(s) => {
                    let trimmed = s.trim();
                    if let Some(date) = iso_date(trimmed) {
                        if trimmed == s {
                            continue;
                        }
                        (
                            format!(
                                "'{s}' has spaces around the date: {en} must hold exactly YYYY-MM-DD."
                            ),
                            format!(
                                "« {s} » a des espaces autour de la date : « {fr} » doit contenir exactement AAAA-MM-JJ."
                            ),
                            Some(date.format("%Y-%m-%d").to_string()),
                        )
                    } else if looks_iso(trimmed) {
                        (
                            format!(
                                "'{trimmed}' is written YYYY-MM-DD, but that day does not exist: check {en}."
                            ),
                            format!(
                                "« {trimmed} » est écrit AAAA-MM-JJ, mais ce jour n'existe pas : vérifiez « {fr} »."
                            ),
                            None,
                        )
                    } else {
                        (
                            format!(
                                "'{trimmed}' is not a date written YYYY-MM-DD (for example 2024-03-31): {en}."
                            ),
                            format!(
                                "« {trimmed} » n'est pas une date écrite AAAA-MM-JJ (par exemple 2024-03-31) : « {fr} »."
                            ),
                            year_first(trimmed).map(|d| d.format("%Y-%m-%d").to_string()),
                        )
                    }
                }
                Data::DateTime(_) | Data::Float(_) | Data::Int(_) | Data::DateTimeIso(_) => {
                    let fix = match data {
                        Data::DateTime(dt) => dt
                            .as_datetime()
                            .map(|d| d.date().format("%Y-%m-%d").to_string()),
                        Data::DateTimeIso(s) => {
                            year_first(s).map(|d| d.format("%Y-%m-%d").to_string())
                        }
                        _ => repaired_text(ctx.registry, ctx.template, code, None, &value)
                            .map(|(_, v)| v),
                    };
                    (
                        format!(
                            "{en} holds a date Excel stored as a number, not the text YYYY-MM-DD: iCARE reads the number. Write the date as text (icare-fix clean repairs it)."
                        ),
                        format!(
                            "« {fr} » contient une date qu'Excel a enregistrée comme un nombre, pas le texte AAAA-MM-JJ : iCARE lit le nombre. Écrivez la date comme du texte (icare-fix clean la répare)."
                        ),
                        fix,
                    )
                }
                _ => (
                    format!("'{value}' is not a date written YYYY-MM-DD: {en}."),
                    format!("« {value} » n'est pas une date écrite AAAA-MM-JJ : « {fr} »."),
                    None,
                ),
            };
            out.push(
                Problem::new(
                    Rule::DateFormat,
                    Source::Template,
                    row.row,
                    col,
                    code,
                    &value,
                )
                .says(message_en, message_fr)
                .fix(fix),
            );
        }
    }
}

/// `9999-99-99`: shaped like a date, whatever its numbers.
fn looks_iso(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// A date of birth in the future cannot be the client's (iCARE cannot validate them); one
/// after a service date of the same record is a guess: one of the two is wrong.
pub fn birth_dates(ctx: &Ctx<'_, '_>, out: &mut Vec<Problem>) {
    let birth_code = "client_birth_dt";
    let Some(birth) = ctx.col(birth_code) else {
        return;
    };
    let services: Vec<u32> = ctx
        .columns
        .iter()
        .filter(|(col, code)| {
            *col != birth
                && ctx.kind(code) == ValueKind::Date
                && ctx.sheet.lists.values(*col).is_none()
        })
        .map(|(col, _)| *col)
        .collect();
    let (unable_en, unable_fr) = model::known(ctx.registry, model::UNABLE_TO_VALIDATE);
    for row in &ctx.rows {
        let Some(born) = date_of(row, birth) else {
            continue;
        };
        let value = text(row, birth);
        if born > ctx.today {
            out.push(
                Problem::new(Rule::BirthDateFuture, Source::IcareMessage, row.row, birth, birth_code, &value)
                    .says(
                        format!("The date of birth {born} is in the future: it matches no client of IRCC, so iCARE cannot validate the client ({unable_en})."),
                        format!("La date de naissance {born} est dans le futur : elle ne correspond à aucun client d'IRCC, donc iCARE ne peut pas valider le client ({unable_fr})."),
                    ),
            );
            continue;
        }
        let earlier = services
            .iter()
            .filter_map(|col| date_of(row, *col).map(|d| (*col, d)))
            .find(|(_, d)| *d < born);
        if let Some((col, served)) = earlier {
            let (en, fr) = ctx.labels(col);
            out.push(
                Problem::new(Rule::BirthDateAfterService, Source::Guess, row.row, birth, birth_code, &value)
                    .says(
                        format!("The date of birth {born} is after {en} ({served}): one of the two is wrong (educated guess: iCARE is likely to reject the record)."),
                        format!("La date de naissance {born} est après « {fr} » ({served}) : l'une des deux est fausse (supposition : iCARE rejettera probablement le dossier)."),
                    ),
            );
        }
    }
}

/// The start column of an end column, where the template has both: `end_dttm` →
/// `start_dttm`, `service_projected_end_dt` → `service_start_dt`, `assessment_completed_dt`
/// → `assessment_start_dt`.
pub fn start_code(end: &str) -> Option<String> {
    let parts: Vec<&str> = end.split('_').filter(|p| *p != "projected").collect();
    if !parts.iter().any(|p| *p == "end" || *p == "completed") {
        return None;
    }
    Some(
        parts
            .iter()
            .map(|p| {
                if *p == "end" || *p == "completed" {
                    "start"
                } else {
                    p
                }
            })
            .collect::<Vec<_>>()
            .join("_"),
    )
}

/// A start date after its end date (a guess: no iCARE message is known for it).
pub fn start_before_end(ctx: &Ctx<'_, '_>, out: &mut Vec<Problem>) {
    let pairs: Vec<(u32, u32, &str)> = ctx
        .columns
        .iter()
        .filter(|(_, code)| ctx.kind(code) == ValueKind::Date)
        .filter_map(|&(end, code)| Some((ctx.col(&start_code(code)?)?, end, code)))
        .collect();
    for (start, end, code) in pairs {
        let (start_en, start_fr) = ctx.labels(start);
        let (end_en, end_fr) = ctx.labels(end);
        for row in &ctx.rows {
            let (Some(from), Some(to)) = (date_of(row, start), date_of(row, end)) else {
                continue;
            };
            if from > to {
                out.push(
                    Problem::new(Rule::StartAfterEnd, Source::Guess, row.row, end, code, &text(row, end))
                        .says(
                            format!("{end_en} ({to}) is before {start_en} ({from}): a service cannot end before it starts (educated guess: iCARE is likely to reject the record)."),
                            format!("« {end_fr} » ({to}) est avant « {start_fr} » ({from}) : un service ne peut pas finir avant de commencer (supposition : iCARE rejettera probablement le dossier)."),
                        ),
                );
            }
        }
    }
}

/// True for the identifier type of a FOSS/GCMS client ID (the UCI), in English or French.
fn is_uci_type(id_type: &str) -> bool {
    let t = id_type.to_uppercase();
    t.contains("FOSS") || t.contains("GCMS") || t.contains("SMGC")
}

/// The digits of an identifier written with spaces, dashes or dots (`0000-0000`).
fn digits_only(value: &str) -> Option<String> {
    let value = value.trim();
    if !value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.'))
    {
        return None;
    }
    Some(value.chars().filter(char::is_ascii_digit).collect())
}

/// A FOSS/GCMS client ID (UCI) is 8 or 10 digits, printed `0000-0000` or `00-0000-0000` but
/// written digits only in the templates; an update record id is digits. Both are guesses:
/// whether iCARE refuses the dashes is not known. The other identifier types have formats no
/// source gives, so they are not checked.
pub fn identifiers(ctx: &Ctx<'_, '_>, out: &mut Vec<Problem>) {
    if let (Some(type_col), Some(id_col)) = (
        ctx.col("client_validation_type_id"),
        ctx.col("client_validation_id"),
    ) {
        for row in &ctx.rows {
            let value = text(row, id_col);
            let value = value.trim();
            let uci =
                |v: &str| (v.len() == 8 || v.len() == 10) && v.bytes().all(|b| b.is_ascii_digit());
            if value.is_empty() || !is_uci_type(&text(row, type_col)) || uci(value) {
                continue;
            }
            let fix = digits_only(value).filter(|d| uci(d));
            out.push(
                Problem::new(Rule::IdentifierDigits, Source::Guess, row.row, id_col, "client_validation_id", value)
                    .says(
                        format!("'{value}' is not a FOSS/GCMS client ID: those are 8 or 10 digits, written without dashes or spaces (educated guess from IRCC's UCI format)."),
                        format!("« {value} » n'est pas un identifiant client SSOBL/SMGC : il compte 8 ou 10 chiffres, écrits sans tirets ni espaces (supposition d'après le format de l'IUC d'IRCC)."),
                    )
                    .fix(fix),
            );
        }
    }
    if let Some(col) = ctx.col("update_record_id") {
        for row in &ctx.rows {
            let value = text(row, col);
            let value = value.trim();
            if value.is_empty() || value.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let fix = digits_only(value).filter(|d| !d.is_empty());
            out.push(
                Problem::new(Rule::IdentifierDigits, Source::Guess, row.row, col, "update_record_id", value)
                    .says(
                        format!("'{value}' should hold digits only, without dashes or spaces: an iCARE record ID (educated guess)."),
                        format!("« {value} » ne devrait contenir que des chiffres, sans tirets ni espaces : un ID de dossier iCARE (supposition)."),
                    )
                    .fix(fix),
            );
        }
    }
}

/// iCARE validates every client by the identifier type, the identifier value and the date
/// of birth together; a record missing one of them cannot be validated.
pub fn identity(ctx: &Ctx<'_, '_>, out: &mut Vec<Problem>) {
    let cols: Vec<(u32, &str)> = IDENTITY_FIELDS
        .iter()
        .filter_map(|code| Some((ctx.col(code)?, *code)))
        .collect();
    let (unable_en, unable_fr) = model::known(ctx.registry, model::UNABLE_TO_VALIDATE);
    for &(col, code) in &cols {
        let (en, fr) = ctx.labels(col);
        for row in ctx.rows.iter().filter(|r| is_empty(r, col)) {
            out.push(
                Problem::new(Rule::IdentityIncomplete, Source::IcareMessage, row.row, col, code, "")
                    .says(
                        format!("{en} is empty: iCARE validates each client by identifier type, identifier value and date of birth together, so it cannot validate this one ({unable_en}) and rejects every record of the client."),
                        format!("Le champ « {fr} » est vide : iCARE valide chaque client par le type d'identificateur, sa valeur et la date de naissance ensemble, donc il ne peut pas valider celui-ci ({unable_fr}) et rejette tous les dossiers du client."),
                    ),
            );
        }
    }
}

/// A Canadian postal code: `A1A 1A1` or `A1A1A1`, letters of Canada Post's alphabet (no D,
/// F, I, O, Q or U; no W or Z first).
pub fn is_postal_code(text: &str) -> bool {
    const FIRST: &[u8] = b"ABCEGHJKLMNPRSTVXY";
    const OTHER: &[u8] = b"ABCEGHJKLMNPRSTVWXYZ";
    let b = text.as_bytes();
    let b: Vec<u8> = match b.len() {
        6 => b.to_vec(),
        7 if b[3] == b' ' => [&b[..3], &b[4..]].concat(),
        _ => return false,
    };
    FIRST.contains(&b[0])
        && b[1].is_ascii_digit()
        && OTHER.contains(&b[2])
        && b[3].is_ascii_digit()
        && OTHER.contains(&b[4])
        && b[5].is_ascii_digit()
}

/// Postal codes in the Canadian format (a guess: the templates' label says `A#A#A#`).
pub fn postal_codes(ctx: &Ctx<'_, '_>, out: &mut Vec<Problem>) {
    for &(col, code) in &ctx.columns {
        if !code.contains("postal")
            || ctx.kind(code) != ValueKind::Text
            || ctx.sheet.lists.values(col).is_some()
        {
            continue;
        }
        let (en, fr) = ctx.labels(col);
        for row in &ctx.rows {
            let value = text(row, col);
            if value.trim().is_empty() || is_postal_code(&value) {
                continue;
            }
            let compact: String = value
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect::<String>()
                .to_uppercase();
            let fix = is_postal_code(&compact).then_some(compact);
            out.push(
                Problem::new(Rule::PostalCode, Source::Guess, row.row, col, code, &value)
                    .says(
                        format!("'{value}' is not a Canadian postal code written A1A1A1 or A1A 1A1: {en} (educated guess from the templates' label A#A#A#)."),
                        format!("« {value} » n'est pas un code postal canadien écrit A1A1A1 ou A1A 1A1 : « {fr} » (supposition d'après l'étiquette A#A#A# des modèles)."),
                    )
                    .fix(fix),
            );
        }
    }
}

/// Consent to future research of Yes needs a phone number: iCARE writes "Telephone number
/// has not been specified." for a record with neither phone nor e-mail. With an e-mail but
/// no phone it is a guess (iCARE's message names only the phone).
pub fn consent(ctx: &Ctx<'_, '_>, out: &mut Vec<Problem>) {
    let (Some(consent), Some(phone)) = (ctx.col("consent_ind"), ctx.col("phone_no")) else {
        return;
    };
    let email = ctx.col("email_txt");
    let (consent_en, consent_fr) = ctx.labels(consent);
    let (msg_en, msg_fr) = model::known(ctx.registry, model::PHONE_MISSING);
    for row in &ctx.rows {
        let yes = matches!(
            text(row, consent).trim().to_lowercase().as_str(),
            "yes" | "oui"
        );
        if !yes || !is_empty(row, phone) {
            continue;
        }
        let problem = if email.is_some_and(|e| !is_empty(row, e)) {
            Problem::new(Rule::ConsentContact, Source::Guess, row.row, phone, "phone_no", "").says(
                format!("{consent_en} is Yes and there is an e-mail but no phone number: iCARE's message for this names the phone ({msg_en}), so the e-mail may not be enough (educated guess). Enter the phone number (###-###-####) or set the consent to No."),
                format!("« {consent_fr} » vaut Oui et il y a un courriel mais pas de numéro de téléphone : le message d'iCARE à ce sujet nomme le téléphone ({msg_fr}), le courriel risque donc de ne pas suffire (supposition). Inscrivez le numéro (###-###-####) ou indiquez Non pour le consentement."),
            )
        } else {
            Problem::new(Rule::ConsentContact, Source::IcareMessage, row.row, phone, "phone_no", "").says(
                format!("{consent_en} is Yes but there is no phone number or e-mail: iCARE rejects this ({msg_en}). Enter the phone number (###-###-####) or set the consent to No."),
                format!("« {consent_fr} » vaut Oui mais il n'y a ni numéro de téléphone ni courriel : iCARE rejette ce dossier ({msg_fr}). Inscrivez le numéro (###-###-####) ou indiquez Non pour le consentement."),
            )
        };
        out.push(problem);
    }
}

/// The same record twice in a file: every template column the same (a guess: iCARE would
/// count the service twice or reject the second).
///
/// Each row is remembered by a SHA-256 of its values (16 of its bytes), not by the values
/// themselves: a file of any length is compared in little memory.
#[derive(Debug, Default)]
pub struct Duplicates {
    seen: HashMap<[u8; 16], u32, FastHash>,
}

impl Duplicates {
    /// The rows of `ctx` that repeat a row seen before, in this part or an earlier one.
    fn check(&mut self, ctx: &Ctx<'_, '_>, out: &mut Vec<Problem>) {
        use sha2::{Digest, Sha256};
        let Some(&(first_col, first_code)) = ctx.columns.first() else {
            return;
        };
        let (col, code) = ctx
            .col("client_validation_id")
            .map_or((first_col, first_code), |c| (c, "client_validation_id"));
        self.seen.reserve(ctx.rows.len());
        let mut key = String::new();
        for row in &ctx.rows {
            key.clear();
            for (c, value) in &row.cells {
                if Some(*c) != ctx.notes_col && ctx.sheet.book.code(*c).is_some() {
                    let _ = write!(key, "{c}\u{1f}");
                    match value {
                        Data::String(s) => key.push_str(s.trim_end()),
                        other => key.push_str(&display(other)),
                    }
                    key.push('\u{1e}');
                }
            }
            let digest = Sha256::digest(key.as_bytes());
            let mut short = [0u8; 16];
            short.copy_from_slice(&digest[..16]);
            match self.seen.get(&short) {
                Some(first) => out.push(
                    Problem::new(Rule::DuplicateRecord, Source::Guess, row.row, col, code, &text(row, col))
                        .says(
                            format!("This row repeats row {} field for field: iCARE would take the same record twice (educated guess). Delete one of them.", first + 1),
                            format!("Cette ligne répète la ligne {} champ pour champ : iCARE prendrait le même dossier deux fois (supposition). Supprimez l'une des deux.", first + 1),
                        ),
                ),
                None => {
                    self.seen.insert(short, row.row);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_text_of_real_days() {
        assert!(iso_date("2024-02-29").is_some());
        assert!(iso_date("2023-02-29").is_none());
        assert!(looks_iso("2023-02-29"));
        assert!(iso_date("2024-2-29").is_none());
        assert!(iso_date("+024-02-29").is_none());
        assert_eq!(year_first("2024/3/5"), NaiveDate::from_ymd_opt(2024, 3, 5));
        assert_eq!(
            year_first("2024-03-05 00:00:00"),
            NaiveDate::from_ymd_opt(2024, 3, 5)
        );
        assert_eq!(year_first("05/03/2024"), None);
    }

    #[test]
    fn end_columns_find_their_start() {
        assert_eq!(start_code("end_dttm").as_deref(), Some("start_dttm"));
        assert_eq!(
            start_code("service_projected_end_dt").as_deref(),
            Some("service_start_dt")
        );
        assert_eq!(
            start_code("assessment_completed_dt").as_deref(),
            Some("assessment_start_dt")
        );
        assert_eq!(start_code("client_birth_dt"), None);
        assert_eq!(start_code("attended_dt"), None);
    }

    #[test]
    fn postal_codes_follow_canada_post() {
        for good in ["K1A0B1", "K1A 0B1", "M1B5K1", "H0H 0H0", "T2W1Z9"] {
            assert!(is_postal_code(good), "{good}");
        }
        for bad in [
            "k1a0b1", "K1A-0B1", "D1A0B1", "K1A0B", "W1A0B1", "12345", "K1A  0B1",
        ] {
            assert!(!is_postal_code(bad), "{bad}");
        }
    }

    #[test]
    fn uci_types_in_both_languages() {
        assert!(is_uci_type("FOSS/GCMS Client ID"));
        assert!(is_uci_type("N° d'identité SSOBL ou SMGC du client"));
        assert!(!is_uci_type("IMM5292, IMM5509, IMM1000 Number"));
        assert_eq!(digits_only("1234-5678").as_deref(), Some("12345678"));
        assert_eq!(digits_only("W123456789"), None);
    }
}
