//! `helpdesk bench sync`: how fast a reply travels from one side to the other (another Helpdesk,
//! and RT with `--rt`), and how fast tickets escalated all at once reach the other Helpdesk,
//! none lost and none doubled. It starts two `helpdesk serve` processes of its own, each with the
//! other as the connector of an external-mode unit, on fresh SQLite databases.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::server::OwnServer;

/// Options of the sync benchmark.
#[derive(Args)]
pub struct SyncBench {
    /// Replies timed in each direction between the two Helpdesks.
    #[arg(long, default_value_t = 100)]
    replies: usize,
    /// Tickets escalated at once to the other Helpdesk.
    #[arg(long, default_value_t = 1000)]
    tickets: usize,
    /// Also time RT at this address (its connector signs in as bench/rt-sync-user.sh's account).
    #[arg(long)]
    rt: Option<String>,
    /// Replies timed in each direction with RT.
    #[arg(long, default_value_t = 20)]
    rt_replies: usize,
    /// How often RT is polled, in seconds.
    #[arg(long, default_value_t = 2)]
    rt_poll_seconds: u32,
    /// Longest wait for any one change or for the escalation, in seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

/// One side: a server and its admin's token.
struct Side<'a> {
    server: &'a OwnServer,
    client: reqwest::Client,
}

