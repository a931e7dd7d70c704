//! The scheduler and the lifecycle timers of issue 17: a solution nobody verified is closed
//! after the unit's level's time, in working time, once, by whichever scheduler holds the lease.

use std::sync::Arc;
use std::time::Duration;

use helpdesk_domain::TicketId;
use helpdesk_domain::account::Role;
use helpdesk_domain::timer::TimerKind;
use serde_json::{Value, json};

use crate::common::{Fixture, Options, TestClock, WebSession, mail_peer, unique_address};

const DAY: Duration = Duration::from_secs(24 * 3600);

/// A fixture on a clock the test moves, with one ticket of `user` solved by the admin.
async fn solved_ticket() -> (Fixture, Arc<TestClock>, i64, String) {
    let clock = TestClock::now();
    let f = Fixture::with(Options { clock: Some(clock.clone()), ..Options::default() }).await;
    let (_, user) = f.server.account("submitter@example.org", &[Role::Community]).await;
    let id = f.open(&user, json!({})).await;
    let solved = f.server.patch(&format!("/api/v1/tickets/{id}"), &f.admin, json!({"status": "solved"})).await;
    assert_eq!(solved.status, 200, "{:?}", solved.body);
    (f, clock, id, user)
}

/// Ticket `id`'s page as the person with `email` sees it.
async fn page(f: &Fixture, email: &str, id: i64) -> String {
    let password = "a long timers password";
    f.server.app.set_password(&helpdesk_domain::policy::Actor::system(), email, password).await.expect("a password");
    let mut session = WebSession::new(&f.server).await;
    session.sign_in(email, password).await;
    session.get(&format!("/tickets/{id}")).await.html
}

/// The ticket's timers but its clocks' (which `clocks.rs` tests).
async fn lifecycle_timers(f: &Fixture, id: i64) -> Vec<TimerKind> {
    let timers = f.server.app.timers_of(TicketId(id)).await.expect("timers");
    timers.into_iter().map(|t| t.kind).filter(|k| k.clock().is_none()).collect()
}

async fn status(f: &Fixture, id: i64) -> Value {
    f.server.get(&format!("/api/v1/tickets/{id}"), &f.admin).await.body["status"].clone()
}

#[tokio::test]
async fn a_solution_nobody_verified_is_closed_after_ten_working_days_once() {
    let (f, clock, id, _) = solved_ticket().await;
    let timers = f.server.app.timers_of(TicketId(id)).await.expect("timers");
    assert_eq!(timers.iter().map(|t| t.kind).collect::<Vec<_>>(), [TimerKind::AutoClose]);
    // Due where the Default calendar (Base's) says ten working days after the solution.
    let solved_at = f.server.get(&format!("/api/v1/tickets/{id}"), &f.admin).await.body["updated_at"].clone();
    let from = solved_at.as_str().expect("a time").replace('+', "%2B");
    let due = f.server.get(&format!("/api/v1/calendars/1/due?from={from}&after=10d"), &f.admin).await.body;
    let due =
        time::OffsetDateTime::parse(due["due"].as_str().expect("due"), &time::format_description::well_known::Rfc3339)
            .expect("a time");
    assert_eq!(timers[0].due_at, due, "ten working days of the Default calendar");
    let shown = page(&f, "submitter@example.org", id).await;
    let on = format!(
        r#"<dt>Closes</dt><dd class="pending">on {:04}-{:02}-{:02}"#,
        due.year(),
        u8::from(due.month()),
        due.day()
    );
    assert!(shown.contains(&on), "the page says when: {on}");

    clock.advance(9 * DAY);
    assert_eq!(
        f.server.app.run_timers("node-a").await.expect("a pass"),
        0,
        "nine days hold at most seven working days"
    );
    assert_eq!(status(&f, id).await, "solved");

    // Fell due while no scheduler ran: the next pass catches it up.
    clock.advance(12 * DAY);
    assert_eq!(f.server.app.run_timers("node-a").await.expect("a pass"), 1);
    assert_eq!(status(&f, id).await, "closed");
    let history = f.server.get(&format!("/api/v1/tickets/{id}/history"), &f.admin).await.body;
    let last = history["items"].as_array().and_then(|items| items.last().cloned()).expect("an entry");
    assert_eq!(
        (&last["field"], &last["old"], &last["new"], &last["actor"]),
        (&json!("status"), &json!("solved"), &json!("closed"), &Value::Null),
        "closed by the system"
    );

    assert_eq!(f.server.app.run_timers("node-a").await.expect("a pass"), 0, "once");
    assert!(f.server.app.timers_of(TicketId(id)).await.expect("timers").is_empty());
}

#[tokio::test]
async fn a_reopened_solution_is_not_closed() {
    let (f, clock, id, user) = solved_ticket().await;
    let reopened = f.server.patch(&format!("/api/v1/tickets/{id}"), &user, json!({"status": "reopened"})).await;
    assert_eq!(reopened.status, 200, "{:?}", reopened.body);
    assert!(lifecycle_timers(&f, id).await.is_empty(), "reopening stops the timer");
    clock.advance(30 * DAY);
    // Only its service-level clocks may fire now.
    f.server.app.run_timers("node-a").await.expect("a pass");
    assert_eq!(status(&f, id).await, "reopened");
}

