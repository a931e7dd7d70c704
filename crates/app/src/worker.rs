//! The worker: runs the jobs that changes queued in their own transaction (notifications, syncs).
//!
//! At least once: a job is claimed with a lease, removed only when its handler succeeds, released
//! with a growing delay when it fails, and claimed again when a crashed worker's lease runs out.
//! Handlers must therefore be idempotent. A job that keeps failing is kept, marked failed, for
//! an admin to look at: nothing is dropped.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
pub use helpdesk_store::Job;
use helpdesk_store::Store;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::{AppResult, Clock};

/// Why a job did not get done, and whether trying it again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// It may get done later as it is (a server down, a database busy): tried again after the
    /// retry policy's delay.
    #[error("{0}")]
    Transient(String),
    /// It will not get done as it is (a mail server that refuses the address for good, a
    /// payload that cannot be read): marked failed at once, for an admin to see.
    #[error("{0}")]
    Permanent(String),
}

impl JobError {
    /// Whether trying it again later can help.
    pub fn is_transient(&self) -> bool {
        matches!(self, JobError::Transient(_))
    }
}

/// A failure in words is taken for one that may go away: tried again.
impl From<String> for JobError {
    fn from(words: String) -> JobError {
        JobError::Transient(words)
    }
}

/// Runs one kind of job.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// Does the job; an error says why it did not, and whether to try again.
    async fn run(&self, job: &Job) -> Result<(), JobError>;

    /// Whether each job done is recorded at once, one write each: for work that leaves the
    /// database (a mail a server accepted), which a crash before the record would have done
    /// twice. Otherwise (the default) the jobs of a batch are recorded in one write: their work
    /// is recorded in its own transaction, or harmless to do again.
    fn records_at_once(&self) -> bool {
        false
    }

    /// Whether the jobs of this kind run one after another in the order they were queued,
    /// rather than side by side: messages of one thread must be stored as they arrived.
    fn in_order(&self) -> bool {
        false
    }
}

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The delay after the first failure; it doubles with each further one.
    pub first_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
    /// After this many attempts the job is marked failed.
    pub max_attempts: i64,
}

impl Default for RetryPolicy {
    /// Doubling from 5 s up to an hour, 30 attempts: about a day of outage before giving up.
    fn default() -> Self {
        RetryPolicy { first_delay: Duration::from_secs(5), max_delay: Duration::from_secs(3600), max_attempts: 30 }
    }
}

impl RetryPolicy {
    /// The delay before attempt `attempts + 1`, or `None` when it is time to give up.
    pub fn delay_after(&self, attempts: i64) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        Some(self.first_delay.saturating_mul(2u32.saturating_pow(doublings)).min(self.max_delay))
    }
}

/// Claims and runs jobs.
pub struct Worker {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    name: String,
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    retry: RetryPolicy,
    lease: Duration,
    batch: i64,
    concurrency: usize,
    wake: Option<watch::Receiver<u64>>,
}

