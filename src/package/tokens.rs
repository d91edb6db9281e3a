//! A small, fast XML tokenizer for the package rewrite.
//!
//! It yields the same events as quick-xml's reader (which it replaces here because the data
//! sheet of a large workbook is most of the work, and this tokenizer does one `memchr` per
//! markup boundary and nothing else): start, empty and end tags with their raw content,
//! text as written, entity references, CDATA, comments, processing instructions, the XML
//! declaration and DOCTYPE (which the callers refuse). End tags must match their start
//! tags. Attribute values may hold `>`. Everything is checked to be UTF-8.
//!
//! A test compares its events with quick-xml's on every part of every bundled sample.

use std::io::BufRead;

use memchr::{memchr, memchr2, memmem};
use quick_xml::events::{
    BytesCData, BytesDecl, BytesEnd, BytesPI, BytesRef, BytesStart, BytesText, Event,
};

use super::problem::{XmlProblem, XmlResult};

/// Something that yields XML events into a caller's buffer.
pub trait Events {
    /// The next event; its text borrows `buf`.
    fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> XmlResult<Event<'b>>;

    /// How many bytes were read so far.
    fn position(&self) -> u64;

    /// The next element when it is a cell in its plainest form (see [`SimpleCell`]), without
    /// moving past it; `None` otherwise (the caller reads events).
    fn simple_cell(&mut self) -> XmlResult<Option<SimpleCell<'_>>> {
        Ok(None)
    }

    /// Moves past the simple cell just returned.
    fn skip_simple_cell(&mut self, _len: usize) {}
}

/// A cell in the form most cells of a worksheet take, `<c ATTRIBUTES/>` or
/// `<c ATTRIBUTES><v>TEXT</v></c>`: unprefixed, no entity reference in it, no other child,
/// not longer than a few hundred bytes. Taken whole from the tokenizer's buffer, it costs
/// one scan instead of a handful of events.
#[derive(Debug, PartialEq, Eq)]
pub struct SimpleCell<'a> {
    /// The start tag between `<` and `>` (or `/>`), as a start event would give it.
    pub start: &'a str,
    /// The markup between the start and end tag (`<v>TEXT</v>`), empty for `<c/>`.
    pub inner: &'a str,
    /// The text of `<v>`.
    pub value: &'a str,
    /// Written as `<c .../>`.
    pub empty: bool,
    /// Bytes the element takes.
    pub len: usize,
}

impl<R: BufRead> Events for quick_xml::Reader<R> {
    fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> XmlResult<Event<'b>> {
        match self.read_event_into(buf)? {
            Event::DocType(_) => Err(XmlProblem::Unsafe),
            event => Ok(event),
        }
    }

    fn position(&self) -> u64 {
        self.buffer_position()
    }
}

/// How much is read from the source at a time.
const READ_SIZE: usize = 64 * 1024;

/// The tokenizer.
pub struct Tokenizer<R> {
    source: R,
    data: Vec<u8>,
    pos: usize,
    done: bool,
    /// Names of the open elements, one after the other, and where each starts.
    names: Vec<u8>,
    starts: Vec<usize>,
    /// Bytes dropped from the front of `data`.
    dropped: u64,
}

impl<R: BufRead> Tokenizer<R> {
    /// A tokenizer reading `source`.
    pub fn new(source: R) -> Self {
        Tokenizer {
            source,
            data: Vec::with_capacity(2 * READ_SIZE),
            pos: 0,
            done: false,
            names: Vec::with_capacity(256),
            starts: Vec::with_capacity(16),
            dropped: 0,
        }
    }

    /// Reads more of the source; false at its end.
    fn fill(&mut self) -> XmlResult<bool> {
        if self.done {
            return Ok(false);
        }
        if self.pos > READ_SIZE && self.pos * 2 > self.data.len() {
            self.data.drain(..self.pos);
            self.dropped += self.pos as u64;
            self.pos = 0;
        }
        let chunk = self
            .source
            .fill_buf()
            .map_err(|e| XmlProblem::Malformed(e.to_string()))?;
        if chunk.is_empty() {
            self.done = true;
            return Ok(false);
        }
        let n = chunk.len();
        self.data.extend_from_slice(chunk);
        self.source.consume(n);
        Ok(true)
    }

