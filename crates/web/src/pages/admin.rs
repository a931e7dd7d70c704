//! The admin pages: support units (level, address, integration mode, members), categories and
//! their fields, organisations (domains, contracts, members, partners), accounts and roles.
//! The use cases check the admin's rights; these pages only ask.

use std::str::FromStr;

use askama::Template;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use helpdesk_app::AppError;
use helpdesk_app::catalog::{BASE_SERVICE_LEVEL, CategoryInput, CategoryPatch, UnitInput, UnitPatch};
use helpdesk_app::organisations::NewContract;
use helpdesk_domain::account::Role;
use helpdesk_domain::category::{Category, FieldDef, FieldType};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::service_level::ServiceLevel;
use helpdesk_domain::unit::{Integration, Unit};
use helpdesk_domain::validation::FieldError;
use helpdesk_domain::{AccountId, CategoryId, OrgId, ServiceLevelId, UnitId};
use serde::Deserialize;

use super::form::{PageForm, PagePath, PageQuery};
use super::views::{Choice, Pager, first_hundred, page_of, query, when, words};
use super::{Admin, Errors, PageError, PageResult, Shell, Viewer, render, see_other, submit};
use crate::AppState;

/// Page `page` (the first when none) of an admin list, 50 a page.
fn fifty(page: Option<i64>) -> Result<PageRequest, PageError> {
    page_of(page, 50)
}

pub(super) fn refused<T: Template>(page: &T) -> PageResult {
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(page)).into_response())
}

#[derive(Template)]
#[template(path = "admin/index.html")]
struct IndexPage {
    shell: Shell,
}

/// The admin start page.
pub async fn index(Admin { viewer, .. }: Admin) -> PageResult {
    Ok(render(&IndexPage { shell: Shell::of(&viewer) }))
}

// ---- Units ----

/// A unit form's values.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    integration: String,
    #[serde(default)]
    service_level: String,
    #[serde(default)]
    alarm_email: String,
    #[serde(default)]
    member_email: String,
    #[serde(default)]
    manager: Option<String>,
    #[serde(default)]
    action: String,
}

impl UnitForm {
    fn of(u: &Unit) -> UnitForm {
        UnitForm {
            name: u.name.clone(),
            description: u.description.clone(),
            level: u.level.to_string(),
            email: u.email.clone(),
            integration: u.integration.as_str().into(),
            service_level: u.service_level.to_string(),
            alarm_email: u.alarm_email.clone(),
            ..UnitForm::default()
        }
    }

    fn parse(&self) -> Result<UnitInput, Errors> {
        let mut errors = vec![];
        let level = self.level.trim().parse::<i16>().unwrap_or_else(|_| {
            errors.push(FieldError::new("level", "choose 1, 2 or 3"));
            0
        });
        let integration = Integration::from_str(&self.integration).unwrap_or_else(|e| {
            errors.push(FieldError::new("integration", e.to_string()));
            Integration::Direct
        });
        let service_level = match self.service_level.trim() {
            "" => None,
            chosen => chosen.parse::<ServiceLevelId>().map(Some).unwrap_or_else(|_| {
                errors.push(FieldError::new("service_level", "choose a service level"));
                None
            }),
        };
        if !errors.is_empty() {
            return Err(Errors::from_fields(errors));
        }
        Ok(UnitInput {
            name: self.name.clone(),
            description: self.description.clone(),
            level,
            email: self.email.clone(),
            integration,
            service_level,
            alarm_email: self.alarm_email.clone(),
        })
    }

    fn levels(&self) -> Vec<Choice> {
        ["1", "2", "3"].iter().map(|l| Choice::new(*l, format!("{l}{}", ordinal(l)), &self.level)).collect()
    }

    fn service_levels(&self, levels: &[ServiceLevel]) -> Vec<Choice> {
        levels.iter().map(|l| Choice::new(l.id.to_string(), l.name.clone(), &self.service_level)).collect()
    }

    fn integrations(&self) -> Vec<Choice> {
        Integration::ALL.iter().map(|i| Choice::new(i.as_str(), integration_label(*i), &self.integration)).collect()
    }
}

fn ordinal(level: &str) -> &'static str {
    match level {
        "1" => "st level",
        "2" => "nd level",
        _ => "rd level",
    }
}

