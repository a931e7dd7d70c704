//! The service-level clocks of issue 17: a ticket's first-response and resolution clocks start,
//! pause, resume, re-target and are met as the ticket changes; a late clock warns, breaches and
//! escalates, each step once; a requester may escalate once the response time has passed.
//! The unit's level here runs on the 24x7 calendar, so that the times are plain hours.

use std::sync::Arc;
use std::time::Duration;

use helpdesk_domain::account::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::common::{
    Fixture, Options, TestClock, WebSession, assert_problem, created, mail_peer, snapshot, unique_address,
};

const HOUR: Duration = Duration::from_secs(3600);

/// A level on the 24x7 calendar: low and medium tickets answered within 4 hours and solved
/// within 16, high ones within 1 and 4.
async fn round_the_clock(f: &Fixture, response: &str, resolution: &str) -> i64 {
    let calendars = f.server.get("/api/v1/calendars", &f.admin).await.body;
    let always =
        calendars.as_array().and_then(|all| all.iter().find(|c| c["name"] == "24x7")).expect("24x7")["id"].clone();
    let plain = json!({"response": response, "resolution": resolution});
    let targets = json!({"low": plain, "medium": plain, "high": {"response": "1h", "resolution": "4h"}, "top": plain});
    let level = created(
        f.server
            .post(
                "/api/v1/service-levels",
                &f.admin,
                json!({"name": format!("Round the clock {response}"), "calendar": always, "targets": targets}),
            )
            .await,
    );
    for unit in [f.first_line, f.second_line] {
        let set = f.server.patch(&format!("/api/v1/units/{unit}"), &f.admin, json!({"service_level": level})).await;
        assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    }
    level
}

/// A fixture on a test clock whose units keep the 4h/16h level.
async fn fixture(options: Options) -> (Fixture, Arc<TestClock>) {
    let clock = TestClock::now();
    let f = Fixture::with(Options { clock: Some(clock.clone()), ..options }).await;
    round_the_clock(&f, "4h", "16h").await;
    (f, clock)
}

fn at(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().unwrap_or_else(|| panic!("a time, not {value}")), &Rfc3339).expect("a time")
}

async fn ticket(f: &Fixture, id: i64) -> Value {
    f.server.get(&format!("/api/v1/tickets/{id}"), &f.admin).await.body
}

async fn history_of(f: &Fixture, id: i64, field: &str) -> Vec<Value> {
    let history = f.server.get(&format!("/api/v1/tickets/{id}/history?per_page=100"), &f.admin).await.body;
    history["items"].as_array().expect("items").iter().filter(|e| e["field"] == field).cloned().collect()
}

/// Passes the scheduler until a pass fires nothing (at most 20 passes).
async fn run_all(f: &Fixture) -> usize {
    let mut fired = 0;
    for _ in 0..20 {
        let now = f.server.app.run_timers("test").await.expect("a pass");
        if now == 0 {
            return fired;
        }
        fired += now;
    }
    panic!("the scheduler kept firing");
}

