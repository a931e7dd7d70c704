//! The ticket API through a real server: one scenario per test.

use helpdesk_domain::account::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Fixture, TICKET_KEYS, assert_problem, created, snapshot};

fn fields_of(history: &Value) -> Vec<(String, Value, Value)> {
    history["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| (e["field"].as_str().unwrap_or_default().to_owned(), e["old"].clone(), e["new"].clone()))
        .collect()
}

#[tokio::test]
async fn an_opened_ticket_is_triaged_routed_and_recorded() {
    let f = Fixture::new().await;
    let (user, token) = f.server.account("ann@example.org", &[Role::Community]).await;
    let answer = f.server.post("/api/v1/tickets", &token, f.ticket(json!({"affected_users": 60}))).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    let t = &answer.body;
    let id = t["id"].as_i64().expect("a number");
    assert_eq!(answer.location.as_deref(), Some(format!("/api/v1/tickets/{id}").as_str()));
    assert_eq!(t["status"], "new");
    assert_eq!(t["priority"], "high", "more than 50 users affected");
    assert_eq!(t["unit"], f.first_line, "the category's default unit");
    assert_eq!(t["submitter"], user.id.get());
    assert_eq!(t["owner"], Value::Null);
    for key in TICKET_KEYS {
        assert!(t.get(key).is_some(), "a ticket carries {key}");
    }
    assert_eq!(f.server.get(&format!("/api/v1/tickets/{id}"), &token).await.body, answer.body);
    let history = f.server.get(&format!("/api/v1/tickets/{id}/history"), &token).await.body;
    assert_eq!(
        fields_of(&history),
        vec![
            ("status".into(), Value::Null, json!("new")),
            ("priority".into(), Value::Null, json!("high")),
            ("unit".into(), Value::Null, json!(f.first_line)),
            ("privacy".into(), Value::Null, json!("public")),
        ]
    );
    assert!(
        history["items"].as_array().expect("items").iter().all(|e| e["actor"] == user.id.get() && e["at"].is_string())
    );
}

#[tokio::test]
async fn copies_and_a_link_are_kept_normalised() {
    let f = Fixture::new().await;
    let changes = json!({
        "copy_to": [" Ann@Example.ORG ", "bob@example.org", "ann@example.org"],
        "link_url": "https://example.org/issues/7?tab=log"
    });
    let answer = f.server.post("/api/v1/tickets", &f.admin, f.ticket(changes)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    assert_eq!(answer.body["copy_to"], json!(["ann@example.org", "bob@example.org"]), "lower-case, each once");
    assert_eq!(answer.body["link_url"], "https://example.org/issues/7?tab=log");
    let id = answer.body["id"].as_i64().expect("a number");
    assert_eq!(f.server.get(&format!("/api/v1/tickets/{id}"), &f.admin).await.body, answer.body);
    let plain = f.server.post("/api/v1/tickets", &f.admin, f.ticket(json!({}))).await.body;
    assert_eq!((plain["copy_to"].clone(), plain["link_url"].clone()), (json!([]), Value::Null), "both optional");
    // The addresses are the requester's private data: another reader of the public ticket does not see them.
    let (_, stranger) = f.server.account("stranger@example.org", &[Role::Community]).await;
    for path in [format!("/api/v1/tickets/{id}"), "/api/v1/tickets?per_page=100".to_owned()] {
        let seen = f.server.get(&path, &stranger).await.body;
        let ticket = seen.get("items").and_then(|items| items.as_array()?.iter().find(|t| t["id"] == id).cloned());
        let ticket = ticket.unwrap_or(seen);
        assert_eq!(ticket["copy_to"], json!([]), "{path}");
        assert_eq!(ticket["link_url"], "https://example.org/issues/7?tab=log", "{path}: the link is public");
    }
}

#[tokio::test]
async fn the_triage_rules_set_the_priority_by_api() {
    let f = Fixture::new().await;
    let table = [
        (json!({}), "low"),
        (json!({"affected_users": 6}), "medium"),
        (json!({"affected_users": 51}), "high"),
        (json!({"service_degraded": true}), "top"),
        (json!({"type": "service_request", "service_degraded": true}), "low"),
        (json!({"affected_users": 6, "security_risk": "trivial"}), "high"),
        (json!({"security_risk": "imminent"}), "top"),
    ];
    for (triage, expected) in table {
        let answer = f.server.post("/api/v1/tickets", &f.admin, f.ticket(triage.clone())).await;
        assert_eq!(answer.body["priority"], expected, "{triage}");
        assert_eq!(answer.body["suggested_priority"], expected, "{triage}");
    }
}

#[tokio::test]
async fn lists_are_paged_filtered_and_in_a_stable_order() {
    let f = Fixture::new().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(f.open(&f.admin, json!({"affected_users": if i % 2 == 0 { 0 } else { 60 }})).await);
    }
    let escalated = ids[0];
    f.server.patch(&format!("/api/v1/tickets/{escalated}"), &f.admin, json!({"unit": f.second_line})).await;
    let solved = ids[1];
    f.server.patch(&format!("/api/v1/tickets/{solved}"), &f.admin, json!({"status": "solved"})).await;

    let page = |q: &str| {
        let server = &f.server;
        let admin = f.admin.clone();
        let q = q.to_owned();
        async move { server.get(&format!("/api/v1/tickets?{q}"), &admin).await.body }
    };
    let ids_of = |v: &Value| {
        v["items"].as_array().expect("items").iter().map(|t| t["id"].as_i64().expect("id")).collect::<Vec<_>>()
    };
    let first = page("per_page=2").await;
    assert_eq!(
        (first["total"].clone(), first["page"].clone(), first["per_page"].clone()),
        (json!(5), json!(1), json!(2))
    );
    assert_eq!(ids_of(&first), vec![ids[4], ids[3]], "newest first");
    assert_eq!(ids_of(&page("per_page=2&page=3").await), vec![ids[0]]);
    assert_eq!(ids_of(&page("per_page=2&page=4").await), Vec::<i64>::new());
    assert_eq!(ids_of(&page(&format!("unit={}", f.second_line)).await), vec![escalated]);
    assert_eq!(ids_of(&page("status=solved").await), vec![solved]);
    assert_eq!(ids_of(&page("state=closed").await), vec![solved]);
    assert_eq!(page("state=open").await["total"], 4);
    assert_eq!(ids_of(&page("priority=high").await), vec![ids[3], ids[1]]);
    assert_eq!(page(&format!("category={}", f.category)).await["total"], 5);
    assert_eq!(page("category=999").await["total"], 0);
    assert_eq!(page("status=new&priority=low").await["total"], 2, "filters combine");
    assert_eq!(ids_of(&page(&format!("q=%23{}", ids[2])).await), vec![ids[2]], "a ticket number");
    assert_eq!(page("q=LOGIN%20FAILS").await["total"], 5, "text in the title, any case");
}

#[tokio::test]
async fn a_private_ticket_is_invisible_to_those_who_may_not_read_it() {
    let f = Fixture::new().await;
    let (_, staff) = f.server.account("staff@example.org", &[Role::Staff]).await;
    let (_, stranger) = f.server.account("eve@example.org", &[Role::Community]).await;
    let private = f.open(&staff, json!({"privacy": "private", "title": "Private matter"})).await;
    let public = f.open(&staff, json!({})).await;
    for path in [
        format!("/api/v1/tickets/{private}"),
        format!("/api/v1/tickets/{private}/articles"),
        format!("/api/v1/tickets/{private}/history"),
    ] {
        let answer = f.server.get(&path, &stranger).await;
        assert_problem(&answer, StatusCode::NOT_FOUND);
        assert!(!answer.body.to_string().contains("Private matter"));
    }
    let list = f.server.get("/api/v1/tickets", &stranger).await.body;
    assert_eq!(list["total"], 1, "not counted either");
    assert_eq!(list["items"][0]["id"], public);
    let before = snapshot(f.server.store()).await;
    let reply =
        f.server.post(&format!("/api/v1/tickets/{private}/articles"), &stranger, json!({"body": "me too"})).await;
    assert_problem(&reply, StatusCode::NOT_FOUND);
    let patch = f.server.patch(&format!("/api/v1/tickets/{private}"), &stranger, json!({"status": "solved"})).await;
    assert_problem(&patch, StatusCode::NOT_FOUND);
    assert_eq!(snapshot(f.server.store()).await, before);
    assert_eq!(f.server.get("/api/v1/tickets", &staff).await.body["total"], 2);

    // Made public, it appears; made private again, it is gone at once.
    f.server.patch(&format!("/api/v1/tickets/{private}"), &staff, json!({"privacy": "public"})).await;
    assert_eq!(f.server.get("/api/v1/tickets", &stranger).await.body["total"], 2);
    f.server.patch(&format!("/api/v1/tickets/{private}"), &staff, json!({"privacy": "private"})).await;
    assert_eq!(f.server.get("/api/v1/tickets", &stranger).await.body["total"], 1);
}

#[tokio::test]
async fn a_status_move_outside_the_table_is_refused_naming_the_allowed_ones() {
    let f = Fixture::new().await;
    let id = f.open(&f.admin, json!({})).await;
    let path = format!("/api/v1/tickets/{id}");
    let before_ticket = f.server.get(&path, &f.admin).await.body;
    let before = snapshot(f.server.store()).await;
    let answer = f.server.patch(&path, &f.admin, json!({"status": "verified"})).await;
    assert_problem(&answer, StatusCode::CONFLICT);
    assert_eq!(answer.body["allowed"], json!(["in_progress", "waiting_for_reply", "on_hold", "solved", "unsolved"]));
    assert!(answer.body["detail"].as_str().expect("detail").contains("in_progress"));
    assert_eq!(snapshot(f.server.store()).await, before);
    assert_eq!(f.server.get(&path, &f.admin).await.body, before_ticket);
}

#[tokio::test]
async fn the_lifecycle_of_a_ticket_is_checked_and_recorded() {
    let f = Fixture::new().await;
    let (submitter, sub) = f.server.account("sam@example.org", &[Role::Community]).await;
    let (staff_account, staff) = f.server.account("steve@example.org", &[Role::Staff]).await;
    let id = f.open(&sub, json!({})).await;
    let path = format!("/api/v1/tickets/{id}");
    let step = |body: Value, token: &str| {
        let (server, path, token) = (&f.server, path.clone(), token.to_owned());
        async move {
            let answer = server.patch(&path, &token, body.clone()).await;
            assert_eq!(answer.status, StatusCode::OK, "{body}: {:?}", answer.body);
            answer.body
        }
    };
    step(json!({"status": "in_progress", "owner": staff_account.id}), &staff).await;
    let waiting = step(json!({"status": "waiting_for_reply"}), &staff).await;
    assert_eq!(waiting["status"], "waiting_for_reply");
    assert_eq!(f.server.get(&path, &staff).await.body, waiting, "the answer to a change is what is stored");
    // The submitter's reply brings it back to in progress.
    let reply =
        f.server.post(&format!("{path}/articles"), &sub, json!({"body": "Here is the log you asked for."})).await;
    created(reply);
    assert_eq!(f.server.get(&path, &sub).await.body["status"], "in_progress");
    let solved = step(json!({"status": "solved", "resolution": "workaround"}), &staff).await;
    assert_eq!((solved["status"].clone(), solved["resolution"].clone()), (json!("solved"), json!("workaround")));
    // Only the submitter verifies.
    assert_problem(&f.server.patch(&path, &staff, json!({"status": "verified"})).await, StatusCode::FORBIDDEN);
    step(json!({"status": "verified"}), &sub).await;
    // Verified is final.
    let answer = f.server.patch(&path, &staff, json!({"status": "reopened"})).await;
    assert_problem(&answer, StatusCode::CONFLICT);
    assert_eq!(answer.body["allowed"], json!([]));
    assert_problem(
        &f.server.post(&format!("{path}/articles"), &sub, json!({"body": "one more thing"})).await,
        StatusCode::CONFLICT,
    );

    let history = f.server.get(&format!("{path}/history?per_page=100"), &staff).await.body;
    let changes: Vec<(String, Value, Value)> = fields_of(&history).into_iter().skip(4).collect();
    assert_eq!(
        changes,
        vec![
            ("status".into(), json!("new"), json!("in_progress")),
            ("owner".into(), Value::Null, json!(staff_account.id)),
            ("status".into(), json!("in_progress"), json!("waiting_for_reply")),
            ("article".into(), Value::Null, changes[3].2.clone()),
            ("status".into(), json!("waiting_for_reply"), json!("in_progress")),
            ("status".into(), json!("in_progress"), json!("solved")),
            ("resolution".into(), Value::Null, json!("workaround")),
            ("status".into(), json!("solved"), json!("verified")),
        ]
    );
    let actors: Vec<Value> =
        history["items"].as_array().expect("items").iter().skip(4).map(|e| e["actor"].clone()).collect();
    assert_eq!(actors[0], staff_account.id.get());
    assert_eq!(actors[3], submitter.id.get());
    assert_eq!(actors[7], submitter.id.get());
}

#[tokio::test]
async fn a_priority_other_than_triage_needs_a_reason_which_is_recorded() {
    let f = Fixture::new().await;
    let id = f.open(&f.admin, json!({})).await;
    let path = format!("/api/v1/tickets/{id}");
    let before = snapshot(f.server.store()).await;
    let refused = f.server.patch(&path, &f.admin, json!({"priority": "top"})).await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.body["errors"][0]["field"], "priority_reason");
    assert_eq!(snapshot(f.server.store()).await, before);
    let ok =
        f.server.patch(&path, &f.admin, json!({"priority": "top", "priority_reason": "The whole VO is blocked"})).await;
    assert_eq!(ok.body["priority"], "top");
    let history = f.server.get(&format!("{path}/history"), &f.admin).await.body;
    let last = history["items"].as_array().and_then(|a| a.last()).cloned().expect("an entry");
    assert_eq!(
        (last["field"].clone(), last["old"].clone(), last["new"].clone()),
        (json!("priority"), json!("low"), json!("top"))
    );
    assert_eq!(last["reason"], "The whole VO is blocked");
    // Back to the triage result needs no reason.
    assert_eq!(f.server.patch(&path, &f.admin, json!({"priority": "low"})).await.status, StatusCode::OK);
}

