//! Zammad, through its REST API (which the EOSC helpdesk and GGUS run on), or any system that
//! speaks it, such as another Helpdesk's Zammad face. Zammad's webhooks need its own triggers
//! set up by hand, so its changes are followed by polling: the tickets changed since the last
//! look (newest first), and the articles of each.

use async_trait::async_trait;
use helpdesk_app::sync::{EventChange, EventReply, ExternalSystem, Pulled, PulledEvent, RemoteArticle, SyncEvent};
use helpdesk_domain::connector::{ConnectorSettings, Credentials};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::OnceCell;

use crate::http::{refused, unreachable};

/// Tickets read per page when following changes.
const PAGE: usize = 50;

/// The client of one Zammad group.
pub(crate) struct Zammad {
    client: reqwest::Client,
    base: String,
    group: String,
    token: String,
    /// Zammad's id of the connector's own account, to tell its echoes.
    me: OnceCell<i64>,
}

impl Zammad {
    pub(crate) fn new(
        client: reqwest::Client,
        settings: &ConnectorSettings,
        credentials: Credentials,
    ) -> Result<Zammad, String> {
        Ok(Zammad {
            client,
            base: settings.url.trim_end_matches('/').to_owned(),
            group: settings.queue.clone(),
            token: credentials.secret.ok_or("Zammad needs an API token")?,
            me: OnceCell::new(),
        })
    }

    fn what(&self) -> String {
        format!("Zammad at {}", self.base)
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let mut request = self
            .client
            .request(method.clone(), format!("{}/api/v1/{path}", self.base))
            .header(reqwest::header::AUTHORIZATION, format!("Token token={}", self.token));
        if let Some(body) = body {
            request = request.json(body);
        }
        let answer = request.send().await.map_err(|e| unreachable(&self.what(), &e))?;
        match answer.status().as_u16() {
            200..=299 => answer.json().await.map_err(|e| format!("{} answered what is not JSON: {e}", self.what())),
            401 => Err(format!("{} refused the API token", self.what())),
            _ => Err(refused(&format!("{} ({method} {path})", self.what()), answer).await),
        }
    }

    async fn me(&self) -> Result<i64, String> {
        self.me
            .get_or_try_init(|| async {
                let me = self.call(reqwest::Method::GET, "users/me", None).await?;
                me["id"].as_i64().ok_or_else(|| format!("{} did not say who the token belongs to", self.what()))
            })
            .await
            .copied()
    }
}

/// Files as Zammad takes them with an article: base64 data with a name and a type.
fn attachments(files: &[helpdesk_app::sync::EventFile]) -> Value {
    Value::Array(
        files.iter().map(|f| json!({"filename": f.filename, "data": f.data, "mime-type": f.content_type})).collect(),
    )
}

