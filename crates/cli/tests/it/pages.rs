//! The web pages over HTTP (the browser scenarios are in browser.rs): who may see which page,
//! CSRF protection on every form, escaping and sanitising, and the attachment limits.

use helpdesk_domain::account::Role;
use helpdesk_domain::policy::Actor;
use reqwest::StatusCode;
use serde_json::json;

use helpdesk_web::oidc::ProviderConfig;

use crate::common::{Fixture, Options, TestServer, WebSession, snapshot, unique_address};

const PASSWORD: &str = "a long pages password";

/// A signed-in browser session for a new account with `roles`.
async fn person(fx: &Fixture, roles: &[Role]) -> (WebSession, i64, String) {
    let email = unique_address("pages");
    let (account, token) = fx.server.account(&email, roles).await;
    fx.server.app.set_password(&Actor::system(), &email, PASSWORD).await.expect("a password");
    let mut session = WebSession::new(&fx.server).await;
    session.sign_in(&email, PASSWORD).await;
    (session, account.id.get(), token)
}

fn ticket_fields(fx: &Fixture, title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_owned()),
        ("description", "What happened.".to_owned()),
        ("type", "incident".to_owned()),
        ("category", fx.category.to_string()),
        ("field.version", "4.5".to_owned()),
        ("field.os", "Ubuntu".to_owned()),
        ("field.bits_64", "true".to_owned()),
    ]
}

