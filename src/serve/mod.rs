//! `icare-fix serve`: a page on the user's own computer for people who never open a terminal.
//!
//! The program listens on the loopback interface only, prints the page's address (with a
//! random secret token) as the first line of standard output and opens it in the browser.
//! The page sends the chosen workbooks; each request is processed in its own private folder
//! inside one temporary folder by the same library run as the one-step command line
//! ([`crate::batch::run`]), and everything the page shows or offers to download comes back in
//! the answer, so the request's folder is removed before the answer leaves.
//!
//! Neighbours: [`security`] decides which requests are let in and adds the protective headers
//! to every answer; [`routes`] serves the page's files and the two actions (process, quit);
//! [`jobs`] receives the uploads with their size limit and turns a run into the page's answer.
//! Nothing here logs a file name or a value: the only lines printed are the address and the
//! temporary folder's location.

mod jobs;
mod routes;
mod security;
mod shared;

pub(crate) use shared::Shared;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore};

use crate::error::{Error, Result};
use crate::template::Registry;

/// How long the page may go unused before the program stops by itself.
pub const IDLE_LIMIT: Duration = Duration::from_secs(60 * 60);
/// Workbook runs processed at once; more requests wait their turn.
pub const JOBS_AT_ONCE: usize = 2;

/// What `icare-fix serve` was asked for.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// The port to listen on; 0 picks a free one.
    pub port: u16,
    /// Open the page in the default browser once it is ready.
    pub open: bool,
}

/// Serves the page until Ctrl+C, the page's Quit button or an idle hour; then removes the
/// temporary folder. The address is printed as the first line of standard output.
///
/// # Errors
///
/// Fails when the page cannot start: its worker threads, its temporary folder or its port
/// (taken by another program).
pub fn serve(registry: Registry, opts: &ServeOptions) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| cannot_start("the page's worker threads could not start", e))?;
    runtime.block_on(run(registry, opts))
}

/// The start of the name of the page's temporary folder.
const WORK_PREFIX: &str = "icare-fix-page-";

async fn run(registry: Registry, opts: &ServeOptions) -> Result<()> {
    sweep_leftovers(&std::env::temp_dir(), std::time::SystemTime::now());
    let work = tempfile::Builder::new()
        .prefix(WORK_PREFIX)
        .tempdir()
        .map_err(|e| cannot_start("the temporary folder could not be made", e))?;
    private(work.path())?;
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, opts.port)))
            .await
            .map_err(|e| cannot_start(&format!("port {} is not free", opts.port), e))?;
    let port = listener
        .local_addr()
        .map_err(|e| cannot_start("the port is unknown", e))?
        .port();
    let state = Arc::new(Shared {
        token: new_token()?,
        port,
        registry,
        work: work.path().to_path_buf(),
        jobs: Semaphore::new(JOBS_AT_ONCE),
        quit: Notify::new(),
        started: Instant::now(),
        last_seen: AtomicU64::new(0),
    });
    // Ctrl+C is caught from before the address is printed: pressed at once, it still stops
    // the page cleanly and removes the temporary folder.
    let interrupted = interrupt();
    let address = format!("http://127.0.0.1:{port}/?token={}", state.token);
    announce(&address, &state.work, opts.open);
    if opts.open {
        open_browser(&address);
    }
    let app = routes::router(state.clone());
    let stopped = stop_signal(state.clone(), interrupted);
    axum::serve(listener, app)
        .with_graceful_shutdown(stopped)
        .await
        .map_err(|e| cannot_start("the page stopped unexpectedly", e))?;
    drop(state);
    work.close()
        .map_err(|e| Error::io(&std::env::temp_dir(), e))?;
    note("The page has stopped; its temporary folder was removed.");
    Ok(())
}

