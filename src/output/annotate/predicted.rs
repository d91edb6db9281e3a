//! Predicted problems: `icare-fix check --annotate` draws what it predicts on the same
//! annotated workbook, filled and labelled apart from the notes iCARE wrote (see
//! [`super::annotate_predicted`]).

use std::fmt::Write as _;

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, FormatPattern};

use crate::check::{Problem, Severity};
use crate::lang::Lang;

/// A problem predicted for a cell (0-based) by `icare-fix check`, not written by iCARE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Predicted {
    /// Row, 0-based.
    pub row: u32,
    /// Column, 0-based.
    pub col: u32,
    /// An error (iCARE rejects it) rather than an educated guess.
    pub error: bool,
    /// What is wrong and what to do, in English.
    pub en: String,
    /// The same in French.
    pub fr: String,
}

impl From<&Problem> for Predicted {
    fn from(p: &Problem) -> Self {
        Predicted {
            row: p.row - 1,
            col: p.col,
            error: p.severity == Severity::Error,
            en: p.message_en.to_string(),
            fr: p.message_fr.to_string(),
        }
    }
}

/// Diagonal stripes: violet for an error, grey for an educated guess.
pub(super) fn format(error: bool) -> Format {
    let color = if error { 0x7030A0 } else { 0x808080 };
    Format::new()
        .set_num_format("@")
        .set_align(FormatAlign::Top)
        .set_pattern(FormatPattern::LightUp)
        .set_foreground_color(Color::RGB(color))
        .set_background_color(Color::White)
        .set_border(FormatBorder::DashDot)
        .set_border_color(Color::RGB(color))
}

/// The note of a cell with predicted problems: it starts "Predicted by icare-fix check, not
/// written by iCARE", then each problem with its kind. Its author is [`AUTHOR`], its box
/// [`NOTE_SIZE`].
pub(super) fn note(problems: &[&Predicted], lang: Lang) -> String {
    let mut text = lang.pick(
        "Predicted by icare-fix check, not written by iCARE",
        "Prévu par icare-fix check, pas écrit par iCARE",
        "\n",
    );
    for p in problems {
        let kind = if p.error {
            lang.pick("Error", "Erreur", " / ")
        } else {
            lang.pick(
                "Warning (educated guess)",
                "Avertissement (supposition)",
                " / ",
            )
        };
        let _ = write!(text, "\n\n{kind}\n{}", lang.pick(&p.en, &p.fr, "\n"));
    }
    text
}

/// The author of the notes of predicted problems.
pub(super) const AUTHOR: &str = "icare-fix check";
/// The size of their boxes, in pixels.
pub(super) const NOTE_SIZE: (u32, u32) = (360, 200);
