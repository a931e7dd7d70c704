//! OpenID Connect against a real provider on loopback (../shared/peers/oidc: oidc-provider,
//! users jane and bob, clients helpdesk and helpdesk-public). One scenario per test.

use helpdesk_domain::account::Role;
use helpdesk_web::oidc::{ProviderConfig, Providers};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Options, TestServer, oidc_peer, snapshot, snapshot_but_attempts};

const JANE: (&str, &str) = ("jane", "jane-password");
const BOB: (&str, &str) = ("bob", "bob-password");

fn provider(issuer: &str, client_id: &str) -> ProviderConfig {
    ProviderConfig {
        name: "peer".into(),
        title: "Test provider".into(),
        issuer: issuer.into(),
        client_id: client_id.into(),
        client_secret: (client_id == "helpdesk").then(|| "helpdesk-secret".to_owned()),
    }
}

async fn server(issuer: &str) -> TestServer {
    TestServer::start_with(Options { oidc: vec![provider(issuer, "helpdesk")], ..Options::default() }).await
}

/// A browser: keeps cookies, follows no redirects (the test follows them, to see each step).
fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("a client")
}

fn location(response: &reqwest::Response, base: &str) -> String {
    let to = response.headers().get("location").and_then(|v| v.to_str().ok()).expect("a redirect").to_owned();
    if to.starts_with("http") { to } else { format!("{base}{to}") }
}

/// Signs in at the provider as `user` after the browser was sent there by `start`; returns the
/// answer of Helpdesk's callback.
async fn through_provider(
    client: &reqwest::Client,
    issuer: &str,
    start: reqwest::Response,
    (user, password): (&str, &str),
) -> reqwest::Response {
    assert_eq!(start.status(), StatusCode::SEE_OTHER, "Helpdesk sends the browser to the provider");
    let authorize = location(&start, issuer);
    assert!(
        authorize.starts_with(issuer)
            && authorize.contains("code_challenge_method=S256")
            && authorize.contains("nonce="),
        "{authorize}"
    );
    let to_form = client.get(&authorize).send().await.expect("authorize");
    let form = location(&to_form, issuer);
    let logged_in = client
        .post(format!("{form}/login"))
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .expect("login");
    let resume = location(&logged_in, issuer);
    let back = client.get(&resume).send().await.expect("resume");
    let callback = location(&back, issuer);
    assert!(callback.contains("/auth/callback?code="), "{callback}");
    client.get(&callback).send().await.expect("callback")
}

async fn sign_in(
    client: &reqwest::Client,
    server: &TestServer,
    issuer: &str,
    user: (&str, &str),
    link: bool,
) -> (StatusCode, String) {
    let path = if link { "/auth/oidc/peer?link=1" } else { "/auth/oidc/peer" };
    let start = client.get(format!("{}{path}", server.url)).send().await.expect("start");
    let answer = through_provider(client, issuer, start, user).await;
    (answer.status(), answer.text().await.unwrap_or_default())
}

/// The identities linked to the signed-in account.
async fn identities(client: &reqwest::Client, server: &TestServer) -> Value {
    let url = format!("{}/api/v1/me/identities", server.url);
    client.get(url).send().await.expect("identities").json().await.unwrap_or(Value::Null)
}

async fn me(client: &reqwest::Client, server: &TestServer) -> Value {
    client.get(format!("{}/api/v1/me", server.url)).send().await.expect("me").json().await.unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_first_sign_in_makes_the_account_and_later_ones_find_it() {
    let Some(issuer) = oidc_peer() else { return };
    let server = server(&issuer).await;
    let providers = server.get_json("/api/v1/auth/providers").await;
    assert_eq!(providers, json!([{"name": "peer", "title": "Test provider", "login": "/auth/oidc/peer"}]));
    let client = browser();
    let (status, page) = sign_in(&client, &server, &issuer, JANE, false).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("jane.doe@example.org"), "{page}");
    let first = me(&client, &server).await;
    assert_eq!(
        (first["email"].clone(), first["verified"].clone(), first["name"].clone()),
        (json!("jane.doe@example.org"), json!(true), json!("Jane Doe"))
    );
    let identities = identities(&client, &server).await;
    assert_eq!((identities[0]["provider"].clone(), identities[0]["subject"].clone()), (json!("peer"), json!("jane")));
    assert_eq!(identities[0]["email"], "jane.doe@example.org", "linked with the address it came with");
    let again = browser();
    sign_in(&again, &server, &issuer, JANE, false).await;
    assert_eq!(me(&again, &server).await["id"], first["id"], "the same account");
}

