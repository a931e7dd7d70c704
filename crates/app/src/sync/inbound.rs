//! Changes that come from the other side: by a signed webhook or read by polling. Each is
//! applied once: a ticket by its id there, an article by its id there, a status or priority
//! only when it differs from what the other side was last known to hold, and only when it is
//! later than the change made here (the later change wins, and the history says so). A copy
//! opens in the status the other side holds; a status or priority that cannot be taken here
//! leaves the ticket not in step, and ours goes back over. The answer to each says what the
//! ticket holds here, so that the other side knows whether it was taken.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use helpdesk_domain::account::Role;
use helpdesk_domain::attachment::{MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, NewUpload, sanitise_filename};
use helpdesk_domain::connector::ConnectorKind;
use helpdesk_domain::history::Change;
use helpdesk_domain::paging::PageRequest;
use helpdesk_domain::policy::Actor;
use helpdesk_domain::status::{Resolution, Status};
use helpdesk_domain::ticket::{Channel, Privacy, SecurityRisk, TicketType};
use helpdesk_domain::workflow::{self, OpenTicket, TicketPatch};
use helpdesk_domain::{AccountId, CategoryId, TicketId, UnitId};
use helpdesk_store::ConnectorRecord;

use super::signature::{self, BadSignature};
use super::{ARTICLE, EventChange, EventReply, RemoteArticle, RemoteTicket, SyncEvent};
use crate::origin::{ExternalOrigin, Origin};
use crate::{App, AppError, AppResult};

/// The most events one webhook request may carry.
pub const MAX_EVENTS: usize = 100;

fn refused(e: BadSignature) -> AppError {
    AppError::Unauthenticated(e.to_string())
}

impl App {
    /// Receives a signed webhook for `unit`: checks the signature, its time and its nonce,
    /// then applies each event once. Refused as a whole, it changes nothing.
    pub async fn receive_events(
        &self,
        unit: UnitId,
        signature_header: &str,
        body: &[u8],
    ) -> AppResult<Vec<EventReply>> {
        let (record, events) = self
            .verified(unit, signature_header, body, |_, body| {
                let events: Vec<SyncEvent> = match serde_json::from_slice::<Vec<SyncEvent>>(body) {
                    Ok(events) => events,
                    Err(_) => vec![
                        serde_json::from_slice(body)
                            .map_err(|e| AppError::invalid("body", format!("not an event: {e}")))?,
                    ],
                };
                if events.len() > MAX_EVENTS {
                    return Err(AppError::invalid("body", format!("at most {MAX_EVENTS} events per request")));
                }
                Ok(events)
            })
            .await?;
        let mut replies = Vec::with_capacity(events.len());
        for event in &events {
            // A change that overtook its ticket's creation is refused, so that the sender keeps
            // it and sends it again, rather than taken as delivered and dropped.
            if !matches!(event.change, EventChange::TicketCreated(_))
                && self.store.ticket_of_external(unit, &event.ticket).await?.is_none()
                && !self.adopt_copy(&record, event).await?
            {
                return Err(AppError::Conflict {
                    detail: format!(
                        "ticket {} of the other side is not linked here (yet); send it again later",
                        event.ticket
                    ),
                    allowed: None,
                });
            }
            replies.push(self.apply_remote(&record, event, false).await?.unwrap_or_default());
        }
        Ok(replies)
    }

    /// Handles a signed request of the other side to send now what waits for it; returns how
    /// many tickets were made due.
    pub async fn receive_resume(&self, unit: UnitId, signature_header: &str, body: &[u8]) -> AppResult<u64> {
        self.verified(unit, signature_header, body, |_, _| Ok(())).await?;
        let now = self.now();
        self.write(move |mut tx| async move {
            let n = tx.retry_links(Some(unit), None, now).await?;
            tx.commit().await?;
            Ok(n)
        })
        .await
    }

