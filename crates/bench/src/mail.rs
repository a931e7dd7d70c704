//! `bench mail`: messages handed in through the mail gateway, processed and answered.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use serde_json::{Value, json};

use crate::load::{Report, post};
use crate::server::OwnServer;

/// Options of the mail benchmark.
#[derive(Args)]
pub struct MailBench {
    /// Messages to hand in (the run also stops after --seconds).
    #[arg(long, default_value_t = 5_000)]
    messages: i64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Longest run, in seconds (posting and processing each).
    #[arg(long, default_value_t = 120)]
    seconds: u64,
    /// Deliver notifications to this SMTP server (e.g. the loopback capture of
    /// ../shared/peers/mail); without it they are written as files in the server's outbox.
    #[arg(long)]
    smtp_url: Option<String>,
}

/// Runs the mail benchmark.
pub(crate) async fn run(args: MailBench, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    let mut extra = vec!["--mail-from".to_owned(), "Helpdesk <helpdesk@bench.example.org>".to_owned()];
    if let Some(url) = &args.smtp_url {
        extra.extend(["--smtp-url".to_owned(), url.clone()]);
    }
    let server = OwnServer::start_with(data, database_url, &extra).await?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().context("an HTTP client")?;
    let unit: Value = post(
        &client,
        &server.url,
        &server.token,
        "/api/v1/units",
        &json!({
            "name": "Bench mail unit", "level": 1, "email": "unit@bench.example.org"
        }),
    )
    .await?;
    post(
        &client,
        &server.url,
        &server.token,
        "/api/v1/categories",
        &json!({
            "name": "Bench mail", "default_unit": unit["id"], "fields": []
        }),
    )
    .await?;
    let store = helpdesk_store::open(&server.location).await?;
    let outbox = server.data_dir.join("outbox");
    let files_before = count_files(&outbox);
    println!(
        "Handing in {} messages at {}/api/v1/mail/inbound with {} clients",
        args.messages, server.url, args.clients
    );
    let limit = Duration::from_secs(args.seconds);
    let started = Instant::now();
    let remaining = Arc::new(AtomicI64::new(args.messages));
    let tasks: Vec<_> = (0..args.clients)
        .map(|n| {
            let (client, remaining) = (client.clone(), remaining.clone());
            let endpoint = format!("{}/api/v1/mail/inbound", server.url);
            let token = server.token.clone();
            let clients = args.clients as i64;
            tokio::spawn(async move {
                let (mut latencies, mut errors, mut i) = (Vec::new(), 0i64, n as i64);
                while remaining.fetch_sub(1, Ordering::Relaxed) > 0 && started.elapsed() < limit {
                    i += clients;
                    let t0 = Instant::now();
                    let sent = client.post(&endpoint).bearer_auth(&token).body(bench_message(i)).send().await;
                    match sent {
                        Ok(r) if r.status().as_u16() == 202 => latencies.push(t0.elapsed()),
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut report = Report { latencies: Vec::new(), errors: 0, elapsed: Duration::ZERO };
    for task in tasks {
        let (latencies, errors) = task.await.context("a client failed")?;
        report.latencies.extend(latencies);
        report.errors += errors;
    }
    report.elapsed = started.elapsed();
    report.latencies.sort();
    let handed = report.latencies.len();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "accepted {handed} messages in {:.2} s: {:.0} messages/s (p50 {:.2} ms, p99 {:.2} ms), errors: {}",
        report.elapsed.as_secs_f64(),
        handed as f64 / report.elapsed.as_secs_f64(),
        ms(report.percentile(50.0)),
        ms(report.percentile(99.0)),
        report.errors
    );
    // Processing and delivery go on in the server's worker; watch the database until done.
    let (mut processed_at, mut delivered_at) = (None, None);
    while started.elapsed() < limit * 2 {
        let waiting =
            store.inbound_messages(Some(helpdesk_domain::mail::InboundStatus::Received), page_of_one()).await?.total;
        if waiting == 0 && processed_at.is_none() {
            processed_at = Some(started.elapsed());
        }
        let jobs = store.row_counts().await?.into_iter().find(|(t, _)| *t == "jobs").map(|(_, n)| n).unwrap_or(0);
        if waiting == 0 && jobs == 0 {
            delivered_at = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let counts = store.row_counts().await?;
    let count = |table: &str| counts.iter().find(|(t, _)| *t == table).map(|(_, n)| *n).unwrap_or(0);
    match processed_at {
        Some(at) => println!(
            "processed {handed} messages ({} tickets, {} articles) {:.2} s after the first was sent: {:.0} messages/s",
            count("tickets"),
            count("articles"),
            at.as_secs_f64(),
            handed as f64 / at.as_secs_f64()
        ),
        None => println!("processing did not finish within {} s", (limit * 2).as_secs()),
    }
    let mails = if args.smtp_url.is_some() { None } else { Some(count_files(&outbox) - files_before) };
    match (delivered_at, mails) {
        (Some(at), Some(mails)) => println!(
            "delivered {mails} notification mails (to files) {:.2} s after the first message: {:.0} mails/s",
            at.as_secs_f64(),
            mails as f64 / at.as_secs_f64()
        ),
        (Some(at), None) => println!(
            "every notification was accepted by the SMTP server {:.2} s after the first message (count them in its mailbox)",
            at.as_secs_f64()
        ),
        (None, _) => println!("delivery did not finish within {} s", (limit * 2).as_secs()),
    }
    store.close().await;
    drop(server);
    Ok(())
}

fn page_of_one() -> helpdesk_domain::paging::PageRequest {
    helpdesk_domain::paging::PageRequest { page: 1, per_page: 1 }
}

fn count_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.filter_map(Result::ok).count()).unwrap_or(0)
}

/// A message as a person writes it: one of 200 senders, one in ten an answer to an earlier
/// ticket (by its subject's tag).
fn bench_message(i: i64) -> Vec<u8> {
    let sender = (i / 3) % 200;
    let subject =
        if i % 10 == 0 { format!("Re: [Helpdesk #{}] more", 1 + (i / 10) % 50) } else { format!("Problem {i}") };
    format!(
        "From: Sender {sender} <sender{sender}@customers.example.org>\r\nTo: unit@bench.example.org\r\n\
         Subject: {subject}\r\nMessage-ID: <bench-{i}@customers.example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nThe storage element {i} answers with errors since this morning.\r\n\
         \r\nOn Mon, 23 Nov 2026, Helpdesk wrote:\r\n> earlier text\r\n"
    )
    .into_bytes()
}
