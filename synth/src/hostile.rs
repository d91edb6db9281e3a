//! Hostile and broken files for the bad-input suite: a minimal rejected workbook as a zip
//! of parts (to damage part by part), hand-built zips (any declared size, real deflate
//! bombs), minimal OLE2 containers (an old `.xls`, a password-protected workbook) and
//! OpenDocument spreadsheets. Everything is built here from bytes; nothing is real data.

use std::io::Write;

/// Field codes of the minimal rejected workbook (a Client Profile-like template).
pub const CODES: [&str; 6] = [
    "processing_details",
    "client_validation_type_id",
    "client_validation_id",
    "client_birth_dt",
    "phone_no",
    "consent_ind",
];
/// Their labels, as the real template words them.
pub const LABELS: [&str; 6] = [
    "Processing Details",
    "Unique Identifier",
    "Unique Identifier Value",
    "Date of Birth (YYYY-MM-DD)",
    "Phone Number",
    "Consent",
];
/// A note of iCARE's, in its real shape.
pub const NOTE: &str = "[BUID:62957,RID:43432228,ORP:6/37,DTS:2015-04-13 13:18:23][XML:consent_ind, phone_no] (Profile) Telephone number has not been specified. / (Profil) Le numéro de téléphone n'a pas été indiqué.";

/// A rejected workbook with one note cell holding `note`, written by rust_xlsxwriter.
pub fn rejected_workbook(note: &str) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("iCARE Template").unwrap();
    ws.write_string(
        0,
        0,
        "Immigration, Refugees and Citizenship Canada\niCARE\nClient Profile",
    )
    .unwrap();
    for (c, (code, label)) in CODES.iter().zip(LABELS).enumerate() {
        ws.write_string(1, c as u16, *code).unwrap();
        ws.write_string(2, c as u16, label).unwrap();
    }
    ws.set_row_hidden(1).unwrap();
    ws.write_string(3, 0, note).unwrap();
    for (c, v) in ["FOSS/GCMS Client ID", "12345678", "1980-01-31", "", "Yes"]
        .iter()
        .enumerate()
    {
        ws.write_string(3, c as u16 + 1, *v).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// A zip package built part by part, stored or deflated as asked, with any declared size.
#[derive(Clone)]
pub struct Package {
    pub parts: Vec<(String, Vec<u8>)>,
}

pub const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
pub const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
pub const PKG_REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

impl Package {
    /// A minimal hand-written rejected workbook: one sheet, shared strings, codes in row 2,
    /// labels in row 3, a note in A4.
    pub fn minimal() -> Package {
        let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
        let root_rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        );
        let workbook =
            Package::workbook_xml(r#"<sheet name="iCARE Template" sheetId="1" r:id="rId1"/>"#);
        let workbook_rels = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
        );
        let mut strings: Vec<String> = Vec::new();
        strings.extend(CODES.iter().map(|s| s.to_string()));
        strings.extend(LABELS.iter().map(|s| s.to_string()));
        strings.push(NOTE.to_string());
        strings.extend(
            ["FOSS/GCMS Client ID", "12345678", "1980-01-31", "Yes"]
                .iter()
                .map(|s| s.to_string()),
        );
        let mut sst = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="{MAIN_NS}" count="{n}" uniqueCount="{n}">"#,
            n = strings.len()
        );
        for s in &strings {
            sst.push_str(&format!("<si><t>{}</t></si>", xml_escape(s)));
        }
        sst.push_str("</sst>");
        let col = |c: usize| (b'A' + c as u8) as char;
        let mut rows = String::new();
        for (r, first) in [(2, 0), (3, 6)] {
            rows.push_str(&format!(r#"<row r="{r}">"#));
            for c in 0..6 {
                rows.push_str(&format!(
                    r#"<c r="{}{r}" t="s"><v>{}</v></c>"#,
                    col(c),
                    first + c
                ));
            }
            rows.push_str("</row>");
        }
        rows.push_str(
            r#"<row r="4"><c r="A4" t="s"><v>12</v></c><c r="B4" t="s"><v>13</v></c><c r="C4" t="s"><v>14</v></c><c r="D4" t="s"><v>15</v></c><c r="F4" t="s"><v>16</v></c></row>"#,
        );
        let sheet = Package::sheet_xml(&rows);
        Package {
            parts: vec![
                ("[Content_Types].xml".into(), content_types.into()),
                ("_rels/.rels".into(), root_rels.into_bytes()),
                ("xl/workbook.xml".into(), workbook.into_bytes()),
                (
                    "xl/_rels/workbook.xml.rels".into(),
                    workbook_rels.into_bytes(),
                ),
                ("xl/worksheets/sheet1.xml".into(), sheet.into_bytes()),
                ("xl/sharedStrings.xml".into(), sst.into_bytes()),
            ],
        }
    }

    pub fn workbook_xml(sheets: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{sheets}</sheets></workbook>"#
        )
    }

    pub fn sheet_xml(rows: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheetData>{rows}</sheetData></worksheet>"#
        )
    }

    pub fn set(mut self, name: &str, content: impl Into<Vec<u8>>) -> Package {
        let content = content.into();
        match self.parts.iter_mut().find(|(n, _)| n == name) {
            Some(part) => part.1 = content,
            None => self.parts.push((name.to_string(), content)),
        }
        self
    }

    pub fn without(mut self, name: &str) -> Package {
        self.parts.retain(|(n, _)| n != name);
        self
    }

    pub fn part(&self, name: &str) -> String {
        let (_, bytes) = self.parts.iter().find(|(n, _)| n == name).expect("part");
        String::from_utf8(bytes.clone()).expect("text part")
    }

    /// The zip file, every part deflated (through the zip crate).
    pub fn zip(&self) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in &self.parts {
            zip.start_file(name.as_str(), options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }
}

pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

// ---------------------------------------------------------------------------------------------
// Building inputs: raw zip entries (for bombs and lying sizes)

/// One entry of a hand-written zip: already-compressed data, with the sizes and checksum to
/// declare (which may lie).
pub struct RawEntry {
    pub name: String,
    /// 0 stored, 8 deflated.
    pub method: u16,
    pub data: Vec<u8>,
    pub crc: u32,
    pub declared_size: u32,
}

/// A zip file from raw entries: local headers, data, central directory, end record.
pub fn raw_zip(entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central {
                h.extend(20u16.to_le_bytes()); // version made by
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(e.method.to_le_bytes());
            h.extend(0u16.to_le_bytes()); // time
            h.extend(0x21u16.to_le_bytes()); // date 1980-01-01
            h.extend(e.crc.to_le_bytes());
            h.extend((e.data.len() as u32).to_le_bytes());
            h.extend(e.declared_size.to_le_bytes());
            h.extend((e.name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra length
            if central {
                h.extend(0u16.to_le_bytes()); // comment length
                h.extend(0u16.to_le_bytes()); // disk number
                h.extend(0u16.to_le_bytes()); // internal attributes
                h.extend(0u32.to_le_bytes()); // external attributes
                h.extend(offset.to_le_bytes());
            }
            h.extend(e.name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend(&e.data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// The entries of a package, deflated by the zip crate, as raw entries (so one can be
/// replaced by a bomb).
pub fn raw_entries(package: &Package) -> Vec<RawEntry> {
    let bytes = package.zip();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    (0..zip.len())
        .map(|i| {
            let file = zip.by_index_raw(i).unwrap();
            let start = file.data_start().unwrap() as usize;
            RawEntry {
                name: file.name().unwrap().to_string(),
                method: 8,
                data: bytes[start..start + file.compressed_size() as usize].to_vec(),
                crc: file.crc32(),
                declared_size: file.size() as u32,
            }
        })
        .collect()
}

/// A bit writer for a hand-made deflate stream (RFC 1951), least significant bit first.
pub struct Bits {
    pub out: Vec<u8>,
    pub acc: u64,
    pub n: u32,
}

impl Bits {
    pub fn put(&mut self, value: u32, bits: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code, most significant bit first.
    pub fn code(&mut self, code: u32, len: u32) {
        let reversed = code.reverse_bits() >> (32 - len);
        self.put(reversed, len);
    }

    /// A literal byte or the end-of-block symbol, with the fixed Huffman codes.
    pub fn symbol(&mut self, sym: u32) {
        match sym {
            0..=143 => self.code(0x30 + sym, 8),
            144..=255 => self.code(0x190 + sym - 144, 9),
            256..=279 => self.code(sym - 256, 7),
            _ => self.code(0xC0 + sym - 280, 8),
        }
    }
}

/// A real deflate stream of `prefix`, then `1 + 258 * runs` spaces, then `suffix`: each run
/// of 258 spaces costs 13 bits, so hundreds of MB pack into a few MB. Returns the stream and
/// its uncompressed size.
pub fn deflate_spaces(prefix: &[u8], runs: u64, suffix: &[u8]) -> (Vec<u8>, u64) {
    let mut bits = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // last block
    bits.put(1, 2); // fixed Huffman codes
    for &b in prefix {
        bits.symbol(u32::from(b));
    }
    bits.symbol(u32::from(b' '));
    for _ in 0..runs {
        bits.symbol(285); // length 258
        bits.code(0, 5); // distance 1
    }
    for &b in suffix {
        bits.symbol(u32::from(b));
    }
    bits.symbol(256);
    bits.put(0, 7); // flush the last byte
    let size = prefix.len() as u64 + 1 + 258 * runs + suffix.len() as u64;
    (bits.out, size)
}

/// CRC-32 of `prefix`, `1 + 258 * runs` spaces and `suffix`: what [`deflate_spaces`] inflates to.
pub fn crc_of_spaces(prefix: &[u8], runs: u64, suffix: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(prefix);
    let chunk = vec![b' '; 258 * 4096];
    let mut left = 1 + 258 * runs;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        hasher.update(&chunk[..n]);
        left -= n as u64;
    }
    hasher.update(suffix);
    hasher.finalize()
}

/// A workbook whose sheet is mostly spaces inside one cell, inflating to about `mb` MB.
/// `declared` overrides the size the zip declares for the sheet (a lie), else it is true.
pub fn bomb(mb: u64, declared: Option<u32>) -> Vec<u8> {
    let package = Package::minimal();
    let sheet = package.part("xl/worksheets/sheet1.xml");
    let (head, tail) = sheet.split_at(sheet.find("</sheetData>").unwrap());
    let prefix = format!(r#"{head}<row r="5"><c r="A5" t="inlineStr"><is><t>"#);
    let suffix = format!("x</t></is></c></row>{tail}");
    let runs = mb * 1024 * 1024 / 258;
    let (data, size) = deflate_spaces(prefix.as_bytes(), runs, suffix.as_bytes());
    let mut entries = raw_entries(&package);
    let sheet = entries
        .iter_mut()
        .find(|e| e.name == "xl/worksheets/sheet1.xml")
        .unwrap();
    sheet.data = data;
    // A true size past the limit or a lie stop the reader before the checksum matters; a true
    // size within the limit gets the true checksum, so the file is valid in every way.
    sheet.crc = if declared.is_none() && size <= MAX_PART_BYTES {
        crc_of_spaces(prefix.as_bytes(), runs, suffix.as_bytes())
    } else {
        0
    };
    sheet.declared_size = declared.unwrap_or(u32::try_from(size).unwrap());
    raw_zip(&entries)
}

/// The reader's limit on one part (`icare_fix::workbook::read::MAX_PART_BYTES`).
pub const MAX_PART_BYTES: u64 = icare_fix::workbook::read::MAX_PART_BYTES;

// ---------------------------------------------------------------------------------------------
// Building inputs: OLE2 containers (an encrypted workbook, an old .xls)

pub const FREESECT: u32 = 0xFFFF_FFFF;
pub const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
pub const FATSECT: u32 = 0xFFFF_FFFD;
pub const NOSTREAM: u32 = 0xFFFF_FFFF;

/// A minimal compound file (CFB version 3, 512-byte sectors): a header, one FAT sector, one
/// directory sector and the streams, each padded to whole sectors. Streams must be at least
/// 4096 bytes, so none goes to the mini stream. At most 3 streams.
pub fn cfb(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
    assert!(streams.len() <= 3);
    let sector = 512usize;
    let mut fat = vec![FATSECT, ENDOFCHAIN];
    let mut data = Vec::new();
    let mut starts = Vec::new();
    for (_, bytes) in streams {
        assert!(
            bytes.len() >= 4096,
            "a stream this small belongs in the mini stream"
        );
        let first = fat.len() as u32;
        let count = bytes.len().div_ceil(sector);
        for k in 0..count as u32 {
            fat.push(if k + 1 == count as u32 {
                ENDOFCHAIN
            } else {
                first + k + 1
            });
        }
        starts.push(first);
        let mut padded = bytes.clone();
        padded.resize(count * sector, 0);
        data.extend(padded);
    }
    assert!(fat.len() <= sector / 4);
    fat.resize(sector / 4, FREESECT);

    let mut header = Vec::with_capacity(sector);
    header.extend([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    header.extend([0u8; 16]); // CLSID
    header.extend(0x003Eu16.to_le_bytes()); // minor version
    header.extend(0x0003u16.to_le_bytes()); // major version 3
    header.extend(0xFFFEu16.to_le_bytes()); // byte order
    header.extend(9u16.to_le_bytes()); // sector shift: 512
    header.extend(6u16.to_le_bytes()); // mini sector shift: 64
    header.extend([0u8; 6]);
    header.extend(0u32.to_le_bytes()); // directory sectors (0 in version 3)
    header.extend(1u32.to_le_bytes()); // FAT sectors
    header.extend(1u32.to_le_bytes()); // first directory sector
    header.extend(0u32.to_le_bytes()); // transaction signature
    header.extend(4096u32.to_le_bytes()); // mini stream cutoff
    header.extend(ENDOFCHAIN.to_le_bytes()); // first mini FAT sector
    header.extend(0u32.to_le_bytes()); // mini FAT sectors
    header.extend(ENDOFCHAIN.to_le_bytes()); // first DIFAT sector
    header.extend(0u32.to_le_bytes()); // DIFAT sectors
    header.extend(0u32.to_le_bytes()); // DIFAT[0]: the FAT is sector 0
    while header.len() < sector {
        header.extend(FREESECT.to_le_bytes());
    }

    let entry = |name: &str, kind: u8, child: u32, right: u32, start: u32, size: u32| {
        let mut e = Vec::with_capacity(128);
        let utf16: Vec<u16> = name.encode_utf16().chain([0]).collect();
        for u in &utf16 {
            e.extend(u.to_le_bytes());
        }
        e.resize(64, 0);
        e.extend(((utf16.len() * 2) as u16).to_le_bytes());
        e.push(kind);
        e.push(1); // black
        e.extend(NOSTREAM.to_le_bytes()); // left sibling
        e.extend(right.to_le_bytes());
        e.extend(child.to_le_bytes());
        e.extend([0u8; 16 + 4 + 16]); // CLSID, state, times
        e.extend(start.to_le_bytes());
        e.extend(size.to_le_bytes());
        e.extend(0u32.to_le_bytes());
        e
    };
    let mut dir = entry("Root Entry", 5, 1, NOSTREAM, ENDOFCHAIN, 0);
    for (i, ((name, bytes), start)) in streams.iter().zip(&starts).enumerate() {
        let right = if i + 1 < streams.len() {
            i as u32 + 2
        } else {
            NOSTREAM
        };
        dir.extend(entry(name, 2, NOSTREAM, right, *start, bytes.len() as u32));
    }
    while dir.len() < sector {
        dir.extend(entry("", 0, NOSTREAM, NOSTREAM, 0, 0));
    }

    let mut file = header;
    file.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    file.extend(dir);
    file.extend(data);
    file
}

/// A BIFF8 record.
pub fn biff(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = Vec::new();
    r.extend(typ.to_le_bytes());
    r.extend((data.len() as u16).to_le_bytes());
    r.extend(data);
    r
}

/// An Excel 97-2003 workbook (.xls) with one empty visible sheet named `Sheet1`.
pub fn xls() -> Vec<u8> {
    xls_with(&[])
}

/// An .xls whose globals start with the records `first` (after BOF).
pub fn xls_with(first: &[u8]) -> Vec<u8> {
    xls_with_sheet(first, &[])
}

/// An .xls whose globals start with `first` and whose one sheet holds the records `sheet`.
pub fn xls_with_sheet(first: &[u8], sheet: &[u8]) -> Vec<u8> {
    let bof = |dt: u16| {
        let mut d = Vec::new();
        d.extend(0x0600u16.to_le_bytes());
        d.extend(dt.to_le_bytes());
        d.extend([0u8; 12]);
        biff(0x0809, &d)
    };
    let mut globals = bof(0x0005);
    globals.extend(first);
    // Padding in a record nobody reads, so the stream is big enough for regular sectors.
    globals.extend(biff(0x00E1, &[0u8; 4200]));
    let name = b"Sheet1";
    let boundsheet_len = 4 + 4 + 6 + 2 + name.len();
    let eof = biff(0x000A, &[]);
    let sheet_pos = (globals.len() + boundsheet_len + eof.len()) as u32;
    let mut bs = Vec::new();
    bs.extend(sheet_pos.to_le_bytes());
    bs.push(0); // visible
    bs.push(0); // worksheet
    bs.push(name.len() as u8);
    bs.push(0); // compressed (8-bit) characters
    bs.extend(name);
    globals.extend(biff(0x0085, &bs));
    globals.extend(&eof);
    globals.extend(bof(0x0010));
    globals.extend(sheet);
    globals.extend(&eof);
    cfb(&[("Workbook", globals)])
}

/// A small, valid .xls (about 9 KB) with a number in each of its sheet's four corners
/// (A1, IV1, A65536, IV65536) and the DIMENSIONS record that goes with them: a reader that
/// builds the sheet as one grid needs 16.7 million cells for it.
pub fn xls_corners() -> Vec<u8> {
    let mut dims = Vec::new();
    dims.extend(0u32.to_le_bytes());
    dims.extend(65_536u32.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    dims.extend(256u16.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    let mut sheet = biff(0x0200, &dims);
    for (row, col) in [(0u16, 0u16), (0, 255), (65_535, 0), (65_535, 255)] {
        let mut number = Vec::new();
        number.extend(row.to_le_bytes());
        number.extend(col.to_le_bytes());
        number.extend(15u16.to_le_bytes()); // the default cell format
        number.extend(1.0f64.to_le_bytes());
        sheet.extend(biff(0x0203, &number));
    }
    xls_with_sheet(&[], &sheet)
}

/// A password-protected workbook: Excel's OLE2 container with an EncryptedPackage stream.
pub fn encrypted() -> Vec<u8> {
    let mut info = vec![4u8, 0, 4, 0, 0x40, 0, 0, 0]; // agile encryption header
    info.extend(b"<?xml version=\"1.0\"?><encryption/>");
    info.resize(4096, b' ');
    let mut package = (4096u64 * 2).to_le_bytes().to_vec();
    package.resize(8192 + 8, 0xA5);
    cfb(&[("EncryptionInfo", info), ("EncryptedPackage", package)])
}

pub const ODS_CONTENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1"><table:table-row><table:table-cell office:value-type="string"><text:p>Month</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;

/// An OpenDocument spreadsheet with one sheet.
pub fn ods() -> Vec<u8> {
    ods_with(ODS_CONTENT)
}

/// The manifest of an OpenDocument spreadsheet with one content part, unencrypted.
pub const ODS_MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;

/// An OpenDocument spreadsheet whose content part is `content`.
pub fn ods_with(content: &str) -> Vec<u8> {
    ods_parts(ODS_MANIFEST, content)
}

/// An OpenDocument spreadsheet whose manifest is `manifest` and content part `content`.
pub fn ods_parts(manifest: &str, content: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", stored).unwrap();
    zip.write_all(manifest.as_bytes()).unwrap();
    zip.start_file("content.xml", stored).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// The minimal package with its sheet's rows replaced.
pub fn with_rows(rows: &str) -> Vec<u8> {
    let package = Package::minimal();
    let sheet = package.part("xl/worksheets/sheet1.xml");
    let (head, rest) = sheet.split_at(sheet.find("<sheetData>").unwrap() + "<sheetData>".len());
    let tail = &rest[rest.find("</sheetData>").unwrap()..];
    package
        .set("xl/worksheets/sheet1.xml", format!("{head}{rows}{tail}"))
        .zip()
}
