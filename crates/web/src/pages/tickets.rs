//! Ticket pages: the home page, lists and search, opening a ticket, and the ticket page with its
//! conversation, history and the actions the viewer may take.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use helpdesk_app::AppError;
use helpdesk_app::search::{SearchFilters, SearchSort, StatusFilter};
use helpdesk_app::ticket_view::{Pending, TicketView};
use helpdesk_app::tickets::OpenState;
use helpdesk_app::tickets::{TicketFilter, TicketOrder};
use helpdesk_domain::attachment::{MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS};
use helpdesk_domain::category::{Category, FieldType};
use helpdesk_domain::clock::{ClockState, TOP_ESCALATION, TicketSla};
use helpdesk_domain::listing::{Lateness, Narrowing, StateChoice};
use helpdesk_domain::paging::PageRequest;
use helpdesk_domain::policy::{Action, check};
use helpdesk_domain::relation::RelationKind;
use helpdesk_domain::status::{Resolution, Status};
use helpdesk_domain::team::TicketKind;
use helpdesk_domain::ticket::{Channel, Priority, Privacy, SecurityRisk, Ticket, TicketType};
use helpdesk_domain::triage::{TriageInput, suggested_priority};
use helpdesk_domain::workflow::{OpenTicket, TicketPatch};
use helpdesk_domain::{AccountId, ArticleId, AttachmentId, CategoryId, TicketId};
use serde::Deserialize;

use super::form::{NoFields, PageForm, PagePath, PageQuery, UploadForm};
use super::views::{
    Choice, Names, Pager, TicketRow, first_hundred, is_open, page_of, priority_choices, query, span, status_choices,
    when, words,
};
use super::{Errors, PageError, PageResult, Shell, SignedIn, Viewer, render, see_other, submit};
use crate::AppState;
use crate::markdown::to_safe_html;

/// Tickets per page in lists.
const PER_PAGE: i64 = 25;

/// The catalogue's names, for showing categories and units by name.
pub(super) async fn names(state: &AppState, viewer: &Viewer) -> Result<(Vec<Category>, Names), PageError> {
    let all = first_hundred()?;
    let categories = state.app.categories(&viewer.actor, all).await?.items;
    let units = state.app.units(&viewer.actor, all).await?.items;
    let names = Names::of(&categories, &units);
    Ok((categories, names))
}

/// One category's tickets on the home page.
pub struct Group {
    /// The category.
    pub name: String,
    /// Its id.
    pub id: i64,
    /// Its latest tickets.
    pub rows: Vec<TicketRow>,
    /// How many tickets it holds in all (that the viewer may read).
    pub total: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    shell: Shell,
    groups: Vec<Group>,
    /// On an installation with no account yet: how to make the first admin.
    first_admin: Option<Vec<String>>,
}

/// The home page: the latest tickets the viewer may read, grouped by category.
pub async fn home(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let (categories, names) = names(&state, &viewer).await?;
    let mut groups = Vec::new();
    let five = page_of(None, 5)?;
    for category in categories {
        let filter =
            TicketFilter { category: Some(category.id), order: TicketOrder::LastActivity, ..TicketFilter::default() };
        let page = state.app.ticket_summaries(&viewer.actor, filter, five).await?;
        if page.total > 0 {
            let rows = page.items.iter().map(|s| TicketRow::of(s, &names)).collect();
            groups.push(Group { name: category.name, id: category.id.get(), rows, total: page.total });
        }
    }
    let first_admin = state.app.first_run().await?.then(|| state.first_admin.to_vec());
    Ok(render(&HomePage { shell: Shell::of(&viewer), groups, first_admin }))
}

/// The filters of a ticket list, as the address carries them.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    sla: String,
    #[serde(default)]
    page: Option<i64>,
}

impl ListQuery {
    /// The filter these ask for, or the errors of those that cannot be read.
    pub(super) fn filter(&self) -> Result<TicketFilter, Errors> {
        let list = TicketFilter { order: TicketOrder::LastActivity, ..TicketFilter::default() };
        Ok(list.narrowed(self.narrowing()?))
    }

    /// What these narrow a list down to, or the errors of those that cannot be read.
    pub(super) fn narrowing(&self) -> Result<Narrowing, Errors> {
        let mut errors = Vec::new();
        let mut narrowing = Narrowing::default();
        let q = self.q.trim();
        if !q.is_empty() {
            narrowing.text = Some(q.to_owned());
        }
        match self.state.as_str() {
            "" => {}
            "all" => narrowing.state = StateChoice::Both,
            "open" => narrowing.state = StateChoice::Only(OpenState::Open),
            "closed" => narrowing.state = StateChoice::Only(OpenState::Closed),
            _ => errors.push(helpdesk_domain::validation::FieldError::new("state", "choose open or closed")),
        }
        if !self.status.is_empty() {
            match self.status.parse::<Status>() {
                Ok(s) => narrowing.status = Some(s),
                Err(e) => errors.push(helpdesk_domain::validation::FieldError::new("status", e.to_string())),
            }
        }
        if !self.category.is_empty() {
            match self.category.parse::<i64>() {
                Ok(c) => narrowing.category = Some(CategoryId(c)),
                Err(_) => errors.push(helpdesk_domain::validation::FieldError::new("category", "choose a category")),
            }
        }
        if !self.sla.is_empty() {
            match self.sla.parse::<Lateness>() {
                Ok(late) => narrowing.sla = Some(late),
                Err(e) => errors.push(helpdesk_domain::validation::FieldError::new("sla", e.to_string())),
            }
        }
        if errors.is_empty() { Ok(narrowing) } else { Err(Errors::from_fields(errors)) }
    }

    /// The address of this list with the same filters (without the page).
    pub(super) fn base(&self, path: &str) -> String {
        let base = query(&[
            ("q", &self.q),
            ("state", &self.state),
            ("status", &self.status),
            ("category", &self.category),
            ("sla", &self.sla),
        ]);
        if base.is_empty() { path.to_owned() } else { format!("{path}{base}") }
    }

    /// The choices of the filter form of a list that shows `default` when nothing is asked:
    /// the first choice says what that is.
    pub(super) fn form(&self, categories: &[Category], default: Option<OpenState>) -> FilterForm {
        let mut category_choices = vec![Choice::new("", "Any category", &self.category)];
        category_choices
            .extend(categories.iter().map(|c| Choice::new(c.id.to_string(), c.name.clone(), &self.category)));
        let mut statuses = vec![Choice::new("", "Any status", &self.status)];
        statuses.extend(status_choices(&self.status));
        FilterForm {
            q: self.q.clone(),
            states: match default {
                Some(OpenState::Open) => vec![
                    Choice::new("", "Open", &self.state),
                    Choice::new("closed", "Closed", &self.state),
                    Choice::new("all", "Open and closed", &self.state),
                ],
                Some(OpenState::Closed) => vec![
                    Choice::new("", "Closed", &self.state),
                    Choice::new("open", "Open", &self.state),
                    Choice::new("all", "Open and closed", &self.state),
                ],
                None => vec![
                    Choice::new("", "Open and closed", &self.state),
                    Choice::new("open", "Open", &self.state),
                    Choice::new("closed", "Closed", &self.state),
                ],
            },
            statuses,
            categories: category_choices,
            slas: vec![
                Choice::new("", "Any", &self.sla),
                Choice::new("warning", "Due soon (a quarter of the time left)", &self.sla),
                Choice::new("breached", "Overdue", &self.sla),
            ],
        }
    }