#[tokio::test]
async fn the_clocks_start_at_opening_and_a_members_public_reply_meets_the_response() {
    let (f, clock) = fixture(Options::default()).await;
    let (_, user) = f.server.account("clocked@example.org", &[Role::Community]).await;
    let (_, sam) = f.supporter("sam@example.org", f.first_line).await;
    let id = f.open(&user, json!({})).await;
    let t = ticket(&f, id).await;
    let opened = at(&t["created_at"]);
    let sla = &t["sla"];
    assert_eq!(sla["level"], "Round the clock 4h");
    assert_eq!((&sla["response"]["state"], &sla["resolution"]["state"]), (&json!("running"), &json!("running")));
    assert_eq!(at(&sla["response"]["due"]), opened + HOUR * 4, "4 hours on the 24x7 calendar");
    assert_eq!(at(&sla["resolution"]["due"]), opened + HOUR * 16);
    assert_eq!(sla["escalation_step"], 0);

    clock.advance(HOUR);
    let path = format!("/api/v1/tickets/{id}/articles");
    f.server.post(&path, &user, json!({"body": "Any news?"})).await;
    f.server.post(&path, &sam, json!({"body": "Looking at the logs.", "internal": true})).await;
    assert_eq!(ticket(&f, id).await["sla"]["response"]["state"], "running", "neither the requester nor a note answers");
    clock.advance(HOUR * 2);
    assert_eq!(ticket(&f, id).await["sla"]["response"]["state"], "warning", "a quarter of the time is left");

    let reply = f.server.post(&path, &sam, json!({"body": "Please try 4.5.1."})).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let sla = ticket(&f, id).await["sla"].clone();
    assert_eq!(sla["response"]["state"], "met");
    assert_eq!(at(&sla["response"]["met_at"]), opened + HOUR * 3);
    assert_eq!(sla["resolution"]["state"], "running", "the resolution clock runs on");

    let detail = f.server.get(&format!("/api/v1/tickets/{id}/sla"), &user).await;
    assert_eq!(detail.status, StatusCode::OK);
    let runs = detail.body["clocks"].as_array().expect("clocks").clone();
    assert_eq!(runs.len(), 2);
    let response = runs.iter().find(|r| r["kind"] == "response").expect("the response clock");
    assert_eq!(
        (response["used_seconds"].clone(), response["target_seconds"].clone()),
        (json!(3 * 3600), json!(4 * 3600))
    );
    assert_eq!(response["segments"].as_array().map(Vec::len), Some(1));
    assert_eq!(at(&response["segments"][0]["ended_at"]), opened + HOUR * 3);
}

#[tokio::test]
async fn waiting_for_the_requester_pauses_both_clocks_and_the_answer_resumes_them_where_they_stopped() {
    let (f, clock) = fixture(Options::default()).await;
    let (_, user) = f.server.account("paused@example.org", &[Role::Community]).await;
    let id = f.open(&user, json!({})).await;
    clock.advance(HOUR);
    // Staff, not a member of the unit: no response of the unit's.
    let waiting =
        f.server.patch(&format!("/api/v1/tickets/{id}"), &f.admin, json!({"status": "waiting_for_reply"})).await;
    assert_eq!(waiting.status, StatusCode::OK, "{:?}", waiting.body);
    let sla = &waiting.body["sla"];
    assert_eq!((&sla["response"]["state"], &sla["resolution"]["state"]), (&json!("paused"), &json!("paused")));
    assert_eq!((&sla["response"]["due"], &sla["resolution"]["due"]), (&Value::Null, &Value::Null));

    clock.advance(HOUR * 5);
    assert_eq!(ticket(&f, id).await["sla"]["response"]["state"], "paused", "the time waited does not count");
    let answer = f.server.post(&format!("/api/v1/tickets/{id}/articles"), &user, json!({"body": "Here it is."})).await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let t = ticket(&f, id).await;
    let now = at(&t["updated_at"]);
    assert_eq!(t["status"], "in_progress");
    assert_eq!(at(&t["sla"]["response"]["due"]), now + HOUR * 3, "3 of its 4 hours were left");
    assert_eq!(at(&t["sla"]["resolution"]["due"]), now + HOUR * 15);

    let detail = f.server.get(&format!("/api/v1/tickets/{id}/sla"), &f.admin).await.body;
    let resolution = detail["clocks"].as_array().expect("clocks").iter().find(|r| r["kind"] == "resolution").cloned();
    let spans = resolution.expect("the resolution clock")["segments"].as_array().expect("segments").clone();
    assert_eq!(spans.len(), 2, "it ran, stood still, and runs again");
    assert_eq!(at(&spans[0]["ended_at"]) + HOUR * 5, at(&spans[1]["started_at"]), "five hours of waiting between");
    assert_eq!(spans[1]["ended_at"], Value::Null);
}