#[tokio::test]
async fn escalating_to_another_unit_assigns_it_and_gives_back_the_owner() {
    let f = Fixture::new().await;
    let (staff_account, staff) = f.server.account("steve@example.org", &[Role::Staff]).await;
    let id = f.open(&staff, json!({})).await;
    let path = format!("/api/v1/tickets/{id}");
    f.server.patch(&path, &staff, json!({"status": "in_progress", "owner": staff_account.id})).await;
    let escalated = f.server.patch(&path, &staff, json!({"unit": f.second_line})).await.body;
    assert_eq!(
        (escalated["unit"].clone(), escalated["status"].clone(), escalated["owner"].clone()),
        (json!(f.second_line), json!("assigned"), Value::Null)
    );
    let unknown = f.server.patch(&path, &staff, json!({"unit": 9999})).await;
    assert_problem(&unknown, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.body["errors"][0]["field"], "unit");
    let nobody = f.server.patch(&path, &staff, json!({"owner": 9999})).await;
    assert_problem(&nobody, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nobody.body["errors"][0]["field"], "owner");
}

#[tokio::test]
async fn internal_notes_are_only_for_those_who_work_the_ticket() {
    let f = Fixture::new().await;
    let (_, sub) = f.server.account("sam@example.org", &[Role::Community]).await;
    let (_, staff) = f.server.account("steve@example.org", &[Role::Staff]).await;
    let id = f.open(&sub, json!({})).await;
    let articles = format!("/api/v1/tickets/{id}/articles");
    created(f.server.post(&articles, &sub, json!({"body": "Any news?"})).await);
    let note = f.server.post(&articles, &staff, json!({"body": "Probably the LDAP change.", "internal": true})).await;
    assert_eq!(note.body["internal"], true);
    assert_eq!(note.body["channel"], "api");
    created(f.server.post(&articles, &staff, json!({"body": "We are on it."})).await);

    let before = snapshot(f.server.store()).await;
    let refused = f.server.post(&articles, &sub, json!({"body": "sneaky", "internal": true})).await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(f.server.store()).await, before);

    let seen_by_submitter = f.server.get(&articles, &sub).await.body;
    assert_eq!(seen_by_submitter["total"], 2);
    assert!(!seen_by_submitter.to_string().contains("LDAP"));
    let submitter_history = f.server.get(&format!("/api/v1/tickets/{id}/history"), &sub).await.body;
    assert_eq!(submitter_history["total"], 6, "4 at opening, 2 public replies; the note's entry is hidden");
    let seen_by_staff = f.server.get(&articles, &staff).await.body;
    assert_eq!(seen_by_staff["total"], 3);
    assert_eq!(seen_by_staff["items"][1]["body"], "Probably the LDAP change.");
    assert_eq!(f.server.get(&format!("/api/v1/tickets/{id}/history"), &staff).await.body["total"], 7);
}