fn integration_label(i: Integration) -> &'static str {
    match i {
        Integration::Direct => "direct: works in Helpdesk",
        Integration::Redirect => "redirect: gets tickets on its mailing list",
        Integration::External => "external: works in its own ticketing system",
    }
}

#[derive(Template)]
#[template(path = "admin/units.html")]
struct UnitsPage {
    shell: Shell,
    units: Vec<(UnitId, String, String)>,
    pager: Pager,
    form: UnitForm,
    levels: Vec<Choice>,
    integrations: Vec<Choice>,
    service_levels: Vec<Choice>,
    errors: Errors,
}

fn units_page(
    viewer: &Viewer,
    units: &Page<Unit>,
    service_levels: &[ServiceLevel],
    form: UnitForm,
    errors: Errors,
) -> UnitsPage {
    UnitsPage {
        shell: Shell::of(viewer),
        pager: Pager::of(units, "/admin/units", "units"),
        units: units
            .items
            .iter()
            .map(|u| (u.id, u.name.clone(), format!("level {} · {} · {}", u.level, u.email, u.integration.as_str())))
            .collect(),
        levels: form.levels(),
        integrations: form.integrations(),
        service_levels: form.service_levels(service_levels),
        form,
        errors,
    }
}

/// Every unit, and the form for a new one.
pub async fn units(Admin { state, viewer }: Admin, PageQuery(q): PageQuery<AccountsQuery>) -> PageResult {
    let units = state.app.units(&viewer.actor, fifty(q.page)?).await?;
    let service_levels = state.app.service_levels(&viewer.actor).await?;
    let form = UnitForm {
        level: "1".into(),
        integration: "direct".into(),
        service_level: BASE_SERVICE_LEVEL.to_string(),
        ..UnitForm::default()
    };
    Ok(render(&units_page(&viewer, &units, &service_levels, form, Errors::default())))
}

/// Creates a unit.
pub async fn create_unit(Admin { state, viewer }: Admin, PageForm(form): PageForm<UnitForm>) -> PageResult {
    match submit(form.parse(), |input| state.app.create_unit(&viewer.actor, input)).await? {
        Ok(unit) => Ok(see_other(&format!("/admin/units/{}", unit.id))),
        Err(errors) => {
            let units = state.app.units(&viewer.actor, fifty(None)?).await?;
            let service_levels = state.app.service_levels(&viewer.actor).await?;
            refused(&units_page(&viewer, &units, &service_levels, form, errors))
        }
    }
}

#[derive(Template)]
#[template(path = "admin/unit.html")]
struct UnitPage {
    shell: Shell,
    id: i64,
    form: UnitForm,
    levels: Vec<Choice>,
    integrations: Vec<Choice>,
    service_levels: Vec<Choice>,
    members: Vec<String>,
    errors: Errors,
}

async fn unit_page(
    state: &AppState,
    viewer: &Viewer,
    id: UnitId,
    form: Option<UnitForm>,
    errors: Errors,
    notice: &str,
) -> PageResult {
    let unit = state.app.unit(&viewer.actor, UnitId(id.get())).await?;
    let members = state
        .app
        .unit_members(&viewer.actor, UnitId(id.get()))
        .await?
        .into_iter()
        .map(|m| format!("{} <{}>{}", m.name, m.email, if m.manager { " (manager)" } else { "" }))
        .collect();
    let form = form.unwrap_or_else(|| UnitForm::of(&unit));
    let service_levels = state.app.service_levels(&viewer.actor).await?;
    let page = UnitPage {
        shell: Shell::of(viewer).with_notice(notice),
        id: id.get(),
        levels: form.levels(),
        integrations: form.integrations(),
        service_levels: form.service_levels(&service_levels),
        form,
        members,
        errors,
    };
    if page.errors.any() { refused(&page) } else { Ok(render(&page)) }
}

/// One unit's settings and members.
pub async fn unit(Admin { state, viewer }: Admin, PagePath(id): PagePath<UnitId>) -> PageResult {
    unit_page(&state, &viewer, id, None, Errors::default(), "").await
}