impl Side<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut request =
            self.client.request(method.clone(), format!("{}{path}", self.server.url)).bearer_auth(&self.server.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.with_context(|| format!("{method} {path}"))?;
        let status = answer.status();
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{method} {path} answered {status}: {body}");
        }
        Ok(body)
    }

    /// An external-mode unit (or a direct one) and a category routed to it.
    async fn unit(&self, name: &str, integration: &str) -> anyhow::Result<(i64, i64)> {
        let unit = self
            .call(
                Method::POST,
                "/api/v1/units",
                Some(json!({"name": name, "level": 2, "email": "bench@example.org", "integration": integration})),
            )
            .await?;
        let unit = unit["id"].as_i64().context("a unit id")?;
        let category = self
            .call(
                Method::POST,
                "/api/v1/categories",
                Some(json!({"name": format!("{name} tickets"), "default_unit": unit})),
            )
            .await?;
        Ok((unit, category["id"].as_i64().context("a category id")?))
    }

    async fn open(&self, category: i64, title: &str) -> anyhow::Result<i64> {
        let body = json!({"title": title, "description": "Opened by the sync benchmark.", "category": category,
            "type": "incident", "privacy": "public"});
        self.call(Method::POST, "/api/v1/tickets", Some(body)).await?["id"].as_i64().context("a ticket id")
    }

    /// Posts a reply; returns when it was committed.
    async fn reply(&self, ticket: i64, body: &str) -> anyhow::Result<OffsetDateTime> {
        let made = self
            .call(
                Method::POST,
                &format!("/api/v1/tickets/{ticket}/articles"),
                Some(json!({"body": body, "internal": false})),
            )
            .await?;
        stamp(&made["created_at"])
    }

    /// When the article holding `text` was committed, once there is one.
    async fn arrived(&self, ticket: i64, text: &str, deadline: Instant) -> anyhow::Result<OffsetDateTime> {
        loop {
            let first = self.call(Method::GET, &format!("/api/v1/tickets/{ticket}/articles?per_page=1"), None).await?;
            let total = first["total"].as_i64().unwrap_or(0);
            let last_page = (total.max(1) - 1) / 100 + 1;
            let page = self
                .call(Method::GET, &format!("/api/v1/tickets/{ticket}/articles?per_page=100&page={last_page}"), None)
                .await?;
            let found = page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|a| a["body"].as_str().is_some_and(|b| b.contains(text)));
            if let Some(article) = found {
                return stamp(&article["created_at"]);
            }
            if Instant::now() > deadline {
                bail!("'{text}' did not arrive at {} in time", self.server.url);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The other side's id of a ticket, once it is there and in step.
    async fn linked(&self, ticket: i64, deadline: Instant) -> anyhow::Result<String> {
        loop {
            if let Ok(link) = self.call(Method::GET, &format!("/api/v1/tickets/{ticket}/external"), None).await
                && link["state"] == "in_step"
                && let Some(id) = link["external_id"].as_str()
            {
                return Ok(id.to_owned());
            }
            if Instant::now() > deadline {
                bail!("ticket #{ticket} did not reach the other side in time");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn stamp(v: &Value) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(v.as_str().context("a timestamp")?, &Rfc3339).context("an RFC 3339 timestamp")
}

fn millis(d: time::Duration) -> f64 {
    d.as_seconds_f64() * 1000.0
}

/// Prints p50, p99 and max of `samples` (milliseconds) with `what`.
fn print_latencies(what: &str, mut samples: Vec<f64>, target: &str) {
    samples.sort_by(f64::total_cmp);
    let at =
        |p: f64| samples.get(((p / 100.0) * (samples.len() as f64 - 1.0)).round() as usize).copied().unwrap_or(0.0);
    println!(
        "{what}: {} replies, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (target: {target})",
        samples.len(),
        at(50.0),
        at(99.0),
        samples.last().copied().unwrap_or(0.0)
    );
}

/// Runs the benchmark.
pub async fn run(args: SyncBench) -> anyhow::Result<()> {
    let base = std::env::temp_dir().join(format!("helpdesk-bench-sync-{}", std::process::id()));
    let outcome = measure(&args, &base).await;
    let _ = std::fs::remove_dir_all(&base);
    outcome
}

async fn measure(args: &SyncBench, base: &std::path::Path) -> anyhow::Result<()> {
    let wait = Duration::from_secs(args.timeout);
    let a_server = OwnServer::start_with(&Some(base.join("a")), None, &[]).await?;
    let b_server = OwnServer::start_with(&Some(base.join("b")), None, &[]).await?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let a = Side { server: &a_server, client: client.clone() };
    let b = Side { server: &b_server, client: client.clone() };
    let (a_unit, a_category) = a.unit("Mirrored at B", "external").await?;
    let (b_unit, _) = b.unit("Mirrored at A", "external").await?;
    let key = format!("the sync benchmark key {}{}", nonce(), nonce());
    for (side, unit, other, other_unit) in [(&a, a_unit, &b, b_unit), (&b, b_unit, &a, a_unit)] {
        let body = json!({"kind": "helpdesk", "url": other.server.url, "queue": other_unit.to_string(),
            "credentials": {"signing_key": key}});
        side.call(Method::PUT, &format!("/api/v1/units/{unit}/connector"), Some(body)).await?;
    }
    println!("Two Helpdesks at {} and {}, each the other's connector", a.server.url, b.server.url);

    // Replies one at a time, each way: from its commit on one side to its commit on the other.
    let at_a = a.open(a_category, "Replies travel").await?;
    let at_b: i64 = a.linked(at_a, Instant::now() + wait).await?.parse().context("B's ticket number")?;
    for (from, to, from_ticket, to_ticket, what) in
        [(&a, &b, at_a, at_b, "Helpdesk A to Helpdesk B"), (&b, &a, at_b, at_a, "Helpdesk B to Helpdesk A")]
    {
        let mut samples = Vec::with_capacity(args.replies);
        for i in 0..args.replies {
            let text = format!("{what}, reply {i} {}", nonce());
            let sent = from.reply(from_ticket, &text).await?;
            let got = to.arrived(to_ticket, &text, Instant::now() + wait).await?;
            samples.push(millis(got - sent));
        }
        print_latencies(what, samples, "p99 at most 1 s");
    }

    // Escalation at once: tickets opened in a direct unit, then all moved to the external one.
    let (_, direct_category) = a.unit("1st line", "direct").await?;
    println!("Opening {} tickets at A in a direct unit", args.tickets);
    let tickets = in_parallel(args.tickets, |i| {
        let a = &a;
        async move { a.open(direct_category, &format!("Escalated {i}")).await }
    })
    .await?;
    let started = Instant::now();
    let moved = in_parallel(tickets.len(), |i| {
        let (a, ticket) = (&a, tickets[i]);
        async move {
            a.call(Method::PATCH, &format!("/api/v1/tickets/{ticket}"), Some(json!({"unit": a_unit}))).await.map(|_| ())
        }
    })
    .await?;
    let escalated = started.elapsed();
    let expected = tickets.len() as i64 + 1;
    let deadline = Instant::now() + wait;
    loop {
        let page = a.call(Method::GET, &format!("/api/v1/sync?unit={a_unit}&per_page=1"), None).await?;
        let first = &page["items"][0];
        if page["total"].as_i64() == Some(expected) && first["state"] == "in_step" {
            break;
        }
        if Instant::now() > deadline {
            bail!("the escalated tickets were not all in step within {} s: {page}", args.timeout);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let synced = started.elapsed();
    let at_b_total = b.call(Method::GET, "/api/v1/tickets?per_page=1", None).await?["total"].as_i64().unwrap_or(-1);
    println!(
        "Escalation of {} tickets at once: the moves took {:.2} s; all in step at B after {:.2} s ({:.0} tickets/s); \
         B holds {at_b_total} tickets for {expected} sent (lost or doubled: {})",
        moved.len(),
        escalated.as_secs_f64(),
        synced.as_secs_f64(),
        moved.len() as f64 / synced.as_secs_f64(),
        at_b_total - expected
    );
    if at_b_total != expected {
        bail!("B holds {at_b_total} tickets where {expected} were sent");
    }
    if let Some(rt) = &args.rt {
        rt_round_trip(args, &a, rt, wait).await?;
    }
    Ok(())
}

/// Runs `count` calls of `work`, 8 at a time; returns their results in order.
async fn in_parallel<T, F, Fut>(count: usize, work: F) -> anyhow::Result<Vec<T>>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    use futures::StreamExt;
    let results: Vec<anyhow::Result<T>> = futures::stream::iter((0..count).map(work)).buffered(8).collect().await;
    results.into_iter().collect()
}

fn nonce() -> String {
    format!("{:08x}", rand::random::<u32>())
}

/// Replies from A to RT and from RT to A, one at a time.
async fn rt_round_trip(args: &SyncBench, a: &Side<'_>, rt: &str, wait: Duration) -> anyhow::Result<()> {
    let rt = rt.trim_end_matches('/');
    let (unit, category) = a.unit("RT queue General", "external").await?;
    let body = json!({"kind": "rt", "url": rt, "queue": "General", "poll_seconds": args.rt_poll_seconds,
        "credentials": {"user": "helpdesk-sync", "secret": "helpdesk-sync-password"}});
    a.call(Method::PUT, &format!("/api/v1/units/{unit}/connector"), Some(body)).await?;
    let ticket = a.open(category, "Replies travel to RT").await?;
    let remote = a.linked(ticket, Instant::now() + wait).await?;
    let root = crate::session::rt_session(rt, "root", "password").await?;
    let target = format!("within the poll interval ({} s) plus 1 s", args.rt_poll_seconds);

    let mut to_rt = Vec::new();
    for i in 0..args.rt_replies {
        let text = format!("to RT {i} {}", nonce());
        let sent = a.reply(ticket, &text).await?;
        let deadline = Instant::now() + wait;
        loop {
            if rt_has(&root, rt, &remote, &text).await? {
                break;
            }
            if Instant::now() > deadline {
                bail!("'{text}' did not reach RT in time");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        to_rt.push(millis(OffsetDateTime::now_utc() - sent));
    }
    print_latencies("Helpdesk to RT (seen in RT's history)", to_rt, "as soon as pushed");

    let mut from_rt = Vec::new();
    for i in 0..args.rt_replies {
        let text = format!("from RT {i} {}", nonce());
        let answer = root
            .post(format!("{rt}/REST/2.0/ticket/{remote}/correspond"))
            .json(&json!({"Content": text, "ContentType": "text/plain"}))
            .send()
            .await?;
        if !answer.status().is_success() {
            bail!("RT refused the reply: {}", answer.status());
        }
        let sent = OffsetDateTime::now_utc();
        let got = a.arrived(ticket, &text, Instant::now() + wait).await?;
        from_rt.push(millis(got - sent));
    }
    print_latencies("RT back to Helpdesk", from_rt, &target);
    Ok(())
}

/// Whether RT's ticket has a reply holding `text`.
async fn rt_has(client: &reqwest::Client, rt: &str, ticket: &str, text: &str) -> anyhow::Result<bool> {
    let history: Value = client
        .get(format!("{rt}/REST/2.0/ticket/{ticket}/history?fields=Type&per_page=100&page=1&order=DESC&orderby=id"))
        .send()
        .await?
        .json()
        .await?;
    for item in history["items"].as_array().into_iter().flatten().filter(|i| i["Type"] == "Correspond").take(3) {
        let id = item["id"].as_str().unwrap_or_default();
        let parts: Value = client
            .get(format!("{rt}/REST/2.0/transaction/{id}/attachments?fields=Content"))
            .send()
            .await?
            .json()
            .await?;
        if parts["items"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["Content"].as_str().is_some_and(|c| c.contains(text)))
        {
            return Ok(true);
        }
    }
    Ok(false)
}
