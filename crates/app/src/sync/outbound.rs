//! What the other side lacks of a ticket, as the events that bring it up to date: the runner
//! sends them, and the other Helpdesk pulls them when they could not be sent.

use std::collections::{BTreeMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use helpdesk_domain::ArticleId;
use helpdesk_domain::paging::PageRequest;
use helpdesk_domain::ticket::{Article, Ticket};
use helpdesk_store::{ConnectorRecord, LinkRecord};
use time::OffsetDateTime;

use super::{ARTICLE, EventChange, EventFile, RemoteArticle, RemoteTicket, SyncEvent};
use crate::auth::random_hex;
use crate::{App, AppError, AppResult};

/// The changes of one ticket that the other side does not hold yet, in the order they go.
#[derive(Debug, Clone, Default)]
pub(crate) struct Owed {
    /// The ticket itself, when there is no copy there yet.
    pub create: Option<SyncEvent>,
    /// The articles not sent, and not come from there, oldest first.
    pub articles: Vec<(ArticleId, SyncEvent)>,
    /// The status in the other side's names, when it holds another.
    pub status: Option<(String, SyncEvent)>,
    /// The priority in the other side's names, when it holds another.
    pub priority: Option<(String, SyncEvent)>,
}

impl Owed {
    /// Every event in the order they go, each article's with its id.
    pub fn into_articled_events(self) -> Vec<(Option<ArticleId>, SyncEvent)> {
        let mut events: Vec<(Option<ArticleId>, SyncEvent)> = self.create.into_iter().map(|e| (None, e)).collect();
        events.extend(self.articles.into_iter().map(|(id, e)| (Some(id), e)));
        events.extend(self.status.into_iter().chain(self.priority).map(|(_, e)| (None, e)));
        events
    }
}

impl App {
    /// What the other side of `record` lacks of `ticket`, given what its link says went over.
    pub(crate) async fn owed(&self, record: &ConnectorRecord, link: &LinkRecord, ticket: &Ticket) -> AppResult<Owed> {
        let unit = record.unit;
        let mapping = record.settings.mapping();
        let mut owed = Owed::default();
        let (mut remote_status, mut remote_priority) = (link.remote_status.clone(), link.remote_priority.clone());
        if link.link.external_id.is_none() {
            let created = self.remote_ticket(record, ticket).await?;
            if let EventChange::TicketCreated(t) = &created.change {
                (remote_status, remote_priority) = (t.status.clone(), t.priority.clone());
            }
            owed.create = Some(created);
        }
        let internal = record.settings.internal_notes && record.settings.kind.has_comments();
        // The articles first, then what went over or came in: an article that comes in between
        // is then in neither, rather than in the first only and sent back.
        let articles = self.all_articles(ticket.id, internal).await?;
        let known: HashSet<String> = self
            .store
            .sync_items(ticket.id, unit)
            .await?
            .into_iter()
            .filter(|i| i.kind == ARTICLE)
            .map(|i| i.local_ref)
            .collect();
        for article in articles.iter().filter(|a| !known.contains(&a.id.to_string())) {
            owed.articles.push((article.id, self.remote_article(ticket, article).await?));
        }
        // A value is sent when what the other side holds does not already mean ours (RT's 60
        // is our medium too: sending 50 would undo its user's change for nothing).
        if let Some(value) = mapping.status_to_remote(ticket.status)
            && !mapping.holds_status(remote_status.as_deref(), ticket.status)
        {
            let resolution = ticket.resolution.map(|r| r.as_str().to_owned());
            let change = EventChange::Status { value: value.to_owned(), resolution };
            let at = self.field_changed_at(ticket, "status").await?;
            owed.status = Some((value.to_owned(), event_at(ticket, at, change)));
        }
        if let Some(value) = mapping.priority_to_remote(ticket.priority)
            && !mapping.holds_priority(remote_priority.as_deref(), ticket.priority)
        {
            let change = EventChange::Priority { value: value.to_owned() };
            let at = self.field_changed_at(ticket, "priority").await?;
            owed.priority = Some((value.to_owned(), event_at(ticket, at, change)));
        }
        if let Some(theirs) = &link.link.external_id {
            let articles = owed.articles.iter_mut().map(|(_, e)| e);
            let fields = owed.status.iter_mut().chain(owed.priority.iter_mut()).map(|(_, e)| e);
            for event in articles.chain(fields) {
                event.to_ticket = Some(theirs.clone());
            }
        }
        Ok(owed)
    }

    /// When a person last set `field` here: the time the other side compares with its own
    /// change (the later wins); the ticket's last change when no one has.
    async fn field_changed_at(&self, ticket: &Ticket, field: &str) -> AppResult<OffsetDateTime> {
        Ok(self.store.last_change_here(ticket.id, field).await?.unwrap_or(ticket.updated_at))
    }

    /// Every article of a ticket, oldest first; internal notes only with `internal`.
    async fn all_articles(&self, id: helpdesk_domain::TicketId, internal: bool) -> AppResult<Vec<Article>> {
        let mut all = Vec::new();
        let mut page = PageRequest { page: 1, per_page: 100 };
        loop {
            let got = self.store.articles(id, internal, page).await?;
            let done = got.items.len() < 100;
            all.extend(got.items);
            if done {
                return Ok(all);
            }
            page.page += 1;
        }
    }

    /// `event` with its files, read only as it goes, so that one event's files at a time are
    /// in memory.
    pub(crate) async fn with_files(&self, mut event: SyncEvent) -> AppResult<SyncEvent> {
        let ticket = event_ticket(&event)?;
        match &mut event.change {
            EventChange::TicketCreated(t) => t.attachments = self.event_files(ticket, None, false).await?,
            EventChange::ArticleCreated { article } => {
                let id = article_id(article)?;
                article.attachments = self.event_files(ticket, Some(id), article.internal).await?;
            }
            _ => {}
        }
        Ok(event)
    }

    /// The files of a ticket (of one article, or its own with `None`).
    async fn event_files(
        &self,
        id: helpdesk_domain::TicketId,
        article: Option<ArticleId>,
        internal: bool,
    ) -> AppResult<Vec<EventFile>> {
        let mut files = Vec::new();
        for a in self.store.attachments(id, internal).await? {
            if a.article != article {
                continue;
            }
            if let Some((meta, data)) = self.store.attachment_data(a.id).await? {
                files.push(EventFile {
                    filename: meta.filename,
                    content_type: meta.content_type,
                    data: STANDARD.encode(data),
                });
            }
        }
        Ok(files)
    }

    async fn remote_ticket(&self, record: &ConnectorRecord, ticket: &Ticket) -> AppResult<SyncEvent> {
        let requester_id = ticket.on_behalf_of.unwrap_or(ticket.submitter);
        let requester = self
            .store
            .account(requester_id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("the requester {requester_id} is gone")))?;
        let mapping = record.settings.mapping();
        let fields: BTreeMap<String, serde_json::Value> = ticket
            .fields
            .iter()
            .filter(|(name, _)| record.settings.fields.iter().any(|f| f == *name))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let remote = RemoteTicket {
            title: ticket.title.clone(),
            description: ticket.description.clone(),
            requester_email: requester.email,
            requester_name: requester.name,
            priority: mapping.priority_to_remote(ticket.priority).map(str::to_owned),
            status: mapping.status_to_remote(ticket.status).map(str::to_owned),
            fields,
            attachments: Vec::new(),
            url: Some(format!("{}/tickets/{}", self.public_url(), ticket.id)),
        };
        Ok(event_at(ticket, ticket.created_at, EventChange::TicketCreated(remote)))
    }

    async fn remote_article(&self, ticket: &Ticket, article: &Article) -> AppResult<SyncEvent> {
        let author = match (&article.external_author, article.author) {
            (Some(there), _) => there.clone(),
            (None, Some(id)) => self.store.account(id).await?.map(|a| a.name).unwrap_or_else(|| "Helpdesk".into()),
            (None, None) => "Helpdesk".into(),
        };
        let remote = RemoteArticle {
            id: article.id.to_string(),
            body: article.body.clone(),
            internal: article.internal,
            author,
            attachments: Vec::new(),
        };
        Ok(event_at(ticket, article.created_at, EventChange::ArticleCreated { article: remote }))
    }
}

fn event_ticket(event: &SyncEvent) -> AppResult<helpdesk_domain::TicketId> {
    event.ticket.parse().map_err(|_| AppError::Internal(format!("'{}' is not a ticket of ours", event.ticket)))
}

fn article_id(article: &RemoteArticle) -> AppResult<ArticleId> {
    article.id.parse().map_err(|_| AppError::Internal(format!("'{}' is not an article of ours", article.id)))
}

/// An event about `ticket`, of a change made `at`.
fn event_at(ticket: &Ticket, at: OffsetDateTime, change: EventChange) -> SyncEvent {
    SyncEvent { id: random_hex(12), at, ticket: ticket.id.to_string(), to_ticket: None, change }
}
