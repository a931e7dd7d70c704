//! The web application: server-rendered pages (askama templates compiled into the binary) that
//! work without JavaScript; htmx only makes some of them smoother. A handler reads the request,
//! calls the use cases, and renders a template.

mod admin;
mod auth;
mod calendars;
mod form;
mod inbound;
pub(crate) mod oidc;
mod profile;
mod sync;
mod teams;
mod tickets;
mod units;
pub mod viewer;
mod views;
mod work;

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use helpdesk_app::AppError;
use helpdesk_domain::policy::Action;
use helpdesk_domain::validation::FieldError;

use crate::AppState;
pub use viewer::{Admin, SignedIn, Viewer};

/// Largest body of a form that carries attachments: five files and the text around them.
pub(crate) const MAX_UPLOAD_BODY: usize =
    helpdesk_domain::attachment::MAX_ATTACHMENTS * helpdesk_domain::attachment::MAX_ATTACHMENT_BYTES + 1024 * 1024;

/// The page routes; each one sets a CSRF cookie when the browser has none.
pub fn routes(state: AppState) -> Router<AppState> {
    let uploads = Router::new()
        .route("/tickets/new", get(tickets::new_form).post(tickets::create))
        .route("/tickets/{id}/reply", post(tickets::reply))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BODY));
    Router::new()
        .route("/", get(tickets::home))
        .route("/tickets", get(tickets::list))
        .route("/tickets/new/fields", get(tickets::category_fields))
        .route("/tickets/new/priority", get(tickets::priority_preview))
        .route("/tickets/{id}", get(tickets::show))
        .route("/tickets/{id}/change", post(tickets::change))
        .route("/tickets/{id}/escalate", post(tickets::escalate))
        .route("/tickets/{id}/alarm", post(tickets::raise_alarm))
        .route("/tickets/{id}/follow", post(tickets::follow))
        .route("/tickets/{id}/relations", post(tickets::relate))
        .route("/tickets/{id}/children", post(tickets::open_child))
        .route("/tickets/{id}/reopen", post(tickets::reopen))
        .route("/tickets/{id}/requester-mode", post(tickets::set_requester_mode))
        .route("/tickets/{id}/involved", post(tickets::involve))
        .route("/tickets/{id}/involved/{account}/remove", post(tickets::uninvolve))
        .route("/tickets/{id}/edit", post(tickets::edit))
        .route("/tickets/{id}/links", post(tickets::add_link))
        .route("/tickets/{id}/links/{link}/remove", post(tickets::remove_link))
        .route("/tickets/{id}/relations/{relation}/remove", post(tickets::unrelate))
        .route("/tickets/{id}/attachments/{attachment}", get(tickets::attachment))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/login/certificate", get(auth::certificate_login))
        .route("/logout", post(auth::logout))
        .route("/register", get(auth::register_form).post(auth::register))
        .route("/verify", get(auth::verify))
        .route("/forgot-password", get(auth::forgot_form).post(auth::forgot))
        .route("/reset-password", get(auth::reset_form).post(auth::reset))
        .route("/profile", get(profile::show).post(profile::rename))
        .route("/profile/password", post(profile::change_password))
        .route("/profile/tokens", post(profile::create_token))
        .route("/profile/tokens/{id}/revoke", post(profile::revoke_token))
        .route("/profile/certificates", post(profile::link_certificate))
        .route("/profile/certificates/{id}/unlink", post(profile::unlink_certificate))
        .route("/profile/notifications", post(profile::notifications))
        .route("/dashboard", get(work::dashboard))
        .route("/queue", get(work::queue))
        .route("/triage", get(work::triage))
        .route("/queue/bulk", post(work::bulk))
        .route("/units", get(units::list))
        .route("/units/{id}", get(units::show))
        .route("/units/{id}/join", post(units::join))
        .route("/units/{id}/requests/{request}", post(units::decide))
        .route("/units/{id}/members/{account}/remove", post(units::remove_member))
        .route("/admin", get(admin::index))
        .route("/admin/units", get(admin::units).post(admin::create_unit))
        .route("/admin/units/{id}", get(admin::unit).post(admin::update_unit))
        .route("/admin/categories", get(admin::categories).post(admin::create_category))
        .route("/admin/categories/{id}", get(admin::category).post(admin::update_category))
        .route("/admin/calendars", get(calendars::calendars).post(calendars::create_calendar))
        .route("/admin/calendars/{id}", get(calendars::calendar).post(calendars::update_calendar))
        .route("/admin/organisations", get(admin::organisations).post(admin::create_organisation))
        .route("/admin/organisations/{id}", get(admin::organisation))
        .route("/admin/organisations/{id}/domains", post(admin::add_domain))
        .route("/admin/organisations/{id}/contracts", post(admin::add_contract))
        .route("/admin/organisations/{id}/members", post(admin::add_member))
        .route("/admin/organisations/{id}/partners", post(admin::add_partner))
        .route("/admin/accounts", get(admin::accounts).post(admin::create_account))
        .route("/admin/teams", get(teams::teams).post(teams::create_team))
        .route("/admin/teams/{id}", get(teams::team))
        .route("/admin/teams/{id}/members", post(teams::member))
        .route("/admin/teams/{id}/sync", post(teams::sync))
        .route("/teams/{id}", get(teams::my_team))
        .route("/teams/{id}/members", post(teams::member))
        .route("/teams/{id}/sync", post(teams::sync))
        .route("/admin/accounts/{id}", post(admin::update_account))
        .route("/admin/units/{id}/connector", get(sync::connector).post(sync::save_connector))
        .route("/sync", get(sync::list))
        .route("/sync/retry", post(sync::retry))
        .route("/admin/mail", get(inbound::list))
        .route("/admin/mail/{id}/raw", get(inbound::raw))
        .route("/admin/mail/{id}/process", post(inbound::process))
        .merge(uploads)
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(state, viewer::csrf_cookie))
}

