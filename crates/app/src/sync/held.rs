//! The fallback after an outage between two Helpdesks: each side pulls from the other what the
//! other could not push to it (links failing, or pending too long), as the very events a push
//! would carry, and sends back receipts of what they made, which the other side records as
//! delivered. Applying an event twice changes nothing, so a push that follows is harmless.

use helpdesk_domain::connector::ConnectorKind;
use helpdesk_domain::{ArticleId, TicketId, UnitId};
use helpdesk_store::SyncItem;

use super::{ARTICLE, PullPage, PullRequest, Receipt, Received};
use crate::{App, AppError, AppResult};

/// A change not pushed within this many seconds is served to a pull, even if no push failed
/// (the node that pushes may be the one that is down).
const HELD_AFTER_SECONDS: i64 = 10;
/// Tickets looked at per page.
const PAGE_TICKETS: i64 = 20;
/// A page stops growing before it passes this many bytes (it holds one event at least): a
/// ticket with a long backlog of files is served over several pages.
const PAGE_BYTES: usize = 16 * 1024 * 1024;
/// The most receipts one request may carry.
pub const MAX_RECEIPTS: usize = 1000;
/// The most events a page holds (their receipts fit in one request).
const PAGE_EVENTS: usize = 500;

/// Where a page of pulled changes ended: after a ticket, or within one, after one of its
/// articles (`0`: after its creation). Written `T` or `T:A`; empty is the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    ticket: TicketId,
    article: Option<ArticleId>,
}

impl Place {
    fn parse(text: &str) -> Option<Place> {
        if text.is_empty() {
            return Some(Place { ticket: TicketId(0), article: None });
        }
        let (ticket, article) = match text.split_once(':') {
            Some((t, a)) => (t, Some(a.parse().ok().filter(|a: &ArticleId| *a >= ArticleId(0))?)),
            None => (text, None),
        };
        Some(Place { ticket: ticket.parse().ok().filter(|t: &TicketId| *t >= TicketId(0))?, article })
    }

    fn to_text(self) -> String {
        match self.article {
            Some(article) => format!("{}:{article}", self.ticket),
            None => self.ticket.to_string(),
        }
    }
}

/// About how many bytes `event` takes on the wire with its files (base64), from what is stored
/// of the ticket's files rather than their bytes.
fn wire_size(event: &super::SyncEvent, files: &[helpdesk_domain::attachment::Attachment]) -> usize {
    use super::EventChange;
    let (text, article) = match &event.change {
        EventChange::TicketCreated(t) => (t.title.len() + t.description.len(), None),
        EventChange::ArticleCreated { article } => (article.body.len(), article.id.parse::<ArticleId>().ok()),
        _ => return 256,
    };
    let bytes: i64 = files.iter().filter(|f| f.article == article).map(|f| f.size).sum();
    256 + text + usize::try_from(bytes).unwrap_or(usize::MAX) / 3 * 4
}

impl App {
    /// Answers a signed pull of the other Helpdesk of `unit`: one page of the changes this side
    /// has not delivered to it. Refused, it tells nothing and changes nothing.
    pub async fn receive_pull(&self, unit: UnitId, signature_header: &str, body: &[u8]) -> AppResult<PullPage> {
        let (record, after) = self
            .verified(unit, signature_header, body, |record, body| {
                peer_only(record)?;
                let request: PullRequest = serde_json::from_slice(body)
                    .map_err(|e| AppError::invalid("body", format!("not a pull request: {e}")))?;
                let after = request.after.as_deref().map(str::trim).unwrap_or_default();
                Place::parse(after)
                    .ok_or_else(|| AppError::invalid("after", format!("'{after}' is not where a page ended")))
            })
            .await?;
        let before = self.now() - time::Duration::seconds(HELD_AFTER_SECONDS);
        // A page that ended within a ticket goes on with that ticket.
        let first = if after.article.is_some() { TicketId(after.ticket.get() - 1) } else { after.ticket };
        let held = self.store.held_links(unit, before, first, PAGE_TICKETS + 1).await?;
        let mut page = PullPage::default();
        let mut bytes = 0;
        'tickets: for (n, ticket) in held.iter().enumerate() {
            if n as i64 == PAGE_TICKETS {
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
            let mut owed = self.owed(&record, &link, &found).await?;
            if let Some(served) = after.article.filter(|_| after.ticket == *ticket) {
                owed.create = None;
                owed.articles.retain(|(id, _)| *id > served);
            }
            let files = self.store.attachments(*ticket, true).await?;
            let mut last_article = None;
            for (article, event) in owed.into_articled_events() {
                let size = wire_size(&event, &files);
                if !page.events.is_empty() && (bytes + size > PAGE_BYTES || page.events.len() == PAGE_EVENTS) {
                    // The next page goes on with this ticket, past what this one served of it.
                    page.next = match last_article {
                        Some(served) => Place { ticket: *ticket, article: Some(served) }.to_text(),
                        None => (ticket.get() - 1).to_string(),
                    };
                    page.more = true;
                    break 'tickets;
                }
                bytes += size;
                // The ticket's creation counts as served before its first article (0).
                last_article = Some(article.unwrap_or(ArticleId(0)).max(last_article.unwrap_or(ArticleId(0))));
                page.events.push(self.with_files(event).await?);
            }
        }
        if !page.more {
            page.next.clear();
        }
        Ok(page)
    }