#[tokio::test]
async fn an_existing_account_with_the_verified_address_is_offered_for_linking() {
    let Some(issuer) = oidc_peer() else { return };
    let server = server(&issuer).await;
    server.account("jane.doe@example.org", &[Role::Staff]).await;
    server
        .app
        .set_password(&helpdesk_domain::policy::Actor::system(), "jane.doe@example.org", "janes own password")
        .await
        .expect("password");
    let client = browser();
    let (status, page) = sign_in(&client, &server, &issuer, JANE, false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("There is an account for jane.doe@example.org already"), "{page}");
    assert_eq!(me(&client, &server).await["email"], Value::Null, "not signed in by the offer alone");
    let offer =
        page.split("name=\"offer\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("the offer").to_owned();
    let before = snapshot_but_attempts(server.store()).await;
    let wrong = client
        .post(format!("{}/auth/oidc/link", server.url))
        .form(&[("offer", offer.as_str()), ("password", "not janes password")])
        .send()
        .await
        .expect("link");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(snapshot_but_attempts(server.store()).await, before, "a wrong password links nothing");
    let tampered = format!("{}x", offer);
    let bad = client
        .post(format!("{}/auth/oidc/link", server.url))
        .form(&[("offer", tampered.as_str()), ("password", "janes own password")])
        .send()
        .await
        .expect("link");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST, "a tampered offer");
    let linked = client
        .post(format!("{}/auth/oidc/link", server.url))
        .form(&[("offer", offer.as_str()), ("password", "janes own password")])
        .send()
        .await
        .expect("link");
    assert_eq!(linked.status(), StatusCode::OK);
    assert_eq!(me(&client, &server).await["roles"], json!(["staff"]), "signed in to the existing account");
    let later = browser();
    let (_, page) = sign_in(&later, &server, &issuer, JANE, false).await;
    assert!(page.contains("signed in as"), "the link holds: {page}");
}

#[tokio::test]
async fn a_signed_in_person_links_an_identity_from_their_profile() {
    let Some(issuer) = oidc_peer() else { return };
    let server = server(&issuer).await;
    server.account("robert@example.org", &[]).await;
    server
        .app
        .set_password(&helpdesk_domain::policy::Actor::system(), "robert@example.org", "roberts password")
        .await
        .expect("password");
    let client = browser();
    let login = client
        .post(format!("{}/api/v1/auth/login", server.url))
        .json(&json!({"email": "robert@example.org", "password": "roberts password"}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), StatusCode::OK);
    let (status, _) = sign_in(&client, &server, &issuer, BOB, true).await;
    assert_eq!(status, StatusCode::OK);
    let elsewhere = browser();
    sign_in(&elsewhere, &server, &issuer, BOB, false).await;
    assert_eq!(
        me(&elsewhere, &server).await["email"],
        "robert@example.org",
        "bob's identity signs in to robert's account"
    );
    let identities = identities(&client, &server).await;
    assert_eq!(
        (identities[0]["subject"].clone(), identities[0]["email"].clone()),
        (json!("bob"), json!("bob@example.org"))
    );
    // Linking needs a session.
    let (status, page) = sign_in(&browser(), &server, &issuer, BOB, true).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
}

