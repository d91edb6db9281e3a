//! The Office Open XML package layer: what a workbook is made of, below any iCARE meaning.
//!
//! - [`input`]: the door: a file opened once and read from that handle by every reader,
//!   with its SHA-256;
//! - [`parts`]: the zip container, its parts and relationships, read within the [`limits`]
//!   (part sizes, zip bombs, a DOCTYPE refused); [`address`]: A1 names of cells, rows and
//!   columns, and Excel's last row and column;
//! - [`tokens`]: a fast XML tokenizer for the parts Excel writes (it refuses a DOCTYPE or
//!   entity declaration itself), and [`xml`]: small element trees, escaping and
//!   reference helpers on top of it; [`problem`]: why a part could not be read;
//! - [`sst`]: the shared strings table, streamed; [`cells`]: one `<c>` cell at a time, read
//!   and written back byte for byte; [`refs`]: cell and range references, and how they move
//!   when a column is removed;
//! - [`text`]: cell text as calamine shows it; [`hash`]: the fast hash of the indexes.
//!
//! Nothing here imports anything of icare-fix but [`crate::error`] (checked by the
//! architecture test): the reading of workbooks, the rewrite of `clean` and the way back
//! build on it, never the other way round.

pub mod address;
pub mod cells;
pub mod hash;
pub mod input;
pub mod limits;
pub mod parts;
pub mod problem;
pub mod refs;
pub mod sst;
pub mod text;
pub mod tokens;
pub mod xml;
