//! What every request handler of the page shares: the token, the port, the templates, the
//! private work folder, the limit of runs at once, the Quit signal and the idle clock.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore};

use crate::template::Registry;

/// What every request handler shares.
pub(crate) struct Shared {
    /// The secret every request must carry.
    pub(crate) token: String,
    /// The port listened on, for the `Host` and `Origin` checks.
    pub(crate) port: u16,
    /// The templates the runs use.
    pub(crate) registry: Registry,
    /// The private folder in which each request gets its own folder.
    pub(crate) work: PathBuf,
    /// Limits the runs processed at once.
    pub(crate) jobs: Semaphore,
    /// Told when the page's Quit button is pressed.
    pub(crate) quit: Notify,
    /// When the server started, and the last request since then (in seconds).
    pub(crate) started: Instant,
    pub(crate) last_seen: AtomicU64,
}

impl Shared {
    /// Notes that a request came in, for the idle limit.
    pub(crate) fn touch(&self) {
        let now = self.started.elapsed().as_secs();
        self.last_seen.store(now, Ordering::Relaxed);
    }

    pub(crate) fn idle(&self) -> Duration {
        let last = self.last_seen.load(Ordering::Relaxed);
        self.started
            .elapsed()
            .saturating_sub(Duration::from_secs(last))
    }
}
