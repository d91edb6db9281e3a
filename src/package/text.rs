//! Cell text as calamine reads it, so what the rewrite checks is what readers will see.

use std::borrow::Cow;

/// How calamine reads the text of a `<t>` element (of a shared or an inline string): line
/// ends made `\n`, ASCII spaces trimmed unless the element keeps them
/// (`xml:space="preserve"`), and Excel's `_xHHHH_` escapes decoded.
pub fn calamine_text(raw: &str, preserve: bool) -> Cow<'_, str> {
    let plain = !raw.contains('\r')
        && !raw.contains("_x")
        && (preserve || raw.trim_matches([' ', '\t', '\n']).len() == raw.len());
    if plain {
        return Cow::Borrowed(raw);
    }
    let eols = normalize_eols(raw);
    let text: &str = if preserve {
        &eols
    } else {
        eols.trim_matches([' ', '\t', '\r', '\n'])
    };
    Cow::Owned(unescape_x(text).into_owned())
}

/// XML 1.0 line ends: `\r\n` and a lone `\r` become `\n`.
pub fn normalize_eols(text: &str) -> Cow<'_, str> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Decodes Excel's `_xHHHH_` escapes (UTF-16 code units; a lone surrogate becomes U+FFFD),
/// as calamine does.
pub fn unescape_x(text: &str) -> Cow<'_, str> {
    fn unit_at(bytes: &[u8], i: usize) -> Option<u16> {
        let b = bytes.get(i..i + 7)?;
        if b[0] != b'_'
            || b[1] != b'x'
            || b[6] != b'_'
            || !b[2..6].iter().all(u8::is_ascii_hexdigit)
        {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&b[2..6]).ok()?, 16).ok()
    }
    let bytes = text.as_bytes();
    if !(0..bytes.len()).any(|i| unit_at(bytes, i).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        let Some(unit) = unit_at(bytes, i) else {
            i += 1;
            continue;
        };
        out.push_str(&text[copied..i]);
        i += 7;
        let c = match unit {
            0xD800..=0xDBFF => match unit_at(bytes, i) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    i += 7;
                    char::from_u32(
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00),
                    )
                }
                _ => None,
            },
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(u32::from(unit)),
        };
        out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
        copied = i;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calamine_text_trims_and_decodes_as_calamine_does() {
        assert_eq!(calamine_text(" a ", false), "a");
        assert_eq!(calamine_text(" a ", true), " a ");
        assert_eq!(calamine_text("a\r\nb\rc", true), "a\nb\nc");
        assert_eq!(calamine_text("a_x000D_b", false), "a\rb");
        assert_eq!(calamine_text("_xD83D__xDCF7_", false), "\u{1F4F7}");
        assert_eq!(calamine_text("_xD83D_", false), "\u{FFFD}");
        assert_eq!(calamine_text("_x005F_x000D_", false), "_x000D_");
        assert_eq!(calamine_text("_x12_", false), "_x12_");
        assert!(matches!(calamine_text("plain", false), Cow::Borrowed(_)));
    }
}
