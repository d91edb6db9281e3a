//! The rules across the files given together (a month's exports): the rejections that
//! cascade.
//!
//! - A service record whose client has no Client Profile row in the files given: iCARE
//!   rejects every record of a client it does not know. Only judged when a Client Profile
//!   file is among them, and a guess even then (the profile may have been uploaded in an
//!   earlier month).
//! - A client whose identity differs between rows (of one file or of several): the same
//!   identifier value with another identifier type or date of birth. iCARE validates a
//!   client by all three, so one of the records will not validate ("Unable to validate
//!   against database").
//!
//! A client is told by the identifier value, compared without spaces, dashes and case.

use std::collections::{HashMap, HashSet};

use super::model::{self, Problem, Rule, Sheet, Source};
use crate::template::Registry;
use crate::workbook::display;

/// The template id of the Client Profile.
const CLIENT_PROFILE: &str = "client_profile";

/// An identifier value as a key: letters and digits only, upper case.
fn key(value: &str) -> String {
    value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_uppercase()
}

/// Where a client's identity was first seen.
struct Seen<'a> {
    sheet: usize,
    row: u32,
    id_type: String,
    birth: String,
    file: &'a str,
}

/// Adds the problems across `sheets` to `problems` (one list per sheet, in the same order).
pub fn check(sheets: &[Sheet<'_>], registry: &Registry, problems: &mut [Vec<Problem>]) {
    let files: Vec<String> = sheets.iter().map(|s| s.book.file_name()).collect();
    without_profile(sheets, &files, problems);
    identity_differs(sheets, &files, registry, problems);
}

/// The identity columns of a sheet: (type, value, birth date), each when present.
fn identity_cols(sheet: &Sheet<'_>) -> (Option<u32>, Option<u32>, Option<u32>) {
    let book = sheet.book;
    let notes = book.notes_column.map(|n| n.col);
    let col = |code| book.column_of(code).filter(|c| Some(*c) != notes);
    (
        col("client_validation_type_id"),
        col("client_validation_id"),
        col("client_birth_dt"),
    )
}

fn without_profile(sheets: &[Sheet<'_>], files: &[String], problems: &mut [Vec<Problem>]) {
    let profiles: Vec<&Sheet<'_>> = sheets
        .iter()
        .filter(|s| s.book.template.as_deref() == Some(CLIENT_PROFILE))
        .collect();
    if profiles.is_empty() {
        return;
    }
    let mut profiled: HashSet<String> = HashSet::new();
    for sheet in &profiles {
        let (_, Some(id), _) = identity_cols(sheet) else {
            continue;
        };
        for row in sheet.book.data_rows() {
            let k = key(&sheet.book.value(row.row, id));
            if !k.is_empty() {
                profiled.insert(k);
            }
        }
    }
    let names: Vec<&str> = sheets
        .iter()
        .zip(files)
        .filter(|(s, _)| s.book.template.as_deref() == Some(CLIENT_PROFILE))
        .map(|(_, f)| f.as_str())
        .collect();
    let names = names.join(", ");
    for (i, sheet) in sheets.iter().enumerate() {
        if sheet.book.template.as_deref() == Some(CLIENT_PROFILE) {
            continue;
        }
        let (_, Some(id), _) = identity_cols(sheet) else {
            continue;
        };
        for row in sheet.book.data_rows() {
            let value = sheet.book.value(row.row, id);
            let k = key(&value);
            if k.is_empty() || profiled.contains(&k) {
                continue;
            }
            problems[i].push(
                Problem::new(Rule::ClientWithoutProfile, Source::Guess, row.row, id, "client_validation_id", &value)
                    .says(
                        format!("The client with identifier {value} has no row in the Client Profile file given ({names}): unless their profile was uploaded before, iCARE rejects this record (educated guess). Upload the client's profile first."),
                        format!("Le client d'identificateur {value} n'a pas de ligne dans le fichier Profil du client donné ({names}) : à moins que son profil ait déjà été téléversé, iCARE rejette ce dossier (supposition). Téléversez d'abord le profil du client."),
                    ),
            );
        }
    }
}

fn identity_differs(
    sheets: &[Sheet<'_>],
    files: &[String],
    registry: &Registry,
    problems: &mut [Vec<Problem>],
) {
    let (unable_en, unable_fr) = model::known(registry, model::UNABLE_TO_VALIDATE);
    let mut first: HashMap<String, Seen<'_>> = HashMap::new();
    for (i, sheet) in sheets.iter().enumerate() {
        let (type_col, Some(id), birth_col) = identity_cols(sheet) else {
            continue;
        };
        let book = sheet.book;
        for row in book.data_rows() {
            let k = key(&book.value(row.row, id));
            if k.is_empty() {
                continue;
            }
            let cell = |col: Option<u32>| {
                col.and_then(|c| row.get(c))
                    .map(|d| display(d).trim().to_string())
                    .unwrap_or_default()
            };
            let (id_type, birth) = (cell(type_col), cell(birth_col));
            let Some(seen) = first.get(&k) else {
                first.insert(
                    k,
                    Seen {
                        sheet: i,
                        row: row.row,
                        id_type,
                        birth,
                        file: &files[i],
                    },
                );
                continue;
            };
            let (place, place_fr) = if seen.sheet == i {
                (
                    format!("row {}", seen.row + 1),
                    format!("ligne {}", seen.row + 1),
                )
            } else {
                (
                    format!("{} row {}", seen.file, seen.row + 1),
                    format!("{} ligne {}", seen.file, seen.row + 1),
                )
            };
            for (col, code, here, there) in [
                (
                    type_col,
                    "client_validation_type_id",
                    &id_type,
                    &seen.id_type,
                ),
                (birth_col, "client_birth_dt", &birth, &seen.birth),
            ] {
                let Some(col) = col else { continue };
                if here.is_empty() || there.is_empty() || here == there {
                    continue;
                }
                let (label, label_fr) = model::labels(book, registry, col);
                problems[i].push(
                    Problem::new(Rule::IdentityDiffers, Source::IcareMessage, row.row, col, code, here)
                        .says(
                            format!("The same client (identifier {}) has {label} '{there}' in {place}: iCARE validates a client by identifier type, identifier value and date of birth, so one of the two records will not validate ({unable_en}). Correct the wrong one, in the case-management system too.", book.value(row.row, id).trim()),
                            format!("Le même client (identificateur {}) a « {there} » pour « {label_fr} » en {place_fr} : iCARE valide un client par le type d'identificateur, sa valeur et la date de naissance, donc l'un des deux dossiers ne sera pas validé ({unable_fr}). Corrigez le mauvais, aussi dans le système de gestion des dossiers.", book.value(row.row, id).trim()),
                        ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_compare_without_dashes_spaces_and_case() {
        assert_eq!(key(" 1234-5678 "), "12345678");
        assert_eq!(key("w123 456 789"), "W123456789");
        assert_eq!(key(""), "");
    }
}