    /// Takes the other Helpdesk's receipts of changes it pulled from `unit`: each is recorded as
    /// if a push had delivered it, and the ticket is looked at again (it is in step once
    /// nothing more is owed). Returns how many were recorded; a receipt about a ticket not of
    /// this unit is passed over.
    pub async fn receive_receipts(&self, unit: UnitId, signature_header: &str, body: &[u8]) -> AppResult<usize> {
        let (_, receipts) = self
            .verified(unit, signature_header, body, |record, body| {
                peer_only(record)?;
                let receipts: Vec<Receipt> = serde_json::from_slice(body)
                    .map_err(|e| AppError::invalid("body", format!("not receipts: {e}")))?;
                if receipts.len() > MAX_RECEIPTS {
                    return Err(AppError::invalid("body", format!("at most {MAX_RECEIPTS} receipts per request")));
                }
                Ok(receipts)
            })
            .await?;
        let mut recorded = 0;
        for receipt in receipts {
            let Ok(ticket) = receipt.ticket.trim().parse::<TicketId>() else { continue };
            let (Some(link), Some(found)) = (self.store.external_link(ticket).await?, self.store.ticket(ticket).await?)
            else {
                continue;
            };
            if link.link.unit != unit || found.unit != unit {
                continue;
            }
            let now = self.now();
            self.write(move |mut tx| async move {
                match receipt.received {
                    Received::Ticket { id, url, status, priority } => {
                        tx.set_external(ticket, unit, &id, url.as_deref().unwrap_or_default(), now).await?;
                        tx.set_remote_state(ticket, status.as_deref(), priority.as_deref(), None).await?;
                    }
                    Received::Article { article, id } => {
                        let sent = format!("sent-{article}");
                        let remote_ref = if id.trim().is_empty() { sent.clone() } else { id };
                        let item = SyncItem { kind: ARTICLE.into(), local_ref: article, remote_ref, inbound: false };
                        if !tx.insert_sync_item(ticket, unit, &item, now).await? {
                            let own = SyncItem { remote_ref: sent, ..item };
                            tx.insert_sync_item(ticket, unit, &own, now).await?;
                        }
                    }
                    Received::Status { value } => tx.set_remote_state(ticket, Some(&value), None, None).await?,
                    Received::Priority { value } => tx.set_remote_state(ticket, None, Some(&value), None).await?,
                }
                tx.mark_link_due(ticket, now).await?;
                tx.commit().await?;
                Ok(())
            })
            .await?;
            recorded += 1;
        }
        Ok(recorded)
    }
}

/// Only another Helpdesk pulls, and sends receipts.
fn peer_only(record: &helpdesk_store::ConnectorRecord) -> AppResult<()> {
    if record.settings.kind != ConnectorKind::Helpdesk {
        return Err(AppError::NotFound(format!("unit {} is not linked to another Helpdesk", record.unit)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Place;
    use helpdesk_domain::{ArticleId, TicketId};

    #[test]
    fn where_a_page_ended_reads_back() {
        let table = [
            ("", Some(Place { ticket: TicketId(0), article: None })),
            ("12", Some(Place { ticket: TicketId(12), article: None })),
            ("12:0", Some(Place { ticket: TicketId(12), article: Some(ArticleId(0)) })),
            ("12:345", Some(Place { ticket: TicketId(12), article: Some(ArticleId(345)) })),
            ("x", None),
            ("12:", None),
            ("12:x", None),
            ("-3", None),
            ("12:-1", None),
        ];
        for (text, place) in table {
            assert_eq!(Place::parse(text), place, "{text}");
            if let Some(place) = place.filter(|p| p.ticket > TicketId(0)) {
                assert_eq!(place.to_text(), text);
            }
        }
    }
}