/// Pages may load only Helpdesk's own scripts, styles and images, and may not be framed.
async fn security_headers(request: axum::extract::Request, next: middleware::Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// What the frame of every page shows: who is signed in, what they may reach, the search box.
#[derive(Debug, Clone, Default)]
pub struct Shell {
    /// The signed-in person's name, empty for a visitor.
    pub name: String,
    /// Whether somebody is signed in.
    pub signed_in: bool,
    /// Supporters see their queue.
    pub supporter: bool,
    /// Admins see the admin pages.
    pub admin: bool,
    /// The token forms carry.
    pub csrf: String,
    /// What the search box holds.
    pub q: String,
    /// A message to show once (after a change).
    pub notice: String,
}

impl Shell {
    /// The frame for `viewer`.
    pub fn of(viewer: &Viewer) -> Shell {
        let may = |action| helpdesk_domain::policy::check(&viewer.actor, action).is_ok();
        Shell {
            name: viewer.profile.as_ref().map(|p| p.account.name.clone()).unwrap_or_default(),
            signed_in: viewer.signed_in(),
            supporter: may(Action::WorkQueue),
            admin: may(Action::Administer),
            csrf: viewer.csrf.clone(),
            q: String::new(),
            notice: String::new(),
        }
    }

    /// The same frame with a message.
    pub fn with_notice(mut self, notice: impl Into<String>) -> Shell {
        self.notice = notice.into();
        self
    }
}

/// Field errors by field name, to show next to each field.
#[derive(Debug, Clone, Default)]
pub struct Errors {
    by_field: HashMap<String, String>,
    /// Errors not about one field.
    pub general: Vec<String>,
}

impl Errors {
    /// The error of `field`, if it has one; errors of its items (`field[2]`) count as its own.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.by_field.get(field).map(String::as_str).or_else(|| {
            let mut items: Vec<(&String, &String)> = self
                .by_field
                .iter()
                .filter(|(k, _)| k.strip_prefix(field).is_some_and(|r| r.starts_with('[')))
                .collect();
            items.sort();
            items.first().map(|(_, m)| m.as_str())
        })
    }

    /// Whether there is any error.
    pub fn any(&self) -> bool {
        !self.by_field.is_empty() || !self.general.is_empty()
    }

    /// Every error, for the summary at the top of a form.
    pub fn all(&self) -> Vec<String> {
        let mut all: Vec<String> = self.by_field.iter().map(|(f, m)| format!("{}: {m}", label(f))).collect();
        all.sort();
        all.extend(self.general.iter().cloned());
        all
    }

    /// Errors from a refused use case; an error that is not about input is a page error.
    pub fn from_app(e: AppError) -> Result<Errors, PageError> {
        match e {
            AppError::Invalid(errors) => Ok(Errors::from_fields(errors)),
            AppError::Conflict { detail, .. } => Ok(Errors { general: vec![detail], ..Errors::default() }),
            AppError::TooManyAttempts { .. } | AppError::Unauthenticated(_) => {
                Ok(Errors { general: vec![e.to_string()], ..Errors::default() })
            }
            other => Err(PageError::App(other)),
        }
    }

    /// Errors of these fields.
    pub fn from_fields(errors: Vec<FieldError>) -> Errors {
        let mut by_field = HashMap::new();
        for e in errors {
            by_field.entry(e.field).or_insert(e.message);
        }
        Errors { by_field, general: vec![] }
    }

    /// One error not about a field.
    pub fn general(message: impl Into<String>) -> Errors {
        Errors { general: vec![message.into()], ..Errors::default() }
    }
}

