//! Search: the use case and its port. The index (crate `helpdesk-search`) is a derived view of
//! the database; the policy's visibility filter and the rule on internal notes travel into the
//! query itself, so counts and pages hold only what the person may read.

use std::sync::Arc;

use async_trait::async_trait;
use helpdesk_domain::listing::Lateness;
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::policy::Actor;
use helpdesk_domain::policy::{InternalNotes, Visibility, internal_notes, visibility};
use helpdesk_domain::search::{QueryText, SearchHit, parse_query};
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::Priority;
use helpdesk_domain::{AccountId, CategoryId, OrgId, TicketId, UnitId};
use time::OffsetDateTime;

use crate::{App, AppError, AppResult};

/// Open or finished tickets, or one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Every status not yet finished.
    Open,
    /// Solved, unsolved, verified or closed.
    Closed,
    /// Exactly this status.
    Is(Status),
}

/// The order of the hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SearchSort {
    /// Best match first (newest activity first when there are no words).
    #[default]
    Relevance,
    /// Newest activity first.
    Activity,
    /// Oldest activity first.
    EarliestActivity,
    /// Newest first, by number.
    Newest,
    /// Oldest first, by number.
    Oldest,
}

/// What narrows a search besides its words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilters {
    /// Only this category.
    pub category: Option<CategoryId>,
    /// Only open, finished, or one status.
    pub status: Option<StatusFilter>,
    /// Only this unit.
    pub unit: Option<UnitId>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only this organisation's.
    pub organisation: Option<OrgId>,
    /// Only those this person opened or had opened for them.
    pub submitter: Option<AccountId>,
    /// Only those opened at or after this time.
    pub from: Option<OffsetDateTime>,
    /// Only those opened before this time.
    pub to: Option<OffsetDateTime>,
    /// Only those late on a service-level clock now (due soon, or overdue).
    pub late: Option<Lateness>,
    /// Only tickets of this kind (user, team, alarm).
    pub kind: Option<helpdesk_domain::team::TicketKind>,
}

/// A search as the index runs it: the words, who may read what, the filters and the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    /// The words, phrases and exclusions.
    pub text: QueryText,
    /// The tickets the person may read.
    pub visibility: Visibility,
    /// The internal notes the person may read.
    pub internal: InternalNotes,
    /// The filters.
    pub filters: SearchFilters,
    /// Only these tickets, when the database narrowed the search first (the clocks' lateness,
    /// which moves with time and is not in the index).
    pub within: Option<Vec<TicketId>>,
    /// The order.
    pub sort: SearchSort,
    /// The page.
    pub page: PageRequest,
}

/// The full-text index, as the application uses it.
#[async_trait]
pub trait TicketSearch: Send + Sync {
    /// Runs a search; the index first takes in every change committed before the call.
    async fn search(&self, request: SearchRequest) -> Result<Page<SearchHit>, String>;
}

/// The most late tickets a search narrows to: beyond, a helpdesk has a different problem, and
/// the list of late tickets without words still serves.
const MOST_LATE: usize = 100_000;

impl App {
    /// The same application, searching with `search`.
    pub fn with_search(mut self, search: Arc<dyn TicketSearch>) -> App {
        self.search = Some(search);
        self
    }

    /// The tickets `actor` may read that match `text` and `filters`.
    pub async fn search(
        &self,
        actor: &Actor,
        text: &str,
        filters: SearchFilters,
        sort: SearchSort,
        page: PageRequest,
    ) -> AppResult<Page<SearchHit>> {
        let text = parse_query(text).map_err(|e| AppError::Invalid(vec![e]))?;
        if let (Some(from), Some(to)) = (filters.from, filters.to)
            && from >= to
        {
            return Err(AppError::invalid("to", "must be after from"));
        }
        let Some(search) = &self.search else {
            return Err(AppError::Internal("search is not set up on this node".into()));
        };
        let within = match filters.late {
            Some(late) => Some(self.late_tickets(late).await?),
            None => None,
        };
        let (visibility, internal) = (visibility(actor), internal_notes(actor));
        let request = SearchRequest { text, visibility, internal, filters, within, sort, page };
        search.search(request).await.map_err(|e| AppError::Internal(format!("search failed: {e}")))
    }

    /// The tickets late on an open clock now, for a search to narrow to.
    async fn late_tickets(&self, late: Lateness) -> AppResult<Vec<TicketId>> {
        within_bound(self.store.late_tickets(late, self.now(), MOST_LATE + 1).await?, MOST_LATE)
    }
}

/// The late tickets read (up to one more than `most`), or a refusal when there are more.
fn within_bound(tickets: Vec<TicketId>, most: usize) -> AppResult<Vec<TicketId>> {
    if tickets.len() > most {
        return Err(AppError::invalid(
            "sla",
            format!("more than {most} tickets are late on a clock: leave out the words to list them all"),
        ));
    }
    Ok(tickets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_narrows_to_at_most_the_bound_of_late_tickets_and_refuses_more_in_words() {
        let ids = |n: i64| (1..=n).map(TicketId).collect::<Vec<_>>();
        for (read, most, kept) in [(0, 3, Some(0)), (3, 3, Some(3)), (4, 3, None)] {
            match within_bound(ids(read), most) {
                Ok(tickets) => assert_eq!(Some(tickets.len()), kept, "{read} read"),
                Err(AppError::Invalid(errors)) => {
                    assert_eq!(kept, None, "{read} read");
                    assert_eq!(errors[0].field, "sla");
                    assert!(errors[0].message.contains("more than 3 tickets are late"), "{}", errors[0].message);
                }
                Err(other) => panic!("{other:?}"),
            }
        }
    }
}
