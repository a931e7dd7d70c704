//! The lists supporters work from: their units' queue, the tickets they own, and the triage of
//! the 1st-level units. Each is a ticket list the policy scopes, narrowed as the person asks.

use helpdesk_domain::listing::{Narrowing, OpenState, TicketFilter, TicketOrder};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::policy::Actor;
use helpdesk_domain::ticket::TicketSummary;

use crate::{App, AppError, AppResult};

/// A list supporters work from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkList {
    /// The open tickets of their units: new and unassigned first, then by priority and age.
    Queue,
    /// The open tickets they own, in the queue's order.
    Mine,
    /// The open tickets of the 1st-level units they may triage.
    Triage,
}

impl WorkList {
    /// Which of open and finished tickets the list shows when the person asks nothing.
    pub fn shows(self) -> Option<OpenState> {
        Some(OpenState::Open)
    }
}

impl App {
    /// A page of `list` as `actor` may read it, narrowed by `narrowing`; refused to those who
    /// may not work from it. Without a narrowing (the person's filters could not be read) the
    /// access is still checked and the page is `None`.
    pub async fn work_list(
        &self,
        actor: &Actor,
        list: WorkList,
        narrowing: Option<Narrowing>,
        page: PageRequest,
    ) -> AppResult<Option<Page<TicketSummary>>> {
        let base = TicketFilter { state: list.shows(), order: TicketOrder::Queue, ..TicketFilter::default() };
        let base = match list {
            WorkList::Queue => TicketFilter { units: self.queue_units(actor).await?, ..base },
            WorkList::Mine => {
                self.queue_units(actor).await?;
                let me = actor.account.ok_or_else(|| AppError::Unauthenticated("not signed in".into()))?;
                TicketFilter { owner: Some(me), ..base }
            }
            WorkList::Triage => TicketFilter { units: self.triage_units(actor).await?, ..base },
        };
        match narrowing {
            Some(narrowing) => Ok(Some(self.ticket_summaries(actor, base.narrowed(narrowing), page).await?)),
            None => Ok(None),
        }
    }
}
