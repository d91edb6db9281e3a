//! The fixed texts of checklists, in both languages, and [`pick`], a short text in one
//! language or both.

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

/// A short text in `lang`: `en`, `fr` (English where no French is known), or for both
/// `en / fr`, once when they are the same.
pub(crate) fn pick(lang: Lang, en: &str, fr: &str) -> String {
    if en == fr {
        en.to_string()
    } else {
        lang.pick(en, fr, " / ")
    }
}
