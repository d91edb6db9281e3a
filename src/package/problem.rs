//! Why a part could not be read or rewritten, in words the caller turns into the user's
//! message. Shared by the tokenizer and the XML helpers.

/// Why a part could not be parsed: plain text for the caller's message.
#[derive(Debug)]
pub enum XmlProblem {
    /// Not well-formed XML (with the parser's words).
    Malformed(String),
    /// A DOCTYPE or an entity Excel never writes.
    Unsafe,
    /// A cell or range reference past Excel's last row or column.
    OutOfRange(String),
    /// Something valid that cannot be rewritten safely (in plain words).
    Unsupported(String),
    /// Writing the output failed.
    Write(std::io::Error),
}

impl From<quick_xml::Error> for XmlProblem {
    fn from(e: quick_xml::Error) -> Self {
        XmlProblem::Malformed(e.to_string())
    }
}

impl From<quick_xml::events::attributes::AttrError> for XmlProblem {
    fn from(e: quick_xml::events::attributes::AttrError) -> Self {
        XmlProblem::Malformed(e.to_string())
    }
}

/// A result of this module.
pub type XmlResult<T> = Result<T, XmlProblem>;