/// Removes the temporary folders of pages that were stopped without their clean-up: the
/// window closed on Windows (the system ends the program at once), the computer switched off.
/// A page in use changes its folder at every request and stops itself after an idle hour, so
/// a folder left unchanged for twice that long belongs to no running page.
fn sweep_leftovers(temp: &std::path::Path, now: std::time::SystemTime) {
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    for entry in entries.flatten() {
        let named = entry.file_name().to_string_lossy().starts_with(WORK_PREFIX);
        let stale = entry
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_dir)
            .and_then(|m| m.modified().ok())
            .and_then(|changed| now.duration_since(changed).ok())
            .is_some_and(|age| age > 2 * IDLE_LIMIT);
        if named && stale {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Only this user may enter the temporary folder (it holds personal information).
fn private(folder: &std::path::Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(folder, e))?;
    }
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

/// The address first (a program reads it), then how to stop, then where the files go.
fn announce(address: &str, work: &std::path::Path, opened: bool) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    // A closed standard output (started from a shortcut) must not stop the page.
    let _ = writeln!(out, "{address}");
    let _ = writeln!(
        out,
        "{} To stop it, use the page's Quit button or press Ctrl+C here{}.",
        if opened {
            "The page is open in your browser at the address above."
        } else {
            "The page was not opened (--no-open): open the address above in your browser."
        },
        if cfg!(windows) {
            " (or close this window)"
        } else {
            ""
        }
    );
    let _ = out.flush();
    note(&format!(
        "Temporary folder (emptied after each answer, removed when the page stops): {}",
        work.display()
    ));
}

fn open_browser(address: &str) {
    if opener::open_browser(address).is_err() {
        note("The browser could not be opened: open the address above in your browser.");
    }
}

/// A line on stderr; none when there is no stderr (started from a shortcut), never a panic.
fn note(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A future that resolves on Ctrl+C (and, on Windows, when the window is closed), its
/// handlers installed now. Without a handler the page still stops by its Quit button and the
/// idle hour.
fn interrupt() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) {
            Ok(mut signal) => Box::pin(async move {
                signal.recv().await;
            }),
            Err(_) => Box::pin(std::future::pending()),
        }
    }
    #[cfg(windows)]
    {
        // Closing the window gives the program only a moment before Windows ends it; what
        // is not removed then is removed by the next start (`sweep_leftovers`).
        use tokio::signal::windows::{ctrl_c, ctrl_close};
        match (ctrl_c(), ctrl_close()) {
            (Ok(mut c), Ok(mut close)) => Box::pin(async move {
                tokio::select! {
                    _ = c.recv() => {}
                    _ = close.recv() => {}
                }
            }),
            (Ok(mut c), Err(_)) => Box::pin(async move {
                c.recv().await;
            }),
            _ => Box::pin(std::future::pending()),
        }
    }
}

/// Resolves on Ctrl+C (`interrupted`), on the Quit button, or after [`IDLE_LIMIT`] without a
/// request.
async fn stop_signal(
    state: Arc<Shared>,
    interrupted: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
) {
    let idle = async {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            if state.idle() >= IDLE_LIMIT {
                note("The page was not used for an hour: stopping.");
                break;
            }
        }
    };
    tokio::select! {
        _ = interrupted => {}
        _ = state.quit.notified() => {}
        _ = idle => {}
    }
}

/// 32 random bytes from the operating system, as hex.
fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::ServeStart {
        what: "no random numbers for the page's secret".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn cannot_start(what: &str, source: std::io::Error) -> Error {
    Error::ServeStart {
        what: what.to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_page_folders_left_unchanged_for_two_hours_are_swept() {
        let temp = tempfile::tempdir().unwrap();
        let old = temp.path().join(format!("{WORK_PREFIX}old"));
        let recent = temp.path().join(format!("{WORK_PREFIX}recent"));
        let other = temp.path().join("someone-elses-folder");
        for folder in [&old, &recent, &other] {
            std::fs::create_dir(folder).unwrap();
        }
        std::fs::write(old.join("left.xlsx"), b"personal").unwrap();
        let changed = std::fs::metadata(&recent).unwrap().modified().unwrap();
        // Seen from 2 h 30 later, every folder is old: only ours go.
        let later = changed + 2 * IDLE_LIMIT + Duration::from_secs(30 * 60);
        sweep_leftovers(temp.path(), changed + IDLE_LIMIT);
        assert!(
            old.exists() && recent.exists(),
            "swept a folder under two hours old"
        );
        sweep_leftovers(temp.path(), later);
        assert!(
            !old.exists() && !recent.exists(),
            "a stale page folder was left"
        );
        assert!(other.exists(), "a folder not the page's was removed");
    }
}
