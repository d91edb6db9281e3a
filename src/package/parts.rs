//! The workbook as a zip package: its parts in their stored order, the workbook part and its
//! sheets, found through the relationships (never assumed to be `xl/workbook.xml` or
//! `sheet1.xml`), and size-limited access to each part.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use zip::ZipArchive;

use super::input::{Input, Source};
use super::limits::{MAX_PART_BYTES, check_zip_sizes};
use super::xml::{Document, Element, XmlProblem, local};
use crate::error::{Error, Result};

/// Largest part edited as a whole tree (comments, drawings, names...).
pub const MAX_SMALL_PART: usize = 64 * 1024 * 1024;

/// Relationship type suffixes (the part after the last `/`).
pub mod rel {
    /// The workbook part, from the package relationships.
    pub const OFFICE_DOCUMENT: &str = "officeDocument";
    /// A worksheet.
    pub const WORKSHEET: &str = "worksheet";
    /// The shared-strings part.
    pub const SHARED_STRINGS: &str = "sharedStrings";
    /// The calculation chain.
    pub const CALC_CHAIN: &str = "calcChain";
    /// Legacy comments (notes).
    pub const COMMENTS: &str = "comments";
    /// The VML drawing that places legacy comments.
    pub const VML_DRAWING: &str = "vmlDrawing";
    /// A DrawingML drawing (pictures, charts).
    pub const DRAWING: &str = "drawing";
    /// A table.
    pub const TABLE: &str = "table";
    /// Threaded comments.
    pub const THREADED_COMMENT: &str = "threadedComment";
}

/// One relationship of a part.
#[derive(Debug, Clone)]
pub struct Relationship {
    /// `Id`.
    pub id: String,
    /// Last segment of `Type`.
    pub kind: String,
    /// The target part's entry name in the zip (internal targets only).
    pub part: Option<String>,
}

/// One sheet of the workbook, in tab order.
#[derive(Debug, Clone)]
pub struct SheetEntry {
    /// Tab name.
    pub name: String,
    /// `sheetId`.
    pub sheet_id: Option<u32>,
    /// Not hidden or very hidden.
    pub visible: bool,
    /// A worksheet (not a chart sheet or macro sheet).
    pub worksheet: bool,
    /// Its part's entry name.
    pub part: Option<String>,
    /// Why it has no part, in a user's words.
    pub missing: Option<String>,
}

/// An opened package.
pub struct Package {
    /// The file.
    pub path: PathBuf,
    /// The zip archive.
    pub zip: ZipArchive<Source>,
    /// Entry names in stored order.
    pub names: Vec<String>,
    index: HashMap<String, usize>,
    /// The workbook part.
    pub workbook_part: String,
    /// Relationships of the workbook part.
    pub workbook_rels: Vec<Relationship>,
    /// Sheets in tab order.
    pub sheets: Vec<SheetEntry>,
    /// The shared-strings part, when there is one.
    pub shared_strings: Option<String>,
    /// Dates count from 1904 rather than 1900.
    pub date1904: bool,
}

impl Package {
    /// Opens `path`, refusing what is not a safe zip package with the reason in plain words.
    /// What kind of spreadsheet it is (an `.xlsx`, not an `.xls` or `.ods`) is the caller's to
    /// tell first ([`crate::workbook::read::sniff`]); here only a regular file within the
    /// size limits is opened, so that a named pipe never blocks.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or is not a sound zip package of a workbook.
    pub fn open(path: &Path) -> Result<Package> {
        Package::open_input(&Input::open(path)?)
    }

