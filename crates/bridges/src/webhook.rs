//! Another Helpdesk, or any system that takes signed JSON events: each change is one POST of a
//! [`SyncEvent`], signed with the key both sides hold. Another Helpdesk answers what it made
//! (its ticket's id and address) and sends its own changes back the same way.

use async_trait::async_trait;
use helpdesk_app::sync::SystemError;
use helpdesk_app::sync::signature::{self, HEADER};
use helpdesk_app::sync::{
    EventChange, EventReply, ExternalSystem, PullPage, PullRequest, Pulled, PulledEvent, Receipt, SyncEvent,
};
use helpdesk_domain::connector::{ConnectorKind, ConnectorSettings, Credentials};
use rand::RngCore;

use crate::http::{permanent, refused, unreachable};

/// The most a page of pulled changes may take: a page ends before 16 MiB but holds one event at
/// least, whose files are at most 5 of 10 MiB, in base64.
const MAX_PAGE_BYTES: usize = 96 * 1024 * 1024;

/// Where another Helpdesk is asked to send at once, pulled from, and told what its changes made.
struct PeerUrls {
    resume: String,
    pull: String,
    received: String,
}

/// An answer's body, refused past `limit` bytes.
async fn read_at_most(mut answer: reqwest::Response, limit: usize) -> Result<Vec<u8>, SystemError> {
    let mut body = Vec::new();
    while let Some(chunk) =
        answer.chunk().await.map_err(|e| SystemError::transient(format!("the answer broke off: {e}")))?
    {
        if body.len() + chunk.len() > limit {
            return Err(permanent!("the answer is larger than {} MiB", limit / (1024 * 1024)));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The client of another Helpdesk or of a generic webhook.
pub(crate) struct Webhook {
    client: reqwest::Client,
    kind: ConnectorKind,
    events_url: String,
    /// Another Helpdesk's endpoints.
    peer: Option<PeerUrls>,
    key: Vec<u8>,
}

impl Webhook {
    pub(crate) fn new(
        client: reqwest::Client,
        settings: &ConnectorSettings,
        credentials: Credentials,
    ) -> Result<Webhook, SystemError> {
        let key = credentials.signing_key.ok_or_else(|| SystemError::permanent("no signing key is set"))?.into_bytes();
        let base = settings.url.trim_end_matches('/');
        let (events_url, peer) = match settings.kind {
            ConnectorKind::Helpdesk => {
                let at = format!("{base}/api/v1/sync/{}", settings.queue.trim());
                let peer = PeerUrls {
                    resume: format!("{at}/resume"),
                    pull: format!("{at}/pull"),
                    received: format!("{at}/received"),
                };
                (format!("{at}/events"), Some(peer))
            }
            _ => (settings.url.clone(), None),
        };
        Ok(Webhook { client, kind: settings.kind, events_url, peer, key })
    }

    fn what(&self) -> String {
        match self.kind {
            ConnectorKind::Helpdesk => format!("the other Helpdesk ({})", self.events_url),
            _ => format!("the webhook ({})", self.events_url),
        }
    }

    /// POSTs `body` signed to `url`.
    async fn post(&self, url: &str, body: Vec<u8>) -> Result<reqwest::Response, SystemError> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let nonce = hex::encode(nonce);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let signed = signature::sign(&self.key, now, &nonce, &body);
        let answer = self
            .client
            .post(url)
            .header(HEADER, signed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| unreachable(&self.what(), &e))?;
        if answer.status().is_success() {
            return Ok(answer);
        }
        let status = answer.status();
        let detail = refused(&self.what(), answer).await;
        Err(match status.as_u16() {
            401 => permanent!("{detail} (the two sides must hold the same signing key, and their clocks agree)"),
            404 => {
                permanent!(
                    "{detail} (is unit {} there an external unit with a connector back to us?)",
                    self.unit_hint()
                )
            }
            _ => detail,
        })
    }

    fn unit_hint(&self) -> String {
        self.events_url.rsplit('/').nth(1).unwrap_or("?").to_owned()
    }
}

#[async_trait]
impl ExternalSystem for Webhook {
    async fn check(&self) -> Result<String, SystemError> {
        match &self.peer {
            Some(peer) => {
                self.post(&peer.resume, b"{}".to_vec()).await?;
                Ok(format!("{} accepts our signature", self.what()))
            }
            None => {
                self.post(&self.events_url, b"[]".to_vec()).await?;
                Ok(format!("{} accepts signed events", self.what()))
            }
        }
    }

    async fn send(&self, _remote: Option<&str>, event: &SyncEvent) -> Result<EventReply, SystemError> {
        let body = serde_json::to_vec(event).map_err(|e| permanent!("cannot write the event: {e}"))?;
        let answer = self.post(&self.events_url, body).await?;
        let text = answer.text().await.map_err(|e| unreachable(&self.what(), &e))?;
        // Another Helpdesk answers a list of what each event made; a generic receiver may
        // answer anything, and then our own id stands for the ticket there.
        let reply = serde_json::from_str::<Vec<EventReply>>(&text)
            .ok()
            .and_then(|r| r.into_iter().next())
            .or_else(|| serde_json::from_str::<EventReply>(&text).ok())
            // Only another Helpdesk says what its ticket holds; a generic receiver's answer may
            // hold a "status" of its own meaning.
            .map(|r| match self.kind {
                ConnectorKind::Helpdesk => r,
                _ => EventReply { status: None, priority: None, ..r },
            });
        match (reply, &event.change) {
            (Some(reply), _) if !reply.id.is_empty() => Ok(reply),
            (_, EventChange::TicketCreated(_)) if self.kind == ConnectorKind::Helpdesk => {
                Err(permanent!("{} did not say which ticket it made", self.what()))
            }
            (_, EventChange::TicketCreated(_)) => Ok(EventReply { id: event.ticket.clone(), ..EventReply::default() }),
            // Another Helpdesk says what its ticket holds after a change.
            (Some(reply), _) => Ok(reply),
            _ => Ok(EventReply::default()),
        }
    }

    async fn resume(&self) -> Result<(), SystemError> {
        if let Some(peer) = &self.peer {
            self.post(&peer.resume, b"{}".to_vec()).await?;
        }
        Ok(())
    }

    async fn received(&self, receipts: &[Receipt]) -> Result<(), SystemError> {
        if let Some(peer) = &self.peer {
            let body = serde_json::to_vec(receipts).map_err(|e| permanent!("cannot write the receipts: {e}"))?;
            self.post(&peer.received, body).await?;
        }
        Ok(())
    }

    /// Another Helpdesk's changes that it could not push, a page at a time; the cursor is where
    /// a page ended, and empty once the last is read (the next pull starts over).
    async fn pull(&self, cursor: Option<&str>) -> Result<Option<Pulled>, SystemError> {
        let Some(peer) = &self.peer else { return Ok(None) };
        let request = PullRequest { after: cursor.filter(|c| !c.is_empty()).map(str::to_owned) };
        let body = serde_json::to_vec(&request).map_err(|e| permanent!("cannot write the request: {e}"))?;
        let answer = self.post(&peer.pull, body).await?;
        let text = read_at_most(answer, MAX_PAGE_BYTES).await.map_err(|e| permanent!("{}: {e}", self.what()))?;
        let page: PullPage = serde_json::from_slice(&text)
            .map_err(|e| permanent!("{} answered a pull with what is not a page of changes: {e}", self.what()))?;
        let events = page.events.into_iter().map(|event| PulledEvent { event, by_us: false }).collect();
        Ok(Some(Pulled { events, cursor: page.next, more: page.more }))
    }
}
