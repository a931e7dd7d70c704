//! Request Tracker 5 through REST 2.0. RT cannot call back, so its changes are followed by
//! reading its transactions past the last one seen (the cursor). Helpdesk signs in once through
//! RT's login form and keeps the session: RT checks a password or token with bcrypt on every
//! request otherwise, which costs a third of a second each.

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use helpdesk_app::sync::SystemError;
use helpdesk_app::sync::{
    EventChange, EventFile, EventReply, ExternalSystem, Pulled, PulledEvent, RemoteArticle, SyncEvent,
};
use helpdesk_domain::connector::{ConnectorSettings, Credentials};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::http::{Incoming, fetch, html_text, permanent, refused, unreachable};

/// Transactions read per request.
const PAGE: usize = 100;
/// How long a transaction may take to commit after a later one did: a transaction older than
/// this, by RT's clock, behind the newest read, is taken as settled.
const SETTLE_SECONDS: i64 = 60;

/// The address RT's cross-site forgery check wants as the `Referer` of a write: RT's own.
pub(crate) fn referer(url: &str) -> String {
    format!("{}/", url.trim_end_matches('/'))
}

/// The words RT's REST 2.0 answers a write with when its cross-site forgery check refuses it.
const CSRF_REFUSAL: &str = "Cross-site request forgery";

/// The client of one RT queue.
pub(crate) struct Rt {
    client: reqwest::Client,
    base: String,
    queue: String,
    user: String,
    password: String,
    signed_in: Mutex<bool>,
}

impl Rt {
    pub(crate) fn new(
        client: reqwest::Client,
        settings: &ConnectorSettings,
        credentials: Credentials,
    ) -> Result<Rt, SystemError> {
        Ok(Rt {
            client,
            base: settings.url.trim_end_matches('/').to_owned(),
            queue: settings.queue.clone(),
            user: credentials.user.ok_or_else(|| SystemError::permanent("RT needs a user name"))?,
            password: credentials.secret.ok_or_else(|| SystemError::permanent("RT needs the user's password"))?,
            signed_in: Mutex::new(false),
        })
    }

    fn what(&self) -> String {
        format!("RT at {}", self.base)
    }

    fn rest(&self, path: &str) -> String {
        format!("{}/REST/2.0/{path}", self.base)
    }

    /// Signs in through the login form; RT then knows the session by its cookie.
    async fn sign_in(&self) -> Result<(), SystemError> {
        let form = [("user", self.user.as_str()), ("pass", self.password.as_str())];
        let url = format!("{}/NoAuth/Login.html", self.base);
        let answer = self.client.post(&url).form(&form).send().await.map_err(|e| unreachable(&self.what(), &e))?;
        if answer.status().is_server_error() {
            return Err(refused(&self.what(), answer).await);
        }
        let check = self.client.get(self.rest("rt")).send().await.map_err(|e| unreachable(&self.what(), &e))?;
        match check.status().as_u16() {
            200 => Ok(()),
            // RT shows its login form again, and REST 2.0 then sends us back to it.
            302 | 401 | 403 => Err(permanent!("{} refused the user name or password of '{}'", self.what(), self.user)),
            404 => Err(permanent!(
                "{} has no REST 2.0 interface at {} (is the address RT's base address?)",
                self.what(),
                self.rest("")
            )),
            _ => Err(refused(&self.what(), check).await),
        }
    }

    /// Sends a REST 2.0 request, signing in first (and once more if the session ran out).
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Result<Value, SystemError> {
        for attempt in 0..2 {
            {
                let mut signed_in = self.signed_in.lock().await;
                if !*signed_in {
                    self.sign_in().await?;
                    *signed_in = true;
                }
            }
            let mut request = self.client.request(method.clone(), self.rest(path));
            if let Some(body) = body {
                request = request.json(body);
            }
            let answer = request.send().await.map_err(|e| unreachable(&self.what(), &e))?;
            let status = answer.status().as_u16();
            if matches!(status, 302 | 401) && attempt == 0 {
                *self.signed_in.lock().await = false;
                continue;
            }
            if !answer.status().is_success() {
                let why = refused(&format!("{} ({method} {path})", self.what()), answer).await;
                if status == 403 && why.to_string().contains(CSRF_REFUSAL) {
                    return Err(permanent!(
                        "{why}: RT takes a write only from its own address, and the connector's address {} is \
                         not RT's $WebBaseURL (set the connector's address to it, or add this one to RT's \
                         $ReferrerWhitelist)",
                        referer(&self.base)
                    ));
                }
                return Err(why);
            }
            return answer.json().await.map_err(|e| permanent!("{} answered what is not JSON: {e}", self.what()));
        }
        Err(SystemError::transient(format!("{} keeps ending the session", self.what())))
    }

