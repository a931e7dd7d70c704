//! External-mode units (EOSC integration option 3): each has a connector to the ticketing
//! system it works in; its tickets are created there and kept in step both ways.
//!
//! Changes here go out from each ticket's link, which a database trigger marks due whenever the
//! ticket changes ([`SyncRunner`]); changes there come in by polling (RT, Zammad) or by signed
//! webhooks (another Helpdesk, a generic webhook). What went over and what came in is recorded
//! with its id on both sides, so nothing is sent twice and nothing echoes back.

mod error;
mod held;
mod inbound;
mod outbound;
mod runner;
pub mod signature;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use helpdesk_domain::connector::{Connector, ConnectorSettings, Credentials, ExternalLink, check_connector};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::policy::{Action, Actor, TicketAction, TicketFacts, check, check_ticket};
use helpdesk_domain::unit::Integration;
use helpdesk_domain::{TicketId, UnitId};
use helpdesk_store::ConnectorRecord;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::secrets::Sealer;
use crate::{App, AppError, AppResult};

pub use error::SystemError;
pub use inbound::{too_large, with_left_out};
pub use runner::SyncRunner;

/// The kind of a synced article in `sync_items`.
pub(crate) const ARTICLE: &str = "article";

/// One change sent to, or received from, the other side: the webhook protocol between two
/// Helpdesks (and what a generic webhook receives), and how every connector is driven.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SyncEvent {
    /// Unique to this event.
    pub id: String,
    /// When the change was made where it was made.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// The sender's ticket id.
    pub ticket: String,
    /// The receiver's id of the ticket, when the sender knows it: it lets the receiver link a
    /// copy that was made from what it could not push (and so never heard of).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_ticket: Option<String>,
    /// What changed.
    #[serde(flatten)]
    pub change: EventChange,
}

/// What an event changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type")]
pub enum EventChange {
    /// A ticket to create on the receiving side.
    #[serde(rename = "ticket.created")]
    TicketCreated(RemoteTicket),
    /// A reply or an internal note.
    #[serde(rename = "article.created")]
    ArticleCreated {
        /// The article.
        article: RemoteArticle,
    },
    /// A new status, in the receiver's names.
    #[serde(rename = "ticket.status")]
    Status {
        /// The status.
        value: String,
        /// The qualifier of a solved or unsolved status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolution: Option<String>,
    },
    /// A new priority, in the receiver's names.
    #[serde(rename = "ticket.priority")]
    Priority {
        /// The priority.
        value: String,
    },
}

/// A ticket as it travels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RemoteTicket {
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// The requester's address.
    pub requester_email: String,
    /// The requester's name.
    pub requester_name: String,
    /// Its priority, in the receiver's names.
    #[serde(default)]
    pub priority: Option<String>,
    /// Its status, in the receiver's names.
    #[serde(default)]
    pub status: Option<String>,
    /// The category fields that travel.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// The ticket's own files.
    #[serde(default)]
    pub attachments: Vec<EventFile>,
    /// Where people find it on the sender's side.
    #[serde(default)]
    pub url: Option<String>,
}

/// A reply or note as it travels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RemoteArticle {
    /// Its id on the sender's side.
    pub id: String,
    /// Its text.
    pub body: String,
    /// Whether it is an internal note (a comment).
    pub internal: bool,
    /// Who wrote it, for people to read.
    pub author: String,
    /// Its files.
    #[serde(default)]
    pub attachments: Vec<EventFile>,
}

/// A file as it travels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EventFile {
    /// Its name.
    pub filename: String,
    /// Its type.
    pub content_type: String,
    /// Its bytes, in standard base64.
    pub data: String,
}

/// What the receiver made of an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventReply {
    /// The receiver's id of what the event made (a ticket, an article); empty for a change.
    pub id: String,
    /// Where people find it there.
    #[serde(default)]
    pub url: Option<String>,
    /// The status the receiver's ticket holds after a ticket, status or priority event, in the
    /// sender's names: what it took, or what it kept when its rules refused the change. Another
    /// Helpdesk says it; for a receiver that does not, the sender takes what it sent as held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The priority it holds, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
}

