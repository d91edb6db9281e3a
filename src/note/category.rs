//! Categories of error notes, for colours, sorting and counts.
//!
//! A note's category comes from the message catalogue when its message is known
//! ([`crate::template::Registry::message`]); otherwise [`Category::guess`] reads the wording.

use serde::{Deserialize, Serialize};

/// What kind of problem a note reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// The client could not be validated against IRCC's records (identifier or birth date).
    Identity,
    /// A required value is missing.
    Missing,
    /// A value is not allowed or badly formed.
    Invalid,
    /// A date is wrong, badly formed or out of order.
    Date,
    /// A reference to another record (course, update record id) is wrong.
    Reference,
    /// Anything else.
    Other,
}

impl Category {
    /// Every category, in the order of work.
    pub const ALL: [Category; 6] = [
        Category::Identity,
        Category::Missing,
        Category::Invalid,
        Category::Date,
        Category::Reference,
        Category::Other,
    ];

    /// The category's id, as in the JSON output and the templates' message catalogue.
    pub fn id(self) -> &'static str {
        match self {
            Category::Identity => "identity",
            Category::Missing => "missing",
            Category::Invalid => "invalid",
            Category::Date => "date",
            Category::Reference => "reference",
            Category::Other => "other",
        }
    }

    /// Parses a category id.
    pub fn from_id(id: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.id() == id.trim())
    }

    /// A short English name for people.
    pub fn label_en(self) -> &'static str {
        match self {
            Category::Identity => "Client not validated",
            Category::Missing => "Missing value",
            Category::Invalid => "Invalid value",
            Category::Date => "Date problem",
            Category::Reference => "Wrong reference",
            Category::Other => "Other problem",
        }
    }

    /// A short French name for people.
    pub fn label_fr(self) -> &'static str {
        match self {
            Category::Identity => "Client non validé",
            Category::Missing => "Valeur manquante",
            Category::Invalid => "Valeur non valide",
            Category::Date => "Problème de date",
            Category::Reference => "Référence erronée",
            Category::Other => "Autre problème",
        }
    }

    /// General advice for a note whose message is not in the catalogue.
    pub fn advice_en(self) -> &'static str {
        match self {
            Category::Identity => {
                "Check the identifier type, the identifier value and the date of birth against the client's immigration document."
            }
            Category::Missing => "Fill in the highlighted field; iCARE requires it here.",
            Category::Invalid => {
                "Correct the highlighted field: choose a value from the drop-down list or use the format the column title shows."
            }
            Category::Date => {
                "Correct the date: write it as YYYY-MM-DD (for example 2024-03-31) and check that it is in the right order with the other dates."
            }
            Category::Reference => {
                "Check the referenced record (course code or update record id): it must exist in iCARE."
            }
            Category::Other => {
                "Read iCARE's message and correct the highlighted fields; if unsure, ask your iCARE contact."
            }
        }
    }

    /// General advice in French, see [`Category::advice_en`].
    pub fn advice_fr(self) -> &'static str {
        match self {
            Category::Identity => {
                "Vérifiez le type d'identificateur, sa valeur et la date de naissance d'après le document d'immigration du client."
            }
            Category::Missing => "Remplissez le champ surligné; iCARE l'exige ici.",
            Category::Invalid => {
                "Corrigez le champ surligné : choisissez une valeur de la liste déroulante ou utilisez le format indiqué dans le titre de la colonne."
            }
            Category::Date => {
                "Corrigez la date : écrivez-la sous la forme AAAA-MM-JJ (par exemple 2024-03-31) et vérifiez l'ordre avec les autres dates."
            }
            Category::Reference => {
                "Vérifiez le dossier mentionné (code de cours ou ID du dossier à mettre à jour) : il doit exister dans iCARE."
            }
            Category::Other => {
                "Lisez le message d'iCARE et corrigez les champs surlignés; en cas de doute, consultez votre personne-ressource iCARE."
            }
        }
    }

    /// Guesses the category of an unknown message from its English wording.
    pub fn guess<F: AsRef<str>>(message_en: &str, fields: &[F]) -> Category {
        let m = message_en.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
        if has(&["unable to validate", "validate against"]) {
            Category::Identity
        } else if has(&[
            "not been specified",
            "is required",
            "is mandatory",
            "missing",
            "must be specified",
            "must be provided",
            "cannot be empty",
            "not provided",
        ]) {
            Category::Missing
        } else if has(&["date", "before", "after", "future"])
            || fields
                .iter()
                .map(AsRef::as_ref)
                .any(|f: &str| f.ends_with("_dt") || f.ends_with("_dttm"))
        {
            Category::Date
        } else if has(&[
            "does not exist",
            "not found",
            "course",
            "update record",
            "reference",
        ]) {
            Category::Reference
        } else if has(&[
            "invalid",
            "not valid",
            "is not allowed",
            "incorrect",
            "format",
        ]) {
            Category::Invalid
        } else {
            Category::Other
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