    /// Opens the package of `input`, as [`Package::open`] does.
    ///
    /// # Errors
    ///
    /// As [`Package::open`].
    pub fn open_input(input: &Input) -> Result<Package> {
        let path = input.path();
        let mut zip = ZipArchive::new(input.source()).map_err(|e| Error::DamagedBy {
            path: path.to_path_buf(),
            detail: "the zip archive cannot be read".into(),
            technical: e.to_string(),
        })?;
        check_zip_sizes(path, &mut zip)?;
        if zip.has_duplicate_names() {
            return Err(Error::Damaged {
                path: path.to_path_buf(),
                detail: "two parts of the package have the same name".into(),
            });
        }
        let mut names = Vec::with_capacity(zip.len());
        for i in 0..zip.len() {
            let name = zip
                .name_for_index(i)
                .and_then(|n| n.ok())
                .map(|n| n.into_owned())
                .ok_or_else(|| Error::Damaged {
                    path: path.to_path_buf(),
                    detail: format!("part {i} has an unreadable name"),
                })?;
            names.push(name);
        }
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_ascii_lowercase(), i))
            .collect();
        let mut package = Package {
            path: path.to_path_buf(),
            zip,
            names,
            index,
            workbook_part: String::new(),
            workbook_rels: Vec::new(),
            sheets: Vec::new(),
            shared_strings: None,
            date1904: false,
        };
        package.read_structure()?;
        Ok(package)
    }

    fn read_structure(&mut self) -> Result<()> {
        let root_rels = self.relationships_of("")?;
        self.workbook_part = root_rels
            .iter()
            .find(|r| r.kind == rel::OFFICE_DOCUMENT)
            .and_then(|r| r.part.clone())
            .or_else(|| self.entry_name("xl/workbook.xml"))
            .ok_or_else(|| Error::NotAWorkbook {
                path: self.path.clone(),
                detail: "it is a zip archive without the parts of a workbook".into(),
            })?;
        self.workbook_rels = self.relationships_of(&self.workbook_part.clone())?;
        self.shared_strings = self
            .workbook_rels
            .iter()
            .find(|r| r.kind == rel::SHARED_STRINGS)
            .and_then(|r| r.part.clone());
        let workbook = self.document(&self.workbook_part.clone())?;
        self.date1904 = workbook
            .root
            .child("workbookPr")
            .and_then(|p| p.get("date1904"))
            .is_some_and(|v| v == "1" || v == "true");
        let mut sheets = Vec::new();
        if let Some(list) = workbook.root.child("sheets") {
            for sheet in list.elements().filter(|e| e.local() == "sheet") {
                let rel = relationship_id(sheet)
                    .and_then(|id| self.workbook_rels.iter().find(|r| r.id == id));
                let state = sheet.get("state").unwrap_or_default();
                let name = sheet.get("name").unwrap_or_default();
                let part = rel.and_then(|r| r.part.clone());
                let missing = match (rel, &part) {
                    (_, Some(_)) => None,
                    (None, None) => Some(format!(
                        "the workbook lists a sheet '{name}' without saying where its content is"
                    )),
                    (Some(_), None) => Some(format!(
                        "the workbook lists a sheet '{name}' whose content is missing from the file"
                    )),
                };
                sheets.push(SheetEntry {
                    name,
                    sheet_id: sheet.get("sheetId").and_then(|v| v.parse().ok()),
                    visible: state.is_empty() || state == "visible",
                    worksheet: rel.is_some_and(|r| r.kind == rel::WORKSHEET),
                    part,
                    missing,
                });
            }
        }
        self.sheets = sheets;
        Ok(())
    }

    /// The entry name of a part, matched without regard to case (part names are
    /// case-insensitive in a package).
    pub fn entry_name(&self, part: &str) -> Option<String> {
        self.index
            .get(&part.trim_start_matches('/').to_ascii_lowercase())
            .map(|i| self.names[*i].clone())
    }

    /// The stored index of an entry.
    pub fn entry_index(&self, name: &str) -> Option<usize> {
        self.index.get(&name.to_ascii_lowercase()).copied()
    }

    /// Streams a part, refusing to inflate it past the size limit.
    pub fn stream(&mut self, name: &str) -> Result<impl BufRead + '_> {
        let i = self
            .entry_index(name)
            .ok_or_else(|| self.damaged(name, "the part is missing"))?;
        let path = self.path.clone();
        let file = self.zip.by_index(i).map_err(|e| Error::DamagedBy {
            path: path.clone(),
            detail: format!("part '{name}' cannot be read"),
            technical: e.to_string(),
        })?;
        Ok(BufReader::with_capacity(
            64 * 1024,
            Limited {
                inner: file,
                left: MAX_PART_BYTES,
            },
        ))
    }

    /// Reads a whole (small) part as text.
    pub fn read_text(&mut self, name: &str) -> Result<String> {
        let mut text = String::new();
        let path = self.path.clone();
        self.stream(name)?
            .read_to_string(&mut text)
            .map_err(|e| read_error(&path, name, e))?;
        Ok(text)
    }

    /// Parses a whole (small) part.
    pub fn document(&mut self, name: &str) -> Result<Document> {
        let text = self.read_text(name)?;
        Document::parse(&text, MAX_PART_BYTES as usize).map_err(|e| self.xml_error(name, e))
    }

    /// The relationships of `part` (`""` for the package itself); none when the part has no
    /// relationships part.
    pub fn relationships_of(&mut self, part: &str) -> Result<Vec<Relationship>> {
        let (dir, file) = split_part(part);
        let rels_name = format!("{dir}_rels/{file}.rels");
        let Some(entry) = self.entry_name(&rels_name) else {
            return Ok(Vec::new());
        };
        let doc = self.document(&entry)?;
        let mut out = Vec::new();
        for r in doc.root.elements().filter(|e| e.local() == "Relationship") {
            let external = r.get("TargetMode").is_some_and(|m| m == "External");
            let target = r.get("Target").unwrap_or_default();
            let part = if external {
                None
            } else {
                self.entry_name(&resolve_target(dir, &target))
            };
            out.push(Relationship {
                id: r.get("Id").unwrap_or_default(),
                kind: r
                    .get("Type")
                    .unwrap_or_default()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                part,
            });
        }
        Ok(out)
    }

    /// A "damaged" error about one part.
    pub fn damaged(&self, part: &str, detail: impl std::fmt::Display) -> Error {
        Error::Damaged {
            path: self.path.clone(),
            detail: format!("part '{part}': {detail}"),
        }
    }

    /// The error for an XML problem in `part`.
    pub fn xml_error(&self, part: &str, problem: XmlProblem) -> Error {
        match problem {
            XmlProblem::Unsafe => Error::UnsafeXml {
                path: self.path.clone(),
                part: part.to_string(),
            },
            XmlProblem::Malformed(detail) => self.damaged(part, detail),
            XmlProblem::OutOfRange(reference) => Error::OutOfRange {
                path: self.path.clone(),
                part: part.to_string(),
                reference,
            },
            XmlProblem::Unsupported(detail) => Error::Unsupported {
                path: self.path.clone(),
                detail,
            },
            XmlProblem::Write(e) => Error::Io {
                path: self.path.clone(),
                source: e,
            },
        }
    }
}