/// What one Helpdesk asks of another when it pulls: the changes the other could not push to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PullRequest {
    /// Where the last page ended (its `next`); none or empty for the first page.
    #[serde(default)]
    pub after: Option<String>,
}

/// One page of the changes a Helpdesk could not push to the one that pulls them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PullPage {
    /// The changes, each ticket's in the order they go; each event's `ticket` is the sender's id.
    pub events: Vec<SyncEvent>,
    /// Where the next page starts; empty after the last one.
    pub next: String,
    /// Whether more pages follow.
    pub more: bool,
}

/// What a pulled change made on the side that pulled it: sent back, it is recorded as delivered
/// on the side it came from, as the answer to a push would be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Receipt {
    /// The ticket's id on the side the change came from (the event's `ticket`).
    pub ticket: String,
    /// What was made of it.
    #[serde(flatten)]
    pub received: Received,
}

/// What was made of one pulled change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type")]
pub enum Received {
    /// The ticket, made here as `id`.
    #[serde(rename = "ticket.created")]
    Ticket {
        /// Its id here.
        id: String,
        /// Where people find it here.
        #[serde(default)]
        url: Option<String>,
        /// The status it holds once made, in the names of the side that pulled it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<String>,
        /// The priority it was made with, likewise.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        priority: Option<String>,
    },
    /// An article (by its id on the side it came from), made here as `id` (empty when the
    /// rules here refused it and the ticket's history says so).
    #[serde(rename = "article.created")]
    Article {
        /// Its id on the side it came from.
        article: String,
        /// Its id here.
        id: String,
    },
    /// The status it holds after the change, in the names of the side that pulled it.
    #[serde(rename = "ticket.status")]
    Status {
        /// The value.
        value: String,
    },
    /// The priority it holds after the change, likewise.
    #[serde(rename = "ticket.priority")]
    Priority {
        /// The value.
        value: String,
    },
}

impl Receipt {
    /// The receipt of an applied event, from what applying it made; none when it made nothing
    /// (a change about a ticket not linked here).
    pub fn of(event: &SyncEvent, made: Option<&EventReply>) -> Option<Receipt> {
        // What the ticket holds here, as the other side names it, when it is said.
        let received = match (&event.change, made?) {
            (EventChange::TicketCreated(t), made) if !made.id.is_empty() => Received::Ticket {
                id: made.id.clone(),
                url: made.url.clone(),
                status: made.status.clone().or_else(|| t.status.clone()),
                priority: made.priority.clone().or_else(|| t.priority.clone()),
            },
            (EventChange::ArticleCreated { article }, made) => {
                Received::Article { article: article.id.clone(), id: made.id.clone() }
            }
            (EventChange::Status { value, .. }, made) => {
                Received::Status { value: made.status.clone().unwrap_or_else(|| value.clone()) }
            }
            (EventChange::Priority { value }, made) => {
                Received::Priority { value: made.priority.clone().unwrap_or_else(|| value.clone()) }
            }
            _ => return None,
        };
        Some(Receipt { ticket: event.ticket.clone(), received })
    }
}

/// Changes read from the other side.
#[derive(Debug, Clone, PartialEq)]
pub struct Pulled {
    /// The changes, oldest first; each event's `ticket` is the other side's id.
    pub events: Vec<PulledEvent>,
    /// Where to read on from next time.
    pub cursor: String,
    /// Whether more are waiting past this batch.
    pub more: bool,
}

/// One change read from the other side.
#[derive(Debug, Clone, PartialEq)]
pub struct PulledEvent {
    /// The change.
    pub event: SyncEvent,
    /// Whether the connector's own account made it (an echo of what Helpdesk sent).
    pub by_us: bool,
}

