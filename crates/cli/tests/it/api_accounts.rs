//! The caller's profile (name, linked identities, notification preferences) and the admin's
//! accounts (list, roles, disabling), through the API. One scenario per test; every refusal is
//! checked to write nothing.

use helpdesk_domain::AccountId;
use helpdesk_domain::account::Role;
use helpdesk_domain::policy::Actor;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Answer, TestServer, assert_problem, snapshot};

const PASSWORD: &str = "correct horse battery";

async fn put(server: &TestServer, path: &str, token: &str, body: Value) -> Answer {
    server.call(Method::PUT, path, Some(token), Some(body)).await
}

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().filter_map(|a| a["name"].as_str().map(str::to_owned)).collect()
}

/// A session of `email` (given a password here), as its cookie.
async fn session(server: &TestServer, email: &str) -> String {
    server.app.set_password(&Actor::system(), email, PASSWORD).await.expect("a password");
    let session = server.app.login(email, PASSWORD, None).await.expect("signed in");
    format!("hd_session={}", session.token)
}

/// GET /api/v1/me with a session cookie.
async fn me_by_cookie(server: &TestServer, cookie: &str) -> StatusCode {
    let response = server
        .client
        .get(format!("{}/api/v1/me", server.url))
        .header("cookie", cookie)
        .send()
        .await
        .expect("an answer");
    response.status()
}

