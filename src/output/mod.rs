//! Outputs: one module per thing icare-fix writes, and the one safe way to write a file.
//!
//! Every output goes through [`OutputFile`]: it is written to a temporary file in the target
//! folder and renamed into place only when complete, so a crash or a full disk never leaves a
//! half-written file under the real name; an existing file is replaced only with `--force`;
//! and an output can never be the input.

pub mod annotate;
pub mod checklist;
pub mod clean;
pub mod errors;
pub mod names;
pub mod print;
pub mod stamp;
pub mod way_back;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::package::input::Input;

pub use names::{OutputNames, sibling_path, upload_suffix};

/// A file being written; it appears under its real name only on [`OutputFile::commit`].
pub struct OutputFile {
    target: PathBuf,
    force: bool,
    temp: tempfile::NamedTempFile,
}

impl OutputFile {
    /// Starts writing `target`. Fails at once when `target` exists and `force` is off, or
    /// when it is one of `inputs`.
    ///
    /// # Errors
    ///
    /// Fails when `target` exists and `force` is off ([`Error::OutputExists`]), when it is one
    /// of `inputs` ([`Error::OutputIsInput`]), or when no temporary file can be made in its
    /// folder ([`Error::OutputFolder`]: no right to write there, a read-only or full disk, no
    /// such folder).
    pub fn create(target: &Path, inputs: &[&Path], force: bool) -> Result<OutputFile> {
        check_target(target, inputs, force)?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".icare-fix-").suffix(".tmp");
        // A temporary file is private (0600) by default; the output is an ordinary file.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let temp = builder
            .tempfile_in(&dir)
            .map_err(|e| output_folder_error(&dir, e))?;
        Ok(OutputFile {
            target: target.to_path_buf(),
            force,
            temp,
        })
    }

    /// The file to write to.
    pub fn file(&mut self) -> &mut File {
        self.temp.as_file_mut()
    }

    /// Path of the temporary file (for writers that want a path, and for self-checks).
    pub fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// The final name.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes to disk and moves the file to its real name. Dropping an `OutputFile` without
    /// committing deletes the temporary file.
    ///
    /// # Errors
    ///
    /// Fails when the file cannot be flushed or renamed, or when, without `force`, a file of
    /// that name appeared meanwhile ([`Error::OutputExists`]).
    pub fn commit(self) -> Result<PathBuf> {
        let OutputFile {
            target,
            force,
            temp,
        } = self;
        temp.as_file()
            .sync_all()
            .map_err(|e| Error::io(&target, e))?;
        let persisted = if force {
            temp.persist(&target)
        } else {
            temp.persist_noclobber(&target)
        };
        match persisted {
            Ok(_) => Ok(target),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(Error::OutputExists { path: target })
            }
            Err(e) => Err(Error::io(&target, e.error)),
        }
    }
}

/// Refuses an output that exists (without `force`) or that is one of the inputs.
///
/// # Errors
///
/// Fails with [`Error::OutputIsInput`] or [`Error::OutputExists`], as said above.
pub fn check_target(target: &Path, inputs: &[&Path], force: bool) -> Result<()> {
    if inputs.iter().any(|input| same_file(input, target)) {
        return Err(Error::OutputIsInput {
            path: target.to_path_buf(),
        });
    }
    if !force && target.exists() {
        return Err(Error::OutputExists {
            path: target.to_path_buf(),
        });
    }
    Ok(())
}

/// True when `a` and `b` name the same file (the same path when either does not exist).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Why a temporary file (or a folder) cannot be created in `dir`, in plain words: a folder
/// the user may not write to is said so, never blamed on a program holding a file open.
pub(crate) fn output_folder_error(dir: &Path, e: std::io::Error) -> Error {
    use std::io::ErrorKind;
    let reason = match e.kind() {
        ErrorKind::PermissionDenied => "you may not save files there".to_string(),
        ErrorKind::ReadOnlyFilesystem => "the folder or disk is read-only".to_string(),
        ErrorKind::NotFound => "the folder does not exist".to_string(),
        ErrorKind::NotADirectory => "it is not a folder".to_string(),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => "the disk is full".to_string(),
        _ => return Error::io(dir, e),
    };
    Error::OutputFolder {
        path: dir.to_path_buf(),
        reason,
    }
}

/// True when `upload` is an upload file icare-fix wrote from `original` and nobody saved
/// since: `clean` copies every part but the data sheet and its strings byte for byte, and
/// any spreadsheet program that saves a workbook rewrites its document properties and
/// styles. Compared through the zip directories only (names, CRC-32s, sizes).
pub fn is_untouched_upload(upload: &Path, original: &Input) -> bool {
    const WITNESSES: [&str; 3] = ["docProps/core.xml", "docProps/app.xml", "xl/styles.xml"];
    fn directory<R: std::io::Read + std::io::Seek>(
        reader: R,
    ) -> Option<std::collections::BTreeMap<String, (u32, u64)>> {
        let mut zip = zip::ZipArchive::new(reader).ok()?;
        let mut entries = std::collections::BTreeMap::new();
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i).ok()?;
            entries.insert(
                entry.name().ok()?.into_owned(),
                (entry.crc32(), entry.size()),
            );
        }
        Some(entries)
    }
    let upload = std::fs::metadata(upload)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .and_then(|_| File::open(upload).ok());
    let (Some(up), Some(orig)) = (
        upload.and_then(|f| directory(std::io::BufReader::new(f))),
        directory(original.source()),
    ) else {
        return false;
    };
    up.keys().eq(orig.keys())
        && WITNESSES.iter().any(|w| orig.contains_key(*w))
        && WITNESSES.iter().all(|w| up.get(*w) == orig.get(*w))
}

