//! What the subcommands share: the `--templates` option, `--lang`, the hint that a file is an
//! annotated workbook, and writing a report to stdout or a file.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use icare_fix::Registry;

/// Options every command shares.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// Folder of template data files (.tsv) that add to or replace the built-in ones.
    #[arg(long, value_name = "DIR", global = true)]
    templates: Option<PathBuf>,
}

impl Common {
    /// The registry: built-in, plus the --templates folder.
    pub fn registry(&self) -> Result<Registry> {
        Ok(match &self.templates {
            Some(dir) => Registry::with_overrides(dir)?,
            None => Registry::builtin(),
        })
    }
}

/// `--format` of the reports (`errors`, `check`): a table to read, JSON or CSV for programs.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
}

/// `--lang en|fr|both`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LangArg {
    /// English.
    En,
    /// French.
    Fr,
    /// English and French.
    Both,
}

impl From<LangArg> for icare_fix::Lang {
    fn from(lang: LangArg) -> Self {
        match lang {
            LangArg::En => icare_fix::Lang::En,
            LangArg::Fr => icare_fix::Lang::Fr,
            LangArg::Both => icare_fix::Lang::Both,
        }
    }
}

/// Tells on stderr when `file` is an annotated workbook rather than iCARE's rejected file.
pub fn hint_if_annotated(file: &std::path::Path) {
    if let Some(info) = icare_fix::output::way_back::AnnotatedInfo::recognise(file) {
        eprintln!(
            "Note: this is an annotated workbook made by icare-fix from '{}'; its notes column holds summaries, not iCARE's notes. Never upload it: to make the upload file from it, run: icare-fix \"{}\"",
            icare_fix::text::terminal_safe(&info.source_name),
            file.display()
        );
    }
}

/// Writes what `write` makes to `path` (through a temporary file renamed into place, see
/// [`icare_fix::output::write_with`]) or to the standard output, as it is made: a long report
/// is never whole in memory.
pub fn emit_with(
    path: Option<&std::path::Path>,
    inputs: &[&std::path::Path],
    force: bool,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<()> {
    use std::io::Write;
    match path {
        Some(path) => {
            icare_fix::output::write_with(path, inputs, force, write)?;
            eprintln!("Wrote {}", path.display());
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// Writes `text` to stdout, or to `path` when given, as [`emit_with`] does.
pub fn emit(
    text: &str,
    path: Option<&std::path::Path>,
    inputs: &[&std::path::Path],
    force: bool,
) -> Result<()> {
    emit_with(path, inputs, force, |w| w.write_all(text.as_bytes()))
}
