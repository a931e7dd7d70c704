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