#[tokio::test]
async fn forms_without_the_browsers_csrf_token_are_refused_and_change_nothing() {
    let fx = Fixture::new().await;
    let (session, _, token) = person(&fx, &[Role::Staff]).await;
    let ticket = fx.open(&token, json!({})).await;
    let before = snapshot(fx.server.store()).await;
    let change = format!("/tickets/{ticket}/change");
    let wrong = "0".repeat(64);
    let table: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no token", vec![("status", "in_progress")]),
        ("an empty token", vec![("csrf", ""), ("status", "in_progress")]),
        ("another browser's token", vec![("csrf", wrong.as_str()), ("status", "in_progress")]),
    ];
    for (what, fields) in &table {
        let answer = session.post_form_raw(&change, fields).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{what}");
        assert!(answer.html.contains("This form has expired"), "{what}: {}", answer.html);
    }
    let cross_site = session
        .client
        .post(format!("{}{change}", session.base))
        .header("origin", "https://evil.example.com")
        .form(&[("csrf", session.csrf.as_str()), ("status", "in_progress")])
        .send()
        .await
        .expect("an answer");
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN, "a form sent from another site");
    let owned = ticket_fields(&fx, "No token");
    let fields: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let upload = session.post_multipart("/tickets/new", &fields, vec![], false).await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN, "a multipart form without its token");
    let reply = session.post_multipart(&format!("/tickets/{ticket}/reply"), &[("body", "hi")], vec![], false).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "a reply without its token");
    let fresh = WebSession::new(&fx.server).await;
    let login = fresh.post_form_raw("/login", &[("email", "x@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(login.status, StatusCode::FORBIDDEN, "even signing in needs the token");
    assert_eq!(snapshot(fx.server.store()).await, before, "nothing was written");
}

#[tokio::test]
async fn what_people_type_is_escaped_and_markdown_is_sanitised() {
    let fx = Fixture::new().await;
    let (session, _, token) = person(&fx, &[Role::Staff]).await;
    let ticket = fx
        .open(
            &token,
            json!({
                "title": "<script>alert(1)</script> broken",
                "description": "**Bold** text <img src=x onerror=alert(1)> and [a link](javascript:alert(2))",
            }),
        )
        .await;
    let reply = fx
        .server
        .post(
            &format!("/api/v1/tickets/{ticket}/articles"),
            &token,
            json!({"body": "`code` then <iframe src=//evil></iframe>"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let page = session.get(&format!("/tickets/{ticket}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // The edit form holds the description as written, escaped; the rest of the page renders it.
    let (before_form, rest) = page.html.split_once("<textarea id=\"edit-description\"").expect("the edit form");
    let (source, after_form) = rest.split_once("</textarea>").expect("its end");
    assert!(!source.contains("<img") && source.contains("onerror"), "kept as text: {source}");
    let html = format!("{before_form}{after_form}");
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62; broken"), "the title is escaped");
    assert!(!html.contains("<script>alert"), "no script from input");
    assert!(html.contains("<strong>Bold</strong>"), "Markdown is rendered");
    assert!(!html.contains("onerror"), "event handlers are removed");
    assert!(!html.contains("javascript:"), "script links are removed");
    assert!(!html.contains("<iframe"), "frames are removed");
    assert!(html.contains("<code>code</code>"));
    let listing = session.get("/tickets").await.html;
    assert!(listing.contains("&#60;script&#62;") && !listing.contains("<script>alert"), "lists escape too");
}

#[tokio::test]
async fn attachments_beyond_the_limits_or_the_role_are_refused_and_change_nothing() {
    let fx = Fixture::new().await;
    let (community, _, _) = person(&fx, &[Role::Community]).await;
    let (staff, _, _) = person(&fx, &[Role::Staff]).await;
    let fields = ticket_fields(&fx, "With files");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let before = snapshot(fx.server.store()).await;
    let six: Vec<(&str, Vec<u8>)> = (0..6).map(|_| ("a.txt", b"x".to_vec())).collect();
    let big = vec![("big.bin", vec![0u8; helpdesk_domain::attachment::MAX_ATTACHMENT_BYTES + 1])];
    type Files<'a> = Vec<(&'a str, Vec<u8>)>;
    let table: Vec<(&str, &WebSession, Files)> = vec![
        ("a community user's file", &community, vec![("a.txt", b"x".to_vec())]),
        ("six files", &staff, six),
        ("a file over the size limit", &staff, big),
    ];
    for (what, session, files) in table {
        let answer = session.post_multipart("/tickets/new", &fields, files, true).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert!(answer.html.contains("role=\"alert\""), "{what}: the form says what is wrong");
        assert!(answer.html.contains("value=\"With files\""), "{what}: the typed title is kept");
    }
    assert_eq!(snapshot(fx.server.store()).await, before, "nothing was written");
    let six: Vec<(&str, Vec<u8>)> = (0..6).map(|_| ("a.txt", b"x".to_vec())).collect();
    let answer = staff.post_multipart("/tickets/new", &fields, six, true).await;
    assert!(answer.html.contains("id=\"err-attachments\""), "the error stands next to the file input");
    let ok = staff.post_multipart("/tickets/new", &fields, vec![("notes.txt", b"hello".to_vec())], true).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.html);
    let page = staff.get(ok.location.as_deref().expect("the ticket's address")).await;
    assert!(page.html.contains("notes.txt"), "the attachment is listed");
}

#[tokio::test]
async fn each_page_is_for_the_people_it_serves() {
    let fx = Fixture::new().await;
    let anonymous = WebSession::new(&fx.server).await;
    let (community, _, _) = person(&fx, &[Role::Community]).await;
    let (admin, _, _) = person(&fx, &[Role::Admin]).await;
    let table: Vec<(&str, &WebSession, &str, StatusCode)> = vec![
        ("a visitor", &anonymous, "/", StatusCode::OK),
        ("a visitor", &anonymous, "/tickets", StatusCode::OK),
        ("a visitor", &anonymous, "/dashboard", StatusCode::SEE_OTHER),
        ("a visitor", &anonymous, "/tickets/new", StatusCode::SEE_OTHER),
        ("a visitor", &anonymous, "/admin", StatusCode::SEE_OTHER),
        ("a community user", &community, "/dashboard", StatusCode::OK),
        ("a community user", &community, "/tickets/new", StatusCode::OK),
        ("a community user", &community, "/profile", StatusCode::OK),
        ("a community user", &community, "/queue", StatusCode::FORBIDDEN),
        ("a community user", &community, "/triage", StatusCode::FORBIDDEN),
        ("a community user", &community, "/admin", StatusCode::FORBIDDEN),
        ("a community user", &community, "/admin/accounts", StatusCode::FORBIDDEN),
        ("a community user", &community, "/tickets/999999", StatusCode::NOT_FOUND),
        ("an admin", &admin, "/admin", StatusCode::OK),
        ("an admin", &admin, "/admin/units", StatusCode::OK),
        ("an admin", &admin, "/admin/categories", StatusCode::OK),
        ("an admin", &admin, "/admin/organisations", StatusCode::OK),
        ("an admin", &admin, "/admin/accounts", StatusCode::OK),
        ("an admin", &admin, "/queue", StatusCode::OK),
        ("an admin", &admin, "/triage", StatusCode::OK),
    ];
    for (who, session, path, status) in table {
        let answer = session.get(path).await;
        assert_eq!(answer.status, status, "{who} opens {path}");
    }
    for (path, pager) in [
        ("/admin/units", "Page 1 of 1 · 2 units"),
        ("/admin/categories", "Page 1 of 1 · 1 category"),
        ("/admin/organisations", "Page 1 of 1 · 0 organisations"),
        ("/admin/accounts", "Page 1 of 1 · 3 accounts"),
    ] {
        assert!(admin.get(path).await.html.contains(pager), "{path} is paged");
    }
    let redirect = anonymous.get("/dashboard").await.location.unwrap_or_default();
    assert_eq!(redirect, "/login?next=%2Fdashboard", "signing in comes back to the page");
}

#[tokio::test]
async fn the_home_page_and_lists_show_only_what_the_viewer_may_read() {
    let fx = Fixture::new().await;
    let (_, _, staff_token) = person(&fx, &[Role::Staff]).await;
    fx.open(&staff_token, json!({"title": "Everyone may read this"})).await;
    fx.open(&staff_token, json!({"title": "Only some may read this", "privacy": "private"})).await;
    let anonymous = WebSession::new(&fx.server).await;
    let (community, _, _) = person(&fx, &[Role::Community]).await;
    for (who, session) in [("a visitor", &anonymous), ("a community user", &community)] {
        for path in ["/", "/tickets", "/tickets?q=read+this", "/tickets?category=1"] {
            let html = session.get(path).await.html;
            assert!(!html.contains("Only some may read this"), "{who} on {path}");
        }
        let home = session.get("/").await.html;
        assert!(home.contains("Everyone may read this") && home.contains("Installation"), "{who}: grouped by category");
    }
    // Words of the text, not only of the title: found with where they are, the text escaped.
    fx.open(
        &staff_token,
        json!({"title": "Printer jam", "description": "The <script>alert(1)</script> paper tray is stuck"}),
    )
    .await;
    fx.server.search.catch_up().await.expect("the index catches up");
    let found = anonymous.get("/tickets?q=%22tray+is+stuck%22").await.html;
    assert!(found.contains("Printer jam") && found.contains("<b>tray</b>"), "{found}");
    assert!(!found.contains("<script>alert") && found.contains("&lt;script&gt;"), "escaped: {found}");
    let private = community.get("/tickets?q=only+some").await.html;
    assert!(private.contains("No tickets here") && !private.contains("Only some may read this"), "{private}");
    let refused = anonymous.get("/tickets?state=sideways&status=lost").await;
    assert_eq!(refused.status, StatusCode::OK, "a bad filter is shown, not a failure");
    assert!(refused.html.contains("choose open or closed") && refused.html.contains("not a valid Status"));
}

#[tokio::test]
async fn the_sign_in_page_offers_the_configured_ways_in() {
    let plain = TestServer::start().await;
    let page = WebSession::new(&plain).await.get("/login").await.html;
    assert!(page.contains("name=\"password\""), "a password form");
    assert!(!page.contains("/auth/oidc/") && !page.contains("/login/certificate"), "nothing else configured");
    let provider = ProviderConfig {
        name: "checkin".into(),
        title: "EGI Check-in".into(),
        issuer: "http://127.0.0.1:9/not-asked-until-used".into(),
        client_id: "helpdesk".into(),
        client_secret: None,
    };
    let proxies =
        helpdesk_web::Proxies { trusted: vec!["127.0.0.1".parse().expect("an address")], ..Default::default() };
    let configured = TestServer::start_with(Options { oidc: vec![provider], proxies, ..Options::default() }).await;
    let page = WebSession::new(&configured).await.get("/login").await.html;
    assert!(page.contains("href=\"/auth/oidc/checkin\"") && page.contains("EGI Check-in"), "a button per provider");
    assert!(page.contains("href=\"/login/certificate\""), "a certificate is offered when a proxy passes them");
    let without = WebSession::new(&configured).await.get("/login/certificate").await;
    assert_eq!(without.status, StatusCode::UNAUTHORIZED, "no certificate presented");
    assert!(without.html.contains("did not present a certificate"));
}

#[tokio::test]
async fn a_priority_other_than_the_triage_needs_a_reason_and_the_right() {
    let fx = Fixture::new().await;
    let (named_like, _, _) = person(&fx, &[Role::Staff]).await;
    let (community, _, _) = person(&fx, &[Role::Community]).await;
    let owned = ticket_fields(&fx, "Urgent by choice");
    let mut fields: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fields.push(("priority", "top"));
    let before = snapshot(fx.server.store()).await;
    let no_reason = named_like.post_multipart("/tickets/new", &fields, vec![], true).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.html.contains("id=\"err-priority_reason\""), "the error stands next to the reason");
    let form = community.get("/tickets/new").await.html;
    assert!(!form.contains("name=\"priority\""), "a community user is not offered a priority");
    let mut forced = fields.clone();
    forced.push(("priority_reason", "I say so"));
    let refused = community.post_multipart("/tickets/new", &forced, vec![], true).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "nor may they send one");
    assert_eq!(snapshot(fx.server.store()).await, before, "nothing was written");
    let opened = named_like.post_multipart("/tickets/new", &forced, vec![], true).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.html);
    let page = named_like.get(opened.location.as_deref().expect("the ticket's address")).await.html;
    assert!(page.contains("priority top") && page.contains("I say so"), "the priority and its reason, in the history");
}

#[tokio::test]
async fn an_admin_sets_up_a_connector_in_the_pages_and_staff_follow_external_tickets() {
    let fx = Fixture::new().await;
    let (admin, _, admin_token) = person(&fx, &[Role::Admin]).await;
    let (staff, _, _) = person(&fx, &[Role::Staff]).await;
    let (community, _, community_token) = person(&fx, &[Role::Community]).await;
    let unit = fx
        .server
        .patch(&format!("/api/v1/units/{}", fx.second_line), &admin_token, json!({"integration": "external"}))
        .await;
    assert_eq!(unit.status, StatusCode::OK, "{:?}", unit.body);
    let path = format!("/admin/units/{}/connector", fx.second_line);
    let page = admin.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Request Tracker 5"), "{}", page.html);

    // Refused: the form shows why, and nothing is written.
    let before = snapshot(fx.server.store()).await;
    let bad =
        [("action", "save"), ("kind", "rt"), ("url", "rt.example.org"), ("queue", "General"), ("poll_seconds", "5")];
    let answer = admin.post_form(&path, &bad).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.html.contains("must be an http:// or https:// address"), "{}", answer.html);
    assert!(answer.html.contains("RT needs the user&#39;s password"), "{}", answer.html);
    assert_eq!(snapshot(fx.server.store()).await, before, "a refused connector wrote nothing");

    // Saved: the password is never shown back; the test says plainly what is wrong.
    let good = [
        ("action", "save"),
        ("kind", "rt"),
        ("url", "http://127.0.0.1:9/"),
        ("queue", "General"),
        ("user", "helpdesk-sync"),
        ("secret", "the rt password"),
        ("poll_seconds", "5"),
        ("enabled", "on"),
    ];
    let saved = admin.post_form(&path, &good).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.html);
    assert!(saved.html.contains("The connector is saved.") && saved.html.contains("Credentials are stored."));
    assert!(!saved.html.contains("the rt password"), "the password is never shown back");
    // The statuses and priorities: a line that names no status of ours is refused by name; a
    // mapping of one's own is stored, the usual one is not.
    let mut mapped = good.to_vec();
    mapped.push(("status_out", "busy = open"));
    let refused = admin.post_form(&path, &mapped).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("&#39;busy&#39; is not a valid Status"), "{}", refused.html);
    let mut mapped = good.to_vec();
    mapped.extend([
        ("status_out", "in_progress = open\nsolved = resolved"),
        ("status_in", "resolved = solved"),
        ("priority_out", "top = 100"),
    ]);
    assert_eq!(admin.post_form(&path, &mapped).await.status, StatusCode::OK);
    let stored = fx.server.get(&format!("/api/v1/units/{}/connector", fx.second_line), &admin_token).await;
    assert_eq!(stored.body["settings"]["mapping"]["status_in"], json!({"resolved": "solved"}), "{:?}", stored.body);
    let tested = admin.post_form(&path, &[("action", "test")]).await;
    assert!(tested.html.contains("It does not work: cannot connect to RT at http://127.0.0.1:9"), "{}", tested.html);

    // A ticket moved to the unit waits to go over; staff see it pending and may retry it.
    let ticket = fx.open(&community_token, json!({})).await;
    let moved =
        fx.server.patch(&format!("/api/v1/tickets/{ticket}"), &admin_token, json!({"unit": fx.second_line})).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    let shown = staff.get(&format!("/tickets/{ticket}")).await;
    assert!(shown.html.contains("In its system") && shown.html.contains("not created yet"), "{}", shown.html);
    assert!(shown.html.contains("pending"), "{}", shown.html);
    let list = staff.get("/sync").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.html.contains(&format!("#{ticket}")) && list.html.contains("Storage"), "{}", list.html);
    let retried = staff.post_form("/sync/retry", &[("ticket", &ticket.to_string())]).await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER);

    // The submitter sees neither the link nor the list.
    let theirs = community.get(&format!("/tickets/{ticket}")).await;
    assert!(!theirs.html.contains("In its system"), "{}", theirs.html);
    assert_eq!(community.get("/sync").await.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.get(&path).await.status, StatusCode::FORBIDDEN, "connectors are for admins");
}