    /// Links our ticket that `event` names as the receiver's to the sender's, when it is in the
    /// connector's unit and has no copy yet: the sender made its copy from what it pulled, and
    /// our push of the ticket never got through. Returns whether the ticket is now linked.
    async fn adopt_copy(&self, record: &ConnectorRecord, event: &SyncEvent) -> AppResult<bool> {
        let unit = record.unit;
        let Some(ours) = event.to_ticket.as_deref().and_then(|t| t.trim().parse::<TicketId>().ok()) else {
            return Ok(false);
        };
        let (Some(link), Some(ticket)) = (self.store.external_link(ours).await?, self.store.ticket(ours).await?) else {
            return Ok(false);
        };
        if link.link.unit != unit || ticket.unit != unit || link.link.external_id.is_some() {
            return Ok(false);
        }
        let (remote, now) = (event.ticket.clone(), self.now());
        let url = match record.settings.kind {
            ConnectorKind::Helpdesk => format!("{}/tickets/{remote}", record.settings.url.trim_end_matches('/')),
            _ => String::new(),
        };
        self.write(move |mut tx| async move {
            tx.set_external(ours, unit, &remote, &url, now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await?;
        Ok(self.store.ticket_of_external(unit, &event.ticket).await? == Some(ours))
    }

    /// The connector of `unit` and what `read` makes of the body of a webhook sent to it, once
    /// its signature, time and body hold; only then is its nonce recorded (against replays), so
    /// that a refused request writes nothing.
    pub(super) async fn verified<T>(
        &self,
        unit: UnitId,
        signature_header: &str,
        body: &[u8],
        read: impl FnOnce(&ConnectorRecord, &[u8]) -> AppResult<T>,
    ) -> AppResult<(ConnectorRecord, T)> {
        let (record, signed) = self.signed_by(unit, signature_header, body).await?;
        let read = read(&record, body)?;
        self.remember_nonce(&signed.nonce).await?;
        Ok((record, read))
    }

    /// The connector of `unit` and the checked signature of a webhook sent to it.
    async fn signed_by(
        &self,
        unit: UnitId,
        signature_header: &str,
        body: &[u8],
    ) -> AppResult<(ConnectorRecord, signature::Signed)> {
        let record = self.webhook_connector(unit).await?;
        let key = self.credentials_of(&record)?.signing_key.unwrap_or_default();
        let signed =
            signature::verify(key.as_bytes(), signature_header, body, self.now().unix_timestamp()).map_err(refused)?;
        Ok((record, signed))
    }

    /// The connector of a unit that takes webhooks; any other unit is not found, so that the
    /// endpoint tells a stranger nothing.
    async fn webhook_connector(&self, unit: UnitId) -> AppResult<ConnectorRecord> {
        match self.store.connector(unit).await? {
            Some(r)
                if matches!(r.settings.kind, ConnectorKind::Helpdesk | ConnectorKind::Webhook)
                    && r.settings.enabled =>
            {
                Ok(r)
            }
            _ => Err(AppError::NotFound(format!("unit {unit} takes no webhooks"))),
        }
    }

    async fn remember_nonce(&self, nonce: &str) -> AppResult<()> {
        let now = self.now();
        let forget = now - time::Duration::seconds(2 * signature::WINDOW_SECONDS);
        let nonce = nonce.to_owned();
        let fresh = self
            .write(move |mut tx| async move {
                let fresh = tx.use_nonce(&nonce, now, forget).await?;
                tx.commit().await?;
                Ok(fresh)
            })
            .await?;
        if fresh { Ok(()) } else { Err(AppError::Unauthenticated("this request was seen before (a replay)".into())) }
    }

    /// Applies one change of the other side; returns what it made, if anything. A change about a
    /// ticket Helpdesk does not know through this unit is skipped.
    pub(crate) async fn apply_remote(
        &self,
        record: &ConnectorRecord,
        event: &SyncEvent,
        by_us: bool,
    ) -> AppResult<Option<EventReply>> {
        let unit = record.unit;
        if let EventChange::TicketCreated(ticket) = &event.change {
            return self.apply_remote_ticket(record, event, ticket).await.map(Some);
        }
        let Some(ticket) = self.store.ticket_of_external(unit, &event.ticket).await? else {
            tracing::debug!(unit = unit.get(), remote = %event.ticket, "a change about a ticket not linked here; skipped");
            return Ok(None);
        };
        // The ticket moved out of the unit (or the unit out of external mode): the copy there
        // is no longer followed.
        match self.store.ticket(ticket).await? {
            Some(t) if t.unit == unit => {}
            _ => return Ok(None),
        }
        if by_us {
            // Our own change, read back: the other side holds what we sent, in this order.
            let (status, priority, field) = match &event.change {
                EventChange::Status { value, .. } => (Some(value.as_str()), None, Field::Status),
                EventChange::Priority { value } => (None, Some(value.as_str()), Field::Priority),
                _ => return Ok(None),
            };
            if self.out_of_date(ticket, field, event).await? {
                return Ok(None);
            }
            let origin = remote_state(record, event, status, priority);
            self.update_ticket_from(&Actor::system(), ticket, TicketPatch::default(), Some(origin)).await?;
            return Ok(None);
        }
        match &event.change {
            EventChange::TicketCreated(_) => Ok(None),
            EventChange::ArticleCreated { article } => {
                self.apply_remote_article(record, ticket, event, article).await.map(Some)
            }
            EventChange::Status { value, resolution } => {
                self.apply_remote_field(record, ticket, event, Field::Status, value, resolution.as_deref()).await?;
                Ok(Some(self.held_here(record, ticket, EventReply::default()).await?))
            }
            EventChange::Priority { value } => {
                self.apply_remote_field(record, ticket, event, Field::Priority, value, None).await?;
                Ok(Some(self.held_here(record, ticket, EventReply::default()).await?))
            }
        }
    }

    async fn apply_remote_ticket(
        &self,
        record: &ConnectorRecord,
        event: &SyncEvent,
        remote: &RemoteTicket,
    ) -> AppResult<EventReply> {
        let unit = record.unit;
        if let Some(id) = self.store.ticket_of_external(unit, &event.ticket).await? {
            return self.held_here(record, id, self.reply_for(id)).await;
        }
        let category = self.category_of_unit(unit).await?;
        let (uploads, left_out) = uploads_of(&remote.attachments);
        let (requester, disabled) = self.remote_requester(&remote.requester_email, &remote.requester_name).await?;
        let mapping = record.settings.mapping();
        let cmd = OpenTicket {
            title: remote.title.clone(),
            description: with_left_out(&remote.description, &left_out, record.settings.kind.label()),
            ticket_type: TicketType::Incident,
            category,
            privacy: Privacy::Private,
            affected_users: 1,
            service_degraded: false,
            security_risk: SecurityRisk::None,
            fields: remote.fields.clone().into_iter().collect(),
            // The other side took it from them: a disabled account here still gets it (it signs
            // in nowhere and is sent no mail), rather than the ticket refused again and again.
            // Opened by the account itself, the ticket names no organisation of theirs.
            on_behalf_of: (!disabled).then_some(requester),
            copy_to: Vec::new(),
            link_url: remote.url.clone().filter(|u| u.starts_with("http")),
            priority: remote.priority.as_deref().and_then(|p| mapping.priority_from_remote(p)),
            priority_reason: remote
                .priority
                .as_ref()
                .map(|_| format!("set on the other side ({})", record.settings.kind)),
            kind: helpdesk_domain::team::TicketKind::User,
            team: None,
            unit: None,
        };
        let origin = Origin::External(ExternalOrigin {
            unit,
            remote_ticket: event.ticket.clone(),
            remote_url: remote.url.clone(),
            remote_article: None,
            remote_status: remote.status.clone(),
            remote_priority: remote.priority.clone(),
            remote_author: None,
            remote_at: Some(event.at),
        });
        // The copy is moved to the status the other side holds, in the same transaction, as far
        // as the rules here let it (a new ticket cannot be reopened, say).
        let held = remote.status.as_deref().and_then(|s| mapping.status_from_remote(s)).filter(|s| *s != Status::New);
        let then = held.map(|status| TicketPatch {
            status: Some(status),
            resolution: resolution_of(status, None),
            ..TicketPatch::default()
        });
        // The requester opens it, with Helpdesk's rights: the other side already accepted it.
        let actor = Actor { account: Some(requester), ..Actor::system() };
        match self.open_ticket_from(&actor, cmd, uploads, Some(unit), Some(origin), then.clone()).await {
            Ok(ticket) => {
                if let (Some(value), Some(patch)) = (remote.status.as_deref(), then)
                    && patch.status != Some(ticket.status)
                {
                    let why = match workflow::update(&Actor::system(), &ticket, &patch) {
                        Err(e) => refusal(&AppError::from(e)),
                        Ok(_) => None,
                    };
                    let why = why.unwrap_or_else(|| "the rules here refused it".to_owned());
                    let note = format!("status '{value}' set on the other side not taken: {why}");
                    self.note_sync(ticket.id, note, remote_state(record, event, Some(value), None)).await?;
                }
                self.held_here(record, ticket.id, self.reply_for(ticket.id)).await
            }
            // The same ticket delivered twice at once: the other copy won.
            Err(AppError::Conflict { .. }) => match self.store.ticket_of_external(unit, &event.ticket).await? {
                Some(id) => self.held_here(record, id, self.reply_for(id)).await,
                None => Err(AppError::Internal(format!("ticket {} of the other side clashed", event.ticket))),
            },
            Err(e) => Err(e),
        }
    }

    fn reply_for(&self, ticket: TicketId) -> EventReply {
        let url = Some(format!("{}/tickets/{ticket}", self.public_url()));
        EventReply { id: ticket.to_string(), url, ..EventReply::default() }
    }

    /// `reply` with the status and priority `ticket` holds here, in the other side's names.
    async fn held_here(&self, record: &ConnectorRecord, ticket: TicketId, reply: EventReply) -> AppResult<EventReply> {
        let Some(found) = self.store.ticket(ticket).await? else { return Ok(reply) };
        let mapping = record.settings.mapping();
        Ok(EventReply {
            status: mapping.status_to_remote(found.status).map(str::to_owned),
            priority: mapping.priority_to_remote(found.priority).map(str::to_owned),
            ..reply
        })
    }

    /// The category new tickets of `unit` open in: the first whose default unit it is.
    async fn category_of_unit(&self, unit: UnitId) -> AppResult<CategoryId> {
        let mut page = PageRequest { page: 1, per_page: 100 };
        loop {
            let categories = self.store.categories(page).await?;
            if let Some(c) = categories.items.iter().find(|c| c.default_unit == unit) {
                return Ok(c.id);
            }
            if categories.items.len() < 100 {
                return Err(AppError::invalid(
                    "unit",
                    format!("no category routes to unit {unit}; create one so that its tickets can be opened here"),
                ));
            }
            page.page += 1;
        }
    }

    /// The account of a requester on the other side: theirs, or a new community account; and
    /// whether it is disabled.
    async fn remote_requester(&self, email: &str, name: &str) -> AppResult<(AccountId, bool)> {
        let email = &helpdesk_domain::account::Email::new(email);
        if let Some(account) = self.store.account_by_email(email).await? {
            return Ok((account.id, account.disabled));
        }
        let name = if name.trim().is_empty() { email.split('@').next().unwrap_or(email) } else { name.trim() };
        let name: String = name.chars().take(100).collect();
        match self.create_account(&Actor::system(), email, &name, &[Role::Community]).await {
            Ok(account) => Ok((account.id, account.disabled)),
            Err(AppError::Conflict { .. }) => match self.store.account_by_email(email).await? {
                Some(account) => Ok((account.id, account.disabled)),
                None => Err(AppError::Internal(format!("the account of {email} vanished"))),
            },
            Err(e) => Err(e),
        }
    }

    async fn apply_remote_article(
        &self,
        record: &ConnectorRecord,
        ticket: TicketId,
        event: &SyncEvent,
        article: &RemoteArticle,
    ) -> AppResult<EventReply> {
        if let Some(known) = self.known_remote_article(ticket, record.unit, &article.id).await? {
            return Ok(EventReply { id: known, ..EventReply::default() });
        }
        let internal = article.internal;
        let author = if article.author.trim().is_empty() { "someone" } else { article.author.trim() };
        let label = record.settings.kind.label();
        let (uploads, left_out) = uploads_of(&article.attachments);
        // A reply of files alone still says something, for an article is never empty.
        let text = if article.body.trim().is_empty() { "(no text)" } else { article.body.as_str() };
        let body = with_left_out(text, &left_out, label);
        let author: String = author.chars().take(100).collect();
        let origin = Origin::External(ExternalOrigin {
            unit: record.unit,
            remote_ticket: event.ticket.clone(),
            remote_url: None,
            remote_article: Some(article.id.clone()),
            remote_status: None,
            remote_priority: None,
            remote_author: Some(format!("{author} ({label})")),
            remote_at: Some(event.at),
        });
        let system = Actor::system();
        match self.add_article_from(&system, ticket, body, internal, Channel::External, uploads, Some(origin)).await {
            Ok(made) => Ok(EventReply { id: made.id.to_string(), ..EventReply::default() }),
            Err(AppError::Conflict { detail, .. }) => {
                match self.known_remote_article(ticket, record.unit, &article.id).await? {
                    Some(known) => Ok(EventReply { id: known, ..EventReply::default() }),
                    // The rules refuse it here (a verified or closed ticket takes nothing more).
                    None => {
                        let note = format!("a reply of {author} on the other side was not taken: {detail}");
                        let origin = remote_state(record, event, None, None);
                        self.note_sync(ticket, note, origin).await?;
                        Ok(EventReply::default())
                    }
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn known_remote_article(&self, ticket: TicketId, unit: UnitId, remote: &str) -> AppResult<Option<String>> {
        let items = self.store.sync_items(ticket, unit).await?;
        Ok(items.into_iter().find(|i| i.kind == ARTICLE && i.remote_ref == remote).map(|i| i.local_ref))
    }

    /// Applies a status or priority set on the other side: nothing when it changes nothing
    /// here, only remembered when a person here changed the field later (the later change wins),
    /// noted when the rules refuse it.
    async fn apply_remote_field(
        &self,
        record: &ConnectorRecord,
        ticket: TicketId,
        event: &SyncEvent,
        field: Field,
        value: &str,
        resolution: Option<&str>,
    ) -> AppResult<()> {
        let (Some(link), Some(current)) = (self.store.external_link(ticket).await?, self.store.ticket(ticket).await?)
        else {
            return Ok(());
        };
        if self.out_of_date(ticket, field, event).await? {
            return Ok(());
        }
        let mapping = record.settings.mapping();
        // Seen before: the other side was already known to hold it.
        let (known, origin, patch) = match field {
            Field::Status => (
                link.remote_status.as_deref() == Some(value),
                remote_state(record, event, Some(value), None),
                mapping.status_from_remote(value).filter(|s| *s != current.status).map(|status| TicketPatch {
                    status: Some(status),
                    resolution: resolution_of(status, resolution),
                    ..TicketPatch::default()
                }),
            ),
            Field::Priority => (
                link.remote_priority.as_deref() == Some(value),
                remote_state(record, event, None, Some(value)),
                mapping.priority_from_remote(value).filter(|p| *p != current.priority).map(|priority| TicketPatch {
                    priority: Some(priority),
                    priority_reason: Some(format!("set in {}", record.settings.kind.label())),
                    ..TicketPatch::default()
                }),
            ),
        };
        let name = field.name();
        let Some(patch) = patch else {
            if known {
                return Ok(());
            }
            // Theirs means ours, or no status here (RT's "new", another Helpdesk's "new"). When
            // ours is not what theirs is there, the two do not agree: the ticket is not in step,
            // and ours goes back over (once for each status the other side says). A priority
            // that means nothing here is only remembered: a system with fewer priorities names
            // ours with one of its own, and sending it back would change theirs.
            let ours = match field {
                Field::Status => mapping.status_to_remote(current.status),
                Field::Priority => None,
            };
            let means_ours = mapping.status_from_remote(value) == Some(current.status);
            if let Some(ours) = ours.filter(|ours| *ours != value && !means_ours) {
                let note =
                    format!("{name} '{value}' of the other side is not one this side takes; '{ours}' is sent back");
                return self.note_sync(ticket, note, origin).await;
            }
            let system = Actor::system();
            return self.update_ticket_from(&system, ticket, TicketPatch::default(), Some(origin)).await.map(drop);
        };
        if let Some(later) = self.later_change_here(ticket, name, event).await? {
            if known {
                return Ok(());
            }
            let at = rfc3339(event.at);
            let note = format!(
                "{name} '{value}' set on the other side at {at} is older than the change made here at {later}; kept"
            );
            return self.note_sync(ticket, note, origin).await;
        }
        match self.update_ticket_from(&Actor::system(), ticket, patch, Some(origin.clone())).await {
            Ok(_) => Ok(()),
            Err(e) => match refusal(&e) {
                // Refused when it was said before: the history says so already, and ours went
                // back then.
                Some(_) if known => Ok(()),
                Some(why) => {
                    self.note_sync(ticket, format!("{name} '{value}' set on the other side not taken: {why}"), origin)
                        .await
                }
                None => Err(e),
            },
        }
    }

    /// Whether the other side said something later about `field` already (a pull, then a slow
    /// push of an older change): `event` is then out of date there too.
    async fn out_of_date(&self, ticket: TicketId, field: Field, event: &SyncEvent) -> AppResult<bool> {
        let Some(link) = self.store.external_link(ticket).await? else { return Ok(false) };
        let said_at = match field {
            Field::Status => link.remote_status_at,
            Field::Priority => link.remote_priority_at,
        };
        let stale = said_at.is_some_and(|said| event.at < said);
        if stale {
            tracing::debug!(
                ticket = ticket.get(),
                field = field.name(),
                "a change of the other side older than one applied; skipped"
            );
        }
        Ok(stale)
    }

    /// When `field` was last changed here by someone other than the sync, if that is later
    /// than `event`.
    async fn later_change_here(&self, ticket: TicketId, field: &str, event: &SyncEvent) -> AppResult<Option<String>> {
        let last = self.store.last_change_here(ticket, field).await?;
        Ok(last.filter(|at| *at > event.at).map(rfc3339))
    }

    /// Records in the ticket's history why a change of the other side was not taken, and what
    /// the other side holds now.
    async fn note_sync(&self, ticket: TicketId, note: String, origin: Origin) -> AppResult<()> {
        let now = self.now();
        self.write(move |mut tx| async move {
            tx.record_history(ticket, &[Change::new("sync", serde_json::Value::Null, note).at(now, None)]).await?;
            Origin::record_update(&Some(origin), &mut *tx, ticket).await?;
            // What is kept here goes back over, so that the two sides agree again.
            tx.mark_link_due(ticket, now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}

/// A field the other side changes by value.
#[derive(Debug, Clone, Copy)]
enum Field {
    Status,
    Priority,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Status => "status",
            Field::Priority => "priority",
        }
    }
}

/// Why the rules here refused a change, in words; none for a failure that is no refusal.
fn refusal(e: &AppError) -> Option<String> {
    match e {
        AppError::Conflict { detail, .. } | AppError::Forbidden(detail) => Some(detail.clone()),
        AppError::Invalid(errors) => Some(errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ")),
        _ => None,
    }
}

/// The qualifier of a solved or unsolved status from the other side (fixed, or won't fix,
/// when it says none).
fn resolution_of(status: Status, given: Option<&str>) -> Option<Resolution> {
    let default = match status {
        Status::Solved => Resolution::Fixed,
        Status::Unsolved => Resolution::WontFix,
        _ => return None,
    };
    Some(given.and_then(|r| r.parse().ok()).unwrap_or(default))
}

/// What the other side holds after `event`, as the origin of the change it makes here.
fn remote_state(record: &ConnectorRecord, event: &SyncEvent, status: Option<&str>, priority: Option<&str>) -> Origin {
    Origin::External(ExternalOrigin {
        unit: record.unit,
        remote_ticket: event.ticket.clone(),
        remote_at: Some(event.at),
        remote_url: None,
        remote_article: None,
        remote_status: status.map(str::to_owned),
        remote_priority: priority.map(str::to_owned),
        remote_author: None,
    })
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| at.to_string())
}

/// The files of an event that are kept here (the web form's limits: at most
/// [`MAX_ATTACHMENTS`], none empty or larger than [`MAX_ATTACHMENT_BYTES`]), and a description
/// of each left out. The other side took them, so a file that breaks a limit here is named in
/// the text rather than the change refused.
fn uploads_of(files: &[super::EventFile]) -> (Vec<NewUpload>, Vec<String>) {
    let (mut kept, mut left_out) = (Vec::new(), Vec::new());
    for f in files {
        let name = sanitise_filename(&f.filename);
        match STANDARD.decode(f.data.as_bytes()) {
            Err(_) => left_out.push(format!("{name} (not readable: not base64)")),
            Ok(bytes) if bytes.is_empty() => left_out.push(format!("{name} (empty)")),
            Ok(bytes) if bytes.len() > MAX_ATTACHMENT_BYTES => left_out.push(too_large(&name, bytes.len())),
            Ok(_) if kept.len() == MAX_ATTACHMENTS => {
                left_out.push(format!("{name} (more than {MAX_ATTACHMENTS} files at once)"))
            }
            Ok(bytes) => {
                kept.push(NewUpload { filename: f.filename.clone(), content_type: f.content_type.clone(), bytes })
            }
        }
    }
    (kept, left_out)
}

/// How a file too large to keep is named among those left out.
pub fn too_large(name: &str, bytes: usize) -> String {
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    format!("{name} ({:.1} MiB, more than {} MiB)", mib(bytes), MAX_ATTACHMENT_BYTES / (1024 * 1024))
}

/// `text`, with a line naming the files of the other side that were not brought over.
pub fn with_left_out(text: &str, left_out: &[String], system: &str) -> String {
    if left_out.is_empty() {
        return text.to_owned();
    }
    format!("{text}\n\n(Files not brought over from {system}, where they stay: {}.)", left_out.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::EventFile;

    fn file(name: &str, bytes: &[u8]) -> EventFile {
        EventFile { filename: name.into(), content_type: "text/plain".into(), data: STANDARD.encode(bytes) }
    }

    #[test]
    fn files_of_the_other_side_are_kept_within_the_web_forms_limits_and_the_rest_named() {
        let big = vec![1u8; MAX_ATTACHMENT_BYTES + 1];
        let mut not_base64 = file("garbled.bin", b"x");
        not_base64.data = "not base64!".into();
        let six: Vec<EventFile> = (0..6).map(|i| file(&format!("f{i}.txt"), b"x")).collect();
        let table: Vec<(Vec<EventFile>, Vec<&str>, Vec<&str>)> = vec![
            (vec![file("a.txt", b"hello")], vec!["a.txt"], vec![]),
            (vec![file("empty.txt", b"")], vec![], vec!["empty.txt (empty)"]),
            (vec![file("huge.iso", &big)], vec![], vec!["huge.iso (10.0 MiB, more than 10 MiB)"]),
            (vec![not_base64], vec![], vec!["garbled.bin (not readable: not base64)"]),
            (six, vec!["f0.txt", "f1.txt", "f2.txt", "f3.txt", "f4.txt"], vec!["f5.txt (more than 5 files at once)"]),
        ];
        for (files, kept, left) in table {
            let (uploads, left_out) = uploads_of(&files);
            let names: Vec<&str> = uploads.iter().map(|u| u.filename.as_str()).collect();
            assert_eq!((names, left_out.iter().map(String::as_str).collect::<Vec<_>>()), (kept, left));
        }
    }

    #[test]
    fn the_text_names_what_was_left_out_and_is_unchanged_otherwise() {
        assert_eq!(with_left_out("Hello", &[], "RT"), "Hello");
        assert_eq!(
            with_left_out("Hello", &["a.iso (12.0 MiB, more than 10 MiB)".into()], "RT"),
            "Hello\n\n(Files not brought over from RT, where they stay: a.iso (12.0 MiB, more than 10 MiB).)"
        );
    }
}
