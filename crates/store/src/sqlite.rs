//! The embedded SQLite engine: one file in the data directory, one writer, several readers.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::group_commit::{GroupCommit, Member};
use crate::sql::sql_store;
use crate::sql_accounts::accounts_sql;
use crate::sql_auth::auth_sql;
use crate::sql_clocks::clocks_sql;
use crate::sql_followers::followers_sql;
use crate::sql_identity::identity_sql;
use crate::sql_mail::mail_sql;
use crate::sql_relations::relations_sql;
use crate::sql_search::search_sql;
use crate::sql_sync::sync_sql;
use crate::sql_teams::teams_sql;
use crate::sql_timers::timers_sql;
use crate::wal::WalBound;

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

sql_store! {
    db: sqlx::Sqlite,
    engine: Engine::Sqlite,
    // The transactions waiting for the one writer are committed together (group_commit.rs).
    writer: GroupCommit,
    // The statements' SQLite texts: no row locks, for SQLite locks the whole database for the
    // writer and there is nothing finer to lock.
    dialect: sqlite,
    // Several statements travel to the single writer as one command.
    one_command: true,
    // A unary plus keeps SQLite's planner off the indexes of broad filters (see push_ticket_filters).
    broad: "+",
    // SQLite lists the subquery's rows once and looks each ticket up by its rowid.
    among: ("IN (", ")"),
    // Every table of ours: not SQLite's own, nor sqlx's record of the migrations.
    tables: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '_sqlx_migrations'",
}

identity_sql! {
    db: sqlx::Sqlite,
}

auth_sql! {
    db: sqlx::Sqlite,
}

accounts_sql! {
    db: sqlx::Sqlite,
    dialect: sqlite,
}

mail_sql! {
    db: sqlx::Sqlite,
}

sync_sql! {
    db: sqlx::Sqlite,
    dialect: sqlite,
}

timers_sql! {
    db: sqlx::Sqlite,
}

relations_sql! {
    db: sqlx::Sqlite,
}

followers_sql! {
    db: sqlx::Sqlite,
}

teams_sql! {
    db: sqlx::Sqlite,
    postgres: false,
}

clocks_sql! {
    db: sqlx::Sqlite,
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
        // Every commit reaches the disk before it is acknowledged, so a power loss or a crash of
        // the machine takes nothing acknowledged (NORMAL would survive only a crash of the
        // process). One sync per group of transactions (group_commit.rs) keeps it affordable.
        .synchronous(SqliteSynchronous::Full)
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
    let wal = WalBound::new(wal, write.clone(), BUSY_TIMEOUT);
    let writer = GroupCommit::new(write.clone(), wal);
    Ok(SqlStore { read, write, upkeep: Some(upkeep), writer })
}

/// A write transaction: a member of a group commit.
type WriteTx = Member;

/// Starts a write transaction in the writer's open group.
async fn begin_write(store: &SqlStore) -> StoreResult<WriteTx> {
    store.writer.begin().await
}

/// The connection of a lone write statement: a transaction of its own in the writer's group, so
/// that the job queue's and the sync runner's bookkeeping is committed with the rest.
type SingleWrite = Member;

/// Takes the writer for one statement.
async fn single_write(store: &SqlStore) -> StoreResult<SingleWrite> {
    store.writer.begin_single().await
}

/// Commits the one statement's transaction with its group.
async fn end_single(write: SingleWrite) -> StoreResult<()> {
    write.commit().await
}

/// Commits what the writer holds before the store closes.
async fn finish_writes(store: &SqlStore) {
    store.writer.finish().await;
}

/// How often the write-ahead log is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// The size the log file is cut back to whenever it starts again.
const WAL_KEPT_BYTES: u64 = 4 * 1024 * 1024;

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