impl Worker {
    /// A worker with no handlers, named `name` in the job table's locks.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, name: impl Into<String>) -> Worker {
        Worker {
            store,
            clock,
            name: name.into(),
            handlers: HashMap::new(),
            retry: RetryPolicy::default(),
            lease: Duration::from_secs(300),
            batch: 20,
            concurrency: 4,
            wake: None,
        }
    }

    /// Runs jobs of `kind` with `handler`.
    pub fn handle(mut self, kind: &str, handler: Arc<dyn JobHandler>) -> Worker {
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    /// Retries by `retry` instead of the default.
    pub fn retry(mut self, retry: RetryPolicy) -> Worker {
        self.retry = retry;
        self
    }

    /// Claims up to `n` due jobs at a time (20 by default): each claim and each batch's record
    /// of what was done is a write, so a busy worker does more between two writes with more.
    pub fn batch(mut self, n: i64) -> Worker {
        self.batch = n.max(1);
        self
    }

    /// Runs up to `n` jobs of a batch at once (4 by default): a job waiting on a mail server or
    /// the database does not hold up the others.
    pub fn concurrency(mut self, n: usize) -> Worker {
        self.concurrency = n.max(1);
        self
    }

    /// Claims one batch of due jobs and runs them, up to `concurrency` at a time; returns how
    /// many it ran.
    pub async fn run_once(&self) -> AppResult<usize> {
        let now = self.clock.now();
        let jobs = self.store.claim_jobs(&self.name, now, now + self.lease, self.batch).await?;
        // Jobs that must keep their order run one after another (claimed oldest first), beside
        // the others.
        let (ordered, free): (Vec<&Job>, Vec<&Job>) =
            jobs.iter().partition(|job| self.handlers.get(&job.kind).is_some_and(|h| h.in_order()));
        let in_order = async {
            let mut outcomes = Vec::with_capacity(ordered.len());
            for job in ordered {
                outcomes.push(self.run_job(job).await);
            }
            outcomes
        };
        // The others in a window of `concurrency` jobs: the next starts as soon as one ends, so
        // that a slow mail server holds up one place, not a whole group.
        let side_by_side = async {
            let mut waiting = free.into_iter();
            let mut running: FuturesUnordered<_> =
                waiting.by_ref().take(self.concurrency).map(|j| self.run_job(j)).collect();
            let mut outcomes = Vec::new();
            while let Some(outcome) = running.next().await {
                outcomes.push(outcome);
                if let Some(job) = waiting.next() {
                    running.push(self.run_job(job));
                }
            }
            outcomes
        };
        let (first, second) = futures::future::join(in_order, side_by_side).await;
        // The jobs done are removed in one write: on SQLite's single writer, a write per job
        // halved ticket creation. A crash before it runs them again, as a lost lease would.
        let mut done = Vec::with_capacity(jobs.len());
        let mut trouble = None;
        for outcome in first.into_iter().chain(second) {
            // A job whose outcome could not be written is left to its lease; the others go on.
            match outcome {
                Ok(id) => done.extend(id),
                Err(e) => trouble = trouble.or(Some(e)),
            }
        }
        self.store.finish_jobs(&done, &self.name).await?;
        match trouble {
            Some(e) => Err(e),
            None => Ok(jobs.len()),
        }
    }

    /// Runs one claimed job; returns it when done and left to be recorded with its batch,
    /// having recorded it at once or recorded a failure otherwise.
    async fn run_job(&self, job: &Job) -> AppResult<Option<i64>> {
        let handler = self.handlers.get(&job.kind);
        let outcome = match handler {
            Some(handler) => handler.run(job).await,
            // Another node, or a later version, may know it; keep it and try again.
            None => Err(JobError::Transient(format!("no handler for jobs of kind '{}' on this node", job.kind))),
        };
        match outcome {
            Ok(()) if handler.is_some_and(|h| h.records_at_once()) => {
                self.store.finish_jobs(&[job.id], &self.name).await?;
                Ok(None)
            }
            Ok(()) => Ok(Some(job.id)),
            Err(error) => {
                let now = self.clock.now();
                let retry_at = match error.is_transient() {
                    true => self.retry.delay_after(job.attempts).map(|d| now + d),
                    false => None,
                };
                if retry_at.is_none() {
                    tracing::error!(job = job.id, kind = %job.kind, attempts = job.attempts, %error, "job failed for good");
                } else {
                    tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, %error, "job failed; will retry");
                }
                self.store.fail_job(job.id, &self.name, &error.to_string(), retry_at, now).await?;
                Ok(None)
            }
        }
    }

    /// Looks for jobs as soon as `commits` changes (the commits of this node), besides every
    /// poll: a change's notifications then leave at once rather than at the next look.
    pub fn wake_on(mut self, commits: watch::Receiver<u64>) -> Worker {
        self.wake = Some(commits);
        self
    }

    /// Runs jobs until `shutdown` is cancelled, looking for new ones every `poll` (and at each
    /// commit it is told of); the jobs under way when it is cancelled are finished first.
    pub async fn run(mut self, poll: Duration, shutdown: CancellationToken) {
        let mut wake = self.wake.take();
        loop {
            let ran = match self.run_once().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(error = %e, "worker could not claim jobs");
                    0
                }
            };
            if shutdown.is_cancelled() {
                return;
            }
            if ran == 0 {
                let committed = async {
                    match wake.as_mut() {
                        Some(commits) => {
                            if commits.changed().await.is_err() {
                                std::future::pending::<()>().await;
                            }
                        }
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(poll) => {}
                    () = committed => {}
                    () = shutdown.cancelled() => return,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_double_up_to_the_cap_then_give_up() {
        let policy =
            RetryPolicy { first_delay: Duration::from_secs(5), max_delay: Duration::from_secs(60), max_attempts: 6 };
        let table = [(1, Some(5)), (2, Some(10)), (3, Some(20)), (4, Some(40)), (5, Some(60)), (6, None), (9, None)];
        for (attempts, expected) in table {
            assert_eq!(policy.delay_after(attempts).map(|d| d.as_secs()), expected, "after {attempts} attempts");
        }
    }
}
