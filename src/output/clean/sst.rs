//! The shared-strings part: read into one compact store, and rewritten with the strings used
//! only by notes emptied in place.
//!
//! Emptying in place (`<si><t/></si>`) keeps every other string at its index, so no cell of
//! any sheet has to change; `count` and `uniqueCount` stay as they were (the number of items
//! does not change, and `count` is a hint Excel does not check).

use std::collections::BTreeSet;
use std::io::{BufRead, Write};

use quick_xml::events::Event;

use super::tokens::{Events, Tokenizer};
use super::xml::{self, XmlProblem, XmlResult, local, push_raw, resolve_ref};

/// Every shared string, in order.
#[derive(Debug, Default)]
pub struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    /// Reads a shared-strings part.
    pub fn read<R: BufRead>(source: R) -> XmlResult<SharedStrings> {
        let mut reader = Tokenizer::new(source);
        let mut buf = Vec::with_capacity(8 * 1024);
        let mut out = SharedStrings::default();
        // Depth of <rPh> (phonetic runs are not part of the value) and whether we are inside
        // a <t> that counts.
        let mut in_si = false;
        let mut phonetic = 0u32;
        let mut in_t = false;
        loop {
            buf.clear();
            let event = reader.next(&mut buf)?;
            xml::refuse_doctype(&event)?;
            match event {
                Event::Start(e) => match local(e.name().as_ref()) {
                    "si" => in_si = true,
                    "rPh" => phonetic += 1,
                    "t" if in_si && phonetic == 0 => in_t = true,
                    _ => {}
                },
                Event::Empty(e) if local(e.name().as_ref()) == "si" => out.close(),
                Event::End(e) => match local(e.name().as_ref()) {
                    "si" => {
                        in_si = false;
                        out.close();
                    }
                    "rPh" => phonetic = phonetic.saturating_sub(1),
                    "t" => in_t = false,
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

    fn close(&mut self) {
        self.ends.push(self.text.len() as u32);
    }

    /// String `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.text[start..end])
    }
}

/// Copies a shared-strings part with the items in `empty` emptied.
pub fn rewrite<R: BufRead, W: Write>(
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
        xml::refuse_doctype(&event)?;
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
        let sst = SharedStrings::read(SST.as_bytes()).unwrap();
        assert_eq!(sst.ends.len(), 4);
        assert_eq!(sst.get(0), Some("Yes"));
        assert!(sst.get(1).unwrap().ends_with("(Client) A & B"));
        assert_eq!(sst.get(2), Some("rich text"));
        assert_eq!(sst.get(3), Some(""));
        assert_eq!(sst.get(4), None);
    }

    #[test]
    fn emptied_items_keep_their_place() {
        let mut out = Vec::new();
        rewrite(SST.as_bytes(), &mut out, &BTreeSet::from([1])).unwrap();
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
