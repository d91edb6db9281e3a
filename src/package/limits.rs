//! The limits a package is read within, and the checks that hold them before any part is
//! parsed: the file's size, each part's and all parts' unpacked sizes (zip bombs), and no
//! DOCTYPE or entity declaration in an XML part (the way XML readers are attacked).

use std::io::{BufReader, Read, Seek};
use std::path::Path;

use crate::error::{Error, Result};

/// Opens `path` for reading once it is known to be a regular file within
/// [`MAX_FILE_BYTES`]: a folder, a named pipe or a device is refused without being opened
/// (opening a pipe can wait forever), a larger file without being read.
///
/// # Errors
///
/// Fails when `path` does not exist or cannot be opened, when it is a folder, a pipe or a
/// device, or when it is larger than [`MAX_FILE_BYTES`].
pub fn open_file(path: &Path) -> Result<std::fs::File> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let not = |detail: &str| Error::NotAWorkbook {
        path: path.to_path_buf(),
        detail: detail.into(),
    };
    if meta.is_dir() {
        return Err(not("it is a folder"));
    }
    if !meta.is_file() {
        return Err(not("it is not a regular file but a device or a pipe"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            detail: format!(
                "the file is {} MB, more than the {} MB limit",
                meta.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        });
    }
    std::fs::File::open(path).map_err(|e| Error::io(path, e))
}

/// Largest workbook file accepted, in bytes. iCARE files hold at most a few thousand rows.
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;
/// Largest uncompressed size of one part of a workbook.
pub const MAX_PART_BYTES: u64 = 512 * 1024 * 1024;
/// Largest uncompressed size of all parts together.
pub const MAX_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;

/// Refuses a package whose XML parts declare a DOCTYPE (entity declarations, external
/// entities): Excel never writes one, and they are the way XML readers are attacked. Only
/// each part's prolog is read, up to its first element.
///
/// # Errors
///
/// Fails when a part cannot be read or declares a DOCTYPE.
pub fn check_xml_prologs<R: Read + Seek>(path: &Path, zip: &mut zip::ZipArchive<R>) -> Result<()> {
    use quick_xml::events::Event;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| Error::DamagedBy {
            path: path.to_path_buf(),
            detail: format!("part {i} cannot be read"),
            technical: e.to_string(),
        })?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".xml") || lower.ends_with(".rels") || lower.ends_with(".vml")) {
            continue;
        }
        let mut reader = quick_xml::Reader::from_reader(BufReader::new(entry.take(MAX_PART_BYTES)));
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf) {
                Ok(Event::DocType(_)) => {
                    return Err(Error::UnsafeXml {
                        path: path.to_path_buf(),
                        part: name,
                    });
                }
                Ok(Event::Start(_) | Event::Empty(_) | Event::Eof) => break,
                // A malformed prolog is for the reader proper to report.
                Err(_) => break,
                Ok(_) => {}
            }
            buf.clear();
        }
    }
    Ok(())
}

/// Refuses zip archives whose parts claim to inflate past the limits (zip bombs).
///
/// # Errors
///
/// Fails when a part cannot be read, or a part or all of them together claim to inflate past
/// [`MAX_PART_BYTES`] or [`MAX_TOTAL_BYTES`].
pub fn check_zip_sizes<R: Read + Seek>(path: &Path, zip: &mut zip::ZipArchive<R>) -> Result<()> {
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| Error::DamagedBy {
            path: path.to_path_buf(),
            detail: format!("part {i} cannot be read"),
            technical: e.to_string(),
        })?;
        let size = entry.size();
        total = total.saturating_add(size);
        if size > MAX_PART_BYTES || total > MAX_TOTAL_BYTES {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                detail: format!(
                    "its part '{}' unpacks to {} MB",
                    entry.name().unwrap_or_default(),
                    size / (1024 * 1024)
                ),
            });
        }
    }
    Ok(())
}