    /// The page asked for.
    pub(super) fn page(&self) -> Result<PageRequest, Errors> {
        PageRequest::new(Some(self.page.unwrap_or(1)), Some(PER_PAGE)).map_err(Errors::from_fields)
    }
}

/// The filter form above a list.
pub struct FilterForm {
    /// The words searched for.
    pub q: String,
    /// Open, closed, or both.
    pub states: Vec<Choice>,
    /// The statuses.
    pub statuses: Vec<Choice>,
    /// The categories.
    pub categories: Vec<Choice>,
    /// How late the service-level clocks are.
    pub slas: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "tickets.html")]
struct ListPage {
    shell: Shell,
    heading: String,
    action: String,
    hidden: Vec<(String, String)>,
    filters: FilterForm,
    errors: Errors,
    rows: Vec<TicketRow>,
    /// With words: what the full-text search found, shown instead of `rows`.
    hits: Option<Vec<HitRow>>,
    pager: Pager,
}

/// One ticket found by a search.
pub struct HitRow {
    /// The number.
    pub id: i64,
    /// The title.
    pub title: String,
    /// Open or closed.
    pub open: bool,
    /// The status, in words.
    pub status: String,
    /// The priority name.
    pub priority: String,
    /// The category's name.
    pub category: String,
    /// The unit's name.
    pub unit: String,
    /// Last activity.
    pub last_activity: String,
    /// Where the words were found: HTML from the index, the text escaped and the words in `<b>`.
    pub snippet: String,
}

/// The search the list's words and filters ask for.
fn search_filters(filter: &TicketFilter) -> SearchFilters {
    let status = match (filter.status, filter.state) {
        (Some(status), _) => Some(StatusFilter::Is(status)),
        (None, Some(OpenState::Open)) => Some(StatusFilter::Open),
        (None, Some(OpenState::Closed)) => Some(StatusFilter::Closed),
        (None, None) => None,
    };
    SearchFilters { category: filter.category, status, late: filter.sla, ..SearchFilters::default() }
}

/// The tickets the viewer may read whose words match, best first.
async fn search(
    state: &AppState,
    viewer: &Viewer,
    q: &ListQuery,
    categories: &[Category],
    names: &Names,
) -> PageResult {
    let mut shell = Shell::of(viewer);
    shell.q = q.q.clone();
    let heading = format!("Tickets matching “{}”", q.q.trim());
    let found = match (q.filter(), q.page()) {
        (Ok(filter), Ok(page)) => {
            Ok(state.app.search(&viewer.actor, q.q.trim(), search_filters(&filter), SearchSort::Relevance, page).await)
        }
        (Err(errors), _) | (_, Err(errors)) => Err(errors),
    };
    let (hits, pager, errors) = match found {
        Err(errors) => (vec![], Pager::default(), errors),
        Ok(found) => match found {
            Ok(page) => {
                let pager = Pager::of(&page, &q.base("/tickets"), "tickets");
                let hits = page
                    .items
                    .into_iter()
                    .map(|h| HitRow {
                        id: h.id.get(),
                        title: h.title,
                        open: is_open(h.status),
                        status: words(h.status.as_str()),
                        priority: h.priority.as_str().to_owned(),
                        category: names.category(h.category),
                        unit: names.unit(h.unit),
                        last_activity: when(h.last_activity),
                        snippet: h.snippet,
                    })
                    .collect();
                (hits, pager, Errors::default())
            }
            Err(AppError::Invalid(fields)) => (vec![], Pager::default(), Errors::from_fields(fields)),
            Err(e) => return Err(e.into()),
        },
    };
    let page = ListPage {
        shell,
        heading,
        action: "/tickets".into(),
        hidden: vec![],
        filters: q.form(categories, None),
        errors,
        rows: vec![],
        hits: Some(hits),
        pager,
    };
    Ok(render(&page))
}

/// A list of the tickets the viewer may read, filtered; with words, a full-text search.
pub async fn list(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<ListQuery>) -> PageResult {
    let (categories, names) = names(&state, &viewer).await?;
    if !q.q.trim().is_empty() {
        return search(&state, &viewer, &q, &categories, &names).await;
    }
    let mut shell = Shell::of(&viewer);
    shell.q = q.q.clone();
    let heading =
        if q.q.trim().is_empty() { "Tickets".to_owned() } else { format!("Tickets matching “{}”", q.q.trim()) };
    let (rows, pager, errors) = match (q.filter(), q.page()) {
        (Ok(filter), Ok(page)) => {
            let page = state.app.ticket_summaries(&viewer.actor, filter, page).await?;
            let pager = Pager::of(&page, &q.base("/tickets"), "tickets");
            (page.items.iter().map(|s| TicketRow::of(s, &names)).collect(), pager, Errors::default())
        }
        (Err(errors), _) | (_, Err(errors)) => (vec![], Pager::default(), errors),
    };
    let page = ListPage {
        shell,
        heading,
        action: "/tickets".into(),
        hidden: vec![],
        filters: q.form(&categories, None),
        errors,
        rows,
        hits: None,
        pager,
    };
    Ok(render(&page))
}

/// One category field as the form shows it.
pub struct FieldInput {
    /// Its key (the input is named `field.KEY`).
    pub key: String,
    /// Its label.
    pub label: String,
    /// text, number, choice or bool.
    pub kind: String,
    /// Whether it must be given.
    pub required: bool,
    /// The choices of a choice field.
    pub choices: Vec<Choice>,
    /// The value typed so far.
    pub value: String,
    /// Its error, if any.
    pub error: String,
}

fn field_inputs(category: Option<&Category>, values: &HashMap<String, String>, errors: &Errors) -> Vec<FieldInput> {
    let Some(category) = category else { return vec![] };
    category
        .fields
        .iter()
        .map(|f| {
            let value = values.get(&f.key).cloned().unwrap_or_default();
            let mut choices = vec![Choice::new("", "Choose…", &value)];
            choices.extend(f.choices.iter().flatten().map(|c| Choice::new(c.clone(), c.clone(), &value)));
            FieldInput {
                key: f.key.clone(),
                label: f.label.clone(),
                kind: f.field_type.as_str().to_owned(),
                required: f.required,
                choices,
                error: errors.get(&format!("fields.{}", f.key)).unwrap_or_default().to_owned(),
                value,
            }
        })
        .collect()
}

/// What the new-ticket form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    title: String,
    description: String,
    ticket_type: String,
    category: String,
    privacy: String,
    affected_users: String,
    service_degraded: bool,
    security_risk: String,
    fields: HashMap<String, String>,
    copy_to: String,
    link_url: String,
    on_behalf_of: String,
    priority: String,
    priority_reason: String,
    kind: String,
    team: String,
    unit: String,
}

