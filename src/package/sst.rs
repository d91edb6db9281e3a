//! The shared-strings part: read into one compact store, and rewritten with the strings used
//! only by notes emptied in place.
//!
//! Emptying in place (`<si><t/></si>`) keeps every other string at its index, so no cell of
//! any sheet has to change; `count` and `uniqueCount` stay as they were (the number of items
//! does not change, and `count` is a hint Excel does not check).

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, Read, Write};

use memchr::{memchr, memmem};

use quick_xml::events::Event;

use super::text::calamine_text;
use super::tokens::{Events, Tokenizer};
use super::xml::{self, XmlProblem, XmlResult, local, push_raw, resolve_ref};

/// Every shared string, in order: the text of each, but for the marked ones (see
/// [`SharedStrings::read_marking`]), of which only the mark is kept.
#[derive(Debug)]
pub struct SharedStrings {
    /// The unmarked strings, one after the other.
    text: String,
    /// Where each string ends in `text` (a marked one ends where it starts).
    ends: Vec<u32>,
    /// The unmarked strings calamine reads otherwise (see [`super::text::calamine_text`]):
    /// trimmed, `_xHHHH_` escapes decoded, line ends made `\n`. Rare; the self-check needs
    /// them.
    views: HashMap<u32, String>,
    /// Whether each string is marked, and whether it is blank.
    flags: Vec<(bool, bool)>,
    /// The mark of each marked string, by index.
    marks: HashMap<u32, u32>,
    /// What marks a string, and with what number.
    mark: fn(&str) -> Option<u32>,
}

impl Default for SharedStrings {
    fn default() -> Self {
        SharedStrings {
            text: String::new(),
            ends: Vec::new(),
            views: HashMap::new(),
            flags: Vec::new(),
            marks: HashMap::new(),
            mark: |_| None,
        }
    }
}

impl SharedStrings {
    /// Reads a shared-strings part, marking nothing.
    #[cfg(test)]
    pub fn read<R: BufRead>(source: R) -> XmlResult<SharedStrings> {
        SharedStrings::read_marking(source, |_| None, |_, _| {})
    }

