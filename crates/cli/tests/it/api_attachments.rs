//! Attachments: uploaded with a ticket or an article in one transaction (through the app, as the
//! pages do), listed and downloaded through the API only by those who may read them.

use helpdesk_app::AppError;
use helpdesk_domain::CategoryId;
use helpdesk_domain::account::Role;
use helpdesk_domain::attachment::{MAX_ATTACHMENT_BYTES, NewUpload};
use helpdesk_domain::policy::Actor;
use helpdesk_domain::ticket::{Channel, Privacy, SecurityRisk, TicketType};
use helpdesk_domain::workflow::OpenTicket;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Fixture, assert_problem, snapshot};

fn open_cmd(f: &Fixture, privacy: Privacy) -> OpenTicket {
    OpenTicket {
        title: "Screenshots of the error".into(),
        description: "See the files.".into(),
        ticket_type: TicketType::Incident,
        category: CategoryId(f.category),
        privacy,
        affected_users: 0,
        service_degraded: false,
        security_risk: SecurityRisk::None,
        fields: json!({"version": "4.5", "os": "Ubuntu", "bits_64": true}).as_object().cloned().unwrap_or_default(),
        on_behalf_of: None,
        copy_to: vec![],
        link_url: None,
        priority: None,
        priority_reason: None,
        kind: helpdesk_domain::team::TicketKind::User,
        team: None,
        unit: None,
    }
}

fn upload(name: &str, content_type: &str, bytes: &[u8]) -> NewUpload {
    NewUpload { filename: name.into(), content_type: content_type.into(), bytes: bytes.to_vec() }
}

async fn actor(f: &Fixture, token: &str) -> Actor {
    f.server.app.authenticate_token(token).await.expect("an actor")
}

/// A download: status, the headers that matter, and the bytes.
struct Download {
    status: StatusCode,
    content_type: String,
    disposition: String,
    nosniff: String,
    bytes: Vec<u8>,
}

async fn download(f: &Fixture, path: &str, token: &str) -> Download {
    let response =
        f.server.client.get(format!("{}{path}", f.server.url)).bearer_auth(token).send().await.expect("an answer");
    let header =
        |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned).unwrap_or_default();
    let (status, content_type, disposition, nosniff) =
        (response.status(), header("content-type"), header("content-disposition"), header("x-content-type-options"));
    let bytes = response.bytes().await.expect("a body").to_vec();
    Download { status, content_type, disposition, nosniff, bytes }
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array().expect("a list").iter().map(|a| a["id"].as_i64().expect("an id")).collect()
}