impl Draft {
    fn from_form(form: &UploadForm) -> Draft {
        let fields = form
            .fields
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("field.")?.to_owned(), v.first().cloned().unwrap_or_default())))
            .collect();
        Draft {
            title: form.text("title"),
            description: form.text("description"),
            ticket_type: form.text("type"),
            category: form.text("category"),
            privacy: form.text("privacy"),
            affected_users: form.text("affected_users"),
            service_degraded: form.checked("service_degraded"),
            security_risk: form.text("security_risk"),
            fields,
            copy_to: form.text("copy_to"),
            link_url: form.text("link_url"),
            on_behalf_of: form.text("on_behalf_of"),
            priority: form.text("priority"),
            priority_reason: form.text("priority_reason"),
            kind: form.text("kind"),
            team: form.text("team"),
            unit: form.text("unit"),
        }
    }

    fn triage(&self) -> TriageInput {
        TriageInput {
            ticket_type: self.ticket_type.parse().unwrap_or(TicketType::Incident),
            affected_users: self.affected_users.trim().parse().unwrap_or(0),
            service_degraded: self.service_degraded,
            security_risk: self.security_risk.parse().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "ticket_new.html")]
struct NewTicketPage {
    shell: Shell,
    draft: Draft,
    errors: Errors,
    types: Vec<Choice>,
    categories: Vec<Choice>,
    privacies: Vec<Choice>,
    risks: Vec<Choice>,
    fields: Vec<FieldInput>,
    priority: String,
    may_set_privacy: bool,
    priorities: Vec<Choice>,
    may_attach: bool,
    may_act_for_others: bool,
    max_files: usize,
    max_mib: usize,
    max_bytes: usize,
    /// For members of a team: user, team (and, for its alarmers, alarm).
    kinds: Vec<Choice>,
    teams: Vec<Choice>,
    units: Vec<Choice>,
}

/// What a member of a team chooses among when opening a ticket: their teams, and the units a
/// team or alarm ticket may go straight to (none for people in no team).
#[derive(Default)]
pub(super) struct TeamOptions {
    teams: Vec<(helpdesk_domain::TeamId, String)>,
    units: Vec<(helpdesk_domain::UnitId, String)>,
}

impl TeamOptions {
    /// The viewer's teams and the units of `names` by name, when the viewer is in a team.
    pub(super) async fn of(state: &AppState, viewer: &Viewer, names: &Names) -> Result<TeamOptions, PageError> {
        if viewer.actor.teams.is_empty() {
            return Ok(TeamOptions::default());
        }
        let teams = state.app.teams(&viewer.actor).await?;
        let teams = teams.into_iter().filter(|t| viewer.actor.teams.contains(&t.id)).map(|t| (t.id, t.name)).collect();
        let mut units: Vec<_> = names.units.iter().map(|(id, name)| (*id, name.clone())).collect();
        units.sort_by(|a, b| a.1.to_lowercase().cmp(&b.1.to_lowercase()).then(a.0.cmp(&b.0)));
        Ok(TeamOptions { teams, units })
    }
}

fn new_ticket_page(
    viewer: &Viewer,
    categories: &[Category],
    options: &TeamOptions,
    draft: Draft,
    errors: Errors,
) -> NewTicketPage {
    let kind = if draft.kind.is_empty() { "user" } else { draft.kind.as_str() };
    let mut kinds = Vec::new();
    if !options.teams.is_empty() {
        kinds.push(Choice::new("user", "My own ticket", kind));
        kinds.push(Choice::new("team", "The team's ticket", kind));
        if !viewer.actor.alarmer_of.is_empty() {
            kinds.push(Choice::new("alarm", "An ALARM", kind));
        }
    }
    let teams = options.teams.iter().map(|(id, name)| Choice::new(id.to_string(), name.clone(), &draft.team)).collect();
    let mut units = vec![Choice::new("", "Choose the unit it goes to…", &draft.unit)];
    units.extend(options.units.iter().map(|(id, name)| Choice::new(id.to_string(), name.clone(), &draft.unit)));
    let category = draft.category.parse::<i64>().ok().and_then(|id| categories.iter().find(|c| c.id == CategoryId(id)));
    let mut category_choices = vec![Choice::new("", "Choose a category…", &draft.category)];
    category_choices.extend(categories.iter().map(|c| Choice::new(c.id.to_string(), c.name.clone(), &draft.category)));
    let ticket_type = if draft.ticket_type.is_empty() { "incident" } else { draft.ticket_type.as_str() };
    let privacy = if draft.privacy.is_empty() { "public" } else { draft.privacy.as_str() };
    let risk = if draft.security_risk.is_empty() { "none" } else { draft.security_risk.as_str() };
    let actor = &viewer.actor;
    NewTicketPage {
        shell: Shell::of(viewer),
        fields: field_inputs(category, &draft.fields, &errors),
        priority: suggested_priority(&draft.triage()).as_str().to_owned(),
        types: vec![
            Choice::new("incident", "Incident: something does not work", ticket_type),
            Choice::new("service_request", "Service request: I need something", ticket_type),
        ],
        categories: category_choices,
        privacies: Privacy::ALL.iter().map(|p| Choice::new(p.as_str(), p.as_str(), privacy)).collect(),
        risks: SecurityRisk::ALL.iter().map(|r| Choice::new(r.as_str(), r.as_str(), risk)).collect(),
        may_set_privacy: check(actor, Action::OpenTicket(Privacy::Private)).is_ok(),
        priorities: std::iter::once(Choice::new("", "As the triage says", &draft.priority))
            .chain(Priority::ALL.iter().map(|p| Choice::new(p.as_str(), p.as_str(), &draft.priority)))
            .collect(),
        may_attach: may_attach(actor),
        may_act_for_others: check(actor, Action::ActForOthers).is_ok(),
        max_files: MAX_ATTACHMENTS,
        max_mib: MAX_ATTACHMENT_BYTES / (1024 * 1024),
        max_bytes: MAX_ATTACHMENT_BYTES,
        kinds,
        teams,
        units,
        draft,
        errors,
    }
}

/// Whether the actor may attach files to the tickets they open (DOMAIN.md: named, partner, staff).
fn may_attach(actor: &helpdesk_domain::policy::Actor) -> bool {
    check(actor, Action::AttachOnOpening).is_ok()
}

