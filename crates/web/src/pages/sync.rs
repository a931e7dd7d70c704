//! The pages of external-mode units: an admin's connector form (with "test connection"), and the
//! sync state of every external ticket for staff and the 1st level, with "retry".

use askama::Template;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use helpdesk_app::AppError;
use helpdesk_app::sync::ConnectorInput;
use helpdesk_domain::connector::{
    ConnectorKind, ConnectorSettings, Credentials, ExternalLink, Mapping, MappingText, SyncState,
};
use helpdesk_domain::validation::FieldError;
use helpdesk_domain::{TicketId, UnitId};
use serde::Deserialize;

use super::form::{PageForm, PagePath, PageQuery};
use super::views::{Choice, Pager, page_of, when};
use super::{Admin, Errors, PageResult, Shell, SignedIn, Viewer, render, see_other, submit};
use crate::AppState;

/// The connector form's values. Credentials are never filled in: left blank, they are kept.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConnectorForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    queue: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    signing_key: String,
    #[serde(default)]
    poll_seconds: String,
    #[serde(default)]
    fields: String,
    #[serde(default)]
    internal_notes: Option<String>,
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    status_out: String,
    #[serde(default)]
    status_in: String,
    #[serde(default)]
    priority_out: String,
    #[serde(default)]
    action: String,
}

impl ConnectorForm {
    fn of(settings: &ConnectorSettings) -> ConnectorForm {
        let mapping = settings.mapping().to_text();
        ConnectorForm {
            status_out: mapping.status_out,
            status_in: mapping.status_in,
            priority_out: mapping.priority_out,
            kind: settings.kind.as_str().into(),
            url: settings.url.clone(),
            queue: settings.queue.clone(),
            poll_seconds: settings.poll_seconds.to_string(),
            fields: settings.fields.join(", "),
            internal_notes: settings.internal_notes.then(|| "on".into()),
            enabled: settings.enabled.then(|| "on".into()),
            ..ConnectorForm::default()
        }
    }

    fn blank() -> ConnectorForm {
        let mapping = ConnectorKind::Rt.default_mapping().to_text();
        ConnectorForm {
            status_out: mapping.status_out,
            status_in: mapping.status_in,
            priority_out: mapping.priority_out,
            kind: "rt".into(),
            poll_seconds: "5".into(),
            internal_notes: Some("on".into()),
            enabled: Some("on".into()),
            ..ConnectorForm::default()
        }
    }

    fn parse(&self) -> Result<ConnectorInput, Errors> {
        let mut errors = Vec::new();
        let kind = self.kind.parse::<ConnectorKind>().map_err(|e| errors.push(("kind", e.to_string()))).ok();
        let poll_seconds = self
            .poll_seconds
            .trim()
            .parse::<u32>()
            .map_err(|_| errors.push(("poll_seconds", "must be a number of seconds".into())))
            .ok();
        let text = MappingText {
            status_out: self.status_out.clone(),
            status_in: self.status_in.clone(),
            priority_out: self.priority_out.clone(),
        };
        let mapping = Mapping::from_text(&text);
        let mut refused: Vec<FieldError> = errors.into_iter().map(|(f, m)| FieldError::new(f, m)).collect();
        if let Err(e) = &mapping {
            refused.extend(e.iter().cloned());
        }
        let (Some(kind), Some(poll_seconds), Ok(mapping)) = (kind, poll_seconds, mapping) else {
            return Err(Errors::from_fields(refused));
        };
        let given = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        Ok(ConnectorInput {
            settings: ConnectorSettings {
                kind,
                url: self.url.trim().to_owned(),
                queue: self.queue.trim().to_owned(),
                // All three left blank: the kind's usual mapping.
                mapping: if self.status_out.trim().is_empty()
                    && self.status_in.trim().is_empty()
                    && self.priority_out.trim().is_empty()
                {
                    None
                } else {
                    mapping.unless_usual()
                },
                fields: self.fields.split(',').map(str::trim).filter(|f| !f.is_empty()).map(str::to_owned).collect(),
                internal_notes: self.internal_notes.is_some(),
                poll_seconds,
                enabled: self.enabled.is_some(),
            },
            credentials: Credentials {
                user: given(&self.user),
                secret: given(&self.secret),
                signing_key: given(&self.signing_key),
            },
        })
    }

    fn kinds(&self) -> Vec<Choice> {
        let label = |k: ConnectorKind| match k {
            ConnectorKind::Rt => "Request Tracker 5 (REST 2.0, polled)",
            ConnectorKind::Helpdesk => "another Helpdesk (signed webhooks both ways)",
            ConnectorKind::Zammad => "Zammad (REST API)",
            ConnectorKind::Webhook => "a generic JSON webhook (signed, push only)",
        };
        ConnectorKind::ALL.iter().map(|k| Choice::new(k.as_str(), label(*k), &self.kind)).collect()
    }
}

#[derive(Template)]
#[template(path = "admin/connector.html")]
struct ConnectorPage {
    shell: Shell,
    unit: i64,
    unit_name: String,
    external: bool,
    kinds: Vec<Choice>,
    form: ConnectorForm,
    has_credentials: bool,
    errors: Errors,
    test: Option<(bool, String)>,
}

