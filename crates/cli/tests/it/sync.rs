//! External-mode units kept in step with another ticketing system: two Helpdesks pushing to each
//! other through signed webhooks (one killed and started again in the middle), RT 5 through
//! REST 2.0 when its peer runs here, and every refusal of the connector setup and the webhooks.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use helpdesk_domain::UnitId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

use crate::common::{Answer, Node, TestServer, assert_problem, created, eventually, snapshot};
use helpdesk_domain::account::Role;

const KEY: &str = "a signing key both helpdesks share";
const WAIT: Duration = Duration::from_secs(30);

/// An external-mode unit on `node` and a category that routes to it.
async fn external_unit(node: &Node, name: &str) -> (i64, i64) {
    let unit = node
        .call(
            Method::POST,
            "/api/v1/units",
            Some(json!({"name": name, "level": 2, "email": "mirror@example.org", "integration": "external"})),
        )
        .await;
    let unit = created(unit);
    let category = node
        .call(
            Method::POST,
            "/api/v1/categories",
            Some(json!({"name": format!("{name} tickets"), "default_unit": unit})),
        )
        .await;
    (unit, created(category))
}

async fn connect(node: &Node, unit: i64, other: &Node, other_unit: i64) {
    connect_at(node, unit, &other.url, other_unit).await;
}