    /// One page of ticket transactions past `after`, oldest first; with `until`, only those up
    /// to it that are not `except`.
    async fn transactions(&self, after: i64, until: Option<(i64, Vec<i64>)>) -> Result<Vec<Value>, SystemError> {
        let path = format!(
            "transactions?fields=Type,Creator,Created,ObjectId,ObjectType,Field,NewValue&orderby=id&order=ASC&per_page={PAGE}"
        );
        let mut query = vec![
            json!({"field": "id", "operator": ">", "value": after}),
            json!({"field": "ObjectType", "value": "RT::Ticket"}),
        ];
        // RT joins conditions on one field with OR unless told otherwise.
        if let Some((until, except)) = until {
            query.push(json!({"field": "id", "operator": "<=", "value": until, "entry_aggregator": "AND"}));
            query.extend(
                except
                    .into_iter()
                    .map(|id| json!({"field": "id", "operator": "!=", "value": id, "entry_aggregator": "AND"})),
            );
        }
        let found = self.call(reqwest::Method::POST, &path, Some(&Value::Array(query))).await?;
        Ok(found["items"].as_array().cloned().unwrap_or_default())
    }

    /// The last transaction now in RT: following starts after it.
    async fn last_transaction(&self) -> Result<String, SystemError> {
        let found = self
            .call(
                reqwest::Method::POST,
                "transactions?orderby=id&order=DESC&per_page=1",
                Some(&json!([{"field": "id", "operator": ">", "value": 0}])),
            )
            .await?;
        Ok(found["items"].get(0).and_then(|i| text(&i["id"])).unwrap_or_else(|| "0".into()))
    }

    /// The text and the files of a reply or comment. Each part is read on its own, where RT
    /// gives its bytes in base64: a list of parts gives them as text, which mangles a binary file.
    async fn content(&self, transaction: &str) -> Result<(String, Vec<EventFile>), SystemError> {
        let path =
            format!("transaction/{transaction}/attachments?fields=ContentType,Filename,ContentLength&per_page=100");
        let parts = self.call(reqwest::Method::GET, &path, None).await?;
        let parts = parts["items"].as_array().cloned().unwrap_or_default();
        let named = |p: &&Value| p["Filename"].as_str().is_some_and(|f| !f.is_empty());
        let typed = |kind: &str| {
            parts
                .iter()
                .filter(|p| !named(p))
                .find(|p| p["ContentType"].as_str() == Some(kind))
                .and_then(|p| text(&p["id"]))
        };
        // RT's rich-text editor, and many mail programs, send HTML alone.
        let body = match (typed("text/plain"), typed("text/html")) {
            (Some(plain), _) => String::from_utf8_lossy(&self.text_part(&plain).await?).into_owned(),
            (None, Some(html)) => html_text(&String::from_utf8_lossy(&self.text_part(&html).await?)),
            (None, None) => String::new(),
        };
        let mut incoming = Incoming::default();
        for p in parts.iter().filter(named) {
            let (Some(id), Some(name)) = (text(&p["id"]), p["Filename"].as_str()) else { continue };
            let size = text(&p["ContentLength"]).and_then(|l| l.parse().ok()).unwrap_or(0);
            if incoming.wants(name, size) {
                let content_type = p["ContentType"].as_str().unwrap_or("application/octet-stream");
                incoming.add(name, content_type, self.part(&id).await?);
            }
        }
        Ok(incoming.finish(&body, "RT"))
    }