async fn connector_page(
    state: &AppState,
    viewer: &Viewer,
    unit: UnitId,
    form: Option<ConnectorForm>,
    errors: Errors,
    test: Option<(bool, String)>,
    notice: &str,
) -> PageResult {
    let found = state.app.unit(&viewer.actor, UnitId(unit.get())).await?;
    let stored = state.app.connector(&viewer.actor, UnitId(unit.get())).await?;
    let form = form.unwrap_or_else(|| {
        stored.as_ref().map(|c| ConnectorForm::of(&c.settings)).unwrap_or_else(ConnectorForm::blank)
    });
    let page = ConnectorPage {
        shell: Shell::of(viewer).with_notice(notice),
        unit: unit.get(),
        unit_name: found.name,
        external: found.integration == helpdesk_domain::unit::Integration::External,
        kinds: form.kinds(),
        form,
        has_credentials: stored.is_some_and(|c| c.has_credentials),
        errors,
        test,
    };
    if page.errors.any() {
        Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
    } else {
        Ok(render(&page))
    }
}

/// A unit's connector: where its tickets go and how to reach it.
pub async fn connector(Admin { state, viewer }: Admin, PagePath(unit): PagePath<UnitId>) -> PageResult {
    connector_page(&state, &viewer, unit, None, Errors::default(), None, "").await
}

/// Saves the connector, or tests the one stored.
pub async fn save_connector(
    Admin { state, viewer }: Admin,
    PagePath(unit): PagePath<UnitId>,
    PageForm(form): PageForm<ConnectorForm>,
) -> PageResult {
    if form.action == "test" {
        let found = state.app.test_connector(&viewer.actor, unit).await;
        let test = match found {
            Ok(check) => (check.ok, check.message),
            Err(e @ (AppError::NotFound(_) | AppError::Internal(_))) => (false, e.to_string()),
            Err(e) => return Err(e.into()),
        };
        return connector_page(&state, &viewer, unit, None, Errors::default(), Some(test), "").await;
    }
    match submit(form.parse(), |input| state.app.put_connector(&viewer.actor, unit, input)).await? {
        Ok(_) => connector_page(&state, &viewer, unit, None, Errors::default(), None, "The connector is saved.").await,
        Err(errors) => connector_page(&state, &viewer, unit, Some(form), errors, None, "").await,
    }
}

/// One external ticket in the sync list.
pub struct LinkRow {
    ticket: i64,
    unit: String,
    external_id: String,
    external_url: String,
    state: &'static str,
    css: &'static str,
    since: String,
    attempts: i64,
    error: String,
    synced: String,
}

impl LinkRow {
    fn of(l: &ExternalLink, unit: String) -> LinkRow {
        LinkRow {
            ticket: l.ticket.get(),
            unit,
            external_id: l.external_id.clone().unwrap_or_default(),
            external_url: web_link(l.external_url.as_deref()),
            state: state_words(l.state),
            css: l.state.as_str(),
            since: l.pending_since.map(when).unwrap_or_default(),
            attempts: l.attempts,
            error: l.last_error.clone().unwrap_or_default(),
            synced: l.synced_at.map(when).unwrap_or_default(),
        }
    }
}

/// An address from the other side as a link, only when it is an http(s) one.
pub fn web_link(url: Option<&str>) -> String {
    url.filter(|u| u.starts_with("https://") || u.starts_with("http://")).unwrap_or_default().to_owned()
}

/// How a sync state reads on the pages.
pub fn state_words(state: SyncState) -> &'static str {
    match state {
        SyncState::InStep => "in step",
        SyncState::Pending => "pending",
        SyncState::Failing => "failing",
    }
}

#[derive(Template)]
#[template(path = "sync.html")]
struct SyncPage {
    shell: Shell,
    rows: Vec<LinkRow>,
    pager: Pager,
}

/// The list's page.
#[derive(Debug, Default, Deserialize)]
pub struct SyncQuery {
    #[serde(default)]
    page: Option<i64>,
}

/// The sync state of every external ticket: failing first, then pending, then in step.
pub async fn list(SignedIn { state, viewer }: SignedIn, PageQuery(q): PageQuery<SyncQuery>) -> PageResult {
    let page = state.app.sync_states(&viewer.actor, None, page_of(q.page, 50)?).await?;
    // Each unit of the page is read once, however many of its tickets the page shows.
    let mut names = std::collections::HashMap::new();
    for link in &page.items {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(link.unit) {
            slot.insert(state.app.unit(&viewer.actor, link.unit).await.map(|u| u.name).unwrap_or_default());
        }
    }
    let rows = page.items.iter().map(|l| LinkRow::of(l, names.get(&l.unit).cloned().unwrap_or_default())).collect();
    Ok(render(&SyncPage { shell: Shell::of(&viewer), rows, pager: Pager::of(&page, "/sync", "tickets") }))
}

/// What "retry" applies to.
#[derive(Debug, Default, Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    ticket: Option<i64>,
    #[serde(default)]
    back: String,
}

/// Tries one ticket (or all not in step) again at once.
pub async fn retry(SignedIn { state, viewer }: SignedIn, PageForm(form): PageForm<RetryForm>) -> PageResult {
    state.app.retry_sync(&viewer.actor, None, form.ticket.map(TicketId)).await?;
    let back = if form.back.starts_with("/tickets/") { form.back.as_str() } else { "/sync" };
    Ok(see_other(back))
}