#[tokio::test]
async fn signing_in_goes_on_to_a_page_of_this_site_and_never_to_another() {
    let fx = Fixture::new().await;
    let email = unique_address("next");
    fx.server.account(&email, &[Role::Community]).await;
    fx.server.app.set_password(&Actor::system(), &email, PASSWORD).await.expect("a password");
    // What a browser would make of each: a tab or newline is dropped (`//evil.example`), a
    // backslash is a slash; control characters must not break the redirect's header.
    let table = [
        ("/tickets/1?tab=history", "/tickets/1?tab=history"),
        ("/\t/evil.example", "/dashboard"),
        ("/\t\\evil.example", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("//evil.example", "/dashboard"),
        ("/\r\n/evil.example", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("/tickets\u{b}", "/tickets"),
        ("/tick\u{b}ets", "/tick%0Bets"),
        ("/tick\0ets", "/tick%00ets"),
    ];
    for (next, target) in table {
        let session = WebSession::new(&fx.server).await;
        let answer = session.post_form("/login", &[("email", &email), ("password", PASSWORD), ("next", next)]).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{next:?}: {}", answer.html);
        assert_eq!(answer.location.as_deref(), Some(target), "{next:?}");
    }
}

#[tokio::test]
async fn browsers_get_an_icon_and_no_page_breaks_its_own_content_security_policy() {
    let fx = Fixture::new().await;
    let (admin, _, token) = person(&fx, &[Role::Admin]).await;
    let ticket = fx.open(&token, json!({"title": "Looked at everywhere"})).await;
    let icon = fx.server.client.get(format!("{}/favicon.ico", fx.server.url)).send().await.expect("an answer");
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(icon.headers()["content-type"], "image/x-icon");
    assert!(icon.bytes().await.expect("the icon").starts_with(&[0, 0, 1, 0]), "an ICO file");
    // The policy allows no inline style or script: none may be in a page.
    let pages = [
        "/",
        "/tickets",
        "/tickets/new",
        "/dashboard",
        "/queue",
        "/triage",
        "/units",
        "/profile",
        "/admin",
        "/admin/units",
        "/admin/categories",
        "/admin/calendars",
        "/admin/calendars/1",
        "/admin/accounts",
        "/sync",
    ];
    for path in pages.iter().map(|p| p.to_string()).chain([format!("/tickets/{ticket}")]) {
        let page = admin.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.html.contains("<link rel=\"icon\" href=\"/favicon.ico\">"), "{path} names its icon");
        assert!(!page.html.contains(" style="), "{path} has an inline style");
        let handler = page.html.match_indices(" on").any(|(at, _)| {
            let name: String = page.html[at + 3..].chars().take_while(char::is_ascii_lowercase).collect();
            !name.is_empty() && page.html[at + 3 + name.len()..].starts_with("=\"")
        });
        assert!(!page.html.contains("<script>") && !handler, "{path} has inline script");
    }
}

#[tokio::test]
async fn a_lists_state_filter_says_what_it_shows_and_can_show_both() {
    let fx = Fixture::new().await;
    let (staff, _, token) = person(&fx, &[Role::Staff]).await;
    let open = fx.open(&token, json!({"title": "Still open"})).await;
    let closed = fx.open(&token, json!({"title": "Already solved"})).await;
    let solved = fx
        .server
        .patch(&format!("/api/v1/tickets/{closed}"), &token, json!({"status": "solved", "resolution": "fixed"}))
        .await;
    assert_eq!(solved.status, StatusCode::OK, "{:?}", solved.body);
    let shows = |html: &str, id: i64| html.contains(&format!("href=\"/tickets/{id}\""));
    // The queue shows open tickets unless asked; its first choice says so.
    let queue = staff.get("/queue").await.html;
    assert!(shows(&queue, open) && !shows(&queue, closed));
    assert!(queue.contains("<option value=\"\" selected>Open</option>"), "{queue}");
    let both = staff.get("/queue?state=all").await.html;
    assert!(shows(&both, open) && shows(&both, closed), "open and closed, when asked");
    let only_closed = staff.get("/queue?state=closed").await.html;
    assert!(!shows(&only_closed, open) && shows(&only_closed, closed));
    // The list of all tickets shows both unless asked.
    let list = staff.get("/tickets").await.html;
    assert!(shows(&list, open) && shows(&list, closed));
    assert!(list.contains("<option value=\"\" selected>Open and closed</option>"), "{list}");
}

#[tokio::test]
async fn a_categorys_fields_show_in_the_order_the_admin_gave_them() {
    let fx = Fixture::new().await;
    let (admin, _, token) = person(&fx, &[Role::Admin]).await;
    let ticket =
        fx.open(&token, json!({"fields": {"version": "4.5", "os": "Ubuntu", "bits_64": true, "ram_gb": 8}})).await;
    let page = admin.get(&format!("/tickets/{ticket}")).await.html;
    let at = |label: &str| page.find(label).unwrap_or_else(|| panic!("{label} on the page"));
    let order = ["Product version", "Operating system", "64-bit confirmed", "RAM (GB)"];
    assert!(order.windows(2).all(|pair| at(pair[0]) < at(pair[1])), "{order:?} in this order");
    // One category of four fields, each counted as such.
    let list = admin.get("/admin/categories").await.html;
    assert!(list.contains("· 4 fields") && list.contains("Page 1 of 1 · 1 category"), "{list}");
}

#[tokio::test]
async fn an_address_or_form_that_cannot_be_read_is_said_in_words() {
    let fx = Fixture::new().await;
    let (session, _, token) = person(&fx, &[Role::Staff]).await;
    fx.open(&token, json!({})).await;
    let before = snapshot(fx.server.store()).await;
    let table = [
        ("/tickets/abc", None, "The address is not right: id must be a whole number, not &#39;abc&#39;."),
        (
            "/units/1/members/x/remove",
            Some(vec![]),
            "The address is not right: account must be a whole number, not &#39;x&#39;.",
        ),
        ("/tickets?page=two", None, "The address is not right: page must be a whole number."),
        ("/sync/retry", Some(vec![("ticket", "abc")]), "The form is not right: ticket must be a whole number."),
    ];
    for (path, form, words) in table {
        let answer = match form {
            None => session.get(path).await,
            Some(fields) => session.post_form(path, &fields).await,
        };
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{path}: {}", answer.html);
        assert!(answer.html.contains(words), "{path} says {words:?}: {}", answer.html);
        for rust in ["i64", "Cannot parse", "invalid type", "expected", "deserialize"] {
            assert!(!answer.html.contains(rust), "{path}: the page says {rust:?}: {}", answer.html);
        }
    }
    assert_eq!(snapshot(fx.server.store()).await, before, "nothing was written");
}

#[tokio::test]
async fn the_dashboard_lists_ones_own_tickets_or_a_companys_and_says_what_waits() {
    let fx = Fixture::new().await;
    let today = time::OffsetDateTime::now_utc().date();
    let contract = json!({"plan": "Gold", "starts_on": (today - time::Duration::days(1)).to_string()});
    let mut orgs = Vec::new();
    for (name, domain) in [("Grid Lab", "gridlab.example.org"), ("Other Lab", "other.example.org")] {
        let body = json!({"name": name, "domains": [domain]});
        let id = crate::common::created(fx.server.post("/api/v1/organisations", &fx.admin, body).await);
        let made = fx.server.post(&format!("/api/v1/organisations/{id}/contracts"), &fx.admin, contract.clone()).await;
        assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
        orgs.push(id);
    }
    let (grid, other) = (orgs[0], orgs[1]);
    let (_, ann_token) = fx.server.account("ann@gridlab.example.org", &[]).await;
    let (_, otto_token) = fx.server.account("otto@other.example.org", &[]).await;
    fx.server.account("bob@gridlab.example.org", &[]).await;
    fx.server.app.set_password(&Actor::system(), "bob@gridlab.example.org", PASSWORD).await.expect("a password");
    let mut bob = WebSession::new(&fx.server).await;
    bob.sign_in("bob@gridlab.example.org", PASSWORD).await;
    fx.open(&ann_token, json!({"title": "Our cluster is down", "privacy": "private"})).await;
    fx.open(&otto_token, json!({"title": "Their cluster is down", "privacy": "private"})).await;

    let own = bob.get("/dashboard").await.html;
    assert!(own.contains("Company tickets: Grid Lab") && !own.contains("Company tickets: Other Lab"), "{own}");
    assert!(!own.contains("Our cluster is down"), "their own list holds only their own tickets");
    let company = bob.get(&format!("/dashboard?list=company&org={grid}")).await.html;
    assert!(company.contains("Our cluster is down") && !company.contains("Their cluster is down"), "{company}");
    // An organisation they do not belong to lists their own company's tickets instead.
    let other_org = bob.get(&format!("/dashboard?list=company&org={other}")).await.html;
    assert!(other_org.contains("Our cluster is down") && !other_org.contains("Their cluster is down"));

    // A reply awaited is said on the dashboard.
    let (_, bob_token) = fx.server.account("bob2@gridlab.example.org", &[]).await;
    let mine = fx.open(&bob_token, json!({"title": "Waiting for me"})).await;
    let asked =
        fx.server.patch(&format!("/api/v1/tickets/{mine}"), &fx.admin, json!({"status": "waiting_for_reply"})).await;
    assert!(asked.status.is_success(), "{:?}", asked.body);
    fx.server.app.set_password(&Actor::system(), "bob2@gridlab.example.org", PASSWORD).await.expect("a password");
    let mut bob2 = WebSession::new(&fx.server).await;
    bob2.sign_in("bob2@gridlab.example.org", PASSWORD).await;
    let board = bob2.get("/dashboard").await.html;
    assert!(board.contains("1 of your tickets wait for your reply"), "{board}");
}

#[tokio::test]
async fn admins_keep_calendars_on_their_pages_with_pasted_holidays_and_a_preview() {
    let fx = Fixture::new().await;
    let (admin, _, _) = person(&fx, &[Role::Admin]).await;
    let list = admin.get("/admin/calendars").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.html.contains(">Default</a>") && list.html.contains(">24x7</a>"), "{}", list.html);
    let split = "09:00-12:30, 13:30-17:00";
    let ics = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Christmas\r\nDTSTART;VALUE=DATE:20261225\r\n\
               DTEND;VALUE=DATE:20261227\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let mut fields = vec![("name", "Berlin office"), ("time_zone", "Europe/Berlin"), ("holidays", ics)];
    fields.extend(["mon", "tue", "wed", "thu", "fri"].map(|day| (day, split)));
    let made = admin.post_form("/admin/calendars", &fields).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.html);
    assert!(made.html.contains("The calendar is created.") && made.html.contains(">Berlin office</a>"));
    let calendars = fx.server.app.calendars(&Actor::system()).await.expect("the calendars");
    let id = calendars.iter().find(|c| c.name == "Berlin office").expect("made").id;

    let page = admin.get(&format!("/admin/calendars/{id}?from=2026-12-24T16:00&after=2h")).await.html;
    assert!(page.contains("Due Monday 28 December 2026, 10:00"), "the preview, in the calendar's zone: {page}");
    assert!(page.contains("2026-12-25\n2026-12-26</textarea>"), "the pasted event's two days: {page}");
    assert!(page.contains("value=\"09:00-12:30, 13:30-17:00\""), "{page}");
    let page = admin.get(&format!("/admin/calendars/{id}?from=2026-12-24T16:00&after=2x")).await.html;
    assert!(page.contains("write a duration as a number and m, h or d"), "{page}");

    let before = snapshot(fx.server.store()).await;
    let refusals = [
        (vec![("name", "Night"), ("mon", "17:00-09:00")], "an interval ends after it starts"),
        (vec![("name", "Night"), ("mon", "09:00-17:00"), ("holidays", "next friday")], "is not a date"),
        (vec![("name", "Night"), ("time_zone", "Mars/Olympus"), ("mon", "09:00-17:00")], "is not a time zone"),
        (vec![("name", "Night")], "a calendar needs some working time"),
    ];
    for (fields, words) in refusals {
        let answer = admin.post_form("/admin/calendars", &fields).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{words}");
        assert!(answer.html.contains(words), "{words}: {}", answer.html);
    }
    let answer = admin.post_form(&format!("/admin/calendars/{id}"), &[("name", "Berlin office")]).await;
    assert!(answer.html.contains("a calendar needs some working time"), "a save is checked as a new one is");
    assert_eq!(snapshot(fx.server.store()).await, before, "refused forms wrote nothing");
}

