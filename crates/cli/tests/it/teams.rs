//! Teams and their tickets (issue 18, GGUS's TEAM and ALARM): a team's members work its tickets
//! together, only its alarmers raise alarms, and a refusal writes nothing. The mail they bring is
//! in `mail.rs`; the command line's sync in `cli.rs`.

use helpdesk_domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Fixture, assert_problem, created, snapshot, unique_address};

/// A team made by the admin, with the given members (address, alarmer); its id.
async fn team(f: &Fixture, name: &str, members: &[(&str, bool)]) -> i64 {
    let id = created(f.server.post("/api/v1/teams", &f.admin, json!({"name": name})).await);
    for (member, alarmer) in members {
        let put = f
            .server
            .call(
                Method::PUT,
                &format!("/api/v1/teams/{id}/members"),
                Some(&f.admin),
                Some(json!({"member": member, "alarmer": alarmer})),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK, "{:?}", put.body);
    }
    id
}

/// A person with a token, and their address.
async fn person(f: &Fixture, name: &str) -> (String, String) {
    person_as(f, name, Role::Community).await
}

/// A person holding `role`, with a token, and their address.
async fn person_as(f: &Fixture, name: &str, role: Role) -> (String, String) {
    let address = unique_address(name);
    let (_, token) = f.server.account(&address, &[role]).await;
    (address, token)
}

fn team_ticket(kind: &str, team: i64, unit: i64) -> Value {
    json!({"kind": kind, "team": team, "unit": unit, "privacy": "private", "title": "SECRET-TEAM-TICKET"})
}

