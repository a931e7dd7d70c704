//! E-mail both ways, against the real SMTP capture of ../shared/peers/mail: notifications out,
//! each showing only what its reader may read; messages in through the inbound endpoint, into
//! tickets and articles, refused, ignored or kept for an admin.

use std::time::Duration;

use helpdesk_domain::account::Role;
use helpdesk_domain::mail::{InboundMessage, InboundStatus};
use reqwest::{Method, StatusCode};
use serde_json::json;

use helpdesk_domain::policy::Actor;

use crate::common::{
    MailPeer, Options, Received, TestServer, WebSession, assert_problem, created, mail_peer, snapshot,
    snapshot_when_idle, unique_address,
};

/// A helpdesk with a unit reached at its own address, a category that asks no questions, an
/// admin and a mail gateway.
struct MailDesk {
    server: TestServer,
    peer: MailPeer,
    admin: String,
    admin_address: String,
    gateway: String,
    unit: i64,
    unit_address: String,
    category: i64,
}

impl MailDesk {
    async fn new(integration: &str) -> Option<MailDesk> {
        MailDesk::sending_from(integration, None).await
    }

    /// A desk whose mail is sent from `mail_from` rather than from its own address.
    async fn sending_from(integration: &str, mail_from: Option<&'static str>) -> Option<MailDesk> {
        let peer = mail_peer()?;
        let server =
            TestServer::start_with(Options { mail: Some(peer.clone()), mail_from, ..Options::default() }).await;
        let admin_address = unique_address("admin");
        let (_, admin) = server.account(&admin_address, &[Role::Admin]).await;
        let (_, gateway) = server.account(&unique_address("gateway"), &[Role::MailGateway]).await;
        let unit_address = unique_address("unit-list");
        let unit = created(
            server
                .post(
                    "/api/v1/units",
                    &admin,
                    json!({"name": "Storage", "level": 2, "email": unit_address, "integration": integration}),
                )
                .await,
        );
        let category = created(
            server
                .post("/api/v1/categories", &admin, json!({"name": "General", "default_unit": unit, "fields": []}))
                .await,
        );
        Some(MailDesk { server, peer, admin, admin_address, gateway, unit, unit_address, category })
    }

    /// Another unit, reached at `address`; its id.
    async fn unit(&self, name: &str, address: &str, integration: &str) -> i64 {
        let unit = json!({"name": name, "level": 2, "email": address, "integration": integration});
        created(self.server.post("/api/v1/units", &self.admin, unit).await)
    }

    /// A person with a token.
    async fn person(&self, name: &str, roles: &[Role]) -> (i64, String, String) {
        let address = unique_address(name);
        let (account, token) = self.server.account(&address, roles).await;
        (account.id.get(), address, token)
    }

    /// A supporter of the unit.
    async fn supporter(&self) -> (i64, String, String) {
        let (id, address, token) = self.person("supporter", &[Role::Community]).await;
        let added = self
            .server
            .post(&format!("/api/v1/units/{}/members", self.unit), &self.admin, json!({"account": id}))
            .await;
        assert!(added.status.is_success(), "{:?}", added.body);
        (id, address, token)
    }

    async fn open(&self, token: &str, extra: serde_json::Value) -> i64 {
        let mut body = json!({
            "title": "Disk quota exceeded", "description": "My home directory is full.",
            "category": self.category, "type": "incident", "privacy": "public", "fields": {}
        });
        for (k, v) in extra.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        created(self.server.post("/api/v1/tickets", token, body).await)
    }

    /// Hands a raw message in as the gateway; returns the inbound id once processed.
    async fn deliver(&self, raw: Vec<u8>) -> InboundMessage {
        self.deliver_at("/api/v1/mail/inbound", raw).await
    }

    /// Hands a raw message in as the gateway at `path` (the endpoint, with its query).
    async fn deliver_at(&self, path: &str, raw: Vec<u8>) -> InboundMessage {
        let answer = self.server.call_raw(Method::POST, path, Some(&self.gateway), Some("message/rfc822"), raw).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{:?}", answer.body);
        let id = answer.body["id"].as_i64().expect("an id");
        self.settled(id).await
    }

    /// The inbound message once the worker has processed it (at most 15 s).
    async fn settled(&self, id: i64) -> InboundMessage {
        crate::common::settled(self.server.store(), id).await
    }

    async fn articles(&self, ticket: i64) -> Vec<serde_json::Value> {
        let answer = self.server.get(&format!("/api/v1/tickets/{ticket}/articles"), &self.admin).await;
        answer.body["items"].as_array().cloned().unwrap_or_default()
    }

    async fn ticket(&self, ticket: i64) -> serde_json::Value {
        self.server.get(&format!("/api/v1/tickets/{ticket}"), &self.admin).await.body
    }
}