#[tokio::test]
async fn a_supporter_changes_the_selected_tickets_of_the_queue_at_once_and_reads_what_was_refused() {
    let fx = Fixture::new().await;
    let (session, sam, _) = person(&fx, &[Role::Community]).await;
    let added =
        fx.server.post(&format!("/api/v1/units/{}/members", fx.first_line), &fx.admin, json!({"account": sam})).await;
    assert!(added.status.is_success(), "{:?}", added.body);
    let a = fx.open(&fx.admin, json!({})).await;
    let b = fx.open(&fx.admin, json!({})).await;
    let queue = session.get("/queue").await.html;
    assert!(queue.contains(&format!("name=\"ticket\" value=\"{a}\" form=\"bulk\"")), "each row can be selected");
    assert!(queue.contains("Change the selected tickets"));

    let before = snapshot(fx.server.store()).await;
    let nothing = session.post_form("/queue/bulk", &[("ticket", &a.to_string()), ("back", "/queue")]).await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nothing.html.contains("choose what to change"), "{}", nothing.html);
    let none = session.post_form("/queue/bulk", &[("status", "in_progress"), ("back", "https://evil.example/")]).await;
    assert!(none.html.contains("select the tickets to change first") && none.html.contains("href=\"/queue\""));
    assert_eq!(snapshot(fx.server.store()).await, before, "refusals write nothing");

    let fields = [("ticket", a.to_string()), ("ticket", b.to_string()), ("ticket", "999999".to_owned())];
    let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form.extend([("status", "in_progress"), ("owner", "me"), ("back", "/queue?list=mine")]);
    let done = session.post_form("/queue/bulk", &form).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(
        done.html.contains(&format!("href=\"/tickets/{a}\">#{a}</a>, <a href=\"/tickets/{b}\">#{b}</a>")),
        "{}",
        done.html
    );
    assert!(
        done.html.contains("#999999: there is no ticket #999999") && done.html.contains("href=\"/queue?list=mine\"")
    );
    for id in [a, b] {
        let ticket = fx.server.get(&format!("/api/v1/tickets/{id}"), &fx.admin).await.body;
        assert_eq!((ticket["status"].clone(), ticket["owner"].clone()), (json!("in_progress"), json!(sam)));
    }
}
