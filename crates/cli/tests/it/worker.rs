//! The job worker against a real store: at least once, retried with backoff, never dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use helpdesk_app::Clock;
use helpdesk_app::worker::{JobError, JobHandler, RetryPolicy, Worker};
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
    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst);
        if run < self.failures { Err(format!("SMTP server down (run {run})").into()) } else { Ok(()) }
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

/// Refused for good (a mail server's 5xx); counts the runs.
struct Refused {
    runs: AtomicUsize,
}

#[async_trait]
impl JobHandler for Refused {
    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        Err(JobError::Permanent("550 no such mailbox".into()))
    }
}

#[tokio::test]
async fn a_job_refused_for_good_is_not_tried_again_and_is_kept_for_an_admin() {
    let db = TestDb::under_test().await;
    let store = db.open().await;
    let clock = TestClock::now();
    let refused = Arc::new(Refused { runs: AtomicUsize::new(0) });
    let mut tx = store.begin().await.expect("begin");
    tx.enqueue_job(&NewJob { kind: "send".into(), payload: json!({}), dedupe_key: None, run_at: clock.now() })
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    let worker = Worker::new(store.clone(), clock.clone(), "test").handle("send", refused.clone());
    assert_eq!(worker.run_once().await.expect("run"), 1);
    for _ in 0..3 {
        clock.advance(Duration::from_secs(7200));
        assert_eq!(worker.run_once().await.expect("run"), 0, "not tried again");
    }
    assert_eq!(refused.runs.load(Ordering::SeqCst), 1);
    let failed = store.failed_jobs(PageRequest::default()).await.expect("failed");
    assert_eq!(failed.total, 1, "kept, in view");
    assert_eq!(failed.items[0].attempts, 1);
    assert_eq!(failed.items[0].last_error.as_deref(), Some("550 no such mailbox"));
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

/// Sends a mail (in words): done at once, recorded at once.
struct Sends;

#[async_trait]
impl JobHandler for Sends {
    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        Ok(())
    }

    fn records_at_once(&self) -> bool {
        true
    }
}

/// Takes its time, so that the batch it is in is not over before the test looks.
struct Slow(tokio::sync::Semaphore);

#[async_trait]
impl JobHandler for Slow {
    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let _ = self.0.acquire().await;
        Ok(())
    }
}

async fn enqueue(store: &Arc<dyn helpdesk_store::Store>, kind: &str, at: time::OffsetDateTime) {
    let mut tx = store.begin().await.expect("begin");
    tx.enqueue_job(&NewJob { kind: kind.into(), payload: json!({}), dedupe_key: None, run_at: at })
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_whose_work_leaves_the_database_is_recorded_done_as_soon_as_it_is_done() {
    let db = TestDb::under_test().await;
    let store = db.open().await;
    let clock = TestClock::now();
    enqueue(&store, "slow", clock.now()).await;
    enqueue(&store, "send", clock.now()).await;
    let slow = Arc::new(Slow(tokio::sync::Semaphore::new(0)));
    let worker =
        Worker::new(store.clone(), clock.clone(), "test").handle("slow", slow.clone()).handle("send", Arc::new(Sends));
    let batch = tokio::spawn(async move { worker.run_once().await });
    // The mail is recorded sent while the other job of its batch still runs: a crash now would
    // not send it again.
    crate::common::eventually("the sent mail's job to be gone", Duration::from_secs(10), || async {
        (jobs(&store).await == 1).then_some(())
    })
    .await;
    slow.0.add_permits(1);
    assert_eq!(batch.await.expect("the batch").expect("ran"), 2);
    assert_eq!(jobs(&store).await, 0, "the other job is recorded with its batch");
}

/// How many jobs the table holds.
async fn jobs(store: &Arc<dyn helpdesk_store::Store>) -> i64 {
    let counts = crate::common::snapshot(store).await;
    counts.iter().find(|(table, _)| *table == "jobs").map(|(_, n)| *n).expect("a jobs table")
}

#[tokio::test]
async fn a_worker_started_again_under_its_name_takes_back_its_jobs_at_once() {
    let db = TestDb::under_test().await;
    let store = db.open().await;
    let clock = TestClock::now();
    enqueue(&store, "send", clock.now()).await;
    // A worker claims it, then dies: its lease would hold the job for five minutes.
    let claimed = store.claim_jobs("node-a", clock.now(), clock.now() + Duration::from_secs(300), 10).await;
    assert_eq!(claimed.expect("claimed").len(), 1);
    let other = Worker::new(store.clone(), clock.clone(), "node-b").handle("send", Arc::new(Sends));
    assert_eq!(other.run_once().await.expect("run"), 0, "another node leaves it to the lease");
    assert_eq!(store.release_claims("node-b").await.expect("released"), (0, 0), "none of its own");
    assert_eq!(store.release_claims("node-a").await.expect("released"), (1, 0), "started again, node-a takes it back");
    let again = Worker::new(store.clone(), clock.clone(), "node-a").handle("send", Arc::new(Sends));
    assert_eq!(again.run_once().await.expect("run"), 1, "and runs it at once");
    assert_eq!(jobs(&store).await, 0);
}

/// Notes the order its jobs end in; the first ones queued take the longest.
struct Ordered {
    ended: std::sync::Mutex<Vec<i64>>,
    in_order: bool,
}

#[async_trait]
impl JobHandler for Ordered {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let n = job.payload["n"].as_u64().unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(60 - 10 * n)).await;
        self.ended.lock().map_err(|e| e.to_string())?.push(job.id);
        Ok(())
    }

    fn in_order(&self) -> bool {
        self.in_order
    }
}