/// Saves a unit's settings, or adds a member or manager to it.
pub async fn update_unit(
    Admin { state, viewer }: Admin,
    PagePath(id): PagePath<UnitId>,
    PageForm(form): PageForm<UnitForm>,
) -> PageResult {
    if form.action == "member" {
        let added = match state.app.account_for_email(&viewer.actor, &form.member_email).await {
            Ok(account) => {
                state.app.set_unit_member(&viewer.actor, id, account, form.manager.is_some()).await.map(|_| ())
            }
            Err(e) => Err(e),
        };
        return match added {
            Ok(()) => unit_page(&state, &viewer, id, None, Errors::default(), "The member is added.").await,
            Err(e) => {
                let mut errors = Errors::from_app(e)?;
                if let Some(message) = errors.get("on_behalf_of").map(str::to_owned) {
                    errors = Errors::from_fields(vec![FieldError::new("member_email", message)]);
                }
                unit_page(&state, &viewer, id, None, errors, "").await
            }
        };
    }
    let patch = |input: UnitInput| UnitPatch {
        name: Some(input.name),
        description: Some(input.description),
        level: Some(input.level),
        email: Some(input.email),
        integration: Some(input.integration),
        service_level: input.service_level,
        alarm_email: Some(input.alarm_email),
    };
    match submit(form.parse().map(patch), |patch| state.app.update_unit(&viewer.actor, id, patch)).await? {
        Ok(_) => unit_page(&state, &viewer, id, None, Errors::default(), "The unit is saved.").await,
        Err(errors) => unit_page(&state, &viewer, id, Some(form), errors, "").await,
    }
}

// ---- Categories ----

/// A category form's values; its fields are one per line: `key | label | type | required | choices`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    default_unit: String,
    #[serde(default)]
    fields: String,
}

