//! Helpers shared by the fuzz targets and the seed writer.

pub mod parts {
    //! A text form of a zip package that fuzzers can mutate: parts one after the other, each
    //! starting on a line `--part NAME`, its content on the following lines:
    //!
    //! ```text
    //! --part [Content_Types].xml
    //! <?xml version="1.0"?>...
    //! --part xl/workbook.xml
    //! ...
    //! ```
    //!
    //! [`to_file`] packs such text into a zip (stored, with correct checksums); bytes that
    //! already look like a zip or an OLE2 file are kept as they are.

    use std::io::{Cursor, Read, Write};

    const MARK: &[u8] = b"--part ";

    /// The bytes of the file to give the reader.
    pub fn to_file(data: &[u8]) -> Vec<u8> {
        if data.starts_with(b"PK") || data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return data.to_vec();
        }
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, content) in split(data) {
            // Duplicate or odd names are refused by the writer: skip them, the reader's
            // handling of such zips is reached through the raw `PK` inputs.
            if zip.start_file(name, options).is_ok() {
                let _ = zip.write_all(content);
            }
        }
        zip.finish()
            .map(Cursor::into_inner)
            .unwrap_or_else(|_| data.to_vec())
    }

    /// The (name, content) of each part.
    pub fn split(data: &[u8]) -> Vec<(String, &[u8])> {
        let mut parts = Vec::new();
        let mut starts: Vec<usize> = Vec::new();
        if data.starts_with(MARK) {
            starts.push(0);
        }
        starts.extend(
            data.windows(MARK.len() + 1)
                .enumerate()
                .filter(|(_, w)| w[0] == b'\n' && &w[1..] == MARK)
                .map(|(i, _)| i + 1),
        );
        for (k, &start) in starts.iter().enumerate() {
            let end = starts.get(k + 1).map_or(data.len(), |&s| s - 1);
            let record = &data[start + MARK.len()..end.max(start + MARK.len())];
            let (name, content) = match record.iter().position(|&b| b == b'\n') {
                Some(i) => (&record[..i], &record[i + 1..]),
                None => (record, &[][..]),
            };
            parts.push((String::from_utf8_lossy(name).trim().to_string(), content));
        }
        parts
    }

    /// The text form of a zip file (for seeds).
    pub fn from_zip(bytes: &[u8]) -> zip::result::ZipResult<Vec<u8>> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))?;
        let mut out = Vec::new();
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i)?;
            out.extend_from_slice(MARK);
            out.extend_from_slice(entry.name()?.as_bytes());
            out.push(b'\n');
            entry.read_to_end(&mut out)?;
            out.push(b'\n');
        }
        Ok(out)
    }
}
