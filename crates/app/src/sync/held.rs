//! The fallback after an outage between two Helpdesks: each side pulls from the other what the
//! other could not push to it (links failing, or pending too long), as the very events a push
//! would carry. Applying one twice changes nothing, so the push that follows is harmless.

use helpdesk_domain::TicketId;
use helpdesk_domain::connector::ConnectorKind;

use super::{PullPage, PullRequest};
use crate::{App, AppError, AppResult};

/// A change not pushed within this many seconds is served to a pull, even if no push failed
/// (the node that pushes may be the one that is down).
const HELD_AFTER_SECONDS: i64 = 10;
/// Tickets per page.
const PAGE_TICKETS: i64 = 20;
/// A page stops growing past this many bytes of text and files (it holds one ticket at least).
const PAGE_BYTES: usize = 16 * 1024 * 1024;

impl App {
    /// Answers a signed pull of the other Helpdesk of `unit`: one page of the changes this side
    /// has not delivered to it. Refused, it tells nothing and changes nothing.
    pub async fn receive_pull(
        &self,
        unit: helpdesk_domain::UnitId,
        signature_header: &str,
        body: &[u8],
    ) -> AppResult<PullPage> {
        let (record, signed) = self.signed_by(unit, signature_header, body).await?;
        if record.settings.kind != ConnectorKind::Helpdesk {
            return Err(AppError::NotFound(format!("unit {unit} is not linked to another Helpdesk")));
        }
        let request: PullRequest =
            serde_json::from_slice(body).map_err(|e| AppError::invalid("body", format!("not a pull request: {e}")))?;
        let after: TicketId = match request.after.as_deref().map(str::trim) {
            None | Some("") => 0,
            Some(after) => {
                after.parse().map_err(|_| AppError::invalid("after", format!("'{after}' is not where a page ended")))?
            }
        };
        self.remember_nonce(&signed.nonce).await?;
        let now = self.now();
        let before = now - time::Duration::seconds(HELD_AFTER_SECONDS);
        let held = self.store.held_links(unit, before, after, PAGE_TICKETS + 1).await?;
        let mut page = PullPage::default();
        let mut bytes = 0;
        for (n, ticket) in held.iter().enumerate() {
            if n as i64 == PAGE_TICKETS || (n > 0 && bytes > PAGE_BYTES) {
                page.more = true;
                break;
            }
            page.next = ticket.to_string();
            let (Some(link), Some(found)) =
                (self.store.external_link(*ticket).await?, self.store.ticket(*ticket).await?)
            else {
                continue;
            };
            // A ticket moved out of the unit owes the other side nothing more.
            if link.link.unit != unit || found.unit != unit {
                continue;
            }
            for event in self.owed(&record, &link, &found).await?.into_events() {
                bytes += event_size(&event);
                page.events.push(event);
            }
        }
        if !page.more {
            page.next.clear();
        }
        Ok(page)
    }
}

/// About how many bytes an event takes on the wire.
fn event_size(event: &super::SyncEvent) -> usize {
    use super::EventChange;
    match &event.change {
        EventChange::TicketCreated(t) => {
            t.description.len() + t.attachments.iter().map(|f| f.data.len()).sum::<usize>()
        }
        EventChange::ArticleCreated { article } => {
            article.body.len() + article.attachments.iter().map(|f| f.data.len()).sum::<usize>()
        }
        _ => 64,
    }
}