fn fields_text(fields: &[FieldDef]) -> String {
    fields
        .iter()
        .map(|f| {
            let mut line = format!(
                "{} | {} | {} | {}",
                f.key,
                f.label,
                f.field_type.as_str(),
                if f.required { "required" } else { "optional" }
            );
            if let Some(choices) = &f.choices {
                line.push_str(&format!(" | {}", choices.join(", ")));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the field lines; each refusal names its line.
fn parse_fields(text: &str) -> Result<Vec<FieldDef>, FieldError> {
    let mut out = vec![];
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let bad = |why: &str| FieldError::new("fields", format!("line {}: {why}", n + 1));
        if parts.len() < 3 {
            return Err(bad("write key | label | type | required or optional | choices"));
        }
        // "yes/no" is what people call the type that the API calls "bool".
        let field_type = match parts[2] {
            "yes/no" => FieldType::Bool,
            other => FieldType::from_str(other).map_err(|e| bad(&e.to_string()))?,
        };
        let required = match parts.get(3).copied().unwrap_or("optional") {
            "required" => true,
            "optional" | "" => false,
            other => return Err(bad(&format!("'{other}' is neither required nor optional"))),
        };
        let choices = parts
            .get(4)
            .map(|c| c.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect::<Vec<_>>())
            .filter(|c| !c.is_empty());
        out.push(FieldDef { key: parts[0].to_owned(), label: parts[1].to_owned(), field_type, choices, required });
    }
    Ok(out)
}

impl CategoryForm {
    fn of(c: &Category) -> CategoryForm {
        CategoryForm {
            name: c.name.clone(),
            description: c.description.clone(),
            default_unit: c.default_unit.to_string(),
            fields: fields_text(&c.fields),
        }
    }

    fn parse(&self) -> Result<CategoryInput, Errors> {
        let mut errors = vec![];
        let default_unit = self.default_unit.parse::<UnitId>().unwrap_or_else(|_| {
            errors.push(FieldError::new("default_unit", "choose a unit"));
            UnitId(0)
        });
        let fields = parse_fields(&self.fields).unwrap_or_else(|e| {
            errors.push(e);
            vec![]
        });
        if !errors.is_empty() {
            return Err(Errors::from_fields(errors));
        }
        Ok(CategoryInput { name: self.name.clone(), description: self.description.clone(), default_unit, fields })
    }
}

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct CategoriesPage {
    shell: Shell,
    heading: String,
    action: String,
    categories: Vec<(CategoryId, String, String)>,
    pager: Pager,
    form: CategoryForm,
    units: Vec<Choice>,
    errors: Errors,
}

async fn categories_page(
    state: &AppState,
    viewer: &Viewer,
    page: Option<i64>,
    editing: Option<CategoryId>,
    form: CategoryForm,
    errors: Errors,
    notice: &str,
) -> PageResult {
    let units = state.app.units(&viewer.actor, first_hundred()?).await?.items;
    let unit_name = |id: UnitId| units.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_default();
    let found = match editing {
        Some(_) => Page::new(vec![], 0, fifty(None)?),
        None => state.app.categories(&viewer.actor, fifty(page)?).await?,
    };
    let pager = Pager::of(&found, "/admin/categories", "categories");
    let categories = found
        .items
        .iter()
        .map(|c| {
            (
                c.id,
                c.name.clone(),
                format!(
                    "to {} · {}",
                    unit_name(c.default_unit),
                    super::views::counted(c.fields.len() as i64, "fields")
                ),
            )
        })
        .collect();
    let page = CategoriesPage {
        shell: Shell::of(viewer).with_notice(notice),
        heading: if editing.is_some() { format!("Category {}", form.name) } else { "Categories".into() },
        action: editing.map(|id| format!("/admin/categories/{id}")).unwrap_or_else(|| "/admin/categories".into()),
        categories,
        pager,
        units: units.iter().map(|u| Choice::new(u.id.to_string(), u.name.clone(), &form.default_unit)).collect(),
        form,
        errors,
    };
    if page.errors.any() { refused(&page) } else { Ok(render(&page)) }
}

/// Every category, and the form for a new one.
pub async fn categories(Admin { state, viewer }: Admin, PageQuery(q): PageQuery<AccountsQuery>) -> PageResult {
    categories_page(&state, &viewer, q.page, None, CategoryForm::default(), Errors::default(), "").await
}

/// Creates a category.
pub async fn create_category(Admin { state, viewer }: Admin, PageForm(form): PageForm<CategoryForm>) -> PageResult {
    match submit(form.parse(), |input| state.app.create_category(&viewer.actor, input)).await? {
        Ok(_) => {
            categories_page(
                &state,
                &viewer,
                None,
                None,
                CategoryForm::default(),
                Errors::default(),
                "The category is created.",
            )
            .await
        }
        Err(errors) => categories_page(&state, &viewer, None, None, form, errors, "").await,
    }
}

/// One category's form.
pub async fn category(Admin { state, viewer }: Admin, PagePath(id): PagePath<CategoryId>) -> PageResult {
    let category = state.app.category(&viewer.actor, id).await?;
    categories_page(&state, &viewer, None, Some(id), CategoryForm::of(&category), Errors::default(), "").await
}

/// Saves a category.
pub async fn update_category(
    Admin { state, viewer }: Admin,
    PagePath(id): PagePath<CategoryId>,
    PageForm(form): PageForm<CategoryForm>,
) -> PageResult {
    let patch = |input: CategoryInput| CategoryPatch {
        name: Some(input.name),
        description: Some(input.description),
        default_unit: Some(input.default_unit),
        fields: Some(input.fields),
    };
    match submit(form.parse().map(patch), |patch| state.app.update_category(&viewer.actor, id, patch)).await? {
        Ok(c) => {
            categories_page(
                &state,
                &viewer,
                None,
                Some(id),
                CategoryForm::of(&c),
                Errors::default(),
                "The category is saved.",
            )
            .await
        }
        Err(errors) => categories_page(&state, &viewer, None, Some(id), form, errors, "").await,
    }
}

// ---- Organisations ----

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct OrganisationsPage {
    shell: Shell,
    organisations: Vec<(OrgId, String, String)>,
    pager: Pager,
    name: String,
    domains: String,
    errors: Errors,
}

/// A new organisation.
#[derive(Debug, Default, Deserialize)]
pub struct OrganisationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    domains: String,
}

async fn organisations_page(
    state: &AppState,
    viewer: &Viewer,
    page: Option<i64>,
    form: OrganisationForm,
    errors: Errors,
) -> PageResult {
    let request = fifty(page)?;
    let found = state.app.organisations(&viewer.actor, request).await?;
    let pager = Pager::of(&found, "/admin/organisations", "organisations");
    let organisations = found
        .items
        .into_iter()
        .map(|o| {
            let support = if o.supported { "supported" } else { "no running contract" };
            (o.id, o.name, format!("{} · {support}", o.domains.join(", ")))
        })
        .collect();
    let page = OrganisationsPage {
        shell: Shell::of(viewer),
        organisations,
        pager,
        name: form.name,
        domains: form.domains,
        errors,
    };
    if page.errors.any() { refused(&page) } else { Ok(render(&page)) }
}

/// Every organisation, and the form for a new one.
pub async fn organisations(Admin { state, viewer }: Admin, PageQuery(q): PageQuery<AccountsQuery>) -> PageResult {
    organisations_page(&state, &viewer, q.page, OrganisationForm::default(), Errors::default()).await
}

/// Creates an organisation.
pub async fn create_organisation(
    Admin { state, viewer }: Admin,
    PageForm(form): PageForm<OrganisationForm>,
) -> PageResult {
    let domains =
        form.domains.split([',', ' ', '\n']).map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned).collect();
    match state.app.create_organisation(&viewer.actor, &form.name, domains).await {
        Ok(org) => Ok(see_other(&format!("/admin/organisations/{}", org.id))),
        Err(e) => organisations_page(&state, &viewer, None, form, Errors::from_app(e)?).await,
    }
}

#[derive(Template)]
#[template(path = "admin/organisation.html")]
struct OrganisationPage {
    shell: Shell,
    id: i64,
    name: String,
    domains: Vec<String>,
    contracts: Vec<String>,
    members: Vec<String>,
    members_pager: Pager,
    partners: Vec<String>,
    errors: Errors,
}

async fn organisation_page(
    state: &AppState,
    viewer: &Viewer,
    id: OrgId,
    page: Option<i64>,
    errors: Errors,
    notice: &str,
) -> PageResult {
    let org = state.app.organisation(&viewer.actor, OrgId(id.get())).await?;
    let found = state.app.organisation_members(&viewer.actor, OrgId(id.get()), fifty(page)?).await?;
    let members_pager = Pager::of(&found, &format!("/admin/organisations/{id}"), "members");
    let members = found.items.into_iter().map(|a| format!("{} <{}>", a.name, a.email)).collect();
    let names = state.app.account_names(&org.partners).await?;
    let page = OrganisationPage {
        shell: Shell::of(viewer).with_notice(notice),
        members_pager,
        id: id.get(),
        name: org.name,
        domains: org.domains,
        contracts: org
            .contracts
            .iter()
            .map(|c| {
                let end = c.ends_on.map(|d| d.to_string()).unwrap_or_else(|| "open-ended".into());
                format!(
                    "{}: {} to {}{}",
                    c.plan,
                    c.starts_on,
                    end,
                    if c.includes.is_empty() { String::new() } else { format!(" ({})", c.includes) }
                )
            })
            .collect(),
        members,
        partners: org
            .partners
            .iter()
            .map(|p| names.get(p).cloned().unwrap_or_else(|| format!("account {p}")))
            .collect(),
        errors,
    };
    if page.errors.any() { refused(&page) } else { Ok(render(&page)) }
}

/// The organisation page after a change: with `notice` when it was made, with the errors when not.
async fn organisation_after<T>(
    state: &AppState,
    viewer: &Viewer,
    id: OrgId,
    outcome: Result<T, Errors>,
    notice: &str,
) -> PageResult {
    match outcome {
        Ok(_) => organisation_page(state, viewer, id, None, Errors::default(), notice).await,
        Err(errors) => organisation_page(state, viewer, id, None, errors, "").await,
    }
}

/// One organisation: domains, contracts, members, partners.
pub async fn organisation(
    Admin { state, viewer }: Admin,
    PagePath(id): PagePath<OrgId>,
    PageQuery(q): PageQuery<AccountsQuery>,
) -> PageResult {
    organisation_page(&state, &viewer, id, q.page, Errors::default(), "").await
}

/// A domain to add.
#[derive(Debug, Deserialize)]
pub struct DomainForm {
    #[serde(default)]
    domain: String,
}

/// Adds a verified domain.
pub async fn add_domain(
    Admin { state, viewer }: Admin,
    PagePath(id): PagePath<OrgId>,
    PageForm(form): PageForm<DomainForm>,
) -> PageResult {
    let outcome = submit(Ok(()), |_| state.app.add_domain(&viewer.actor, id, &form.domain)).await?;
    organisation_after(&state, &viewer, id, outcome, "The domain is added.").await
}

/// A contract to add.
#[derive(Debug, Deserialize)]
pub struct ContractForm {
    #[serde(default)]
    plan: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    includes: String,
}

fn date(field: &str, value: &str) -> Result<time::Date, FieldError> {
    time::Date::parse(value.trim(), time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| FieldError::new(field, "give a date as YYYY-MM-DD"))
}

/// Adds a support contract.
pub async fn add_contract(
    Admin { state, viewer }: Admin,
    PagePath(id): PagePath<OrgId>,
    PageForm(form): PageForm<ContractForm>,
) -> PageResult {
    let starts = date("starts_on", &form.starts_on);
    let ends = if form.ends_on.trim().is_empty() { Ok(None) } else { date("ends_on", &form.ends_on).map(Some) };
    let contract = match (starts, ends) {
        (Ok(starts_on), Ok(ends_on)) => {
            Ok(NewContract { plan: form.plan, starts_on, ends_on, includes: form.includes })
        }
        (s, e) => Err(Errors::from_fields([s.err(), e.err()].into_iter().flatten().collect())),
    };
    let outcome = submit(contract, |contract| state.app.add_contract(&viewer.actor, id, contract)).await?;
    organisation_after(&state, &viewer, id, outcome, "The contract is added.").await
}

/// A person, by address.
#[derive(Debug, Deserialize)]
pub struct PersonForm {
    #[serde(default)]
    email: String,
}

async fn person(state: &AppState, viewer: &Viewer, email: &str) -> Result<AccountId, Errors> {
    state.app.account_for_email(&viewer.actor, email).await.map_err(|e| match e {
        AppError::Invalid(_) => {
            Errors::from_fields(vec![FieldError::new("email", "there is no active account with this address")])
        }
        other => Errors::general(other.to_string()),
    })
}

/// Adds a member.
pub async fn add_member(
    Admin { state, viewer }: Admin,
    PagePath(id): PagePath<OrgId>,
    PageForm(form): PageForm<PersonForm>,
) -> PageResult {
    let account = person(&state, &viewer, &form.email).await;
    let outcome = submit(account, |account| state.app.add_organisation_member(&viewer.actor, id, account)).await?;
    organisation_after(&state, &viewer, id, outcome, "The member is added.").await
}

/// Adds a partner.
pub async fn add_partner(
    Admin { state, viewer }: Admin,
    PagePath(id): PagePath<OrgId>,
    PageForm(form): PageForm<PersonForm>,
) -> PageResult {
    let account = person(&state, &viewer, &form.email).await;
    let outcome = submit(account, |account| state.app.add_partner(&viewer.actor, id, account)).await?;
    organisation_after(&state, &viewer, id, outcome, "The partner is added.").await
}

// ---- Accounts ----

/// An account row with its role checkboxes.
pub struct AccountRow {
    /// Its id.
    pub id: i64,
    /// Name and address.
    pub label: String,
    /// Since when, verified or not, disabled or not.
    pub detail: String,
    /// Every grantable role, ticked when granted.
    pub roles: Vec<(String, String, bool)>,
    /// Whether it is disabled.
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct AccountsPage {
    shell: Shell,
    q: String,
    rows: Vec<AccountRow>,
    pager: Pager,
    new_email: String,
    new_name: String,
    errors: Errors,
}

/// A list's search and page (the account list's; the organisation list uses the page alone).
#[derive(Debug, Default, Deserialize)]
pub struct AccountsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

fn grantable() -> impl Iterator<Item = Role> {
    Role::ALL.iter().copied().filter(|r| r.is_grantable())
}

async fn accounts_page(
    state: &AppState,
    viewer: &Viewer,
    q: AccountsQuery,
    new: (String, String),
    errors: Errors,
    notice: &str,
) -> PageResult {
    let request = fifty(q.page)?;
    let text = Some(q.q.trim().to_owned()).filter(|t| !t.is_empty());
    let page = state.app.accounts(&viewer.actor, text, request).await?;
    let pager = Pager::of(&page, &format!("/admin/accounts{}", query(&[("q", &q.q)])), "accounts");
    let rows = page
        .items
        .into_iter()
        .map(|a| AccountRow {
            id: a.id.get(),
            label: format!("{} <{}>", a.name, a.email),
            detail: format!("since {}{}", when(a.created_at), if a.verified { "" } else { " · address not confirmed" }),
            roles: grantable().map(|r| (r.as_str().to_owned(), words(r.as_str()), a.roles.contains(&r))).collect(),
            disabled: a.disabled,
        })
        .collect();
    let page = AccountsPage {
        shell: Shell::of(viewer).with_notice(notice),
        q: q.q,
        rows,
        pager,
        new_email: new.0,
        new_name: new.1,
        errors,
    };
    if page.errors.any() { refused(&page) } else { Ok(render(&page)) }
}

/// Accounts, searched by name or address, with their roles.
pub async fn accounts(Admin { state, viewer }: Admin, PageQuery(q): PageQuery<AccountsQuery>) -> PageResult {
    accounts_page(&state, &viewer, q, Default::default(), Errors::default(), "").await
}

fn roles_of(pairs: &[(String, String)]) -> Result<Vec<Role>, Errors> {
    pairs
        .iter()
        .filter(|(k, _)| k == "role")
        .map(|(_, v)| Role::from_str(v).map_err(|e| Errors::from_fields(vec![FieldError::new("roles", e.to_string())])))
        .collect()
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_default()
}

/// Creates an account (it signs in once its owner sets a password through "forgot your password").
pub async fn create_account(
    Admin { state, viewer }: Admin,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let (email, name) = (value(&form, "email").to_owned(), value(&form, "name").to_owned());
    match submit(roles_of(&form), |roles: Vec<Role>| {
        let (app, actor, email, name) = (&state.app, &viewer.actor, &email, &name);
        async move { app.create_account(actor, email, name, &roles).await }
    })
    .await?
    {
        Ok(_) => {
            accounts_page(
                &state,
                &viewer,
                AccountsQuery::default(),
                Default::default(),
                Errors::default(),
                "The account is created.",
            )
            .await
        }
        Err(errors) => accounts_page(&state, &viewer, AccountsQuery::default(), (email, name), errors, "").await,
    }
}

/// Saves an account's roles, and disables or enables it.
pub async fn update_account(
    Admin { state, viewer }: Admin,
    PagePath(id): PagePath<AccountId>,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let q = AccountsQuery { q: value(&form, "q").to_owned(), page: None };
    let roles = match roles_of(&form) {
        Ok(roles) => roles,
        Err(errors) => return accounts_page(&state, &viewer, q, Default::default(), errors, "").await,
    };
    let disabled = value(&form, "disabled") == "on";
    let result = match state.app.set_roles(&viewer.actor, id, roles).await {
        Ok(_) => state.app.set_account_disabled(&viewer.actor, id, disabled).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            accounts_page(&state, &viewer, q, Default::default(), Errors::default(), "The account is saved.").await
        }
        Err(e) => accounts_page(&state, &viewer, q, Default::default(), Errors::from_app(e)?, "").await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_field_lines_are_read_or_refused_by_line() {
        let fields =
            parse_fields("version | Product version | text | required\n\nos | OS | choice | optional | Linux, Windows")
                .expect("valid lines");
        assert_eq!(fields.len(), 2);
        assert!(fields[0].required && fields[0].field_type == FieldType::Text);
        assert_eq!(fields[1].choices.as_deref(), Some(&["Linux".to_owned(), "Windows".to_owned()][..]));
        let table = [
            ("version | Version", "line 1: write key"),
            ("a | A | colour", "line 1: 'colour' is not a valid"),
            ("a | A | text | maybe", "line 1: 'maybe' is neither"),
            ("a | A | text\nb | B | bool | sometimes", "line 2:"),
        ];
        for (text, start) in table {
            let e = parse_fields(text).expect_err(text);
            assert!(e.message.starts_with(start), "{text}: {}", e.message);
        }
        assert_eq!(parse_fields(&fields_text(&fields)).expect("round trip"), fields);
    }
}