fn stamp(v: &Value) -> Option<OffsetDateTime> {
    v.as_str().and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

#[async_trait]
impl ExternalSystem for Zammad {
    async fn check(&self) -> Result<String, String> {
        let me = self.call(reqwest::Method::GET, "users/me", None).await?;
        let login = me["login"].as_str().or(me["email"].as_str()).unwrap_or("?").to_owned();
        let groups = self.call(reqwest::Method::GET, "groups?per_page=100", None).await?;
        let found = groups.as_array().into_iter().flatten().any(|g| g["name"].as_str() == Some(self.group.as_str()));
        if found {
            Ok(format!("signed in to Zammad as '{login}'; group '{}' found", self.group))
        } else {
            Err(format!("signed in to Zammad as '{login}', but there is no group '{}'", self.group))
        }
    }

    async fn send(&self, remote: Option<&str>, event: &SyncEvent) -> Result<EventReply, String> {
        match (&event.change, remote) {
            (EventChange::TicketCreated(t), _) => {
                let body = crate::http::ticket_text(t);
                let mut ticket = json!({
                    "title": t.title,
                    "group": self.group,
                    "customer": format!("guess:{}", t.requester_email),
                    "article": {"subject": t.title, "body": body, "type": "note", "internal": false, "content_type": "text/plain"},
                });
                if !t.attachments.is_empty() {
                    ticket["article"]["attachments"] = attachments(&t.attachments);
                }
                if let Some(p) = &t.priority {
                    ticket["priority"] = json!(p);
                }
                if let Some(s) = &t.status {
                    ticket["state"] = json!(s);
                }
                let made = self.call(reqwest::Method::POST, "tickets", Some(&ticket)).await?;
                let id =
                    id_text(&made["id"]).ok_or_else(|| format!("{} did not say which ticket it made", self.what()))?;
                Ok(EventReply { url: Some(format!("{}/#ticket/zoom/{id}", self.base)), id })
            }
            (_, None) => Err("the ticket has no id in Zammad yet".into()),
            (EventChange::ArticleCreated { article }, Some(id)) => {
                let mut body = json!({
                    "ticket_id": id.parse::<i64>().unwrap_or_default(),
                    "body": format!("{} wrote in Helpdesk:\n\n{}", article.author, article.body),
                    "type": "note",
                    "internal": article.internal,
                    "content_type": "text/plain",
                });
                if !article.attachments.is_empty() {
                    body["attachments"] = attachments(&article.attachments);
                }
                let made = self.call(reqwest::Method::POST, "ticket_articles", Some(&body)).await?;
                Ok(EventReply { id: id_text(&made["id"]).unwrap_or_default(), url: None })
            }
            (EventChange::Status { value, .. }, Some(id)) => {
                self.call(reqwest::Method::PUT, &format!("tickets/{id}"), Some(&json!({"state": value}))).await?;
                Ok(EventReply::default())
            }
            (EventChange::Priority { value }, Some(id)) => {
                self.call(reqwest::Method::PUT, &format!("tickets/{id}"), Some(&json!({"priority": value}))).await?;
                Ok(EventReply::default())
            }
        }
    }

    async fn pull(&self, cursor: Option<&str>) -> Result<Option<Pulled>, String> {
        let Some(since) = cursor.and_then(|c| OffsetDateTime::parse(c, &Rfc3339).ok()) else {
            // The first poll starts from the latest change there, by Zammad's own clock: what it
            // held before is not ours, and what comes later is stamped later.
            let path = "tickets?sort_by=updated_at&order_by=desc&per_page=1&page=1";
            let newest = self.call(reqwest::Method::GET, path, None).await?;
            let start = newest.get(0).and_then(|t| stamp(&t["updated_at"])).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            return Ok(Some(Pulled {
                events: Vec::new(),
                cursor: start.format(&Rfc3339).unwrap_or_default(),
                more: false,
            }));
        };
        let me = self.me().await?;
        let mut events = Vec::new();
        let mut newest = since;
        'pages: for page in 1..=20 {
            let path = format!("tickets?sort_by=updated_at&order_by=desc&expand=true&per_page={PAGE}&page={page}");
            let tickets = self.call(reqwest::Method::GET, &path, None).await?;
            let tickets = tickets.as_array().cloned().unwrap_or_default();
            for ticket in &tickets {
                let Some(updated) = stamp(&ticket["updated_at"]) else { continue };
                // Changes made within the same second as the cursor are read again: applying one
                // twice changes nothing, missing one would.
                if updated < since {
                    break 'pages;
                }
                newest = newest.max(updated);
                let Some(id) = id_text(&ticket["id"]) else { continue };
                let articles = self
                    .call(reqwest::Method::GET, &format!("ticket_articles/by_ticket/{id}?expand=true"), None)
                    .await?;
                for a in articles.as_array().into_iter().flatten() {
                    let Some(article_id) = id_text(&a["id"]).filter(|i| i != "0") else { continue };
                    let by_us = a["created_by_id"].as_i64() == Some(me);
                    let at = stamp(&a["created_at"]).unwrap_or(updated);
                    if at < since {
                        continue;
                    }
                    let change = EventChange::ArticleCreated {
                        article: RemoteArticle {
                            id: article_id.clone(),
                            body: a["body"].as_str().unwrap_or_default().to_owned(),
                            internal: a["internal"].as_bool().unwrap_or(false),
                            author: a["from"].as_str().unwrap_or("someone").to_owned(),
                            attachments: Vec::new(),
                        },
                    };
                    events.push(PulledEvent {
                        event: SyncEvent { id: article_id, at, ticket: id.clone(), to_ticket: None, change },
                        by_us,
                    });
                }
                for (field, change) in [
                    (
                        "state",
                        ticket["state"].as_str().map(|v| EventChange::Status { value: v.to_owned(), resolution: None }),
                    ),
                    ("priority", ticket["priority"].as_str().map(|v| EventChange::Priority { value: v.to_owned() })),
                ] {
                    if let Some(change) = change {
                        let event = SyncEvent {
                            id: format!("{id}-{field}-{}", ticket["updated_at"]),
                            at: updated,
                            ticket: id.clone(),
                            to_ticket: None,
                            change,
                        };
                        events.push(PulledEvent { event, by_us: false });
                    }
                }
            }
            if tickets.len() < PAGE {
                break;
            }
        }
        events.sort_by_key(|e| e.event.at);
        let cursor = newest.format(&Rfc3339).map_err(|e| format!("cannot write the cursor: {e}"))?;
        Ok(Some(Pulled { events, cursor, more: false }))
    }
}
