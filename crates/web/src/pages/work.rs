//! Where people work: the dashboard (my tickets, company tickets, entitlements, alerts), the
//! supporters' queue and their own tickets, and the 1st-level triage view.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;
use helpdesk_app::work_lists::WorkList;
use helpdesk_domain::listing::Narrowing;
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::Priority;
use helpdesk_domain::ticket::TicketSummary;
use helpdesk_domain::workflow::TicketPatch;
use helpdesk_domain::{OrgId, TicketId, UnitId};
use serde::Deserialize;

use super::form::{PageForm, PageQuery};
use super::tickets::{FilterForm, ListQuery, names};
use super::views::{Choice, Names, Pager, TicketRow, query, when, words};
use super::{Errors, MessagePage, PageResult, Shell, SignedIn, Viewer, escape, render};
use crate::AppState;

/// A tab above a list.
pub struct Tab {
    /// Its address.
    pub href: String,
    /// Its label.
    pub label: String,
    /// Whether it is the list shown.
    pub current: bool,
}

/// A line in a side panel.
pub struct Line {
    /// What it says.
    pub text: String,
    /// Where it leads, if anywhere.
    pub href: String,
}

#[derive(Template)]
#[template(path = "worklist.html")]
struct WorkPage {
    shell: Shell,
    heading: String,
    intro: String,
    tabs: Vec<Tab>,
    action: String,
    hidden: Vec<(String, String)>,
    filters: FilterForm,
    errors: Errors,
    rows: Vec<TicketRow>,
    pager: Pager,
    alerts: Vec<Line>,
    entitlements: Vec<Line>,
    show_side: bool,
    /// The form that changes the selected tickets at once (the supporters' lists).
    bulk: Option<BulkChoices>,
}

/// What the bulk change form offers.
struct BulkChoices {
    statuses: Vec<Choice>,
    priorities: Vec<Choice>,
    units: Vec<Choice>,
    /// The list to come back to.
    back: String,
}

impl BulkChoices {
    fn of(names: &Names, back: &str) -> BulkChoices {
        let keep = || Choice::new("", "(leave as it is)", "");
        let statuses = [Status::InProgress, Status::WaitingForReply, Status::OnHold, Status::Solved, Status::Unsolved];
        let mut units: Vec<(&UnitId, &String)> = names.units.iter().collect();
        units.sort_by(|a, b| a.1.cmp(b.1));
        BulkChoices {
            statuses: std::iter::once(keep())
                .chain(statuses.iter().map(|s| Choice::new(s.as_str(), words(s.as_str()), "")))
                .collect(),
            priorities: std::iter::once(keep())
                .chain(Priority::ALL.iter().map(|p| Choice::new(p.as_str(), p.as_str(), "")))
                .collect(),
            units: std::iter::once(keep())
                .chain(units.into_iter().map(|(id, name)| Choice::new(id.get().to_string(), name.clone(), "")))
                .collect(),
            back: back.to_owned(),
        }
    }
}

impl WorkPage {
    /// A page of one list, with tabs to the others; the dashboard adds its side panels.
    fn of(
        viewer: &Viewer,
        heading: &str,
        intro: String,
        tabs: Vec<Tab>,
        action: &str,
        list: Listing,
        filters: FilterForm,
    ) -> WorkPage {
        WorkPage {
            shell: Shell::of(viewer),
            heading: heading.to_owned(),
            intro,
            tabs,
            action: action.to_owned(),
            hidden: vec![],
            filters,
            errors: list.errors,
            rows: list.rows,
            pager: list.pager,
            alerts: vec![],
            entitlements: vec![],
            show_side: false,
            bulk: None,
        }
    }
}

impl WorkPage {
    /// Offers the rows for a bulk change, coming back to `back` after it.
    fn selectable(&mut self, names: &Names, back: &str) {
        for row in &mut self.rows {
            row.select = true;
        }
        self.bulk = Some(BulkChoices::of(names, back));
    }
}