    /// Reads a shared-strings part. `mark` gives a number to each string it marks (its count
    /// of iCARE notes, for the caller that knows what one is): a marked string is held as
    /// that number ([`SharedStrings::mark`]), not as its text, which is what most of the
    /// part is in a rejected file. `marked` is shown each marked string (its index, and its
    /// text as calamine reads it: see [`SharedStrings::calamine_view`]) as it is read, since
    /// it is not kept.
    pub fn read_marking<R: BufRead>(
        source: R,
        mark: fn(&str) -> Option<u32>,
        mut marked: impl FnMut(u32, &str),
    ) -> XmlResult<SharedStrings> {
        let mut reader = Tokenizer::new(source);
        let mut buf = Vec::with_capacity(8 * 1024);
        let mut out = SharedStrings {
            mark,
            ..SharedStrings::default()
        };
        // Depth of <rPh> (phonetic runs are not part of the value) and whether we are inside
        // a <t> that counts.
        let mut in_si = false;
        let mut phonetic = 0u32;
        let mut in_t = false;
        // The string as calamine reads it, built a `<t>` at a time: where the `<t>` being
        // read starts in `text`, and whether it keeps its spaces.
        let mut view = String::new();
        let mut t_start = 0usize;
        let mut preserve = false;
        loop {
            buf.clear();
            let event = reader.next(&mut buf)?;
            match event {
                Event::Start(e) => match local(e.name().as_ref()) {
                    "si" => {
                        in_si = true;
                        view.clear();
                    }
                    "rPh" => phonetic += 1,
                    "t" if in_si && phonetic == 0 => {
                        in_t = true;
                        t_start = out.text.len();
                        preserve = xml::attr(&e, "xml:space")?.as_deref() == Some("preserve");
                    }
                    _ => {}
                },
                Event::Empty(e) if local(e.name().as_ref()) == "si" => {
                    view.clear();
                    out.close(&view, &mut marked);
                }
                Event::End(e) => match local(e.name().as_ref()) {
                    "si" => {
                        in_si = false;
                        out.close(&view, &mut marked);
                    }
                    "rPh" => phonetic = phonetic.saturating_sub(1),
                    "t" if in_t => {
                        in_t = false;
                        view.push_str(&calamine_text(&out.text[t_start..], preserve));
                    }
                    _ => {}
                },
                Event::Text(t) if in_t => out.text.push_str(&t),
                Event::CData(t) if in_t => out.text.push_str(&t),
                Event::GeneralRef(r) => {
                    let mut resolved = String::new();
                    resolve_ref(&r, &mut resolved)?;
                    if in_t {
                        out.text.push_str(&resolved);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            if out.text.len() > u32::MAX as usize {
                return Err(XmlProblem::Malformed("too many shared strings".into()));
            }
        }
        Ok(out)
    }

    /// Ends the string being read; `view` is how calamine reads it, shown to `marked` when
    /// the string is marked.
    fn close(&mut self, view: &str, marked: &mut impl FnMut(u32, &str)) {
        let index = self.ends.len() as u32;
        let start = self.ends.last().copied().unwrap_or(0) as usize;
        let text = &self.text[start..];
        let mark = (self.mark)(text);
        self.flags.push((mark.is_some(), text.trim().is_empty()));
        if let Some(mark) = mark {
            marked(index, view);
            self.marks.insert(index, mark);
            self.text.truncate(start);
        } else if *text != *view {
            self.views.insert(index, view.to_string());
        }
        self.ends.push(self.text.len() as u32);
    }

    /// Whether string `i` was marked when read.
    pub fn is_marked(&self, i: usize) -> bool {
        self.flags.get(i).is_some_and(|f| f.0)
    }

    /// The mark of string `i`, when it was marked.
    pub fn mark(&self, i: usize) -> Option<u32> {
        u32::try_from(i)
            .ok()
            .and_then(|i| self.marks.get(&i).copied())
    }

    /// Whether string `i` is blank (or missing).
    pub fn is_blank(&self, i: usize) -> bool {
        self.flags.get(i).is_none_or(|f| f.1)
    }

    /// The number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// String `i` as calamine reads it (trimmed unless its spaces are kept, escapes
    /// decoded), for the self-check; `None` for a marked string (only its mark is kept).
    pub fn calamine_view(&self, i: usize) -> Option<&str> {
        match self.views.get(&(i as u32)) {
            Some(view) => Some(view),
            None => self.get(i),
        }
    }

    /// String `i`; `None` for a marked string (only its mark is kept) or past the end.
    pub fn get(&self, i: usize) -> Option<&str> {
        if self.is_marked(i) {
            return None;
        }
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.text[start..end])
    }
}

/// Bytes of the part read at a time by the byte search of [`rewrite`].
const CHUNK: usize = 256 * 1024;

/// Copies a shared-strings part with the items in `empty` emptied.
///
/// The part was read whole by [`SharedStrings::read`] already, so it is well formed. A
/// `plain` part (see [`is_plain`]) is searched for its `<si>` elements as bytes, a piece at
/// a time, and only the emptied ones are written anew: memory stays the size of a piece
/// whatever the part's. A part with comments or CDATA (where a `<si>` could hide) goes
/// through the tokenizer.
///
/// # Errors
///
/// When the part cannot be read or the output cannot be written.
pub fn rewrite<R: BufRead, W: Write>(
    source: R,
    out: &mut W,
    empty: &BTreeSet<u32>,
    plain: bool,
) -> XmlResult<()> {
    if plain {
        return rewrite_plain(source, out, empty, CHUNK)
            .map_err(|e| XmlProblem::Malformed(e.to_string()));
    }
    rewrite_events(source, out, empty)
}

/// Whether a part holds no comment, CDATA section or declaration (`<!`), read a piece at a
/// time.
///
/// # Errors
///
/// When the part cannot be read.
pub fn is_plain<R: Read>(mut source: R) -> std::io::Result<bool> {
    let mut buf = vec![0u8; CHUNK + 1];
    // The last byte of the previous piece, kept in front: `<!` may straddle two pieces.
    let mut kept = 0;
    loop {
        let n = source.read(&mut buf[kept..])?;
        if n == 0 {
            return Ok(true);
        }
        let end = kept + n;
        if memmem::find(&buf[..end], b"<!").is_some() {
            return Ok(false);
        }
        buf[0] = buf[end - 1];
        kept = 1;
    }
}

/// The names a part's `<si>` items are written with: the root element's prefix (`x:` in
/// `<x:sst>`) is theirs. `None` until the root's name is whole in `raw`.
struct Items {
    prefix: Vec<u8>,
    open: Vec<u8>,
    close: Vec<u8>,
}

impl Items {
    fn of(raw: &[u8], eof: bool) -> Option<Items> {
        let mut root = 0;
        let mut found = false;
        while let Some(i) = memchr(b'<', &raw[root..]) {
            root += i + 1;
            if raw.get(root).is_some_and(u8::is_ascii_alphabetic) {
                found = true;
                break;
            }
        }
        if !found && !eof {
            return None;
        }
        let root = root.min(raw.len());
        let name_end = raw[root..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
            .map(|i| root + i);
        let name_end = match name_end {
            Some(end) => end,
            None if eof => raw.len(),
            None => return None,
        };
        let prefix = match memchr(b':', &raw[root..name_end]) {
            Some(i) => raw[root..=root + i].to_vec(),
            None => Vec::new(),
        };
        Some(Items {
            open: [b"<", &prefix[..], b"si"].concat(),
            close: [b"</", &prefix[..], b"si>"].concat(),
            prefix,
        })
    }
}

/// [`rewrite`] of a plain part, read `chunk` bytes at a time.
fn rewrite_plain<R: Read, W: Write>(
    mut source: R,
    out: &mut W,
    empty: &BTreeSet<u32>,
    chunk: usize,
) -> std::io::Result<()> {
    let mut raw: Vec<u8> = Vec::with_capacity(chunk * 2);
    let mut items = None;
    let mut index = 0u32;
    let mut eof = false;
    while !eof {
        let had = raw.len();
        raw.resize(had + chunk, 0);
        let n = loop {
            match source.read(&mut raw[had..]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        raw.truncate(had + n);
        eof = n == 0;
        if items.is_none() {
            items = Items::of(&raw, eof);
        }
        let Some(items) = &items else { continue };
        let done = rewrite_items(&raw, eof, items, &mut index, out, empty)?;
        raw.drain(..done);
    }
    out.write_all(&raw)
}

/// Writes the items of `raw` up to where it is sure of them (everything at `eof`), with the
/// ones in `empty` emptied; `index` counts the items seen. Returns how many bytes of `raw`
/// it wrote.
fn rewrite_items<W: Write>(
    raw: &[u8],
    eof: bool,
    items: &Items,
    index: &mut u32,
    out: &mut W,
    empty: &BTreeSet<u32>,
) -> std::io::Result<usize> {
    let Items {
        prefix,
        open,
        close,
    } = items;
    let mut copied = 0;
    // Where an item starts that this piece does not hold whole: the next piece goes on there.
    let mut pending = None;
    for at in memmem::find_iter(raw, open) {
        if at < copied {
            continue;
        }
        let after = at + open.len();
        match raw.get(after) {
            None if eof => break,
            None => {
                pending = Some(at);
                break;
            }
            Some(b) if !(b.is_ascii_whitespace() || *b == b'>' || *b == b'/') => continue,
            Some(_) => {}
        }
        if !empty.contains(index) {
            *index += 1;
            continue;
        }
        let Some(gt) = memchr(b'>', &raw[after..]).map(|i| after + i) else {
            pending = Some(at);
            break;
        };
        if raw[gt - 1] == b'/' {
            *index += 1;
            continue;
        }
        let Some(end) = memmem::find(&raw[gt..], close).map(|i| gt + i + close.len()) else {
            pending = Some(at);
            break;
        };
        *index += 1;
        out.write_all(&raw[copied..at])?;
        out.write_all(&raw[at..=gt])?;
        out.write_all(&[b"<", &prefix[..], b"t/>"].concat())?;
        out.write_all(close)?;
        copied = end;
    }
    let upto = match pending {
        // At the end an unfinished item is copied as it is.
        _ if eof => raw.len(),
        Some(at) => at,
        // An item's opening may straddle this piece and the next.
        None => raw.len().saturating_sub(open.len()),
    }
    .max(copied);
    out.write_all(&raw[copied..upto])?;
    Ok(upto)
}

/// [`rewrite`] through the tokenizer.
fn rewrite_events<R: BufRead, W: Write>(
    source: R,
    out: &mut W,
    empty: &BTreeSet<u32>,
) -> XmlResult<()> {
    let mut reader = Tokenizer::new(source);
    let mut buf = Vec::with_capacity(8 * 1024);
    let mut text = String::with_capacity(64 * 1024);
    let mut index = 0u32;
    // Inside an <si> being emptied: everything up to its end is skipped.
    let mut skipping = false;
    loop {
        buf.clear();
        let event = reader.next(&mut buf)?;
        match &event {
            Event::Eof => break,
            Event::Start(e) if !skipping && local(e.name().as_ref()) == "si" => {
                if empty.contains(&index) {
                    skipping = true;
                    let name = e.name().as_ref().to_string();
                    let t = format!("{}t", xml::prefix(&name));
                    text.push_str(&format!("<{}><{t}/></{name}>", &**e));
                } else {
                    push_raw(&mut text, &event);
                }
                index += 1;
            }
            Event::Empty(e) if !skipping && local(e.name().as_ref()) == "si" => {
                push_raw(&mut text, &event);
                index += 1;
            }
            Event::End(e) if skipping && local(e.name().as_ref()) == "si" => skipping = false,
            _ if skipping => {}
            _ => push_raw(&mut text, &event),
        }
        if text.len() >= 32 * 1024 {
            out.write_all(text.as_bytes())
                .map_err(|e| XmlProblem::Malformed(e.to_string()))?;
            text.clear();
        }
    }
    out.write_all(text.as_bytes())
        .map_err(|e| XmlProblem::Malformed(e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SST: &str = "<?xml version=\"1.0\"?>\n<sst xmlns=\"urn:s\" count=\"5\" uniqueCount=\"4\"><si><t>Yes</t></si><si><t xml:space=\"preserve\">[BUID:1,RID:,ORP:1/1,DTS:2018-08-07 10:05:04][XML:] (Client) A &amp; B</t></si><si><r><t>rich </t></r><r><t>text</t></r><rPh><t>ignored</t></rPh></si><si/></sst>";

    #[test]
    fn strings_are_read_in_order_with_runs_joined() {
        let mut seen = Vec::new();
        let sst = SharedStrings::read_marking(
            SST.as_bytes(),
            |t| t.contains("[BUID:").then_some(7),
            |i, t| seen.push((i, t.to_string())),
        )
        .unwrap();
        assert_eq!(sst.ends.len(), 4);
        assert_eq!(sst.get(0), Some("Yes"));
        // The marked string is held as its mark only, but shown whole while read.
        assert_eq!(sst.get(1), None);
        assert_eq!(sst.mark(1), Some(7));
        assert_eq!(sst.mark(0), None);
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].0, 1);
        assert!(seen[0].1.ends_with("(Client) A & B"));
        assert_eq!(sst.calamine_view(1), None);
        assert_eq!(sst.text, "Yesrich text");
        assert_eq!(sst.get(2), Some("rich text"));
        assert_eq!(sst.get(3), Some(""));
        assert_eq!(sst.get(4), None);
        assert_eq!(
            (0..5).map(|i| sst.is_marked(i)).collect::<Vec<_>>(),
            [false, true, false, false, false]
        );
    }

    #[test]
    fn the_calamine_view_trims_and_decodes_like_calamine() {
        let text = "<sst><si><t> padded </t></si><si><t xml:space=\"preserve\"> kept </t></si><si><t>a_x000D_b</t></si><si><r><t>x </t></r><r><t xml:space=\"preserve\"> y</t></r></si><si><t>plain</t></si></sst>";
        let sst = SharedStrings::read(text.as_bytes()).unwrap();
        assert_eq!(sst.get(0), Some(" padded "));
        assert_eq!(sst.calamine_view(0), Some("padded"));
        assert_eq!(sst.calamine_view(1), Some(" kept "));
        assert_eq!(sst.calamine_view(2), Some("a\rb"));
        assert_eq!(sst.calamine_view(3), Some("x y"));
        assert_eq!(sst.calamine_view(4), Some("plain"));
        assert_eq!(sst.views.len(), 3);
        // A marked string is shown as calamine reads it, as it is read.
        let mut seen = Vec::new();
        let sst = SharedStrings::read_marking(
            text.as_bytes(),
            |t| t.contains('_').then_some(1),
            |i, t| seen.push((i, t.to_string())),
        )
        .unwrap();
        assert_eq!(seen, [(2, "a\rb".to_string())]);
        assert_eq!(sst.views.len(), 2);
    }

    #[test]
    fn byte_search_and_tokenized_rewrites_agree() {
        let prefixed = SST
            .replace("<sst ", "<x:sst xmlns:x=\"urn:x\" ")
            .replace("</sst>", "</x:sst>")
            .replace("<si", "<x:si")
            .replace("</si>", "</x:si>")
            .replace("<t", "<x:t")
            .replace("</t>", "</x:t>");
        for text in [SST.to_string(), prefixed] {
            for empty in [
                BTreeSet::new(),
                BTreeSet::from([1]),
                BTreeSet::from([0, 2, 3]),
            ] {
                let mut slow = Vec::new();
                rewrite_events(text.as_bytes(), &mut slow, &empty).unwrap();
                let slow = String::from_utf8(slow).unwrap();
                // Pieces of every size cut items, names and the root at every place.
                for chunk in (1..=text.len() + 1).chain([CHUNK]) {
                    let mut fast = Vec::new();
                    rewrite_plain(text.as_bytes(), &mut fast, &empty, chunk).unwrap();
                    assert_eq!(String::from_utf8(fast).unwrap(), slow, "pieces of {chunk}");
                }
            }
        }
    }

    #[test]
    fn a_comment_or_cdata_is_found_across_pieces() {
        assert!(!is_plain(SST.replace("<si/>", "<!-- <si/> -->").as_bytes()).unwrap());
        // `<!` cut by the end of a piece.
        let mut text = "x".repeat(CHUNK - 1);
        text.push_str("<![CDATA[a]]>");
        assert!(!is_plain(text.as_bytes()).unwrap());
        assert!(is_plain("x".repeat(CHUNK * 2).as_bytes()).unwrap());
    }

    #[test]
    fn emptied_items_keep_their_place() {
        let mut out = Vec::new();
        assert!(is_plain(SST.as_bytes()).unwrap());
        rewrite(SST.as_bytes(), &mut out, &BTreeSet::from([1]), true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("BUID"));
        assert!(text.contains("count=\"5\" uniqueCount=\"4\""));
        let sst = SharedStrings::read(text.as_bytes()).unwrap();
        assert_eq!(sst.ends.len(), 4);
        assert_eq!(sst.get(1), Some(""));
        assert_eq!(sst.get(2), Some("rich text"));
        // Everything else is byte for byte.
        assert_eq!(text.replace("<si><t/></si>", ""), SST.replace(
            "<si><t xml:space=\"preserve\">[BUID:1,RID:,ORP:1/1,DTS:2018-08-07 10:05:04][XML:] (Client) A &amp; B</t></si>",
            ""
        ));
    }
}
