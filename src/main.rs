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