#[tokio::test]
async fn jobs_that_must_keep_their_order_run_one_after_another_as_they_were_queued() {
    for in_order in [true, false] {
        let db = TestDb::under_test().await;
        let store = db.open().await;
        let clock = TestClock::now();
        for n in 0..5 {
            let mut tx = store.begin().await.expect("begin");
            let job = NewJob { kind: "mail".into(), payload: json!({"n": n}), dedupe_key: None, run_at: clock.now() };
            tx.enqueue_job(&job).await.expect("enqueue");
            tx.commit().await.expect("commit");
        }
        let handler = Arc::new(Ordered { ended: Default::default(), in_order });
        let worker = Worker::new(store.clone(), clock.clone(), "test").handle("mail", handler.clone());
        assert_eq!(worker.run_once().await.expect("run"), 5);
        let ended = handler.ended.lock().expect("the order").clone();
        let mut sorted = ended.clone();
        sorted.sort();
        // Side by side, the quick later ones end first: the mechanism under test matters.
        assert_eq!(ended == sorted, in_order, "{ended:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
#[should_panic(expected = "jobs failed during the test")]
async fn the_test_kit_fails_a_test_in_which_a_job_failed_for_good() {
    // A worker that never reaches a mail server: the job fails on its payload before that.
    let nowhere = crate::common::MailPeer { url: "smtp://127.0.0.1:9".into(), maildir: std::env::temp_dir() };
    let options = crate::common::Options { mail: Some(nowhere), ..Default::default() };
    let server = crate::common::TestServer::start_with(options).await;
    let mut tx = server.store().begin().await.expect("begin");
    let job = NewJob {
        kind: helpdesk_app::mail::SEND_MAIL.into(),
        payload: json!({"not": "a mail"}),
        dedupe_key: None,
        run_at: time::OffsetDateTime::now_utc(),
    };
    tx.enqueue_job(&job).await.expect("enqueue");
    tx.commit().await.expect("commit");
    for _ in 0..100 {
        if server.store().failed_jobs(PageRequest::default()).await.expect("failed").total > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Dropping the server at the end of the test is what must fail it.
}

#[tokio::test(flavor = "multi_thread")]
#[should_panic(expected = "jobs failed during the test")]
async fn the_test_kit_fails_a_test_in_which_a_job_waits_to_be_tried_again() {
    let nowhere = crate::common::MailPeer { url: "smtp://127.0.0.1:9".into(), maildir: std::env::temp_dir() };
    let options = crate::common::Options { mail: Some(nowhere), ..Default::default() };
    let server = crate::common::TestServer::start_with(options).await;
    let mut tx = server.store().begin().await.expect("begin");
    // No node knows this kind: the worker keeps it to try again later.
    let job = NewJob {
        kind: "a kind no node knows".into(),
        payload: json!({}),
        dedupe_key: None,
        run_at: time::OffsetDateTime::now_utc(),
    };
    tx.enqueue_job(&job).await.expect("enqueue");
    tx.commit().await.expect("commit");
    // Dropping the server at the end of the test is what must fail it.
}

#[tokio::test]
async fn a_mail_to_an_address_that_cannot_be_read_fails_at_once_and_is_kept_for_an_admin() {
    let db = TestDb::under_test().await;
    let store = db.open().await;
    let clock = TestClock::now();
    let outbox = tempfile::tempdir().expect("an outbox");
    let mailer =
        helpdesk_mail::Mailer::files(outbox.path().to_owned(), "Helpdesk <helpdesk@example.org>").expect("a mailer");
    let mail = json!({"to": "not an address", "subject": "Hello", "text": "Hello", "html": null,
        "message_id": null, "thread": [], "reply_to": null, "auto_reply": false});
    let mut tx = store.begin().await.expect("begin");
    let job =
        NewJob { kind: helpdesk_app::mail::SEND_MAIL.into(), payload: mail, dedupe_key: None, run_at: clock.now() };
    tx.enqueue_job(&job).await.expect("enqueue");
    tx.commit().await.expect("commit");
    let worker =
        Worker::new(store.clone(), clock.clone(), "test").handle(helpdesk_app::mail::SEND_MAIL, Arc::new(mailer));
    assert_eq!(worker.run_once().await.expect("run"), 1);
    clock.advance(Duration::from_secs(7200));
    assert_eq!(worker.run_once().await.expect("run"), 0, "not tried again");
    let failed = store.failed_jobs(PageRequest::default()).await.expect("failed");
    assert_eq!((failed.total, failed.items[0].attempts), (1, 1));
    assert!(failed.items[0].last_error.as_deref().is_some_and(|e| e.contains("bad recipient 'not an address'")));
    assert_eq!(std::fs::read_dir(outbox.path()).expect("the outbox").count(), 0, "nothing was written");
}