fn label(field: &str) -> String {
    field.strip_prefix("fields.").unwrap_or(field).replace('_', " ")
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum PageError {
    /// A use case refused.
    App(AppError),
    /// The page needs a signed-in person; go to the sign-in page and come back to this path.
    SignIn(String),
    /// A form without the right CSRF token, or sent from another site.
    Csrf,
    /// A form or address that cannot be read.
    BadRequest(String),
    /// The request is larger than it may be.
    TooLarge(String),
    /// A template failed.
    Render(String),
}

impl PageError {
    /// A request that cannot be read: `what` is not right, and the field says why.
    pub(crate) fn unreadable(what: &str, e: &FieldError) -> PageError {
        PageError::BadRequest(format!("{what}: {} {}.", label(&e.field), e.message))
    }
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError::App(e)
    }
}

/// The page shown for an error or a plain message.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    /// The frame.
    pub shell: Shell,
    /// The heading.
    pub title: String,
    /// Safe HTML to show under it.
    pub body: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, detail) = match self {
            PageError::SignIn(next) => {
                return Redirect::to(&format!("/login?next={}", form::url_encode(&next))).into_response();
            }
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "The form was sent from another site, or it is too old. Go back, reload the page and send it again."
                    .to_owned(),
            ),
            PageError::BadRequest(detail) => (StatusCode::BAD_REQUEST, "This request cannot be read", detail),
            PageError::TooLarge(detail) => (StatusCode::PAYLOAD_TOO_LARGE, "This is too large", detail),
            PageError::Render(e) => {
                tracing::error!(error = %e, "a template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The page could not be shown.".to_owned())
            }
            PageError::App(e) => match e {
                AppError::Unauthenticated(d) => (StatusCode::UNAUTHORIZED, "Please sign in", d),
                AppError::Forbidden(d) => (StatusCode::FORBIDDEN, "Not allowed", d),
                AppError::NotFound(d) => (StatusCode::NOT_FOUND, "Not found", d),
                AppError::Conflict { detail, .. } => (StatusCode::CONFLICT, "That cannot be done now", detail),
                e @ AppError::Invalid(_) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "Some values are not right", e.to_string())
                }
                e @ AppError::TooManyAttempts { .. } => {
                    (StatusCode::TOO_MANY_REQUESTS, "Too many attempts", e.to_string())
                }
                e @ (AppError::Store(_) | AppError::Internal(_)) => {
                    // The cause goes to the log only: it may name tables and values.
                    tracing::error!(error = %e, "page failed");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Something went wrong",
                        "Nothing was changed. Try again, and tell the administrators if it persists.".to_owned(),
                    )
                }
            },
        };
        let body = format!("<p>{}</p>", escape(&detail));
        let page = MessagePage { shell: Shell::default(), title: title.to_owned(), body };
        (status, render(&page)).into_response()
    }
}

/// Renders a template into a response.
pub fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => PageError::Render(e.to_string()).into_response(),
    }
}

/// A plain page with a heading and a message (safe HTML), for the links e-mails open and for the
/// sign-in steps of other modules.
pub(crate) fn page(title: &str, body: &str) -> Html<String> {
    let page = MessagePage { shell: Shell::default(), title: title.to_owned(), body: body.to_owned() };
    Html(
        page.render()
            .unwrap_or_else(|e| format!("<!doctype html><title>Error</title><p>{}</p>", escape(&e.to_string()))),
    )
}

pub(crate) use helpdesk_domain::html::escape;

/// A redirect after a successful form (so reloading the result page sends nothing twice).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Runs `action` on a form's parsed input. A refusal, of the input or by the use case, comes
/// back as the errors to show with the form; a failure that is not about the input is a page error.
pub async fn submit<I, T, F>(
    parsed: Result<I, Errors>,
    action: impl FnOnce(I) -> F,
) -> Result<Result<T, Errors>, PageError>
where
    F: std::future::Future<Output = Result<T, AppError>>,
{
    match parsed {
        Err(errors) => Ok(Err(errors)),
        Ok(input) => match action(input).await {
            Ok(done) => Ok(Ok(done)),
            Err(e) => Errors::from_app(e).map(Err),
        },
    }
}

/// The result of a page handler.
pub type PageResult = Result<Response, PageError>;