/// Links `unit` of `node` to `other_unit` of the Helpdesk at `url`, asking it for what it could
/// not push every second.
async fn connect_at(node: &Node, unit: i64, url: &str, other_unit: i64) {
    let body = json!({"kind": "helpdesk", "url": url, "queue": other_unit.to_string(), "poll_seconds": 1,
        "credentials": {"signing_key": KEY}});
    let answer = node.call(Method::PUT, &format!("/api/v1/units/{unit}/connector"), Some(body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body["has_credentials"], true);
    assert!(!answer.body.to_string().contains(KEY), "the key is never shown back: {}", answer.body);
}

async fn open(node: &Node, category: i64, title: &str) -> i64 {
    let body = json!({"title": title, "description": "Quota exceeded on /home since this morning.",
        "category": category, "type": "incident", "privacy": "public"});
    created(node.call(Method::POST, "/api/v1/tickets", Some(body)).await)
}

async fn reply(node: &Node, ticket: i64, body: &str, internal: bool) {
    let answer = node
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{ticket}/articles"),
            Some(json!({"body": body, "internal": internal})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
}

/// How many articles of a ticket hold `text`, and whether they are internal.
async fn articles_with(node: &Node, ticket: i64, text: &str) -> Vec<bool> {
    let page = node.get_ok(&format!("/api/v1/tickets/{ticket}/articles?per_page=100")).await.unwrap_or(Value::Null);
    let items = page["items"].as_array().cloned().unwrap_or_default();
    items
        .iter()
        .filter(|a| a["body"].as_str().is_some_and(|b| b.contains(text)))
        .map(|a| a["internal"] == true)
        .collect()
}

/// The ticket's link once the other side holds its copy.
async fn linked(node: &Node, ticket: i64) -> Value {
    eventually(&format!("ticket #{ticket} on {} to reach the other side", node.url), WAIT, || async {
        let link = node.get_ok(&format!("/api/v1/tickets/{ticket}/external")).await?;
        (link["external_id"].is_string() && link["state"] == "in_step").then_some(link)
    })
    .await
}

async fn arrives(node: &Node, ticket: i64, text: &str) -> Vec<bool> {
    eventually(&format!("'{text}' on #{ticket} at {}", node.url), WAIT, || async {
        let found = articles_with(node, ticket, text).await;
        (!found.is_empty()).then_some(found)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn two_helpdesks_keep_tickets_in_step_both_ways_and_lose_nothing_while_one_is_down() {
    let mut a = Node::start().await;
    let mut b = Node::start().await;
    let (a_unit, a_category) = external_unit(&a, "Storage at B").await;
    let (b_unit, b_category) = external_unit(&b, "Tickets from A").await;
    connect(&a, a_unit, &b, b_unit).await;
    connect(&b, b_unit, &a, a_unit).await;
    let check = a.call(Method::POST, &format!("/api/v1/units/{a_unit}/connector/test"), None).await;
    assert_eq!(check.body["ok"], true, "{:?}", check.body);

    // A ticket opened at A in the external unit is created at B, linked both ways.
    let at_a = open(&a, a_category, "Disk quota exceeded").await;
    let link = linked(&a, at_a).await;
    let at_b: i64 = link["external_id"].as_str().and_then(|s| s.parse().ok()).expect("B's ticket number");
    assert_eq!(link["external_url"], format!("{}/tickets/{at_b}", b.url));
    let copy = b.get_ok(&format!("/api/v1/tickets/{at_b}")).await.expect("B has the ticket");
    assert_eq!(copy["title"], "Disk quota exceeded");
    assert_eq!(copy["unit"], b_unit);
    assert_eq!(linked(&b, at_b).await["external_id"], at_a.to_string());

    // A public reply at B becomes a reply at A; an internal note at A a note at B.
    reply(&b, at_b, "Quota raised to 20 GB.", false).await;
    assert_eq!(arrives(&a, at_a, "Quota raised to 20 GB.").await, vec![false]);
    reply(&a, at_a, "Customer is a VIP, please hurry.", true).await;
    assert_eq!(arrives(&b, at_b, "Customer is a VIP").await, vec![true]);

    // B goes down: A's reply waits, visibly failing, and arrives once B is back.
    b.kill();
    reply(&a, at_a, "Still full after logging out and in.", false).await;
    let failing = eventually("A to show the ticket failing", WAIT, || async {
        let page = a.get_ok("/api/v1/sync").await?;
        let link = page["items"].as_array()?.iter().find(|l| l["ticket"] == at_a)?.clone();
        (link["state"] == "failing").then_some(link)
    })
    .await;
    assert!(failing["last_error"].as_str().is_some_and(|e| e.contains("cannot connect")), "{failing}");
    assert!(failing["pending_since"].is_string(), "{failing}");
    b.resume();
    assert_eq!(arrives(&b, at_b, "Still full after logging out").await, vec![false]);

    // A ticket opened at B travels the other way.
    let from_b = open(&b, b_category, "Backup restore needed").await;
    let back = linked(&b, from_b).await;
    let at_a2: i64 = back["external_id"].as_str().and_then(|s| s.parse().ok()).expect("A's number");
    assert_eq!(
        a.get_ok(&format!("/api/v1/tickets/{at_a2}")).await.expect("A has it")["title"],
        "Backup restore needed"
    );

    // A is killed and started again; B's reply waits and arrives.
    a.kill();
    reply(&b, at_b, "Cleaned up old snapshots.", false).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    a.resume();
    assert_eq!(arrives(&a, at_a, "Cleaned up old snapshots.").await, vec![false]);

    // Solved at B: solved at A, and the history of A says where it came from.
    let solve = b
        .call(
            Method::PATCH,
            &format!("/api/v1/tickets/{at_b}"),
            Some(json!({"status": "solved", "resolution": "fixed"})),
        )
        .await;
    assert_eq!(solve.status, StatusCode::OK, "{:?}", solve.body);
    eventually("the solution to reach A", WAIT, || async {
        let t = a.get_ok(&format!("/api/v1/tickets/{at_a}")).await?;
        (t["status"] == "solved").then_some(())
    })
    .await;

    // Once both are in step, every article exists once on each side: nothing echoed, nothing doubled.
    linked(&a, at_a).await;
    linked(&b, at_b).await;
    for text in ["Quota raised", "VIP", "Still full", "Cleaned up"] {
        assert_eq!(articles_with(&a, at_a, text).await.len(), 1, "'{text}' once at A");
        assert_eq!(articles_with(&b, at_b, text).await.len(), 1, "'{text}' once at B");
    }
    let a_tickets = a.get_ok("/api/v1/tickets?per_page=100").await.expect("A's tickets");
    let b_tickets = b.get_ok("/api/v1/tickets?per_page=100").await.expect("B's tickets");
    assert_eq!(a_tickets["total"], 2, "A holds its ticket and B's, once each");
    assert_eq!(b_tickets["total"], 2, "B holds its ticket and A's, once each");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_helpdesk_that_cannot_push_is_pulled_from_and_nothing_is_made_twice_once_it_can() {
    let a = Node::start().await;
    let b = Node::start().await;
    let (a_unit, a_category) = external_unit(&a, "Storage at B").await;
    let (b_unit, _) = external_unit(&b, "Tickets from A").await;
    // A's address for B leads nowhere (a firewall, a wrong port): A cannot push, B can pull.
    connect_at(&a, a_unit, "http://127.0.0.1:9", b_unit).await;
    connect(&b, b_unit, &a, a_unit).await;

    let at_a = open(&a, a_category, "Tape library offline").await;
    reply(&a, at_a, "The robot arm is stuck.", false).await;
    let at_b = eventually("B to pull A's ticket", WAIT, || async {
        let found = b.get_ok("/api/v1/tickets?per_page=100").await?;
        found["items"].as_array()?.iter().find(|t| t["title"] == "Tape library offline")?["id"].as_i64()
    })
    .await;
    assert_eq!(arrives(&b, at_b, "The robot arm is stuck.").await, vec![false]);
    assert_eq!(linked(&b, at_b).await["external_id"], at_a.to_string(), "B's copy points at A's ticket");
    // B's receipts tell A what its changes made: A, still unable to reach B, is in step all the same.
    let link = linked(&a, at_a).await;
    assert_eq!(link["external_id"], at_b.to_string(), "A learns B's copy from the receipt");

    // A later reply comes over by pulling too, and B's reply reaches A by B's own push.
    reply(&a, at_a, "Replaced the gripper; inventory running.", false).await;
    assert_eq!(arrives(&b, at_b, "Replaced the gripper").await, vec![false]);
    reply(&b, at_b, "Inventory done, 312 tapes.", false).await;
    assert_eq!(arrives(&a, at_a, "Inventory done").await, vec![false]);
    linked(&a, at_a).await;
    // Delivered once, nothing is served again: B's history holds each reply once after more pulls.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(articles_with(&b, at_b, "Replaced the gripper").await.len(), 1);

    // A ticket with more to pull than a page holds (500 events) comes over whole, over pages
    // that end within it, each reply once.
    // B pauses meanwhile, so that all of it waits at once.
    let b_connector = format!("/api/v1/units/{b_unit}/connector");
    let paused = json!({"kind": "helpdesk", "url": a.url, "queue": a_unit.to_string(), "poll_seconds": 1,
        "enabled": false});
    assert_eq!(b.call(Method::PUT, &b_connector, Some(paused)).await.status, StatusCode::OK);
    let long = open(&a, a_category, "Robot log, line by line").await;
    let lines: Vec<String> = (0..520).map(|i| format!("log line {i:03}.")).collect();
    for chunk in lines.chunks(20) {
        futures::future::join_all(chunk.iter().map(|line| reply(&a, long, line, false))).await;
    }
    connect(&b, b_unit, &a, a_unit).await;
    let long_at_b = eventually("B to pull the long ticket", WAIT, || async {
        let found = b.get_ok("/api/v1/tickets?per_page=100").await?;
        found["items"].as_array()?.iter().find(|t| t["title"] == "Robot log, line by line")?["id"].as_i64()
    })
    .await;
    eventually("all 520 lines at B", Duration::from_secs(60), || async {
        let page = b.get_ok(&format!("/api/v1/tickets/{long_at_b}/articles?per_page=1")).await?;
        (page["total"] == 520).then_some(())
    })
    .await;
    assert_eq!(articles_with(&b, long_at_b, "log line 000.").await.len(), 1, "the first once, and 520 in all");

    // A's address fixed: its pushes go straight through, and nothing is made twice.
    connect(&a, a_unit, &b, b_unit).await;
    reply(&a, at_a, "Tapes back in service.", false).await;
    assert_eq!(arrives(&b, at_b, "Tapes back in service.").await, vec![false]);
    let link = linked(&a, at_a).await;
    assert_eq!(link["external_id"], at_b.to_string(), "still the one copy");
    for text in ["robot arm", "Replaced the gripper", "Inventory done", "Tapes back"] {
        assert_eq!(articles_with(&a, at_a, text).await.len(), 1, "'{text}' once at A");
        assert_eq!(articles_with(&b, at_b, text).await.len(), 1, "'{text}' once at B");
    }
    let b_tickets = b.get_ok("/api/v1/tickets?per_page=100").await.expect("B's tickets");
    assert_eq!(b_tickets["total"], 2, "B holds A's two tickets once each");
}

/// A signed webhook request for `body` at `at` (Unix seconds) with `nonce`.
fn signed(key: &str, at: i64, nonce: &str, body: &str) -> String {
    helpdesk_app::sync::signature::sign(key.as_bytes(), at, nonce, body.as_bytes())
}

#[tokio::test]
async fn connector_setup_and_webhooks_refuse_bad_input_and_write_nothing() {
    let server = TestServer::start().await;
    let (_, admin) = server.account("admin@example.org", &[Role::Admin]).await;
    let (_, staff) = server.account("staff@example.org", &[Role::Staff]).await;
    let direct = created(
        server.post("/api/v1/units", &admin, json!({"name": "Direct", "level": 1, "email": "d@example.org"})).await,
    );
    let external = created(
        server
            .post(
                "/api/v1/units",
                &admin,
                json!({"name": "RT at EUDAT", "level": 2, "email": "rt@example.org", "integration": "external"}),
            )
            .await,
    );
    let rt = json!({"kind": "rt", "url": "http://127.0.0.1:9/", "queue": "General",
        "credentials": {"user": "helpdesk-sync", "secret": "pw"}});
    let before = snapshot(server.store()).await;
    let put = |token: String, unit: i64, body: Value| {
        let server = &server;
        async move {
            server
                .call(
                    Method::PUT,
                    &format!("/api/v1/units/{unit}/connector"),
                    Some(&token).map(|t| t.as_str()),
                    Some(body),
                )
                .await
        }
    };
    let mut no_password = rt.clone();
    no_password["credentials"] = json!({"user": "helpdesk-sync"});
    let mut bad_url = rt.clone();
    bad_url["url"] = json!("rt.example.org");
    let mut short_key = json!({"kind": "helpdesk", "url": "http://127.0.0.1:9", "queue": "3"});
    short_key["credentials"] = json!({"signing_key": "short"});
    let table = [
        (staff.clone(), external, rt.clone(), StatusCode::FORBIDDEN, "only admins"),
        (admin.clone(), direct, rt.clone(), StatusCode::UNPROCESSABLE_ENTITY, "set it to external first"),
        (admin.clone(), 999, rt.clone(), StatusCode::NOT_FOUND, "no unit 999"),
        (admin.clone(), external, no_password, StatusCode::UNPROCESSABLE_ENTITY, "password"),
        (admin.clone(), external, bad_url, StatusCode::UNPROCESSABLE_ENTITY, "http://"),
        (admin.clone(), external, short_key, StatusCode::UNPROCESSABLE_ENTITY, "at least 24"),
        (admin.clone(), external, json!({"kind": "jira"}), StatusCode::UNPROCESSABLE_ENTITY, "'jira' is not one of rt"),
    ];
    for (token, unit, body, status, says) in table {
        let answer = put(token, unit, body.clone()).await;
        assert_problem(&answer, status);
        assert!(answer.body.to_string().contains(says), "{body} says '{says}': {:?}", answer.body);
        assert_eq!(snapshot(server.store()).await, before, "{body} wrote nothing");
    }

    // Stored, the password is never shown back; the test says plainly that RT is not there.
    let stored = put(admin.clone(), external, rt).await;
    assert_eq!(stored.status, StatusCode::OK, "{:?}", stored.body);
    assert!(!stored.body.to_string().contains("\"pw\""), "{:?}", stored.body);
    let shown = server.get(&format!("/api/v1/units/{external}/connector"), &admin).await;
    assert!(!shown.body.to_string().contains("\"pw\""), "{:?}", shown.body);
    let sealed = server.store().connector(UnitId(external)).await.expect("read").expect("stored");
    let bytes = sealed.sealed_credentials.expect("sealed credentials");
    assert!(!bytes.windows(13).any(|w| w == b"helpdesk-sync"), "stored sealed, not in clear");
    let test = server.post(&format!("/api/v1/units/{external}/connector/test"), &admin, json!({})).await;
    assert_eq!(test.body["ok"], false, "{:?}", test.body);
    assert!(test.body["message"].as_str().is_some_and(|m| m.contains("cannot connect")), "{:?}", test.body);

    // Webhooks: a unit without a webhook connector, a wrong key, an old signature, a replay.
    let hook = json!({"kind": "webhook", "url": "http://127.0.0.1:9/hook", "queue": "",
        "credentials": {"signing_key": KEY}});
    assert_eq!(put(admin.clone(), external, hook).await.status, StatusCode::OK);
    let event = json!({"id": "e1", "at": "2026-11-24T06:00:00Z", "ticket": "77", "type": "ticket.created",
        "title": "From elsewhere", "description": "d", "requester_email": "x@example.org", "requester_name": "X"})
    .to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let before = snapshot(server.store()).await;
    let table = [
        (direct, signed(KEY, now, "n1", &event), StatusCode::NOT_FOUND, "takes no webhooks"),
        (
            external,
            signed("another key entirely, 24+ chars", now, "n2", &event),
            StatusCode::UNAUTHORIZED,
            "same signing key",
        ),
        (external, signed(KEY, now - 600, "n3", &event), StatusCode::UNAUTHORIZED, "s away from this server's"),
        (external, String::new(), StatusCode::UNAUTHORIZED, "no valid helpdesk-signature"),
    ];
    for (unit, signature, status, says) in table {
        let answer = post_signed(&server, &format!("/api/v1/sync/{unit}/events"), signature, &event).await;
        assert_eq!(answer.status(), status);
        let text = answer.text().await.expect("a body");
        assert!(text.contains(says), "says '{says}': {text}");
        assert_eq!(snapshot(server.store()).await, before, "refused, wrote nothing");
    }
    // No category routes to the unit yet: refused, and nothing written but the nonce.
    let signature = signed(KEY, now, "n4", &event);
    let events_path = format!("/api/v1/sync/{external}/events");
    let send = |signature: String| post_signed(&server, &events_path, signature, &event);
    let answer = send(signature).await;
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    created(server.post("/api/v1/categories", &admin, json!({"name": "Elsewhere", "default_unit": external})).await);
    let signature = signed(KEY, now, "n5", &event);
    let first = send(signature.clone()).await;
    assert_eq!(first.status(), StatusCode::OK);
    let made: Value = first.json().await.expect("json");
    let replay = send(signature).await;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED, "a replay is refused");
    // The same event, signed afresh (a retry), makes nothing new.
    let again: Value = send(signed(KEY, now, "n6", &event)).await.json().await.expect("json");
    assert_eq!(again, made, "a retried event is applied once");

    // Pulls: served only to another Helpdesk's connector, signed, from where a page ended.
    let pull_path = format!("/api/v1/sync/{external}/pull");
    let pull = |signature: String, body: &'static str| post_signed(&server, &pull_path, signature, body);
    let before = snapshot(server.store()).await;
    let answer = pull(signed(KEY, now, "p1", "{}"), "{}").await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    assert!(answer.text().await.expect("a body").contains("not linked to another Helpdesk"));
    assert_eq!(snapshot(server.store()).await, before, "a webhook unit serves no pulls, and wrote nothing");
    let peer = json!({"kind": "helpdesk", "url": "http://127.0.0.1:9", "queue": "3",
        "credentials": {"signing_key": KEY}});
    assert_eq!(put(admin.clone(), external, peer).await.status, StatusCode::OK);
    let before = snapshot(server.store()).await;
    let table = [
        (
            signed("another key entirely, 24+ chars", now, "p2", "{}"),
            "{}",
            StatusCode::UNAUTHORIZED,
            "same signing key",
        ),
        (signed(KEY, now - 600, "p3", "{}"), "{}", StatusCode::UNAUTHORIZED, "s away from this server's"),
        (
            signed(KEY, now, "p4", r#"{"after":"x"}"#),
            r#"{"after":"x"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "not where a page ended",
        ),
        (signed(KEY, now, "p5", "[1]"), "[1]", StatusCode::UNPROCESSABLE_ENTITY, "not a pull request"),
    ];
    for (signature, body, status, says) in table {
        let answer = pull(signature, body).await;
        assert_eq!(answer.status(), status, "{body}");
        let text = answer.text().await.expect("a body");
        assert!(text.contains(says), "{body} says '{says}': {text}");
        assert_eq!(snapshot(server.store()).await, before, "{body} refused, wrote nothing");
    }
    let page: Value = pull(signed(KEY, now, "p6", "{}"), "{}").await.json().await.expect("a page");
    assert_eq!(page, json!({"events": [], "next": "", "more": false}), "nothing is held back");

    // Receipts: signed, a list; one about a ticket not of this unit records nothing.
    let received_path = format!("/api/v1/sync/{external}/received");
    let receipts = |signature: String, body: &'static str| post_signed(&server, &received_path, signature, body);
    let before = snapshot(server.store()).await;
    let stranger = r#"[{"ticket": "999", "type": "ticket.status", "value": "resolved"}]"#;
    let table = [
        (
            signed("another key entirely, 24+ chars", now, "r1", "[]"),
            "[]",
            StatusCode::UNAUTHORIZED,
            "same signing key",
        ),
        (signed(KEY, now, "r2", "{}"), "{}", StatusCode::UNPROCESSABLE_ENTITY, "not receipts"),
        (signed(KEY, now, "r3", stranger), stranger, StatusCode::OK, r#"{"recorded":0}"#),
    ];
    let but_nonces = |counts: Vec<(&'static str, i64)>| -> Vec<(&'static str, i64)> {
        counts.into_iter().filter(|(table, _)| *table != "webhook_nonces").collect()
    };
    for (signature, body, status, says) in table {
        let answer = receipts(signature, body).await;
        assert_eq!(answer.status(), status, "{body}");
        let text = answer.text().await.expect("a body");
        assert!(text.contains(says), "{body} says '{says}': {text}");
        // A valid request's nonce is kept (against replays); nothing else is written.
        assert_eq!(but_nonces(snapshot(server.store()).await), but_nonces(before.clone()), "{body} wrote nothing");
    }
}

/// The RT peer's address, when `.ci/run` started it (with `bench/rt-sync-user.sh`).
fn rt_peer() -> Option<(String, std::path::PathBuf)> {
    let url = std::env::var("HELPDESK_TEST_RT").ok()?;
    let scripts = std::env::var("HELPDESK_TEST_RT_PEER").ok()?;
    Some((url.trim_end_matches('/').to_owned(), scripts.into()))
}

/// RT's REST 2.0 as root, signed in through the login form once.
struct RtSide {
    url: String,
    client: reqwest::Client,
}

impl RtSide {
    async fn sign_in(url: &str) -> RtSide {
        // RT takes a write authenticated by its session cookie only from its own address.
        let referer = reqwest::header::HeaderValue::from_str(&format!("{url}/")).expect("an address");
        let headers = reqwest::header::HeaderMap::from_iter([(reqwest::header::REFERER, referer)]);
        let client = reqwest::Client::builder().cookie_store(true).default_headers(headers).build().expect("a client");
        let form = [("user", "root"), ("pass", "password")];
        client.post(format!("{url}/NoAuth/Login.html")).form(&form).send().await.expect("RT answers");
        RtSide { url: url.to_owned(), client }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.client.request(method, format!("{}/REST/2.0/{path}", self.url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.expect("RT answers");
        assert!(answer.status().is_success(), "RT {path}: {}", answer.status());
        answer.json().await.expect("RT answers JSON")
    }

    /// The texts of a ticket's replies (correspondence) in RT.
    async fn replies(&self, ticket: &str) -> Vec<String> {
        let history = self.call(Method::GET, &format!("ticket/{ticket}/history?fields=Type&per_page=100"), None).await;
        let mut texts = Vec::new();
        for item in history["items"].as_array().cloned().unwrap_or_default() {
            if item["Type"] == "Correspond" {
                let id = item["id"].as_str().unwrap_or_default().to_owned();
                let parts = self.call(Method::GET, &format!("transaction/{id}/attachments?fields=Content"), None).await;
                texts.extend(
                    parts["items"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p["Content"].as_str().map(str::to_owned)),
                );
            }
        }
        texts
    }
}

fn run_peer_script(scripts: &std::path::Path, name: &str) {
    let status = std::process::Command::new(scripts.join(name))
        .stdout(std::process::Stdio::null())
        .status()
        .expect("the RT peer's script runs");
    assert!(status.success(), "{name} succeeded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_escalated_to_an_rt_unit_stays_in_step_with_rt_and_survives_rt_going_down() {
    let Some((rt_url, scripts)) = rt_peer() else {
        crate::common::peer_not_run("the RT sync scenario", "HELPDESK_TEST_RT and HELPDESK_TEST_RT_PEER (see .ci/run)");
        return;
    };
    let node = Node::start().await;
    let (unit, category) = external_unit(&node, "RT at EUDAT").await;
    let connector = |password: &str| {
        json!({"kind": "rt", "url": rt_url, "queue": "General", "poll_seconds": 1,
            "credentials": {"user": "helpdesk-sync", "secret": password}})
    };
    let path = format!("/api/v1/units/{unit}/connector");
    node.call(Method::PUT, &path, Some(connector("not the password"))).await;
    let test = node.call(Method::POST, &format!("{path}/test"), None).await;
    assert_eq!(test.body["ok"], false, "{:?}", test.body);
    assert!(
        test.body["message"].as_str().is_some_and(|m| m.contains("refused the user name or password")),
        "{:?}",
        test.body
    );
    // The right password at an address RT does not take as its own (127.1 is 127.0.0.1 spelt
    // otherwise): RT reads, but refuses every write as a possible cross-site forgery, and the
    // test says so instead of "ok".
    let mut elsewhere = connector("helpdesk-sync-password");
    elsewhere["url"] = json!(rt_url.replace("127.0.0.1", "127.1"));
    node.call(Method::PUT, &path, Some(elsewhere)).await;
    let test = node.call(Method::POST, &format!("{path}/test"), None).await;
    assert_eq!(test.body["ok"], false, "{:?}", test.body);
    assert!(
        test.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Cross-site request forgery") && m.contains("$WebBaseURL")),
        "{:?}",
        test.body
    );
    node.call(Method::PUT, &path, Some(connector("helpdesk-sync-password"))).await;
    let test = node.call(Method::POST, &format!("{path}/test"), None).await;
    assert_eq!(test.body["ok"], true, "{:?}", test.body);
    let said = test.body["message"].as_str().unwrap_or_default();
    assert!(said.contains("queue 'General' found") && said.contains("RT takes its writes"), "{:?}", test.body);
    let rt = RtSide::sign_in(&rt_url).await;

    // Escalated to the RT unit: created in RT, with the id and link on the ticket.
    let ticket = open(&node, category, "Storage quota at EUDAT").await;
    let link = linked(&node, ticket).await;
    let remote = link["external_id"].as_str().expect("RT's id").to_owned();
    assert_eq!(link["external_url"], format!("{rt_url}/Ticket/Display.html?id={remote}"));
    let in_rt = rt.call(Method::GET, &format!("ticket/{remote}"), None).await;
    assert_eq!(in_rt["Subject"], "Storage quota at EUDAT");

    // A reply here becomes correspondence there; correspondence there a reply here, once.
    reply(&node, ticket, "We need 5 TB more.", false).await;
    linked(&node, ticket).await;
    eventually("the reply to reach RT", WAIT, || async {
        rt.replies(&remote).await.iter().any(|t| t.contains("We need 5 TB more.")).then_some(())
    })
    .await;
    // It brings its files: a text file and a binary one, byte for byte, with the reply.
    let binary: Vec<u8> = (0..=255u8).rev().collect();
    let files = json!([
        {"FileName": "quota.csv", "FileType": "text/csv", "FileContent": STANDARD.encode("user,quota\nalice,5TB\n")},
        {"FileName": "grant.bin", "FileType": "application/octet-stream", "FileContent": STANDARD.encode(&binary)},
    ]);
    rt.call(
        Method::POST,
        &format!("ticket/{remote}/correspond"),
        Some(json!({"Content": "Granted until June.", "ContentType": "text/plain", "Attachments": files})),
    )
    .await;
    assert_eq!(arrives(&node, ticket, "Granted until June.").await, vec![false]);
    let page = node.get_ok(&format!("/api/v1/tickets/{ticket}/articles?per_page=100")).await.expect("articles");
    let granted = page["items"].as_array().into_iter().flatten().find(|a| a["body"] == "Granted until June.");
    let granted = granted.expect("the reply, as written in RT");
    assert_eq!((granted["external_author"].as_str(), granted["author"].as_i64()), (Some("root (RT)"), None));
    let csv = node.files_named(ticket, "quota.csv").await;
    assert_eq!(csv.len(), 1, "one copy of the file");
    assert_eq!(csv[0].1, b"user,quota\nalice,5TB\n");
    assert!(csv[0].0.is_some(), "it came with the reply, not with the ticket");
    assert_eq!(node.files_named(ticket, "grant.bin").await.into_iter().map(|f| f.1).collect::<Vec<_>>(), vec![binary]);
    // A reply written in RT's rich-text editor (HTML alone) comes as its text.
    let html = json!({"Content": "<p>Quota <b>doubled</b> &amp; logged.</p>", "ContentType": "text/html"});
    rt.call(Method::POST, &format!("ticket/{remote}/correspond"), Some(html)).await;
    assert_eq!(arrives(&node, ticket, "Quota doubled & logged.").await, vec![false]);

    // RT goes down mid-exchange: the reply waits and arrives once RT is back, once.
    run_peer_script(&scripts, "stop.sh");
    reply(&node, ticket, "Thanks, closing on our side soon.", false).await;
    eventually("the ticket to show failing while RT is down", WAIT, || async {
        let link = node.get_ok(&format!("/api/v1/tickets/{ticket}/external")).await?;
        (link["state"] == "failing").then_some(())
    })
    .await;
    run_peer_script(&scripts, "start.sh");
    let rt = RtSide::sign_in(&rt_url).await;
    eventually("the reply written while RT was down to reach it", Duration::from_secs(90), || async {
        let link = node.get_ok(&format!("/api/v1/tickets/{ticket}/external")).await?;
        (link["state"] == "in_step").then_some(())
    })
    .await;
    let replies = rt.replies(&remote).await;
    assert_eq!(replies.iter().filter(|t| t.contains("Thanks, closing")).count(), 1, "{replies:?}");
    assert_eq!(replies.iter().filter(|t| t.contains("We need 5 TB more.")).count(), 1, "{replies:?}");

    // Resolved in RT: solved here, and nothing of ours came back as a reply.
    rt.call(Method::PUT, &format!("ticket/{remote}"), Some(json!({"Status": "resolved"}))).await;
    eventually("RT's resolution to solve the ticket", WAIT, || async {
        let t = node.get_ok(&format!("/api/v1/tickets/{ticket}")).await?;
        (t["status"] == "solved").then_some(())
    })
    .await;
    assert_eq!(articles_with(&node, ticket, "Granted until June.").await.len(), 1);
    assert_eq!(articles_with(&node, ticket, "We need 5 TB more.").await.len(), 1, "no echo of our own reply");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_unit_working_in_zammad_stays_in_step_with_another_helpdesks_zammad_face() {
    let a = Node::start().await;
    let b = Node::start().await;
    // The connector signs in to B with an account of its own, so that B's people are not it.
    let mut args =
        vec!["admin", "create-user", "--email", "zammad-sync@example.org", "--name", "Sync", "--role", "staff"];
    let db = b.db.cli_args();
    args.extend(db.iter().map(String::as_str));
    assert!(crate::common::run_helpdesk(&args).ok);
    let mut args = vec!["admin", "create-token", "--email", "zammad-sync@example.org"];
    args.extend(db.iter().map(String::as_str));
    let token = crate::common::run_helpdesk(&args).stdout.trim().to_owned();
    let storage = created(
        b.call(Method::POST, "/api/v1/units", Some(json!({"name": "Storage", "level": 2, "email": "s@example.org"})))
            .await,
    );
    created(
        b.call(Method::POST, "/api/v1/categories", Some(json!({"name": "Storage problems", "default_unit": storage})))
            .await,
    );

    let (unit, category) = external_unit(&a, "Storage in Zammad").await;
    let body = json!({"kind": "zammad", "url": format!("{}/zammad", b.url), "queue": "Storage", "poll_seconds": 1,
        "credentials": {"secret": token}});
    let saved = a.call(Method::PUT, &format!("/api/v1/units/{unit}/connector"), Some(body)).await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    let test = a.call(Method::POST, &format!("/api/v1/units/{unit}/connector/test"), None).await;
    assert_eq!(test.body["ok"], true, "{:?}", test.body);
    assert!(test.body["message"].as_str().is_some_and(|m| m.contains("group 'Storage' found")), "{:?}", test.body);

    let ticket = open(&a, category, "Tape library offline").await;
    let link = linked(&a, ticket).await;
    let remote: i64 = link["external_id"].as_str().and_then(|s| s.parse().ok()).expect("B's number");
    let copy = b.get_ok(&format!("/api/v1/tickets/{remote}")).await.expect("B has it");
    assert_eq!((copy["title"].as_str(), copy["unit"].as_i64()), (Some("Tape library offline"), Some(storage)));

    reply(&a, ticket, "Robot arm stuck at slot 4.", false).await;
    assert_eq!(arrives(&b, remote, "Robot arm stuck").await, vec![false]);
    reply(&b, remote, "Arm freed, library back online.", false).await;
    assert_eq!(arrives(&a, ticket, "Arm freed").await, vec![false]);
    // A reply with a file there (made through B's Zammad face) brings the file here.
    let log = "slot 4: ok\nslot 5: ok\n";
    let with_file = json!({"ticket_id": remote, "body": "Inventory log attached.",
        "attachments": [{"filename": "inventory.log", "data": STANDARD.encode(log), "mime-type": "text/plain"}]});
    let posted = reqwest::Client::new()
        .post(format!("{}/zammad/api/v1/ticket_articles", b.url))
        .header("Authorization", format!("Token token={}", b.admin))
        .json(&with_file)
        .send()
        .await
        .expect("B answers");
    assert_eq!(posted.status(), StatusCode::CREATED);
    assert_eq!(arrives(&a, ticket, "Inventory log attached.").await, vec![false]);
    let files = a.files_named(ticket, "inventory.log").await;
    assert_eq!(files.len(), 1, "one copy of the file");
    assert_eq!(files[0].1, log.as_bytes());
    let solve = b
        .call(
            Method::PATCH,
            &format!("/api/v1/tickets/{remote}"),
            Some(json!({"status": "solved", "resolution": "fixed"})),
        )
        .await;
    assert_eq!(solve.status, StatusCode::OK, "{:?}", solve.body);
    eventually("B's solution to reach A", WAIT, || async {
        (a.get_ok(&format!("/api/v1/tickets/{ticket}")).await?["status"] == "solved").then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(articles_with(&a, ticket, "Robot arm stuck").await.len(), 1, "our own reply did not come back");
    // Nor did the description, B's first article, which the connector wrote there.
    assert_eq!(articles_with(&a, ticket, "Quota exceeded").await.len(), 0, "the description did not come back");
    assert_eq!(articles_with(&a, ticket, "Arm freed").await.len(), 1);
    assert_eq!(articles_with(&b, remote, "Robot arm stuck").await.len(), 1);
}

/// Posts one signed event to `unit`'s webhook endpoint of `server`.
async fn post_event(server: &TestServer, unit: i64, event: &Value, nonce: &str) -> reqwest::Response {
    let body = event.to_string();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    post_signed(server, &format!("/api/v1/sync/{unit}/events"), signed(KEY, now, nonce, &body), &body).await
}

/// Posts `body` to `path` of `server` with the signature header `signature`.
async fn post_signed(server: &TestServer, path: &str, signature: String, body: &str) -> reqwest::Response {
    server
        .client
        .post(format!("{}{path}", server.url))
        .header("helpdesk-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .expect("an answer")
}

/// Now, `offset` seconds away, as an event's time.
fn stamp(offset: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::seconds(offset))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a time")
}

/// An external unit of `server` whose connector takes signed events from another Helpdesk
/// (which it cannot reach), with a category routed to it.
async fn mirror_unit(server: &TestServer, admin: &str) -> i64 {
    let unit = json!({"name": "Mirror", "level": 2, "email": "m@example.org", "integration": "external"});
    let unit = created(server.post("/api/v1/units", admin, unit).await);
    created(server.post("/api/v1/categories", admin, json!({"name": "Mirrored", "default_unit": unit})).await);
    let hook =
        json!({"kind": "helpdesk", "url": "http://127.0.0.1:9", "queue": "1", "credentials": {"signing_key": KEY}});
    let put = server.call(Method::PUT, &format!("/api/v1/units/{unit}/connector"), Some(admin), Some(hook)).await;
    assert_eq!(put.status, StatusCode::OK, "{:?}", put.body);
    unit
}

#[tokio::test]
async fn a_ticket_from_the_other_side_for_a_disabled_requester_is_opened_for_them_not_refused_forever() {
    let server = TestServer::start().await;
    let (_, admin) = server.account("admin@example.org", &[Role::Admin]).await;
    let (gone, _) = server.account("gone@example.org", &[Role::Community]).await;
    let disabled = server.patch(&format!("/api/v1/accounts/{}", gone.id), &admin, json!({"disabled": true})).await;
    assert_eq!(disabled.status, StatusCode::OK, "{:?}", disabled.body);
    let unit = mirror_unit(&server, &admin).await;

    let opened = json!({"id": "d1", "at": "2026-11-24T06:00:00Z", "ticket": "700", "type": "ticket.created",
        "title": "From a former member", "description": "d", "requester_email": "Gone@Example.org",
        "requester_name": "Gone"});
    let answer = post_event(&server, unit, &opened, "d1").await;
    assert_eq!(answer.status(), StatusCode::OK, "taken, so that the other side does not send it forever");
    let made: Value = answer.json().await.expect("json");
    let ticket: i64 = made[0]["id"].as_str().and_then(|s| s.parse().ok()).expect("our ticket");
    let shown = server.get(&format!("/api/v1/tickets/{ticket}"), &admin).await;
    assert_eq!(shown.body["submitter"], gone.id.get(), "the ticket is theirs: {:?}", shown.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_other_sides_reply_and_solution_reach_the_requester_by_mail_named_for_their_author() {
    let Some(peer) = crate::common::mail_peer() else { return };
    let server =
        TestServer::start_with(crate::common::Options { mail: Some(peer.clone()), ..Default::default() }).await;
    let (_, admin) = server.account("admin@example.org", &[Role::Admin]).await;
    let unit = mirror_unit(&server, &admin).await;
    let requester = crate::common::unique_address("synced");
    let opened = json!({"id": "m1", "at": stamp(0), "ticket": "900", "type": "ticket.created",
        "title": "Mail from afar", "description": "d", "requester_email": requester, "requester_name": "Req"});
    assert_eq!(post_event(&server, unit, &opened, "m1").await.status(), StatusCode::OK);
    let answer = json!({"id": "m2", "at": stamp(1), "ticket": "900", "type": "article.created",
        "article": {"id": "a-77", "body": "Fixed the mount options.", "internal": false, "author": "Bob"}});
    assert_eq!(post_event(&server, unit, &answer, "m2").await.status(), StatusCode::OK);
    let solved = json!({"id": "m3", "at": stamp(2), "ticket": "900", "type": "ticket.status", "value": "solved"});
    assert_eq!(post_event(&server, unit, &solved, "m3").await.status(), StatusCode::OK);

    // The opening's confirmation, the reply and the solution, as for any ticket.
    let mails = peer.wait_for(&requester, 3).await;
    let reply = mails.iter().find(|m| m.text.contains("Fixed the mount options.")).expect("the reply by mail");
    assert!(reply.text.contains("Bob (Helpdesk) replied"), "named for its author there: {}", reply.text);
    assert!(mails.iter().any(|m| m.subject.ends_with("(solved)")), "the solution by mail: {mails:?}");
}

#[tokio::test]
async fn when_both_sides_change_the_status_the_later_change_wins_and_the_history_says_so() {
    let server = TestServer::start().await;
    let (_, admin) = server.account("admin@example.org", &[Role::Admin]).await;
    let unit = mirror_unit(&server, &admin).await;
    let opened = json!({"id": "o1", "at": "2026-11-24T06:00:00Z", "ticket": "500", "type": "ticket.created",
        "title": "Mirrored", "description": "d", "requester_email": "x@example.org", "requester_name": "X", "status": "assigned"});
    let made: Value = post_event(&server, unit, &opened, "o1").await.json().await.expect("json");
    let ticket: i64 = made[0]["id"].as_str().and_then(|s| s.parse().ok()).expect("our ticket");

    // A person here puts the ticket in progress now.
    let here = server.patch(&format!("/api/v1/tickets/{ticket}"), &admin, json!({"status": "in_progress"})).await;
    assert_eq!(here.status, StatusCode::OK, "{:?}", here.body);
    // The other side's change made before ours arrives late: ours is kept, and the history says why.
    let older = json!({"id": "s1", "at": stamp(-60), "ticket": "500", "type": "ticket.status", "value": "on_hold"});
    assert_eq!(post_event(&server, unit, &older, "s1").await.status(), StatusCode::OK);
    let shown = server.get(&format!("/api/v1/tickets/{ticket}"), &admin).await;
    assert_eq!(shown.body["status"], "in_progress");
    let notes = server_sync_notes(&server, &admin, ticket).await;
    assert!(
        notes.iter().any(|n| n.contains("'on_hold'") && n.contains("older than the change made here")),
        "{notes:?}"
    );
    // A change made there after ours wins.
    let later = json!({"id": "s2", "at": stamp(60), "ticket": "500", "type": "ticket.status", "value": "on_hold"});
    assert_eq!(post_event(&server, unit, &later, "s2").await.status(), StatusCode::OK);
    assert_eq!(server.get(&format!("/api/v1/tickets/{ticket}"), &admin).await.body["status"], "on_hold");
    // A change the other side made before its last one, arriving after it (by another way): it
    // is out of date there too, and changes nothing here, not even the history.
    let entries = |h: Answer| h.body["total"].clone();
    let history_path = format!("/api/v1/tickets/{ticket}/history?per_page=1");
    let before = entries(server.get(&history_path, &admin).await);
    assert!(before.is_i64(), "the history counts its entries: {before}");
    let stale = json!({"id": "s3", "at": stamp(30), "ticket": "500", "type": "ticket.status", "value": "in_progress"});
    assert_eq!(post_event(&server, unit, &stale, "s3").await.status(), StatusCode::OK);
    assert_eq!(server.get(&format!("/api/v1/tickets/{ticket}"), &admin).await.body["status"], "on_hold");
    assert_eq!(entries(server.get(&history_path, &admin).await), before, "nothing recorded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generic_webhook_receives_each_change_once_signed() {
    // The receiver is another Helpdesk's events endpoint, which checks every signature.
    let a = Node::start().await;
    let b = Node::start().await;
    let (a_unit, a_category) = external_unit(&a, "Sent to a webhook").await;
    let (b_unit, _) = external_unit(&b, "Webhook receiver").await;
    let receiver = format!("{}/api/v1/sync/{b_unit}/events", b.url);
    let hook = |url: &str| json!({"kind": "webhook", "url": url, "queue": "", "credentials": {"signing_key": KEY}});
    assert_eq!(
        a.call(Method::PUT, &format!("/api/v1/units/{a_unit}/connector"), Some(hook(&receiver))).await.status,
        StatusCode::OK
    );
    // B takes A's events; its own webhook points nowhere, so nothing goes back.
    let nowhere = hook("http://127.0.0.1:9/hook");
    assert_eq!(
        b.call(Method::PUT, &format!("/api/v1/units/{b_unit}/connector"), Some(nowhere)).await.status,
        StatusCode::OK
    );
    let check = a.call(Method::POST, &format!("/api/v1/units/{a_unit}/connector/test"), None).await;
    assert_eq!(check.body["ok"], true, "{:?}", check.body);

    let ticket = open(&a, a_category, "Sent by webhook").await;
    let link = linked(&a, ticket).await;
    let at_b: i64 = link["external_id"].as_str().and_then(|s| s.parse().ok()).expect("the receiver's id");
    reply(&a, ticket, "Pushed through the webhook.", false).await;
    assert_eq!(arrives(&b, at_b, "Pushed through the webhook.").await, vec![false]);
    linked(&a, ticket).await;
    assert_eq!(articles_with(&b, at_b, "Pushed through the webhook.").await.len(), 1);
}

/// The status of a ticket, and the state of its link, on `node`.
async fn status_and_state(node: &Node, ticket: i64) -> Option<(String, String)> {
    let status = node.get_ok(&format!("/api/v1/tickets/{ticket}")).await?["status"].as_str()?.to_owned();
    let state = node.get_ok(&format!("/api/v1/tickets/{ticket}/external")).await?["state"].as_str()?.to_owned();
    Some((status, state))
}

/// The notes the sync left in a ticket's history.
async fn sync_notes(node: &Node, ticket: i64) -> Vec<String> {
    let history = node.get_ok(&format!("/api/v1/tickets/{ticket}/history?per_page=100")).await.unwrap_or(Value::Null);
    notes_in(&history)
}

/// The sync's notes in a page of history.
fn notes_in(history: &Value) -> Vec<String> {
    let items = history["items"].as_array().cloned().unwrap_or_default();
    items.iter().filter(|h| h["field"] == "sync").map(|h| h["new"].to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_escalated_to_another_helpdesk_has_the_same_status_on_both_sides_or_says_it_has_not() {
    let a = Node::start().await;
    let b = Node::start().await;
    let (a_unit, _) = external_unit(&a, "Storage at B").await;
    let (b_unit, _) = external_unit(&b, "Tickets from A").await;
    connect(&a, a_unit, &b, b_unit).await;
    connect(&b, b_unit, &a, a_unit).await;
    let first_line = created(
        a.call(Method::POST, "/api/v1/units", Some(json!({"name": "1st line", "level": 1, "email": "l1@example.org"})))
            .await,
    );
    let triage = created(
        a.call(Method::POST, "/api/v1/categories", Some(json!({"name": "Triage", "default_unit": first_line}))).await,
    );

    // Opened at the 1st level, escalated to the unit that works at B: assigned here, and the
    // copy there is assigned too, both in step.
    let ticket = open(&a, triage, "Quota on /home").await;
    let escalated = a.call(Method::PATCH, &format!("/api/v1/tickets/{ticket}"), Some(json!({"unit": a_unit}))).await;
    assert_eq!(escalated.body["status"], "assigned", "{:?}", escalated.body);
    let at_b: i64 = linked(&a, ticket).await["external_id"].as_str().and_then(|s| s.parse().ok()).expect("B's number");
    let same = eventually("both sides to agree, in step", WAIT, || async {
        let (here, there) = (status_and_state(&a, ticket).await?, status_and_state(&b, at_b).await?);
        (here.1 == "in_step" && there.1 == "in_step" && here.0 == there.0).then_some(here.0)
    })
    .await;
    assert_eq!(same, "assigned");
    // They stay so: nothing goes back and forth.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(status_and_state(&a, ticket).await, Some(("assigned".into(), "in_step".into())));
    assert_eq!(status_and_state(&b, at_b).await, Some(("assigned".into(), "in_step".into())));
    assert_eq!(sync_notes(&b, at_b).await, Vec::<String>::new());

    // Escalated reopened, a status its copy cannot start in: neither side says it is in step,
    // each says why, and the refusal is noted once, not at every retry.
    let again = open(&a, triage, "Backup restore failed").await;
    for status in [json!({"status": "solved"}), json!({"status": "reopened"})] {
        let changed = a.call(Method::PATCH, &format!("/api/v1/tickets/{again}"), Some(status)).await;
        assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    }
    let moved = a
        .call(Method::PATCH, &format!("/api/v1/tickets/{again}"), Some(json!({"unit": a_unit, "status": "reopened"})))
        .await;
    assert_eq!(moved.body["status"], "reopened", "{:?}", moved.body);
    let copy = eventually("the copy at B", WAIT, || async {
        let link = a.get_ok(&format!("/api/v1/tickets/{again}/external")).await?;
        link["external_id"].as_str()?.parse::<i64>().ok()
    })
    .await;
    let failing = |node: &'static str, link: Value| {
        let error = link["last_error"].as_str().unwrap_or_default().to_owned();
        assert!(error.contains("did not take"), "{node} says why: {link}");
        error
    };
    let (here, there) = eventually("both sides to say they are not in step", WAIT, || async {
        let here = a.get_ok(&format!("/api/v1/tickets/{again}/external")).await?;
        let there = b.get_ok(&format!("/api/v1/tickets/{copy}/external")).await?;
        (here["state"] == "failing" && there["state"] == "failing").then_some((here, there))
    })
    .await;
    assert!(failing("A", here).contains("'reopened'"));
    assert!(failing("B", there).contains("'new'"));
    assert_eq!(status_and_state(&b, copy).await.map(|s| s.0), Some("new".into()));
    tokio::time::sleep(Duration::from_secs(5)).await;
    let notes = sync_notes(&b, copy).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("'reopened'"), "{notes:?}");

    // A person at B takes it up: A follows, and both are in step again.
    let taken = b.call(Method::PATCH, &format!("/api/v1/tickets/{copy}"), Some(json!({"status": "in_progress"}))).await;
    assert_eq!(taken.status, StatusCode::OK, "{:?}", taken.body);
    let same = eventually("both sides to agree again", Duration::from_secs(90), || async {
        let (here, there) = (status_and_state(&a, again).await?, status_and_state(&b, copy).await?);
        (here.1 == "in_step" && there.1 == "in_step" && here.0 == there.0).then_some(here.0)
    })
    .await;
    assert_eq!(same, "in_progress");
}

#[tokio::test]
async fn a_copy_opens_in_the_status_the_other_side_holds_and_one_it_cannot_hold_is_not_in_step() {
    let server = TestServer::start().await;
    let (_, admin) = server.account("admin@example.org", &[Role::Admin]).await;
    let unit = mirror_unit(&server, &admin).await;
    let runner = helpdesk_app::sync::SyncRunner::new(server.app.clone(), "test-runner");
    let link = |ticket: i64| {
        let (server, admin) = (&server, &admin);
        async move { server.get(&format!("/api/v1/tickets/{ticket}/external"), admin).await.body }
    };

    // The copy takes the status the mapping gives, and the answer says what it holds.
    let opened = json!({"id": "c1", "at": stamp(-10), "ticket": "800", "type": "ticket.created", "title": "Escalated",
        "description": "d", "requester_email": "r@example.org", "requester_name": "R", "status": "assigned",
        "priority": "high"});
    let made: Value = post_event(&server, unit, &opened, "c1").await.json().await.expect("json");
    assert_eq!((made[0]["status"].clone(), made[0]["priority"].clone()), (json!("assigned"), json!("high")), "{made}");
    let ticket: i64 = made[0]["id"].as_str().and_then(|s| s.parse().ok()).expect("our ticket");
    let shown = server.get(&format!("/api/v1/tickets/{ticket}"), &admin).await;
    assert_eq!((shown.body["status"].clone(), shown.body["priority"].clone()), (json!("assigned"), json!("high")));
    // Nothing is owed: in step without a word to the other side (which cannot be reached).
    runner.push_once().await.expect("the runner runs");
    assert_eq!(link(ticket).await["state"], "in_step");

    // The other side says 'new', a status Helpdesk never sets from there: ours goes back, and
    // until it is taken the ticket is not in step.
    let back = json!({"id": "c2", "at": stamp(-5), "ticket": "800", "type": "ticket.status", "value": "new"});
    let said: Value = post_event(&server, unit, &back, "c2").await.json().await.expect("json");
    assert_eq!(said[0]["status"], "assigned", "the answer says what is held here: {said}");
    assert_eq!(server.get(&format!("/api/v1/tickets/{ticket}"), &admin).await.body["status"], "assigned");
    runner.push_once().await.expect("the runner runs");
    let now = link(ticket).await;
    assert_eq!(now["state"], "failing", "{now}");
    let notes = server_sync_notes(&server, &admin, ticket).await;
    assert!(notes.iter().any(|n| n.contains("'new'") && n.contains("'assigned'")), "{notes:?}");
}

/// The notes the sync left in a ticket's history, read by `admin` of a test server.
async fn server_sync_notes(server: &TestServer, admin: &str, ticket: i64) -> Vec<String> {
    notes_in(&server.get(&format!("/api/v1/tickets/{ticket}/history?per_page=100"), admin).await.body)
}