/// The `r:id` of an element, whatever the relationships namespace's prefix.
pub fn relationship_id(e: &Element) -> Option<String> {
    e.attrs
        .iter()
        .find(|a| a.key.contains(':') && local(&a.key) == "id")
        .map(|a| a.raw.clone())
}

/// Maps an I/O error met while reading a part: the size limit, or damage.
pub fn read_error(path: &Path, part: &str, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::FileTooLarge {
        Error::TooLarge {
            path: path.to_path_buf(),
            detail: format!(
                "its part '{part}' unpacks to more than {} MB",
                MAX_PART_BYTES / (1024 * 1024)
            ),
        }
    } else {
        Error::DamagedBy {
            path: path.to_path_buf(),
            detail: format!("part '{part}' cannot be read"),
            technical: e.to_string(),
        }
    }
}

/// Folder (with its final `/`, or empty) and file name of a part.
fn split_part(part: &str) -> (&str, &str) {
    match part.rfind('/') {
        Some(i) => (&part[..=i], &part[i + 1..]),
        None => ("", part),
    }
}

/// Resolves a relationship target against the folder of its source part.
fn resolve_target(dir: &str, target: &str) -> String {
    let joined = if let Some(absolute) = target.strip_prefix('/') {
        absolute.to_string()
    } else {
        format!("{dir}{target}")
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    segments.join("/")
}

/// A reader that fails (rather than stops) once more than `left` bytes came out: a part that
/// inflates past the limit is a zip bomb, not a short part.
struct Limited<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "the part inflates past the size limit",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_against_their_folder() {
        assert_eq!(
            resolve_target("xl/", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve_target("xl/", "/xl/sharedStrings.xml"),
            "xl/sharedStrings.xml"
        );
        assert_eq!(
            resolve_target("xl/worksheets/", "../comments1.xml"),
            "xl/comments1.xml"
        );
        assert_eq!(resolve_target("", "xl/workbook.xml"), "xl/workbook.xml");
        assert_eq!(split_part("xl/workbook.xml"), ("xl/", "workbook.xml"));
        assert_eq!(split_part(""), ("", ""));
    }

    #[test]
    fn the_limit_fails_loudly() {
        let mut r = Limited {
            inner: &b"0123456789"[..],
            left: 4,
        };
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
    }
}