    /// The bytes of a part of a message, or, inside, why RT will not give them.
    async fn part(&self, id: &str) -> Result<Result<Vec<u8>, String>, SystemError> {
        let what = format!("{} (part {id})", self.what());
        let json = match fetch(self.client.get(self.rest(&format!("attachment/{id}"))), &what).await? {
            Ok(json) => json,
            Err(why) => return Ok(Err(why)),
        };
        let part: Value = match serde_json::from_slice(&json) {
            Ok(part) => part,
            Err(e) => return Ok(Err(format!("{what} answered what is not JSON: {e}"))),
        };
        let encoded: String = part["Content"].as_str().unwrap_or_default().split_whitespace().collect();
        Ok(STANDARD.decode(encoded.as_bytes()).map_err(|e| format!("{what} is not base64: {e}")))
    }

    /// The bytes of a message's text part; one RT will not give is said so in the text.
    async fn text_part(&self, id: &str) -> Result<Vec<u8>, SystemError> {
        Ok(self.part(id).await?.unwrap_or_else(|why| format!("(the text could not be read: {why})").into_bytes()))
    }
}

/// A JSON value that RT writes as a string or a number, as a string.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn attachments(files: &[helpdesk_app::sync::EventFile]) -> Vec<Value> {
    files.iter().map(|f| json!({"FileName": f.filename, "FileType": f.content_type, "FileContent": f.data})).collect()
}

#[async_trait]
impl ExternalSystem for Rt {
    async fn check(&self) -> Result<String, SystemError> {
        self.sign_in().await?;
        *self.signed_in.lock().await = true;
        let about = self.call(reqwest::Method::GET, "rt", None).await?;
        let version = about["Version"].as_str().unwrap_or("(version unknown)").to_owned();
        let queue = self.client.get(self.rest(&format!("queue/{}", self.queue))).send().await;
        let queue = queue.map_err(|e| unreachable(&self.what(), &e))?;
        match queue.status().as_u16() {
            200 => {}
            404 => {
                return Err(permanent!(
                    "signed in to RT {version} as '{}', but there is no queue '{}'",
                    self.user,
                    self.queue
                ));
            }
            403 => return Err(permanent!("'{}' may not see queue '{}' in RT", self.user, self.queue)),
            other => return Err(permanent!("{} answered {other} for queue '{}'", self.what(), self.queue)),
        }
        // RT offers the link to create a ticket in the queue only to who has the right to.
        let queue: Value =
            queue.json().await.map_err(|e| permanent!("{} answered what is not JSON: {e}", self.what()))?;
        let mut links = queue["_hyperlinks"].as_array().into_iter().flatten();
        if !links.any(|l| l["ref"] == "create") {
            return Err(permanent!(
                "'{}' may not create tickets in queue '{}' in RT (its CreateTicket right)",
                self.user,
                self.queue
            ));
        }
        // A search by POST changes nothing, and RT checks it as it checks every write: that it
        // is taken proves that escalations and polls will be.
        self.last_transaction().await?;
        Ok(format!(
            "signed in to RT {version} as '{}'; queue '{}' found, where it may create tickets; RT takes its writes",
            self.user, self.queue
        ))
    }

