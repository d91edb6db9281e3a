//! A small reader for the templates' tab-separated files.
//!
//! Lines starting with `#` are comments; `# key: value` comments before the header row are
//! metadata. The first other line names the columns. Blank lines are skipped; CRLF line ends
//! (files saved on Windows) are accepted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub(super) struct Table {
    path: PathBuf,
    meta: HashMap<String, String>,
    header: Vec<String>,
    header_line: usize,
    rows: Vec<(usize, Vec<String>)>,
}

pub(super) struct Row<'a> {
    table: &'a Table,
    line: usize,
    cells: &'a [String],
}

impl Table {
    pub(super) fn parse(path: &Path, text: &str) -> Result<Table> {
        let mut table = Table {
            path: path.to_path_buf(),
            meta: HashMap::new(),
            header: Vec::new(),
            header_line: 0,
            rows: Vec::new(),
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            if let Some(comment) = line.strip_prefix('#') {
                if table.header.is_empty()
                    && let Some((key, value)) = comment.split_once(':')
                {
                    let key = key.trim();
                    if !key.is_empty() && !key.contains(' ') {
                        table.meta.insert(key.to_string(), value.trim().to_string());
                    }
                }
                continue;
            }
            let cells: Vec<String> = line.split('\t').map(|c| c.trim().to_string()).collect();
            if table.header.is_empty() {
                table.header = cells;
                table.header_line = line_no;
            } else {
                table.rows.push((line_no, cells));
            }
        }
        Ok(table)
    }

    pub(super) fn meta(&self, key: &str) -> Result<&str> {
        self.meta
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| Error::TemplateFile {
                path: self.path.clone(),
                line: 1,
                message: format!("the '# {key}: …' line is missing at the top"),
            })
    }

    /// The data rows, after checking the header holds the `required` columns.
    pub(super) fn rows(&self, required: &[&str]) -> Result<Vec<Row<'_>>> {
        for name in required {
            if !self.header.iter().any(|h| h == name) {
                return Err(Error::TemplateFile {
                    path: self.path.clone(),
                    line: self.header_line.max(1),
                    message: format!(
                        "the header row must name the columns {}; '{name}' is missing",
                        required.join(", ")
                    ),
                });
            }
        }
        Ok(self
            .rows
            .iter()
            .map(|(line, cells)| Row {
                table: self,
                line: *line,
                cells,
            })
            .collect())
    }
}

impl Row<'_> {
    /// The cell under `column`; empty when the row is short.
    pub(super) fn get(&self, column: &str) -> &str {
        self.table
            .header
            .iter()
            .position(|h| h == column)
            .and_then(|i| self.cells.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }

    pub(super) fn error(&self, message: String) -> Error {
        Error::TemplateFile {
            path: self.table.path.clone(),
            line: self.line,
            message,
        }
    }
}