#[tokio::test]
async fn the_caller_is_told_who_they_are() {
    let f = Fixture::new().await;
    let (account, token) = f.server.account("Mixed.Case@Example.org", &[Role::Partner]).await;
    let me = f.server.get("/api/v1/me", &token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(
        (me.body["id"].clone(), me.body["email"].clone(), me.body["roles"].clone()),
        (json!(account.id), json!("mixed.case@example.org"), json!(["partner"]))
    );
}

#[tokio::test]
async fn the_ticket_list_takes_the_queues_owner_units_and_orders() {
    let f = Fixture::new().await;
    let (sam_id, sam) = f.supporter(&crate::common::unique_address("sam"), f.first_line).await;
    let low = f.open(&f.admin, json!({})).await;
    let top = f.open(&f.admin, json!({"priority": "top", "priority_reason": "Site down"})).await;
    let moved = f.open(&f.admin, json!({})).await;
    let set = |id: i64, body: Value| {
        let (server, admin) = (&f.server, f.admin.clone());
        async move { assert_eq!(server.patch(&format!("/api/v1/tickets/{id}"), &admin, body).await.status, StatusCode::OK) }
    };
    set(low, json!({"owner": sam_id})).await;
    set(moved, json!({"unit": f.second_line})).await;
    let listed = |query: String, token: String| {
        let server = &f.server;
        async move {
            let answer = server.get(&format!("/api/v1/tickets?{query}"), &token).await;
            assert_eq!(answer.status, StatusCode::OK, "{query}: {:?}", answer.body);
            answer.body["items"].as_array().expect("items").iter().filter_map(|t| t["id"].as_i64()).collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("owner=me".into(), sam.clone()).await, [low]);
    assert_eq!(listed(format!("owner={sam_id}"), f.admin.clone()).await, [low]);
    assert_eq!(listed("owner=none&order=oldest".into(), f.admin.clone()).await, [top, moved]);
    assert_eq!(listed("order=priority".into(), f.admin.clone()).await, [top, low, moved], "top first, then oldest");
    let both = format!("units={},{}&order=oldest", f.first_line, f.second_line);
    assert_eq!(listed(both, f.admin.clone()).await, [low, top, moved]);
    assert_eq!(listed(format!("units={}", f.second_line), f.admin.clone()).await, [moved]);
    assert_eq!(listed("order=queue".into(), f.admin.clone()).await.len(), 3);

    let before = snapshot(f.server.store()).await;
    for (query, status) in [
        ("owner=somebody", StatusCode::UNPROCESSABLE_ENTITY),
        ("units=1,x", StatusCode::UNPROCESSABLE_ENTITY),
        ("order=sideways", StatusCode::BAD_REQUEST),
    ] {
        let answer = f.server.get(&format!("/api/v1/tickets?{query}"), &f.admin).await;
        assert_eq!(answer.status, status, "{query}: {:?}", answer.body);
        assert_problem(&answer, status);
    }
    let anonymous = f.server.call(reqwest::Method::GET, "/api/v1/tickets?owner=me", None, None).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");
}

#[tokio::test]
async fn a_bulk_change_changes_each_ticket_it_may_and_lists_the_rest_with_why() {
    let f = Fixture::new().await;
    let (sam_id, sam) = f.supporter(&crate::common::unique_address("sam"), f.first_line).await;
    let a = f.open(&f.admin, json!({})).await;
    let b = f.open(&f.admin, json!({})).await;
    let elsewhere = f.open(&f.admin, json!({"privacy": "private"})).await;
    let moved = f.server.patch(&format!("/api/v1/tickets/{elsewhere}"), &f.admin, json!({"unit": f.second_line})).await;
    assert_eq!(moved.status, StatusCode::OK);

    let body = json!({"tickets": [a, b, elsewhere, 999_999, a], "status": "in_progress", "owner": sam_id});
    let answer = f.server.post("/api/v1/tickets/bulk", &sam, body).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    assert_eq!(answer.body["done"], json!([a, b]), "each once, in the order given");
    let refused: Vec<(i64, String)> = answer.body["refused"]
        .as_array()
        .expect("refused")
        .iter()
        .map(|r| (r["ticket"].as_i64().expect("a number"), r["detail"].as_str().expect("why").to_owned()))
        .collect();
    assert_eq!(
        refused,
        [(elsewhere, format!("there is no ticket #{elsewhere}")), (999_999, "there is no ticket #999999".to_owned()),],
        "a ticket one may not read is refused as one that does not exist"
    );
    for id in [a, b] {
        let ticket = f.server.get(&format!("/api/v1/tickets/{id}"), &sam).await.body;
        assert_eq!((ticket["status"].clone(), ticket["owner"].clone()), (json!("in_progress"), json!(sam_id)));
    }
    let untouched = f.server.get(&format!("/api/v1/tickets/{elsewhere}"), &f.admin).await.body;
    assert_eq!(untouched["status"], "assigned");

    // A change the policy refuses for one ticket (another unit's) is that ticket's refusal only.
    let c = f.open(&f.admin, json!({})).await;
    let moved = f.server.patch(&format!("/api/v1/tickets/{c}"), &f.admin, json!({"unit": f.second_line})).await;
    assert_eq!(moved.status, StatusCode::OK);
    let answer = f.server.post("/api/v1/tickets/bulk", &sam, json!({"tickets": [a, c], "owner": sam_id})).await;
    assert_eq!(answer.body["done"], json!([a]), "{:?}", answer.body);
    assert_eq!(answer.body["refused"][0]["ticket"], json!(c));
    assert_eq!(f.server.get(&format!("/api/v1/tickets/{c}"), &f.admin).await.body["owner"], Value::Null);

    let before = snapshot(f.server.store()).await;
    let many: Vec<i64> = (1..=501).collect();
    for (body, what) in [
        (json!({"tickets": many, "status": "in_progress"}), "501 tickets"),
        (json!({"tickets": [], "status": "in_progress"}), "no ticket"),
        (json!({"tickets": [a], "title": "x"}), "an edit"),
    ] {
        assert_problem(&f.server.post("/api/v1/tickets/bulk", &sam, body).await, StatusCode::UNPROCESSABLE_ENTITY);
        let _ = what;
    }
    let anonymous =
        f.server.call(reqwest::Method::POST, "/api/v1/tickets/bulk", None, Some(json!({"tickets": [a]}))).await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");
}
