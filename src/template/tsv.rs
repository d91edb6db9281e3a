//! A small reader for the templates' tab-separated files.
//!
//! Lines starting with `#` are comments; `# key: value` comments before the header row are
//! metadata. The first other line names the columns. Blank lines are skipped; CRLF line ends
//! (files saved on Windows) are accepted.
//!
//! Fields are kept exactly as written: only the line end (`\n` or `\r\n`) is removed. Allowed
//! values are data (one iCARE language value ends in a space, others hold the typographic
//! apostrophe `’`), so the reader never trims; a consumer that wants a trimmed identifier asks
//! [`Row::get_trimmed`]. Column names in the header row and `# key: value` metadata are
//! trimmed, as they are names, not data.

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
        for (i, line) in text.split('\n').enumerate() {
            let line_no = i + 1;
            // Only the line end goes: a space or tab before it belongs to the last field.
            let line = line.strip_suffix('\r').unwrap_or(line);
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
            let cells: Vec<String> = line.split('\t').map(str::to_string).collect();
            if table.header.is_empty() {
                table.header = cells.iter().map(|c| c.trim().to_string()).collect();
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
    /// The cell under `column`, exactly as written (spaces and all); empty when the row is
    /// short or the header does not name the column (an optional column such as a template's
    /// `fr_source`).
    pub(super) fn get(&self, column: &str) -> &str {
        self.table
            .header
            .iter()
            .position(|h| h == column)
            .and_then(|i| self.cells.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The cell under `column` without surrounding spaces: for codes, ids, flags and prose,
    /// never for allowed values.
    pub(super) fn get_trimmed(&self, column: &str) -> &str {
        self.get(column).trim()
    }

    pub(super) fn error(&self, message: String) -> Error {
        Error::TemplateFile {
            path: self.table.path.clone(),
            line: self.line,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Table {
        Table::parse(Path::new("lists.tsv"), text).unwrap()
    }

    fn values(table: &Table) -> Vec<String> {
        table
            .rows(&["code", "value"])
            .unwrap()
            .iter()
            .map(|r| r.get("value").to_string())
            .collect()
    }

    #[test]
    fn a_trailing_space_survives() {
        let table = parse(
            "code\tvalue_id\tvalue\nservice_language_id\t251\tPlautdietsch (Mennonite Low German) \n",
        );
        assert_eq!(values(&table), ["Plautdietsch (Mennonite Low German) "]);
    }

    #[test]
    fn leading_spaces_survive_and_empty_fields_keep_their_place() {
        let table = parse("code\tvalue\nx\t  two spaces first\nx\t\ty\n");
        let rows = table.rows(&["code", "value"]).unwrap();
        assert_eq!(rows[0].get("value"), "  two spaces first");
        assert_eq!(rows[1].get("value"), "");
    }

    #[test]
    fn a_curly_apostrophe_survives() {
        let table = parse(
            "code\tvalue_id\tvalue\nclient_validation_type_id\t2\tTemporary Resident or Minister\u{2019}s Permit Number\n",
        );
        assert_eq!(
            values(&table),
            ["Temporary Resident or Minister\u{2019}s Permit Number"]
        );
    }

    #[test]
    fn crlf_files_parse_and_lose_only_the_line_end() {
        let table = parse(
            "\u{feff}# note: a comment\r\ncode\tvalue_id\tvalue\r\n\r\nservice_language_id\t251\tPlautdietsch (Mennonite Low German) \r\nservice_language_id\t1\tEnglish\r\n",
        );
        assert_eq!(table.meta("note").unwrap(), "a comment");
        assert_eq!(
            values(&table),
            ["Plautdietsch (Mennonite Low German) ", "English"]
        );
        let rows = table.rows(&["code", "value_id", "value"]).unwrap();
        assert_eq!(rows[1].get("code"), "service_language_id");
        assert_eq!(rows[1].get("value_id"), "1");
        // Line numbers count the blank line.
        assert_eq!(rows[0].line, 4);
    }

    #[test]
    fn a_last_line_without_line_end_is_read() {
        let table = parse("code\tvalue\r\nx\tEnglish ");
        assert_eq!(values(&table), ["English "]);
    }

    #[test]
    fn a_column_the_header_lacks_reads_as_empty() {
        let table = parse("code\tlabel_fr\nx\tÉtat du service\n");
        let rows = table.rows(&["code"]).unwrap();
        assert_eq!(rows[0].get("fr_source"), "");
        assert_eq!(rows[0].get_trimmed("label_fr"), "État du service");
    }

    #[test]
    fn header_names_are_trimmed_and_trimmed_cells_on_request() {
        let table = parse("code \t value\r\n yes_no_ind \tYes\r\n");
        let rows = table.rows(&["code", "value"]).unwrap();
        assert_eq!(rows[0].get("code"), " yes_no_ind ");
        assert_eq!(rows[0].get_trimmed("code"), "yes_no_ind");
        assert_eq!(rows[0].get("value"), "Yes");
    }
}
