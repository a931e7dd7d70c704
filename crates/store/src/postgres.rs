//! The PostgreSQL engine: every node of several shares one database.

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

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

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

sql_store! {
    db: sqlx::Postgres,
    engine: Engine::Postgres,
    // Each transaction on a connection of its own: PostgreSQL commits concurrent ones together.
    writer: (),
    dialect: postgres,
    // The extended protocol prepares one statement at a time.
    one_command: false,
    // PostgreSQL's planner weighs the indexes by its statistics; it needs no hint.
    broad: "",
    // `id IN (subquery)` becomes a merge join that walks the tickets from the page's end; an
    // array computed once is looked up through the primary key instead.
    among: ("= ANY (ARRAY(", "))"),
    // Every table of ours in the schema in use, not sqlx's record of the migrations.
    tables: "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations'",
}

identity_sql! {
    db: sqlx::Postgres,
}

auth_sql! {
    db: sqlx::Postgres,
}

accounts_sql! {
    db: sqlx::Postgres,
    dialect: postgres,
}

mail_sql! {
    db: sqlx::Postgres,
}

sync_sql! {
    db: sqlx::Postgres,
    dialect: postgres,
}

// PostgreSQL reads the change log by transaction id (see sql_search.rs).
timers_sql! {
    db: sqlx::Postgres,
}

relations_sql! {
    db: sqlx::Postgres,
}

followers_sql! {
    db: sqlx::Postgres,
}

teams_sql! {
    db: sqlx::Postgres,
    postgres: true,
}

clocks_sql! {
    db: sqlx::Postgres,
}

search_sql! {
    db: sqlx::Postgres,
    txids: true,
}

/// Connections per node.
const CONNECTIONS: u32 = 16;

/// Connects to the server at `url` and migrates the database.
pub(crate) async fn open(url: &str) -> Result<SqlStore, StoreError> {
    let options: PgConnectOptions = url.parse()?;
    let pool = PgPoolOptions::new()
        .max_connections(CONNECTIONS)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(SqlStore { read: pool.clone(), write: pool, upkeep: None, writer: () })
}

/// A write transaction: one of the pool's connections in a transaction.
type WriteTx = sqlx::Transaction<'static, sqlx::Postgres>;

/// Starts a write transaction on a connection of the pool.
async fn begin_write(store: &SqlStore) -> StoreResult<WriteTx> {
    Ok(store.write.begin().await?)
}

/// The connection of a lone write statement: one of the pool's, committing by itself.
type SingleWrite = sqlx::pool::PoolConnection<sqlx::Postgres>;

/// Takes a connection for one statement.
async fn single_write(store: &SqlStore) -> StoreResult<SingleWrite> {
    Ok(store.write.acquire().await?)
}

/// A lone statement has committed by itself already.
async fn end_single(_write: SingleWrite) -> StoreResult<()> {
    Ok(())
}

/// PostgreSQL's transactions end with their connections: nothing waits to be committed, and
/// its writer is no more than the pool.
async fn finish_writes(store: &SqlStore) {
    let () = store.writer;
}
