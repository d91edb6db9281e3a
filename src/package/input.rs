//! The door every input comes through: a file opened once, checked to be a regular file
//! within [`MAX_FILE_BYTES`], and read into memory, so that telling its format, the first
//! look, the cell reader, the package rewrite and its SHA-256 all read the same bytes
//! instead of opening the file again (a rejected workbook is a few megabytes; the limit is
//! 200 MB).
//!
//! Reading it whole at once also means a file that changes while a run reads it (saved again
//! in Excel, say) is read as it was, the same for every step.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use super::limits::{MAX_FILE_BYTES, open_file};
use crate::error::{Error, Result};

/// What the readers read an [`Input`] through: its bytes, shared, with a position.
pub type Source = Cursor<Bytes>;

/// The bytes of an [`Input`], shared by its readers (read once, never copied).
#[derive(Clone)]
pub struct Bytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// A file read once; clones share its bytes.
#[derive(Clone)]
pub struct Input {
    path: PathBuf,
    bytes: Bytes,
    sha256: Arc<OnceLock<String>>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("path", &self.path)
            .field("bytes", &self.bytes.0.len())
            .finish()
    }
}

impl Input {
    /// Opens and reads `path`.
    ///
    /// # Errors
    ///
    /// When the file cannot be found or read (it is open in another program that locks it,
    /// say), is a folder, a pipe or a device, or is larger than [`MAX_FILE_BYTES`].
    pub fn open(path: &Path) -> Result<Input> {
        let file = open_file(path)?;
        let size = file.metadata().map_or(0, |m| m.len()).min(MAX_FILE_BYTES);
        let mut bytes = Vec::with_capacity(size as usize + 1);
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            // It grew past the limit since it was measured.
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                detail: format!(
                    "the file is more than the {} MB limit",
                    MAX_FILE_BYTES >> 20
                ),
            });
        }
        Ok(Input::from_bytes(path, bytes))
    }

    /// An input of bytes already in memory, named `path` in messages.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Input {
        Input {
            path: path.to_path_buf(),
            bytes: Bytes(Arc::new(bytes)),
            sha256: Arc::new(OnceLock::new()),
        }
    }

    /// The file as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its content.
    pub fn bytes(&self) -> &[u8] {
        self.bytes.as_ref()
    }

    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        self.bytes().len() as u64
    }

    /// True for an empty file.
    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }

    /// A reader of its bytes from the start.
    pub fn source(&self) -> Source {
        Cursor::new(self.bytes.clone())
    }

    /// Its SHA-256 in lower-case hex, computed once.
    pub fn sha256(&self) -> &str {
        self.sha256.get_or_init(|| sha256_hex(self.bytes()))
    }
}

/// SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    lower_hex(&Sha256::digest(bytes))
}

/// `digest` in lower-case hex, as the annotated workbook's stamp records SHA-256 sums.
pub fn lower_hex(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_is_read_once_and_hashed_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a b é.xlsx");
        std::fs::write(&path, b"abc").unwrap();
        let input = Input::open(&path).unwrap();
        // The file may go: everything is read from memory.
        std::fs::remove_file(&path).unwrap();
        assert_eq!(input.bytes(), b"abc");
        assert_eq!(
            input.sha256(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut text = String::new();
        input.source().read_to_string(&mut text).unwrap();
        assert_eq!(text, "abc");
    }

    #[test]
    fn a_folder_is_no_input() {
        let dir = tempfile::tempdir().unwrap();
        let e = Input::open(dir.path()).unwrap_err();
        assert!(e.to_string().contains("folder"), "{e}");
    }
}
