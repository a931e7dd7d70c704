//! The HTTP server against slow and hostile clients: heads too large, heads and bodies that
//! never finish, idle connections, and a thousand slow clients against the open files a
//! service gets by default.

use std::time::Duration;

use helpdesk_domain::account::Role;
use helpdesk_web::ServerLimits;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{Options, ServeProcess, TestServer, snapshot};

/// Short limits, so that the timeouts show within a test.
fn quick() -> ServerLimits {
    ServerLimits { header_timeout: Duration::from_secs(1), body_timeout: Duration::from_secs(1), ..Default::default() }
}

fn address(url: &str) -> &str {
    url.trim_start_matches("http://")
}

/// Sends `bytes` on a new connection (the server may stop reading midway), then reads what it
/// answers until it closes the connection.
async fn exchange(url: &str, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(address(url)).await.expect("a connection");
    let _ = stream.write_all(bytes).await;
    read_to_close(&mut stream).await
}

/// What the server sends until it closes the connection; fails the test if it keeps it open
/// for half a minute.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return String::from_utf8_lossy(&answer).into_owned(),
            Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
            Err(_) => panic!("the server kept the connection open: {}", String::from_utf8_lossy(&answer)),
        }
    }
}

#[tokio::test]
async fn a_request_head_past_32_kib_is_refused_with_431() {
    let server = TestServer::start().await;
    for (padding, status) in [(16 * 1024, "HTTP/1.1 200"), (100 * 1024, "HTTP/1.1 431")] {
        let head = format!(
            "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Padding: {}\r\nConnection: close\r\n\r\n",
            "a".repeat(padding)
        );
        let answer = exchange(&server.url, head.as_bytes()).await;
        assert!(answer.starts_with(status), "{padding} bytes of header: {answer:.200}");
    }
}

#[tokio::test]
async fn a_head_never_finished_and_an_idle_connection_are_closed_after_the_header_timeout() {
    let server = TestServer::start_with(Options { limits: quick(), ..Options::default() }).await;
    // Half a head, then nothing: closed without an answer.
    let answer = exchange(&server.url, b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ").await;
    assert!(!answer.contains("200 OK"), "{answer}");
    // A request answered, then the connection kept idle: closed.
    let mut stream = TcpStream::connect(address(&server.url)).await.expect("a connection");
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").await.expect("sent");
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok\n"), "answered, then closed: {answer}");
}

#[tokio::test]
async fn a_body_that_stops_coming_fails_its_request_and_writes_nothing() {
    let server = TestServer::start_with(Options { limits: quick(), ..Options::default() }).await;
    let (_, token) = server.account("stalls@example.org", &[Role::Staff]).await;
    let before = snapshot(server.store()).await;
    let body = json!({"title": "Never finished", "description": "x"}).to_string();
    let head = format!(
        "POST /api/v1/tickets HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len() + 100
    );
    let answer = exchange(&server.url, format!("{head}{body}").as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 4"), "refused: {answer}");
    assert_eq!(snapshot(server.store()).await, before, "nothing written");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_slow_clients_lock_nobody_out_of_a_server_with_1024_open_files() {
    // The test itself holds a thousand connections.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let data = tempfile::tempdir().expect("a data directory");
    let log_path = data.path().join("serve.log");
    let log = std::fs::File::create(&log_path).expect("a log file");
    let args = vec!["--data".to_owned(), data.path().display().to_string()];
    let server = ServeProcess::start_with_open_files(1024, &args, log);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.pid())).expect("the server's limits");
    let open_files = limits.lines().find(|l| l.starts_with("Max open files")).unwrap_or_default();
    assert_eq!(open_files.split_whitespace().nth(3), Some("1024"), "{open_files}");

    // A thousand clients send half a head each, then nothing: more than the server has room
    // for besides its database and index files.
    let mut slow = Vec::new();
    for _ in 0..1000 {
        let mut stream = TcpStream::connect(address(&server.url)).await.expect("a connection");
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ").await.expect("half a head");
        slow.push(stream);
    }
    // Someone else still gets in: at the latest when the slow ones' header timeout ends them.
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("a client");
    let answer = client.get(format!("{}/healthz", server.url)).send().await.expect("an answer");
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    // Every slow connection is closed by the server, none answered as if complete.
    let closed = futures::future::join_all(slow.iter_mut().map(read_to_close)).await;
    assert!(closed.iter().all(|answer| !answer.contains("200 OK")), "no half head answered as a request");
    let answer = client.get(format!("{}/healthz", server.url)).send().await.expect("an answer");
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    drop(server);
    let log = std::fs::read_to_string(&log_path).expect("the server's log");
    assert!(!log.contains("Too many open files") && !log.contains("accepting a connection failed"), "{log}");
}

#[tokio::test]
async fn a_server_started_with_a_low_soft_limit_raises_it_to_the_hard_one() {
    let data = tempfile::tempdir().expect("a data directory");
    let log = std::fs::File::create(data.path().join("serve.log")).expect("a log file");
    let hard = rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(_, hard)| hard).expect("the limits");
    if hard <= 1024 {
        crate::common::say_not_run("raising the open-files limit", "a hard limit above 1,024");
        return;
    }
    let args = vec!["--data".to_owned(), data.path().display().to_string()];
    let server = ServeProcess::start_with_soft_open_files(1024, &args, log);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.pid())).expect("the server's limits");
    let open_files: Vec<&str> =
        limits.lines().find(|l| l.starts_with("Max open files")).unwrap_or_default().split_whitespace().collect();
    assert_eq!(open_files.get(3), open_files.get(4), "soft limit raised to the hard one: {open_files:?}");
    assert_ne!(open_files.get(3), Some(&"1024"), "{open_files:?}");
}