    async fn send(&self, remote: Option<&str>, event: &SyncEvent) -> Result<EventReply, SystemError> {
        match (&event.change, remote) {
            (EventChange::TicketCreated(t), _) => {
                let content = crate::http::ticket_text(t);
                let mut body = json!({
                    "Queue": self.queue,
                    "Subject": t.title,
                    "Content": content,
                    "ContentType": "text/plain",
                    "Requestor": t.requester_email,
                });
                if let Some(p) = &t.priority {
                    body["Priority"] = json!(p);
                }
                if let Some(s) = &t.status {
                    body["Status"] = json!(s);
                }
                if !t.attachments.is_empty() {
                    body["Attachments"] = json!(attachments(&t.attachments));
                }
                let made = self.call(reqwest::Method::POST, "ticket", Some(&body)).await?;
                let id =
                    text(&made["id"]).ok_or_else(|| permanent!("{} did not say which ticket it made", self.what()))?;
                Ok(EventReply {
                    url: Some(format!("{}/Ticket/Display.html?id={id}", self.base)),
                    id,
                    ..EventReply::default()
                })
            }
            (_, None) => Err(SystemError::permanent("the ticket has no id in RT yet")),
            (
                EventChange::ArticleCreated {
                    article: RemoteArticle { body, internal, author, attachments: files, .. },
                },
                Some(id),
            ) => {
                let action = if *internal { "comment" } else { "correspond" };
                let mut request =
                    json!({"Content": format!("{author} wrote in Helpdesk:\n\n{body}"), "ContentType": "text/plain"});
                if !files.is_empty() {
                    request["Attachments"] = json!(attachments(files));
                }
                self.call(reqwest::Method::POST, &format!("ticket/{id}/{action}"), Some(&request)).await?;
                Ok(EventReply::default())
            }
            (EventChange::Status { value, .. }, Some(id)) => {
                self.call(reqwest::Method::PUT, &format!("ticket/{id}"), Some(&json!({"Status": value}))).await?;
                Ok(EventReply::default())
            }
            (EventChange::Priority { value }, Some(id)) => {
                self.call(reqwest::Method::PUT, &format!("ticket/{id}"), Some(&json!({"Priority": value}))).await?;
                Ok(EventReply::default())
            }
        }
    }

    async fn pull(&self, cursor: Option<&str>) -> Result<Option<Pulled>, SystemError> {
        let Some(cursor) = cursor else {
            // The first poll starts from now: what RT held before is not ours.
            return Ok(Some(Pulled { events: Vec::new(), cursor: self.last_transaction().await?, more: false }));
        };
        let mut cursor = RtCursor::parse(cursor)
            .ok_or_else(|| permanent!("the stored RT cursor '{cursor}' is not where following RT got to"))?;
        // What committed late, behind transactions already read, is asked for by leaving out those
        // seen; then the page past the newest read.
        let mut items = Vec::new();
        if cursor.newest_seen() > cursor.settled {
            let except: Vec<i64> = cursor.seen.keys().copied().collect();
            items.extend(self.transactions(cursor.settled, Some((cursor.newest_seen(), except))).await?);
        }
        let fresh = self.transactions(cursor.newest_seen(), None).await?;
        let more = fresh.len() >= PAGE;
        items.extend(fresh);
        let mut events = Vec::new();
        let mut read = Vec::new();
        for item in &items {
            let Some(id) = text(&item["id"]) else { continue };
            let Ok(number) = id.parse::<i64>() else { continue };
            let at = item["Created"]
                .as_str()
                .and_then(|c| time::OffsetDateTime::parse(c, &time::format_description::well_known::Rfc3339).ok())
                .unwrap_or_else(time::OffsetDateTime::now_utc);
            read.push((number, at));
            let by = item["Creator"]["id"].as_str().unwrap_or_default().to_owned();
            let by_us = by == self.user;
            let ticket = text(&item["ObjectId"]).unwrap_or_default();
            let field = item["Field"].as_str().unwrap_or_default();
            let value = text(&item["NewValue"]).unwrap_or_default();
            let change = match item["Type"].as_str().unwrap_or_default() {
                kind @ ("Correspond" | "Comment") => {
                    let (body, attachments) = if by_us { Default::default() } else { self.content(&id).await? };
                    EventChange::ArticleCreated {
                        article: RemoteArticle {
                            id: id.clone(),
                            body,
                            internal: kind == "Comment",
                            author: by,
                            attachments,
                        },
                    }
                }
                "Status" => EventChange::Status { value, resolution: None },
                "Set" if field == "Priority" => EventChange::Priority { value },
                _ => continue,
            };
            events.push(PulledEvent { event: SyncEvent { id, at, ticket, to_ticket: None, change }, by_us });
        }
        // Oldest first, as RT made them: a late one read again comes before those after it.
        events.sort_by_key(|e| e.event.id.parse::<i64>().unwrap_or_default());
        cursor.advance(&read);
        Ok(Some(Pulled { events, cursor: cursor.to_text(), more }))
    }
}