    /// The index (from `self.pos + from`) where `find` matches, reading more as needed.
    fn find(
        &mut self,
        from: usize,
        find: impl Fn(&[u8]) -> Option<usize>,
        overlap: usize,
    ) -> XmlResult<Option<usize>> {
        let mut searched = from;
        loop {
            let start = self.pos + searched;
            if start <= self.data.len()
                && let Some(i) = find(&self.data[start..])
            {
                return Ok(Some(searched + i));
            }
            searched = (self.data.len() - self.pos)
                .saturating_sub(overlap)
                .max(from);
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Makes sure `n` bytes are buffered from `self.pos` (fewer at the end of the source).
    fn want(&mut self, n: usize) -> XmlResult<()> {
        while self.data.len() - self.pos < n {
            if !self.fill()? {
                break;
            }
        }
        Ok(())
    }

    fn starts_with(&self, prefix: &[u8]) -> bool {
        self.data[self.pos..].starts_with(prefix)
    }

    /// Copies `self.data[a..b]` (relative to `self.pos`) into `buf` as text and moves past
    /// `end`.
    fn take<'b>(
        &mut self,
        buf: &'b mut Vec<u8>,
        a: usize,
        b: usize,
        end: usize,
    ) -> XmlResult<&'b str> {
        buf.clear();
        buf.extend_from_slice(&self.data[self.pos + a..self.pos + b]);
        self.pos += end;
        std::str::from_utf8(buf).map_err(|e| XmlProblem::Malformed(format!("not UTF-8 text: {e}")))
    }

    fn end_of_tag(&mut self) -> XmlResult<usize> {
        // The closing `>` of a tag, skipping quoted attribute values (which may hold `>`).
        // Tags are short: a plain loop, with a search only to the end of each value.
        let mut at = 1;
        loop {
            let data = &self.data[self.pos..];
            while at < data.len() {
                match data[at] {
                    b'>' => return Ok(at),
                    quote @ (b'"' | b'\'') => match memchr(quote, &data[at + 1..]) {
                        Some(len) => at += len + 2,
                        // The value goes on past the buffer: read more, then look again
                        // from its opening quote.
                        None => break,
                    },
                    _ => at += 1,
                }
            }
            if !self.fill()? {
                return Err(unclosed());
            }
        }
    }
}

fn unclosed() -> XmlProblem {
    XmlProblem::Malformed("the part ends inside a tag".into())
}

fn name_len(content: &[u8]) -> usize {
    content
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(content.len())
}

impl<R: BufRead> Events for Tokenizer<R> {
    fn position(&self) -> u64 {
        self.dropped + self.pos as u64
    }