/// The form to open a ticket.
pub async fn new_form(
    SignedIn { state, viewer }: SignedIn,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult {
    let (categories, names) = names(&state, &viewer).await?;
    let options = TeamOptions::of(&state, &viewer, &names).await?;
    let draft = Draft { category: q.get("category").cloned().unwrap_or_default(), ..Draft::default() };
    Ok(render(&new_ticket_page(&viewer, &categories, &options, draft, Errors::default())))
}

#[derive(Template)]
#[template(path = "_category_fields.html")]
struct FieldsFragment {
    fields: Vec<FieldInput>,
}

/// The category's own fields, for htmx to put into the form when a category is picked.
pub async fn category_fields(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult {
    let (categories, _) = names(&state, &viewer).await?;
    let id = q.get("category").and_then(|c| c.parse::<i64>().ok());
    let category = categories.iter().find(|c| Some(c.id) == id.map(CategoryId));
    Ok(render(&FieldsFragment { fields: field_inputs(category, &HashMap::new(), &Errors::default()) }))
}

/// The priority the triage answers give, for htmx to show while the form is filled in.
pub async fn priority_preview(PageQuery(q): PageQuery<HashMap<String, String>>) -> Response {
    let draft = Draft {
        ticket_type: q.get("type").cloned().unwrap_or_default(),
        affected_users: q.get("affected_users").cloned().unwrap_or_default(),
        service_degraded: q.contains_key("service_degraded"),
        security_risk: q.get("security_risk").cloned().unwrap_or_default(),
        ..Draft::default()
    };
    super::escape(suggested_priority(&draft.triage()).as_str()).into_response()
}

fn parse_open(draft: &Draft, categories: &[Category]) -> Result<OpenTicket, Errors> {
    let mut errors = Vec::new();
    let mut fail =
        |field: &str, message: &str| errors.push(helpdesk_domain::validation::FieldError::new(field, message));
    let ticket_type = draft.ticket_type.parse().unwrap_or_else(|_| {
        fail("type", "choose incident or service request");
        TicketType::Incident
    });
    let privacy = if draft.privacy.is_empty() { Ok(Privacy::Public) } else { draft.privacy.parse() };
    let privacy = privacy.unwrap_or_else(|_| {
        fail("privacy", "choose public or private");
        Privacy::Public
    });
    let risk = if draft.security_risk.is_empty() { Ok(SecurityRisk::None) } else { draft.security_risk.parse() };
    let security_risk = risk.unwrap_or_else(|_| {
        fail("security_risk", "choose none, trivial or imminent");
        SecurityRisk::None
    });
    let affected_users = match draft.affected_users.trim() {
        "" => 0,
        n => n.parse().unwrap_or_else(|_| {
            fail("affected_users", "give a whole number, 0 or more");
            0
        }),
    };
    let category = draft.category.parse::<i64>().ok().and_then(|id| categories.iter().find(|c| c.id == CategoryId(id)));
    if category.is_none() {
        fail("category", "choose a category");
    }
    let mut fields = serde_json::Map::new();
    if let Some(category) = category {
        for def in &category.fields {
            let raw = draft.fields.get(&def.key).map(|v| v.trim()).unwrap_or_default();
            let value = match def.field_type {
                FieldType::Bool => Some(serde_json::Value::Bool(raw == "true" || raw == "on")),
                _ if raw.is_empty() => None,
                FieldType::Number => match raw.parse::<f64>() {
                    Ok(n) => serde_json::Number::from_f64(n).map(serde_json::Value::Number),
                    Err(_) => {
                        fail(&format!("fields.{}", def.key), "give a number");
                        None
                    }
                },
                FieldType::Text | FieldType::Choice => Some(serde_json::Value::String(raw.to_owned())),
            };
            if let Some(value) = value {
                fields.insert(def.key.clone(), value);
            }
        }
    }
    let priority = match draft.priority.as_str() {
        "" => None,
        p => p.parse::<Priority>().map(Some).unwrap_or_else(|_| {
            fail("priority", "choose a priority");
            None
        }),
    };
    let kind = match draft.kind.as_str() {
        "" => TicketKind::User,
        k => k.parse::<TicketKind>().unwrap_or_else(|_| {
            fail("kind", "choose whose ticket it is");
            TicketKind::User
        }),
    };
    let copy_to =
        draft.copy_to.split([',', ';', ' ', '\n']).map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned);
    let open = OpenTicket {
        title: draft.title.clone(),
        description: draft.description.clone(),
        ticket_type,
        category: category.map(|c| c.id).unwrap_or(CategoryId(0)),
        privacy,
        affected_users,
        service_degraded: draft.service_degraded,
        security_risk,
        fields,
        on_behalf_of: None,
        copy_to: copy_to.collect(),
        link_url: Some(draft.link_url.trim().to_owned()).filter(|u| !u.is_empty()),
        priority,
        priority_reason: Some(draft.priority_reason.clone()).filter(|r| !r.trim().is_empty()),
        kind,
        team: (kind != TicketKind::User).then(|| draft.team.parse::<i64>().ok().map(helpdesk_domain::TeamId)).flatten(),
        unit: (kind != TicketKind::User).then(|| draft.unit.parse::<i64>().ok().map(helpdesk_domain::UnitId)).flatten(),
    };
    if errors.is_empty() { Ok(open) } else { Err(Errors::from_fields(errors)) }
}

/// Opens a ticket from the form (with its attachments); on a refusal, the form comes back with
/// everything typed and each error next to its field. Attached files must be chosen again.
pub async fn create(SignedIn { state, viewer }: SignedIn, form: UploadForm) -> PageResult {
    let (categories, names) = names(&state, &viewer).await?;
    let options = TeamOptions::of(&state, &viewer, &names).await?;
    let draft = Draft::from_form(&form);
    if form.checked("refresh") {
        return Ok(render(&new_ticket_page(&viewer, &categories, &options, draft, Errors::default())));
    }
    let refused = |draft: Draft, errors: Errors| {
        let page = new_ticket_page(&viewer, &categories, &options, draft, errors);
        (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
    };
    let mut open = match parse_open(&draft, &categories) {
        Ok(open) => open,
        Err(errors) => return Ok(refused(draft, errors)),
    };
    if !form.files.is_empty() && !may_attach(&viewer.actor) {
        return Ok(refused(
            draft,
            Errors::from_fields(vec![helpdesk_domain::validation::FieldError::new(
                "attachments",
                "attachments are for named users, partners and staff",
            )]),
        ));
    }
    if !draft.on_behalf_of.trim().is_empty() {
        match state.app.account_for_email(&viewer.actor, &draft.on_behalf_of).await {
            Ok(id) => open.on_behalf_of = Some(id),
            Err(e) => return Ok(refused(draft, Errors::from_app(e)?)),
        }
    }
    match state.app.open_ticket_with(&viewer.actor, open, form.files).await {
        Ok(ticket) => Ok(see_other(&format!("/tickets/{}?opened=1", ticket.id))),
        Err(e) => Ok(refused(draft, Errors::from_app(e)?)),
    }
}

/// An article as the ticket page shows it.
pub struct ArticleView {
    /// Its id (the anchor).
    pub id: i64,
    /// Who wrote it.
    pub author: String,
    /// When.
    pub at: String,
    /// Its body, rendered and sanitised.
    pub html: String,
    /// The whole message it came from, quoted history included, rendered and sanitised, when
    /// the body keeps less ("show quoted text").
    pub quoted: Option<String>,
    /// An internal note.
    pub internal: bool,
    /// Where it came from.
    pub channel: String,
    /// Its attachments.
    pub attachments: Vec<AttachmentView>,
}

/// An attachment link.
pub struct AttachmentView {
    /// Where to download it.
    pub href: String,
    /// Its file name.
    pub filename: String,
    /// Its size, for people.
    pub size: String,
}

/// A history line.
pub struct HistoryView {
    /// When.
    pub at: String,
    /// Who.
    pub who: String,
    /// What changed.
    pub field: String,
    /// From.
    pub old: String,
    /// To.
    pub new: String,
    /// Why, when a reason was given.
    pub reason: String,
}

/// The ticket page's facts and actions.
#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage {
    shell: Shell,
    t: Ticket,
    description: String,
    /// The whole message the ticket was opened by, when the description keeps less.
    description_quoted: Option<String>,
    status: String,
    open: bool,
    private: bool,
    submitter: String,
    on_behalf_of: String,
    owner: String,
    category: String,
    unit: String,
    created: String,
    updated: String,
    fields: Vec<(String, String)>,
    copy_to: String,
    ticket_attachments: Vec<AttachmentView>,
    articles: Vec<ArticleView>,
    /// What the requesters of its duplicates wrote on them (the duplicate's number, the article).
    from_duplicates: Vec<(i64, ArticleView)>,
    history: Vec<HistoryView>,
    errors: Errors,
    reply_draft: String,
    may_reply: bool,
    may_note: bool,
    may_attach: bool,
    may_take: bool,
    assignable: Vec<Choice>,
    statuses: Vec<Choice>,
    resolutions: Vec<Choice>,
    may_set_priority: bool,
    priorities: Vec<Choice>,
    may_set_unit: bool,
    units: Vec<Choice>,
    may_set_privacy: bool,
    other_privacy: String,
    max_files: usize,
    max_bytes: usize,
    /// The ticket's copy in another ticketing system, for those who work it.
    external: Option<ExternalView>,
    /// What Helpdesk will do by itself, in words: a label and what and when.
    pending: Vec<(&'static str, String)>,
    /// The service-level clocks: a label, the state (its class and word) and the time in words.
    clocks: Vec<ClockLine>,
    /// How far the ticket is escalated, in words (empty when it is not).
    escalation: String,
    /// Whether the viewer may escalate it as its requester.
    may_escalate: bool,
    /// Whether the viewer may raise this team ticket to an alarm.
    may_raise_alarm: bool,
    /// "TEAM atlas" or "ALARM atlas" (empty for a user ticket).
    kind_badge: String,
    /// Whether the status form offers a reminder date (the ticket waits, or may be set to).
    may_remind: bool,
    /// Whether the viewer may follow the ticket, and whether they do.
    may_follow: bool,
    following: bool,
    /// Its relations to tickets the viewer may read; how many others; whether they may relate it.
    related: Vec<RelatedRow>,
    hidden_related: usize,
    may_relate: bool,
    /// Whether the viewer may confirm the solution (verify it) or reopen the ticket: its
    /// requester's side, once it is solved or unsolved.
    may_confirm: bool,
    may_reopen: bool,
    /// How the requester hears of it (`every_change`, `solution_only`), for the requester.
    requester_mode: String,
    /// The people involved (account, name, address), for those who work on it.
    involved: Vec<(i64, String, String)>,
    /// Whether "It is not solved" opens at once (the solution mail's reopen link).
    reopen_open: bool,
    /// The qualifier, in words.
    resolution: String,
    /// The units a part of its request may be opened for (when it may be related).
    child_units: Vec<Choice>,
    /// Its related links (id, address, host).
    links: Vec<(i64, String, String)>,
    /// Whether the viewer may edit what was written at opening; the link as it stands.
    may_edit: bool,
    link_value: String,
}

/// A related ticket as the page lists it.
struct RelatedRow {
    id: i64,
    /// What the other ticket is to this one, in words ("master", "duplicate"), if more than related.
    role: &'static str,
    ticket: i64,
    title: String,
    status: String,
    note: String,
}

/// One of a ticket's clocks on its page.
struct ClockLine {
    label: &'static str,
    state: &'static str,
    text: String,
}

/// The clocks of a ticket as its page shows them, at `now`.
fn clock_lines(sla: Option<&TicketSla>, now: time::OffsetDateTime) -> Vec<ClockLine> {
    let Some(sla) = sla else { return Vec::new() };
    [("First response", &sla.response), ("Resolution", &sla.resolution)]
        .into_iter()
        .filter_map(|(label, clock)| {
            let clock = clock.as_ref()?;
            let text = match (clock.state, clock.due, clock.met_at) {
                (ClockState::Met, _, Some(met)) => format!("on {}", when(met)),
                (ClockState::Breached, Some(due), _) => format!("overdue by {} (due {})", span(now - due), when(due)),
                (ClockState::Breached, None, _) => "overdue; stands still while the ticket waits".to_owned(),
                (ClockState::Paused, _, _) => "stands still while the ticket waits".to_owned(),
                (_, Some(due), _) => format!("due in {} ({})", span(due - now), when(due)),
                _ => String::new(),
            };
            Some(ClockLine { label, state: clock.state.as_str(), text })
        })
        .collect()
}

/// Where a ticket's copy is in another system, and whether the two are in step.
struct ExternalView {
    id: String,
    url: String,
    state: &'static str,
    css: &'static str,
    since: String,
    error: String,
}

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{:.0} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::String(s) => words(s),
        serde_json::Value::Bool(true) => "yes".into(),
        serde_json::Value::Bool(false) => "no".into(),
        other => other.to_string(),
    }
}

