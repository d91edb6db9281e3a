//! icare-fix: reads rejected iCARE workbooks, explains their error notes and writes the
//! files settlement-agency staff need to correct and re-upload them.
//!
//! The flow, module by module:
//! - [`workbook`] opens a rejected workbook ([`Rejected::open`]), finds the data sheet, the
//!   codes row, the template and the notes column from the content, and maps each note's
//!   field codes to cells;
//! - [`note`] is the grammar of iCARE's bilingual error notes ([`parse_cell`]);
//! - [`template`] is what the tool knows about iCARE templates, their allowed values and
//!   messages ([`Registry`]), from the data files in `templates/`;
//! - [`output`] writes what users get: reports of the notes ([`output::errors`]) and, safely,
//!   any file ([`output::OutputFile`]).
//! - [`check`] predicts what iCARE is likely to reject in an upload file, before the upload
//!   ([`check::check_files`]);
//!
//! The synthetic workbooks of `samples/`, the tests and the benchmarks are written by the
//! `icare-synth` crate of this workspace (`synth/`), which is not part of the shipped tool.
//!
//! ```
//! use icare_fix::{Registry, Rejected};
//! let registry = Registry::builtin();
//! let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/client_profile.xlsx");
//! let book = Rejected::open(&path, &registry).unwrap();
//! assert_eq!(book.template.as_deref(), Some("client_profile"));
//! assert!(!book.notes.is_empty());
//! ```

#![forbid(unsafe_code)]

pub mod batch;
pub mod check;
pub mod error;
pub mod lang;
pub mod note;
pub mod output;
mod package;
pub mod serve;
pub mod template;
pub mod workbook;

pub use error::{Error, Result};
pub use lang::Lang;
pub use note::{Category, Note, Orp, parse_cell, parse_note};
pub use template::Registry;
pub use workbook::{Layout, LocatedNote, NotesColumn, Rejected};
