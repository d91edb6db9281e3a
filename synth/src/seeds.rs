//! Small inputs for the fuzz targets' seed corpora (`fuzz/src/seeds.rs` writes them): iCARE
//! notes in every known shape, and a small rejected Client Profile workbook written by
//! rust_xlsxwriter. Nothing here is real data.

use rust_xlsxwriter::Workbook;

/// Notes in every shape the parser knows, and a few broken ones.
pub const NOTES: &[&str] = &[
    "[BUID:62957,RID:43432228,ORP:6/37,DTS:2015-04-13 13:18:23][XML:consent_ind, phone_no] (Profile) Telephone number has not been specified. / (Profil) Le numéro de téléphone n'a pas été indiqué.",
    "[BUID:62957,RID:91670490,ORP:1/37,DTS:2015-04-13 13:18:22][XML:] (Client) Unable to validate against database. / (Client) Impossible de valider dans la base de données.)",
    "[BUID:305939,RID:,ORP:4/5,DTS:2018-08-07 10:05:04][1] (Client) Unable to validate against database. / (Client) Impossible de valider dans la base de données.",
    "[BUID:1,RID:,ORP:3/4,DTS:2020-01-02 03:04:05][XML:childminding_NewcomerChildren[1]childminding_age_id, childminding_NewcomerChildren[2]childminding_type_id] (Service) Age is invalid. / (Service) L'âge n'est pas valide.",
    "[BUID:9,RID:8,ORP:1/2,DTS:2020-01-02 03:04:05][XML:unit_txt] (Profile) Unit/Suite/Apt is too long. / (Profil) Unité/Bureau/App. est trop long.",
    "[BUID:9,RID:,ORP:1/2,DTS:2020-01-02 03:04:05][XML:x] (Service) The length (hours) is wrong. / (Service) La durée (heures) est erronée.",
    "note before [BUID:9,RID:,ORP:1/2,DTS:2020-01-02 03:04:05][XML:a,b] (Client) A. / (Client) B.\r\n[BUID:9,RID:,ORP:2/2,DTS:2020-01-02 03:04:06][XML:] (Client) C.",
    "[BUID:,RID:,ORP:1/2,DTS:2020-13-45 25:61:61][XML:a (Client) no close",
];

/// A small synthetic rejected Client Profile workbook: notes in an inserted column A or in the
/// native Processing Details column, a hidden list sheet, optionally the data sheet hidden.
pub fn rejected(inserted: bool, hide_data: bool) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let (codes, labels) = (crate::hostile::CODES, crate::hostile::LABELS);
    let rows: [[&str; 6]; 2] = [
        [
            "",
            "FOSS/GCMS Client ID",
            "12345678",
            "1980-01-31",
            "",
            "Yes",
        ],
        [
            "",
            "FOSS/GCMS Client ID",
            "87654321",
            "1975-12-01",
            "613-555-0101",
            "No",
        ],
    ];
    let shift = u16::from(inserted);
    let notes_col = 0;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("iCARE Template")?;
    ws.write_string(0, shift, "Immigration, Refugees and Citizenship Canada\niCARE - Immigration Contribution Agreement Reporting Environment\nClient Profile")?;
    for (c, (code, label)) in codes.iter().zip(labels).enumerate() {
        ws.write_string(1, c as u16 + shift, *code)?;
        ws.write_string(2, c as u16 + shift, label)?;
    }
    ws.set_row_hidden(1)?;
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if !value.is_empty() {
                ws.write_string(3 + r as u32, c as u16 + shift, *value)?;
            }
        }
        ws.write_string(3 + r as u32, notes_col, NOTES[r])?;
    }
    ws.write_number(5, 3 + shift, 29_000.0)?;
    if hide_data {
        ws.set_hidden(true);
        wb.add_worksheet()
            .set_name("Cover")?
            .write_string(0, 0, "cover")?;
    }
    let lov = wb.add_worksheet().set_name("LOV")?;
    lov.write_string(0, 0, "client_validation_type_id")?;
    lov.write_string(2, 0, "FOSS/GCMS Client ID")?;
    lov.write_string(3, 0, "Temporary Resident or Minister’s Permit Number")?;
    lov.set_hidden(true);
    wb.save_to_buffer()
}
