//! SQLite's write transactions committed in groups: the transactions waiting for the one writer
//! run one after another inside one database transaction, each in a savepoint of its own, and
//! are committed together.
//!
//! Why: on SQLite every commit appends the pages it changed to the write-ahead log, and the pages
//! a new ticket touches (the tickets' last leaf, their indexes, the change log, the job queue) are
//! mostly the same for every ticket. Committed one by one, each ticket wrote about 85 KB of log
//! and each commit was a round of hand-offs to sqlx's connection thread; committed in a group,
//! the shared pages are written once per group. A member's refusal rolls back its own savepoint
//! only, and a member is answered only once the group's commit has succeeded, so nothing is
//! acknowledged that is not committed.
//!
//! The group is committed by one task of its own, woken by each member that finishes: it queues
//! for the writer behind the members already waiting (the lock is fair), so whoever was waiting
//! when the last group ended joins the next one, and a lone writer is committed at once.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, watch};

use crate::wal::WalBound;
use crate::{StoreError, StoreResult};

/// How long a transaction waits for its turn before it gives up, as it waited for the pool.
const TURN_TIMEOUT: Duration = Duration::from_secs(30);

/// What a finished member learns of its group: nothing yet, committed, or why not.
type Outcome = Option<Result<(), Arc<str>>>;

/// The writer's state, held by one transaction at a time.
struct Lane {
    /// The writer connection with the group's transaction open, while a group is open.
    conn: Option<PoolConnection<Sqlite>>,
    /// Tells the group's finished members how the commit went.
    outcome: watch::Sender<Outcome>,
    /// How many members have released their savepoint into the open group.
    members: usize,
    /// A member ended without committing: its savepoint is still to be rolled back.
    abandoned: bool,
}

/// What the store, the members and the committing task share.
struct Shared {
    lane: Arc<Mutex<Lane>>,
    pool: SqlitePool,
    /// Wakes the committing task.
    wake: Notify,
    wal: WalBound,
}

/// The writer of one SQLite database, committing its transactions in groups.
pub(crate) struct GroupCommit {
    shared: Arc<Shared>,
    committer: tokio::task::AbortHandle,
}

impl GroupCommit {
    /// Writes through `pool` (one connection), keeping the log within `wal`'s bound.
    pub(crate) fn new(pool: SqlitePool, wal: WalBound) -> GroupCommit {
        let lane = Lane { conn: None, outcome: watch::channel(None).0, members: 0, abandoned: false };
        let shared = Arc::new(Shared { lane: Arc::new(Mutex::new(lane)), pool, wake: Notify::new(), wal });
        let committer = tokio::spawn(commit_groups(shared.clone())).abort_handle();
        GroupCommit { shared, committer }
    }

    /// Starts a transaction: waits for the writer, joins the open group or opens one.
    pub(crate) async fn begin(&self) -> StoreResult<Member> {
        self.join(true).await
    }

    /// Starts the transaction of one statement. It needs no savepoint: a statement that fails
    /// leaves nothing behind (SQLite undoes it alone), and each savepoint is one more round trip.
    pub(crate) async fn begin_single(&self) -> StoreResult<Member> {
        self.join(false).await
    }