#[tokio::test]
async fn a_move_to_another_unit_starts_its_response_clock_and_a_higher_priority_shortens_the_times() {
    let (f, clock) = fixture(Options::default()).await;
    let (_, user) = f.server.account("moved@example.org", &[Role::Community]).await;
    let id = f.open(&user, json!({})).await;
    let opened = at(&ticket(&f, id).await["created_at"]);
    clock.advance(HOUR * 2);
    let moved = f.server.patch(&format!("/api/v1/tickets/{id}"), &f.admin, json!({"unit": f.second_line})).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(at(&moved.body["sla"]["response"]["due"]), opened + HOUR * 6, "the new unit has its own 4 hours");
    assert_eq!(at(&moved.body["sla"]["resolution"]["due"]), opened + HOUR * 16, "resolution counts from opening");

    clock.advance(HOUR);
    let urgent = f
        .server
        .patch(
            &format!("/api/v1/tickets/{id}"),
            &f.admin,
            json!({"priority": "high", "priority_reason": "A site is down"}),
        )
        .await;
    assert_eq!(urgent.status, StatusCode::OK, "{:?}", urgent.body);
    let sla = &urgent.body["sla"];
    assert_eq!(at(&sla["response"]["due"]), opened + HOUR * 3, "1 hour from the move, for a high ticket");
    assert_eq!(sla["response"]["state"], "breached", "which has passed");
    assert_eq!(at(&sla["resolution"]["due"]), opened + HOUR * 4, "4 hours from opening");

    let detail = f.server.get(&format!("/api/v1/tickets/{id}/sla"), &f.admin).await.body;
    let responses: Vec<Value> =
        detail["clocks"].as_array().expect("clocks").iter().filter(|r| r["kind"] == "response").cloned().collect();
    assert_eq!(responses.len(), 2, "one clock per unit reached");
    assert_eq!((&responses[0]["unit"], &responses[0]["met_at"]), (&json!(f.first_line), &Value::Null));
    assert_eq!(at(&responses[0]["ended_at"]), opened + HOUR * 2, "the first unit's ended unmet at the move");
    assert_eq!(responses[1]["unit"], json!(f.second_line));
}

