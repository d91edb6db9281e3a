//! The language of what icare-fix writes for people: English, French or both.

use std::fmt::Write as _;

/// Which languages to write messages and advice in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English only.
    En,
    /// French only.
    Fr,
    /// English, then French (the default: iCARE itself writes both).
    #[default]
    Both,
}

impl Lang {
    /// Parses `en`, `fr` or `both`.
    pub fn from_id(id: &str) -> Option<Lang> {
        match id.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            "both" => Some(Lang::Both),
            _ => None,
        }
    }

    /// True when English is written.
    pub fn en(self) -> bool {
        matches!(self, Lang::En | Lang::Both)
    }

    /// True when French is written.
    pub fn fr(self) -> bool {
        matches!(self, Lang::Fr | Lang::Both)
    }

    /// `en` and/or `fr` text joined by `sep`, skipping an empty French text.
    pub fn pick(self, en: &str, fr: &str, sep: &str) -> String {
        let mut s = String::new();
        if self.en() {
            s.push_str(en);
        }
        if self.fr() && !fr.is_empty() {
            if !s.is_empty() {
                let _ = write!(s, "{sep}");
            }
            s.push_str(fr);
        }
        if s.is_empty() { en.to_string() } else { s }
    }
}

/// A text in English and French: what the program says of a file, ready for either language
/// (the command line prints the English, the page the language it is shown in).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bilingual {
    /// The English text.
    pub en: String,
    /// The same in French.
    pub fr: String,
}

impl Bilingual {
    /// `en` and `fr`.
    pub fn new(en: impl Into<String>, fr: impl Into<String>) -> Bilingual {
        Bilingual {
            en: en.into(),
            fr: fr.into(),
        }
    }

    /// The text in `lang`; in both, English first, then French on a line of its own.
    pub fn in_lang(&self, lang: Lang) -> String {
        lang.pick(&self.en, &self.fr, "\n")
    }

    /// True when there is nothing to say.
    pub fn is_empty(&self) -> bool {
        self.en.is_empty() && self.fr.is_empty()
    }
}

/// The English text, as the command line prints it.
impl std::fmt::Display for Bilingual {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

/// Written as the English text, as before the text had a French (the summary's JSON keeps
/// its form).
impl serde::Serialize for Bilingual {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.en)
    }
}

/// A count with its noun: `1 cell`, `2 cells` (the one way the tool says how many).
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `text` (advice in `lang`, English or French) with the yes/no answers it names (the
/// whole words `Yes`, `No`, `Oui`, `Non`) spelled as one of `lists` spells them, quoted
/// where that spelling differs from the word written: French advice saying "indiquez Non"
/// for a list whose value is `No` says "indiquez « No »". The file is the truth: a person
/// must find the value the advice names in the drop-down list.
pub fn quote_list_values(text: &str, lists: &[&[String]], lang: Lang) -> String {
    let spelled = |answers: [&str; 2]| {
        lists.iter().find_map(|values| {
            values
                .iter()
                .find(|v| answers.iter().any(|a| v.trim().eq_ignore_ascii_case(a)))
        })
    };
    let (yes, no) = (spelled(["yes", "oui"]), spelled(["no", "non"]));
    if yes.is_none() && no.is_none() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let value = match word.as_str() {
            "Yes" | "Oui" => yes,
            "No" | "Non" => no,
            _ => None,
        };
        match value {
            Some(v) if v != word => match lang {
                Lang::Fr => {
                    let _ = write!(out, "«\u{a0}{v}\u{a0}»");
                }
                _ => {
                    let _ = write!(out, "\"{v}\"");
                }
            },
            _ => out.push_str(word),
        }
        word.clear();
    };
    for ch in text.chars() {
        if ch.is_alphanumeric() || ch == '\'' || ch == '\u{2019}' {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_languages() {
        assert_eq!(Lang::Both.pick("Yes", "Oui", " / "), "Yes / Oui");
        assert_eq!(Lang::En.pick("Yes", "Oui", " / "), "Yes");
        assert_eq!(Lang::Fr.pick("Yes", "Oui", " / "), "Oui");
        assert_eq!(Lang::Fr.pick("Yes", "", " / "), "Yes");
        assert_eq!(Lang::from_id("FR"), Some(Lang::Fr));
        assert_eq!(Lang::from_id("de"), None);
    }

    #[test]
    fn advice_quotes_the_lists_own_yes_and_no() {
        let english = ["Yes".to_string(), "No".to_string()];
        let french = ["Oui".to_string(), "Non".to_string()];
        let fr = "ou indiquez Non pour le consentement.";
        assert_eq!(
            quote_list_values(fr, &[&english], Lang::Fr),
            "ou indiquez «\u{a0}No\u{a0}» pour le consentement."
        );
        assert_eq!(quote_list_values(fr, &[&french], Lang::Fr), fr);
        let en = "or set the consent to No.";
        assert_eq!(quote_list_values(en, &[&english], Lang::En), en);
        assert_eq!(
            quote_list_values(en, &[&french], Lang::En),
            "or set the consent to \"Non\"."
        );
        // No yes/no list: nothing changes; words inside others are left alone.
        assert_eq!(quote_list_values(fr, &[], Lang::Fr), fr);
        assert_eq!(
            quote_list_values("Nonetheless, Not now", &[&english], Lang::En),
            "Nonetheless, Not now"
        );
    }
}