#[tokio::test]
async fn another_node_takes_over_the_scheduler_when_the_holders_lease_runs_out() {
    let (f, clock, id, _) = solved_ticket().await;
    clock.advance(21 * DAY);
    assert_eq!(f.server.app.run_timers("node-a").await.expect("a pass"), 1, "node-a takes the lease and fires");
    let second = f.open(&f.admin, json!({})).await;
    let solved = f.server.patch(&format!("/api/v1/tickets/{second}"), &f.admin, json!({"status": "solved"})).await;
    assert_eq!(solved.status, 200, "{:?}", solved.body);
    clock.advance(21 * DAY);
    assert_eq!(
        f.server.app.run_timers("node-b").await.expect("a pass"),
        1,
        "node-a's lease ran out: node-b takes over"
    );
    assert_eq!((status(&f, id).await, status(&f, second).await), (json!("closed"), json!("closed")));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_schedulers_passing_at_once_close_each_ticket_once() {
    let clock = TestClock::now();
    let f = Fixture::with(Options { clock: Some(clock.clone()), ..Options::default() }).await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        let id = f.open(&f.admin, json!({})).await;
        f.server.patch(&format!("/api/v1/tickets/{id}"), &f.admin, json!({"status": "solved"})).await;
        ids.push(id);
    }
    clock.advance(21 * DAY);
    // The same node twice (as after a restart that kept its name): both hold the lease, and the
    // timers themselves make sure each fires once.
    let (a, b) = tokio::join!(f.server.app.run_timers("node-a"), f.server.app.run_timers("node-a"));
    assert_eq!(a.expect("a pass") + b.expect("a pass"), 20, "each timer fired once between them");
    for id in ids {
        assert_eq!(status(&f, id).await, "closed");
        let history = f.server.get(&format!("/api/v1/tickets/{id}/history"), &f.admin).await.body;
        let closings = history["items"].as_array().expect("items").iter().filter(|e| e["new"] == "closed").count();
        assert_eq!(closings, 1, "ticket {id} closed once");
    }
}

