//! XML plumbing for the package rewrite: a reader configured to keep every byte, raw
//! copying of events, and a small element tree for the little parts of a package
//! (merges, validations, defined names...) that are easier to edit whole.
//!
//! Only what is edited is re-serialised: an element whose attributes were not touched is
//! written back from its original bytes, text from its original escaped form. Names are
//! matched by local name (`x:c` and `c` are the same element), since some writers prefix
//! the main namespace.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};

pub use super::problem::{XmlProblem, XmlResult};
use super::tokens::{Events, Tokenizer};

/// The part of a name after its prefix: `x:c` → `c`.
pub fn local(name: &str) -> &str {
    match name.bytes().rposition(|b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The prefix of a name with its colon (`x:` for `x:c`), empty when none.
pub fn prefix(name: &str) -> &str {
    name.rsplit_once(':').map_or("", |(p, _)| &name[..=p.len()])
}

/// Appends an event to `out` exactly as it was read.
pub fn push_raw(out: &mut String, event: &Event) {
    match event {
        Event::Start(e) => {
            out.push('<');
            out.push_str(e);
            out.push('>');
        }
        Event::End(e) => {
            out.push_str("</");
            out.push_str(e);
            out.push('>');
        }
        Event::Empty(e) => {
            out.push('<');
            out.push_str(e);
            out.push_str("/>");
        }
        Event::Text(e) => out.push_str(e),
        Event::CData(e) => {
            out.push_str("<![CDATA[");
            out.push_str(e);
            out.push_str("]]>");
        }
        Event::Comment(e) => {
            out.push_str("<!--");
            out.push_str(e);
            out.push_str("-->");
        }
        Event::Decl(e) => {
            out.push_str("<?");
            out.push_str(e);
            out.push_str("?>");
        }
        Event::PI(e) => {
            out.push_str("<?");
            out.push_str(e);
            out.push_str("?>");
        }
        Event::DocType(e) => {
            out.push_str("<!DOCTYPE ");
            out.push_str(e);
            out.push('>');
        }
        Event::GeneralRef(e) => {
            out.push('&');
            out.push_str(e);
            out.push(';');
        }
        Event::Eof => {}
    }
}

/// Resolves one entity reference (`amp`, `#10`, `#x41`) to its text; other entities are
/// refused, since only a DOCTYPE can declare them.
pub fn resolve_ref(name: &str, out: &mut String) -> XmlResult<()> {
    let raw = format!("&{name};");
    match quick_xml::escape::unescape(&raw) {
        Ok(text) => {
            out.push_str(&text);
            Ok(())
        }
        Err(_) => Err(XmlProblem::Unsafe),
    }
}

/// Escapes text for element content.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    quick_xml::escape::partial_escape(text)
}

/// Escapes text for an attribute value in double quotes: only what must be (apostrophes
/// stay as they are, as Excel writes them).
pub fn escape_attr(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '"', '\t', '\n', '\r']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The value of attribute `key` (exact qualified name), unescaped.
pub fn attr(e: &BytesStart, key: &str) -> XmlResult<Option<String>> {
    for a in e.attributes() {
        let a = a?;
        if a.key.as_ref() == key {
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|_| XmlProblem::Unsafe)?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// One node of a small element tree.
#[derive(Debug, Clone)]
pub enum Node {
    /// An element.
    Element(Element),
    /// Character data, as escaped in the source (entity references included).
    Text(String),
    /// CDATA, kept with its markup; its content counts as text.
    CData(String),
    /// A comment or processing instruction, kept as written.
    Other(String),
}

/// An attribute: qualified name and value as escaped in the source.
#[derive(Debug, Clone)]
pub struct Attr {
    /// Qualified name.
    pub key: String,
    /// Value, escaped.
    pub raw: String,
}

/// An element with its attributes and children.
#[derive(Debug, Clone)]
pub struct Element {
    /// Qualified name.
    pub name: String,
    /// Attributes in source order.
    pub attrs: Vec<Attr>,
    /// Children in source order.
    pub children: Vec<Node>,
    /// Written as `<x/>` when it has no children.
    pub empty: bool,
    /// The start tag as read, while the attributes are untouched.
    raw: Option<String>,
    /// Set when a rule decides the element goes.
    pub remove: bool,
}

impl Element {
    /// Builds an element from a start tag; children follow with [`Element::read_children`].
    pub fn from_start(e: &BytesStart, empty: bool) -> XmlResult<Element> {
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a?;
            attrs.push(Attr {
                key: a.key.as_ref().to_string(),
                raw: a.value.into_owned(),
            });
        }
        Ok(Element {
            name: e.name().as_ref().to_string(),
            attrs,
            children: Vec::new(),
            empty,
            raw: Some(e.to_string()),
            remove: false,
        })
    }

    /// Reads an element whose start tag was just read, up to its end tag.
    pub fn read<E: Events>(
        reader: &mut E,
        buf: &mut Vec<u8>,
        start: &BytesStart,
        empty: bool,
        limit: usize,
    ) -> XmlResult<Element> {
        let mut element = Element::from_start(start, empty)?;
        if !empty {
            let start = reader.position();
            element.read_children(reader, buf, start, limit)?;
        }
        Ok(element)
    }

    fn read_children<E: Events>(
        &mut self,
        reader: &mut E,
        buf: &mut Vec<u8>,
        start: u64,
        limit: usize,
    ) -> XmlResult<()> {
        loop {
            buf.clear();
            if reader.position().saturating_sub(start) > limit as u64 {
                return Err(XmlProblem::Malformed(format!(
                    "element <{}> is larger than {} MB",
                    self.name,
                    limit / (1024 * 1024)
                )));
            }
            let event = reader.next(buf)?;
            match event {
                Event::Start(e) => {
                    let e = e.into_owned();
                    let mut child = Element::from_start(&e, false)?;
                    child.read_children(reader, buf, start, limit)?;
                    self.children.push(Node::Element(child));
                }
                Event::Empty(e) => {
                    let child = Element::from_start(&e, true)?;
                    self.children.push(Node::Element(child));
                }
                Event::End(_) => return Ok(()),
                Event::Text(t) => self.push_text(&t),
                Event::GeneralRef(r) => {
                    // Checked now so that text() cannot fail later.
                    resolve_ref(&r, &mut String::new())?;
                    self.push_text(&format!("&{};", &*r));
                }
                Event::CData(c) => self.children.push(Node::CData(c.to_string())),
                Event::Eof => {
                    return Err(XmlProblem::Malformed(format!(
                        "the part ends inside <{}>",
                        self.name
                    )));
                }
                other => {
                    let mut raw = String::new();
                    push_raw(&mut raw, &other);
                    self.children.push(Node::Other(raw));
                }
            }
        }
    }

    fn push_text(&mut self, text: &str) {
        if let Some(Node::Text(last)) = self.children.last_mut() {
            last.push_str(text);
        } else {
            self.children.push(Node::Text(text.to_string()));
        }
    }

    /// The local name.
    pub fn local(&self) -> &str {
        local(&self.name)
    }

    /// The value of attribute `key` (exact qualified name), unescaped.
    pub fn get(&self, key: &str) -> Option<String> {
        self.attrs.iter().find(|a| a.key == key).map(|a| {
            quick_xml::escape::unescape(&a.raw)
                .map(Cow::into_owned)
                .unwrap_or_else(|_| a.raw.clone())
        })
    }

    /// Sets attribute `key` (added at the end when missing).
    pub fn set(&mut self, key: &str, value: &str) {
        let raw = escape_attr(value).into_owned();
        match self.attrs.iter_mut().find(|a| a.key == key) {
            Some(a) if a.raw == raw => return,
            Some(a) => a.raw = raw,
            None => self.attrs.push(Attr {
                key: key.to_string(),
                raw,
            }),
        }
        self.raw = None;
    }

    /// Removes attribute `key`.
    pub fn unset(&mut self, key: &str) {
        let before = self.attrs.len();
        self.attrs.retain(|a| a.key != key);
        if self.attrs.len() != before {
            self.raw = None;
        }
    }

    /// The text content (direct text and CDATA children), unescaped.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for child in &self.children {
            match child {
                Node::Text(raw) => match quick_xml::escape::unescape(raw) {
                    Ok(t) => out.push_str(&t),
                    Err(_) => out.push_str(raw),
                },
                Node::CData(c) => out.push_str(c),
                _ => {}
            }
        }
        out
    }

    /// Replaces the text content.
    pub fn set_text(&mut self, text: &str) {
        self.children
            .retain(|c| !matches!(c, Node::Text(_) | Node::CData(_)));
        self.children
            .insert(0, Node::Text(escape_text(text).into_owned()));
        self.empty = false;
    }

    /// Child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|c| match c {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// Child elements, mutable.
    pub fn elements_mut(&mut self) -> impl Iterator<Item = &mut Element> {
        self.children.iter_mut().filter_map(|c| match c {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The first child element with this local name.
    pub fn child(&self, local_name: &str) -> Option<&Element> {
        self.elements().find(|e| e.local() == local_name)
    }

    /// Drops children marked for removal, at every depth; returns how many direct children
    /// went.
    pub fn sweep(&mut self) -> usize {
        let before = self.children.len();
        self.children
            .retain(|c| !matches!(c, Node::Element(e) if e.remove));
        let gone = before - self.children.len();
        for child in self.elements_mut() {
            child.sweep();
        }
        gone
    }

    /// Serialises the element.
    pub fn write(&self, out: &mut String) {
        out.push('<');
        match &self.raw {
            Some(raw) => out.push_str(raw),
            None => {
                out.push_str(&self.name);
                for a in &self.attrs {
                    out.push(' ');
                    out.push_str(&a.key);
                    out.push_str("=\"");
                    out.push_str(&a.raw);
                    out.push('"');
                }
            }
        }
        if self.empty && self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for child in &self.children {
            match child {
                Node::Element(e) => e.write(out),
                Node::Text(t) => out.push_str(t),
                Node::CData(c) => {
                    out.push_str("<![CDATA[");
                    out.push_str(c);
                    out.push_str("]]>");
                }
                Node::Other(o) => out.push_str(o),
            }
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

/// A whole small document: what precedes the root, and the root.
#[derive(Debug, Clone)]
pub struct Document {
    /// Declaration, comments and whitespace before the root, as written.
    pub prolog: String,
    /// The root element.
    pub root: Element,
    /// Whatever follows the root, as written.
    pub epilog: String,
}

impl Document {
    /// Parses a document from text.
    pub fn parse(text: &str, limit: usize) -> XmlResult<Document> {
        let mut reader = Tokenizer::new(text.as_bytes());
        let mut buf = Vec::new();
        let mut prolog = String::new();
        let root = loop {
            buf.clear();
            let event = reader.next(&mut buf)?;
            match event {
                Event::Start(e) => {
                    let e = e.into_owned();
                    break Element::read(&mut reader, &mut buf, &e, false, limit)?;
                }
                Event::Empty(e) => break Element::from_start(&e, true)?,
                Event::Eof => return Err(XmlProblem::Malformed("the part is empty".into())),
                other => push_raw(&mut prolog, &other),
            }
        };
        let mut epilog = String::new();
        loop {
            buf.clear();
            let event = reader.next(&mut buf)?;
            match event {
                Event::Eof => break,
                other => push_raw(&mut epilog, &other),
            }
        }
        Ok(Document {
            prolog,
            root,
            epilog,
        })
    }

    /// Serialises the document.
    pub fn write(&self) -> String {
        let mut out = String::with_capacity(self.prolog.len() + 4096);
        out.push_str(&self.prolog);
        self.root.write(&mut out);
        out.push_str(&self.epilog);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untouched_documents_come_back_byte_for_byte() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<x:worksheet xmlns:x=\"urn:x\"><x:mergeCells count=\"1\"><x:mergeCell ref=\"A1:C1\" /></x:mergeCells><!-- c --><x:f>A1&amp;&quot;B&quot;<![CDATA[<z>]]></x:f></x:worksheet>\r\n";
        let doc = Document::parse(text, 1 << 20).unwrap();
        assert_eq!(doc.write(), text);
        let f = doc.root.child("f").unwrap();
        assert_eq!(f.text(), "A1&\"B\"<z>");
    }

    #[test]
    fn edited_attributes_are_escaped_and_others_kept() {
        let text = "<a k=\"1 &amp; 2\" ref=\"B1\"/>";
        let mut doc = Document::parse(text, 1 << 20).unwrap();
        doc.root.set("ref", "A1<");
        assert_eq!(doc.write(), "<a k=\"1 &amp; 2\" ref=\"A1&lt;\"/>");
        assert_eq!(doc.root.get("k").as_deref(), Some("1 & 2"));
    }

    #[test]
    fn doctype_and_unknown_entities_are_refused() {
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>";
        assert!(matches!(
            Document::parse(bomb, 1 << 20),
            Err(XmlProblem::Unsafe)
        ));
        assert!(Document::parse("<x>&a;</x>", 1 << 20).is_err());
    }

    #[test]
    fn names_split_into_prefix_and_local() {
        assert_eq!(local("x:c"), "c");
        assert_eq!(prefix("x:c"), "x:");
        assert_eq!(local("c"), "c");
        assert_eq!(prefix("c"), "");
    }
}