    fn simple_cell(&mut self) -> XmlResult<Option<SimpleCell<'_>>> {
        // A cell longer than this is not simple; the events take it.
        const LONGEST: usize = 512;
        self.want(LONGEST)?;
        let data = &self.data[self.pos..];
        if !data.starts_with(b"<c ") {
            return Ok(None);
        }
        let window = &data[..data.len().min(LONGEST)];
        // The end of the start tag, past quoted values; no reference anywhere.
        let mut at = 3;
        let end = loop {
            match window.get(at) {
                None | Some(b'&' | b'<') => return Ok(None),
                Some(b'>') => break at,
                Some(&quote @ (b'"' | b'\'')) => {
                    at += 1;
                    loop {
                        match window.get(at) {
                            None | Some(b'&' | b'<') => return Ok(None),
                            Some(&b) if b == quote => break,
                            Some(_) => at += 1,
                        }
                    }
                    at += 1;
                }
                Some(_) => at += 1,
            }
        };
        let empty = window[end - 1] == b'/';
        let len = if empty {
            end + 1
        } else {
            // `<v>`, text without markup or references, `</v></c>`.
            if !window[end + 1..].starts_with(b"<v>") {
                return Ok(None);
            }
            let mut lt = end + 4;
            loop {
                match window.get(lt) {
                    None | Some(b'&') => return Ok(None),
                    Some(b'<') => break,
                    Some(_) => lt += 1,
                }
            }
            if !window[lt..].starts_with(b"</v></c>") {
                return Ok(None);
            }
            lt + 8
        };
        let raw = std::str::from_utf8(&window[..len])
            .map_err(|e| XmlProblem::Malformed(format!("not UTF-8 text: {e}")))?;
        Ok(Some(if empty {
            SimpleCell {
                start: &raw[1..end - 1],
                inner: "",
                value: "",
                empty,
                len,
            }
        } else {
            SimpleCell {
                start: &raw[1..end],
                inner: &raw[end + 1..len - 4],
                value: &raw[end + 4..len - 8],
                empty,
                len,
            }
        }))
    }

    fn skip_simple_cell(&mut self, len: usize) {
        self.pos += len;
    }

    fn next<'b>(&mut self, buf: &'b mut Vec<u8>) -> XmlResult<Event<'b>> {
        self.want(1)?;
        if self.pos >= self.data.len() {
            if !self.starts.is_empty() {
                return Err(XmlProblem::Malformed(
                    "the part ends before its elements close".into(),
                ));
            }
            return Ok(Event::Eof);
        }
        match self.data[self.pos] {
            b'<' => {
                self.want(9)?;
                if self.starts_with(b"<?") {
                    let end = self
                        .find(2, |s| memmem::find(s, b"?>"), 1)?
                        .ok_or_else(unclosed)?;
                    let text = self.take(buf, 2, end, end + 2)?;
                    let is_decl = text.starts_with("xml")
                        && text[3..].starts_with(|c: char| c.is_ascii_whitespace());
                    return Ok(if is_decl {
                        Event::Decl(BytesDecl::from_start(BytesStart::from_content(text, 3)))
                    } else {
                        Event::PI(BytesPI::new(text))
                    });
                }
                if self.starts_with(b"<!--") {
                    let end = self
                        .find(4, |s| memmem::find(s, b"-->"), 2)?
                        .ok_or_else(unclosed)?;
                    let text = self.take(buf, 4, end, end + 3)?;
                    return Ok(Event::Comment(BytesText::from_escaped(text)));
                }
                if self.starts_with(b"<![CDATA[") {
                    let end = self
                        .find(9, |s| memmem::find(s, b"]]>"), 2)?
                        .ok_or_else(unclosed)?;
                    let text = self.take(buf, 9, end, end + 3)?;
                    return Ok(Event::CData(BytesCData::new(text)));
                }
                if self.starts_with(b"<!") {
                    // A DOCTYPE (or an entity declaration), which Excel never writes and
                    // files built to attack a reader do: refused here, for every caller.
                    return Err(XmlProblem::Unsafe);
                }
                if self.starts_with(b"</") {
                    let end = self.find(2, |s| memchr(b'>', s), 0)?.ok_or_else(unclosed)?;
                    let raw = &self.data[self.pos + 2..self.pos + end];
                    let name_end = raw
                        .iter()
                        .rposition(|b| !b.is_ascii_whitespace())
                        .map_or(0, |i| i + 1);
                    let open = self.starts.pop().ok_or_else(|| {
                        XmlProblem::Malformed("an end tag without a start tag".into())
                    })?;
                    let open_name = &self.names[open..];
                    let close_name = &raw[..name_end];
                    if open_name.len() != close_name.len()
                        || open_name.iter().zip(close_name).any(|(a, b)| a != b)
                    {
                        return Err(XmlProblem::Malformed(format!(
                            "<{}> is closed by </{}>",
                            String::from_utf8_lossy(&self.names[open..]),
                            String::from_utf8_lossy(&raw[..name_end])
                        )));
                    }
                    self.names.truncate(open);
                    let text = self.take(buf, 2, 2 + name_end, end + 1)?;
                    return Ok(Event::End(BytesEnd::new(text)));
                }
                let end = self.end_of_tag()?;
                let empty = self.data[self.pos + end - 1] == b'/';
                let content_end = if empty { end - 1 } else { end };
                let text = self.take(buf, 1, content_end, end + 1)?;
                let len = name_len(text.as_bytes());
                if len == 0 {
                    return Err(XmlProblem::Malformed("a tag without a name".into()));
                }
                if empty {
                    Ok(Event::Empty(BytesStart::from_content(text, len)))
                } else {
                    self.starts.push(self.names.len());
                    self.names.extend_from_slice(&text.as_bytes()[..len]);
                    Ok(Event::Start(BytesStart::from_content(text, len)))
                }
            }
            b'&' => {
                let end = self.find(1, |s| memchr(b';', s), 0)?.ok_or_else(|| {
                    XmlProblem::Malformed("an entity reference without its ';'".into())
                })?;
                let text = self.take(buf, 1, end, end + 1)?;
                Ok(Event::GeneralRef(BytesRef::new(text)))
            }
            _ => {
                let end = match self.find(0, |s| memchr2(b'<', b'&', s), 0)? {
                    Some(end) => end,
                    None => self.data.len() - self.pos,
                };
                let text = self.take(buf, 0, end, end)?;
                Ok(Event::Text(BytesText::from_escaped(text)))
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn events_of(reader: &mut dyn FnMut(&mut Vec<u8>) -> XmlResult<String>) -> Vec<String> {
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let e = reader(&mut buf).unwrap();
            if e == "Eof" {
                return out;
            }
            out.push(e);
        }
    }

    /// The events of `text` from both readers, as debug strings, with text split the same
    /// way (quick-xml may cut text where its buffer ends; both are joined).
    pub(crate) fn same_events(text: &[u8], small_reads: bool) {
        let cap = if small_reads { 7 } else { 64 * 1024 };
        let mut quick =
            quick_xml::Reader::from_reader(std::io::BufReader::with_capacity(cap, text));
        quick.config_mut().trim_text(false);
        let mut mine = Tokenizer::new(std::io::BufReader::with_capacity(cap, text));
        let render = |e: Event| format!("{e:?}");
        let a = events_of(&mut |buf| quick.next(buf).map(render));
        let b = events_of(&mut |buf| mine.next(buf).map(render));
        assert_eq!(a, b);
    }

    #[test]
    fn same_events_as_quick_xml() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<x:worksheet xmlns:x=\"urn:x\"><!-- a > b --><?pi data?><x:row r=\"1\" spans=\"1:2\"><x:c r=\"A1\" t=\"s\"><x:v>0</x:v></x:c><x:c r=\"B1\" s=\"3\" /><x:c r=\"C1\" t=\"inlineStr\"><x:is><x:t xml:space=\"preserve\"> a &amp; b &#10; ≥ é </x:t></x:is></x:c><x:c r=\"D1\"><x:f>IF(A1&gt;2,\"x&lt;y\",'q')</x:f><x:v><![CDATA[<3]]></x:v></x:c></x:row><y a='1>2' b=\"it's\"/></x:worksheet >\n";
        same_events(text.as_bytes(), false);
        same_events(text.as_bytes(), true);
    }

    /// Every part of every bundled sample: the sample's file name, the part's name and its
    /// text.
    pub(crate) fn sample_parts() -> Vec<(String, String, Vec<u8>)> {
        use std::io::Read;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let mut parts = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "xlsx") {
                continue;
            }
            let sample = path.file_name().unwrap().to_string_lossy().to_string();
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
            for i in 0..zip.len() {
                let mut file = zip.by_index(i).unwrap();
                let name = file.name().unwrap().to_string();
                let mut data = Vec::new();
                file.read_to_end(&mut data).unwrap();
                parts.push((sample.clone(), name, data));
            }
        }
        parts
    }

    #[test]
    fn same_events_on_every_part_of_every_sample() {
        let parts = sample_parts();
        for (_, _, data) in &parts {
            same_events(data, false);
        }
        assert!(parts.len() > 50, "{} parts compared", parts.len());
    }

    #[test]
    fn broken_xml_is_an_error() {
        for text in ["<a><b></a>", "<a", "<a>&amp", "</a>", "<a x=\"1>"] {
            let mut t = Tokenizer::new(text.as_bytes());
            let mut buf = Vec::new();
            let mut failed = false;
            for _ in 0..10 {
                match t.next(&mut buf) {
                    Err(_) => {
                        failed = true;
                        break;
                    }
                    Ok(Event::Eof) => break,
                    Ok(_) => {}
                }
            }
            assert!(failed, "{text}");
        }
    }

    #[test]
    fn a_doctype_is_refused_by_both_readers() {
        let text = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x/>";
        let mut buf = Vec::new();
        let mut fast = Tokenizer::new(text.as_bytes());
        let mut slow = quick_xml::Reader::from_reader(text.as_bytes());
        for events in [&mut fast as &mut dyn Events, &mut slow] {
            let refused = loop {
                match events.next(&mut buf) {
                    Err(XmlProblem::Unsafe) => break true,
                    Err(_) | Ok(Event::Eof) => break false,
                    Ok(_) => buf.clear(),
                }
            };
            assert!(refused, "a DOCTYPE must be refused by the reader itself");
        }
    }

    proptest::proptest! {
        #[test]
        fn tokenizing_never_panics(text in "[<>/a-z:=\"' &;!?\\[\\]-]{0,60}") {
            let mut t = Tokenizer::new(std::io::BufReader::with_capacity(3, text.as_bytes()));
            let mut buf = Vec::new();
            for _ in 0..100 {
                match t.next(&mut buf) {
                    Ok(Event::Eof) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
    }
}
