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

/// A count with its noun: `1 cell`, `2 cells` (the one way the tool says how many).
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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
}