/// A message as a mail program writes it.
fn message(from: &str, to: &str, subject: &str, body: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let id = unique_address("msg");
    let mut raw = format!(
        "From: Sam Sender <{from}>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    );
    for (name, value) in headers {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    raw.push_str("\r\n");
    raw.push_str(&body.replace('\n', "\r\n"));
    raw.into_bytes()
}

fn any_contains(messages: &[Received], text: &str) -> bool {
    messages.iter().any(|m| m.text.contains(text) || m.html.as_deref().is_some_and(|h| h.contains(text)))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_solution_mail_asks_the_requester_to_confirm_or_reopen_and_its_reopen_link_works() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let (_, requester, requester_token) = desk.person("requester", &[Role::Community]).await;
    let (supporter_id, supporter, supporter_token) = desk.supporter().await;
    let id = desk.open(&requester_token, json!({})).await;
    let path = format!("/api/v1/tickets/{id}");
    let take = json!({"status": "in_progress", "owner": supporter_id});
    assert_eq!(desk.server.patch(&path, &supporter_token, take).await.status, StatusCode::OK);
    let answer = json!({"body": "Your quota is now 200 GB.", "internal": false});
    created(desk.server.post(&format!("{path}/articles"), &supporter_token, answer).await);
    let solve = json!({"status": "solved", "resolution": "workaround"});
    assert_eq!(desk.server.patch(&path, &desk.admin, solve).await.status, StatusCode::OK);

    let mail = &desk.peer.about(&requester, "(solved)", 1).await[0];
    for expected in [
        "is solved (workaround)",
        "Your quota is now 200 GB.",
        &format!("/tickets/{id}?solution=confirm"),
        &format!("/tickets/{id}?solution=reopen"),
    ] {
        assert!(mail.text.contains(expected), "{expected:?} in {}", mail.text);
    }
    let html = mail.html.as_deref().unwrap_or_default().replace("&#x2f;", "/");
    for expected in
        ["Your quota is now 200 GB.", &format!("/tickets/{id}?solution=confirm\">Yes, confirm it is solved")]
    {
        assert!(html.contains(expected), "{expected:?} in {html}");
    }
    // The owner hears of the solution but is not asked whether it solves the problem.
    let to_owner = &desk.peer.about(&supporter, "(solved)", 1).await[0];
    assert!(!to_owner.text.contains("?solution="), "{}", to_owner.text);

    // The reopen link: the requester signs in first, then says why; blank is refused.
    let page = format!("/tickets/{id}?solution=reopen");
    let mut session = WebSession::new(&desk.server).await;
    let signed_out = session.get(&page).await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert!(signed_out.location.as_deref().is_some_and(|l| l.starts_with("/login")), "{:?}", signed_out.location);
    desk.server.app.set_password(&Actor::system(), &requester, "a long test password").await.expect("a password");
    session.sign_in(&requester, "a long test password").await;
    let asked = session.get(&page).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.html.contains("Does this solve your problem?") && asked.html.contains("Confirm it is solved"));
    let before = snapshot_when_idle(desk.server.store()).await;
    let blank = session.post_form(&format!("/tickets/{id}/reopen"), &[("reason", "  ")]).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", blank.html);
    assert_eq!(snapshot(desk.server.store()).await, before, "a blank reason writes nothing");
    let reopened = session.post_form(&format!("/tickets/{id}/reopen"), &[("reason", "Still full after a day.")]).await;
    assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.html);
    let ticket = desk.server.get(&path, &requester_token).await.body;
    assert_eq!(ticket["status"], "reopened");
    let conversation = desk.server.get(&format!("{path}/articles"), &requester_token).await.body;
    assert!(conversation.to_string().contains("Still full after a day."), "{conversation}");
    desk.peer.about(&supporter, "Re: [Helpdesk #", 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_requester_who_asks_for_the_solution_only_hears_of_nothing_else() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let (_, requester, requester_token) = desk.person("requester", &[Role::Community]).await;
    let (_, supporter, supporter_token) = desk.supporter().await;
    let copy = unique_address("copy");
    let id = desk.open(&requester_token, json!({"copy_to": [copy]})).await;
    let mode = format!("/api/v1/tickets/{id}/requester-mode");
    desk.peer.about(&supporter, &format!("[Helpdesk #{id}]"), 1).await;
    assert_eq!(desk.server.get(&mode, &requester_token).await.body["mode"], "every_change", "the profile's default");

    let before = snapshot_when_idle(desk.server.store()).await;
    let refusals = [
        (&supporter_token, json!({"mode": "solution_only"}), StatusCode::FORBIDDEN, "the supporter chooses for them"),
        (&requester_token, json!({"mode": "sometimes"}), StatusCode::UNPROCESSABLE_ENTITY, "no such mode"),
    ];
    for (token, body, status, why) in refusals {
        let answer = desk.server.call(Method::PUT, &mode, Some(token), Some(body)).await;
        assert_eq!(answer.status, status, "{why}: {:?}", answer.body);
        assert_problem(&answer, status);
    }
    assert_eq!(snapshot(desk.server.store()).await, before, "refusals write nothing");
    let chosen =
        desk.server.call(Method::PUT, &mode, Some(&requester_token), Some(json!({"mode": "solution_only"}))).await;
    assert_eq!(chosen.status, StatusCode::OK, "{:?}", chosen.body);

    let path = format!("/api/v1/tickets/{id}");
    assert_eq!(
        desk.server.patch(&path, &supporter_token, json!({"status": "in_progress"})).await.status,
        StatusCode::OK
    );
    let reply = json!({"body": "We are looking at it.", "internal": false});
    created(desk.server.post(&format!("{path}/articles"), &supporter_token, reply).await);
    let solve = json!({"status": "solved"});
    assert_eq!(desk.server.patch(&path, &supporter_token, solve).await.status, StatusCode::OK);
    desk.peer.about(&requester, "(solved)", 1).await;
    // The copy had the reply before the solution was written: had the requester's been sent, it
    // would be there too.
    desk.peer.about(&copy, "Re: [Helpdesk #", 1).await;
    let to_requester = desk.peer.messages_for(&requester);
    let subjects: Vec<&str> = to_requester.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(to_requester.len(), 2, "the receipt and the solution, nothing between: {subjects:?}");

    // The profile's default: without `every_change`, a new ticket's requester hears of its
    // solution only, until they choose otherwise for it.
    let wanted = json!({"wanted": ["ticket_opened", "public_reply", "status_change"]});
    let saved = desk.server.call(Method::PUT, "/api/v1/me/notifications", Some(&requester_token), Some(wanted)).await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    let next = desk.open(&requester_token, json!({})).await;
    let next_mode = desk.server.get(&format!("/api/v1/tickets/{next}/requester-mode"), &requester_token).await;
    assert_eq!(next_mode.body["mode"], "solution_only");
}

#[tokio::test(flavor = "multi_thread")]
async fn people_involved_get_what_the_unit_gets_internal_notes_included_if_they_may_read_them() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let (_, requester, requester_token) = desk.person("requester", &[Role::Community]).await;
    let (supporter_id, _, supporter_token) = desk.supporter().await;
    let (sally_id, sally, _) = desk.person("sally", &[Role::Staff]).await;
    let (_, carl, _) = desk.person("carl", &[Role::Community]).await;
    let id = desk.open(&requester_token, json!({})).await;
    let take = json!({"status": "in_progress", "owner": supporter_id});
    assert_eq!(
        desk.server.patch(&format!("/api/v1/tickets/{id}"), &supporter_token, take).await.status,
        StatusCode::OK
    );
    let involved = format!("/api/v1/tickets/{id}/involved");

    let before = snapshot_when_idle(desk.server.store()).await;
    let refusals = [
        (&supporter_token, carl.clone(), StatusCode::UNPROCESSABLE_ENTITY, "internal notes are for"),
        (&supporter_token, unique_address("nobody"), StatusCode::UNPROCESSABLE_ENTITY, "no active account"),
        (&requester_token, sally.clone(), StatusCode::FORBIDDEN, "internal notes are for"),
    ];
    for (token, person, status, why) in refusals {
        let answer = desk.server.post(&involved, token, json!({"person": person})).await;
        assert_eq!(answer.status, status, "{person}: {:?}", answer.body);
        assert_problem(&answer, status);
        assert!(answer.body.to_string().contains(why), "{why} in {:?}", answer.body);
    }
    assert_eq!(snapshot_when_idle(desk.server.store()).await, before, "refusals write nothing");

    let made = desk.server.post(&involved, &supporter_token, json!({"person": sally.to_uppercase()})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.body["account"], sally_id);
    let listed = desk.server.get(&involved, &supporter_token).await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(1), "{:?}", listed.body);
    assert_eq!(
        desk.server.get(&involved, &requester_token).await.status,
        StatusCode::FORBIDDEN,
        "the list is internal"
    );

    let articles = format!("/api/v1/tickets/{id}/articles");
    let note = json!({"body": "Internal: the quota host is SECRET-HOST-11", "internal": true});
    created(desk.server.post(&articles, &supporter_token, note).await);
    let reply = json!({"body": "The quota is raised.", "internal": false});
    created(desk.server.post(&articles, &supporter_token, reply).await);
    let noted = desk.peer.about(&sally, "(internal note)", 1).await;
    assert!(noted[0].text.contains("SECRET-HOST-11") && noted[0].text.contains("do not forward"), "{}", noted[0].text);
    assert!(noted[0].text.contains("involved you in this ticket"), "it says why: {}", noted[0].text);
    desk.peer.about(&sally, "Re: [Helpdesk #", 2).await;
    desk.peer.about(&requester, "Re: [Helpdesk #", 1).await;
    assert!(!any_contains(&desk.peer.messages_for(&requester), "SECRET-HOST-11"), "a note reached the requester");

    let gone = desk.server.call(Method::DELETE, &format!("{involved}/{sally_id}"), Some(&supporter_token), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.body);
    let later = json!({"body": "Internal: SECRET-HOST-12", "internal": true});
    created(desk.server.post(&articles, &supporter_token, later).await);
    let last = json!({"body": "Anything else?", "internal": false});
    created(desk.server.post(&articles, &supporter_token, last).await);
    desk.peer.about(&requester, "Re: [Helpdesk #", 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!any_contains(&desk.peer.messages_for(&sally), "SECRET-HOST-12"), "no longer involved, no longer told");
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_reach_each_reader_with_only_what_they_may_read() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let (_, submitter, submitter_token) = desk.person("submitter", &[Role::Community]).await;
    let (_, supporter, supporter_token) = desk.supporter().await;
    let copy = unique_address("copy");
    let id = desk.open(&submitter_token, json!({"title": "Quota <b>full</b>", "copy_to": [copy]})).await;

    let opened = desk.peer.wait_for(&submitter, 1).await;
    let first = &opened[0];
    assert!(first.subject.starts_with(&format!("[Helpdesk #{id}] Quota <b>full</b>")), "{}", first.subject);
    assert!(first.message_id.as_deref().is_some_and(|m| m.starts_with(&format!("ticket-{id}."))), "{first:?}");
    assert_eq!(first.references.as_deref(), Some(format!("<ticket-{id}@test.example.org>").as_str()));
    assert_eq!(first.in_reply_to.as_deref(), Some(format!("<ticket-{id}@test.example.org>").as_str()));
    assert_eq!(first.auto_submitted.as_deref(), Some("auto-generated"));
    assert!(first.reply_to.as_deref().is_some_and(|r| r.contains("helpdesk@test.example.org")), "{first:?}");
    assert!(first.x_loop.as_deref().is_some_and(|r| r.contains("helpdesk@test.example.org")), "{first:?}");
    let html = first.html.as_deref().expect("an HTML part");
    assert!(html.contains("Quota &lt;b&gt;full") && !html.contains("<b>full"), "escaped: {html}");
    assert!(first.text.contains("Quota <b>full</b>"), "the text part is as written: {}", first.text);
    // A direct unit's members hear of its new tickets; a copy address hears of replies only.
    desk.peer.wait_for(&supporter, 1).await;
    assert!(desk.peer.messages_for(&copy).is_empty(), "{:?}", desk.peer.messages_for(&copy));

    // An internal note reaches nobody by mail; the public reply reaches the requester's side.
    let note = json!({"body": "Internal: the quota server is SECRET-HOST-7", "internal": true});
    created(desk.server.post(&format!("/api/v1/tickets/{id}/articles"), &supporter_token, note).await);
    let reply = json!({"body": "Your quota has been raised.", "internal": false});
    created(desk.server.post(&format!("/api/v1/tickets/{id}/articles"), &supporter_token, reply).await);
    let to_submitter = desk.peer.wait_for(&submitter, 2).await;
    let to_copy = desk.peer.wait_for(&copy, 1).await;
    for messages in [&to_submitter, &to_copy] {
        let last = messages.last().expect("a message");
        assert!(last.subject.starts_with(&format!("Re: [Helpdesk #{id}]")), "{last:?}");
        assert!(last.text.contains("Your quota has been raised."), "{last:?}");
        assert!(!any_contains(messages, "SECRET-HOST-7"), "an internal note leaked: {messages:?}");
    }

    // A private ticket never reaches an address that may not read it.
    let stranger = unique_address("stranger");
    let private = desk.open(&supporter_token, json!({"privacy": "private", "copy_to": [stranger]})).await;
    desk.peer.wait_for(&supporter, 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(desk.peer.messages_for(&stranger).is_empty(), "private ticket #{private} reached a stranger");
    // A direct unit's address is where its mail comes in: Helpdesk never writes to it.
    assert!(desk.peer.messages_for(&desk.unit_address).is_empty(), "{:?}", desk.peer.messages_for(&desk.unit_address));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_follower_gets_the_public_replies_and_the_solution_only_while_following_and_reading() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let (_, requester, requester_token) = desk.person("requester", &[Role::Community]).await;
    let (_, _, supporter_token) = desk.supporter().await;
    let (_, fan, fan_token) = desk.person("fan", &[Role::Community]).await;
    let copy = unique_address("copy");
    let id = desk.open(&requester_token, json!({"copy_to": [copy]})).await;
    let follow = |method: Method| {
        let (server, token, path) = (&desk.server, fan_token.clone(), format!("/api/v1/tickets/{id}/subscription"));
        async move { assert_eq!(server.call(method, &path, Some(&token), None).await.status, StatusCode::OK) }
    };
    let change = |body: serde_json::Value| {
        let (server, token, path) = (&desk.server, supporter_token.clone(), format!("/api/v1/tickets/{id}"));
        async move { assert_eq!(server.patch(&path, &token, body).await.status, StatusCode::OK) }
    };
    let write = |body: &'static str, internal: bool| {
        let (server, token, path) = (&desk.server, supporter_token.clone(), format!("/api/v1/tickets/{id}/articles"));
        async move { created(server.post(&path, &token, json!({"body": body, "internal": internal})).await) }
    };

    follow(Method::PUT).await;
    change(json!({"status": "in_progress"})).await;
    write("Internal: the quota host is SECRET-HOST-9", true).await;
    write("The quota is raised.", false).await;
    let reply = desk.peer.about(&fan, "Re: [Helpdesk #", 1).await;
    assert!(reply[0].text.contains("The quota is raised."), "{:?}", reply[0]);
    assert!(reply[0].text.contains("You follow this ticket"), "it says why: {}", reply[0].text);

    follow(Method::DELETE).await;
    write("A reply while nobody follows.", false).await;
    // Mail is addressed when the worker writes it, a moment after the change: once the
    // requester has this reply, a follower's copy would have been written too.
    desk.peer.about(&requester, "Re: [Helpdesk #", 2).await;
    follow(Method::PUT).await;
    change(json!({"status": "solved"})).await;
    desk.peer.about(&fan, "(solved)", 1).await;
    // By then the reply between would have come too, had it been sent.
    let to_fan = desk.peer.messages_for(&fan);
    assert_eq!(to_fan.len(), 2, "a reply and the solution; not the opening, a status, a note: {to_fan:?}");
    assert!(!any_contains(&to_fan, "SECRET-HOST-9"), "a note never reaches a follower: {to_fan:?}");
    // The reply made while nobody followed was not sent to Fan; the solution mail quotes it as
    // the solution (the workers' last public words), which Fan may read.
    let solution = to_fan.iter().find(|m| m.subject.contains("(solved)")).expect("the solution");
    assert!(solution.text.contains("The solution:\n\nA reply while nobody follows."), "{}", solution.text);
    let to_copy = desk.peer.wait_for(&copy, 2).await;
    assert!(to_copy.iter().all(|m| m.subject.starts_with("Re: ")), "a copy hears of replies only: {to_copy:?}");

    // A follower who may no longer read the ticket hears nothing of it.
    let quiet = desk.open(&requester_token, json!({})).await;
    let path = format!("/api/v1/tickets/{quiet}/subscription");
    assert_eq!(desk.server.call(Method::PUT, &path, Some(&fan_token), None).await.status, StatusCode::OK);
    let private = json!({"privacy": "private"});
    assert_eq!(
        desk.server.patch(&format!("/api/v1/tickets/{quiet}"), &supporter_token, private).await.status,
        StatusCode::OK
    );
    let reply = json!({"body": "Private now: SECRET-HOST-10", "internal": false});
    created(desk.server.post(&format!("/api/v1/tickets/{quiet}/articles"), &supporter_token, reply).await);
    // Once the requester has the reply, the follower's would have come too.
    desk.peer.about(&requester, &format!("Re: [Helpdesk #{quiet}]"), 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!any_contains(&desk.peer.messages_for(&fan), "SECRET-HOST-10"), "a private ticket reached a follower");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicates_requester_hears_the_masters_reply_and_solution_as_their_own_tickets() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let (_, ann, ann_token) = desk.person("ann", &[Role::Community]).await;
    let (_, bob, bob_token) = desk.person("bob", &[Role::Community]).await;
    let (_, _, supporter) = desk.supporter().await;
    let master = desk.open(&ann_token, json!({"title": "Storage down"})).await;
    let slave = desk.open(&bob_token, json!({"title": "Cannot write"})).await;
    let tie = json!({"kind": "slave", "ticket": slave});
    created(desk.server.post(&format!("/api/v1/tickets/{master}/relations"), &supporter, tie).await);

    let reply = json!({"body": "The storage is back.", "internal": false});
    created(desk.server.post(&format!("/api/v1/tickets/{master}/articles"), &supporter, reply).await);
    let to_bob = desk.peer.about(&bob, &format!("Re: [Helpdesk #{slave}]"), 1).await;
    assert!(to_bob[0].text.contains("The storage is back."), "{:?}", to_bob[0]);
    for status in [json!({"status": "in_progress"}), json!({"status": "solved", "resolution": "fixed"})] {
        let changed = desk.server.patch(&format!("/api/v1/tickets/{master}"), &supporter, status).await;
        assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    }
    desk.peer.about(&ann, "(solved)", 1).await;
    let solved = desk.peer.about(&bob, "(solved)", 1).await;
    assert!(solved[0].subject.contains(&format!("[Helpdesk #{slave}]")), "about Bob's own ticket: {:?}", solved[0]);
    let to_bob = desk.peer.messages_for(&bob);
    assert!(to_bob.iter().all(|m| m.subject.contains(&format!("[Helpdesk #{slave}]"))), "{to_bob:?}");
    assert!(!any_contains(&to_bob, &format!("#{master}]")) && !any_contains(&to_bob, "Storage down"), "{to_bob:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn people_choose_which_notifications_they_get() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let (_, submitter, token) = desk.person("quiet", &[Role::Community]).await;
    let (_, supporter, supporter_token) = desk.supporter().await;
    let wanted = json!({"wanted": ["ticket_opened", "assigned", "reopened", "join_request"]});
    let set = desk.server.call(Method::PUT, "/api/v1/me/notifications", Some(&token), Some(wanted)).await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    let id = desk.open(&token, json!({})).await;
    desk.peer.wait_for(&submitter, 1).await;
    let reply = json!({"body": "A reply they did not ask to hear of", "internal": false});
    created(desk.server.post(&format!("/api/v1/tickets/{id}/articles"), &supporter_token, reply).await);
    let status = json!({"status": "in_progress"});
    assert_eq!(
        desk.server.patch(&format!("/api/v1/tickets/{id}"), &supporter_token, status).await.status,
        StatusCode::OK
    );
    // The unit's member hears of the new ticket; once they have, the submitter's would have
    // arrived too.
    desk.peer.wait_for(&supporter, 1).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(desk.peer.messages_for(&submitter).len(), 1, "only the confirmation of the new ticket");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_to_a_unit_opens_a_ticket_and_answers_come_back_as_articles() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let customer = unique_address("customer");
    let raw = message(&customer, &desk.unit_address, "Printer on fire", "The printer in room 4 is on fire.\n", &[]);
    let inbound = desk.deliver(raw).await;
    assert_eq!(inbound.status, InboundStatus::TicketOpened, "{inbound:?}");
    let id = inbound.ticket.expect("a ticket");
    let ticket = desk.ticket(id.get()).await;
    assert_eq!(ticket["title"], "Printer on fire");
    assert_eq!(ticket["unit"], desk.unit);
    assert_eq!(ticket["description"], "The printer in room 4 is on fire.");

    // The confirmation threads the conversation; the customer's answer to it comes back.
    let confirmation = desk.peer.wait_for(&customer, 1).await.remove(0);
    let parent = confirmation.message_id.expect("a Message-ID");
    let supporter = desk.supporter().await;
    let waiting = json!({"status": "waiting_for_reply"});
    assert_eq!(desk.server.patch(&format!("/api/v1/tickets/{id}"), &supporter.2, waiting).await.status, StatusCode::OK);
    let answer = message(
        &customer,
        "helpdesk@test.example.org",
        "Re: your ticket",
        "It is out now.\n\nOn Mon, 23 Nov 2026, Helpdesk wrote:\n> Your ticket has been received\n",
        &[("In-Reply-To", &format!("<{parent}>")), ("References", &format!("<{parent}>"))],
    );
    let inbound = desk.deliver(answer).await;
    assert_eq!((inbound.status, inbound.ticket), (InboundStatus::ArticleAdded, Some(id)), "{inbound:?}");
    let articles = desk.articles(id.get()).await;
    let last = articles.last().expect("an article");
    assert_eq!(last["body"], "It is out now.", "the quote is trimmed");
    assert_eq!(last["channel"], "email");
    assert_eq!(desk.ticket(id.get()).await["status"], "in_progress", "a submitter's answer ends the wait");

    // The subject's tag finds the ticket as well; the same message twice is delivered once.
    let tagged =
        message(&customer, "helpdesk@test.example.org", &format!("[Helpdesk #{id}] more"), "Smoke too.\n", &[]);
    assert_eq!(desk.deliver(tagged.clone()).await.status, InboundStatus::ArticleAdded);
    let again = desk.deliver(tagged).await;
    assert_eq!((again.status, again.ticket), (InboundStatus::Duplicate, Some(id)), "{again:?}");
    assert_eq!(desk.articles(id.get()).await.len(), articles.len() + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sender_who_may_not_write_is_told_politely_and_the_message_is_kept() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let (_, _, supporter_token) = desk.supporter().await;
    let private = desk.open(&supporter_token, json!({"privacy": "private"})).await;
    let (_, outsider, _) = desk.person("outsider", &[Role::Community]).await;
    let before = snapshot(desk.server.store()).await;
    let raw =
        message(&outsider, "helpdesk@test.example.org", &format!("Re: [Helpdesk #{private}] x"), "Let me in.\n", &[]);
    let inbound = desk.deliver(raw).await;
    assert_eq!(inbound.status, InboundStatus::Refused, "{inbound:?}");
    // A private ticket does not exist for those who may not read it.
    assert_eq!(inbound.detail.as_deref(), Some(format!("there is no ticket #{private}").as_str()), "{inbound:?}");
    let refusal = desk.peer.wait_for(&outsider, 1).await.remove(0);
    assert!(refusal.subject.starts_with("Not delivered:"), "{refusal:?}");
    assert_eq!(refusal.auto_submitted.as_deref(), Some("auto-replied"));
    assert!(refusal.text.contains("could not be added"), "{refusal:?}");
    assert!(!refusal.text.contains("Disk quota"), "nothing of the private ticket: {refusal:?}");
    // Only the kept message and the refusal's delivery were written; no article.
    let after = snapshot(desk.server.store()).await;
    let changed: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).map(|(b, _)| b.0).collect();
    assert!(changed.iter().all(|t| ["inbound_mail", "jobs"].contains(t)), "{changed:?}");
    // An address nobody knows cannot answer a ticket either.
    let stranger = unique_address("stranger");
    let raw = message(&stranger, "helpdesk@test.example.org", &format!("[Helpdesk #{private}]"), "Hi\n", &[]);
    assert_eq!(desk.deliver(raw).await.status, InboundStatus::Refused);
}