/// Changes the tickets selected in a supporters' list at once, each on its own, and says what
/// was done and what was refused with why.
pub async fn bulk(SignedIn { state, viewer }: SignedIn, PageForm(form): PageForm<Vec<(String, String)>>) -> PageResult {
    let value = |key: &str| form.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).unwrap_or_default();
    let back = match value("back") {
        b @ ("/queue" | "/queue?list=mine" | "/triage") => b.to_owned(),
        _ => "/queue".to_owned(),
    };
    let tickets: Vec<TicketId> =
        form.iter().filter(|(k, _)| k == "ticket").filter_map(|(_, v)| v.trim().parse().ok().map(TicketId)).collect();
    let mut errors = Vec::new();
    let mut patch = TicketPatch::default();
    match value("status") {
        "" => {}
        s => match s.parse::<Status>() {
            Ok(status) => patch.status = Some(status),
            Err(e) => errors.push(e.to_string()),
        },
    }
    match value("priority") {
        "" => {}
        p => match p.parse::<Priority>() {
            Ok(priority) => patch.priority = Some(priority),
            Err(e) => errors.push(e.to_string()),
        },
    }
    if !value("priority_reason").is_empty() {
        patch.priority_reason = Some(value("priority_reason").to_owned());
    }
    match value("unit") {
        "" => {}
        u => match u.parse::<i64>() {
            Ok(unit) => patch.unit = Some(UnitId(unit)),
            Err(_) => errors.push("choose a unit".to_owned()),
        },
    }
    match value("owner") {
        "" => {}
        "me" => patch.owner = Some(viewer.actor.account),
        "none" => patch.owner = Some(None),
        _ => errors.push("choose yourself or nobody as the owner".to_owned()),
    }
    let nothing = patch.status.is_none() && patch.priority.is_none() && patch.unit.is_none() && patch.owner.is_none();
    if tickets.is_empty() {
        errors.push("select the tickets to change first".to_owned());
    } else if nothing && errors.is_empty() {
        errors.push("choose what to change: a status, a priority, an owner or a unit".to_owned());
    }
    let link = format!("<p><a href=\"{}\">Back to the list</a></p>", escape(&back));
    if !errors.is_empty() {
        let body = format!("<p>{}</p>{link}", escape(&errors.join("; ")));
        let page = MessagePage { shell: Shell::of(&viewer), title: "Nothing was changed".into(), body };
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    let outcome = match state.app.bulk_update(&viewer.actor, &tickets, patch).await {
        Ok(outcome) => outcome,
        Err(e @ helpdesk_app::AppError::Invalid(_)) => {
            let body = format!("<p>{}</p>{link}", escape(&e.to_string()));
            let page = MessagePage { shell: Shell::of(&viewer), title: "Nothing was changed".into(), body };
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let mut body = String::new();
    let numbers =
        |ids: &[TicketId]| ids.iter().map(|id| format!("<a href=\"/tickets/{id}\">#{id}</a>")).collect::<Vec<_>>();
    if !outcome.done.is_empty() {
        body.push_str(&format!("<p>Changed: {}.</p>", numbers(&outcome.done).join(", ")));
    }
    if !outcome.refused.is_empty() {
        body.push_str("<p>Left as they were:</p><ul>");
        for r in &outcome.refused {
            body.push_str(&format!("<li>#{}: {}</li>", r.ticket, escape(&r.detail)));
        }
        body.push_str("</ul>");
    }
    body.push_str(&link);
    Ok(render(&MessagePage { shell: Shell::of(&viewer), title: "The selected tickets".into(), body }))
}

/// The tabs of the supporters' views; `current` is the address of the one shown.
fn supporter_tabs(current: &str) -> Vec<Tab> {
    [("/queue", "My units' queue"), ("/queue?list=mine", "My tickets"), ("/triage", "Triage")]
        .into_iter()
        .map(|(href, label)| Tab { href: href.into(), label: label.into(), current: href == current })
        .collect()
}

/// Which list of a work page (its filters are a [`ListQuery`] of the same address).
#[derive(Debug, Default, Deserialize)]
pub struct WorkQuery {
    #[serde(default)]
    list: String,
    #[serde(default)]
    org: String,
}

struct Listing {
    rows: Vec<TicketRow>,
    pager: Pager,
    errors: Errors,
}

impl Listing {
    /// The rows of `tickets` (none with `errors` when the filters could not be read); the
    /// pager's links keep the list and its filters.
    fn of(
        tickets: Option<Page<TicketSummary>>,
        errors: Option<Errors>,
        q: &WorkQuery,
        filters: &ListQuery,
        path: &str,
        names: &super::views::Names,
    ) -> Listing {
        let Some(page) = tickets else {
            return Listing { rows: vec![], pager: Pager::default(), errors: errors.unwrap_or_default() };
        };
        let extra = query(&[("list", &q.list), ("org", &q.org)]);
        let mut url = filters.base(path);
        if !extra.is_empty() {
            url = if url.contains('?') { format!("{url}&{}", &extra[1..]) } else { format!("{url}{extra}") };
        }
        Listing {
            rows: page.items.iter().map(|s| TicketRow::of(s, names)).collect(),
            pager: Pager::of(&page, &url, "tickets"),
            errors: Errors::default(),
        }
    }
}

/// What the person narrows a list down to and the page they ask for, or why it cannot be read.
fn asked(filters: &ListQuery) -> (Option<Narrowing>, PageRequest, Option<Errors>) {
    match (filters.narrowing(), filters.page()) {
        (Ok(narrowing), Ok(page)) => (Some(narrowing), page, None),
        (Err(errors), _) | (_, Err(errors)) => (None, PageRequest::default(), Some(errors)),
    }
}

/// A change of a ticket's history, in words for the dashboard's alerts.
fn what_changed(field: &str, new: &serde_json::Value) -> String {
    let value = new.as_str().map(words);
    match (field, value) {
        ("article", _) => "a new reply".to_owned(),
        ("status", Some(status)) => format!("now {status}"),
        ("priority", Some(priority)) => format!("priority {priority}"),
        ("owner", _) => "a new owner".to_owned(),
        ("unit", _) => "moved to another unit".to_owned(),
        ("relation", _) => "related to another ticket".to_owned(),
        (field, _) => format!("{} changed", words(field)),
    }
}

/// The dashboard: my tickets, company tickets, entitlements, alerts and a link to the profile.
pub async fn dashboard(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<WorkQuery>,
    PageQuery(filters): PageQuery<ListQuery>,
) -> PageResult {
    let member_since = when(viewer.require()?.account.created_at);
    let company = q.list == "company";
    let (narrowing, page, errors) = asked(&filters);
    let board =
        state.app.dashboard(&viewer.actor, company, (q.org.parse::<i64>().ok()).map(OrgId), narrowing, page).await?;
    let (categories, names) = names(&state, &viewer).await?;
    let list = Listing::of(board.tickets, errors, &q, &filters, "/dashboard", &names);
    let mut tabs =
        vec![Tab { href: "/dashboard".into(), label: "My tickets".into(), current: board.company.is_none() }];
    for (id, name) in &board.companies {
        tabs.push(Tab {
            href: format!("/dashboard?list=company&org={id}"),
            label: format!("Company tickets: {name}"),
            current: board.company == Some(*id),
        });
    }
    let (waiting, solved) = (board.waiting, board.solved);
    let mut alerts: Vec<Line> = board
        .alerts
        .iter()
        .map(|(a, by)| Line {
            text: format!("#{} {}: {} by {by}, {}", a.ticket, a.title, what_changed(&a.field, &a.new), when(a.at)),
            href: format!("/tickets/{}", a.ticket),
        })
        .collect();
    if waiting > 0 {
        alerts.push(Line {
            text: format!("{waiting} of your tickets wait for your reply"),
            href: "/dashboard?status=waiting_for_reply".into(),
        });
    }
    if solved > 0 {
        alerts.push(Line {
            text: format!("{solved} of your tickets are solved: please verify the solution or reopen them"),
            href: "/dashboard?status=solved".into(),
        });
    }
    let teams = board.teams.iter().map(|(id, name, keeps)| Line {
        text: match keeps {
            true => format!("Team {name}: you keep its members"),
            false => format!("Team {name}: you are a member"),
        },
        href: format!("/teams/{id}"),
    });
    let entitlements = board
        .entitlements
        .iter()
        .map(|e| Line {
            text: match &e.contract {
                Some(c) => format!(
                    "{}: {} plan, {} to {}",
                    e.name,
                    c.plan,
                    c.starts_on,
                    c.ends_on.map(|d| d.to_string()).unwrap_or_else(|| "open-ended".into())
                ),
                None if e.partner => format!("{}: you serve it as a partner", e.name),
                None => format!("{}: member, no active support contract", e.name),
            },
            href: String::new(),
        })
        .chain(teams)
        .collect();
    let mut hidden = vec![];
    if let Some(org) = board.company {
        hidden.push(("list".to_owned(), "company".to_owned()));
        hidden.push(("org".to_owned(), org.to_string()));
    }
    let intro =
        format!("Member since {member_since}. Your profile holds your name, sign-in methods and notification choices.");
    let mut page = WorkPage::of(&viewer, "Dashboard", intro, tabs, "/dashboard", list, filters.form(&categories, None));
    page.hidden = hidden;
    page.alerts = alerts;
    page.entitlements = entitlements;
    page.show_side = true;
    Ok(render(&page))
}

/// The supporters' view: the queue of their units (new and unassigned first, then by priority
/// and age), or the tickets they own.
pub async fn queue(
    SignedIn { state, viewer }: SignedIn,
    PageQuery(q): PageQuery<WorkQuery>,
    PageQuery(filters): PageQuery<ListQuery>,
) -> PageResult {
    let mine = q.list == "mine";
    let list = if mine { WorkList::Mine } else { WorkList::Queue };
    let (narrowing, page, errors) = asked(&filters);
    let tickets = state.app.work_list(&viewer.actor, list, narrowing, page).await?;
    let (categories, names) = names(&state, &viewer).await?;
    let rows = Listing::of(tickets, errors, &q, &filters, "/queue", &names);
    let (heading, current) = if mine { ("My tickets", "/queue?list=mine") } else { ("Queue", "/queue") };
    let intro = "The nearest service-level due time first; then new and unassigned tickets, by priority, oldest first."
        .to_owned();
    let form = filters.form(&categories, list.shows());
    let mut page = WorkPage::of(&viewer, heading, intro, supporter_tabs(current), "/queue", rows, form);
    if mine {
        page.hidden = vec![("list".to_owned(), "mine".to_owned())];
    }
    page.selectable(&names, current);
    Ok(render(&page))
}

/// The triage view of the 1st-level units: new tickets to look at, route and prioritise.
pub async fn triage(
    SignedIn { state, viewer }: SignedIn,
    PageQuery(q): PageQuery<WorkQuery>,
    PageQuery(filters): PageQuery<ListQuery>,
) -> PageResult {
    let (narrowing, page, errors) = asked(&filters);
    let tickets = state.app.work_list(&viewer.actor, WorkList::Triage, narrowing, page).await?;
    let (categories, names) = names(&state, &viewer).await?;
    let list = Listing::of(tickets, errors, &q, &filters, "/triage", &names);
    let intro = "Open tickets of the 1st-level units: check the priority, take them or route them to the right unit.";
    let tabs = supporter_tabs("/triage");
    let form = filters.form(&categories, WorkList::Triage.shows());
    let mut page = WorkPage::of(&viewer, "Triage", intro.to_owned(), tabs, "/triage", list, form);
    page.selectable(&names, "/triage");
    Ok(render(&page))
}
