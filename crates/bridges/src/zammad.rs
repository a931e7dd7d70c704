//! Zammad, through its REST API (which the EOSC helpdesk and GGUS run on), or any system that
//! speaks it, such as another Helpdesk's Zammad face. Zammad's webhooks need its own triggers
//! set up by hand, so its changes are followed by polling: the tickets changed since the last
//! look (newest first), and the articles of each.

use async_trait::async_trait;
use helpdesk_app::sync::SystemError;
use helpdesk_app::sync::{
    EventChange, EventFile, EventReply, ExternalSystem, Pulled, PulledEvent, RemoteArticle, SyncEvent,
};
use helpdesk_domain::connector::{ConnectorSettings, Credentials};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::OnceCell;

use crate::http::{Incoming, fetch, html_text, permanent, refused, unreachable};

/// Tickets read per page when following changes.
const PAGE: usize = 50;
/// Pages read per call; the cursor records where a longer reading got to.
const PAGES_PER_PULL: u32 = 4;

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
    ) -> Result<Zammad, SystemError> {
        Ok(Zammad {
            client,
            base: settings.url.trim_end_matches('/').to_owned(),
            group: settings.queue.clone(),
            token: credentials.secret.ok_or_else(|| SystemError::permanent("Zammad needs an API token"))?,
            me: OnceCell::new(),
        })
    }

    fn what(&self) -> String {
        format!("Zammad at {}", self.base)
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Result<Value, SystemError> {
        let mut request = self
            .client
            .request(method.clone(), format!("{}/api/v1/{path}", self.base))
            .header(reqwest::header::AUTHORIZATION, self.auth());
        if let Some(body) = body {
            request = request.json(body);
        }
        let answer = request.send().await.map_err(|e| unreachable(&self.what(), &e))?;
        match answer.status().as_u16() {
            200..=299 => answer.json().await.map_err(|e| permanent!("{} answered what is not JSON: {e}", self.what())),
            401 => Err(permanent!("{} refused the API token", self.what())),
            _ => Err(refused(&format!("{} ({method} {path})", self.what()), answer).await),
        }
    }

    fn auth(&self) -> String {
        format!("Token token={}", self.token)
    }

    async fn me(&self) -> Result<i64, SystemError> {
        self.me
            .get_or_try_init(|| async {
                let me = self.call(reqwest::Method::GET, "users/me", None).await?;
                me["id"].as_i64().ok_or_else(|| permanent!("{} did not say who the token belongs to", self.what()))
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
    async fn check(&self) -> Result<String, SystemError> {
        let me = self.call(reqwest::Method::GET, "users/me", None).await?;
        let login = me["login"].as_str().or(me["email"].as_str()).unwrap_or("?").to_owned();
        let groups = self.call(reqwest::Method::GET, "groups?per_page=100", None).await?;
        let found = groups.as_array().into_iter().flatten().any(|g| g["name"].as_str() == Some(self.group.as_str()));
        if found {
            Ok(format!("signed in to Zammad as '{login}'; group '{}' found", self.group))
        } else {
            Err(permanent!("signed in to Zammad as '{login}', but there is no group '{}'", self.group))
        }
    }

    async fn send(&self, remote: Option<&str>, event: &SyncEvent) -> Result<EventReply, SystemError> {
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
                let id = id_text(&made["id"])
                    .ok_or_else(|| permanent!("{} did not say which ticket it made", self.what()))?;
                Ok(EventReply { url: Some(format!("{}/#ticket/zoom/{id}", self.base)), id, ..EventReply::default() })
            }
            (_, None) => Err(SystemError::permanent("the ticket has no id in Zammad yet")),
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
                Ok(EventReply { id: id_text(&made["id"]).unwrap_or_default(), ..EventReply::default() })
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

    async fn pull(&self, cursor: Option<&str>) -> Result<Option<Pulled>, SystemError> {
        let Some(at) = cursor.and_then(Cursor::parse) else {
            // The first poll starts from the latest change there, by Zammad's own clock: what it
            // held before is not ours, and what comes later is stamped later.
            let path = "tickets?sort_by=updated_at&order_by=desc&per_page=1&page=1";
            let newest = self.call(reqwest::Method::GET, path, None).await?;
            let start = newest.get(0).and_then(|t| stamp(&t["updated_at"])).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let cursor = Cursor::starting(start, start).to_text()?;
            return Ok(Some(Pulled { events: Vec::new(), cursor, more: false }));
        };
        let me = self.me().await?;
        let (since, mut newest) = (at.since, at.newest);
        let mut events = Vec::new();
        let mut page = at.page;
        // Newest first, a few pages a call: a long pause is read back in several calls, each
        // recorded, down to where the last look ended. A ticket changed meanwhile moves to the
        // top and pushes the others down, so a page may repeat one (harmless), never skip one.
        let reached = loop {
            let path = format!("tickets?sort_by=updated_at&order_by=desc&expand=true&per_page={PAGE}&page={page}");
            let tickets = self.call(reqwest::Method::GET, &path, None).await?;
            let tickets = tickets.as_array().cloned().unwrap_or_default();
            let mut older = false;
            for ticket in &tickets {
                let Some(updated) = stamp(&ticket["updated_at"]) else { continue };
                // Changes made within the same second as the cursor are read again: applying one
                // twice changes nothing, missing one would.
                if updated < since {
                    older = true;
                    break;
                }
                newest = newest.max(updated);
                events.extend(self.ticket_changes(ticket, updated, at.articles_since, me).await?);
            }
            if older || tickets.len() < PAGE {
                break true;
            }
            if page + 1 - at.page >= PAGES_PER_PULL {
                break false;
            }
            page += 1;
        };
        events.sort_by_key(|e| e.event.at);
        let next = if reached { Cursor::starting(newest, since) } else { Cursor { newest, page: page + 1, ..at } };
        Ok(Some(Pulled { events, cursor: next.to_text()?, more: !reached }))
    }
}

impl Zammad {
    /// What changed on one ticket: its articles since `since` (with their files), its state and
    /// its priority.
    async fn ticket_changes(
        &self,
        ticket: &Value,
        updated: OffsetDateTime,
        since: OffsetDateTime,
        me: i64,
    ) -> Result<Vec<PulledEvent>, SystemError> {
        let Some(id) = id_text(&ticket["id"]) else { return Ok(Vec::new()) };
        let mut events = Vec::new();
        let articles =
            self.call(reqwest::Method::GET, &format!("ticket_articles/by_ticket/{id}?expand=true"), None).await?;
        for a in articles.as_array().into_iter().flatten() {
            // The first article, the description of a ticket we made there, is ours (`by_us`);
            // an older Helpdesk's Zammad face listed it as article 0, written by its requester.
            let Some(article_id) = id_text(&a["id"]).filter(|i| i != "0") else { continue };
            let by_us = a["created_by_id"].as_i64() == Some(me);
            let at = stamp(&a["created_at"]).unwrap_or(updated);
            if at < since {
                continue;
            }
            let (body, attachments) = if by_us { Default::default() } else { self.files(&id, &article_id, a).await? };
            let change = EventChange::ArticleCreated {
                article: RemoteArticle {
                    id: article_id.clone(),
                    body,
                    internal: a["internal"].as_bool().unwrap_or(false),
                    author: a["from"].as_str().unwrap_or("someone").to_owned(),
                    attachments,
                },
            };
            let event = SyncEvent { id: article_id, at, ticket: id.clone(), to_ticket: None, change };
            events.push(PulledEvent { event, by_us });
        }
        let state = ticket["state"].as_str().map(|v| EventChange::Status { value: v.to_owned(), resolution: None });
        let priority = ticket["priority"].as_str().map(|v| EventChange::Priority { value: v.to_owned() });
        for (field, change) in [("state", state), ("priority", priority)] {
            if let Some(change) = change {
                let id_of = format!("{id}-{field}-{}", ticket["updated_at"]);
                let event = SyncEvent { id: id_of, at: updated, ticket: id.clone(), to_ticket: None, change };
                events.push(PulledEvent { event, by_us: false });
            }
        }
        Ok(events)
    }

    /// An article's text, and its files, each fetched from Zammad's attachment download; a file
    /// larger than Helpdesk keeps, or one Zammad refuses, is named in the text instead.
    async fn files(&self, ticket: &str, article: &str, a: &Value) -> Result<(String, Vec<EventFile>), SystemError> {
        let mut incoming = Incoming::default();
        for f in a["attachments"].as_array().into_iter().flatten() {
            let (Some(file), Some(name)) = (id_text(&f["id"]), f["filename"].as_str()) else { continue };
            let size = id_text(&f["size"]).and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
            if !incoming.wants(name, size) {
                continue;
            }
            let url = format!("{}/api/v1/ticket_attachment/{ticket}/{article}/{file}", self.base);
            let request = self.client.get(&url).header(reqwest::header::AUTHORIZATION, self.auth());
            let what = format!("{} (file {file} of article {article})", self.what());
            let content_type = f["preferences"]["Content-Type"]
                .as_str()
                .or(f["preferences"]["Mime-Type"].as_str())
                .unwrap_or("application/octet-stream");
            incoming.add(name, content_type, fetch(request, &what).await?);
        }
        let body = a["body"].as_str().unwrap_or_default();
        let body = if a["content_type"].as_str() == Some("text/html") { html_text(body) } else { body.to_owned() };
        Ok(incoming.finish(&body, "Zammad"))
    }
}

/// Where following Zammad got to: tickets changed since `since` are read newest first, `page`
/// on, `newest` being the latest change seen so far in this reading. Articles are read from
/// `articles_since`, where the reading before began: a ticket changed while that reading went
/// on moved to the top, past it, and is only read in this one, with articles older than `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    since: OffsetDateTime,
    newest: OffsetDateTime,
    page: u32,
    articles_since: OffsetDateTime,
}

impl Cursor {
    /// A reading from `since` on, the one before having begun at `before`.
    fn starting(since: OffsetDateTime, before: OffsetDateTime) -> Cursor {
        Cursor { since, newest: since, page: 1, articles_since: before.min(since) }
    }

    /// A stored cursor: a time alone, or `since|newest|page|articles_since`.
    fn parse(text: &str) -> Option<Cursor> {
        let time = |t: &str| OffsetDateTime::parse(t, &Rfc3339).ok();
        let parts: Vec<&str> = text.split('|').collect();
        match parts.as_slice() {
            [since] => time(since).map(|t| Cursor::starting(t, t)),
            [since, newest, page, articles] => Some(Cursor {
                since: time(since)?,
                newest: time(newest)?,
                page: page.parse().ok().filter(|p| *p >= 1)?,
                articles_since: time(articles)?,
            }),
            _ => None,
        }
    }

    fn to_text(self) -> Result<String, SystemError> {
        let time = |t: OffsetDateTime| t.format(&Rfc3339).map_err(|e| permanent!("cannot write the cursor: {e}"));
        if self == Cursor::starting(self.since, self.since) {
            return time(self.since);
        }
        let (since, newest, articles) = (time(self.since)?, time(self.newest)?, time(self.articles_since)?);
        Ok(format!("{since}|{newest}|{}|{articles}", self.page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_written() {
        let t = |s: &str| OffsetDateTime::parse(s, &Rfc3339).expect("a time");
        let first = Cursor::starting(t("2026-11-24T08:00:00Z"), t("2026-11-24T08:00:00Z"));
        let next = Cursor::starting(t("2026-11-24T09:00:00Z"), t("2026-11-24T08:00:00Z"));
        let midway = Cursor { page: 6, newest: t("2026-11-24T09:30:00Z"), ..next };
        for cursor in [first, next, midway] {
            assert_eq!(Cursor::parse(&cursor.to_text().expect("written")), Some(cursor));
        }
        assert_eq!(first.to_text().expect("written"), "2026-11-24T08:00:00Z", "as before: the time alone");
        let t8 = "2026-11-24T08:00:00Z";
        for bad in ["", "yesterday", "a|b", &format!("{t8}|x|2|{t8}"), &format!("{t8}|{t8}|0|{t8}")] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }
}