async fn ticket_page(
    state: &AppState,
    viewer: &Viewer,
    id: TicketId,
    errors: Errors,
    reply_draft: String,
    notice: &str,
) -> PageResult {
    ticket_page_for(state, viewer, id, errors, reply_draft, notice, None).await
}

/// The ticket's page; `solution` is the solution mail's answer the person came with
/// (`confirm` or `reopen`).
async fn ticket_page_for(
    state: &AppState,
    viewer: &Viewer,
    id: TicketId,
    errors: Errors,
    reply_draft: String,
    notice: &str,
    solution: Option<&str>,
) -> PageResult {
    let view = state.app.ticket_view(&viewer.actor, id, first_hundred()?).await?;
    let TicketView {
        ticket: t,
        articles,
        history,
        attachments,
        quoted,
        names: who,
        assignable,
        may,
        from_duplicates,
        ..
    } = view;
    let quoted_of =
        |article: Option<ArticleId>| quoted.iter().find(|(a, _)| *a == article).map(|(_, t)| to_safe_html(t));
    let categories = view.categories;
    let names = Names::of(&categories, &view.units);
    let name_of = |id: Option<AccountId>| match id {
        Some(id) => who.get(&id).cloned().unwrap_or_else(|| format!("account {id}")),
        None => "Helpdesk".to_owned(),
    };
    let attachment_view = |a: &helpdesk_domain::attachment::Attachment| AttachmentView {
        href: format!("/tickets/{id}/attachments/{}", a.id),
        filename: a.filename.clone(),
        size: size(a.size),
    };
    let articles = articles
        .iter()
        .map(|a| ArticleView {
            id: a.id.get(),
            author: a.external_author.clone().unwrap_or_else(|| name_of(a.author)),
            at: when(a.created_at),
            html: to_safe_html(&a.body),
            quoted: quoted_of(Some(a.id)),
            internal: a.internal,
            channel: a.channel.as_str().to_owned(),
            attachments: attachments.iter().filter(|x| x.article == Some(a.id)).map(attachment_view).collect(),
        })
        .collect();
    let from_duplicates = from_duplicates
        .iter()
        .map(|(ticket, a)| {
            let article = ArticleView {
                id: a.id.get(),
                author: a.external_author.clone().unwrap_or_else(|| name_of(a.author)),
                at: when(a.created_at),
                html: to_safe_html(&a.body),
                quoted: None,
                internal: false,
                channel: a.channel.as_str().to_owned(),
                attachments: Vec::new(),
            };
            (ticket.get(), article)
        })
        .collect();
    let history = history
        .iter()
        .map(|h| HistoryView {
            at: when(h.at),
            who: name_of(h.actor),
            field: words(&h.field),
            old: value_text(&h.old),
            new: value_text(&h.new),
            reason: h.reason.clone().unwrap_or_default(),
        })
        .collect();
    let mut assignable: Vec<Choice> =
        assignable.iter().map(|m| Choice::new(m.account.to_string(), m.name.clone(), "")).collect();
    if may.unassign {
        assignable.push(Choice::new("none", "Nobody (give it back to the unit)", ""));
    }
    let statuses = view.next_statuses.iter().map(|s| Choice::new(s.as_str(), words(s.as_str()), "")).collect();
    let resolutions = std::iter::once(Choice::new("", "—", ""))
        .chain(Resolution::ALL.iter().map(|r| Choice::new(r.as_str(), words(r.as_str()), "")))
        .collect();
    let known_units: std::collections::BTreeSet<_> =
        categories.iter().map(|c| c.default_unit).chain(names.units.keys().copied()).collect();
    let units =
        known_units.iter().filter(|u| **u != t.unit).map(|u| Choice::new(u.to_string(), names.unit(*u), "")).collect();
    let child_units = known_units.iter().map(|u| Choice::new(u.to_string(), names.unit(*u), "")).collect();
    let defs = categories.iter().find(|c| c.id == t.category).map(|c| c.fields.as_slice()).unwrap_or_default();
    // In the order the admin gave the category's fields; values of fields it no longer has
    // after them, by key.
    let position = |key: &str| defs.iter().position(|d| d.key == key).unwrap_or(usize::MAX);
    let mut values: Vec<(&String, &serde_json::Value)> = t.fields.iter().collect();
    values.sort_by(|(a, _), (b, _)| position(a).cmp(&position(b)).then_with(|| a.cmp(b)));
    let fields = values
        .into_iter()
        .map(|(k, v)| {
            let label = defs.iter().find(|d| &d.key == k).map(|d| d.label.clone()).unwrap_or_else(|| words(k));
            let value = match v {
                serde_json::Value::String(s) => s.clone(),
                other => value_text(other),
            };
            (label, value)
        })
        .collect();
    let external = view.external.map(|l| ExternalView {
        id: l.external_id.unwrap_or_else(|| "not created yet".into()),
        url: super::sync::web_link(l.external_url.as_deref()),
        state: super::sync::state_words(l.state),
        css: l.state.as_str(),
        since: l.pending_since.map(when).unwrap_or_default(),
        error: l.last_error.unwrap_or_default(),
    });
    let pending = view
        .pending
        .iter()
        .map(|p| match *p {
            Pending::Close(at) => ("Closes", format!("on {}, unless verified or reopened", when(at))),
            Pending::Remind(n, at) => {
                ("Reminder", format!("{} on {}, unless the requester answers", ordinal(n), when(at)))
            }
            Pending::GiveUp(at) => ("Unanswered", format!("unsolved (no reply) on {}", when(at))),
            Pending::RemindOn(at) => ("Reminder date", format!("{}, to the owner (or the unit)", when(at))),
        })
        .collect();
    let clocks = clock_lines(t.sla.as_ref(), state.app.now());
    let escalation = match t.sla.as_ref().map_or(0, |s| s.escalation_step) {
        0 => String::new(),
        n => format!("step {n} of {TOP_ESCALATION}"),
    };
    // A part is not split again, nor a ticket that is finished.
    // Only the requester's side confirms a solution, so only they are asked about it.
    let may_confirm =
        matches!(t.status, Status::Solved | Status::Unsolved) && view.next_statuses.contains(&Status::Verified);
    let open_now = !t.status.is_terminal() && !view.relations.items.iter().any(|r| r.kind == RelationKind::Parent);
    let page = TicketPage {
        external,
        pending,
        clocks,
        escalation,
        may_escalate: may.escalate,
        may_raise_alarm: may.raise_alarm,
        kind_badge: match (t.kind.subject_mark(), &view.team_name) {
            (Some(mark), Some(team)) => format!("{mark} {team}"),
            (Some(mark), None) => mark.to_owned(),
            (None, _) => String::new(),
        },
        may_follow: may.follow,
        following: may.following,
        related: view
            .relations
            .items
            .iter()
            .map(|r| RelatedRow {
                id: r.id,
                role: match r.kind {
                    RelationKind::Reference => "",
                    RelationKind::Master => "master",
                    RelationKind::Slave => "duplicate",
                    RelationKind::Parent => "parent",
                    RelationKind::Child => "part",
                },
                ticket: r.ticket.get(),
                title: r.title.clone(),
                status: words(r.status.as_str()),
                note: r.note.clone(),
            })
            .collect(),
        hidden_related: view.relations.hidden,
        links: view.relations.links.iter().map(|l| (l.id, l.url.clone(), l.host.clone())).collect(),
        may_relate: may.relate,
        may_confirm,
        requester_mode: may.requester_mode.map(|m| m.as_str().to_owned()).unwrap_or_default(),
        involved: view.involved.iter().map(|p| (p.account.get(), p.name.clone(), p.email.clone())).collect(),
        may_reopen: may_confirm && view.next_statuses.contains(&Status::Reopened) && may.reply,
        reopen_open: solution == Some("reopen"),
        resolution: t.resolution.map(|r| words(r.as_str())).unwrap_or_default(),
        child_units: if may.relate && open_now { child_units } else { Vec::new() },
        may_edit: may.edit,
        link_value: t.link_url.clone().unwrap_or_default(),
        may_remind: may.note
            && [Status::WaitingForReply, Status::OnHold]
                .iter()
                .any(|s| *s == t.status || view.next_statuses.contains(s)),
        shell: Shell::of(viewer).with_notice(notice),
        description: to_safe_html(&t.description),
        description_quoted: quoted_of(None),
        status: words(t.status.as_str()),
        open: super::views::is_open(t.status),
        private: t.privacy == Privacy::Private,
        submitter: name_of(Some(t.submitter)),
        on_behalf_of: t.on_behalf_of.map(|a| name_of(Some(a))).unwrap_or_default(),
        owner: t.owner.map(|a| name_of(Some(a))).unwrap_or_else(|| "nobody yet".into()),
        category: names.category(t.category),
        unit: names.unit(t.unit),
        created: when(t.created_at),
        updated: when(t.updated_at),
        fields,
        copy_to: t.copy_to.join(", "),
        ticket_attachments: attachments.iter().filter(|a| a.article.is_none()).map(attachment_view).collect(),
        articles,
        from_duplicates,
        history,
        errors,
        reply_draft,
        may_reply: may.reply,
        may_note: may.note,
        may_attach: may.attach,
        may_take: may.take,
        assignable,
        statuses,
        resolutions,
        may_set_priority: may.set_priority,
        priorities: priority_choices(t.priority.as_str()),
        may_set_unit: may.set_unit,
        units,
        may_set_privacy: may.set_privacy,
        other_privacy: if t.privacy == Privacy::Public { "private".into() } else { "public".into() },
        max_files: MAX_ATTACHMENTS,
        max_bytes: MAX_ATTACHMENT_BYTES,
        t,
    };
    Ok(render(&page))
}