#[tokio::test]
async fn a_person_renames_themselves_and_bad_names_change_nothing() {
    let server = TestServer::start().await;
    let (ann, token) = server.account("ann@example.org", &[]).await;
    let renamed = server.patch("/api/v1/me", &token, json!({"name": "  Ann Lee  "})).await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.body);
    assert_eq!((renamed.body["id"].clone(), renamed.body["name"].clone()), (json!(ann.id), json!("Ann Lee")));
    assert_eq!(renamed.body["roles"], json!(["community"]), "the profile, with the roles in effect");
    assert_eq!(server.get("/api/v1/me", &token).await.body["name"], "Ann Lee");

    let before = snapshot(server.store()).await;
    for body in [
        json!({"name": "   "}),
        json!({"name": "x".repeat(201)}),
        json!({"name": "two\nlines"}),
        json!({"name": 7}),
        json!({}),
        json!({"name": "Ann", "email": "eve@example.org"}),
    ] {
        assert_problem(&server.patch("/api/v1/me", &token, body.clone()).await, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_problem(
        &server.call(Method::PATCH, "/api/v1/me", None, Some(json!({"name": "X"}))).await,
        StatusCode::UNAUTHORIZED,
    );
    assert_eq!(snapshot(server.store()).await, before);
    assert_eq!(server.get("/api/v1/me", &token).await.body["name"], "Ann Lee", "the name stays");
}

#[tokio::test]
async fn notification_preferences_start_with_everything_and_unknown_kinds_change_nothing() {
    let server = TestServer::start().await;
    let (_, token) = server.account("ann@example.org", &[]).await;
    let (_, bob) = server.account("bob@example.org", &[]).await;
    let all = json!([
        "ticket_opened",
        "assigned",
        "public_reply",
        "status_change",
        "reopened",
        "join_request",
        "service_level",
        "every_change"
    ]);
    let got = server.get("/api/v1/me/notifications", &token).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, json!({"wanted": all}));

    let set =
        put(&server, "/api/v1/me/notifications", &token, json!({"wanted": ["join_request", "assigned", "assigned"]}))
            .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    assert_eq!(set.body, json!({"wanted": ["assigned", "join_request"]}));
    assert_eq!(server.get("/api/v1/me/notifications", &token).await.body, set.body);
    assert_eq!(server.get("/api/v1/me/notifications", &bob).await.body, json!({"wanted": all}), "nobody else's");
    let account = server.app.store().account_by_email("ann@example.org").await.expect("read").expect("ann");
    let store = server.store();
    assert!(
        store.wants_notification(account.id, helpdesk_domain::account::Notification::Assigned).await.expect("wants")
    );
    assert!(
        !store.wants_notification(account.id, helpdesk_domain::account::Notification::Reopened).await.expect("wants")
    );

    let before = snapshot(server.store()).await;
    let refused = put(&server, "/api/v1/me/notifications", &token, json!({"wanted": ["assigned", "everything"]})).await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["errors"][0]["field"], "wanted[1]", "{:?}", refused.body);
    assert!(
        refused.body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("public_reply")),
        "names the kinds"
    );
    for body in [json!({"wanted": "assigned"}), json!({"wanted": [1]}), json!({}), json!({"wanted": [], "all": true})] {
        assert_problem(&put(&server, "/api/v1/me/notifications", &token, body).await, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let anonymous = server.call(Method::PUT, "/api/v1/me/notifications", None, Some(json!({"wanted": []}))).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
    assert_eq!(snapshot(server.store()).await, before);
    assert_eq!(server.get("/api/v1/me/notifications", &token).await.body, set.body, "the preferences stay");

    let none = put(&server, "/api/v1/me/notifications", &token, json!({"wanted": []})).await;
    assert_eq!(none.body, json!({"wanted": []}), "one may want nothing");
}

#[tokio::test]
async fn a_person_sees_the_identities_linked_to_their_account() {
    let server = TestServer::start().await;
    let (ann, token) = server.account("ann@example.org", &[]).await;
    let (bob, _) = server.account("bob@example.org", &[]).await;
    assert_eq!(server.get("/api/v1/me/identities", &token).await.body, json!([]));
    let mut tx = server.store().begin().await.expect("begin");
    tx.link_identity("egi", "e-1", Some("ann@egi.example.org"), ann.id, time::OffsetDateTime::now_utc())
        .await
        .expect("link");
    tx.link_identity("egi", "e-2", None, bob.id, time::OffsetDateTime::now_utc()).await.expect("link");
    tx.commit().await.expect("commit");
    let linked = server.get("/api/v1/me/identities", &token).await;
    assert_eq!(linked.status, StatusCode::OK);
    let items = linked.body.as_array().expect("a list");
    assert_eq!(items.len(), 1, "only the caller's: {items:?}");
    assert_eq!(
        (items[0]["provider"].clone(), items[0]["subject"].clone(), items[0]["email"].clone()),
        (json!("egi"), json!("e-1"), json!("ann@egi.example.org"))
    );
    assert!(items[0]["linked_at"].as_str().is_some_and(|t| t.contains('T')), "{items:?}");
    assert_problem(&server.call(Method::GET, "/api/v1/me/identities", None, None).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn staff_and_admins_list_and_search_accounts_and_nobody_else_does() {
    let server = TestServer::start().await;
    let (admin, admin_token) = server.account("admin@example.org", &[Role::Admin]).await;
    let (_, staff) = server.account("staff@example.org", &[Role::Staff]).await;
    let (_, community) = server.account("zed@example.org", &[]).await;
    server.account("carl_50@example.org", &[]).await;
    server.account("carlx50@example.org", &[]).await;

    let all = server.get("/api/v1/accounts", &admin_token).await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    assert_eq!(names(&all.body), ["admin", "carl_50", "carlx50", "staff", "zed"]);
    assert_eq!(all.body["items"][0]["roles"], json!(["admin"]), "the granted roles");
    assert_eq!(all.body["items"][0]["id"], json!(admin.id));
    let searched = server.get("/api/v1/accounts?q=L_5", &staff).await;
    assert_eq!(searched.status, StatusCode::OK, "{:?}", searched.body);
    assert_eq!((names(&searched.body), searched.body["total"].clone()), (vec!["carl_50".to_owned()], json!(1)));
    let by_address = server.get("/api/v1/accounts?q=EXAMPLE.ORG&page=2&per_page=2", &staff).await.body;
    assert_eq!(
        (names(&by_address), by_address["total"].clone()),
        (vec!["carlx50".to_owned(), "staff".to_owned()], json!(5))
    );
    assert_eq!(server.get("/api/v1/accounts?q=", &staff).await.body["total"], 5, "an empty search lists everyone");

    let before = snapshot(server.store()).await;
    assert_problem(&server.get("/api/v1/accounts", &community).await, StatusCode::FORBIDDEN);
    assert_problem(&server.call(Method::GET, "/api/v1/accounts", None, None).await, StatusCode::UNAUTHORIZED);
    assert_problem(&server.get("/api/v1/accounts?per_page=101", &staff).await, StatusCode::UNPROCESSABLE_ENTITY);
    let long = format!("/api/v1/accounts?q={}", "a".repeat(201));
    assert_problem(&server.get(&long, &staff).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(&server.get("/api/v1/accounts?role=admin", &staff).await, StatusCode::BAD_REQUEST);
    assert_eq!(snapshot(server.store()).await, before);
}

#[tokio::test]
async fn an_admin_grants_roles_that_take_effect_at_once() {
    let server = TestServer::start().await;
    let (_, admin) = server.account("admin@example.org", &[Role::Admin]).await;
    let (ann, ann_token) = server.account("ann@example.org", &[]).await;
    assert_problem(&server.get("/api/v1/accounts", &ann_token).await, StatusCode::FORBIDDEN);

    let path = format!("/api/v1/accounts/{}/roles", ann.id);
    let granted = put(&server, &path, &admin, json!({"roles": ["staff", "partner", "staff"]})).await;
    assert_eq!(granted.status, StatusCode::OK, "{:?}", granted.body);
    assert_eq!(
        (granted.body["id"].clone(), granted.body["roles"].clone()),
        (json!(ann.id), json!(["partner", "staff"]))
    );
    assert_eq!(server.get("/api/v1/me", &ann_token).await.body["roles"], json!(["partner", "staff"]));
    assert_eq!(server.get("/api/v1/accounts", &ann_token).await.status, StatusCode::OK, "staff now");

    let none = put(&server, &path, &admin, json!({"roles": []})).await;
    assert_eq!(none.body["roles"], json!(["community"]), "no roles means community: {:?}", none.body);
    assert_problem(&server.get("/api/v1/accounts", &ann_token).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn role_changes_that_are_refused_write_nothing() {
    let server = TestServer::start().await;
    let (me, admin) = server.account("admin@example.org", &[Role::Admin, Role::Staff]).await;
    let (_, staff) = server.account("staff@example.org", &[Role::Staff]).await;
    let (ann, ann_token) = server.account("ann@example.org", &[Role::Partner]).await;
    let ann_path = format!("/api/v1/accounts/{}/roles", ann.id);
    let my_path = format!("/api/v1/accounts/{}/roles", me.id);
    let before = snapshot(server.store()).await;

    let own = put(&server, &my_path, &admin, json!({"roles": ["staff"]})).await;
    assert_problem(&own, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(own.body["errors"][0]["field"], "roles");
    assert!(own.body["detail"].as_str().is_some_and(|d| d.contains("your own admin role")), "{:?}", own.body);
    assert_problem(&put(&server, &ann_path, &staff, json!({"roles": ["admin"]})).await, StatusCode::FORBIDDEN);
    assert_problem(&put(&server, &ann_path, &ann_token, json!({"roles": ["admin"]})).await, StatusCode::FORBIDDEN);
    assert_problem(
        &put(&server, &ann_path, &admin, json!({"roles": ["named"]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(
        &put(&server, &ann_path, &admin, json!({"roles": ["staff", "unit_manager"]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(
        &put(&server, &ann_path, &admin, json!({"roles": ["root"]})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(&put(&server, &ann_path, &admin, json!({})).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_problem(
        &put(&server, "/api/v1/accounts/999999/roles", &admin, json!({"roles": ["staff"]})).await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(
        &put(&server, "/api/v1/accounts/ann/roles", &admin, json!({"roles": []})).await,
        StatusCode::BAD_REQUEST,
    );
    let anonymous = server.call(Method::PUT, &ann_path, None, Some(json!({"roles": ["admin"]}))).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
    assert_eq!(snapshot(server.store()).await, before);
    assert_eq!(server.get("/api/v1/me", &ann_token).await.body["roles"], json!(["partner"]), "ann's roles stay");
    assert_eq!(server.get("/api/v1/me", &admin).await.body["roles"], json!(["staff", "admin"]), "mine too");

    let kept = put(&server, &my_path, &admin, json!({"roles": ["admin"]})).await;
    assert_eq!((kept.status, kept.body["roles"].clone()), (StatusCode::OK, json!(["admin"])), "keeping admin is fine");
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_at_once_and_enabled_again() {
    let server = TestServer::start().await;
    let (_, admin) = server.account("admin@example.org", &[Role::Admin]).await;
    let (ann, ann_token) = server.account("ann@example.org", &[]).await;
    let cookie = session(&server, "ann@example.org").await;
    let other_cookie = session(&server, "admin@example.org").await;
    assert_eq!(me_by_cookie(&server, &cookie).await, StatusCode::OK);

    let path = format!("/api/v1/accounts/{}", ann.id);
    let disabled = server.patch(&path, &admin, json!({"disabled": true})).await;
    assert_eq!(disabled.status, StatusCode::OK, "{:?}", disabled.body);
    assert_eq!((disabled.body["id"].clone(), disabled.body["disabled"].clone()), (json!(ann.id), json!(true)));
    assert_eq!(me_by_cookie(&server, &cookie).await, StatusCode::UNAUTHORIZED, "the session ended");
    assert_problem(&server.get("/api/v1/me", &ann_token).await, StatusCode::UNAUTHORIZED);
    let counts = snapshot(server.store()).await;
    assert!(counts.contains(&("sessions", 1)), "only the admin's session is left: {counts:?}");
    assert_eq!(me_by_cookie(&server, &other_cookie).await, StatusCode::OK);
    let login = server.app.login("ann@example.org", PASSWORD, None).await;
    assert!(login.is_err(), "a disabled account cannot sign in");

    let enabled = server.patch(&path, &admin, json!({"disabled": false})).await;
    assert_eq!((enabled.status, enabled.body["disabled"].clone()), (StatusCode::OK, json!(false)));
    assert_eq!(server.get("/api/v1/me", &ann_token).await.status, StatusCode::OK, "the token works again");
}

#[tokio::test]
async fn disabling_that_is_refused_writes_nothing() {
    let server = TestServer::start().await;
    let (me, admin) = server.account("admin@example.org", &[Role::Admin]).await;
    let (_, staff) = server.account("staff@example.org", &[Role::Staff]).await;
    let (ann, ann_token) = server.account("ann@example.org", &[]).await;
    let cookie = session(&server, "ann@example.org").await;
    let ann_path = format!("/api/v1/accounts/{}", ann.id);
    let before = snapshot(server.store()).await;

    let own = server.patch(&format!("/api/v1/accounts/{}", me.id), &admin, json!({"disabled": true})).await;
    assert_problem(&own, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(own.body["errors"][0]["field"], "disabled");
    assert_problem(&server.patch(&ann_path, &staff, json!({"disabled": true})).await, StatusCode::FORBIDDEN);
    assert_problem(&server.patch(&ann_path, &ann_token, json!({"disabled": true})).await, StatusCode::FORBIDDEN);
    assert_problem(
        &server.patch("/api/v1/accounts/999999", &admin, json!({"disabled": true})).await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(
        &server.patch(&ann_path, &admin, json!({"disabled": "yes"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(&server.patch(&ann_path, &admin, json!({"name": "X"})).await, StatusCode::UNPROCESSABLE_ENTITY);
    let anonymous = server.call(Method::PATCH, &ann_path, None, Some(json!({"disabled": true}))).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
    assert_eq!(snapshot(server.store()).await, before);
    assert_eq!(me_by_cookie(&server, &cookie).await, StatusCode::OK, "ann is still signed in");
    assert_eq!(server.get("/api/v1/me", &admin).await.body["disabled"], false);
}

#[tokio::test]
async fn names_for_display_come_in_one_map() {
    let server = TestServer::start().await;
    let (ann, _) = server.account("ann@example.org", &[]).await;
    let (bob, _) = server.account("bob@example.org", &[]).await;
    let names = server.app.account_names(&[bob.id, ann.id, AccountId(999_999)]).await.expect("names");
    assert_eq!(names.len(), 2);
    assert_eq!((names[&ann.id].as_str(), names[&bob.id].as_str()), ("ann", "bob"));
}

#[tokio::test]
async fn the_document_describes_the_account_operations() {
    let server = TestServer::start().await;
    let doc = server.get_json("/api/v1/openapi.json").await;
    for (path, method) in [
        ("/api/v1/me", "patch"),
        ("/api/v1/me/identities", "get"),
        ("/api/v1/me/notifications", "get"),
        ("/api/v1/me/notifications", "put"),
        ("/api/v1/accounts", "get"),
        ("/api/v1/accounts/{id}/roles", "put"),
        ("/api/v1/accounts/{id}", "patch"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is described");
        assert!(op["responses"]["401"].is_object(), "{method} {path} says it needs a token");
    }
    let kinds = &doc["components"]["schemas"]["Notification"]["enum"];
    assert_eq!(kinds.as_array().map(Vec::len), Some(8), "{kinds:?}");
    assert!(doc["components"]["schemas"]["LinkedIdentity"].is_object());
}

#[tokio::test]
async fn an_admin_makes_an_account_through_the_api_and_nobody_else_can() {
    let server = TestServer::start().await;
    let (_, admin) = server.account("make-admin@example.org", &[Role::Admin]).await;
    let (_, staff) = server.account("make-staff@example.org", &[Role::Staff]).await;
    let body = json!({"email": " New.Person@Example.org ", "name": "New Person", "roles": ["partner"]});
    let made = server.post("/api/v1/accounts", &admin, body.clone()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(
        (made.body["email"].clone(), made.body["roles"].clone()),
        (json!("new.person@example.org"), json!(["partner"]))
    );
    assert_eq!(made.location.as_deref(), Some(format!("/api/v1/accounts/{}", made.body["id"]).as_str()));
    // It is verified at once: its owner signs in as soon as they have a password.
    let cookie = session(&server, "new.person@example.org").await;
    assert_eq!(me_by_cookie(&server, &cookie).await, StatusCode::OK);

    let before = snapshot(server.store()).await;
    assert_problem(&server.post("/api/v1/accounts", &admin, body).await, StatusCode::CONFLICT);
    let other = json!({"email": "other@example.org", "name": "Other"});
    assert_problem(&server.post("/api/v1/accounts", &staff, other.clone()).await, StatusCode::FORBIDDEN);
    let bad = json!({"email": "not an address", "name": "  "});
    assert_problem(&server.post("/api/v1/accounts", &admin, bad).await, StatusCode::UNPROCESSABLE_ENTITY);
    let role = json!({"email": "other@example.org", "name": "Other", "roles": ["supporter"]});
    assert_problem(&server.post("/api/v1/accounts", &admin, role).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(snapshot(server.store()).await, before, "refusals write nothing");
}