/// The system on the other side, as a connector reaches it (implemented in `helpdesk-bridges`).
#[async_trait]
pub trait ExternalSystem: Send + Sync {
    /// Checks the address, the credentials and the queue; says plainly what is wrong.
    async fn check(&self) -> Result<String, SystemError>;
    /// Sends one change; `remote` is the ticket's id there, none for `ticket.created`.
    async fn send(&self, remote: Option<&str>, event: &SyncEvent) -> Result<EventReply, SystemError>;
    /// The changes made there since `cursor` (none: from now on); `None` for a system that
    /// pushes its changes instead.
    async fn pull(&self, _cursor: Option<&str>) -> Result<Option<Pulled>, SystemError> {
        Ok(None)
    }
    /// Asks the other side to send at once what it holds back (after this side was down).
    async fn resume(&self) -> Result<(), SystemError> {
        Ok(())
    }
    /// Tells the other side what its pulled changes made here, so that it holds them as
    /// delivered (another Helpdesk; nothing for the others).
    async fn received(&self, _receipts: &[Receipt]) -> Result<(), SystemError> {
        Ok(())
    }
}

/// Makes the client of a connector's system.
pub trait Connect: Send + Sync {
    /// The system that `settings` and `credentials` reach.
    fn connect(
        &self,
        settings: &ConnectorSettings,
        credentials: Credentials,
    ) -> Result<Arc<dyn ExternalSystem>, SystemError>;
}

/// A connector as an admin sets it: its settings and any credentials to replace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectorInput {
    /// The settings.
    #[serde(flatten)]
    pub settings: ConnectorSettings,
    /// Credentials to store; those left out are kept.
    #[serde(default)]
    pub credentials: Credentials,
}

/// What "test connection" found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectionCheck {
    /// Whether everything needed works.
    pub ok: bool,
    /// What was found, or what is wrong, in words.
    pub message: String,
}

impl App {
    fn sealer(&self) -> AppResult<&Sealer> {
        self.sealer.as_deref().ok_or_else(|| {
            AppError::Internal("no secret key is configured (secret_key, or secret.key in the data directory)".into())
        })
    }

    fn connect(&self) -> AppResult<&Arc<dyn Connect>> {
        self.connect.as_ref().ok_or_else(|| AppError::Internal("this node has no connectors built in".into()))
    }

    /// The credentials stored with a connector, opened.
    pub(crate) fn credentials_of(&self, record: &ConnectorRecord) -> AppResult<Credentials> {
        let Some(sealed) = &record.sealed_credentials else { return Ok(Credentials::default()) };
        let plain = self.sealer()?.open(sealed).map_err(|e| AppError::Internal(e.to_string()))?;
        serde_json::from_slice(&plain).map_err(|e| AppError::Internal(format!("the stored credentials: {e}")))
    }

    /// The client of a unit's system.
    pub(crate) fn system_of(&self, record: &ConnectorRecord) -> AppResult<Arc<dyn ExternalSystem>> {
        let credentials = self.credentials_of(record)?;
        self.connect()?.connect(&record.settings, credentials).map_err(|e| AppError::Internal(e.to_string()))
    }

