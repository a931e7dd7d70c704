//! The fallback after an outage between two Helpdesks: each side pulls from the other what the
//! other could not push to it (links failing, or pending too long), as the very events a push
//! would carry, and sends back receipts of what they made, which the other side records as
//! delivered. Applying an event twice changes nothing, so a push that follows is harmless.

use helpdesk_domain::connector::ConnectorKind;
use helpdesk_domain::{TicketId, UnitId};
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

impl App {
    /// Answers a signed pull of the other Helpdesk of `unit`: one page of the changes this side
    /// has not delivered to it. Refused, it tells nothing and changes nothing.
    pub async fn receive_pull(&self, unit: UnitId, signature_header: &str, body: &[u8]) -> AppResult<PullPage> {
        let (record, after) = self
            .verified(unit, signature_header, body, |record, body| {
                peer_only(record)?;
                let request: PullRequest = serde_json::from_slice(body)
                    .map_err(|e| AppError::invalid("body", format!("not a pull request: {e}")))?;
                match request.after.as_deref().map(str::trim) {
                    None | Some("") => Ok(0),
                    Some(after) => after
                        .parse::<TicketId>()
                        .map_err(|_| AppError::invalid("after", format!("'{after}' is not where a page ended"))),
                }
            })
            .await?;
        let before = self.now() - time::Duration::seconds(HELD_AFTER_SECONDS);
        let held = self.store.held_links(unit, before, after, PAGE_TICKETS + 1).await?;
        let mut page = PullPage::default();
        let mut bytes = 0;
        'tickets: for (n, ticket) in held.iter().enumerate() {
            if n as i64 == PAGE_TICKETS {
                page.more = true;
                break;
            }
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
                let size = self.wire_size(&event).await?;
                if !page.events.is_empty() && bytes + size > PAGE_BYTES {
                    // The next page starts with this ticket again: what the receipts of this
                    // one record is then no longer owed.
                    page.next = (ticket - 1).to_string();
                    page.more = true;
                    break 'tickets;
                }
                bytes += size;
                page.events.push(self.with_files(event).await?);
            }
            page.next = ticket.to_string();
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
                    Received::Ticket { id, url } => {
                        tx.set_external(ticket, unit, &id, url.as_deref().unwrap_or_default(), now).await?
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