#[tokio::test(flavor = "multi_thread")]
async fn auto_replies_bounces_and_loops_are_kept_and_never_answered() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let cases: [(&str, &[(&str, &str)]); 5] = [
        ("away", &[("Auto-Submitted", "auto-replied")]),
        ("bulk", &[("Precedence", "bulk")]),
        ("loop", &[("X-Loop", "helpdesk@test.example.org")]),
        ("bounce", &[("Return-Path", "<>")]),
        ("vacation", &[("X-Autoreply", "yes")]),
    ];
    for (name, headers) in cases {
        let sender = unique_address(name);
        let before = snapshot(desk.server.store()).await;
        let inbound =
            desk.deliver(message(&sender, &desk.unit_address, "Out of office", "I am away.\n", headers)).await;
        assert_eq!(inbound.status, InboundStatus::Ignored, "{name}: {inbound:?}");
        assert!(inbound.ticket.is_none(), "{name}");
        let after = snapshot(desk.server.store()).await;
        let changed: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).map(|(b, _)| b.0).collect();
        assert!(changed.iter().all(|t| ["inbound_mail", "jobs"].contains(t)), "{name}: {changed:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(desk.peer.messages_for(&sender).is_empty(), "{name} was answered");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_message_is_kept_for_an_admin_and_can_be_processed_again() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let raw = b"this is no mail message at all".to_vec();
    let inbound = desk.deliver(raw.clone()).await;
    assert_eq!(inbound.status, InboundStatus::Failed, "{inbound:?}");
    let listed = desk.server.get("/api/v1/mail/inbound?status=failed", &desk.admin).await;
    assert!(
        listed.body["items"].as_array().is_some_and(|l| l.iter().any(|m| m["id"] == inbound.id)),
        "{:?}",
        listed.body
    );
    let kept = desk
        .server
        .client
        .get(format!("{}/api/v1/mail/inbound/{}/raw", desk.server.url, inbound.id))
        .bearer_auth(&desk.admin)
        .send()
        .await
        .expect("an answer");
    assert!(kept.headers()["content-disposition"].to_str().is_ok_and(|d| d.starts_with("attachment")), "a download");
    assert_eq!(kept.bytes().await.expect("the bytes").to_vec(), raw, "kept as received");
    let again = desk
        .server
        .call(Method::POST, &format!("/api/v1/mail/inbound/{}/process", inbound.id), Some(&desk.admin), None)
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{:?}", again.body);
    assert_eq!(desk.settled(inbound.id).await.status, InboundStatus::Failed, "still unreadable");

    // The admin's page shows it, and processes it again.
    let password = "an admin password, long enough";
    desk.server.app.set_password(&Actor::system(), &desk.admin_address, password).await.expect("a password");
    let mut web = WebSession::new(&desk.server).await;
    web.sign_in(&desk.admin_address, password).await;
    let page = web.get("/admin/mail?status=failed").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(&format!("/admin/mail/{}/process", inbound.id)), "{}", page.html);
    assert!(page.html.contains("Process again"));
    let done = web.post_form(&format!("/admin/mail/{}/process", inbound.id), &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(desk.settled(inbound.id).await.status, InboundStatus::Failed);
    // Only admins read what arrived; only gateways and admins hand mail in.
    let (_, _, staff) = desk.person("staff", &[Role::Staff]).await;
    assert_problem(&desk.server.get("/api/v1/mail/inbound", &staff).await, StatusCode::FORBIDDEN);
    assert_problem(&desk.server.get("/api/v1/mail/inbound", &desk.gateway).await, StatusCode::FORBIDDEN);
    // A gateway's token opens no ticket and writes no reply of its own.
    let body = json!({"title": "x", "description": "y", "category": desk.category, "type": "incident", "privacy": "public", "fields": {}});
    assert_problem(&desk.server.post("/api/v1/tickets", &desk.gateway, body).await, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_unit_works_its_tickets_on_its_mailing_list() {
    let Some(desk) = MailDesk::new("redirect").await else { return };
    let (_, submitter, token) = desk.person("requester", &[Role::Community]).await;
    let id = desk.open(&token, json!({"title": "Tape library offline"})).await;
    let to_list = desk.peer.wait_for(&desk.unit_address, 1).await.remove(0);
    assert!(to_list.subject.contains(&format!("[Helpdesk #{id}]")), "{to_list:?}");
    let reply_to = list_reply_address(&to_list, id);
    let parent = to_list.message_id.expect("a Message-ID");

    // A list member who has no account answers the list's copy (its Reply-To), through the list.
    let member = unique_address("list-member");
    let answer = message(
        &member,
        &format!("{reply_to}, {}", desk.unit_address),
        &format!("Re: [Helpdesk #{id}] Tape library offline"),
        "We are replacing the robot arm today.\n",
        &[
            ("In-Reply-To", &format!("<{parent}>")),
            ("List-Id", "Storage <storage.lists.example.org>"),
            ("Precedence", "list"),
        ],
    );
    let inbound = desk.deliver(answer).await;
    assert_eq!(
        (inbound.status, inbound.ticket),
        (InboundStatus::ArticleAdded, Some(helpdesk_domain::TicketId(id))),
        "{inbound:?}"
    );
    let reply = desk.articles(id).await.pop().expect("the member's answer");
    assert_eq!(reply["body"], "We are replacing the robot arm today.");
    assert_eq!(reply["internal"], false);

    // The requester hears of it; the list is not sent its own message back.
    let heard = desk.peer.wait_for(&submitter, 2).await;
    assert!(heard[1].text.contains("robot arm"), "{heard:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(desk.peer.messages_for(&desk.unit_address).len(), 1, "no echo to the list");
    assert!(desk.peer.messages_for(&member).is_empty(), "a list's message is never answered");

    // The requester's public reply goes to the list.
    let reply = json!({"body": "Thanks, I will wait.", "internal": false});
    created(desk.server.post(&format!("/api/v1/tickets/{id}/articles"), &token, reply).await);
    let to_list = desk.peer.wait_for(&desk.unit_address, 2).await;
    assert!(to_list[1].text.contains("Thanks, I will wait."), "{to_list:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bcc_to_a_unit_is_routed_by_the_envelope_recipient() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let network_address = unique_address("network-unit");
    let network = desk.unit("Network", &network_address, "direct").await;
    let customer = unique_address("bcc-customer");

    // Bcc'd: the unit's address is only in what the delivering server wrote.
    let headers = [("Delivered-To", "helpdesk@test.example.org"), ("X-Original-To", network_address.as_str())];
    let raw = message(&customer, "colleague@example.com", "Switch port dead", "Port 12 is dead.\n", &headers);
    let inbound = desk.deliver(raw).await;
    assert_eq!(inbound.status, InboundStatus::TicketOpened, "{inbound:?}");
    assert_eq!(desk.ticket((inbound.ticket.expect("a ticket")).get()).await["unit"], network);

    // The recipient the gateway was given comes before To and Cc, and is kept with the message.
    let path = format!("/api/v1/mail/inbound?recipient={}", network_address.to_uppercase());
    let raw = message(&customer, &desk.unit_address, "Cable cut", "The uplink is cut.\n", &[]);
    let inbound = desk.deliver_at(&path, raw).await;
    assert_eq!(inbound.status, InboundStatus::TicketOpened, "{inbound:?}");
    assert_eq!(inbound.recipient.as_deref(), Some(network_address.as_str()));
    assert_eq!(desk.ticket((inbound.ticket.expect("a ticket")).get()).await["unit"], network);
    let listed = desk.server.get("/api/v1/mail/inbound", &desk.admin).await;
    assert_eq!(listed.body["items"][0]["recipient"], json!(network_address), "{:?}", listed.body);

    // Without an envelope recipient of a unit's, To and Cc route it, as before.
    let path = "/api/v1/mail/inbound?recipient=helpdesk@test.example.org";
    let raw = message(&customer, &desk.unit_address, "Printer", "Jammed.\n", &[]);
    let inbound = desk.deliver_at(path, raw).await;
    assert_eq!(desk.ticket((inbound.ticket.expect("a ticket")).get()).await["unit"], desk.unit);

    // A recipient that is no address (an empty one included: the document says an address, and
    // the mailgate leaves an empty one out) is refused, and nothing is kept.
    let before = snapshot(desk.server.store()).await;
    for recipient in ["not%20an%20address", "", "%20"] {
        let refused = desk
            .server
            .call_raw(
                Method::POST,
                &format!("/api/v1/mail/inbound?recipient={recipient}"),
                Some(&desk.gateway),
                Some("message/rfc822"),
                message(&customer, &desk.unit_address, "x", "y\n", &[]),
            )
            .await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body["detail"].as_str().is_some_and(|d| d.contains("recipient")), "{:?}", refused.body);
    }
    // (The worker may meanwhile finish the jobs of the tickets above.)
    let after = snapshot(desk.server.store()).await;
    let changed: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).map(|(b, _)| b.0).collect();
    assert!(changed.iter().all(|t| *t == "jobs"), "{changed:?}");
    let kept = desk.server.store().inbound_messages(None, Default::default()).await.expect("the inbound list");
    assert_eq!(kept.total, 3, "nothing more was kept");
}

/// The Reply-To of a unit list's copy about ticket `id`: the ticket's reply address for that list.
fn list_reply_address(to_list: &Received, id: i64) -> String {
    let reply_to = to_list.reply_to.as_deref().expect("a Reply-To").trim().trim_matches(['<', '>']).to_owned();
    assert!(reply_to.starts_with(&format!("helpdesk+{id}.")) && reply_to.ends_with("@test.example.org"), "{reply_to}");
    reply_to
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_list_answers_for_a_redirect_unit_and_anyone_else_is_just_another_sender() {
    let Some(desk) = MailDesk::new("redirect").await else { return };
    let (_, requester, token) = desk.person("requester", &[Role::Partner]).await;
    let id = desk.open(&token, json!({"privacy": "private", "title": "Payroll export fails"})).await;
    let to_list = desk.peer.wait_for(&desk.unit_address, 1).await.remove(0);
    let reply_to = list_reply_address(&to_list, id);
    assert!(!to_list.text.contains(&reply_to), "the secret is in the Reply-To only");
    desk.peer.wait_for(&requester, 1).await;
    // (The ticket's title is not in the subject: a refusal that names it would reveal it.)
    let subject = format!("Re: [Helpdesk #{id}] your ticket");
    let phishing = "Please confirm your password at http://evil.example/login\n";

    // Naming the list in Cc, writing as if through the list, or guessing the secret: each is
    // its sender's own mail, refused for a ticket they may not write to, with nothing revealed.
    let stranger = unique_address("phisher");
    let (_, known, _) = desk.person("known-stranger", &[Role::Community]).await;
    let forged = format!("helpdesk+{id}.{}@test.example.org", "0".repeat(20));
    let through_list = [("List-Id", "Storage <storage.lists.example.org>"), ("Precedence", "list")];
    let cases = [
        (
            "the list in Cc",
            message(&stranger, "helpdesk@test.example.org", &subject, phishing, &[("Cc", &desk.unit_address)]),
        ),
        (
            "a known address in Cc",
            message(&known, "helpdesk@test.example.org", &subject, phishing, &[("Cc", &desk.unit_address)]),
        ),
        ("as the list's copy", message(&known, &desk.unit_address, &subject, phishing, &through_list)),
        ("a guessed secret", message(&stranger, &forged, &subject, phishing, &[("Cc", &desk.unit_address)])),
        (
            "another ticket's secret",
            message(&stranger, &reply_to.replacen(&format!("+{id}."), "+999999.", 1), "x", phishing, &[]),
        ),
    ];
    for (what, raw) in cases {
        let before = snapshot(desk.server.store()).await;
        let inbound = desk.deliver(raw).await;
        assert_eq!(inbound.status, InboundStatus::Refused, "{what}: {inbound:?}");
        assert!(!inbound.detail.as_deref().unwrap_or_default().contains("Payroll"), "{what}: {inbound:?}");
        let after = snapshot(desk.server.store()).await;
        let changed: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).map(|(b, _)| b.0).collect();
        assert!(changed.iter().all(|t| ["inbound_mail", "jobs"].contains(t)), "{what}: {changed:?}");
    }
    let refusals = desk.peer.wait_for(&stranger, 1).await;
    let secrets = ["Payroll", "My home directory is full"];
    assert!(!secrets.iter().any(|s| any_contains(&refusals, s)), "a refusal tells nothing of the ticket: {refusals:?}");
    assert!(desk.articles(id).await.is_empty(), "nothing was added");

    // A member of the unit is known as such, without any secret.
    let (_, supporter, _) = desk.supporter().await;
    let answer = message(&supporter, &desk.unit_address, &subject, "We are on it.\n", &through_list);
    assert_eq!(desk.deliver(answer).await.status, InboundStatus::ArticleAdded);
    // Whoever received the list's copy answers it with its secret, and speaks for the unit.
    let member = unique_address("list-member");
    let answer =
        message(&member, &format!("{reply_to}, {}", desk.unit_address), &subject, "Fixed in 4.2.\n", &through_list);
    assert_eq!(desk.deliver(answer).await.status, InboundStatus::ArticleAdded);
    let heard = desk.peer.wait_for(&requester, 3).await;
    assert!(heard[1].text.contains("We are on it.") && heard[2].text.contains("Fixed in 4.2."), "{heard:?}");
    assert!(!any_contains(&heard, "evil.example"), "{heard:?}");
    // That was one reply: the member's new account reads nothing of the private ticket.
    let member_token = desk.server.app.create_token(&Actor::system(), &member, "test").await.expect("a token").secret;
    assert_problem(&desk.server.get(&format!("/api/v1/tickets/{id}"), &member_token).await, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn mailgate_hands_a_message_from_standard_input_to_the_server() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let customer = unique_address("piped");
    let raw = message(&customer, &desk.unit_address, "Sent through the MTA", "Piped in.\n", &[]);
    let run = |token: &str, url: &str, raw: Vec<u8>| mailgate(token, url, raw, &[]);
    let url = desk.server.url.clone();
    let (gateway, good) = (desk.gateway.clone(), raw.clone());
    let out = tokio::task::spawn_blocking(move || run(&gateway, &url, good)).await.expect("joined");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let confirmation = desk.peer.wait_for(&customer, 1).await.remove(0);
    assert!(confirmation.subject.contains("Sent through the MTA"), "{confirmation:?}");

    // The MTA's $RECIPIENT routes a Bcc to its unit; an empty one is none.
    let network_address = unique_address("network-unit");
    let network = desk.unit("Network", &network_address, "direct").await;
    for (recipient, unit) in [(network_address.as_str(), network), ("", desk.unit)] {
        let subject = format!("Bcc through the MTA ({recipient})");
        let raw = message(&customer, "someone@example.com", &subject, "Piped in.\n", &[]);
        let (url, gateway, extra) = (desk.server.url.clone(), desk.gateway.clone(), recipient.to_owned());
        let out = tokio::task::spawn_blocking(move || mailgate(&gateway, &url, raw, &["--recipient", &extra]))
            .await
            .expect("joined");
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        // The newest message kept is the one just handed in.
        let kept = desk.server.store().inbound_messages(None, Default::default()).await.expect("the inbound list");
        let inbound = desk.settled(kept.items[0].id).await;
        assert_eq!(inbound.subject.as_deref(), Some(subject.as_str()), "{inbound:?}");
        assert_eq!(desk.ticket((inbound.ticket.expect("a ticket")).get()).await["unit"], unit, "{recipient}");
    }
    // A recipient that is no address is the MTA's configuration error (64).
    let (url, gateway) = (desk.server.url.clone(), desk.gateway.clone());
    let bad = message(&customer, "someone@example.com", "x", "y\n", &[]);
    let out = tokio::task::spawn_blocking(move || mailgate(&gateway, &url, bad, &["--recipient", "nobody"]))
        .await
        .expect("joined");
    assert_eq!(out.status.code(), Some(64), "{}", String::from_utf8_lossy(&out.stderr));

    // A bad token: the MTA must not retry (77); a server that is down: it must (75).
    let url = desk.server.url.clone();
    let out = tokio::task::spawn_blocking(move || run("hd_wrong", &url, b"Subject: x\r\n\r\ny".to_vec()))
        .await
        .expect("joined");
    assert_eq!(out.status.code(), Some(77), "{}", String::from_utf8_lossy(&out.stderr));
    let gateway = desk.gateway.clone();
    let out = tokio::task::spawn_blocking(move || run(&gateway, "http://127.0.0.1:9", raw)).await.expect("joined");
    assert_eq!(out.status.code(), Some(75), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quoted_history_is_kept_behind_show_quoted_text() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let customer = unique_address("forwarder");
    // A forwarded Outlook message (German) opens the ticket; a bottom-posted reply follows.
    let forwarded = "Bitte prüfen.\n\nVon: Kunde <kunde@example.com>\nGesendet: Montag, 9. März 2026 08:00\n\
                     An: mich\n\nDer Dateiserver FS-7 antwortet nicht.\n";
    let inbound = desk.deliver(message(&customer, &desk.unit_address, "WG: Dateiserver", forwarded, &[])).await;
    assert_eq!(inbound.status, InboundStatus::TicketOpened, "{inbound:?}");
    let id = inbound.ticket.expect("a ticket");
    assert_eq!(desk.ticket(id.get()).await["description"], "Bitte prüfen.");
    let reply =
        "On Mon, 9 Mar 2026, Helpdesk <helpdesk@test.example.org> wrote:\n> Is FS-7 back?\n\nYes, since noon.\n";
    let inbound = desk
        .deliver(message(&customer, "helpdesk@test.example.org", &format!("Re: [Helpdesk #{id}]"), reply, &[]))
        .await;
    assert_eq!(inbound.status, InboundStatus::ArticleAdded, "{inbound:?}");
    let article = desk.articles(id.get()).await.pop().expect("the reply");
    assert_eq!(article["body"], "Yes, since noon.");

    // The ticket page shows what was written, and the whole messages behind "show quoted text".
    let password = "an admin password, long enough";
    desk.server.app.set_password(&Actor::system(), &desk.admin_address, password).await.expect("a password");
    let mut web = WebSession::new(&desk.server).await;
    web.sign_in(&desk.admin_address, password).await;
    let page = web.get(&format!("/tickets/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.html.matches("<details class=\"quoted\"><summary>Show quoted text</summary>").count(),
        2,
        "{}",
        page.html
    );
    assert!(page.html.contains("Der Dateiserver FS-7 antwortet nicht."), "{}", page.html);
    assert!(page.html.contains("Is FS-7 back?"), "{}", page.html);
    // A message with nothing quoted has nothing to show.
    let plain = message(&customer, "helpdesk@test.example.org", &format!("Re: [Helpdesk #{id}]"), "Thanks.\n", &[]);
    assert_eq!(desk.deliver(plain).await.status, InboundStatus::ArticleAdded);
    let page = web.get(&format!("/tickets/{id}")).await;
    assert_eq!(page.html.matches("Show quoted text").count(), 2, "{}", page.html);
}

/// Runs `helpdesk mailgate` with `raw` on its standard input, to the end.
fn mailgate(token: &str, url: &str, raw: Vec<u8>, extra: &[&str]) -> std::process::Output {
    let mut child = crate::common::helpdesk()
        .args(["mailgate", "--url", url, "--token", token, "--timeout", "10"])
        .args(extra)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("helpdesk mailgate runs");
    use std::io::Write;
    child.stdin.take().expect("stdin").write_all(&raw).expect("the message is written");
    child.wait_with_output().expect("mailgate ends")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_message_of_the_corpus_is_kept_and_settles() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mail/tests/corpus");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).expect("the corpus").filter_map(Result::ok).map(|e| e.path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    assert!(files.len() >= 30, "a corpus of at least 30 messages");
    for path in files {
        let raw = std::fs::read(&path).expect("a message");
        let inbound = desk.deliver(raw).await;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        assert_ne!(inbound.status, InboundStatus::Received, "{name} was never processed");
        // Machines' messages are kept and ignored; what cannot be read is kept as failed; six
        // files are one too many; everything else becomes a ticket or an article, or is
        // refused (a reply tagged for a ticket that does not exist) or a duplicate.
        let number: u32 = name.get(..2).and_then(|n| n.parse().ok()).unwrap_or(0);
        let expected: &[InboundStatus] = match number {
            // (31's X-Loop names another installation, helpdesk.example.org: not a loop here.)
            // 30 and 49 are lists' copies addressed to no address of this Helpdesk's (30 names
            // helpdesk.example.org, another installation, as 31 does).
            26..=30 | 49 => &[InboundStatus::Ignored],
            46 => &[InboundStatus::Failed],
            18 => &[InboundStatus::Refused],
            _ if inbound.subject.as_deref().is_some_and(|s| s.to_lowercase().contains("[helpdesk #")) => {
                &[InboundStatus::Refused, InboundStatus::ArticleAdded]
            }
            _ => &[InboundStatus::TicketOpened, InboundStatus::ArticleAdded, InboundStatus::Duplicate],
        };
        assert!(expected.contains(&inbound.status), "{name}: {inbound:?}");
    }
    // The unit's address and Helpdesk's own are where mail comes in: none went out to them.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for own in [desk.unit_address.as_str(), "helpdesk@test.example.org"] {
        assert!(desk.peer.messages_for(own).is_empty(), "mail went to {own}: {:?}", desk.peer.messages_for(own));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn helpdesk_never_mails_its_own_addresses_and_knows_its_mail_when_it_comes_back() {
    // Mail goes out from another address than the one answers come back to.
    let sender = "noreply@test.example.org";
    let Some(desk) = MailDesk::sending_from("direct", Some("Helpdesk <noreply@test.example.org>")).await else {
        return;
    };
    let (_, supporter, token) = desk.supporter().await;
    let other_unit = unique_address("network-unit");
    let unit = json!({"name": "Network", "level": 2, "email": other_unit, "integration": "direct"});
    created(desk.server.post("/api/v1/units", &desk.admin, unit).await);
    let (customer, colleague) = (unique_address("customer"), unique_address("colleague"));
    let cc = format!("{sender}, helpdesk+x@test.example.org, {other_unit}, {colleague}");
    let raw = message(&customer, &desk.unit_address, "Printer jammed", "It jams.\n", &[("Cc", &cc)]);
    let inbound = desk.deliver(raw).await;
    assert_eq!(inbound.status, InboundStatus::TicketOpened, "{inbound:?}");
    let id = inbound.ticket.expect("a ticket");
    assert_eq!(desk.ticket(id.get()).await["copy_to"], json!([colleague]), "none of Helpdesk's addresses is a copy");
    let confirmation = desk.peer.wait_for(&customer, 1).await.remove(0);
    assert!(confirmation.x_loop.as_deref().is_some_and(|l| l.contains(sender)), "{confirmation:?}");

    // What comes back, marked by the sender address, from it, or from a unit's address, is a loop.
    let cases = [
        ("marked", message(&customer, &desk.unit_address, &confirmation.subject, "Back.\n", &[("X-Loop", sender)])),
        ("from the sender", message(sender, &desk.unit_address, &confirmation.subject, "Back.\n", &[])),
        (
            "from a unit",
            message(&other_unit, &desk.unit_address, &format!("Re: {}", confirmation.subject), "Back.\n", &[]),
        ),
    ];
    for (what, raw) in cases {
        let before = snapshot(desk.server.store()).await;
        let inbound = desk.deliver(raw).await;
        assert_eq!(inbound.status, InboundStatus::Ignored, "{what}: {inbound:?}");
        assert!(inbound.detail.as_deref().is_some_and(|d| d.contains("loop")), "{what}: {inbound:?}");
        let after = snapshot(desk.server.store()).await;
        let changed: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).map(|(b, _)| b.0).collect();
        assert!(changed.iter().all(|t| ["inbound_mail", "jobs"].contains(t)), "{what}: {changed:?}");
    }

    // Copies the web form was given to Helpdesk's own addresses are never written to either.
    let copies = json!([desk.unit_address, sender, "helpdesk@test.example.org", other_unit]);
    let second = desk.open(&token, json!({"copy_to": copies})).await;
    let reply = json!({"body": "Noted.", "internal": false});
    created(desk.server.post(&format!("/api/v1/tickets/{second}/articles"), &desk.admin, reply).await);
    desk.peer.wait_for(&supporter, 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for own in [desk.unit_address.as_str(), sender, "helpdesk@test.example.org", other_unit.as_str()] {
        assert!(desk.peer.messages_for(own).is_empty(), "mail went to {own}: {:?}", desk.peer.messages_for(own));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mailing_lists_copy_is_kept_and_the_list_is_never_mailed() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let (_, supporter, _) = desk.supporter().await;
    let (list, poster) = (unique_address("users-list"), unique_address("poster"));
    let post = format!("<mailto:{list}>");
    let headers = [("List-Id", "Users <users.lists.example.org>"), ("Precedence", "list"), ("List-Post", &post)];

    // Only to the list, of which Helpdesk is a subscriber: kept as ignored, nothing else written.
    let before = snapshot(desk.server.store()).await;
    let raw = message(&poster, &list, "[users] Timeouts?", "Anyone else seeing timeouts?\n", &headers);
    let inbound = desk.deliver(raw).await;
    assert_eq!(inbound.status, InboundStatus::Ignored, "{inbound:?}");
    assert!(inbound.detail.as_deref().is_some_and(|d| d.contains("users.lists.example.org")), "{inbound:?}");
    let after = snapshot(desk.server.store()).await;
    let changed: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).map(|(b, _)| b.0).collect();
    assert!(changed.iter().all(|t| ["inbound_mail", "jobs"].contains(t)), "{changed:?}");

    // To the list and to the unit: a ticket, but the list is no copy of it and hears nothing.
    let to = format!("{list}, {}", desk.unit_address);
    let inbound = desk.deliver(message(&poster, &to, "[users] VPN down", "The VPN is down.\n", &headers)).await;
    assert_eq!(inbound.status, InboundStatus::TicketOpened, "{inbound:?}");
    let id = inbound.ticket.expect("a ticket");
    assert_eq!(desk.ticket(id.get()).await["copy_to"], json!([]));
    desk.peer.wait_for(&supporter, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(desk.peer.messages_for(&list).is_empty(), "the list was mailed: {:?}", desk.peer.messages_for(&list));
    assert!(desk.peer.messages_for(&poster).is_empty(), "a list's message is never answered");
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_waits_while_the_smtp_server_is_down_and_goes_once_when_it_is_back() {
    let Some(peer) = mail_peer() else { return };
    let db = crate::common::TestDb::under_test().await;
    let store = db.open().await;
    let clock = crate::common::TestClock::now();
    let to = unique_address("patient");
    let mut tx = store.begin().await.expect("begin");
    let mail = helpdesk_app::mail::OutgoingMail::plain(&to, "Held back", "Sent once the server is back.");
    tx.enqueue_job(&mail.job(helpdesk_app::Clock::now(&*clock))).await.expect("queued");
    tx.commit().await.expect("commit");
    let jobs = |store: std::sync::Arc<dyn helpdesk_store::Store>| async move {
        store.row_counts().await.expect("counts").into_iter().find(|(t, _)| *t == "jobs").map(|(_, n)| n)
    };

    // Nothing listens on port 1: the delivery fails and waits, kept.
    let from = "Helpdesk <helpdesk@test.example.org>";
    let down = helpdesk_mail::Mailer::smtp("smtp://127.0.0.1:1", from).expect("a mailer");
    let retry = helpdesk_app::worker::RetryPolicy {
        first_delay: Duration::from_secs(5),
        max_delay: Duration::from_secs(60),
        max_attempts: 10,
    };
    let worker = helpdesk_app::worker::Worker::new(store.clone(), clock.clone(), "down")
        .handle(helpdesk_app::mail::SEND_MAIL, std::sync::Arc::new(down))
        .retry(retry);
    assert_eq!(worker.run_once().await.expect("a run"), 1, "tried once");
    assert_eq!(worker.run_once().await.expect("a run"), 0, "not again before its delay");
    assert_eq!(jobs(store.clone()).await, Some(1), "kept");

    // The server is back: the message goes, once.
    clock.advance(Duration::from_secs(6));
    let up = helpdesk_mail::Mailer::smtp(&peer.url, from).expect("a mailer");
    let worker = helpdesk_app::worker::Worker::new(store.clone(), clock.clone(), "up")
        .handle(helpdesk_app::mail::SEND_MAIL, std::sync::Arc::new(up))
        .retry(retry);
    assert_eq!(worker.run_once().await.expect("a run"), 1);
    let received = peer.wait_for(&to, 1).await;
    assert_eq!(received[0].subject, "Held back");
    assert_eq!(jobs(store.clone()).await, Some(0), "done with");
    clock.advance(Duration::from_secs(3600));
    assert_eq!(worker.run_once().await.expect("a run"), 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(peer.messages_for(&to).len(), 1, "sent once");
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_in_an_imap_mailbox_opens_a_ticket_once() {
    let Some(mailbox) = crate::common::mailbox_peer() else { return };
    let Some(desk) = MailDesk::new("direct").await else { return };
    let app = std::sync::Arc::new(desk.server.app.clone());
    let poller = |password: &str| helpdesk_mail::imap::ImapPoller::new(app.clone(), mailbox.config(password));
    // Whatever an earlier run left unseen is read first, so this poll starts from an empty inbox.
    poller(mailbox.password).poll().await.expect("the mailbox is read");

    let customer = unique_address("imap-customer");
    let subject = format!("Tape library offline ({customer})");
    mailbox.deliver(&customer, &message(&customer, &desk.unit_address, &subject, "Since this morning.\n", &[])).await;

    // A wrong password: a plain error, and nothing is kept.
    let before = desk.server.store().row_counts().await.expect("counts");
    let refused = poller("wrong-password").poll().await.expect_err("a wrong password is refused");
    assert!(refused.to_string().contains("refused the user name or password"), "{refused}");
    assert_eq!(desk.server.store().row_counts().await.expect("counts"), before, "nothing was written");

    let polled = poller(mailbox.password).poll().await.expect("the mailbox is read");
    assert_eq!(polled.kept, 1, "{polled:?}");
    let confirmation = desk.peer.wait_for(&customer, 1).await.remove(0);
    assert!(confirmation.subject.contains("Tape library offline"), "{confirmation:?}");

    // Flagged as seen: the next poll does not fetch it again.
    let again = poller(mailbox.password).poll().await.expect("the mailbox is read");
    assert_eq!(again.kept, 0, "{again:?}");
    let kept = desk.server.store().inbound_messages(None, Default::default()).await.expect("the inbound list");
    let ours: Vec<_> = kept.items.iter().filter(|m| m.subject.as_deref() == Some(subject.as_str())).collect();
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(ours[0].status, InboundStatus::TicketOpened, "{:?}", ours[0]);

    // A Bcc to a unit reached at a sub-address of the mailbox: the LMTP server's Delivered-To
    // names it, and the poller gives the mailbox's own address as the envelope's.
    let tape_address = format!("helpdesk+{}", unique_address("tape"));
    let tape = desk.unit("Tape", &tape_address, "direct").await;
    let subject = format!("Tape robot stuck ({customer})");
    let raw = message(&customer, "colleague@example.com", &subject, "The robot arm is stuck.\n", &[]);
    mailbox.deliver_to(&customer, &tape_address, &raw).await;
    assert_eq!(poller(mailbox.password).poll().await.expect("the mailbox is read").kept, 1);
    let kept = desk.server.store().inbound_messages(None, Default::default()).await.expect("the inbound list");
    // The newest message kept is the one just fetched.
    assert_eq!(kept.items[0].recipient.as_deref(), Some(mailbox.user), "{:?}", kept.items[0]);
    let bcc = desk.settled(kept.items[0].id).await;
    assert_eq!((bcc.status, bcc.subject.as_deref()), (InboundStatus::TicketOpened, Some(subject.as_str())), "{bcc:?}");
    assert_eq!(desk.ticket((bcc.ticket.expect("a ticket")).get()).await["unit"], tape);

    // A server that cannot be reached says so.
    let mut gone = mailbox.config(mailbox.password);
    gone.port = 9;
    let down = helpdesk_mail::imap::ImapPoller::new(app.clone(), gone).poll().await.expect_err("nothing listens");
    assert!(down.to_string().contains("cannot reach the IMAP server 127.0.0.1:9"), "{down}");
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_arriving_together_are_stored_and_numbered_in_the_order_they_arrived() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let customer = unique_address("customer");
    let opened = desk.deliver(message(&customer, &desk.unit_address, "Tape drive", "It clicks.\n", &[])).await;
    let ticket = opened.ticket.expect("a ticket");
    // Replies to one ticket and new tickets, handed in at once, before the worker gets to them.
    let mut handed = Vec::new();
    for n in 0..6 {
        let reply = message(
            &customer,
            "helpdesk@test.example.org",
            &format!("[Helpdesk #{ticket}] step {n}"),
            &format!("Step {n} done.\n"),
            &[],
        );
        let fresh = message(&customer, &desk.unit_address, &format!("New problem {n}"), "Another one.\n", &[]);
        for raw in [reply, fresh] {
            let answer = desk
                .server
                .call_raw(Method::POST, "/api/v1/mail/inbound", Some(&desk.gateway), Some("message/rfc822"), raw)
                .await;
            assert_eq!(answer.status, StatusCode::ACCEPTED, "{:?}", answer.body);
            handed.push(answer.body["id"].as_i64().expect("an id"));
        }
    }
    let mut numbers = Vec::new();
    for id in handed {
        let inbound = desk.settled(id).await;
        if inbound.status == InboundStatus::TicketOpened {
            numbers.push(inbound.ticket.expect("a ticket"));
        }
    }
    let bodies: Vec<String> =
        desk.articles(ticket.get()).await.iter().filter_map(|a| a["body"].as_str().map(str::to_owned)).collect();
    let expected: Vec<String> = (0..6).map(|n| format!("Step {n} done.")).collect();
    assert_eq!(bodies, expected, "the replies, as they arrived");
    let mut sorted = numbers.clone();
    sorted.sort();
    assert_eq!((numbers.len(), numbers), (6, sorted), "new tickets numbered as their messages arrived");
}

#[tokio::test(flavor = "multi_thread")]
async fn answering_the_solution_mail_with_ok_verifies_the_solution() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let customer = unique_address("satisfied");
    let raw = message(&customer, &desk.unit_address, "VPN drops", "The VPN drops every hour.\n", &[]);
    let id = desk.deliver(raw).await.ticket.expect("a ticket");
    let supporter = desk.supporter().await;
    let solved = desk.server.patch(&format!("/api/v1/tickets/{id}"), &supporter.2, json!({"status": "solved"})).await;
    assert_eq!(solved.status, StatusCode::OK, "{:?}", solved.body);
    let solution = desk.peer.wait_for(&customer, 2).await.into_iter().find(|m| m.subject.contains("(solved)"));
    let parent = solution.and_then(|m| m.message_id).expect("the solution mail");
    let answer = message(
        &customer,
        "helpdesk@test.example.org",
        "Re: your ticket",
        "OK\n\nOn Mon, 23 Nov 2026, Helpdesk wrote:\n> The status of your ticket changed to solved\n",
        &[("In-Reply-To", &format!("<{parent}>")), ("References", &format!("<{parent}>"))],
    );
    assert_eq!(desk.deliver(answer).await.status, InboundStatus::ArticleAdded);
    assert_eq!(desk.ticket(id.get()).await["status"], "verified", "the answer verified it");
    let timers = desk.server.app.timers_of(id).await.expect("timers");
    assert!(timers.is_empty(), "nothing left to close: {timers:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_ticket_tells_the_team_and_an_alarm_wakes_the_units_alarm_address_at_once() {
    let Some(desk) = MailDesk::new("direct").await else { return };
    let (_, member, member_token) = desk.person("vo-member", &[Role::Community]).await;
    let (_, alarmer, alarmer_token) = desk.person("vo-alarmer", &[Role::Community]).await;
    let (team_address, alarm_address) = (unique_address("atlas-ops"), unique_address("site-alarm"));
    let team =
        created(desk.server.post("/api/v1/teams", &desk.admin, json!({"name": "atlas", "email": team_address})).await);
    for (who, alarmer) in [(&member, false), (&alarmer, true)] {
        let body = json!({"member": who, "alarmer": alarmer});
        let put = desk
            .server
            .call(Method::PUT, &format!("/api/v1/teams/{team}/members"), Some(&desk.admin), Some(body))
            .await;
        assert_eq!(put.status, StatusCode::OK, "{:?}", put.body);
    }
    let unit_path = format!("/api/v1/units/{}", desk.unit);
    let set = desk.server.patch(&unit_path, &desk.admin, json!({"alarm_email": alarm_address})).await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    // The alarm address is the unit's own business: others read the unit without it.
    assert_eq!(desk.server.get(&unit_path, &member_token).await.body["alarm_email"], "");

    desk.open(&member_token, json!({"kind": "team", "team": team, "unit": desk.unit, "title": "Transfers fail"})).await;
    let to_team = desk.peer.about(&team_address, "TEAM [Helpdesk #", 1).await;
    assert!(to_team[0].subject.contains("Transfers fail"), "{:?}", to_team[0]);
    let alarm = desk
        .open(&alarmer_token, json!({"kind": "alarm", "team": team, "unit": desk.unit, "title": "Tier-1 storage down"}))
        .await;
    let woken = desk.peer.about(&alarm_address, "ALARM [Helpdesk #", 1).await;
    assert!(
        woken[0].subject.contains(&format!("#{alarm}]")) && woken[0].text.contains("Priority: top"),
        "{:?}",
        woken[0]
    );
    desk.peer.about(&team_address, "ALARM [Helpdesk #", 1).await;
    // The team ticket was no alarm: the alarm address heard only of the alarm.
    assert_eq!(desk.peer.messages_for(&alarm_address).len(), 1);
}