/// Makes room for the upload file `target` of `original`. Nothing to do when it does not
/// exist. icare-fix's own untouched output of the same original is replaced when
/// `replace_own` (the way back brings it up to date) or `force`. Anything else is replaced
/// only with `force`, and then first copied to a dated `.bak` file beside it, so nothing is
/// ever lost. Returns whether to replace, and the backup made.
///
/// # Errors
///
/// Fails when `target` is one of `inputs`, when it is icare-fix's own output and neither
/// `force` nor `replace_own` is on ([`Error::OutputExists`]), when it was changed since and
/// `force` is off ([`Error::OutputChanged`]), or when its backup cannot be made.
pub fn make_room(
    target: &Path,
    original: &Input,
    inputs: &[&Path],
    force: bool,
    replace_own: bool,
) -> Result<(bool, Option<PathBuf>)> {
    if inputs.iter().any(|input| same_file(input, target)) {
        return Err(Error::OutputIsInput {
            path: target.to_path_buf(),
        });
    }
    if !target.exists() {
        return Ok((force, None));
    }
    let own = is_untouched_upload(target, original);
    match (own, force) {
        (true, _) if force || replace_own => Ok((true, None)),
        (true, _) => Err(Error::OutputExists {
            path: target.to_path_buf(),
        }),
        (false, false) => Err(Error::OutputChanged {
            path: target.to_path_buf(),
        }),
        (false, true) => {
            let backup = backup_path(target);
            // A copy that fails is told about the file the user knows (most often it is open
            // in Excel), not about the backup that was to be made.
            std::fs::copy(target, &backup).map_err(|e| Error::io(target, e))?;
            Ok((true, Some(backup)))
        }
    }
}

/// `NAME.upload.xlsx` → `NAME.upload.xlsx.2026-11-29-184502.bak`: a name no upload dialog
/// offers, so it is never uploaded by mistake.
fn backup_path(target: &Path) -> PathBuf {
    let stamp = chrono::Local::now().format("%Y-%m-%d-%H%M%S");
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut path = target.with_file_name(format!("{name}.{stamp}.bak"));
    let mut n = 2;
    while path.exists() {
        path = target.with_file_name(format!("{name}.{stamp}-{n}.bak"));
        n += 1;
    }
    path
}

/// Writes `bytes` to `target` through an [`OutputFile`].
///
/// # Errors
///
/// Fails as [`write_with`] does.
pub fn write_file(target: &Path, inputs: &[&Path], force: bool, bytes: &[u8]) -> Result<PathBuf> {
    write_with(target, inputs, force, |w| w.write_all(bytes))
}

/// Writes what `write` makes to `target` through an [`OutputFile`], buffered, as it is made:
/// a long report is never whole in memory.
///
/// # Errors
///
/// Fails as [`OutputFile::create`] and [`OutputFile::commit`] do, or when `write` or the
/// disk fails.
pub fn write_with(
    target: &Path,
    inputs: &[&Path],
    force: bool,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<PathBuf> {
    let mut out = OutputFile::create(target, inputs, force)?;
    let mut buffered = BufWriter::new(out.file());
    write(&mut buffered)
        .and_then(|()| buffered.flush())
        .map_err(|e| Error::io(target, e))?;
    drop(buffered);
    out.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sibling_names_keep_spaces_and_accents() {
        let p = sibling_path(Path::new("dossiers/Rejet été 2024.xlsx"), "upload.xlsx");
        assert_eq!(p, Path::new("dossiers/Rejet été 2024.upload.xlsx"));
    }

    #[test]
    fn a_folder_the_user_may_not_write_to_is_not_blamed_on_excel() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let message = output_folder_error(Path::new("Rejets"), denied).to_string();
        assert!(
            message.contains("you may not save files there"),
            "{message}"
        );
        assert!(!message.contains("Excel"), "{message}");
    }

    #[test]
    fn never_overwrites_without_force_and_never_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.xlsx");
        std::fs::write(&input, b"input").unwrap();
        let out = dir.path().join("out.txt");
        write_file(&out, &[&input], false, b"one").unwrap();
        let err = write_file(&out, &[&input], false, b"two").unwrap_err();
        assert!(matches!(err, Error::OutputExists { .. }));
        assert_eq!(std::fs::read(&out).unwrap(), b"one");
        write_file(&out, &[&input], true, b"three").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"three");
        let err = write_file(&input, &[&input], true, b"x").unwrap_err();
        assert!(matches!(err, Error::OutputIsInput { .. }));
        assert_eq!(std::fs::read(&input).unwrap(), b"input");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
