//! The load every benchmark shares: a unit and category to open tickets in, realistic tickets,
//! and concurrent clients creating them, with the figures of their run.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

pub(crate) async fn setup_category(client: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<i64> {
    let suffix = std::process::id();
    let unit: Value = post(
        client,
        url,
        token,
        "/api/v1/units",
        &json!({
            "name": format!("Bench 1st line {suffix}"), "level": 1, "email": "first-line@example.org"
        }),
    )
    .await?;
    let category: Value = post(client, url, token, "/api/v1/categories", &json!({
        "name": format!("Bench installation {suffix}"),
        "default_unit": unit["id"],
        "fields": [
            {"key": "version", "label": "Product version", "type": "text", "required": true},
            {"key": "os", "label": "Operating system", "type": "choice", "choices": ["Ubuntu", "RHEL", "Debian"], "required": true},
            {"key": "bits_64", "label": "64-bit hardware confirmed", "type": "bool", "required": true}
        ]
    }))
    .await?;
    category["id"].as_i64().context("the category has no id")
}

pub(crate) async fn post(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    path: &str,
    body: &Value,
) -> anyhow::Result<Value> {
    let response = client.post(format!("{url}{path}")).bearer_auth(token).json(body).send().await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("POST {path} answered {status}: {body}");
    }
    Ok(body)
}

/// Figures of one run.
pub(crate) struct Report {
    pub(crate) latencies: Vec<Duration>,
    pub(crate) errors: i64,
    pub(crate) elapsed: Duration,
}

impl Report {
    pub(crate) fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * (self.latencies.len() as f64 - 1.0)).round() as usize;
        self.latencies[rank.min(self.latencies.len() - 1)]
    }

    pub(crate) fn print(&self, clients: usize) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let done = self.latencies.len();
        println!(
            "created {done} tickets in {:.2} s with {clients} clients: {:.0} tickets/s",
            self.elapsed.as_secs_f64(),
            done as f64 / self.elapsed.as_secs_f64()
        );
        println!(
            "latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(self.percentile(50.0)),
            ms(self.percentile(90.0)),
            ms(self.percentile(99.0)),
            ms(self.percentile(100.0))
        );
        println!("errors: {}", self.errors);
    }
}

/// Creates up to `count` tickets with `clients` concurrent clients, for at most `limit`.
pub(crate) async fn load(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    category: i64,
    clients: usize,
    count: i64,
    limit: Duration,
) -> anyhow::Result<Report> {
    let remaining = Arc::new(AtomicI64::new(count));
    let started = Instant::now();
    let deadline = started + limit;
    let tasks: Vec<_> = (0..clients)
        .map(|n| {
            let (client, remaining) = (client.clone(), remaining.clone());
            let endpoint = format!("{url}/api/v1/tickets");
            let token = token.to_owned();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0i64;
                let mut i = n as i64;
                while remaining.fetch_sub(1, Ordering::Relaxed) > 0 && Instant::now() < deadline {
                    i += clients as i64;
                    let body = ticket_body(category, i);
                    let t0 = Instant::now();
                    let ok = match client.post(&endpoint).bearer_auth(&token).json(&body).send().await {
                        Ok(r) => r.status().as_u16() == 201 && r.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    if ok {
                        latencies.push(t0.elapsed());
                    } else {
                        errors += 1;
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut report = Report { latencies: Vec::new(), errors: 0, elapsed: Duration::ZERO };
    for task in futures::future::join_all(tasks).await {
        let (latencies, errors) = task.context("a client task failed")?;
        report.latencies.extend(latencies);
        report.errors += errors;
    }
    report.elapsed = started.elapsed();
    report.latencies.sort();
    Ok(report)
}

/// A realistic ticket: a title, a few paragraphs, triage answers and category fields.
pub(crate) fn ticket_body(category: i64, i: i64) -> Value {
    let systems = ["login", "storage", "compute", "network", "certificate", "portal", "accounting"];
    let system = systems[(i as usize) % systems.len()];
    json!({
        "title": format!("{system} service fails for our users (report {i})"),
        "description": format!(
            "Since this morning the {system} service answers with errors for several users of our \
             group. We tried again from two sites and with two browsers; the problem stays.\n\n\
             Steps: sign in, open the {system} page, submit the form. Expected: a confirmation. \
             Got: an error page with code 502 after about 30 seconds.\n\nThanks for looking into it."
        ),
        "category": category,
        "type": if i % 5 == 0 { "service_request" } else { "incident" },
        "privacy": "public",
        "affected_users": (i * 7) % 80,
        "service_degraded": i % 11 == 0,
        "fields": {"version": "4.5.2", "os": "Ubuntu", "bits_64": true}
    })
}