/// A ticket's page; right after a change it says what was done.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<TicketId>,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult {
    let notice = match q.get("done").map(String::as_str) {
        _ if q.contains_key("opened") => "Your ticket is open. You can follow it here.",
        Some("reply") => "Your message is added.",
        Some("change") => "The ticket is changed.",
        Some("escalate") => "The ticket is escalated: its unit and the people responsible for it are told.",
        Some("alarm") => "The ticket is an ALARM now: its unit's alarm address is told at once.",
        Some("follow") => "You follow this ticket: its replies and its solution come to you by mail.",
        Some("unfollow") => "You no longer follow this ticket.",
        Some("relate") => "The tickets are related.",
        Some("child") => "The part is opened in its unit; this ticket waits for it.",
        Some("edit") => "The ticket is changed.",
        Some("unrelate") => "The relation is removed.",
        Some("link") => "The link is added.",
        Some("unlink") => "The link is removed.",
        Some("reopen") => "The ticket is reopened, and your message is added.",
        Some("mode") => "Your choice of mail for this ticket is saved.",
        Some("involve") => "They are involved: they get what the unit gets, internal notes included.",
        Some("uninvolve") => "They are no longer involved.",
        _ => "",
    };
    // The solution mail's links lead here; answering needs the person signed in.
    let solution = q.get("solution").map(String::as_str).filter(|s| ["confirm", "reopen"].contains(s));
    if let Some(answer) = solution
        && viewer.actor.account.is_none()
    {
        return Err(PageError::SignIn(format!("/tickets/{id}?solution={answer}")));
    }
    ticket_page_for(&state, &viewer, id, Errors::default(), String::new(), notice, solution).await
}

