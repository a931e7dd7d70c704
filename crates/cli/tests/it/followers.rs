//! Following a ticket through the API and the page: who may, and what a refusal leaves (nothing).
//! What a follower then gets by mail is in `mail.rs`.

use helpdesk_domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Fixture, WebSession, assert_problem, snapshot, unique_address};

#[tokio::test]
async fn anyone_who_may_read_a_ticket_follows_it_and_nobody_else_and_a_refusal_writes_nothing() {
    let f = Fixture::new().await;
    let (_, reader) = f.server.account(&unique_address("reader"), &[Role::Community]).await;
    let public = f.open(&f.admin, json!({})).await;
    let private = f.open(&f.admin, json!({"privacy": "private"})).await;
    let path = |id: i64| format!("/api/v1/tickets/{id}/subscription");

    let before = snapshot(f.server.store()).await;
    let anonymous = f.server.call(Method::PUT, &path(public), None, None).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
    let unreadable = f.server.call(Method::PUT, &path(private), Some(&reader), None).await;
    assert_problem(&unreadable, StatusCode::NOT_FOUND);
    assert_problem(&f.server.get(&path(private), &reader).await, StatusCode::NOT_FOUND);
    assert_problem(&f.server.call(Method::PUT, &path(999_999), Some(&reader), None).await, StatusCode::NOT_FOUND);
    // Stopping tells nothing either: the same answer for a ticket one may not read.
    let stop = f.server.call(Method::DELETE, &path(private), Some(&reader), None).await;
    assert_eq!((stop.status, stop.body), (StatusCode::OK, json!({"ticket": private, "following": false})));
    assert_eq!(snapshot(f.server.store()).await, before, "refusals and a stop of nothing write nothing");

    assert_eq!(f.server.get(&path(public), &reader).await.body["following"], false);
    for _ in 0..2 {
        let follow = f.server.call(Method::PUT, &path(public), Some(&reader), None).await;
        assert_eq!((follow.status, follow.body), (StatusCode::OK, json!({"ticket": public, "following": true})));
    }
    assert_eq!(f.server.get(&path(public), &reader).await.body["following"], true, "following twice is once");
    let stop = f.server.call(Method::DELETE, &path(public), Some(&reader), None).await;
    assert_eq!(stop.body["following"], false);
    assert_eq!(f.server.get(&path(public), &reader).await.body["following"], false);
}

#[tokio::test]
async fn the_ticket_page_has_a_follow_button_that_says_what_following_brings() {
    let f = Fixture::new().await;
    let email = unique_address("page-fan");
    f.server.account(&email, &[Role::Community]).await;
    let id = f.open(&f.admin, json!({})).await;
    let visitor = WebSession::new(&f.server).await.get(&format!("/tickets/{id}")).await.html;
    assert!(!visitor.contains("/follow\""), "a visitor signs in first");

    let session = f.session_of(&email).await;
    let page = session.get(&format!("/tickets/{id}")).await.html;
    assert!(page.contains(">Follow</button>") && page.contains("Get its replies and its solution by mail."));
    let press = |follow: &'static str| {
        let session = &session;
        async move {
            let answer = session.post_form(&format!("/tickets/{id}/follow"), &[("follow", follow)]).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.html);
            session.get(&answer.location.expect("where to go")).await.html
        }
    };
    let followed = press("1").await;
    assert!(followed.contains("You follow this ticket") && followed.contains(">Stop following</button>"));
    let stopped = press("0").await;
    assert!(stopped.contains("You no longer follow this ticket.") && stopped.contains(">Follow</button>"));
    let before = snapshot(f.server.store()).await;
    let odd = session.post_form(&format!("/tickets/{id}/follow"), &[("follow", "maybe")]).await;
    assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", odd.html);
    assert_eq!(snapshot(f.server.store()).await, before, "a refusal writes nothing");
}

/// The dashboard's alerts, as its page lists them: the text of each `<li>` of the Alerts panel.
fn alerts_of(html: &str) -> String {
    let start = html.find("<h2>Alerts</h2>").expect("the alerts panel");
    let end = html[start..].find("</section>").map_or(html.len(), |e| start + e);
    html[start..end].to_owned()
}

#[tokio::test]
async fn the_dashboard_alerts_say_what_changed_on_ones_tickets_since_one_last_looked() {
    let f = Fixture::new().await;
    let (_, sam) = f.supporter(&unique_address("sam"), f.first_line).await;
    let ann_address = unique_address("ann");
    let (_, ann) = f.server.account(&ann_address, &[Role::Community]).await;
    let fan_address = unique_address("fan");
    let (_, fan) = f.server.account(&fan_address, &[Role::Community]).await;
    let mine = f.open(&ann, json!({"title": "Quota exceeded"})).await;
    let followed = f.open(&f.admin, json!({"title": "Storage slow"})).await;
    let quiet = f.open(&ann, json!({"title": "Nothing happens here"})).await;
    let follow =
        f.server.call(Method::PUT, &format!("/api/v1/tickets/{followed}/subscription"), Some(&fan), None).await;
    assert_eq!(follow.status, StatusCode::OK);
    let ann_page = f.session_of(&ann_address).await;
    assert!(alerts_of(&ann_page.get("/dashboard").await.html).contains("Nothing needs you now"), "her own opening");

    let change = |id: i64, body: serde_json::Value| {
        let (server, token, path) = (&f.server, sam.clone(), format!("/api/v1/tickets/{id}"));
        async move { assert_eq!(server.patch(&path, &token, body).await.status, StatusCode::OK) }
    };
    change(mine, json!({"status": "in_progress"})).await;
    let reply = json!({"body": "We raised it.", "internal": false});
    assert_eq!(
        f.server.post(&format!("/api/v1/tickets/{mine}/articles"), &sam, reply).await.status,
        StatusCode::CREATED
    );
    change(followed, json!({"status": "in_progress"})).await;
    let note = json!({"body": "Internal only", "internal": true});
    assert_eq!(
        f.server.post(&format!("/api/v1/tickets/{followed}/articles"), &sam, note).await.status,
        StatusCode::CREATED
    );

    let alerts = alerts_of(&ann_page.get("/dashboard").await.html);
    assert!(alerts.contains(&format!("#{mine} Quota exceeded: a new reply by ")), "{alerts}");
    assert!(!alerts.contains(&format!("#{quiet} ")), "no change, no alert: {alerts}");
    let fan_page = f.session_of(&fan_address).await;
    let alerts = alerts_of(&fan_page.get("/dashboard").await.html);
    assert!(
        alerts.contains(&format!("#{followed} Storage slow: now in progress by ")),
        "an internal note is no alert: {alerts}"
    );

    // Looked at, the ticket's alert is gone until it changes again.
    assert_eq!(ann_page.get(&format!("/tickets/{mine}")).await.status, StatusCode::OK);
    assert!(alerts_of(&ann_page.get("/dashboard").await.html).contains("Nothing needs you now"));
    change(mine, json!({"status": "waiting_for_reply"})).await;
    let alerts = alerts_of(&ann_page.get("/dashboard").await.html);
    assert!(alerts.contains(&format!("#{mine} Quota exceeded: now waiting for reply by ")), "{alerts}");

    // A ticket one may no longer read is no alert.
    change(followed, json!({"privacy": "private"})).await;
    let alerts = alerts_of(&fan_page.get("/dashboard").await.html);
    assert!(!alerts.contains("Storage slow"), "{alerts}");
}