/// A browser's cookies for a person signed in to the pages, and the CSRF token of their forms.
async fn signed_in(server: &TestServer, email: &str, roles: &[Role]) -> (String, String) {
    server.account(email, roles).await;
    let system = helpdesk_domain::policy::Actor::system();
    server.app.set_password(&system, email, "a long enough password").await.expect("a password");
    let session = server.app.login(email, "a long enough password", None).await.expect("a session");
    let csrf = "c".repeat(64);
    (format!("hd_session={}; hd_csrf={csrf}", session.token), csrf)
}

/// The head of a multipart POST of `length` bytes with `cookies`.
fn multipart_head(path: &str, cookies: &str, length: u64) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: t\r\nCookie: {cookies}\r\nConnection: close\r\n\
         Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: {length}\r\n\r\n"
    )
}

fn part(name: &str, filename: Option<&str>, value: &str) -> String {
    let filename = filename.map(|f| format!("; filename=\"{f}\"")).unwrap_or_default();
    format!("--XYZ\r\nContent-Disposition: form-data; name=\"{name}\"{filename}\r\n\r\n{value}\r\n")
}

#[tokio::test]
async fn a_form_with_files_is_refused_before_its_body_is_read_when_its_sender_may_not_send_it() {
    let server = TestServer::start().await;
    let (cookies, csrf) = signed_in(&server, "uploads@example.org", &[Role::Staff]).await;
    let before = snapshot(server.store()).await;
    let huge = 200 * 1024 * 1024;
    // Each is answered with no more of the body sent than shown: the server does not wait for
    // the 200 MB declared.
    let table = [
        ("nobody signed in", multipart_head("/tickets/new", "", huge), "HTTP/1.1 303"),
        ("a declared 200 MB", multipart_head("/tickets/new", &cookies, huge), "HTTP/1.1 413"),
        (
            "a wrong CSRF token first",
            multipart_head("/tickets/new", &cookies, 20 * 1024 * 1024)
                + &part("csrf", None, &"d".repeat(64))
                + "--XYZ\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"big.bin\"\r\n\r\n",
            "HTTP/1.1 403",
        ),
        (
            "a file before the CSRF token",
            multipart_head("/tickets/new", &cookies, 20 * 1024 * 1024)
                + &part("attachments", Some("big.bin"), "first bytes of many"),
            "HTTP/1.1 403",
        ),
        (
            "a reply, declared 200 MB",
            multipart_head("/tickets/1/reply", &cookies, huge) + &part("csrf", None, &csrf),
            "HTTP/1.1 413",
        ),
    ];
    for (what, request, status) in table {
        let answer = exchange(&server.url, request.as_bytes()).await;
        assert!(answer.starts_with(status), "{what}: {answer:.300}");
    }
    // A file past 10 MiB in a body of no declared length: held cut, and refused by the form.
    let mut body = part("csrf", None, &csrf) + &part("title", None, "Too big");
    body.push_str("--XYZ\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"big.bin\"\r\n\r\n");
    let head = "POST /tickets/new HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\
                Content-Type: multipart/form-data; boundary=XYZ\r\nTransfer-Encoding: chunked\r\n";
    let mut stream = TcpStream::connect(address(&server.url)).await.expect("a connection");
    let start = format!("{head}Cookie: {cookies}\r\n\r\n{:x}\r\n{body}\r\n", body.len());
    stream.write_all(start.as_bytes()).await.expect("sent");
    let chunk = vec![b'x'; 1024 * 1024];
    for _ in 0..11 {
        let _ = stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await;
        let _ = stream.write_all(&chunk).await;
        let _ = stream.write_all(b"\r\n").await;
    }
    let end = "\r\n--XYZ--\r\n";
    let _ = stream.write_all(format!("{:x}\r\n{end}\r\n0\r\n\r\n", end.len()).as_bytes()).await;
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 422") && answer.contains("value=\"Too big\""), "{answer:.600}");
    assert_eq!(snapshot(server.store()).await, before, "nothing written");
}

#[tokio::test]
async fn a_raw_message_declared_past_the_limit_is_refused_before_it_is_read() {
    let server = TestServer::start().await;
    let (_, token) = server.account("gateway@example.org", &[Role::MailGateway]).await;
    let before = snapshot(server.store()).await;
    let head = format!(
        "POST /api/v1/mail/inbound HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\
         Content-Type: message/rfc822\r\nContent-Length: {}\r\n\r\nFrom: a@example.org\r\n",
        200 * 1024 * 1024
    );
    let answer = exchange(&server.url, head.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413") && answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("at most 72 MiB"), "{answer}");
    assert_eq!(snapshot(server.store()).await, before, "nothing written");
}
