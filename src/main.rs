//! The `icare-fix` command: parses the arguments, runs, prints any error once, in plain
//! words, and exits with its code (0 done, 1 failed while working, 2 input or request refused).

use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    let args = cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            // The message may quote text from the file (a sheet name): keep it printable.
            let message = format!("{err:#}");
            eprintln!("icare-fix: {}", icare_fix::output::terminal_safe(&message));
            ExitCode::from(
                err.downcast_ref::<icare_fix::Error>()
                    .map_or(1, icare_fix::Error::exit_code),
            )
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