    async fn join(&self, savepoint: bool) -> StoreResult<Member> {
        let mut lane = tokio::time::timeout(TURN_TIMEOUT, self.shared.lane.clone().lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        settle(&mut lane).await;
        let started = match (lane.conn.is_none(), savepoint) {
            (true, _) => {
                let mut conn = self.shared.pool.acquire().await?;
                // Take the write lock at once: a deferred transaction that upgrades later can
                // fail with SQLITE_BUSY when another process (the CLI) wrote in between. One
                // command with the savepoint: each is a round trip to the driver's thread.
                let open = if savepoint { "BEGIN IMMEDIATE; SAVEPOINT member" } else { "BEGIN IMMEDIATE" };
                let opened = sqlx::raw_sql(open).execute(&mut *conn).await;
                lane.conn = Some(conn);
                lane.members = 0;
                lane.outcome = watch::channel(None).0;
                opened.map(drop)
            }
            (false, true) => sqlx::raw_sql("SAVEPOINT member").execute(connection(&mut lane)).await.map(drop),
            (false, false) => Ok(()),
        };
        if let Err(e) = started {
            fail(&mut lane, &e.to_string()).await;
            self.shared.wake.notify_one();
            return Err(e.into());
        }
        Ok(Member { lane: Some(lane), shared: self.shared.clone(), savepoint })
    }

    /// Commits the open group, if any, and stops committing: for the store's closing.
    pub(crate) async fn finish(&self) {
        let mut lane = self.shared.lane.lock().await;
        commit_open_group(&mut lane, &self.shared.wal).await;
        self.committer.abort();
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.committer.abort();
    }
}

/// One write transaction: a savepoint in its group's transaction. Dropped without
/// [`Member::commit`], its savepoint is rolled back and the rest of the group is kept.
pub(crate) struct Member {
    lane: Option<OwnedMutexGuard<Lane>>,
    shared: Arc<Shared>,
    /// Whether it runs in a savepoint (all but a lone statement's).
    savepoint: bool,
}

impl Member {
    /// Keeps this transaction's changes in its group and waits for the group's commit.
    pub(crate) async fn commit(mut self) -> StoreResult<()> {
        let Some(mut lane) = self.lane.take() else {
            return Err(StoreError::Commit("the transaction has ended already".into()));
        };
        let released = match self.savepoint {
            true => sqlx::raw_sql("RELEASE member").execute(connection(&mut lane)).await.map(drop),
            false => Ok(()),
        };
        if let Err(e) = released {
            lane.abandoned = true;
            drop(lane);
            self.shared.wake.notify_one();
            return Err(e.into());
        }
        lane.members += 1;
        let mut outcome = lane.outcome.subscribe();
        drop(lane);
        self.shared.wake.notify_one();
        let told = outcome.wait_for(Option::is_some).await;
        match told.as_deref() {
            Ok(Some(Ok(()))) => Ok(()),
            Ok(Some(Err(why))) => Err(StoreError::Commit(why.to_string())),
            Ok(None) | Err(_) => Err(StoreError::Commit("the store closed before the commit".into())),
        }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        if let Some(mut lane) = self.lane.take() {
            lane.abandoned = self.savepoint;
            drop(lane);
            self.shared.wake.notify_one();
        }
    }
}

impl Deref for Member {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        self.lane.as_ref().and_then(|lane| lane.conn.as_deref()).expect("a member holds the writer of an open group")
    }
}

impl DerefMut for Member {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.lane
            .as_mut()
            .and_then(|lane| lane.conn.as_deref_mut())
            .expect("a member holds the writer of an open group")
    }
}

/// The open group's connection.
fn connection(lane: &mut Lane) -> &mut SqliteConnection {
    lane.conn.as_deref_mut().expect("a group is open while its members run")
}

/// Rolls back the savepoint of a member that ended without committing. If that fails, the group's
/// transaction is gone with it (SQLite rolls a whole transaction back on some errors), and the
/// group fails.
async fn settle(lane: &mut Lane) {
    if !std::mem::take(&mut lane.abandoned) || lane.conn.is_none() {
        return;
    }
    let undone = sqlx::raw_sql("ROLLBACK TO member; RELEASE member").execute(connection(lane)).await;
    if let Err(e) = undone {
        fail(lane, &format!("a transaction of the group could not be rolled back: {e}")).await;
    }
}

/// Ends the open group without keeping anything, telling its members why.
async fn fail(lane: &mut Lane, why: &str) {
    if let Some(mut conn) = lane.conn.take() {
        // The transaction may be gone already; rolling back is then a harmless error.
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
    }
    if lane.members > 0 {
        tracing::error!(members = lane.members, why, "a group of write transactions failed");
    }
    lane.outcome.send_replace(Some(Err(why.into())));
    lane.members = 0;
}

/// Commits the open group and tells its members; a group with no finished member is rolled back.
async fn commit_open_group(lane: &mut Lane, wal: &WalBound) {
    settle(lane).await;
    let Some(conn) = lane.conn.as_deref_mut() else {
        return;
    };
    if lane.members == 0 {
        fail(lane, "no transaction of the group committed").await;
        return;
    }
    match sqlx::raw_sql("COMMIT").execute(conn).await {
        Ok(_) => {
            lane.conn = None;
            lane.outcome.send_replace(Some(Ok(())));
            lane.members = 0;
            // Before the next group, while the writer is free: the members are answered already.
            wal.after_commit().await;
        }
        Err(e) => fail(lane, &format!("the commit failed: {e}")).await,
    }
}

/// The committing task: each time a member finishes, it queues for the writer behind those
/// already waiting and commits what they have done.
async fn commit_groups(shared: Arc<Shared>) {
    loop {
        shared.wake.notified().await;
        let mut lane = shared.lane.lock().await;
        commit_open_group(&mut lane, &shared.wal).await;
    }
}