/// Whom to involve in the ticket.
#[derive(Debug, Default, Deserialize)]
pub struct InvolveForm {
    #[serde(default)]
    person: String,
}

/// Involves someone in the ticket; a refusal (with why) comes back on the page.
pub async fn involve(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TicketId>,
    PageForm(form): PageForm<InvolveForm>,
) -> PageResult {
    back_to_ticket(&state, &viewer, id, state.app.involve(&viewer.actor, id, &form.person).await, "involve").await
}

/// No longer involves someone in the ticket.
pub async fn uninvolve(
    SignedIn { state, viewer }: SignedIn,
    PagePath((id, account)): PagePath<(TicketId, i64)>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let account = helpdesk_domain::AccountId(account);
    back_to_ticket(&state, &viewer, id, state.app.uninvolve(&viewer.actor, id, account).await, "uninvolve").await
}

/// How the requester wants to hear of the ticket.
#[derive(Debug, Default, Deserialize)]
pub struct ModeForm {
    #[serde(default)]
    mode: String,
}

/// Saves how the requester hears of the ticket by mail.
pub async fn set_requester_mode(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TicketId>,
    PageForm(form): PageForm<ModeForm>,
) -> PageResult {
    let outcome = match form.mode.parse() {
        Ok(mode) => state.app.set_requester_mode(&viewer.actor, id, mode).await,
        Err(_) => Err(helpdesk_app::AppError::invalid("mode", "choose every change or the solution only")),
    };
    back_to_ticket(&state, &viewer, id, outcome, "mode").await
}

/// Why the solution does not solve the problem.
#[derive(Debug, Default, Deserialize)]
pub struct ReopenForm {
    #[serde(default)]
    reason: String,
}

/// Reopens a solved or unsolved ticket with the requester's reason, as a public reply; a
/// refusal comes back on the page.
pub async fn reopen(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TicketId>,
    PageForm(form): PageForm<ReopenForm>,
) -> PageResult {
    back_to_ticket(&state, &viewer, id, state.app.reopen(&viewer.actor, id, form.reason).await, "reopen").await
}

/// Adds a reply or an internal note (with attachments).
pub async fn reply(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TicketId>,
    form: UploadForm,
) -> PageResult {
    let body = form.text("body");
    let internal = form.text("kind") == "note";
    match state.app.add_article_with(&viewer.actor, id, body.clone(), internal, Channel::Web, form.files).await {
        Ok(article) => Ok(see_other(&format!("/tickets/{id}?done=reply#article-{}", article.id))),
        Err(e) => {
            let errors = Errors::from_app(e)?;
            let page = ticket_page(&state, &viewer, id, errors, body, "").await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Follow (`1`) or stop following (`0`).
#[derive(Debug, Default, Deserialize)]
pub struct FollowForm {
    #[serde(default)]
    follow: String,
}

/// Follows the ticket, or stops following it.
pub async fn follow(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TicketId>,
    PageForm(form): PageForm<FollowForm>,
) -> PageResult {
    match form.follow.as_str() {
        "1" => state.app.follow(&viewer.actor, id).await?,
        "0" => state.app.unfollow(&viewer.actor, id).await?,
        _ => return Err(helpdesk_app::AppError::invalid("follow", "follow or stop following").into()),
    }
    let done = if form.follow == "1" { "follow" } else { "unfollow" };
    Ok(see_other(&format!("/tickets/{id}?done={done}")))
}

/// Where a change made on the ticket page leads: back to the page, saying what was `done`; or,
/// when it is refused, the page again with the refusal next to its field (409 for a conflict
/// with the ticket's state, 422 for the rest).
async fn back_to_ticket<T>(
    state: &AppState,
    viewer: &Viewer,
    id: TicketId,
    outcome: Result<T, helpdesk_app::AppError>,
    done: &str,
) -> PageResult {
    let Err(e) = outcome else { return Ok(see_other(&format!("/tickets/{id}?done={done}"))) };
    let status = match &e {
        helpdesk_app::AppError::Conflict { .. } => axum::http::StatusCode::CONFLICT,
        _ => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
    };
    let errors = Errors::from_app(e)?;
    let page = ticket_page(state, viewer, id, errors, String::new(), "").await?;
    Ok((status, page).into_response())
}

/// What was written at opening, as edited.
#[derive(Debug, Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    link_url: String,
    #[serde(default)]
    copy_to: String,
}

/// Changes the title, description, link and copies; a refusal comes back on the page.
pub async fn edit(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TicketId>,
    PageForm(form): PageForm<EditForm>,
) -> PageResult {
    let copy_to = form.copy_to.split([',', ';', ' ', '\n']).map(str::trim).filter(|a| !a.is_empty());
    let patch = TicketPatch {
        title: Some(form.title),
        description: Some(form.description),
        link_url: Some(Some(form.link_url)),
        copy_to: Some(copy_to.map(str::to_owned).collect()),
        ..TicketPatch::default()
    };
    back_to_ticket(&state, &viewer, id, state.app.update_ticket(&viewer.actor, id, patch).await, "edit").await
}

/// The ticket to relate this one to, how, and why.
#[derive(Debug, Default, Deserialize)]
pub struct RelateForm {
    #[serde(default)]
    ticket: String,
    /// `reference` (the default), `master` (this one duplicates that) or `slave`.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
}

/// Relates the ticket to another (a cross reference, or as a duplicate); a refusal comes back on
/// the page.
pub async fn relate(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TicketId>,
    PageForm(form): PageForm<RelateForm>,
) -> PageResult {
    let number = form.ticket.trim().trim_start_matches('#');
    let kind = match form.kind.as_str() {
        "" => Ok(RelationKind::Reference),
        kind => kind
            .parse::<RelationKind>()
            .map_err(|_| helpdesk_app::AppError::invalid("kind", "choose how they are related")),
    };
    let outcome = match (number.parse::<i64>(), kind) {
        (_, Err(e)) => Err(e),
        (Ok(other), Ok(kind)) => state.app.relate(&viewer.actor, id, kind, TicketId(other), &form.note).await,
        (Err(_), _) => Err(helpdesk_app::AppError::invalid("ticket", "give a ticket's number")),
    };
    back_to_ticket(&state, &viewer, id, outcome, "relate").await
}

/// A part of the request to open for another unit.
#[derive(Debug, Default, Deserialize)]
pub struct ChildForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    unit: String,
}

/// Opens a part of the ticket's request for another unit; a refusal comes back on the page, its
/// errors named apart from the edit form's title and description.
pub async fn open_child(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TicketId>,
    PageForm(form): PageForm<ChildForm>,
) -> PageResult {
    let outcome = match form.unit.parse::<i64>() {
        Ok(unit) => {
            let unit = helpdesk_domain::UnitId(unit);
            state.app.open_child(&viewer.actor, id, &form.title, &form.description, unit).await
        }
        Err(_) => Err(helpdesk_app::AppError::invalid("unit", "choose the unit it goes to")),
    };
    let outcome = outcome.map_err(|e| match e {
        helpdesk_app::AppError::Invalid(errors) => helpdesk_app::AppError::Invalid(
            errors
                .into_iter()
                .map(|mut e| {
                    e.field = format!("child_{}", e.field);
                    e
                })
                .collect(),
        ),
        other => other,
    });
    back_to_ticket(&state, &viewer, id, outcome, "child").await
}

/// A web page to relate to the ticket.
#[derive(Debug, Default, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    url: String,
}