    /// Sets up or changes the connector of an external-mode unit. Credentials left out are kept;
    /// none is ever shown back. Tickets waiting on the unit are tried again at once.
    pub async fn put_connector(&self, actor: &Actor, unit: UnitId, input: ConnectorInput) -> AppResult<Connector> {
        check(actor, Action::ManageConnectors)?;
        let found =
            self.store.unit(unit).await?.ok_or_else(|| AppError::NotFound(format!("there is no unit {unit}")))?;
        if found.integration != Integration::External {
            return Err(AppError::invalid(
                "unit",
                format!("unit '{}' works in {} mode; set it to external first", found.name, found.integration),
            ));
        }
        let mut settings = input.settings;
        settings.url = settings.url.trim().trim_end_matches('/').to_owned();
        settings.queue = settings.queue.trim().to_owned();
        let previous = self.store.connector(unit).await?;
        // Credentials sealed under another key cannot be kept: the admin gives them again.
        let stored = match &previous {
            Some(record) => self.credentials_of(record).unwrap_or_default(),
            None => Credentials::default(),
        };
        // Another system, or another place in it: following starts afresh there.
        let moved = previous.as_ref().is_some_and(|p| {
            p.settings.kind != settings.kind || p.settings.url != settings.url || p.settings.queue != settings.queue
        });
        let given = input.credentials;
        let keep = |new: Option<String>, old: Option<String>| new.filter(|v| !v.is_empty()).or(old);
        let credentials = Credentials {
            user: keep(given.user, stored.user),
            secret: keep(given.secret, stored.secret),
            signing_key: keep(given.signing_key, stored.signing_key),
        };
        check_connector(&settings, &credentials)?;
        let plain = serde_json::to_vec(&credentials).map_err(|e| AppError::Internal(e.to_string()))?;
        let sealed = self.sealer()?.seal(&plain);
        let now = self.now();
        let saved = settings.clone();
        self.write(move |mut tx| async move {
            tx.put_connector(unit, &saved, Some(&sealed), now).await?;
            if moved {
                tx.clear_cursor(unit).await?;
            }
            tx.retry_links(Some(unit), None, now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        let polled = self.store.connector(unit).await?;
        Ok(Connector {
            unit,
            settings,
            has_credentials: !credentials.is_empty(),
            polled_at: polled.as_ref().and_then(|r| r.polled_at),
            poll_error: polled.and_then(|r| r.poll_error),
            updated_at: now,
        })
    }

    /// A unit's connector, without its credentials.
    pub async fn connector(&self, actor: &Actor, unit: UnitId) -> AppResult<Option<Connector>> {
        check(actor, Action::ManageConnectors)?;
        Ok(self.store.connector(unit).await?.map(shown))
    }

    /// Every connector, without credentials.
    pub async fn connectors(&self, actor: &Actor) -> AppResult<Vec<Connector>> {
        check(actor, Action::ManageConnectors)?;
        Ok(self.store.connectors().await?.into_iter().map(shown).collect())
    }

    /// Tries a unit's connector: reaches the other side, signs in, finds the queue.
    pub async fn test_connector(&self, actor: &Actor, unit: UnitId) -> AppResult<ConnectionCheck> {
        check(actor, Action::ManageConnectors)?;
        let record = self
            .store
            .connector(unit)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("unit {unit} has no connector")))?;
        let system = self.system_of(&record)?;
        Ok(match system.check().await {
            Ok(message) => ConnectionCheck { ok: true, message },
            Err(e) => ConnectionCheck { ok: false, message: e.to_string() },
        })
    }

    /// Whether `actor` may follow external tickets: staff, or a member of a 1st-level unit.
    async fn may_follow_external(&self, actor: &Actor) -> AppResult<()> {
        let mut first_level = false;
        for unit in &actor.units {
            if self.store.unit(*unit).await?.is_some_and(|u| u.level == 1) {
                first_level = true;
                break;
            }
        }
        Ok(check(actor, Action::FollowExternalTickets { first_level })?)
    }

    /// The sync state of external tickets, those not in step first; with `unit`, one unit's.
    pub async fn sync_states(
        &self,
        actor: &Actor,
        unit: Option<UnitId>,
        page: PageRequest,
    ) -> AppResult<Page<ExternalLink>> {
        self.may_follow_external(actor).await?;
        Ok(self.store.external_links(unit, page).await?)
    }

    /// A ticket's link to its copy on the other side, for those who work the ticket.
    pub async fn external_link(&self, actor: &Actor, ticket: TicketId) -> AppResult<Option<ExternalLink>> {
        let found = self.ticket(actor, ticket).await?;
        if check_ticket(actor, TicketAction::ReadInternal, &TicketFacts::from(&found)).is_err() {
            return Ok(None);
        }
        Ok(self.store.external_link(ticket).await?.map(|l| l.link))
    }

    /// Tries again at once the tickets of `unit` (or one ticket) that are not in step; returns
    /// how many.
    pub async fn retry_sync(&self, actor: &Actor, unit: Option<UnitId>, ticket: Option<TicketId>) -> AppResult<u64> {
        self.may_follow_external(actor).await?;
        let now = self.now();
        self.write(move |mut tx| async move {
            let n = tx.retry_links(unit, ticket, now).await?;
            tx.commit().await?;
            Ok(n)
        })
        .await
    }
}

fn shown(record: ConnectorRecord) -> Connector {
    Connector {
        unit: record.unit,
        settings: record.settings,
        has_credentials: record.sealed_credentials.is_some(),
        polled_at: record.polled_at,
        poll_error: record.poll_error,
        updated_at: record.updated_at,
    }
}