/// Passes the scheduler until `done` holds (a node's own scheduler may pass first and hold the
/// lease for a while; either way the effect happens once), for up to 15 s.
async fn pass_until<F, Fut>(f: &Fixture, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        f.server.app.run_timers("test").await.expect("a pass");
        if done().await {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the scheduler did not get there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn reminders(f: &Fixture, id: i64) -> Vec<Value> {
    let history = f.server.get(&format!("/api/v1/tickets/{id}/history"), &f.admin).await.body;
    history["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["field"] == "reminder")
        .map(|e| e["new"].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_submitter_who_does_not_answer_is_reminded_twice_then_the_ticket_is_unsolved_and_later_closed() {
    let Some(peer) = mail_peer() else { return };
    let clock = TestClock::now();
    let f = Fixture::with(Options { clock: Some(clock.clone()), mail: Some(peer.clone()), ..Options::default() }).await;
    let address = unique_address("waited-for");
    let (_, user) = f.server.account(&address, &[Role::Community]).await;
    let id = f.open(&user, json!({})).await;
    let waiting =
        f.server.patch(&format!("/api/v1/tickets/{id}"), &f.admin, json!({"status": "waiting_for_reply"})).await;
    assert_eq!(waiting.status, 200, "{:?}", waiting.body);
    let timers = f.server.app.timers_of(TicketId(id)).await.expect("timers");
    assert_eq!(timers.iter().map(|t| t.kind).collect::<Vec<_>>(), [TimerKind::WaitingReminder]);
    assert!(
        page(&f, &address, id).await.contains(r#"<dt>Reminder</dt><dd class="pending">first on "#),
        "the page says when"
    );

    // Four calendar days hold fewer than Base's five working days.
    clock.advance(4 * DAY);
    f.server.app.run_timers("test").await.expect("a pass");
    assert!(reminders(&f, id).await.is_empty(), "not before five working days");

    // Each further ten calendar days hold five working days: a reminder, then another.
    for n in 1..=2 {
        clock.advance(if n == 1 { 6 * DAY } else { 10 * DAY });
        pass_until(&f, || async { reminders(&f, id).await.len() == n }).await;
        let mail = peer.about(&address, "(waiting for your reply)", n).await;
        let last = mail.last().expect("a reminder");
        assert!(last.text.contains(&format!("This is reminder {n} of 2")), "{}", last.text);
        assert_eq!(status(&f, id).await, "waiting_for_reply");
    }
    let shown = page(&f, &address, id).await;
    assert!(
        shown.contains(r#"<dt>Unanswered</dt><dd class="pending">unsolved (no reply) on "#),
        "the page says what comes next"
    );

    // A third period unanswered: unsolved, qualified no_reply, and the submitter is told.
    clock.advance(10 * DAY);
    pass_until(&f, || async { status(&f, id).await == "unsolved" }).await;
    let ticket = f.server.get(&format!("/api/v1/tickets/{id}"), &f.admin).await.body;
    assert_eq!(ticket["resolution"], "no_reply");
    peer.about(&address, "(unsolved)", 1).await;
    let timers = f.server.app.timers_of(TicketId(id)).await.expect("timers");
    assert_eq!(timers.iter().map(|t| t.kind).collect::<Vec<_>>(), [TimerKind::AutoClose]);

    // Ten working days later nobody verified it: closed.
    clock.advance(15 * DAY);
    pass_until(&f, || async { status(&f, id).await == "closed" }).await;
    assert_eq!(reminders(&f, id).await, [json!(1), json!(2)], "two reminders, each once");
}

#[tokio::test]
async fn an_answer_from_the_submitter_stops_the_reminders() {
    let clock = TestClock::now();
    let f = Fixture::with(Options { clock: Some(clock.clone()), ..Options::default() }).await;
    let (_, user) = f.server.account("answering@example.org", &[Role::Community]).await;
    let id = f.open(&user, json!({})).await;
    f.server.patch(&format!("/api/v1/tickets/{id}"), &f.admin, json!({"status": "waiting_for_reply"})).await;
    let answer =
        f.server.post(&format!("/api/v1/tickets/{id}/articles"), &user, json!({"body": "Here is the log."})).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    assert_eq!(status(&f, id).await, "in_progress");
    assert!(lifecycle_timers(&f, id).await.is_empty(), "the answer stops the reminders");
    clock.advance(30 * DAY);
    // Only its service-level clocks may fire now.
    f.server.app.run_timers("node-a").await.expect("a pass");
    assert!(reminders(&f, id).await.is_empty());
    assert_eq!(status(&f, id).await, "in_progress");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reminder_date_on_a_ticket_on_hold_reminds_its_owner_on_that_date_once() {
    let Some(peer) = mail_peer() else { return };
    let clock = TestClock::now();
    let f = Fixture::with(Options { clock: Some(clock.clone()), mail: Some(peer.clone()), ..Options::default() }).await;
    let owner_address = unique_address("reminded");
    let (owner, sam) = f.supporter(&owner_address, f.first_line).await;
    let (_, user) = f.server.account(&unique_address("requester"), &[Role::Community]).await;
    let id = f.open(&user, json!({})).await;
    let path = format!("/api/v1/tickets/{id}");
    let taken = f.server.patch(&path, &sam, json!({"owner": owner})).await;
    assert_eq!(taken.status, 200, "{:?}", taken.body);
    let in_three_days = (helpdesk_app::Clock::now(&*clock).date() + time::Duration::days(3)).to_string();
    let held = f.server.patch(&path, &sam, json!({"status": "on_hold", "remind_at": in_three_days})).await;
    assert_eq!(held.status, 200, "{:?}", held.body);
    assert_eq!(lifecycle_timers(&f, id).await, [TimerKind::ReminderDate]);

    clock.advance(2 * DAY);
    f.server.app.run_timers("test").await.expect("a pass");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(peer.messages_for(&owner_address).iter().all(|m| !m.subject.contains("(reminder)")), "not before");
    clock.advance(2 * DAY);
    pass_until(&f, || async { lifecycle_timers(&f, id).await.is_empty() }).await;
    let mail = peer.about(&owner_address, "(reminder)", 1).await;
    assert!(mail[0].text.contains(&format!("({in_three_days})")), "{}", mail[0].text);
    clock.advance(10 * DAY);
    f.server.app.run_timers("test").await.expect("a pass");
    peer.about(&owner_address, "(reminder)", 1).await;
}

#[tokio::test]
async fn a_reminder_date_is_refused_for_a_ticket_that_does_not_wait_for_a_past_date_and_for_requesters() {
    let clock = TestClock::now();
    let f = Fixture::with(Options { clock: Some(clock.clone()), ..Options::default() }).await;
    let (_, sam) = f.supporter("reminder-sam@example.org", f.first_line).await;
    let (_, user) = f.server.account("reminder-requester@example.org", &[Role::Community]).await;
    let id = f.open(&user, json!({})).await;
    let path = format!("/api/v1/tickets/{id}");
    let today = helpdesk_app::Clock::now(&*clock).date();
    let in_three_days = (today + time::Duration::days(3)).to_string();
    let refusals = [
        (&sam, json!({"remind_at": in_three_days}), 422, "a ticket in progress has no reminder date"),
        (&sam, json!({"status": "on_hold", "remind_at": today.to_string()}), 422, "a date after today"),
        (&sam, json!({"status": "on_hold", "remind_at": "next week"}), 422, "a date"),
        (&user, json!({"status": "on_hold", "remind_at": in_three_days}), 403, "for the supporters"),
    ];
    for (token, body, status, why) in refusals {
        let before = crate::common::snapshot(f.server.store()).await;
        let answer = f.server.patch(&path, token, body).await;
        assert_eq!(answer.status, status, "{why}: {:?}", answer.body);
        assert_eq!(crate::common::snapshot(f.server.store()).await, before, "{why}: nothing written");
    }
}