#[tokio::test]
async fn files_come_with_tickets_and_notes_and_only_readers_get_them() {
    let f = Fixture::new().await;
    let app = &f.server.app;
    let (_, staff_token) = f.server.account("sam@example.org", &[Role::Staff]).await;
    let (_, stranger) = f.server.account("eve@example.org", &[Role::Community]).await;
    let staff = actor(&f, &staff_token).await;
    let png: Vec<u8> = [&b"\x89PNG\r\n\x1a\n"[..], &[0u8, 255, 10, 13][..]].concat();
    let public = app
        .open_ticket_with(
            &staff,
            open_cmd(&f, Privacy::Public),
            vec![
                upload("C:\\shots\\screen shot \u{e9}.png", "image/png", &png),
                upload("page.html", "text/html", b"<script>alert(1)</script>"),
            ],
        )
        .await
        .expect("opened with files");
    let base = format!("/api/v1/tickets/{}/attachments", public.id);
    let listed = f.server.get(&base, &stranger).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    let files = listed.body.as_array().expect("a list").clone();
    assert_eq!(files.len(), 2);
    assert_eq!(
        (&files[0]["filename"], &files[0]["size"], &files[0]["article"], &files[0]["internal"]),
        (&json!("screen shot \u{e9}.png"), &json!(png.len()), &Value::Null, &json!(false))
    );
    assert_eq!(files[0]["sha256"].as_str().map(str::len), Some(64));

    let shot = download(&f, &format!("{base}/{}", files[0]["id"]), &stranger).await;
    assert_eq!(
        (shot.status, shot.content_type.as_str(), shot.disposition.as_str(), shot.nosniff.as_str()),
        (StatusCode::OK, "image/png", "attachment; filename*=UTF-8''screen%20shot%20%C3%A9.png", "nosniff")
    );
    assert_eq!(shot.bytes, png, "the bytes come back as they went in");
    let page = download(&f, &format!("{base}/{}", files[1]["id"]), &stranger).await;
    assert_eq!(
        (page.status, page.content_type.as_str()),
        (StatusCode::OK, "application/octet-stream"),
        "HTML is never served as HTML"
    );

    // A file with an internal note is for those who may read internal notes.
    app.add_article_with(
        &staff,
        public.id,
        "The server log.".into(),
        true,
        Channel::Web,
        vec![upload("server.log", "text/plain", b"secret")],
    )
    .await
    .expect("a note with a file");
    let all = f.server.get(&base, &staff_token).await.body;
    assert_eq!(all.as_array().map(Vec::len), Some(3));
    let log = &all[2];
    assert_eq!((log["internal"].clone(), log["article"].is_i64()), (json!(true), true));
    assert_eq!(ids(&f.server.get(&base, &stranger).await.body), ids(&files.clone().into()), "no internal file");
    let hidden = format!("{base}/{}", log["id"]);
    assert_problem(&f.server.get(&hidden, &stranger).await, StatusCode::NOT_FOUND);
    let got = download(&f, &hidden, &staff_token).await;
    assert_eq!(
        (got.status, got.content_type.as_str(), got.bytes.as_slice()),
        (StatusCode::OK, "text/plain", &b"secret"[..])
    );
    let history = f.server.get(&format!("/api/v1/tickets/{}/history", public.id), &stranger).await.body;
    let uploads: Vec<&Value> = history["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["field"] == "attachment")
        .map(|e| &e["new"])
        .collect();
    assert_eq!(uploads, [&json!("screen shot \u{e9}.png"), &json!("page.html")], "the internal upload is not shown");

    // A private ticket's files are as invisible as the ticket.
    let private = app
        .open_ticket_with(&staff, open_cmd(&f, Privacy::Private), vec![upload("a.pdf", "application/pdf", b"%PDF-1.4")])
        .await
        .expect("opened with a file");
    let private_base = format!("/api/v1/tickets/{}/attachments", private.id);
    let private_files = f.server.get(&private_base, &staff_token).await.body;
    let private_file = format!("{private_base}/{}", private_files[0]["id"]);
    assert_problem(&f.server.get(&private_base, &stranger).await, StatusCode::NOT_FOUND);
    assert_problem(&f.server.get(&private_file, &stranger).await, StatusCode::NOT_FOUND);
    // Through a ticket they may read, still not.
    assert_problem(
        &f.server.get(&format!("{base}/{}", private_files[0]["id"]), &stranger).await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(
        &f.server.get(&format!("{base}/{}", private_files[0]["id"]), &staff_token).await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(download(&f, &private_file, &staff_token).await.content_type, "application/pdf");
}

#[tokio::test]
async fn a_refused_upload_writes_nothing() {
    let f = Fixture::new().await;
    let app = &f.server.app;
    let (_, staff_token) = f.server.account("sam@example.org", &[Role::Staff]).await;
    let (_, community_token) = f.server.account("carl@example.org", &[Role::Community]).await;
    let staff = actor(&f, &staff_token).await;
    let community = actor(&f, &community_token).await;
    let ticket = app.open_ticket(&staff, open_cmd(&f, Privacy::Public)).await.expect("opened");
    let small = || upload("a.txt", "text/plain", b"a");
    let six: Vec<NewUpload> = (0..6).map(|_| small()).collect();
    let big = vec![upload("big.iso", "", &vec![0u8; 11 * 1024 * 1024]), small()];
    assert!(big[0].bytes.len() > MAX_ATTACHMENT_BYTES);
    let before = snapshot(f.server.store()).await;
    let invalid = |result: Result<_, AppError>, field: &str| match result {
        Err(AppError::Invalid(errors)) => assert!(errors.iter().any(|e| e.field == field), "{field}: {errors:?}"),
        other => panic!("{field}: expected invalid input, got {other:?}"),
    };
    invalid(app.open_ticket_with(&staff, open_cmd(&f, Privacy::Public), six.clone()).await.map(|_| ()), "attachments");
    invalid(
        app.open_ticket_with(&staff, open_cmd(&f, Privacy::Public), big.clone()).await.map(|_| ()),
        "attachments[0]",
    );
    invalid(
        app.open_ticket_with(&staff, open_cmd(&f, Privacy::Public), vec![upload("empty", "", b"")]).await.map(|_| ()),
        "attachments[0]",
    );
    invalid(
        app.add_article_with(&staff, ticket.id, "six".into(), false, Channel::Web, six).await.map(|_| ()),
        "attachments",
    );
    invalid(
        app.add_article_with(&staff, ticket.id, "big".into(), true, Channel::Web, big).await.map(|_| ()),
        "attachments[0]",
    );
    let denied = app.open_ticket_with(&community, open_cmd(&f, Privacy::Public), vec![small()]).await;
    assert!(matches!(denied, Err(AppError::Forbidden(_))), "community users attach no files: {denied:?}");
    let denied = app.add_article_with(&community, ticket.id, "mine".into(), false, Channel::Web, vec![small()]).await;
    assert!(matches!(denied, Err(AppError::Forbidden(_))), "{denied:?}");
    assert_eq!(snapshot(f.server.store()).await, before, "no ticket, article, file or history was written");
    // Five files of the largest size are fine.
    let five: Vec<NewUpload> =
        (0..5).map(|i| upload(&format!("f{i}.bin"), "", &vec![i as u8; MAX_ATTACHMENT_BYTES])).collect();
    app.add_article_with(&staff, ticket.id, "five".into(), false, Channel::Web, five).await.expect("five files");
    assert_eq!(app.attachments(&staff, ticket.id).await.expect("list").len(), 5);
}

#[tokio::test]
async fn the_api_takes_files_with_a_ticket_and_an_article_within_the_pages_limits() {
    let f = Fixture::new().await;
    let (_, sam) = f.supporter(&crate::common::unique_address("sam"), f.first_line).await;
    let (_, ann) = f.server.account(&crate::common::unique_address("ann"), &[Role::Community]).await;
    let files =
        |n: usize| (0..n).map(|i| (["a.log", "b.log", "c.log", "d.log", "e.log", "f.log"][i], b"line\n".to_vec()));
    let opened = f.server.post_files("/api/v1/tickets", &f.admin, &f.ticket(json!({})), files(2).collect()).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{:?}", opened.body);
    let id = opened.body["id"].as_i64().expect("an id");
    let listed = f.server.get(&format!("/api/v1/tickets/{id}/attachments"), &f.admin).await.body;
    let names: Vec<&str> = listed.as_array().expect("a list").iter().filter_map(|a| a["filename"].as_str()).collect();
    assert_eq!(names, ["a.log", "b.log"], "{listed}");

    let reply = json!({"body": "Here is the trace.", "internal": false});
    let added = f
        .server
        .post_files(&format!("/api/v1/tickets/{id}/articles"), &sam, &reply, vec![("trace.txt", b"trace".to_vec())])
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{:?}", added.body);
    let listed = f.server.get(&format!("/api/v1/tickets/{id}/attachments"), &f.admin).await.body;
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");

    let before = snapshot(f.server.store()).await;
    let articles = format!("/api/v1/tickets/{id}/articles");
    let too_many = f.server.post_files(&articles, &sam, &reply, files(6).collect()).await;
    assert_problem(&too_many, StatusCode::UNPROCESSABLE_ENTITY);
    let too_large = vec![("big.bin", vec![0u8; MAX_ATTACHMENT_BYTES + 1])];
    assert_problem(&f.server.post_files(&articles, &sam, &reply, too_large).await, StatusCode::PAYLOAD_TOO_LARGE);
    // A community user may reply, not attach files.
    assert_problem(&f.server.post_files(&articles, &ann, &reply, files(1).collect()).await, StatusCode::FORBIDDEN);
    let not_json = f.server.post_files(&articles, &sam, &json!("not an article"), files(1).collect()).await;
    assert_problem(&not_json, StatusCode::UNPROCESSABLE_ENTITY);
    let form = reqwest::multipart::Form::new().text("note", "no body part");
    let odd = reqwest::Client::new().post(format!("{}{articles}", f.server.url)).bearer_auth(&sam).multipart(form);
    assert_eq!(odd.send().await.expect("an answer").status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(snapshot(f.server.store()).await, before, "refusals write nothing");
}
