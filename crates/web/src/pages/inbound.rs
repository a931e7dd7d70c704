//! The admin's page of inbound mail: what arrived, what became of each message, the message as
//! received, and "process again" for one that was refused, ignored or could not be read.

use askama::Template;
use axum::response::Response;
use helpdesk_domain::mail::{InboundMessage, InboundStatus};
use serde::Deserialize;

use super::form::{NoFields, PageForm, PagePath, PageQuery};
use super::views::{Choice, Pager, page_of, when};
use super::{PageError, PageResult, Shell, SignedIn, render, see_other};

/// The list's filter.
#[derive(Debug, Default, Deserialize)]
pub struct InboundQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<i64>,
}

/// One message in the list.
pub struct InboundRow {
    id: i64,
    received: String,
    status: &'static str,
    sender: String,
    subject: String,
    ticket: Option<i64>,
    detail: String,
    size: String,
    /// Whether "process again" makes sense (it was not delivered).
    may_retry: bool,
}

impl InboundRow {
    fn of(m: &InboundMessage) -> InboundRow {
        InboundRow {
            id: m.id,
            received: when(m.received_at),
            status: m.status.as_str(),
            sender: m.sender.clone().unwrap_or_default(),
            subject: m.subject.clone().unwrap_or_default(),
            ticket: m.ticket.map(i64::from),
            detail: m.detail.clone().unwrap_or_default(),
            size: format!("{:.1} KiB", m.size as f64 / 1024.0),
            may_retry: !matches!(m.status, InboundStatus::TicketOpened | InboundStatus::ArticleAdded),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/mail.html")]
struct MailPage {
    shell: Shell,
    rows: Vec<InboundRow>,
    statuses: Vec<Choice>,
    pager: Pager,
}

/// Inbound messages, newest first, filtered by what became of them.
pub async fn list(SignedIn { state, viewer }: SignedIn, PageQuery(q): PageQuery<InboundQuery>) -> PageResult {
    let status = match q.status.as_str() {
        "" => None,
        s => Some(s.parse::<InboundStatus>().map_err(|e| PageError::BadRequest(e.to_string()))?),
    };
    let page = state.app.inbound_messages(&viewer.actor, status, page_of(q.page, 50)?).await?;
    let base = match status {
        Some(s) => format!("/admin/mail?status={s}"),
        None => "/admin/mail".to_owned(),
    };
    let mut statuses = vec![Choice::new("", "every message", &q.status)];
    statuses
        .extend(InboundStatus::ALL.iter().map(|s| Choice::new(s.as_str(), s.as_str().replace('_', " "), &q.status)));
    Ok(render(&MailPage {
        shell: Shell::of(&viewer),
        rows: page.items.iter().map(InboundRow::of).collect(),
        statuses,
        pager: Pager::of(&page, &base, "messages"),
    }))
}

/// One message as received, as a download.
pub async fn raw(SignedIn { state, viewer }: SignedIn, PagePath(id): PagePath<i64>) -> Result<Response, PageError> {
    let (_, raw) = state.app.inbound_message(&viewer.actor, id).await?;
    Ok(crate::respond::download_response(&format!("inbound-{id}.eml"), "message/rfc822", raw))
}

/// Queues a message to be processed again.
pub async fn process(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<i64>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    state.app.reprocess_inbound(&viewer.actor, id).await?;
    Ok(see_other("/admin/mail?status=received"))
}
