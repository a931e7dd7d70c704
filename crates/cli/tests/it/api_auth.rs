//! Local accounts through the API and the e-mailed links, over a real SMTP exchange: one
//! scenario per test; and the refusals and attacks, each checked to change nothing.

use std::time::Duration;

use helpdesk_domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{
    Options, TestClock, TestServer, assert_problem, mail_peer, snapshot, snapshot_but_attempts, unique_address,
};

const PASSWORD: &str = "correct horse battery";

/// A client that keeps cookies, as a browser does.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).build().expect("a client")
}

async fn post(
    client: &reqwest::Client,
    server: &TestServer,
    path: &str,
    body: Value,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let response = client.post(format!("{}{path}", server.url)).json(&body).send().await.expect("an answer");
    let (status, headers) = (response.status(), response.headers().clone());
    (status, response.json().await.unwrap_or(Value::Null), headers)
}

async fn get(client: &reqwest::Client, server: &TestServer, path: &str) -> (StatusCode, Value) {
    let response = client.get(format!("{}{path}", server.url)).send().await.expect("an answer");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An account with a password, made by an admin (so verified).
async fn with_password(server: &TestServer, email: &str) {
    server.account(email, &[Role::Community]).await;
    server.app.set_password(&helpdesk_domain::policy::Actor::system(), email, PASSWORD).await.expect("password");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_registers_confirms_the_address_signs_in_and_out() {
    let Some(peer) = mail_peer() else { return };
    let server = TestServer::start_with(Options { mail: Some(peer.clone()), ..Options::default() }).await;
    let email = unique_address("reg");
    let client = browser();
    let (status, body, _) = post(
        &client,
        &server,
        "/api/v1/auth/register",
        json!({"email": email, "name": "Reg Ister", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (status, body, _) =
        post(&client, &server, "/api/v1/auth/login", json!({"email": email, "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "until confirmed, no sign-in: {body}");

    let mail = &peer.wait_for(&email, 1).await[0];
    assert_eq!(mail.subject, "Confirm your address for Helpdesk");
    assert_eq!(mail.auto_submitted.as_deref(), Some("auto-generated"));
    assert!(mail.text.contains(&format!("{}/verify?token=", server.url)), "{}", mail.text);
    let page = client.get(format!("{}/verify?token={}", server.url, mail.link_token())).send().await.expect("the page");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.expect("html").contains("Address confirmed"));

    let (status, profile, headers) =
        post(&client, &server, "/api/v1/auth/login", json!({"email": email.to_uppercase(), "password": PASSWORD}))
            .await;
    assert_eq!(status, StatusCode::OK, "{profile}");
    assert_eq!((profile["email"].clone(), profile["verified"].clone()), (json!(email), json!(true)));
    let cookie = headers.get("set-cookie").and_then(|v| v.to_str().ok()).expect("a cookie").to_owned();
    for attribute in ["hd_session=hds_", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "not over plain HTTP: {cookie}");
    let (status, me) = get(&client, &server, "/api/v1/me").await;
    assert_eq!((status, me["email"].clone()), (StatusCode::OK, json!(email)), "the cookie signs the requests in");
    let (status, _, _) = post(&client, &server, "/api/v1/auth/logout", json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = get(&client, &server, "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn registering_a_taken_address_tells_nothing_and_warns_its_owner() {
    let Some(peer) = mail_peer() else { return };
    let server = TestServer::start_with(Options { mail: Some(peer.clone()), ..Options::default() }).await;
    let email = unique_address("taken");
    with_password(&server, &email).await;
    let before = snapshot(server.store()).await;
    let fresh = unique_address("fresh");
    let (s1, b1, _) = post(
        &browser(),
        &server,
        "/api/v1/auth/register",
        json!({"email": email, "name": "Other", "password": "another password"}),
    )
    .await;
    let (s2, b2, _) = post(
        &browser(),
        &server,
        "/api/v1/auth/register",
        json!({"email": fresh, "name": "New", "password": "another password"}),
    )
    .await;
    assert_eq!((s1, &b1), (s2, &b2), "the same answer for a taken and a free address");
    let notice = &peer.wait_for(&email, 1).await[0];
    assert_eq!(notice.subject, "Somebody tried to register with your address");
    let accounts = |counts: &[(&str, i64)]| counts.iter().find(|(t, _)| *t == "accounts").map(|(_, n)| *n);
    let after = snapshot(server.store()).await;
    assert_eq!(accounts(&after), accounts(&before).map(|n| n + 1), "only the free address got an account");
    let (status, _, _) =
        post(&browser(), &server, "/api/v1/auth/login", json!({"email": email, "password": "another password"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the owner's password is unchanged");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forgotten_password_is_reset_by_a_link_that_works_once() {
    let Some(peer) = mail_peer() else { return };
    let server = TestServer::start_with(Options { mail: Some(peer.clone()), ..Options::default() }).await;
    let email = unique_address("reset");
    with_password(&server, &email).await;
    let (signed_in, other_device) = (browser(), browser());
    post(&signed_in, &server, "/api/v1/auth/login", json!({"email": email, "password": PASSWORD})).await;
    let (status, _, _) = post(&browser(), &server, "/api/v1/auth/password-reset", json!({"email": email})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _, _) =
        post(&browser(), &server, "/api/v1/auth/password-reset", json!({"email": unique_address("nobody")})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "the same answer for an address without an account");
    let mail = &peer.wait_for(&email, 1).await[0];
    assert!(mail.text.contains("/reset-password?token="), "{}", mail.text);
    let token = mail.link_token();
    let form = other_device.get(format!("{}/reset-password?token={token}", server.url)).send().await.expect("the form");
    let html = form.text().await.expect("html");
    assert!(html.contains("<form method=\"post\"") && html.contains("type=\"password\""), "{html}");

    let (status, body, _) =
        post(&browser(), &server, "/api/v1/auth/password-reset/confirm", json!({"token": token, "password": "short"}))
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a weak password is refused: {body}");
    let (status, _, _) = post(
        &browser(),
        &server,
        "/api/v1/auth/password-reset/confirm",
        json!({"token": token, "password": "a brand new secret"}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body, _) = post(
        &browser(),
        &server,
        "/api/v1/auth/password-reset/confirm",
        json!({"token": token, "password": "yet another secret"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the link works once: {body}");
    assert_eq!(body["errors"][0]["field"], "token");
    assert_eq!(get(&signed_in, &server, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "every session ended");
    let old = post(&browser(), &server, "/api/v1/auth/login", json!({"email": email, "password": PASSWORD})).await.0;
    let new =
        post(&browser(), &server, "/api/v1/auth/login", json!({"email": email, "password": "a brand new secret"}))
            .await
            .0;
    assert_eq!((old, new), (StatusCode::UNAUTHORIZED, StatusCode::OK));
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_and_tampered_links_are_refused_and_change_nothing() {
    let Some(peer) = mail_peer() else { return };
    let clock = TestClock::now();
    let server =
        TestServer::start_with(Options { mail: Some(peer.clone()), clock: Some(clock.clone()), ..Options::default() })
            .await;
    let email = unique_address("links");
    post(&browser(), &server, "/api/v1/auth/register", json!({"email": email, "name": "Link", "password": PASSWORD}))
        .await;
    let verify = peer.wait_for(&email, 1).await[0].link_token();
    // Tampered: one character of the signed part changed.
    let mut tampered: Vec<char> = verify.chars().collect();
    tampered[3] = if tampered[3] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    let before = snapshot(server.store()).await;
    for token in [tampered.as_str(), "", "not-a-token", &verify[..verify.len() - 2]] {
        let (status, body, _) = post(&browser(), &server, "/api/v1/auth/verify", json!({"token": token})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{token}: {body}");
        assert_eq!(body["errors"][0]["message"], "this link is not valid or has expired; ask for a new one");
    }
    let page = reqwest::get(format!("{}/verify?token={tampered}", server.url)).await.expect("page");
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    // Expired: 49 hours later.
    clock.advance(Duration::from_secs(49 * 3600));
    let (status, _, _) = post(&browser(), &server, "/api/v1/auth/verify", json!({"token": verify})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an expired link");
    assert_eq!(snapshot(server.store()).await, before, "nothing was written");
    let (status, _, _) =
        post(&browser(), &server, "/api/v1/auth/login", json!({"email": email, "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "still unconfirmed");
    // A reset link is no verification link, and expires after an hour.
    with_password(&server, &unique_address("unused")).await;
    post(&browser(), &server, "/api/v1/auth/verify/resend", json!({"email": email})).await;
    let fresh = peer.wait_for(&email, 2).await[1].link_token();
    let (status, _, _) = post(
        &browser(),
        &server,
        "/api/v1/auth/password-reset/confirm",
        json!({"token": fresh, "password": "a brand new secret"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a verification link does not reset a password");
    post(&browser(), &server, "/api/v1/auth/password-reset", json!({"email": email})).await;
    let reset = peer.wait_for(&email, 3).await[2].link_token();
    clock.advance(Duration::from_secs(3601));
    let (status, _, _) = post(
        &browser(),
        &server,
        "/api/v1/auth/password-reset/confirm",
        json!({"token": reset, "password": "a brand new secret"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an expired reset link");
    let (status, _, _) = post(&browser(), &server, "/api/v1/auth/verify", json!({"token": fresh})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "the fresh verification link still works within its 48 hours");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let server = TestServer::start().await;
    let email = unique_address("known");
    with_password(&server, &email).await;
    let (s1, b1, h1) =
        post(&browser(), &server, "/api/v1/auth/login", json!({"email": email, "password": "wrong password!"})).await;
    let (s2, b2, h2) = post(
        &browser(),
        &server,
        "/api/v1/auth/login",
        json!({"email": unique_address("unknown"), "password": "wrong password!"}),
    )
    .await;
    assert_eq!((s1, &b1), (s2, &b2));
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert!(h1.get("set-cookie").is_none() && h2.get("set-cookie").is_none());
    assert_eq!(b1["detail"], "the e-mail address or the password is wrong");
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account() {
    let server = TestServer::start().await;
    let (email, other) = (unique_address("victim"), unique_address("bystander"));
    with_password(&server, &email).await;
    with_password(&server, &other).await;
    for attempt in 1..=5 {
        let (status, _, _) = post(
            &browser(),
            &server,
            "/api/v1/auth/login",
            json!({"email": email, "password": format!("guess number {attempt}")}),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let (status, body, headers) =
        post(&browser(), &server, "/api/v1/auth/login", json!({"email": email, "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits: {body}");
    assert_eq!(headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("900"));
    assert_eq!(body["title"], "Too many attempts");
    let (status, _, _) =
        post(&browser(), &server, "/api/v1/auth/login", json!({"email": other, "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::OK, "another account is not affected");
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_address() {
    let server = TestServer::start().await;
    let victim = unique_address("spray");
    with_password(&server, &victim).await;
    // One guess each at many accounts, from one address.
    for n in 0..20 {
        let (status, _, _) = post(
            &browser(),
            &server,
            "/api/v1/auth/login",
            json!({"email": unique_address(&format!("s{n}")), "password": "password123"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _, _) =
        post(&browser(), &server, "/api/v1/auth/login", json!({"email": victim, "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the address is refused for a while");
}

#[tokio::test]
async fn a_cookie_session_refuses_changes_sent_from_another_site() {
    let server = TestServer::start().await;
    let email = unique_address("csrf");
    with_password(&server, &email).await;
    let client = browser();
    post(&client, &server, "/api/v1/auth/login", json!({"email": email, "password": PASSWORD})).await;
    let before = snapshot(server.store()).await;
    for (header, value) in [("origin", "https://evil.example.com"), ("sec-fetch-site", "cross-site")] {
        let response = client
            .post(format!("{}/api/v1/me/tokens", server.url))
            .header(header, value)
            .json(&json!({"name": "stolen"}))
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{header}: {value}");
    }
    assert_eq!(snapshot(server.store()).await, before);
    let same_site = client
        .post(format!("{}/api/v1/me/tokens", server.url))
        .header("sec-fetch-site", "same-origin")
        .json(&json!({"name": "mine"}))
        .send()
        .await
        .expect("answer");
    assert_eq!(same_site.status(), StatusCode::CREATED);
    let read = client
        .get(format!("{}/api/v1/me", server.url))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("answer");
    assert_eq!(read.status(), StatusCode::OK, "reading is not a change");
    let login = browser()
        .post(format!("{}/api/v1/auth/login", server.url))
        .header("origin", "https://evil.example.com")
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("answer");
    assert_eq!(login.status(), StatusCode::FORBIDDEN, "no signing in from another site either");
}

#[tokio::test]
async fn cookies_are_secure_when_served_over_https() {
    let server = TestServer::start_with(Options { https: true, ..Options::default() }).await;
    let email = unique_address("tls");
    with_password(&server, &email).await;
    let (_, _, headers) =
        post(&browser(), &server, "/api/v1/auth/login", json!({"email": email, "password": PASSWORD})).await;
    let cookie = headers.get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let server = TestServer::start().await;
    let email = unique_address("change");
    with_password(&server, &email).await;
    let (here, there) = (browser(), browser());
    post(&here, &server, "/api/v1/auth/login", json!({"email": email, "password": PASSWORD})).await;
    post(&there, &server, "/api/v1/auth/login", json!({"email": email, "password": PASSWORD})).await;
    let before = snapshot(server.store()).await;
    let (status, body, _) = post(
        &here,
        &server,
        "/api/v1/me/password",
        json!({"current_password": "not it at all", "new_password": "a brand new secret"}),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("current_password"))
    );
    let (status, _, _) =
        post(&here, &server, "/api/v1/me/password", json!({"current_password": PASSWORD, "new_password": "tiny"}))
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(snapshot(server.store()).await, before, "refusals change nothing");
    let (status, _, _) = post(
        &here,
        &server,
        "/api/v1/me/password",
        json!({"current_password": PASSWORD, "new_password": "a brand new secret"}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(get(&here, &server, "/api/v1/me").await.0, StatusCode::OK, "this session stays");
    assert_eq!(get(&there, &server, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "the other one ended");
}

#[tokio::test]
async fn sign_in_refusals_are_problems_and_write_nothing() {
    let server = TestServer::start().await;
    let email = unique_address("refusals");
    with_password(&server, &email).await;
    let before = snapshot_but_attempts(server.store()).await;
    let cases: Vec<(&str, &str, Value, StatusCode)> = vec![
        (
            "a bad address",
            "/api/v1/auth/register",
            json!({"email": "nobody", "name": "N", "password": PASSWORD}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "a short password",
            "/api/v1/auth/register",
            json!({"email": unique_address("s"), "name": "N", "password": "short"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "the address as password",
            "/api/v1/auth/register",
            json!({"email": "same@example.org", "name": "N", "password": "same@example.org"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "no name",
            "/api/v1/auth/register",
            json!({"email": unique_address("n"), "name": "", "password": PASSWORD}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "an unknown key",
            "/api/v1/auth/register",
            json!({"email": unique_address("k"), "name": "N", "password": PASSWORD, "role": "admin"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("a missing password", "/api/v1/auth/login", json!({"email": email}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            "a huge password",
            "/api/v1/auth/login",
            json!({"email": email, "password": "x".repeat(5000)}),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a bad reset token",
            "/api/v1/auth/password-reset/confirm",
            json!({"token": "abc.def", "password": PASSWORD}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (what, path, body, status) in cases {
        let answer = server.call(Method::POST, path, None, Some(body)).await;
        assert_problem(&answer, status);
        assert_eq!(snapshot_but_attempts(server.store()).await, before, "{what} wrote nothing");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_can_flood_an_address_with_links() {
    let Some(peer) = mail_peer() else { return };
    let server = TestServer::start_with(Options { mail: Some(peer.clone()), ..Options::default() }).await;
    let email = unique_address("flood");
    with_password(&server, &email).await;
    let mut answers = Vec::new();
    for _ in 0..6 {
        let (status, body, _) = post(&browser(), &server, "/api/v1/auth/password-reset", json!({"email": email})).await;
        answers.push((status, body));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "every request gets the same answer: {answers:?}");
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    peer.wait_for(&email, 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(peer.messages_for(&email).len(), 3, "three messages within 15 minutes, no more");
}
