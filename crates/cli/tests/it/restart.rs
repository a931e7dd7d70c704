//! A node killed in the middle of its work (a mail being sent, a change being pushed) takes that
//! work back as soon as it is started again, rather than when the claims of the killed process
//! run out (five minutes for a job, two for a link).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::common::{Node, created, eventually};

/// A server that takes connections and answers nothing while `hang` holds, then `answer`.
struct Stuck {
    port: u16,
    accepted: Arc<AtomicUsize>,
    hang: Arc<AtomicBool>,
}

impl Stuck {
    async fn start(answer: &'static [u8]) -> Stuck {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let port = listener.local_addr().expect("an address").port();
        let (accepted, hang) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(true)));
        let (count, hanging) = (accepted.clone(), hang.clone());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                if hanging.load(Ordering::SeqCst) {
                    held.push(stream);
                } else {
                    let _ = stream.write_all(answer).await;
                }
            }
        });
        Stuck { port, accepted, hang }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_killed_while_sending_a_mail_and_pushing_a_change_takes_both_back_when_started_again() {
    let hook =
        Stuck::start(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
    let smtp = Stuck::start(b"421 closing\r\n").await;
    let mut node = Node::start().await;
    // A unit working in another system that takes the connection and never answers.
    let unit = created(
        node.call(
            Method::POST,
            "/api/v1/units",
            Some(json!({"name": "Elsewhere", "level": 2, "email": "elsewhere@example.org", "integration": "external"})),
        )
        .await,
    );
    let connector = json!({"kind": "webhook", "url": format!("http://127.0.0.1:{}/hook", hook.port), "queue": "",
        "credentials": {"signing_key": "a key of at least sixteen characters"}});
    let answer = node.call(Method::PUT, &format!("/api/v1/units/{unit}/connector"), Some(connector)).await;
    assert_eq!(answer.status, reqwest::StatusCode::OK, "{:?}", answer.body);
    let category = created(
        node.call(Method::POST, "/api/v1/categories", Some(json!({"name": "Far", "default_unit": unit}))).await,
    );
    // The node sends through a mail server that never greets: mails and the push both hang.
    node.kill();
    node.resume_with(&["--smtp-url", &format!("smtp://127.0.0.1:{}", smtp.port)]);
    let body = json!({"title": "Stuck twice", "description": "x", "category": category, "type": "incident",
        "privacy": "public"});
    let ticket = created(node.call(Method::POST, "/api/v1/tickets", Some(body)).await);
    eventually("the node to hold a mail and a push", Duration::from_secs(30), || async {
        (hook.accepted.load(Ordering::SeqCst) > 0 && smtp.accepted.load(Ordering::SeqCst) > 0).then_some(())
    })
    .await;

    // Killed now, it is started again (its mail now going to its outbox, the other system now
    // answering): both are done again within seconds, not minutes.
    node.kill();
    hook.hang.store(false, Ordering::SeqCst);
    node.resume();
    let outbox = node.data_dir().join("outbox");
    eventually("the mail to be sent again", Duration::from_secs(30), || async {
        let files = std::fs::read_dir(&outbox).ok()?.count();
        (files > 0).then_some(())
    })
    .await;
    eventually("the push to be tried again", Duration::from_secs(30), || async {
        let link = node.get_ok(&format!("/api/v1/tickets/{ticket}/external")).await?;
        link["last_error"].as_str().is_some_and(|e| e.contains("503")).then_some(())
    })
    .await;
}
