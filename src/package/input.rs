//! The door every input comes through: a file opened once, checked to be a regular file
//! within [`MAX_FILE_BYTES`], and read from that one open handle by every step that needs
//! it: telling its format, the first look, the cell reader, the package rewrite and its
//! SHA-256 all read the same file instead of opening it again.
//!
//! A workbook (a zip) is not read into memory: its readers read the handle at their own
//! positions (a [`Source`] each, with its own buffer), so memory does not grow with the
//! file. An OLE2 container (an old `.xls`, or a password-protected `.xlsx`) is read whole
//! once: its structure is checked from the bytes before calamine reads it.
//!
//! The size is taken when the file is opened and nothing past it is read. Excel and
//! LibreOffice save by writing a new file and putting it in the old one's place, which an
//! open handle does not see: a file saved again while a run reads it is read as it was.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use super::limits::{MAX_FILE_BYTES, open_file};
use crate::error::{Error, Result};

/// The first bytes of an OLE2 container (an old `.xls`, an encrypted workbook).
pub const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Bytes a [`Source`] reads from the file at a time.
const BUFFER: usize = 64 * 1024;

/// Where an input's bytes are: in memory, or in the file opened once.
#[derive(Clone)]
enum Store {
    Memory(Arc<Vec<u8>>),
    File(Arc<std::fs::File>),
}

impl Store {
    /// Reads at most `out.len()` bytes at `offset` (of an input `len` bytes long).
    fn read_at(&self, offset: u64, len: u64, out: &mut [u8]) -> std::io::Result<usize> {
        if offset >= len || out.is_empty() {
            return Ok(0);
        }
        let want = out.len().min((len - offset) as usize);
        match self {
            Store::Memory(bytes) => {
                let start = offset as usize;
                out[..want].copy_from_slice(&bytes[start..start + want]);
                Ok(want)
            }
            Store::File(file) => read_file_at(file, offset, &mut out[..want]),
        }
    }
}

#[cfg(unix)]
fn read_file_at(file: &std::fs::File, offset: u64, out: &mut [u8]) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, out, offset)
}

#[cfg(windows)]
fn read_file_at(file: &std::fs::File, offset: u64, out: &mut [u8]) -> std::io::Result<usize> {
    // Every read names its offset; nothing reads the handle at its own cursor.
    std::os::windows::fs::FileExt::seek_read(file, out, offset)
}

/// What the readers read an [`Input`] through: a reader of its bytes with its own position
/// and buffer (readers of one input never disturb each other).
#[derive(Clone)]
pub struct Source {
    store: Store,
    len: u64,
    pos: u64,
    /// Bytes of the file from `buf_at`, read ahead.
    buf: Vec<u8>,
    buf_at: u64,
}

impl Source {
    fn new(store: Store, len: u64) -> Source {
        Source {
            store,
            len,
            pos: 0,
            buf: Vec::new(),
            buf_at: 0,
        }
    }
}

impl Read for Source {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.len || out.is_empty() {
            return Ok(0);
        }
        let n = if let Store::Memory(_) = self.store {
            self.store.read_at(self.pos, self.len, out)?
        } else {
            let in_buf = self.pos >= self.buf_at && self.pos < self.buf_at + self.buf.len() as u64;
            if !in_buf && out.len() >= BUFFER {
                // A large read goes straight to the caller's buffer.
                self.store.read_at(self.pos, self.len, out)?
            } else {
                if !in_buf {
                    self.buf.resize(BUFFER, 0);
                    let got = self.store.read_at(self.pos, self.len, &mut self.buf)?;
                    self.buf.truncate(got);
                    self.buf_at = self.pos;
                }
                let from = (self.pos - self.buf_at) as usize;
                let n = out.len().min(self.buf.len() - from);
                out[..n].copy_from_slice(&self.buf[from..from + n]);
                n
            }
        };
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Source {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let at = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let at = at.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a seek before the start of the file",
            )
        })?;
        self.pos = at;
        Ok(at)
    }
}

/// A file opened once; clones share the open handle (or the bytes).
#[derive(Clone)]
pub struct Input {
    path: PathBuf,
    store: Store,
    len: u64,
    sha256: Arc<OnceLock<String>>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("path", &self.path)
            .field("len", &self.len)
            .field("in_memory", &matches!(self.store, Store::Memory(_)))
            .finish()
    }
}