#[tokio::test]
async fn a_breach_that_fell_due_while_no_scheduler_ran_is_recorded_once_with_its_true_due_time() {
    let (f, clock) = fixture(Options::default()).await;
    let id = f.open(&f.admin, json!({})).await;
    let opened = at(&ticket(&f, id).await["created_at"]);
    clock.advance(HOUR * 30);
    assert!(run_all(&f).await > 0);
    assert_eq!(run_all(&f).await, 0, "each step once");
    let breaches = history_of(&f, id, "sla_breach").await;
    let clocks: Vec<&Value> = breaches.iter().map(|b| &b["new"]).collect();
    assert_eq!(clocks, [&json!("response"), &json!("resolution")], "one breach per clock");
    let detail = f.server.get(&format!("/api/v1/tickets/{id}/sla"), &f.admin).await.body;
    let runs = detail["clocks"].as_array().expect("clocks").clone();
    let breached_at = |kind: &str| at(&runs.iter().find(|r| r["kind"] == kind).expect("a clock")["breached_at"]);
    assert_eq!(breached_at("response"), opened + HOUR * 4, "when it fell due, not when it was seen");
    assert_eq!(breached_at("resolution"), opened + HOUR * 16);
    // 30 hours: the response clock is past 200 % (step 3), the resolution clock past 150 % (step 2).
    let steps: Vec<Value> = history_of(&f, id, "escalation").await.iter().map(|e| e["new"].clone()).collect();
    assert_eq!(steps, [json!(1), json!(2), json!(3)], "the ticket escalated once to each step");
    assert_eq!(ticket(&f, id).await["sla"]["escalation_step"], 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_schedulers_passing_at_once_take_each_step_once() {
    let (f, clock) = fixture(Options::default()).await;
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(f.open(&f.admin, json!({})).await);
    }
    clock.advance(HOUR * 5);
    for _ in 0..5 {
        let (a, b) = tokio::join!(f.server.app.run_timers("node-a"), f.server.app.run_timers("node-a"));
        if a.expect("a pass") + b.expect("a pass") == 0 {
            break;
        }
    }
    for id in ids {
        let breaches = history_of(&f, id, "sla_breach").await;
        assert_eq!(breaches.len(), 1, "ticket {id}'s response clock breached once");
    }
}

#[tokio::test]
async fn the_requester_escalates_a_ticket_once_its_response_time_has_passed_and_not_before() {
    let (f, clock) = fixture(Options::default()).await;
    let (_, user) = f.server.account("impatient@example.org", &[Role::Community]).await;
    let (_, stranger) = f.server.account("stranger@example.org", &[Role::Community]).await;
    let id = f.open(&user, json!({})).await;
    let path = format!("/api/v1/tickets/{id}/escalate");
    let reason = json!({"reason": "Our whole site is blocked."});

    let before = snapshot(f.server.store()).await;
    let early = f.server.post(&path, &user, reason.clone()).await;
    assert_problem(&early, StatusCode::CONFLICT);
    assert!(early.body["detail"].as_str().is_some_and(|d| d.contains("has not passed")), "{:?}", early.body);
    assert_eq!(snapshot(f.server.store()).await, before, "a refusal writes nothing");

    clock.advance(HOUR * 5);
    let cases = [
        (&user, json!({"reason": "  \n "}), StatusCode::UNPROCESSABLE_ENTITY),
        (&user, json!({"reason": "x".repeat(2001)}), StatusCode::UNPROCESSABLE_ENTITY),
        (&user, json!({}), StatusCode::UNPROCESSABLE_ENTITY),
        (&stranger, reason.clone(), StatusCode::FORBIDDEN),
    ];
    for (token, body, status) in cases {
        let before = snapshot(f.server.store()).await;
        let refused = f.server.post(&path, token, body.clone()).await;
        assert_problem(&refused, status);
        assert_eq!(snapshot(f.server.store()).await, before, "{body} writes nothing");
    }

    for step in 1..=3 {
        let escalated = f.server.post(&path, &user, reason.clone()).await;
        assert_eq!(escalated.status, StatusCode::OK, "{:?}", escalated.body);
        assert_eq!(escalated.body["sla"]["escalation_step"], step);
    }
    assert_problem(&f.server.post(&path, &user, reason.clone()).await, StatusCode::CONFLICT);
    let entries = history_of(&f, id, "escalation").await;
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["reason"], "Our whole site is blocked.", "the reason is in the history");

    let (_, sam) = f.supporter("answering-sam@example.org", f.first_line).await;
    f.server.post(&format!("/api/v1/tickets/{id}/articles"), &sam, json!({"body": "On it."})).await;
    let answered = f.server.post(&path, &user, reason).await;
    assert_problem(&answered, StatusCode::CONFLICT);
    assert!(answered.body["detail"].as_str().is_some_and(|d| d.contains("answered")), "{:?}", answered.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_ticket_warns_its_owner_then_breaches_and_escalates_each_step_once_by_mail() {
    let Some(peer) = mail_peer() else { return };
    let monitoring = unique_address("monitoring");
    let options = Options { mail: Some(peer.clone()), monitoring: Some(monitoring.clone()), ..Options::default() };
    let (f, clock) = fixture(options).await;
    let owner_address = unique_address("owner");
    let (owner, owner_token) = f.supporter(&owner_address, f.second_line).await;
    let first_line_address = unique_address("first-line");
    f.supporter(&first_line_address, f.first_line).await;
    let id = f.open(&f.admin, json!({})).await;
    let moved = f
        .server
        .patch(&format!("/api/v1/tickets/{id}"), &f.admin, json!({"unit": f.second_line, "owner": owner}))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    drop(owner_token);

    clock.advance(HOUR * 3);
    run_all(&f).await;
    let warning = peer.about(&owner_address, "(first response due soon)", 1).await;
    assert!(warning[0].text.contains("a quarter of its time is left"), "{}", warning[0].text);

    clock.advance(HOUR);
    run_all(&f).await;
    peer.about(&owner_address, "(first response overdue)", 1).await;
    assert_eq!(ticket(&f, id).await["sla"]["escalation_step"], 1);

    clock.advance(HOUR * 2);
    run_all(&f).await;
    peer.about(&owner_address, "(escalated, step 2)", 1).await;
    peer.about(&first_line_address, "(escalated, step 2)", 1).await;

    clock.advance(HOUR * 2);
    run_all(&f).await;
    peer.about(&monitoring, "(escalated, step 3)", 1).await;
    assert_eq!(ticket(&f, id).await["sla"]["escalation_step"], 3);

    // Passes after the last step send nothing again.
    run_all(&f).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    peer.about(&owner_address, "(first response due soon)", 1).await;
    peer.about(&owner_address, "(first response overdue)", 1).await;
    peer.about(&monitoring, "(escalated, step 3)", 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn in_real_time_a_one_minute_response_warns_then_breaches_on_a_running_server() {
    let Some(peer) = mail_peer() else { return };
    let f = Fixture::with(Options { mail: Some(peer.clone()), ..Options::default() }).await;
    round_the_clock(&f, "1m", "1h").await;
    let owner_address = unique_address("minute-owner");
    let (owner, _) = f.supporter(&owner_address, f.first_line).await;
    let id = f.open(&f.admin, json!({})).await;
    let owned = f.server.patch(&format!("/api/v1/tickets/{id}"), &f.admin, json!({"owner": owner})).await;
    assert_eq!(owned.status, StatusCode::OK, "{:?}", owned.body);
    // The server's own scheduler passes every 5 s: 45 s for the warning, 60 s for the breach.
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let late = peer.messages_for(&owner_address).iter().any(|m| m.subject.contains("(first response overdue)"));
        if late {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no breach within 90 s");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    peer.about(&owner_address, "(first response due soon)", 1).await;
    let breaches = history_of(&f, id, "sla_breach").await;
    assert_eq!(breaches.len(), 1);
    assert_eq!(ticket(&f, id).await["sla"]["response"]["state"], "breached");
}

#[tokio::test]
async fn the_ticket_page_shows_both_clocks_and_lets_the_requester_escalate_once_the_response_is_overdue() {
    let (f, clock) = fixture(Options::default()).await;
    let email = "page-requester@example.org";
    let (_, user) = f.server.account(email, &[Role::Community]).await;
    let password = "a long clocks password";
    f.server.app.set_password(&helpdesk_domain::policy::Actor::system(), email, password).await.expect("a password");
    let id = f.open(&user, json!({})).await;
    let mut session = WebSession::new(&f.server).await;
    session.sign_in(email, password).await;
    let page = session.get(&format!("/tickets/{id}")).await.html;
    assert!(
        page.contains(r#"<dt>First response</dt><dd><span class="clock running">running</span> due in 4 hours ("#),
        "the response clock in words: {}",
        page.split("<dt>").filter(|d| d.contains("clock")).collect::<Vec<_>>().join("|")
    );
    assert!(page.contains(r#"<dt>Resolution</dt><dd><span class="clock running">running</span> due in 16 hours ("#));
    assert!(!page.contains(r#"action="/tickets/{id}/escalate""#), "nothing to escalate yet");

    clock.advance(HOUR * 5);
    let page = session.get(&format!("/tickets/{id}")).await.html;
    assert!(page.contains(r#"<span class="clock breached">breached</span> overdue by 1 hour (due "#), "late, in words");
    assert!(page.contains(&format!(r#"action="/tickets/{id}/escalate""#)), "the escalation button");

    let path = format!("/tickets/{id}/escalate");
    let before = snapshot(f.server.store()).await;
    let blank = session.post_form(&path, &[("reason", " ")]).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.html.contains(r#"<p class="error" id="err-reason">"#), "the form says why");
    assert_eq!(snapshot(f.server.store()).await, before, "and nothing is written");

    let done = session.post_form(&path, &[("reason", "The site is down since Monday.")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let page = session.get(&format!("/tickets/{id}?done=escalate")).await.html;
    assert!(page.contains("<dt>Escalated</dt><dd>step 1 of 3</dd>"), "the page says how far");
    assert!(page.contains("The ticket is escalated"));
}

#[tokio::test]
async fn lists_filter_tickets_by_how_late_they_are_and_the_queue_puts_the_nearest_due_first() {
    let (f, clock) = fixture(Options::default()).await;
    let email = "queue-sam@example.org";
    let (_, sam) = f.supporter(email, f.first_line).await;
    let password = "a long queue password";
    f.server.app.set_password(&helpdesk_domain::policy::Actor::system(), email, password).await.expect("a password");
    let mut session = WebSession::new(&f.server).await;
    session.sign_in(email, password).await;
    // early: due at 4 h; at 2 h, running: due at 6 h, and urgent (high): due at 3 h.
    let early = f.open(&f.admin, json!({})).await;
    clock.advance(HOUR * 2);
    let running = f.open(&f.admin, json!({})).await;
    let urgent = f.open(&f.admin, json!({})).await;
    let set = f
        .server
        .patch(&format!("/api/v1/tickets/{urgent}"), &f.admin, json!({"priority": "high", "priority_reason": "Down"}))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    let queue = session.get("/queue").await.html;
    let at = |id: i64| queue.find(&format!("/tickets/{id}\"")).unwrap_or_else(|| panic!("#{id} in the queue"));
    assert!(at(urgent) < at(early) && at(early) < at(running), "the nearest due first");

    let ids = |answer: Value| -> Vec<i64> {
        answer["items"].as_array().expect("items").iter().filter_map(|t| t["id"].as_i64()).collect()
    };
    let listed = |q: &'static str| {
        let (f, sam) = (&f, sam.clone());
        async move { ids(f.server.get(&format!("/api/v1/tickets?{q}"), &sam).await.body) }
    };
    clock.advance(HOUR + HOUR / 2);
    assert_eq!(listed("sla=warning").await, [early], "a quarter or less of its time left");
    assert_eq!(listed("sla=breached").await, [urgent]);
    clock.advance(HOUR);
    assert_eq!(listed("sla=breached").await, [urgent, early], "newest first, as every list");
    assert_eq!(listed("sla=warning").await, Vec::<i64>::new(), "running has more than a quarter left");
    assert_problem(&f.server.get("/api/v1/tickets?sla=late", &sam).await, StatusCode::BAD_REQUEST);

    let late = session.get("/queue?sla=breached").await.html;
    assert!(late.contains(&format!("/tickets/{urgent}\"")) && !late.contains(&format!("/tickets/{running}\"")));
    let both = session.get("/queue?sla=breached&q=login").await.html;
    assert!(both.contains(&format!("/tickets/{urgent}\"")) && both.contains(&format!("/tickets/{early}\"")));
    assert!(!both.contains(&format!("/tickets/{running}\"")), "words and lateness narrow together");
}

#[tokio::test]
async fn a_search_by_words_narrows_to_the_tickets_late_on_a_clock_counts_included() {
    let (f, clock) = fixture(Options::default()).await;
    let email = "search-sam@example.org";
    let (_, sam) = f.supporter(email, f.first_line).await;
    let password = "a long search password";
    f.server.app.set_password(&helpdesk_domain::policy::Actor::system(), email, password).await.expect("a password");
    // At 5h10: overdue (due at 4 h) opened at 0; due soon (3h10 of 4 h gone) opened at 2 h.
    let overdue = f.open(&f.admin, json!({"title": "Tape library offline"})).await;
    clock.advance(HOUR * 2);
    let soon = f.open(&f.admin, json!({"title": "Tape drive cleaning"})).await;
    let printer = f.open(&f.admin, json!({"title": "Printer jammed"})).await;
    clock.advance(HOUR * 3 + HOUR / 6);
    f.server.search.catch_up().await.expect("the index catches up");

    let found = |query: &'static str| {
        let (f, sam) = (&f, sam.clone());
        async move {
            let answer = f.server.get(&format!("/api/v1/search?{query}"), &sam).await;
            assert_eq!(answer.status, StatusCode::OK, "{query}: {:?}", answer.body);
            let mut ids: Vec<i64> =
                answer.body["items"].as_array().expect("items").iter().filter_map(|h| h["id"].as_i64()).collect();
            ids.sort_unstable();
            (ids, answer.body["total"].as_i64().expect("a total"))
        }
    };
    assert_eq!(found("q=tape").await, (vec![overdue, soon], 2));
    assert_eq!(found("q=tape&sla=breached").await, (vec![overdue], 1), "the count holds only late ones");
    assert_eq!(found("q=tape&sla=warning").await, (vec![soon], 1));
    assert_eq!(found("q=printer&sla=breached").await, (vec![], 0));
    assert_eq!(found("sla=warning").await, (vec![soon, printer], 2), "without words, every late one");

    let before = snapshot(f.server.store()).await;
    assert_problem(&f.server.get("/api/v1/search?q=tape&sla=late", &sam).await, StatusCode::BAD_REQUEST);
    assert_eq!(snapshot(f.server.store()).await, before, "a refusal writes nothing");

    let mut session = WebSession::new(&f.server).await;
    session.sign_in(email, password).await;
    let page = session.get("/tickets?q=tape&sla=breached").await.html;
    assert!(page.contains(&format!("/tickets/{overdue}\"")), "the list page searches with the filter");
    assert!(!page.contains(&format!("/tickets/{soon}\"")) && !page.contains(&format!("/tickets/{printer}\"")));
}

#[tokio::test]
async fn running_clocks_take_a_levels_new_times_and_a_units_new_level_at_once() {
    let clock = TestClock::now();
    let f = Fixture::with(Options { clock: Some(clock.clone()), ..Options::default() }).await;
    let level = round_the_clock(&f, "4h", "16h").await;
    let id = f.open(&f.admin, json!({})).await;
    let opened = at(&ticket(&f, id).await["created_at"]);
    clock.advance(HOUR);
    let plain = json!({"response": "2h", "resolution": "8h"});
    let targets = json!({"low": plain, "medium": plain, "high": plain, "top": plain});
    let edited =
        f.server.patch(&format!("/api/v1/service-levels/{level}"), &f.admin, json!({"targets": targets})).await;
    assert_eq!(edited.status, StatusCode::OK, "{:?}", edited.body);
    let sla = ticket(&f, id).await["sla"].clone();
    assert_eq!(at(&sla["response"]["due"]), opened + HOUR * 2, "the level's new time, from the clock's start");
    assert_eq!(at(&sla["resolution"]["due"]), opened + HOUR * 8);

    let base = f.server.patch(&format!("/api/v1/units/{}", f.first_line), &f.admin, json!({"service_level": 1})).await;
    assert_eq!(base.status, StatusCode::OK, "{:?}", base.body);
    let sla = ticket(&f, id).await["sla"].clone();
    assert_eq!(sla["level"], "Base");
    assert!(at(&sla["response"]["due"]) > opened + HOUR * 24, "Base's five working days");
}
