//! The profile page: name, address, password, linked certificates and OpenID Connect identities,
//! API tokens and notification preferences.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use helpdesk_domain::account::Notification;
use serde::Deserialize;

use super::form::{NoFields, PageForm, PagePath};
use super::views::{when, words};
use super::{Errors, PageResult, Shell, SignedIn, Viewer, render, see_other, submit};
use crate::AppState;
use crate::extract::{Certificate, ClientCertificate};

/// A line of a list on the profile page.
pub struct Item {
    /// Its id, for the buttons.
    pub id: i64,
    /// What it is.
    pub label: String,
    /// Since when, and more.
    pub detail: String,
}

/// A notification choice.
pub struct NotificationChoice {
    /// Its stable name.
    pub name: String,
    /// What it is, in words.
    pub label: String,
    /// Whether it is wanted.
    pub wanted: bool,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    shell: Shell,
    name: String,
    email: String,
    roles: String,
    errors: Errors,
    certificates: Vec<Item>,
    presented: String,
    identities: Vec<Item>,
    tokens: Vec<Item>,
    new_token: String,
    notifications: Vec<NotificationChoice>,
}

fn notification_label(n: Notification) -> &'static str {
    match n {
        Notification::TicketOpened => "A ticket of mine, or of my units, is opened",
        Notification::Assigned => "A ticket is assigned to me or to my units",
        Notification::PublicReply => "A public reply on a ticket I follow",
        Notification::StatusChange => "The status of a ticket I follow changes",
        Notification::Reopened => "A ticket I work on is reopened",
        Notification::JoinRequest => "Somebody asks to join a unit I manage",
        Notification::ServiceLevel => "A ticket I own, or of my units, is late or escalated",
        Notification::EveryChange => {
            "Every reply and change of a ticket I opened (without it, only its solution; each ticket can say otherwise)"
        }
    }
}

async fn profile_page(
    state: &AppState,
    viewer: &Viewer,
    presented: Option<String>,
    errors: Errors,
    new_token: String,
    notice: &str,
) -> PageResult {
    let profile = viewer.require()?;
    let actor = &viewer.actor;
    let certificates = state
        .app
        .my_certificates(actor)
        .await?
        .into_iter()
        .map(|c| Item {
            id: c.id,
            label: c.subject_dn,
            detail: format!("issued by {}, linked {}", c.issuer_dn, when(c.created_at)),
        })
        .collect();
    let identities = state
        .app
        .my_identities(actor)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, l)| Item {
            id: i as i64,
            label: format!("{} ({})", l.provider, l.email.unwrap_or(l.subject)),
            detail: format!("linked {}", when(l.linked_at)),
        })
        .collect();
    let tokens = state
        .app
        .my_tokens(actor)
        .await?
        .into_iter()
        .filter(|t| t.revoked_at.is_none())
        .map(|t| Item { id: t.id, label: t.name, detail: format!("made {}", when(t.created_at)) })
        .collect();
    let notifications = state
        .app
        .notification_preferences(actor)
        .await?
        .into_iter()
        .map(|(n, wanted)| NotificationChoice { name: n.as_str().into(), label: notification_label(n).into(), wanted })
        .collect();
    let page = ProfilePage {
        shell: Shell::of(viewer).with_notice(notice),
        name: profile.account.name.clone(),
        email: profile.account.email.clone(),
        roles: profile.account.roles.iter().map(|r| words(r.as_str())).collect::<Vec<_>>().join(", "),
        errors,
        certificates,
        presented: presented.unwrap_or_default(),
        identities,
        tokens,
        new_token,
        notifications,
    };
    let status = if page.errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)).into_response())
}

/// The profile page.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientCertificate(c): ClientCertificate,
) -> PageResult {
    after(&state, &viewer, c, Ok(String::new()), "").await
}

/// The profile page after a change: with `notice` (and a new token to show once) when it was
/// made, with the errors when not.
async fn after(
    state: &AppState,
    viewer: &Viewer,
    presented: Option<Certificate>,
    outcome: Result<String, Errors>,
    notice: &str,
) -> PageResult {
    let presented = presented.map(|c| c.subject_dn);
    match outcome {
        Ok(new_token) => profile_page(state, viewer, presented, Errors::default(), new_token, notice).await,
        Err(errors) => profile_page(state, viewer, presented, errors, String::new(), "").await,
    }
}

/// A new name.
#[derive(Debug, Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

/// Changes the name shown to others.
pub async fn rename(
    SignedIn { state, viewer }: SignedIn,
    ClientCertificate(c): ClientCertificate,
    PageForm(form): PageForm<NameForm>,
) -> PageResult {
    let outcome = submit(Ok(()), |_| state.app.rename_me(&viewer.actor, &form.name)).await?;
    after(&state, &viewer, c, outcome.map(|_| String::new()), "Your name is changed.").await
}

/// A password change.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

/// Changes the password; other sessions end.
pub async fn change_password(
    SignedIn { state, viewer }: SignedIn,
    ClientCertificate(c): ClientCertificate,
    headers: axum::http::HeaderMap,
    PageForm(form): PageForm<PasswordForm>,
) -> PageResult {
    let session = crate::session::session_cookie(&headers);
    let outcome =
        submit(Ok(()), |_| state.app.change_password(&viewer.actor, &form.current, &form.password, session.as_deref()))
            .await?;
    after(&state, &viewer, c, outcome.map(|_| String::new()), "Your password is changed.").await
}

/// A new token's name.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    token_name: String,
}

/// Makes an API token and shows it once.
pub async fn create_token(
    SignedIn { state, viewer }: SignedIn,
    ClientCertificate(c): ClientCertificate,
    PageForm(form): PageForm<TokenForm>,
) -> PageResult {
    let outcome = submit(Ok(()), |_| state.app.create_my_token(&viewer.actor, &form.token_name)).await?;
    after(&state, &viewer, c, outcome.map(|issued| issued.secret), "").await
}

/// Revokes one of one's tokens.
pub async fn revoke_token(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<i64>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    state.app.revoke_my_token(&viewer.actor, id).await?;
    Ok(see_other("/profile"))
}

/// Links the certificate the browser presents now.
pub async fn link_certificate(
    SignedIn { state, viewer }: SignedIn,
    ClientCertificate(c): ClientCertificate,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let presented = c.ok_or_else(|| Errors::general("your browser did not present a certificate on this connection"));
    let outcome = submit(presented.clone(), |c| {
        let (app, actor) = (&state.app, &viewer.actor);
        async move { app.link_certificate(actor, &c.subject_dn, &c.issuer_dn).await }
    })
    .await?;
    after(&state, &viewer, presented.ok(), outcome.map(|_| String::new()), "The certificate is linked.").await
}

/// Unlinks a certificate.
pub async fn unlink_certificate(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<i64>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    state.app.unlink_certificate(&viewer.actor, id).await?;
    Ok(see_other("/profile"))
}

/// Saves which notifications one wants (the ticked boxes).
pub async fn notifications(
    SignedIn { state, viewer }: SignedIn,
    ClientCertificate(c): ClientCertificate,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let wanted: Result<Vec<Notification>, Errors> = form
        .iter()
        .filter(|(k, _)| k == "wanted")
        .map(|(_, v)| v.parse::<Notification>().map_err(|e| Errors::general(e.to_string())))
        .collect();
    let outcome = submit(wanted, |wanted| state.app.set_notification_preferences(&viewer.actor, wanted)).await?;
    after(&state, &viewer, c, outcome.map(|_| String::new()), "Your notification choices are saved.").await
}