impl Input {
    /// Opens `path`: a workbook is read from the open file as its readers need it, an OLE2
    /// container is read whole.
    ///
    /// # Errors
    ///
    /// When the file cannot be found or read (it is open in another program that locks it,
    /// say), is a folder, a pipe or a device, or is larger than [`MAX_FILE_BYTES`].
    pub fn open(path: &Path) -> Result<Input> {
        let file = open_file(path)?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len > MAX_FILE_BYTES {
            // It grew past the limit since it was measured.
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                detail: format!(
                    "the file is more than the {} MB limit",
                    MAX_FILE_BYTES >> 20
                ),
            });
        }
        let input = Input {
            path: path.to_path_buf(),
            store: Store::File(Arc::new(file)),
            len,
            sha256: Arc::new(OnceLock::new()),
        };
        if input.head(OLE_MAGIC.len()) != OLE_MAGIC {
            return Ok(input);
        }
        let mut bytes = Vec::with_capacity(len as usize);
        input
            .source()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        Ok(Input::from_bytes(path, bytes))
    }

    /// An input of bytes already in memory, named `path` in messages.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Input {
        Input {
            path: path.to_path_buf(),
            len: bytes.len() as u64,
            store: Store::Memory(Arc::new(bytes)),
            sha256: Arc::new(OnceLock::new()),
        }
    }

    /// The file as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its first bytes, at most `n` (fewer when the file is shorter or cannot be read).
    pub fn head(&self, n: usize) -> Vec<u8> {
        let mut head = Vec::with_capacity(n);
        let _ = self.source().take(n as u64).read_to_end(&mut head);
        head
    }

    /// Its content when it is held in memory: an OLE2 container (an old `.xls`, or a
    /// password-protected workbook), or an input made [`Input::from_bytes`].
    pub fn in_memory(&self) -> Option<&[u8]> {
        match &self.store {
            Store::Memory(bytes) => Some(bytes),
            Store::File(_) => None,
        }
    }

    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True for an empty file.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A reader of its bytes from the start.
    pub fn source(&self) -> Source {
        Source::new(self.store.clone(), self.len)
    }

    /// Its SHA-256 in lower-case hex, computed once.
    ///
    /// # Errors
    ///
    /// When the file cannot be read again (the disk or the network share failed).
    pub fn sha256(&self) -> Result<&str> {
        if let Some(hex) = self.sha256.get() {
            return Ok(hex);
        }
        let hex = sha256_hex(self.source()).map_err(|e| Error::io(&self.path, e))?;
        Ok(self.sha256.get_or_init(|| hex))
    }
}

/// The SHA-256 of everything `reader` reads, in lower-case hex, read 64 KB at a time.
///
/// # Errors
///
/// When `reader` fails.
pub fn sha256_hex(mut reader: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut chunk = vec![0u8; BUFFER];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => return Ok(lower_hex(&hasher.finalize())),
            Ok(n) => hasher.update(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
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
    fn an_input_is_read_from_its_one_handle_and_hashed_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a b é.xlsx");
        std::fs::write(&path, b"abc").unwrap();
        let input = Input::open(&path).unwrap();
        assert!(
            input.in_memory().is_none(),
            "a workbook is read from the file"
        );
        assert_eq!(input.len(), 3);
        assert_eq!(
            input.sha256().unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // Computed once: a change to the file afterwards does not change it.
        std::fs::write(&path, b"xyz").unwrap();
        assert!(input.sha256().unwrap().starts_with("ba7816bf"));
        assert_eq!(input.head(2).len(), 2);
    }

    #[test]
    fn sources_keep_their_own_positions_across_the_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        // Longer than two buffers, every byte told apart by its position.
        let data: Vec<u8> = (0..BUFFER * 2 + 1234).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let input = Input::open(&path).unwrap();
        let mut a = input.source();
        let mut b = input.source();
        let mut all = Vec::new();
        a.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
        // Seeks from the end, back and forth, small reads inside and across the buffer.
        for (at, n) in [
            (BUFFER as u64 - 3, 7usize),
            (5, 3),
            (2 * BUFFER as u64 + 1000, 234),
        ] {
            b.seek(SeekFrom::Start(at)).unwrap();
            let mut got = vec![0u8; n];
            b.read_exact(&mut got).unwrap();
            assert_eq!(got, data[at as usize..at as usize + n]);
        }
        let end = b.seek(SeekFrom::End(-4)).unwrap();
        assert_eq!(end, data.len() as u64 - 4);
        let mut last = Vec::new();
        b.read_to_end(&mut last).unwrap();
        assert_eq!(last, data[data.len() - 4..]);
        assert!(b.seek(SeekFrom::Current(-(data.len() as i64) - 1)).is_err());
        // A clone of the input reads the same bytes from the same handle.
        let mut c = input.clone().source();
        let mut again = Vec::new();
        c.read_to_end(&mut again).unwrap();
        assert_eq!(again, data);
        assert_eq!(input.sha256().unwrap(), lower_hex(&Sha256::digest(&data)));
    }

    #[test]
    fn an_ole2_container_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.xls");
        let mut data = OLE_MAGIC.to_vec();
        data.extend_from_slice(b"rest of it");
        std::fs::write(&path, &data).unwrap();
        let input = Input::open(&path).unwrap();
        assert_eq!(input.in_memory(), Some(&data[..]));
        let mut read = Vec::new();
        input.source().read_to_end(&mut read).unwrap();
        assert_eq!(read, data);
    }

    #[test]
    fn a_folder_is_no_input() {
        let dir = tempfile::tempdir().unwrap();
        let e = Input::open(dir.path()).unwrap_err();
        assert!(e.to_string().contains("folder"), "{e}");
    }
}
