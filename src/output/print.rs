//! How the worksheets icare-fix writes print: page setup shared by the annotated workbook's
//! sheets and the summary workbook, and row heights estimated from the text they wrap.
//!
//! Excel sizes a row to its wrapped text only when it recalculates the row, and LibreOffice
//! and other readers do not always do it on opening: a wrapped row without an explicit height
//! prints one line tall, its text cut or drawn over the next row. So every row with wrapped
//! text gets a height here, from a greedy word-wrap of its text at its column's width.

use rust_xlsxwriter::{Worksheet, XlsxError};

/// Height of one line of 11-point Calibri, in points (Excel's default row height).
pub const LINE_HEIGHT: f64 = 15.0;
/// Excel's limit for a row's height, in points.
const MAX_ROW_HEIGHT: f64 = 409.0;
/// The longest footer text kept, in characters, leaving room for the codes around it
/// within Excel's 255.
const MAX_FOOTER: usize = 230;
/// Paper size: US Letter, the paper of Canadian offices (rust_xlsxwriter's code 1).
const LETTER: u8 = 1;

/// Lines `text` takes when wrapped in a column `width` characters wide: each line of the
/// text is wrapped word by word. Counts one character per unit of width (a width unit is a
/// "0", wider than most letters), so the estimate errs on the tall side.
pub fn wrapped_lines(text: &str, width: f64) -> usize {
    let capacity = (width - 1.0).floor().max(1.0) as usize;
    text.lines()
        .map(|line| {
            let mut lines = 1;
            let mut used = 0usize;
            for word in line.split_whitespace() {
                let len = word.chars().count();
                let needed = if used == 0 { len } else { used + 1 + len };
                if needed <= capacity {
                    used = needed;
                } else if used == 0 {
                    // A word longer than the line breaks across lines.
                    lines += (len - 1) / capacity;
                    used = match len % capacity {
                        0 => capacity,
                        rest => rest,
                    };
                } else {
                    lines += 1 + len.saturating_sub(1) / capacity;
                    used = match len % capacity {
                        0 => capacity,
                        rest => rest,
                    };
                }
            }
            lines
        })
        .sum::<usize>()
        .max(1)
}

/// The height in points of a row whose cells hold `texts` in columns of `widths` (taken in
/// pairs), at `font_size` points: the tallest cell's lines, plus a little room.
pub fn row_height<S: AsRef<str>>(texts: &[S], widths: &[f64], font_size: f64) -> f64 {
    let lines = texts
        .iter()
        .zip(widths)
        .map(|(text, width)| wrapped_lines(text.as_ref(), *width * 11.0 / font_size))
        .max()
        .unwrap_or(1);
    (lines as f64 * LINE_HEIGHT * font_size / 11.0 + 3.0).min(MAX_ROW_HEIGHT)
}

/// Sets a sheet up to print: Letter, landscape or portrait, one page wide and as many tall
/// as needed, narrow margins, `repeat` (first and last row) on every page, and a footer with
/// `footer` on the left and the page number on the right.
///
/// # Errors
///
/// Fails when the workbook writer refuses a setting (a footer or repeated rows beyond
/// Excel's limits).
pub fn page_setup(
    ws: &mut Worksheet,
    landscape: bool,
    repeat: Option<(u32, u32)>,
    footer: &str,
) -> Result<(), XlsxError> {
    ws.set_paper_size(LETTER);
    if landscape {
        ws.set_landscape();
    } else {
        ws.set_portrait();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3);
    if let Some((first, last)) = repeat {
        ws.set_repeat_rows(first, last)?;
    }
    // `&` starts a code in a header or footer: a file name holding one is written `&&`.
    // Excel refuses a footer over 255 characters (the writer would drop it with a warning).
    let footer: String = footer.replace('&', "&&").chars().take(MAX_FOOTER).collect();
    let footer = footer.strip_suffix('&').unwrap_or(&footer);
    ws.set_footer(format!("&L{footer}&R&P / &N"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_by_words() {
        assert_eq!(wrapped_lines("", 10.0), 1);
        assert_eq!(wrapped_lines("short", 10.0), 1);
        // Capacity 9: "aaaa bbbb" fits, "cccc" goes to the next line.
        assert_eq!(wrapped_lines("aaaa bbbb cccc", 10.0), 2);
        assert_eq!(wrapped_lines("one\ntwo\nthree", 40.0), 3);
        // A 20-character word in 9-character lines takes 3 lines.
        assert_eq!(wrapped_lines(&"x".repeat(20), 10.0), 3);
        assert_eq!(wrapped_lines(&format!("a {}", "x".repeat(20)), 10.0), 4);
    }

    #[test]
    fn a_long_footer_is_cut_within_excels_limit() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        page_setup(ws, true, None, &"a&b ".repeat(200)).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut xml,
        )
        .unwrap();
        let footer = xml
            .split("<oddFooter>")
            .nth(1)
            .and_then(|f| f.split("</oddFooter>").next())
            .expect("the footer is written");
        // Written (a footer over Excel's limit would be dropped), `&` doubled.
        assert!(footer.starts_with("&amp;La&amp;&amp;b"), "{footer}");
    }

    #[test]
    fn rows_are_as_tall_as_their_tallest_cell() {
        let one = row_height(&["a"], &[10.0], 11.0);
        let three = row_height(&["a", "aaaa bbbb cccc dddd eeee"], &[10.0, 10.0], 11.0);
        assert!(three > 2.5 * one, "{one} {three}");
        assert!(row_height(&["word ".repeat(5000)], &[10.0], 11.0) <= MAX_ROW_HEIGHT);
    }
}
