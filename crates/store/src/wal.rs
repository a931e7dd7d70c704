//! SQLite's write-ahead log, kept within a bound by the one writer after the commits that grow it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::AssertSqlSafe;

/// A log larger than this is copied back and started again after the commit that grew it.
const WAL_RESTART_BYTES: u64 = 16 * 1024 * 1024;
/// How long starting the log again waits for readers still in it, in milliseconds, before it
/// leaves it to a later commit.
const RESTART_PATIENCE_MS: u32 = 250;

/// Keeps the write-ahead log small under writes that never pause. SQLite starts the log again
/// from its beginning only when a writer finds it wholly copied into the database, which under
/// steady writes never happens: the log grew for as long as writes came (2.5 GiB beside a
/// 28 MiB database). So a commit that leaves it past [`WAL_RESTART_BYTES`] has the writer copy
/// the rest and empty it (a truncating checkpoint) before the next write: it runs on the one
/// writer connection, so it never fights the other writes for the lock, and the passive
/// checkpoints have copied most of the log already.
pub(crate) struct WalBound {
    path: PathBuf,
    write: sqlx::SqlitePool,
    busy_timeout: Duration,
    restarting: AtomicBool,
}

impl WalBound {
    /// The bound of the log at `path`, kept by the writer pool `write`, whose connections wait
    /// `busy_timeout` for a lock.
    pub(crate) fn new(path: PathBuf, write: sqlx::SqlitePool, busy_timeout: Duration) -> WalBound {
        WalBound { path, write, busy_timeout, restarting: AtomicBool::new(false) }
    }

    /// Empties the log if the last commit left it too large.
    pub(crate) async fn after_commit(&self) {
        let size = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        if size <= WAL_RESTART_BYTES || self.restarting.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Err(e) = self.restart().await {
            tracing::warn!(error = %e, "the write-ahead log could not be started again; a later commit will try");
        }
        self.restarting.store(false, Ordering::Release);
    }

    async fn restart(&self) -> Result<(), sqlx::Error> {
        let mut writer = self.write.acquire().await?;
        // Readers still in the log are waited for only briefly: writes wait meanwhile.
        sqlx::query(AssertSqlSafe(format!("PRAGMA busy_timeout = {RESTART_PATIENCE_MS}")))
            .execute(&mut *writer)
            .await?;
        let done =
            sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&mut *writer).await;
        sqlx::query(AssertSqlSafe(format!("PRAGMA busy_timeout = {}", self.busy_timeout.as_millis())))
            .execute(&mut *writer)
            .await?;
        if let (busy @ 1.., log, copied) = done? {
            tracing::debug!(busy, log, copied, "readers kept the write-ahead log from starting again");
        }
        Ok(())
    }
}
