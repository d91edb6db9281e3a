//! The `icare-fix` command: parses the arguments, runs, prints any error once, in plain
//! words, and exits with its code (0 done, 1 failed while working, 2 input or request refused).

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    let args = cli::parse();
    let verbose = args.verbose;
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            // The message may quote text from the file (a sheet name): keep it printable.
            let message = format!("{err:#}");
            eprintln!("icare-fix: {}", icare_fix::output::terminal_safe(&message));
            let detail = err
                .downcast_ref::<icare_fix::Error>()
                .and_then(icare_fix::Error::technical_detail);
            if let (true, Some(detail)) = (verbose, detail) {
                eprintln!(
                    "icare-fix: technical details: {}",
                    icare_fix::output::terminal_safe(detail)
                );
            }
            ExitCode::from(exit_code(&err))
        }
    }
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
