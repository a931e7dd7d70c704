//! The job worker against a real store: at least once, retried with backoff, never dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use helpdesk_app::Clock;
use helpdesk_app::worker::{JobHandler, RetryPolicy, Worker};
use helpdesk_domain::paging::PageRequest;
use helpdesk_store::{Job, NewJob};
use serde_json::json;

use crate::common::{TestClock, TestDb};

/// Fails the first `failures` times, then succeeds; counts the runs.
struct Flaky {
    failures: usize,
    runs: AtomicUsize,
}

#[async_trait]
impl JobHandler for Flaky {
    async fn run(&self, _job: &Job) -> Result<(), String> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst);
        if run < self.failures { Err(format!("SMTP server down (run {run})")) } else { Ok(()) }
    }
}

#[tokio::test]
async fn a_failing_job_is_retried_with_backoff_until_it_succeeds() {
    let db = TestDb::under_test().await;
    let store = db.open().await;
    let clock = TestClock::now();
    let flaky = Arc::new(Flaky { failures: 2, runs: AtomicUsize::new(0) });
    let mut tx = store.begin().await.expect("begin");
    tx.enqueue_job(&NewJob {
        kind: "notify".into(),
        payload: json!({"ticket": 1}),
        dedupe_key: None,
        run_at: clock.now(),
    })
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    let retry =
        RetryPolicy { first_delay: Duration::from_secs(10), max_delay: Duration::from_secs(60), max_attempts: 5 };
    let worker = Worker::new(store.clone(), clock.clone(), "test").handle("notify", flaky.clone()).retry(retry);

    assert_eq!(worker.run_once().await.expect("run"), 1, "first attempt fails");
    assert_eq!(worker.run_once().await.expect("run"), 0, "not before the delay");
    clock.advance(Duration::from_secs(11));
    assert_eq!(worker.run_once().await.expect("run"), 1, "second attempt fails");
    clock.advance(Duration::from_secs(11));
    assert_eq!(worker.run_once().await.expect("run"), 0, "the delay doubled");
    clock.advance(Duration::from_secs(10));
    assert_eq!(worker.run_once().await.expect("run"), 1, "third attempt succeeds");
    assert_eq!(flaky.runs.load(Ordering::SeqCst), 3);
    clock.advance(Duration::from_secs(3600));
    assert_eq!(worker.run_once().await.expect("run"), 0, "a done job is gone");
}

#[tokio::test]
async fn a_job_nobody_can_run_is_kept_for_an_admin() {
    let db = TestDb::under_test().await;
    let store = db.open().await;
    let clock = TestClock::now();
    let mut tx = store.begin().await.expect("begin");
    tx.enqueue_job(&NewJob { kind: "unknown".into(), payload: json!({}), dedupe_key: None, run_at: clock.now() })
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    let retry = RetryPolicy { first_delay: Duration::from_secs(1), max_delay: Duration::from_secs(1), max_attempts: 3 };
    let worker = Worker::new(store.clone(), clock.clone(), "test").retry(retry);
    for _ in 0..5 {
        worker.run_once().await.expect("run");
        clock.advance(Duration::from_secs(2));
    }
    let failed = store.failed_jobs(PageRequest::default()).await.expect("failed");
    assert_eq!(failed.total, 1);
    assert_eq!(failed.items[0].attempts, 3);
    assert!(failed.items[0].last_error.as_deref().is_some_and(|e| e.contains("no handler")));
}
