//! Values written out, wherever they go: quoted where their spaces would not show
//! ([`shown`]), safe to print on a terminal ([`terminal_safe`]), safe in a CSV cell that Excel
//! opens ([`csv_safe`]).
//!
//! Every report writes what a file holds, and a file may be hostile: these are the one way
//! its text goes out, below every report (`errors`, `check`, the way back, the command line).

/// A value as printed in a report: in quotes when its spaces would not show.
pub fn shown(value: &str) -> String {
    if value.is_empty() || value.trim() != value {
        format!("\"{value}\"")
    } else {
        value.to_string()
    }
}

/// Text that is safe to print on a terminal: control characters a hostile file may carry
/// (escape sequences that clear the screen or retitle the window, bells) are shown as `�`;
/// line breaks and tabs stay, carriage returns go.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if text.chars().any(unsafe_char) {
        text.chars()
            .filter(|&c| c != '\r')
            .map(|c| if unsafe_char(c) { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// A CSV field that Excel shows as text: one that begins with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be taken as a formula (a cell value from the file such as
/// `=HYPERLINK(...)` would become live), so it gets a leading `'` (OWASP's advice for CSV
/// injection).
pub fn csv_safe(field: &str) -> std::borrow::Cow<'_, str> {
    if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}").into()
    } else {
        field.into()
    }
}