#[tokio::test]
async fn a_callback_without_the_flow_or_with_another_state_is_refused() {
    let Some(issuer) = oidc_peer() else { return };
    let server = server(&issuer).await;
    let before = snapshot(server.store()).await;
    // A callback this browser did not start (e.g. a code injected from another session).
    let stranger = browser();
    let start = browser().get(format!("{}/auth/oidc/peer", server.url)).send().await.expect("start");
    let other = browser();
    let answer = through_provider(&other, &issuer, start, JANE).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "the flow cookie belongs to another browser");
    let forged =
        stranger.get(format!("{}/auth/callback?code=abc&state=xyz", server.url)).send().await.expect("callback");
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    // The right browser, but the state changed on the way.
    let client = browser();
    let start = client.get(format!("{}/auth/oidc/peer", server.url)).send().await.expect("start");
    let authorize = location(&start, &issuer);
    let changed = authorize.replace("state=", "state=x");
    let to_form = client.get(&changed).send().await.expect("authorize");
    let form = location(&to_form, &issuer);
    let logged_in = client
        .post(format!("{form}/login"))
        .form(&[("username", "jane"), ("password", "jane-password")])
        .send()
        .await
        .expect("login");
    let back = client.get(location(&logged_in, &issuer)).send().await.expect("resume");
    let answer = client.get(location(&back, &issuer)).send().await.expect("callback");
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "another state");
    assert_eq!(snapshot(server.store()).await, before, "nothing was written");
    let unknown = browser().get(format!("{}/auth/oidc/nobody", server.url)).send().await.expect("start");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

/// A genuine id_token for `client_id` with `nonce`, straight from the provider's token endpoint.
async fn genuine_id_token(issuer: &str, nonce: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let client = browser();
    let verifier = "a-pkce-verifier-that-is-long-enough-for-the-rules-0123456789";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let redirect = "http://127.0.0.1:1/auth/callback";
    let authorize = reqwest::Url::parse_with_params(
        &format!("{issuer}/auth"),
        &[
            ("response_type", "code"),
            ("client_id", "helpdesk"),
            ("redirect_uri", redirect),
            ("scope", "openid email profile"),
            ("state", "s"),
            ("nonce", nonce),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ],
    )
    .expect("url");
    let to_form = client.get(authorize).send().await.expect("authorize");
    let form = location(&to_form, issuer);
    let logged_in = client
        .post(format!("{form}/login"))
        .form(&[("username", "jane"), ("password", "jane-password")])
        .send()
        .await
        .expect("login");
    let back = client.get(location(&logged_in, issuer)).send().await.expect("resume");
    let callback = location(&back, issuer);
    let code = reqwest::Url::parse(&callback)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let tokens: Value = client
        .post(format!("{issuer}/token"))
        .basic_auth("helpdesk", Some("helpdesk-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    tokens["id_token"].as_str().expect("an id_token").to_owned()
}

#[tokio::test]
async fn forged_expired_foreign_and_replayed_id_tokens_are_refused() {
    use base64::Engine;
    let Some(issuer) = oidc_peer() else { return };
    let redirect = "http://127.0.0.1:1/auth/callback";
    let ours = Providers::new(vec![provider(&issuer, "helpdesk")]);
    let theirs = Providers::new(vec![provider(&issuer, "helpdesk-public")]);
    let token = genuine_id_token(&issuer, "nonce-1").await;
    let now = chrono::Utc::now();
    let genuine = ours.verify_id_token("peer", redirect, &token, "nonce-1", now).await.expect("a genuine token passes");
    assert_eq!(
        (genuine.subject.as_str(), genuine.email.as_deref(), genuine.email_verified),
        ("jane", Some("jane.doe@example.org"), true)
    );

    // Forged: the payload says bob, the signature is jane's.
    let parts: Vec<&str> = token.split('.').collect();
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims = String::from_utf8(engine.decode(parts[1]).expect("base64"))
        .expect("utf-8")
        .replace("jane.doe@example.org", "bob@example.org");
    let forged = format!("{}.{}.{}", parts[0], engine.encode(claims), parts[2]);
    // Unsigned: the header says "none".
    let unsigned = format!("{}.{}.", engine.encode(r#"{"alg":"none","typ":"JWT"}"#), parts[1]);
    let table = [
        ("forged", &ours, forged.as_str(), "nonce-1", now),
        ("unsigned", &ours, unsigned.as_str(), "nonce-1", now),
        ("expired", &ours, token.as_str(), "nonce-1", now + chrono::Duration::hours(3)),
        ("another audience", &theirs, token.as_str(), "nonce-1", now),
        ("another nonce (a replay)", &ours, token.as_str(), "nonce-2", now),
        ("not a token", &ours, "abc.def.ghi", "nonce-1", now),
    ];
    for (what, providers, token, nonce, at) in table {
        let result = providers.verify_id_token("peer", redirect, token, nonce, at).await;
        assert!(result.is_err(), "{what} must be refused: {result:?}");
    }
}
