//! What the annotated workbook records so that the way back can trust it: the source file's
//! name, path, size and SHA-256 in custom document properties, the key of each record in its
//! notes cells, and the name of its hidden lists sheet. Written by
//! [`crate::output::annotate`], read by [`crate::output::way_back`].

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::error::{Error, Result};

/// Custom document property holding the source file's name.
pub const PROP_SOURCE_NAME: &str = "icare-fix source file";
/// Custom document property holding the source file's SHA-256, in hex.
pub const PROP_SOURCE_SHA256: &str = "icare-fix source SHA-256";
/// Custom document property holding the source file's absolute path, written by icare-fix
/// 0.1 before the relative place replaced it (it named the user's account and folders in a
/// workbook that gets e-mailed); still read from older workbooks.
pub const PROP_SOURCE_PATH: &str = "icare-fix source path";
/// Custom document property holding where the source file was, relative to the annotated
/// workbook's folder, `/`-separated (`../NAME.xlsx`): enough for the way back to find it,
/// without the account's path.
pub const PROP_SOURCE_PLACE: &str = "icare-fix source place";
/// Custom document property holding the source file's size in bytes.
pub const PROP_SOURCE_SIZE: &str = "icare-fix source size";
/// Custom document property holding the version of icare-fix that wrote the file.
pub const PROP_VERSION: &str = "icare-fix version";
/// Custom document property holding the fingerprint of every other part of the package as
/// icare-fix wrote it ([`Fingerprint`]): a workbook whose parts all still match it holds
/// nothing but what icare-fix wrote, which is then known without reading its cells.
pub const PROP_CONTENT: &str = "icare-fix content";
/// What [`PROP_CONTENT`] holds until the package is written and its fingerprint known: never a
/// fingerprint itself.
pub const CONTENT_PENDING: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";
/// The package part holding the custom document properties, left out of the fingerprint.
pub const CUSTOM_PART: &str = "docProps/custom.xml";

/// The fingerprint of a package: SHA-256 over each part's name, CRC-32 and size, in the
/// package's order, but [`CUSTOM_PART`] (which holds it). A spreadsheet program's save, or any
/// tool's edit, changes a part and so the fingerprint; the zip's own directory gives the
/// CRC-32s, so checking it reads no part.
#[derive(Default)]
pub struct Fingerprint(sha2::Sha256);

impl Fingerprint {
    /// Adds one part, `size` bytes unpacked.
    pub fn part(&mut self, name: &str, crc32: u32, size: u64) {
        use sha2::Digest;
        if name != CUSTOM_PART {
            self.0.update(format!("{name}\t{crc32:08x}\t{size}\n"));
        }
    }

    /// The fingerprint, lower-case hex.
    pub fn hex(self) -> String {
        use sha2::Digest;
        crate::package::input::lower_hex(&self.0.finalize())
    }

    /// The fingerprint of the package `zip` as it is, from its directory.
    pub fn of_zip<R: std::io::Read + std::io::Seek>(
        zip: &mut zip::ZipArchive<R>,
    ) -> Option<String> {
        let mut fingerprint = Fingerprint::default();
        for i in 0..zip.len() {
            let part = zip.by_index_raw(i).ok()?;
            fingerprint.part(&part.name().ok()?, part.crc32(), part.size());
        }
        Some(fingerprint.hex())
    }
}

/// Name of the hidden sheet holding the drop-down lists (after Errors, Summary and
/// Checklist).
pub const LISTS_SHEET: &str = "Lists";
/// The names of that sheet in each language of `--lang` (English, French, both): the way
/// back skips any of them when it looks for the data sheet.
pub const LISTS_SHEET_NAMES: [&str; 3] = [LISTS_SHEET, "Listes", "Lists - Listes"];

/// Every sheet icare-fix adds to the annotated workbook beside the template, in each language
/// of `--lang` (Errors, Summary, Checklist, Lists): the way back never looks for the template
/// there, and a workbook that lost its stamp is recognised by them. Kept equal to
/// [`crate::output::annotate::SheetNames`] by a test there.
pub const ADDED_SHEET_NAMES: [&str; 12] = [
    "Errors",
    "Erreurs",
    "Errors - Erreurs",
    "Summary",
    "Résumé",
    "Summary - Résumé",
    "Checklist",
    "Liste de vérification",
    "Checklist - Vérification",
    LISTS_SHEET_NAMES[0],
    LISTS_SHEET_NAMES[1],
    LISTS_SHEET_NAMES[2],
];

/// The key of a record in the annotated grid's notes cells: iCARE's position (ORP) and record
/// id (RID) of the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowKey {
    /// ORP index.
    pub orp_index: u64,
    /// ORP total.
    pub orp_total: u64,
    /// RID, when iCARE gave one.
    pub rid: Option<u64>,
}

impl RowKey {
    /// The key of a note, when it has a position.
    pub fn of(note: &crate::note::Note) -> Option<RowKey> {
        note.orp.map(|orp| RowKey {
            orp_index: orp.index,
            orp_total: orp.total,
            rid: note.rid,
        })
    }

    /// The key as written at the start of a notes cell.
    pub fn text(&self) -> String {
        match self.rid {
            Some(rid) => format!("ORP {}/{} · RID {rid}", self.orp_index, self.orp_total),
            None => format!("ORP {}/{}", self.orp_index, self.orp_total),
        }
    }

    /// Reads the key back from a notes cell of an annotated workbook.
    pub fn parse(text: &str) -> Option<RowKey> {
        static KEY: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^\s*ORP (\d+)/(\d+)(?: · RID (\d+))?").expect("valid key regex")
        });
        let caps = KEY.captures(text)?;
        Some(RowKey {
            orp_index: caps[1].parse().ok()?,
            orp_total: caps[2].parse().ok()?,
            rid: caps.get(3).and_then(|m| m.as_str().parse().ok()),
        })
    }
}

/// Where `source` is seen from the folder of `workbook`, `/`-separated (`../NAME.xlsx`), when
/// both are on the same disk.
pub fn relative_place(source: &Path, workbook: &Path) -> Option<String> {
    let source = std::path::absolute(source).ok()?;
    let folder = std::path::absolute(workbook).ok()?.parent()?.to_path_buf();
    let relative = pathdiff::diff_paths(source, folder)?;
    if relative.is_absolute() {
        return None;
    }
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

/// SHA-256 of a file, in lower-case hex.
///
/// # Errors
///
/// Fails when `path` cannot be opened or read.
pub fn sha256_file(path: &Path) -> Result<String> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    crate::package::input::sha256_hex(file).map_err(|e| Error::io(path, e))
}
