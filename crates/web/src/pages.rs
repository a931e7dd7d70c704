//! The two pages e-mailed links open: confirming an address, and choosing a new password.
//! They work without JavaScript. (The web application proper comes with its own issue.)

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use serde::Deserialize;

use crate::AppState;
use crate::api::auth::SameSite;

/// A link's query.
#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The reset form as posted.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// Escapes text for HTML.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

pub(crate) fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Helpdesk</title></head>\
         <body style=\"font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5\">\
         <main><h1>{title}</h1>{body}</main></body></html>",
        title = escape(title)
    ))
}

/// Confirms an address (a mail client that fetches the link ahead only confirms it early).
pub async fn verify(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> (StatusCode, Html<String>) {
    match state.app.verify_email(&q.token).await {
        Ok(()) => (StatusCode::OK, page("Address confirmed", "<p>Thank you. You can sign in now.</p>")),
        Err(e) => {
            (StatusCode::BAD_REQUEST, page("This link does not work", &format!("<p>{}</p>", escape(&link_error(e)))))
        }
    }
}

fn link_error(e: helpdesk_app::AppError) -> String {
    match e {
        helpdesk_app::AppError::Invalid(errors) => errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; "),
        helpdesk_app::AppError::Store(_) | helpdesk_app::AppError::Internal(_) => {
            "something went wrong on our side; please try again".to_owned()
        }
        other => other.to_string(),
    }
}

fn reset_form(token: &str, error: Option<&str>) -> String {
    let error = error.map(|e| format!("<p role=\"alert\" style=\"color:#a00\">{}</p>", escape(e))).unwrap_or_default();
    format!(
        "{error}<form method=\"post\" action=\"/reset-password\">\
         <input type=\"hidden\" name=\"token\" value=\"{}\">\
         <p><label for=\"password\">New password (at least 10 characters)</label><br>\
         <input id=\"password\" name=\"password\" type=\"password\" minlength=\"10\" required autocomplete=\"new-password\"></p>\
         <p><button type=\"submit\">Set the new password</button></p></form>",
        escape(token)
    )
}

/// Shows the form to choose a new password. Opening the link changes nothing.
pub async fn reset_page(Query(q): Query<TokenQuery>) -> Html<String> {
    page("Choose a new password", &reset_form(&q.token, None))
}

/// Sets the new password.
pub async fn reset_submit(
    State(state): State<AppState>,
    _: SameSite,
    Form(form): Form<ResetForm>,
) -> (StatusCode, Html<String>) {
    match state.app.reset_password(&form.token, &form.password).await {
        Ok(()) => (StatusCode::OK, page("Password changed", "<p>Your password is changed. Sign in with it now.</p>")),
        Err(e) => {
            let message = link_error(e);
            (StatusCode::UNPROCESSABLE_ENTITY, page("Choose a new password", &reset_form(&form.token, Some(&message))))
        }
    }
}
