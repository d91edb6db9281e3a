//! The `icare-fix` command: parses the arguments, runs, prints any error once, in plain
//! words, and exits with its code (0 done, 1 failed while working, 2 input or request refused).

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    let launch = cli::Launch::detect();
    let args = cli::parse(launch);
    let verbose = args.verbose;
    // A window of its own closes when the program ends: after workbooks dropped on the
    // program (the one-step run), or an error of the double-clicked page, it waits for Enter
    // so that the last lines can be read. A command typed with its name (`batch` in a
    // scheduled task, say) never waits.
    let page = launch.opens_page();
    let one_step = args.is_one_step();
    let outcome = cli::run(args);
    let failed = outcome.is_err();
    let code = report(outcome, verbose);
    if one_step || (page && failed) {
        launch.wait_before_closing();
    }
    code
}

/// Prints the error of a run, if any, once and in plain words; the exit code.
fn report(outcome: anyhow::Result<ExitCode>, verbose: bool) -> ExitCode {
    match outcome {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            // The message may quote text from the file (a sheet name): keep it printable.
            let message = plain_message(&err);
            eprintln!("icare-fix: {}", icare_fix::text::terminal_safe(&message));
            let detail = err
                .chain()
                .find_map(|cause| cause.downcast_ref::<icare_fix::Error>())
                .and_then(icare_fix::Error::technical_detail);
            if let (true, Some(detail)) = (verbose, detail) {
                eprintln!(
                    "icare-fix: technical details: {}",
                    icare_fix::text::terminal_safe(&detail)
                );
            }
            ExitCode::from(exit_code(&err))
        }
    }
}

/// The error and the context it was given, down to the library's own error: that one says
/// in plain words what happened (quoting the system's reason where it helps), so the causes
/// below it, which it already quotes or which are technical, are not repeated.
fn plain_message(err: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in err.chain() {
        parts.push(cause.to_string());
        if cause.downcast_ref::<icare_fix::Error>().is_some() {
            break;
        }
    }
    parts.join(": ")
}

/// The exit code of a run that ended in `err`: 2 when the input or the request was refused,
/// 1 for a failure while working (the policy of the command line, as fd keeps it).
fn exit_code(err: &anyhow::Error) -> u8 {
    match err.downcast_ref::<icare_fix::Error>() {
        Some(e) if e.is_refusal() => 2,
        _ => 1,
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn the_plain_message_says_the_systems_reason_once_and_keeps_the_context() {
        let reason = std::io::Error::other("the disk is on fire");
        let err = Err::<(), _>(icare_fix::Error::io(std::path::Path::new("a.xlsx"), reason))
            .context("while writing the upload file")
            .unwrap_err();
        let message = plain_message(&err);
        assert_eq!(
            message.matches("the disk is on fire").count(),
            1,
            "{message}"
        );
        assert!(
            message.starts_with("while writing the upload file: cannot read or write 'a.xlsx'")
        );
        // `{:#}` alone would repeat the reason, since it is also the error's source.
        assert_eq!(format!("{err:#}").matches("the disk is on fire").count(), 2);
    }

    #[test]
    fn a_locked_file_is_told_plainly_and_the_systems_words_go_to_verbose() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let words = denied.to_string();
        let err = anyhow::Error::from(icare_fix::Error::io(
            std::path::Path::new("Rapport mars.xlsx"),
            denied,
        ));
        let message = plain_message(&err);
        assert!(
            message.contains("Close it in Excel and try again"),
            "{message}"
        );
        assert!(!message.contains(&words), "{message}");
        let lib = err.downcast_ref::<icare_fix::Error>().unwrap();
        assert_eq!(lib.technical_detail().as_deref(), Some(words.as_str()));
    }
}
