//! A1-style cell addresses: column letters and cell names, both ways.
//!
//! Rows and columns are 0-based inside the library and shown 1-based with letters, as Excel
//! shows them.

/// Excel's last column, XFD, 0-based.
pub const MAX_COL: u32 = 16_383;
/// Excel's last row, 1,048,576, 0-based.
pub const MAX_ROW: u32 = 1_048_575;

/// Column letters for a 0-based column index: 0 → `A`, 26 → `AA`.
pub fn col_name(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// The A1 name of a 0-based cell: (3, 4) → `E4`.
pub fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", col_name(col), row as u64 + 1)
}

/// Parses column letters (case-insensitive) into a 0-based index; `None` past XFD.
pub fn parse_col(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut n: u32 = 0;
    for b in letters.bytes() {
        if !b.is_ascii_alphabetic() {
            return None;
        }
        n = n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    (n - 1 <= MAX_COL).then(|| n - 1)
}

/// Parses an A1 cell name (`$` markers allowed) into 0-based (row, col); `None` when it is
/// not a cell name or lies past Excel's limits.
pub fn parse_cell(name: &str) -> Option<(u32, u32)> {
    let name = name.trim();
    let split = name.find(|c: char| c.is_ascii_digit())?;
    let letters = name[..split].trim_matches('$');
    let digits = &name[split..];
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let col = parse_col(letters)?;
    let row: u32 = digits.parse().ok()?;
    (1..=MAX_ROW + 1).contains(&row).then(|| (row - 1, col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (col, name) in [(0, "A"), (25, "Z"), (26, "AA"), (94, "CQ"), (16_383, "XFD")] {
            assert_eq!(col_name(col), name);
            assert_eq!(parse_col(name), Some(col));
        }
        assert_eq!(cell_name(3, 4), "E4");
        assert_eq!(parse_cell("$Q$4"), Some((3, 16)));
        assert_eq!(parse_cell("XFD1048576"), Some((MAX_ROW, MAX_COL)));
        assert_eq!(parse_cell("XFE1"), None);
        assert_eq!(parse_cell("A1048577"), None);
        assert_eq!(parse_cell("A0"), None);
        assert_eq!(parse_cell("4"), None);
    }
}
