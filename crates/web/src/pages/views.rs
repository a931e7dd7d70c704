//! What the templates show, prepared as plain text: rows of ticket lists, choices of selects,
//! dates, pagers. Templates then only print.

use helpdesk_app::tickets::TicketSummary;
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::Priority;
use helpdesk_domain::{CategoryId, UnitId};
use time::OffsetDateTime;

use super::form::url_encode;

/// Page `page` (the first when none) of a list, `per_page` items a page.
pub fn page_of(page: Option<i64>, per_page: i64) -> Result<PageRequest, super::PageError> {
    PageRequest::new(Some(page.unwrap_or(1)), Some(per_page)).map_err(|e| helpdesk_app::AppError::Invalid(e).into())
}

/// The first hundred of a list: the catalogue's units and categories, members, requests.
pub fn first_hundred() -> Result<PageRequest, super::PageError> {
    page_of(None, 100)
}

/// A date and time as the pages show it.
pub fn when(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

/// A span of time in words, in its two largest units: `2 days 3 hours`, `45 minutes`.
pub fn span(d: time::Duration) -> String {
    let minutes = d.whole_minutes().abs();
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let unit = |n: i64, one: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {one}s"),
    };
    match (days, hours, minutes) {
        (0, 0, m) => unit(m.max(1), "minute"),
        (0, h, 0) => unit(h, "hour"),
        (0, h, m) => format!("{} {}", unit(h, "hour"), unit(m, "minute")),
        (d, 0, _) => unit(d, "day"),
        (d, h, _) => format!("{} {}", unit(d, "day"), unit(h, "hour")),
    }
}

/// A stable name (`waiting_for_reply`) as words (`waiting for reply`).
pub fn words(name: &str) -> String {
    name.replace('_', " ")
}

/// Whether a status counts as open (the domain's finished statuses are not).
pub fn is_open(status: Status) -> bool {
    !status.is_terminal()
}

/// One line of a ticket list.
#[derive(Debug, Clone)]
pub struct TicketRow {
    /// The number.
    pub id: i64,
    /// The title.
    pub title: String,
    /// Who opened it.
    pub submitter: String,
    /// Open or closed.
    pub open: bool,
    /// The status, in words.
    pub status: String,
    /// The priority name.
    pub priority: String,
    /// Public or private.
    pub private: bool,
    /// Number of public replies.
    pub replies: i64,
    /// Last activity.
    pub last_activity: String,
    /// The category's name.
    pub category: String,
    /// The unit's name.
    pub unit: String,
    /// Whether the row has a box to select it for a bulk change.
    pub select: bool,
}

/// Names of categories and units, to show instead of their numbers.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Category names by id.
    pub categories: std::collections::HashMap<CategoryId, String>,
    /// Unit names by id.
    pub units: std::collections::HashMap<UnitId, String>,
}

impl Names {
    /// The names of `categories` and `units`.
    pub fn of(categories: &[helpdesk_domain::category::Category], units: &[helpdesk_domain::unit::Unit]) -> Names {
        Names {
            categories: categories.iter().map(|c| (c.id, c.name.clone())).collect(),
            units: units.iter().map(|u| (u.id, u.name.clone())).collect(),
        }
    }

    /// The name of category `id`.
    pub fn category(&self, id: CategoryId) -> String {
        self.categories.get(&id).cloned().unwrap_or_else(|| format!("category {id}"))
    }

    /// The name of unit `id`.
    pub fn unit(&self, id: UnitId) -> String {
        self.units.get(&id).cloned().unwrap_or_else(|| format!("unit {id}"))
    }
}

impl TicketRow {
    /// The row of a summary.
    pub fn of(s: &TicketSummary, names: &Names) -> TicketRow {
        let t = &s.ticket;
        TicketRow {
            id: t.id.get(),
            title: t.title.clone(),
            submitter: s.submitter_name.clone(),
            open: is_open(t.status),
            status: words(t.status.as_str()),
            priority: t.priority.as_str().to_owned(),
            private: t.privacy == helpdesk_domain::ticket::Privacy::Private,
            replies: s.replies,
            last_activity: when(t.updated_at),
            category: names.category(t.category),
            unit: names.unit(t.unit),
            select: false,
        }
    }
}

/// One choice of a select.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// What is shown.
    pub label: String,
    /// Whether it is the current one.
    pub selected: bool,
}

impl Choice {
    /// A choice, selected when `value` equals `current`.
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Choice {
        let value = value.into();
        let selected = value == current;
        Choice { value, label: label.into(), selected }
    }
}

/// The choices of a status filter: every status, in the table's order.
pub fn status_choices(current: &str) -> Vec<Choice> {
    Status::ALL.iter().map(|s| Choice::new(s.as_str(), words(s.as_str()), current)).collect()
}

/// The choices of a priority select.
pub fn priority_choices(current: &str) -> Vec<Choice> {
    Priority::ALL.iter().map(|p| Choice::new(p.as_str(), p.as_str(), current)).collect()
}

/// Links to the previous and next pages of a list.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    /// "Page 2 of 7, 160 tickets".
    pub summary: String,
    /// The previous page's address, if there is one.
    pub previous: Option<String>,
    /// The next page's address, if there is one.
    pub next: Option<String>,
}

impl Pager {
    /// The pager of `page`, whose other pages are `base` with `page=N` added (`base` keeps the filters).
    pub fn of<T>(page: &Page<T>, base: &str, noun: &str) -> Pager {
        let pages = ((page.total + page.per_page - 1) / page.per_page.max(1)).max(1);
        let link = |n: i64| {
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}page={n}")
        };
        Pager {
            summary: format!("Page {} of {pages} · {}", page.page, counted(page.total, noun)),
            previous: (page.page > 1).then(|| link(page.page - 1)),
            next: (page.page < pages).then(|| link(page.page + 1)),
        }
    }
}

/// `n` things, the noun in the singular for one: "1 category", "2 categories" (`plural` is
/// one of the regular plurals the pages use).
pub fn counted(n: i64, plural: &str) -> String {
    if n != 1 {
        return format!("{n} {plural}");
    }
    match plural.strip_suffix("ies") {
        Some(stem) => format!("1 {stem}y"),
        None => format!("1 {}", plural.strip_suffix('s').unwrap_or(plural)),
    }
}

/// A query string from the non-empty pairs.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", url_encode(v))).collect();
    if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use helpdesk_domain::paging::PageRequest;

    #[test]
    fn one_thing_is_counted_in_the_singular() {
        let table = [(0, "tickets", "0 tickets"), (1, "tickets", "1 ticket"), (1, "categories", "1 category")];
        for (n, plural, said) in table {
            assert_eq!(counted(n, plural), said);
        }
        assert_eq!(counted(2, "categories"), "2 categories");
    }

    #[test]
    fn pagers_link_only_to_pages_that_exist() {
        let request = |page| PageRequest::new(Some(page), Some(25)).expect("page");
        let table = [(1, 0, None, None), (1, 60, None, Some("/t?q=a&page=2")), (3, 60, Some("/t?q=a&page=2"), None)];
        for (n, total, previous, next) in table {
            let page: Page<()> = Page::new(vec![], total, request(n));
            let pager = Pager::of(&page, "/t?q=a", "tickets");
            assert_eq!((pager.previous.as_deref(), pager.next.as_deref()), (previous, next), "page {n} of {total}");
        }
    }

    #[test]
    fn queries_leave_out_empty_values_and_encode_the_rest() {
        assert_eq!(query(&[("q", "a b&c"), ("status", "")]), "?q=a+b%26c");
        assert_eq!(query(&[("q", "")]), "");
    }
}
