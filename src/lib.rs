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
//! - [`repair`] is the damage Excel does to iCARE data and how `clean` repairs it, and
//!   [`text`] the one way values are written out (quoted, safe on a terminal, safe in CSV);
//! - [`check`] predicts what iCARE is likely to reject in an upload file, before the upload
//!   ([`check::check_files`]);
//! - [`output`] writes what users get: reports of the notes ([`output::errors`]), the upload
//!   file, the annotated workbook and the checklist, and, safely, any file
//!   ([`output::OutputFile`]);
//! - [`batch`] runs the outputs over whole folders, and [`serve`] puts a page in front of it.
//!
//! The modules stand in layers, each importing only those below it: `error`, `lang` and
//! `text` at the bottom, then `note` and `package`, `template`, `workbook`, `repair`, `check`,
//! `output`, `batch`, `serve`, and the binary's command line on top. What `check` and the
//! outputs share lies below both. The architecture test of the suite holds the layers.
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
#![warn(clippy::missing_errors_doc)]

pub mod batch;
pub mod check;
pub mod error;
pub mod lang;
pub mod note;
pub mod output;
mod package;
pub mod repair;
pub mod serve;
pub mod template;
pub mod text;
pub mod workbook;

pub use error::{Error, Result};
pub use lang::Lang;
pub use note::{Category, Note, Orp, parse_cell, parse_note};
pub use template::Registry;
pub use workbook::{Layout, LocatedNote, NotesColumn, Rejected};