#[tokio::test]
async fn a_teams_members_work_its_tickets_together_and_everyone_else_is_refused_with_nothing_written() {
    let f = Fixture::new().await;
    // Ann may open private tickets (a contract's right); Bob, her colleague, may not.
    let (ann_address, ann) = person_as(&f, "ann", Role::Partner).await;
    let (bob_address, bob) = person(&f, "bob").await;
    let (carl_address, carl) = person(&f, "carl").await;
    let (eve_address, eve) = person(&f, "eve").await;
    let (_, outsider) = person(&f, "outsider").await;
    let (_, stu) = f.supporter(&unique_address("stu"), f.second_line).await;
    // Bob is named by his address in another case: members are matched without regard to it.
    let atlas =
        team(&f, "atlas", &[(&ann_address, false), (&bob_address.to_uppercase(), false), (&carl_address, true)]).await;
    let cms = team(&f, "cms", &[(&eve_address, false)]).await;
    let opened_by = |token: &str, body: Value| {
        let (server, body, token) = (&f.server, f.ticket(body), token.to_owned());
        async move { server.post("/api/v1/tickets", &token, body).await }
    };

    let before = snapshot(f.server.store()).await;
    // (who, what, refused with)
    let refusals = [
        (&eve, team_ticket("team", atlas, f.second_line), StatusCode::FORBIDDEN),
        (&outsider, team_ticket("team", atlas, f.second_line), StatusCode::FORBIDDEN),
        (&ann, team_ticket("alarm", atlas, f.second_line), StatusCode::FORBIDDEN),
        (&ann, json!({"kind": "team", "team": atlas}), StatusCode::UNPROCESSABLE_ENTITY),
        (&ann, json!({"kind": "user", "team": atlas}), StatusCode::UNPROCESSABLE_ENTITY),
        (&ann, team_ticket("team", atlas, 999_999), StatusCode::UNPROCESSABLE_ENTITY),
        (&ann, team_ticket("team", 999_999, f.second_line), StatusCode::FORBIDDEN),
    ];
    for (token, body, status) in refusals {
        assert_problem(&opened_by(token, body.clone()).await, status);
    }
    assert_problem(&f.server.post("/api/v1/teams", &ann, json!({"name": "mine"})).await, StatusCode::FORBIDDEN);
    let members_path = format!("/api/v1/teams/{atlas}/members");
    let by_member =
        f.server.call(Method::PUT, &members_path, Some(&ann), Some(json!({"member": "x@example.org"}))).await;
    assert_problem(&by_member, StatusCode::FORBIDDEN);
    let bad_list = json!({"members": ["ok@example.org", "not a member"]});
    let synced = f.server.post(&format!("/api/v1/teams/{atlas}/sync"), &f.admin, bad_list).await;
    assert_problem(&synced, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(synced.body.to_string().contains("line 2"), "{:?}", synced.body);
    assert_problem(&f.server.get(&format!("/api/v1/teams/{atlas}"), &eve).await, StatusCode::NOT_FOUND);
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");

    // Ann opens a private team ticket; it goes straight to the unit she chose.
    let made = opened_by(&ann, team_ticket("team", atlas, f.second_line)).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!((made.body["kind"].clone(), made.body["team"].clone()), (json!("team"), json!(atlas)));
    assert_eq!(made.body["unit"], f.second_line, "bypassing the 1st level");
    let id = made.body["id"].as_i64().expect("a number");
    let path = format!("/api/v1/tickets/{id}");
    assert_eq!(f.server.get(&path, &bob).await.status, StatusCode::OK, "a colleague reads it");
    assert_problem(&f.server.get(&path, &eve).await, StatusCode::NOT_FOUND);
    let listed = f.server.get(&format!("/api/v1/tickets?kind=team&team={atlas}"), &bob).await.body;
    assert_eq!(listed["total"], 1, "{listed:?}");
    assert_eq!(f.server.get("/api/v1/tickets?kind=team", &eve).await.body["total"], 0);
    let found = f.server.get("/api/v1/search?q=SECRET-TEAM-TICKET&kind=team", &bob).await;
    assert_eq!(found.status, StatusCode::OK, "{:?}", found.body);
    let reply = json!({"body": "It fails for us too.", "internal": false});
    created(f.server.post(&format!("{path}/articles"), &bob, reply).await);

    // Solved by the unit, verified by a colleague of the one who opened it; not by another team.
    for change in [json!({"status": "in_progress"}), json!({"status": "solved", "resolution": "fixed"})] {
        let changed = f.server.patch(&path, &stu, change.clone()).await;
        assert_eq!(changed.status, StatusCode::OK, "{change}: {:?}", changed.body);
    }
    assert_problem(&f.server.patch(&path, &eve, json!({"status": "verified"})).await, StatusCode::NOT_FOUND);
    let verified = f.server.patch(&path, &bob, json!({"status": "verified"})).await;
    assert_eq!((verified.status, verified.body["status"].clone()), (StatusCode::OK, json!("verified")));

    // Carl, an alarmer, raises an alarm: top priority whatever the triage says.
    let alarm =
        opened_by(&carl, json!({"kind": "alarm", "team": atlas, "unit": f.second_line, "affected_users": 0})).await;
    assert_eq!(alarm.status, StatusCode::CREATED, "{:?}", alarm.body);
    assert_eq!((alarm.body["kind"].clone(), alarm.body["priority"].clone()), (json!("alarm"), json!("top")));
    let queue = f.server.get(&format!("/api/v1/tickets?order=queue&unit={}", f.second_line), &stu).await.body;
    assert_eq!(queue["items"][0]["kind"], "alarm", "an alarm comes first in the queue: {queue:?}");

    // A team ticket becomes an alarm by an alarmer, once; a member may not raise it.
    let quiet = opened_by(&ann, json!({"kind": "team", "team": atlas, "unit": f.second_line})).await;
    let quiet = quiet.body["id"].as_i64().expect("a number");
    let raise_path = format!("/api/v1/tickets/{quiet}/alarm");
    let raise = |token: &str| {
        let (server, path, token) = (&f.server, raise_path.clone(), token.to_owned());
        async move { server.call(Method::POST, &path, Some(&token), None).await }
    };
    let before = snapshot(f.server.store()).await;
    assert_problem(&raise(&ann).await, StatusCode::FORBIDDEN);
    assert_problem(&raise(&eve).await, StatusCode::FORBIDDEN);
    assert_eq!(snapshot(f.server.store()).await, before, "refused raises write nothing");
    let raised = raise(&carl).await;
    assert_eq!((raised.status, raised.body["kind"].clone()), (StatusCode::OK, json!("alarm")), "{:?}", raised.body);
    assert_eq!(raised.body["priority"], "top");
    assert_problem(&raise(&carl).await, StatusCode::CONFLICT);
    let _ = cms;
}

#[tokio::test]
async fn a_sync_makes_the_list_the_teams_members_and_again_changes_nothing() {
    let f = Fixture::new().await;
    let (ann_address, ann) = person(&f, "ann").await;
    let atlas = team(&f, "atlas", &[("gone@example.org", false), (&ann_address, true)]).await;
    let dn = "/DC=ch/DC=cern/OU=Users/CN=Jane Op";
    let list = json!({"members": [ann_address, "New@Example.org", "CN=Jane Op,OU=Users,DC=cern,DC=ch"]});
    let sync_path = format!("/api/v1/teams/{atlas}/sync");
    let sync = |body: Value| {
        let (server, path, admin) = (&f.server, sync_path.clone(), f.admin.clone());
        async move { server.post(&path, &admin, body).await }
    };
    let first = sync(list.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body, json!({"added": [dn, "new@example.org"], "removed": ["gone@example.org"]}));
    let again = sync(list).await;
    assert_eq!(again.body, json!({"added": [], "removed": []}), "idempotent");
    let members = f.server.get(&format!("/api/v1/teams/{atlas}"), &ann).await;
    assert_eq!(members.status, StatusCode::OK, "a member sees the team: {:?}", members.body);
    let ann_row = members.body["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["member"] == ann_address.as_str())
        .cloned();
    assert_eq!(ann_row.expect("ann")["alarmer"], true, "a members' sync keeps who is an alarmer");
    assert_eq!(members.body["team"]["members"], 3);

    // The alarmers' list takes the right from those not on it, and keeps them members.
    let alarmers = sync(json!({"members": ["new@example.org"], "which": "alarmers"})).await;
    assert_eq!(alarmers.body, json!({"added": ["new@example.org"], "removed": [ann_address]}));
    let team = f.server.get(&format!("/api/v1/teams/{atlas}"), &f.admin).await.body;
    assert_eq!((team["team"]["members"].clone(), team["team"]["alarmers"].clone()), (json!(3), json!(1)));
}

#[tokio::test]
async fn an_admin_keeps_a_team_on_its_page_and_its_members_open_and_raise_its_tickets_on_theirs() {
    let f = Fixture::new().await;
    let (ann_address, _) = person(&f, "ann").await;
    let (carl_address, _) = person(&f, "carl").await;
    let admin = f.session_of("admin@example.org").await;
    let made = admin.post_form("/admin/teams", &[("name", "atlas"), ("email", "atlas-ops@example.org")]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let team_path = made.location.expect("the team's page");
    let added = admin.post_form(&format!("{team_path}/members"), &[("member", &carl_address), ("alarmer", "on")]).await;
    assert!(added.html.contains("The member is saved.") && added.html.contains("alarmer"), "{}", added.html);
    let list = format!("# atlas\n{ann_address}\n{carl_address}\n");
    let synced = admin.post_form(&format!("{team_path}/sync"), &[("list", &list), ("which", "members")]).await;
    assert!(synced.html.contains("Synced: 1 added, 0 removed."), "{}", synced.html);
    let before = snapshot(f.server.store()).await;
    let bad = admin.post_form(&format!("{team_path}/sync"), &[("list", "nobody"), ("which", "members")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("line 1"), "{}", bad.html);
    assert_eq!(snapshot(f.server.store()).await, before, "a refused list writes nothing");

    // Ann, a member, chooses a team ticket on the form; Carl, an alarmer, raises it from its page.
    let ann = f.session_of(&ann_address).await;
    let form = ann.get("/tickets/new").await.html;
    assert!(form.contains("Whose ticket is it?") && form.contains(">atlas</option>"), "{form}");
    assert!(!form.contains("value=\"alarm\""), "only alarmers are offered an alarm");
    let team = team_path.rsplit('/').next().expect("an id").to_owned();
    let unit = f.second_line.to_string();
    let fields = [
        ("title", "Transfers to the site fail"),
        ("description", "Since noon."),
        ("type", "incident"),
        ("category", &f.category.to_string()),
        ("field.version", "4.5"),
        ("field.os", "Ubuntu"),
        ("field.bits_64", "true"),
        ("kind", "team"),
        ("team", &team),
        ("unit", &unit),
    ];
    let opened = ann.post_multipart("/tickets/new", &fields, vec![], true).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.html);
    let location = opened.location.expect("the ticket");
    let ticket = location.split('?').next().unwrap_or_default().to_owned();
    let carl = f.session_of(&carl_address).await;
    let page = carl.get(&ticket).await.html;
    assert!(page.contains("TEAM atlas") && page.contains("Raise to an ALARM"), "{page}");
    assert!(!ann.get(&ticket).await.html.contains("Raise to an ALARM"), "a member does not raise alarms");
    let raised = carl.post_form(&format!("{ticket}/alarm"), &[]).await;
    assert_eq!(raised.status, StatusCode::SEE_OTHER, "{}", raised.html);
    let page = carl.get(&raised.location.expect("back")).await.html;
    assert!(page.contains("ALARM atlas") && page.contains("priority top"), "{page}");
}

#[tokio::test]
async fn a_member_named_by_certificate_dn_is_one_once_that_certificate_signs_them_in() {
    let f = Fixture::new().await;
    let dn = "/DC=org/DC=terena/CN=Dave Op";
    let atlas = team(&f, "atlas", &[]).await;
    let put = json!({"member": "CN=Dave Op,DC=terena,DC=org", "manager": true});
    let stored = f.server.call(Method::PUT, &format!("/api/v1/teams/{atlas}/members"), Some(&f.admin), Some(put)).await;
    assert_eq!((stored.status, stored.body["member"].clone()), (StatusCode::OK, json!(dn)), "{:?}", stored.body);
    let (_, dave) = person(&f, "dave").await;
    let path = format!("/api/v1/teams/{atlas}");
    assert_problem(&f.server.get(&path, &dave).await, StatusCode::NOT_FOUND);

    let actor = f.server.app.authenticate_token(&dave).await.expect("an actor");
    f.server.app.link_certificate(&actor, dn, "/DC=org/CN=Grid CA").await.expect("linked");
    assert_eq!(f.server.get(&path, &dave).await.status, StatusCode::OK, "a member by DN");
    let added = json!({"member": "eve@example.org"});
    let by_manager = f.server.call(Method::PUT, &format!("{path}/members"), Some(&dave), Some(added)).await;
    assert_eq!(by_manager.status, StatusCode::OK, "and its manager: {:?}", by_manager.body);
}

#[tokio::test]
async fn a_teams_manager_keeps_it_on_its_own_page_and_its_members_only_read_it() {
    let f = Fixture::new().await;
    let (manager, _) = person(&f, "maria").await;
    let (member, _) = person(&f, "mo").await;
    let (stranger, _) = person(&f, "sid").await;
    let id = team(&f, "lhcb", &[(&member, false)]).await;
    let put = json!({"member": manager, "manager": true});
    let made = f.server.call(Method::PUT, &format!("/api/v1/teams/{id}/members"), Some(&f.admin), Some(put)).await;
    assert_eq!(made.status, StatusCode::OK, "{:?}", made.body);

    let keeper = f.session_of(&manager).await;
    let dashboard = keeper.get("/dashboard").await.html;
    assert!(dashboard.contains(&format!("href=\"/teams/{id}\">Team lhcb: you keep its members")), "{dashboard}");
    let page = keeper.get(&format!("/teams/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(&format!("action=\"/teams/{id}/members\"")), "the manager's forms");
    let newcomer = unique_address("nina");
    let added = keeper.post_form(&format!("/teams/{id}/members"), &[("member", &newcomer), ("action", "put")]).await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.html);
    assert!(added.html.contains(&newcomer));

    let reader = f.session_of(&member).await;
    let page = reader.get(&format!("/teams/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "a member reads the list");
    assert!(page.html.contains(&newcomer) && !page.html.contains("Save the member"), "and has no form to change it");
    let outsider = f.session_of(&stranger).await;
    let before = snapshot(f.server.store()).await;
    let refused =
        reader.post_form(&format!("/teams/{id}/members"), &[("member", "eve@example.org"), ("action", "put")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.html);
    // A team one may not read does not exist for one.
    assert_eq!(outsider.get(&format!("/teams/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");
}