/// Where following RT got to: every transaction up to `settled` is taken as read, and those
/// read past it are `seen`, each with when RT made it. RT numbers a transaction when it begins
/// and shows it when it commits, so one may show after a later one did: RT is asked again for
/// those past `settled` not seen, until a minute of RT's time has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RtCursor {
    settled: i64,
    seen: std::collections::BTreeMap<i64, i64>,
}

impl RtCursor {
    /// A stored cursor: `settled`, or `settled:id@unix-time,...` (a bare number, as earlier
    /// versions stored, has none seen past it).
    fn parse(text: &str) -> Option<RtCursor> {
        let (settled, seen) = text.split_once(':').unwrap_or((text, ""));
        let seen = seen
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                let (id, at) = s.split_once('@')?;
                Some((id.parse().ok()?, at.parse().ok()?))
            })
            .collect::<Option<_>>()?;
        Some(RtCursor { settled: settled.trim().parse().ok()?, seen })
    }

    fn to_text(&self) -> String {
        if self.seen.is_empty() {
            return self.settled.to_string();
        }
        let seen: Vec<String> = self.seen.iter().map(|(id, at)| format!("{id}@{at}")).collect();
        format!("{}:{}", self.settled, seen.join(","))
    }

    /// The newest transaction read.
    fn newest_seen(&self) -> i64 {
        self.seen.keys().next_back().copied().unwrap_or(self.settled).max(self.settled)
    }

    /// Takes in the transactions just read (id, when RT made it): those made more than
    /// [`SETTLE_SECONDS`] before the newest seen settle, with all before them.
    fn advance(&mut self, read: &[(i64, time::OffsetDateTime)]) {
        let settled = self.settled;
        self.seen.extend(read.iter().filter(|(id, _)| *id > settled).map(|(id, at)| (*id, at.unix_timestamp())));
        let Some(newest) = self.seen.values().max().copied() else { return };
        let horizon = newest - SETTLE_SECONDS;
        if let Some(settled) = self.seen.iter().filter(|(_, at)| **at < horizon).map(|(id, _)| *id).max() {
            self.settled = self.settled.max(settled);
            let settled = self.settled;
            self.seen.retain(|id, _| *id > settled);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> time::OffsetDateTime {
        time::OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(1_800_000_000 + seconds)
    }

    #[test]
    fn recent_transactions_stay_seen_until_they_settle() {
        let mut cursor = RtCursor::parse("100").expect("a bare number, as stored before");
        assert_eq!(cursor.newest_seen(), 100);
        // 101 and 103 show; 102 is still being committed.
        cursor.advance(&[(101, at(0)), (103, at(1))]);
        assert_eq!(cursor.to_text(), "100:101@1800000000,103@1800000001");
        assert_eq!(RtCursor::parse(&cursor.to_text()), Some(cursor.clone()));
        assert_eq!(cursor.newest_seen(), 103, "new ones are read past 103; RT is asked for 101 to 103 but those seen");
        // 102 shows late; then a minute passes in RT.
        cursor.advance(&[(102, at(0)), (104, at(30))]);
        assert_eq!(cursor.seen.keys().copied().collect::<Vec<_>>(), vec![101, 102, 103, 104]);
        cursor.advance(&[(105, at(90))]);
        assert_eq!(cursor.to_text(), "103:104@1800000030,105@1800000090", "made a minute before the newest: settled");
        cursor.advance(&[]);
        assert_eq!(cursor.to_text(), "103:104@1800000030,105@1800000090", "nothing read, nothing moves");
        cursor.advance(&[(50, at(100))]);
        assert_eq!(cursor.seen.len(), 2, "one at or below the settled one is not kept");
    }

    #[test]
    fn a_cursor_that_is_not_one_is_refused() {
        for bad in ["", "x", "1:a", "1:2@5,,x", ":3", "1:2", "1:2@x"] {
            assert_eq!(RtCursor::parse(bad), None, "{bad}");
        }
    }
}
