//! The embedded SQLite engine: one file in the data directory, one writer, several readers.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::AssertSqlSafe;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::sql::sql_store;
use crate::sql_accounts::accounts_sql;
use crate::sql_auth::auth_sql;
use crate::sql_identity::identity_sql;
use crate::sql_mail::mail_sql;
use crate::sql_search::search_sql;
use crate::sql_sync::sync_sql;

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

sql_store! {
    db: sqlx::Sqlite,
    engine: Engine::Sqlite,
    // Take the write lock at once: a deferred transaction that upgrades later can fail with
    // SQLITE_BUSY when another process (the CLI) wrote in between.
    begin: "BEGIN IMMEDIATE",
    // SQLite locks the whole database for the writer; there is nothing finer to lock.
    for_update: "",
    skip_locked: "",
    roles_agg: "group_concat(role, ',')",
    // Several statements travel to the single writer as one command.
    one_command: true,
    // A unary plus keeps SQLite's planner off the indexes of broad filters (see push_ticket_filters).
    broad: "+",
    // Every table of ours: not SQLite's own, nor sqlx's record of the migrations.
    tables: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '_sqlx_migrations'",
}

identity_sql! {
    db: sqlx::Sqlite,
    roles_agg: "group_concat(role, ',')",
}

auth_sql! {
    db: sqlx::Sqlite,
    roles_agg: "group_concat(role, ',')",
}

accounts_sql! {
    db: sqlx::Sqlite,
    roles_agg: "group_concat(role, ',')",
    for_update: "",
}

mail_sql! {
    db: sqlx::Sqlite,
}

sync_sql! {
    db: sqlx::Sqlite,
    for_update: "",
    skip_locked: "",
}

// PostgreSQL reads the change log by transaction id (see sql_search.rs).
search_sql! {
    db: sqlx::Sqlite,
    txids: false,
}

/// How long a connection waits for a lock another process holds.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Readers beside the one writer. WAL lets them read while it writes.
const READERS: u32 = 4;

/// Opens (creating when missing) the database file at `path` and migrates it.
pub(crate) async fn open(path: &Path) -> Result<SqlStore, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|source| StoreError::Io { context: format!("cannot create {}", dir.display()), source })?;
    }
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // In WAL mode NORMAL is durable against application crashes; only a power loss can take
        // the last commits, and never corrupts the file.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        // Whenever the log starts again from its beginning, a file grown past this is cut back.
        .pragma("journal_size_limit", WAL_KEPT_BYTES.to_string());
    // One writer: SQLite allows one at a time anyway, and queueing in the pool is fair and cheap
    // where waiting on the file lock sleeps and retries.
    // Checkpoints are left to the upkeep task below: run by the writer at commit time, they stall
    // every writer behind them while they sync the file.
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options.clone().pragma("wal_autocheckpoint", "0"))
        .await?;
    MIGRATOR.run(&write).await?;
    let read = SqlitePoolOptions::new()
        .max_connections(READERS)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options.clone().read_only(true))
        .await?;
    let checkpointer = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
    let upkeep = tokio::spawn(checkpoint_regularly(checkpointer)).abort_handle();
    let wal = path.with_file_name(format!(
        "{}-wal",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    ));
    let wal = WalBound { path: wal, write: write.clone(), restarting: AtomicBool::new(false) };
    Ok(SqlStore { read, write, upkeep: Some(upkeep), wal: Some(Arc::new(wal)) })
}

/// How often the write-ahead log is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// A log larger than this is copied back and started again after the commit that grew it.
const WAL_RESTART_BYTES: u64 = 16 * 1024 * 1024;
/// The size the log file is cut back to whenever it starts again.
const WAL_KEPT_BYTES: u64 = 4 * 1024 * 1024;
/// How long starting the log again waits for readers still in it, in milliseconds, before it
/// leaves it to a later commit.
const RESTART_PATIENCE_MS: u32 = 250;

/// Copies the write-ahead log into the database file in the background. A passive checkpoint
/// waits for nobody: writers go on appending while it syncs, and readers keep their snapshots.
async fn checkpoint_regularly(pool: sqlx::SqlitePool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
            tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
        }
    }
}

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
    restarting: AtomicBool,
}

impl WalBound {
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
        sqlx::query(AssertSqlSafe(format!("PRAGMA busy_timeout = {}", BUSY_TIMEOUT.as_millis())))
            .execute(&mut *writer)
            .await?;
        if let (busy @ 1.., log, copied) = done? {
            tracing::debug!(busy, log, copied, "readers kept the write-ahead log from starting again");
        }
        Ok(())
    }
}
