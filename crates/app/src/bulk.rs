//! Changing many tickets in one action (the queue's bulk changes): each ticket is changed on its
//! own, checked by the policy and the transition table as if it were changed alone; what is
//! refused is listed with why, the rest is done.

use helpdesk_domain::TicketId;
use helpdesk_domain::policy::Actor;
use helpdesk_domain::workflow::TicketPatch;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{App, AppError, AppResult};

/// The most tickets one bulk change takes.
pub const MOST_BULK: usize = 500;

/// What a bulk change did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct BulkOutcome {
    /// The tickets changed (or already as asked), in the order given.
    pub done: Vec<TicketId>,
    /// The tickets left as they were, each with why.
    pub refused: Vec<BulkRefusal>,
}

/// A ticket a bulk change left as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BulkRefusal {
    /// The ticket.
    pub ticket: TicketId,
    /// Why, as the change of that ticket alone would have answered.
    pub detail: String,
}

impl App {
    /// Applies `patch` (unit, owner, status, resolution, priority and its reason) to each of
    /// `tickets` on its own. More than [`MOST_BULK`] tickets, none, or a patch that edits what
    /// was written at opening is refused whole, and nothing is changed.
    pub async fn bulk_update(&self, actor: &Actor, tickets: &[TicketId], patch: TicketPatch) -> AppResult<BulkOutcome> {
        if tickets.is_empty() || tickets.len() > MOST_BULK {
            return Err(AppError::invalid("tickets", format!("give 1 to {MOST_BULK} tickets (got {})", tickets.len())));
        }
        let edits = patch.title.is_some()
            || patch.description.is_some()
            || patch.link_url.is_some()
            || patch.copy_to.is_some()
            || patch.remind_at.is_some();
        if edits {
            return Err(AppError::invalid("changes", "a bulk change sets the unit, owner, status or priority only"));
        }
        let mut outcome = BulkOutcome::default();
        let mut seen = Vec::with_capacity(tickets.len());
        for &id in tickets {
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            // A failure of the database is one ticket's too: those before it are changed, and
            // the answer must say which.
            match self.update_ticket(actor, id, patch.clone()).await {
                Ok(_) => outcome.done.push(id),
                Err(refused) => {
                    let detail = match refused {
                        AppError::Store(_) | AppError::Internal(_) => {
                            tracing::warn!(ticket = %id, error = %refused, "a bulk change failed on a ticket");
                            "the server could not change it now; try again".to_owned()
                        }
                        other => other.to_string(),
                    };
                    outcome.refused.push(BulkRefusal { ticket: id, detail });
                }
            }
        }
        Ok(outcome)
    }
}
