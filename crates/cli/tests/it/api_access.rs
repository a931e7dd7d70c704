//! Who sees what, through the API: organisations and contracts, partners, unit membership,
//! tokens. One scenario per test.

use helpdesk_domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::common::{
    Fixture, Options, TestServer, assert_problem, created, mail_peer, settled, snapshot, unique_address,
};

fn day(offset_days: i64) -> String {
    (OffsetDateTime::now_utc() + Duration::days(offset_days)).date().to_string()
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"].as_array().expect("items").iter().filter_map(|t| t["id"].as_i64()).collect()
}

/// An organisation at `domain` with a contract running from `from` to `to` days from today.
async fn organisation(f: &Fixture, name: &str, domain: &str, from: i64, to: i64) -> (i64, i64) {
    let org =
        created(f.server.post("/api/v1/organisations", &f.admin, json!({"name": name, "domains": [domain]})).await);
    let contract = created(
        f.server
            .post(
                &format!("/api/v1/organisations/{org}/contracts"),
                &f.admin,
                json!({"plan": "Gold", "starts_on": day(from), "ends_on": day(to), "includes": "24/7 support"}),
            )
            .await,
    );
    (org, contract)
}

#[tokio::test]
async fn named_users_share_their_organisations_tickets_while_the_contract_runs() {
    let f = Fixture::new().await;
    let (org, contract) = organisation(&f, "Grid Lab", "gridlab.example.org", -30, 30).await;
    let (ann, ann_token) = f.server.account("ann@gridlab.example.org", &[]).await;
    let (_, bob) = f.server.account("bob@GridLab.example.org", &[]).await;
    let (_, eve) = f.server.account("eve@elsewhere.example.org", &[]).await;

    let me = f.server.get("/api/v1/me", &ann_token).await.body;
    assert_eq!(me["roles"], json!(["community", "named"]), "named while the contract runs");
    let private = f.open(&ann_token, json!({"privacy": "private", "title": "Our cluster is down"})).await;
    let ticket = f.server.get(&format!("/api/v1/tickets/{private}"), &bob).await;
    assert_eq!(ticket.status, StatusCode::OK, "a colleague reads the company ticket");
    assert_eq!((ticket.body["organisation"].clone(), ticket.body["submitter"].clone()), (json!(org), json!(ann.id)));
    assert_eq!(ids(&f.server.get("/api/v1/tickets", &bob).await.body), vec![private]);
    let reply =
        f.server.post(&format!("/api/v1/tickets/{private}/articles"), &bob, json!({"body": "Same here."})).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_problem(&f.server.get(&format!("/api/v1/tickets/{private}"), &eve).await, StatusCode::NOT_FOUND);
    assert_eq!(f.server.get("/api/v1/tickets", &eve).await.body["total"], 0);

    // The contract ends: colleagues are community users again, and see only their own tickets.
    let ended = f
        .server
        .patch(&format!("/api/v1/organisations/{org}/contracts/{contract}"), &f.admin, json!({"ends_on": day(-1)}))
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{:?}", ended.body);
    assert_eq!(f.server.get("/api/v1/me", &bob).await.body["roles"], json!(["community"]));
    assert_problem(&f.server.get(&format!("/api/v1/tickets/{private}"), &bob).await, StatusCode::NOT_FOUND);
    assert_eq!(f.server.get("/api/v1/tickets", &bob).await.body["total"], 0);
    let own = f.server.get(&format!("/api/v1/tickets/{private}/articles"), &ann_token).await.body;
    assert_eq!(own["total"], 1, "nothing is lost: the submitter still has the ticket and its replies");
    // Private tickets need the contract again.
    let refused = f.server.post("/api/v1/tickets", &ann_token, f.ticket(json!({"privacy": "private"}))).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_domain_added_later_makes_its_verified_accounts_members() {
    let f = Fixture::new().await;
    let (_, carol) = f.server.account("carol@late.example.org", &[]).await;
    let org = created(f.server.post("/api/v1/organisations", &f.admin, json!({"name": "Late"})).await);
    created(
        f.server
            .post(
                &format!("/api/v1/organisations/{org}/contracts"),
                &f.admin,
                json!({"plan": "Base", "starts_on": day(0)}),
            )
            .await,
    );
    assert_eq!(f.server.get("/api/v1/me", &carol).await.body["roles"], json!(["community"]));
    let added = f
        .server
        .post(&format!("/api/v1/organisations/{org}/domains"), &f.admin, json!({"domain": "@Late.Example.org"}))
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    assert_eq!(added.body["domains"], json!(["late.example.org"]));
    assert_eq!(added.body["supported"], true);
    assert_eq!(f.server.get("/api/v1/me", &carol).await.body["roles"], json!(["community", "named"]));
    let members = f.server.get(&format!("/api/v1/organisations/{org}/members"), &f.admin).await.body;
    assert_eq!(members["items"][0]["email"], "carol@late.example.org");
    // The organisation is shown to its named users, not to others.
    assert_eq!(f.server.get(&format!("/api/v1/organisations/{org}"), &carol).await.status, StatusCode::OK);
    let (_, stranger) = f.server.account("sid@else.example.org", &[]).await;
    assert_problem(&f.server.get(&format!("/api/v1/organisations/{org}"), &stranger).await, StatusCode::NOT_FOUND);
    // Removing the member takes the standing away.
    let me = f.server.get("/api/v1/me", &carol).await.body["id"].as_i64().expect("id");
    let removed =
        f.server.call(Method::DELETE, &format!("/api/v1/organisations/{org}/members/{me}"), Some(&f.admin), None).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_eq!(f.server.get("/api/v1/me", &carol).await.body["roles"], json!(["community"]));
}

#[tokio::test]
async fn a_partner_opens_tickets_for_the_customers_of_the_organisations_it_serves() {
    let f = Fixture::new().await;
    let (org, _) = organisation(&f, "Customer Corp", "customer.example.org", 0, 365).await;
    let (other_org, _) = organisation(&f, "Other Corp", "other.example.org", 0, 365).await;
    let (partner, partner_token) = f.server.account("pat@partner.example.org", &[Role::Partner]).await;
    let (customer, customer_token) = f.server.account("cus@customer.example.org", &[]).await;
    let (outsider, _) = f.server.account("out@other.example.org", &[]).await;
    let served =
        f.server.post(&format!("/api/v1/organisations/{org}/partners"), &f.admin, json!({"account": partner.id})).await;
    assert_eq!(served.body["partners"], json!([partner.id]));

    let answer = f
        .server
        .post("/api/v1/tickets", &partner_token, f.ticket(json!({"privacy": "private", "on_behalf_of": customer.id})))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let id = answer.body["id"].as_i64().expect("id");
    assert_eq!(
        (answer.body["on_behalf_of"].clone(), answer.body["organisation"].clone()),
        (json!(customer.id), json!(org))
    );
    assert_eq!(
        f.server.get(&format!("/api/v1/tickets/{id}"), &customer_token).await.status,
        StatusCode::OK,
        "the customer reads it"
    );
    let verified = f.server.patch(&format!("/api/v1/tickets/{id}"), &f.admin, json!({"status": "solved"})).await;
    assert_eq!(verified.status, StatusCode::OK);
    let by_customer =
        f.server.patch(&format!("/api/v1/tickets/{id}"), &customer_token, json!({"status": "verified"})).await;
    assert_eq!(by_customer.status, StatusCode::OK, "the customer verifies: {:?}", by_customer.body);

    let before = snapshot(f.server.store()).await;
    let refused =
        f.server.post("/api/v1/tickets", &partner_token, f.ticket(json!({"on_behalf_of": outsider.id}))).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
    let nobody = f.server.post("/api/v1/tickets", &partner_token, f.ticket(json!({"on_behalf_of": 99999}))).await;
    // An id with no account is refused as one outside the organisations it serves: a partner
    // learns nothing of which ids have accounts.
    assert_problem(&nobody, StatusCode::FORBIDDEN);
    assert_eq!(nobody.body["detail"], refused.body["detail"]);
    let by_customer =
        f.server.post("/api/v1/tickets", &customer_token, f.ticket(json!({"on_behalf_of": outsider.id}))).await;
    assert_problem(&by_customer, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(f.server.store()).await, before);
    let _ = other_org;
}

#[tokio::test]
async fn joining_a_unit_takes_a_managers_approval_and_leaving_takes_access_away_at_once() {
    let f = Fixture::new().await;
    let unit = f.second_line;
    let (manager, manager_token) = f.server.account("mia@example.org", &[]).await;
    let (sam, sam_token) = f.server.account("sam@example.org", &[]).await;
    let (_, staff) = f.server.account("steve@example.org", &[Role::Staff]).await;
    let set = f
        .server
        .post(&format!("/api/v1/units/{unit}/members"), &staff, json!({"account": manager.id, "manager": true}))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    // A private ticket escalated to the unit.
    let private = f.open(&staff, json!({"privacy": "private"})).await;
    f.server.patch(&format!("/api/v1/tickets/{private}"), &staff, json!({"unit": unit})).await;
    assert_eq!(f.server.get(&format!("/api/v1/tickets/{private}"), &manager_token).await.status, StatusCode::OK);
    assert_problem(&f.server.get(&format!("/api/v1/tickets/{private}"), &sam_token).await, StatusCode::NOT_FOUND);

    let asked = f
        .server
        .post(
            &format!("/api/v1/units/{unit}/join-requests"),
            &sam_token,
            json!({"message": "I run the storage at site B"}),
        )
        .await;
    let request = created(asked);
    assert_problem(
        &f.server.post(&format!("/api/v1/units/{unit}/join-requests"), &sam_token, json!({})).await,
        StatusCode::CONFLICT,
    );
    assert_problem(&f.server.get(&format!("/api/v1/tickets/{private}"), &sam_token).await, StatusCode::NOT_FOUND);
    let pending = f.server.get(&format!("/api/v1/units/{unit}/join-requests?state=pending"), &manager_token).await.body;
    assert_eq!((pending["total"].clone(), pending["items"][0]["email"].clone()), (json!(1), json!("sam@example.org")));
    assert_problem(
        &f.server.get(&format!("/api/v1/units/{unit}/join-requests"), &sam_token).await,
        StatusCode::FORBIDDEN,
    );
    assert_problem(
        &f.server
            .call(
                Method::POST,
                &format!("/api/v1/units/{unit}/join-requests/{request}/approve"),
                Some(&sam_token),
                None,
            )
            .await,
        StatusCode::FORBIDDEN,
    );

    let approved = f
        .server
        .call(
            Method::POST,
            &format!("/api/v1/units/{unit}/join-requests/{request}/approve"),
            Some(&manager_token),
            None,
        )
        .await;
    assert_eq!(
        (approved.body["state"].clone(), approved.body["decided_by"].clone()),
        (json!("approved"), json!(manager.id))
    );
    assert_eq!(
        f.server.get(&format!("/api/v1/tickets/{private}"), &sam_token).await.status,
        StatusCode::OK,
        "a member sees the unit's private tickets"
    );
    assert_eq!(f.server.get("/api/v1/me", &sam_token).await.body["roles"], json!(["community", "supporter"]));
    let members = f.server.get(&format!("/api/v1/units/{unit}/members"), &sam_token).await.body;
    assert_eq!(members.as_array().map(|m| m.len()), Some(2));
    assert_eq!(members[0]["manager"], true, "managers first");
    let again = f
        .server
        .call(Method::POST, &format!("/api/v1/units/{unit}/join-requests/{request}/refuse"), Some(&manager_token), None)
        .await;
    assert_problem(&again, StatusCode::CONFLICT);

    let removed = f
        .server
        .call(Method::DELETE, &format!("/api/v1/units/{unit}/members/{}", sam.id), Some(&manager_token), None)
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    assert_problem(&f.server.get(&format!("/api/v1/tickets/{private}"), &sam_token).await, StatusCode::NOT_FOUND);
    assert_eq!(f.server.get("/api/v1/tickets", &sam_token).await.body["total"], 0);
}

#[tokio::test]
async fn a_person_makes_lists_and_revokes_their_own_tokens() {
    let f = Fixture::new().await;
    let (_, first) = f.server.account("tom@example.org", &[]).await;
    let made = f.server.post("/api/v1/me/tokens", &first, json!({"name": "laptop"})).await;
    assert_eq!(made.status, StatusCode::CREATED);
    let (id, second) = (made.body["id"].as_i64().expect("id"), made.body["token"].as_str().expect("token").to_owned());
    assert_eq!(f.server.get("/api/v1/me", &second).await.status, StatusCode::OK, "the new token acts as its owner");
    let listed = f.server.get("/api/v1/me/tokens", &second).await.body;
    assert_eq!(listed.as_array().map(|l| l.len()), Some(2));
    assert_eq!(listed[0]["name"], "laptop");
    assert!(!listed.to_string().contains(&second), "a token's secret is never shown again");
    // Another person's token does not exist for them.
    let (_, other) = f.server.account("una@example.org", &[]).await;
    assert_problem(
        &f.server.call(Method::DELETE, &format!("/api/v1/me/tokens/{id}"), Some(&other), None).await,
        StatusCode::NOT_FOUND,
    );
    let revoked = f.server.call(Method::DELETE, &format!("/api/v1/me/tokens/{id}"), Some(&first), None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_problem(&f.server.get("/api/v1/me", &second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(f.server.get("/api/v1/me", &first).await.status, StatusCode::OK, "the other token still works");
    assert_problem(
        &f.server.call(Method::DELETE, &format!("/api/v1/me/tokens/{id}"), Some(&first), None).await,
        StatusCode::NOT_FOUND,
    );
}

#[tokio::test]
async fn organisation_refusals_write_nothing() {
    let f = Fixture::new().await;
    let (org, contract) = organisation(&f, "Acme", "acme.example.org", 0, 10).await;
    let (_, user) = f.server.account("uma@example.org", &[]).await;
    let before = snapshot(f.server.store()).await;
    use Method as M;
    use StatusCode as S;
    let cases: Vec<(&str, Method, String, bool, Value, StatusCode)> = vec![
        (
            "a non-admin creating one",
            M::POST,
            "/api/v1/organisations".into(),
            false,
            json!({"name": "Mine"}),
            S::FORBIDDEN,
        ),
        ("a non-admin listing them", M::GET, "/api/v1/organisations".into(), false, Value::Null, S::FORBIDDEN),
        ("a name taken", M::POST, "/api/v1/organisations".into(), true, json!({"name": "ACME"}), S::CONFLICT),
        ("an empty name", M::POST, "/api/v1/organisations".into(), true, json!({"name": " "}), S::UNPROCESSABLE_ENTITY),
        (
            "a bad domain",
            M::POST,
            format!("/api/v1/organisations/{org}/domains"),
            true,
            json!({"domain": "not a domain"}),
            S::UNPROCESSABLE_ENTITY,
        ),
        (
            "a domain taken",
            M::POST,
            format!("/api/v1/organisations/{org}/domains"),
            true,
            json!({"domain": "acme.example.org"}),
            S::CONFLICT,
        ),
        (
            "a domain of no organisation",
            M::POST,
            "/api/v1/organisations/999/domains".into(),
            true,
            json!({"domain": "x.example.org"}),
            S::NOT_FOUND,
        ),
        (
            "a contract ending before it starts",
            M::POST,
            format!("/api/v1/organisations/{org}/contracts"),
            true,
            json!({"plan": "Gold", "starts_on": day(5), "ends_on": day(1)}),
            S::UNPROCESSABLE_ENTITY,
        ),
        (
            "a contract with a bad date",
            M::POST,
            format!("/api/v1/organisations/{org}/contracts"),
            true,
            json!({"plan": "Gold", "starts_on": "tomorrow"}),
            S::UNPROCESSABLE_ENTITY,
        ),
        (
            "a change that ends a contract before it starts",
            M::PATCH,
            format!("/api/v1/organisations/{org}/contracts/{contract}"),
            true,
            json!({"ends_on": day(-5)}),
            S::UNPROCESSABLE_ENTITY,
        ),
        (
            "a partner that does not exist",
            M::POST,
            format!("/api/v1/organisations/{org}/partners"),
            true,
            json!({"account": 9999}),
            S::UNPROCESSABLE_ENTITY,
        ),
        (
            "removing a member who is none",
            M::DELETE,
            format!("/api/v1/organisations/{org}/members/9999"),
            true,
            Value::Null,
            S::NOT_FOUND,
        ),
        (
            "a unit member added by a non-manager",
            M::POST,
            format!("/api/v1/units/{}/members", f.first_line),
            false,
            json!({"account": 1}),
            S::FORBIDDEN,
        ),
        (
            "the members of a unit one is not in",
            M::GET,
            format!("/api/v1/units/{}/members", f.first_line),
            false,
            Value::Null,
            S::FORBIDDEN,
        ),
        (
            "joining a unit that does not exist",
            M::POST,
            "/api/v1/units/999/join-requests".into(),
            false,
            json!({}),
            S::NOT_FOUND,
        ),
        (
            "a join request with an unknown key",
            M::POST,
            format!("/api/v1/units/{}/join-requests", f.first_line),
            false,
            json!({"why": "x"}),
            S::UNPROCESSABLE_ENTITY,
        ),
        (
            "deciding a request that does not exist",
            M::POST,
            format!("/api/v1/units/{}/join-requests/999/approve", f.first_line),
            true,
            Value::Null,
            S::NOT_FOUND,
        ),
        (
            "a token without a name",
            M::POST,
            "/api/v1/me/tokens".into(),
            false,
            json!({"name": ""}),
            S::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (what, method, path, as_admin, body, status) in cases {
        let token = if as_admin { &f.admin } else { &user };
        let body = (!body.is_null()).then_some(body);
        let answer = f.server.call(method, &path, Some(token), body).await;
        assert_eq!(answer.status, status, "{what}: {:?}", answer.body);
        assert_problem(&answer, status);
        assert_eq!(snapshot(f.server.store()).await, before, "{what} wrote nothing");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_on_a_units_list_speaks_for_the_unit_once_and_only_with_the_lists_secret() {
    let Some(peer) = mail_peer() else { return };
    let server = TestServer::start_with(Options { mail: Some(peer.clone()), ..Options::default() }).await;
    let (_, admin) = server.account(&unique_address("admin"), &[Role::Admin]).await;
    let list = unique_address("storage-list");
    let unit = json!({"name": "Storage", "level": 2, "email": list, "integration": "redirect"});
    let unit = created(server.post("/api/v1/units", &admin, unit).await);
    let category = json!({"name": "General", "default_unit": unit, "fields": []});
    let category = created(server.post("/api/v1/categories", &admin, category).await);
    let (_, staff) = server.account(&unique_address("staff"), &[Role::Staff]).await;
    let ticket = json!({"title": "Salary data", "description": "Private.", "category": category,
        "type": "incident", "privacy": "private", "fields": {}});
    let private = created(server.post("/api/v1/tickets", &staff, ticket).await);
    let to_list = peer.wait_for(&list, 1).await.remove(0);
    let reply_to = to_list.reply_to.expect("a Reply-To").trim().trim_matches(['<', '>']).to_owned();
    let eve = unique_address("eve");
    let (_, eve_token) = server.account(&eve, &[]).await;
    let mail = |to: &str| {
        format!(
            "From: {eve}\r\nTo: {to}\r\nCc: {list}\r\nSubject: Re: [Helpdesk #{private}]\r\n\
             Message-ID: <{}>\r\n\r\nLet me in.\r\n",
            unique_address("msg")
        )
        .into_bytes()
    };
    let system = helpdesk_domain::policy::Actor::system();

    // Naming the list: Eve's own mail, with Eve's rights: it writes nothing, and she reads nothing.
    let before = snapshot(server.store()).await;
    let id = server.app.receive_mail(&system, mail("helpdesk@test.example.org")).await.expect("kept");
    assert_eq!(settled(server.store(), id).await.status, helpdesk_domain::mail::InboundStatus::Refused);
    let after = snapshot(server.store()).await;
    let changed: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).map(|(b, _)| b.0).collect();
    assert!(changed.iter().all(|t| ["inbound_mail", "jobs"].contains(t)), "{changed:?}");
    assert_problem(&server.get(&format!("/api/v1/tickets/{private}"), &eve_token).await, StatusCode::NOT_FOUND);

    // With the secret only the list's copy carried, her reply speaks for the unit, once: she
    // reads the ticket no more than before.
    let id = server.app.receive_mail(&system, mail(&reply_to)).await.expect("kept");
    assert_eq!(settled(server.store(), id).await.status, helpdesk_domain::mail::InboundStatus::ArticleAdded);
    let articles = server.get(&format!("/api/v1/tickets/{private}/articles"), &staff).await.body;
    assert_eq!(articles["total"], 1, "{articles:?}");
    assert_problem(&server.get(&format!("/api/v1/tickets/{private}"), &eve_token).await, StatusCode::NOT_FOUND);
    assert_problem(
        &server.get(&format!("/api/v1/tickets/{private}/articles"), &eve_token).await,
        StatusCode::NOT_FOUND,
    );
}