/// Adds a related link; a refusal comes back on the page.
pub async fn add_link(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TicketId>,
    PageForm(form): PageForm<LinkForm>,
) -> PageResult {
    back_to_ticket(&state, &viewer, id, state.app.add_link(&viewer.actor, id, &form.url).await, "link").await
}

/// Removes a related link.
pub async fn remove_link(
    SignedIn { state, viewer }: SignedIn,
    PagePath((id, link)): PagePath<(TicketId, i64)>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    state.app.remove_link(&viewer.actor, id, link).await?;
    Ok(see_other(&format!("/tickets/{id}?done=unlink")))
}

/// Removes one of the ticket's relations.
pub async fn unrelate(
    SignedIn { state, viewer }: SignedIn,
    PagePath((id, relation)): PagePath<(TicketId, i64)>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    state.app.unrelate(&viewer.actor, id, relation).await?;
    Ok(see_other(&format!("/tickets/{id}?done=unrelate")))
}

/// Why the requester escalates the ticket, from its page.
#[derive(Debug, Default, Deserialize)]
pub struct EscalateForm {
    #[serde(default)]
    reason: String,
}

/// Escalates the ticket a step for its requester's side (GGUS's escalation button).
pub async fn escalate(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TicketId>,
    PageForm(form): PageForm<EscalateForm>,
) -> PageResult {
    back_to_ticket(&state, &viewer, id, state.app.escalate(&viewer.actor, id, &form.reason).await, "escalate").await
}

/// Raises the team ticket to an alarm (its team's alarmers, supporters with the alarm right).
pub async fn raise_alarm(SignedIn { state, viewer }: SignedIn, PagePath(id): PagePath<TicketId>) -> PageResult {
    back_to_ticket(&state, &viewer, id, state.app.raise_alarm(&viewer.actor, id).await, "alarm").await
}

/// A change of the ticket's fields, from one of the action forms.
#[derive(Debug, Default, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    resolution: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    priority_reason: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    privacy: String,
    #[serde(default)]
    remind_at: String,
    #[serde(default)]
    duplicate_of: String,
}

fn parse_change(form: &ChangeForm, me: Option<i64>) -> Result<TicketPatch, Errors> {
    let mut errors = Vec::new();
    let mut patch = TicketPatch::default();
    let mut bad =
        |field: &str, message: String| errors.push(helpdesk_domain::validation::FieldError::new(field, message));
    if !form.status.is_empty() {
        match form.status.parse() {
            Ok(s) => patch.status = Some(s),
            Err(e) => bad("status", format!("{e}")),
        }
    }
    if !form.resolution.is_empty() {
        match form.resolution.parse() {
            Ok(r) => patch.resolution = Some(r),
            Err(e) => bad("resolution", format!("{e}")),
        }
    }
    let duplicate_of = form.duplicate_of.trim().trim_start_matches('#');
    if !duplicate_of.is_empty() {
        match duplicate_of.parse::<i64>() {
            Ok(n) => patch.duplicate_of = Some(TicketId(n)),
            Err(_) => bad("duplicate_of", "give a ticket's number".into()),
        }
    }
    if !form.priority.is_empty() {
        match form.priority.parse::<Priority>() {
            Ok(p) => patch.priority = Some(p),
            Err(e) => bad("priority", format!("{e}")),
        }
    }
    if !form.priority_reason.trim().is_empty() {
        patch.priority_reason = Some(form.priority_reason.trim().to_owned());
    }
    if !form.unit.is_empty() {
        match form.unit.parse() {
            Ok(u) => patch.unit = Some(u),
            Err(_) => bad("unit", "choose a unit".into()),
        }
    }
    match form.owner.as_str() {
        "" => {}
        "me" => patch.owner = Some(me.map(AccountId)),
        "none" => patch.owner = Some(None),
        other => match other.parse() {
            Ok(a) => patch.owner = Some(Some(a)),
            Err(_) => bad("owner", "choose a member".into()),
        },
    }
    if !form.privacy.is_empty() {
        match form.privacy.parse() {
            Ok(p) => patch.privacy = Some(p),
            Err(e) => bad("privacy", format!("{e}")),
        }
    }
    if !form.remind_at.trim().is_empty() {
        match time::Date::parse(form.remind_at.trim(), &time::format_description::well_known::Iso8601::DATE) {
            Ok(date) => patch.remind_at = Some(date),
            Err(_) => bad("remind_at", "give a date such as 2026-12-24".into()),
        }
    }
    if errors.is_empty() { Ok(patch) } else { Err(Errors::from_fields(errors)) }
}

/// Changes the ticket as one of its action forms asks: take, assign, status, priority, unit, privacy.
pub async fn change(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TicketId>,
    PageForm(form): PageForm<ChangeForm>,
) -> PageResult {
    let parsed = parse_change(&form, viewer.actor.account.map(i64::from));
    match submit(parsed, |patch| state.app.update_ticket(&viewer.actor, id, patch)).await? {
        Ok(_) => Ok(see_other(&format!("/tickets/{id}?done=change"))),
        Err(errors) => {
            let page = ticket_page(&state, &viewer, id, errors, String::new(), "").await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Downloads an attachment the viewer may read. Only a few harmless types are shown inline by
/// type; everything else is sent as bytes to save, never as a page of this site.
pub async fn attachment(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((id, attachment)): PagePath<(TicketId, AttachmentId)>,
) -> PageResult {
    let (meta, bytes) = state.app.attachment(&viewer.actor, id, attachment).await?;
    Ok(crate::respond::attachment_response(&meta, bytes))
}

/// "first", "second", ... reminder.
fn ordinal(n: u8) -> String {
    match n {
        1 => "first".into(),
        2 => "second".into(),
        3 => "third".into(),
        n => format!("number {n}"),
    }
}
