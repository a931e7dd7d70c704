//! Signing in and out, registering, confirming an address, and choosing a new password.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use helpdesk_app::auth::SESSION_TTL;
use serde::Deserialize;

use super::form::{NoFields, PageForm, PageQuery};
use super::{Errors, MessagePage, PageResult, Shell, Viewer, escape, render};
use crate::AppState;
use crate::extract::{ClientAddress, ClientCertificate};
use crate::oidc::ProviderLink;
use crate::session::{session_cookie, session_cookie_header};

/// Where to go after signing in: `next` when it is a page of this site, the dashboard otherwise.
/// `next` is resolved against the public address as a browser would resolve it (which drops
/// tabs and newlines, so `/\t/evil.example` is `//evil.example`, another site) and kept only if it
/// stays on this origin; the target is then written as the parser serialised it, so a control
/// character in it is percent-encoded and can never make the redirect's header unsendable.
fn safe_next(public_url: &str, next: &str) -> String {
    const HOME: &str = "/dashboard";
    let Ok(base) = url::Url::parse(public_url) else { return HOME.to_owned() };
    // Only a path: a scheme-relative or absolute address is refused whatever it names.
    if !next.starts_with('/') {
        return HOME.to_owned();
    }
    match base.join(next) {
        Ok(target) if target.origin() == base.origin() => target[url::Position::BeforePath..].to_owned(),
        _ => HOME.to_owned(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    shell: Shell,
    email: String,
    next: String,
    errors: Errors,
    providers: Vec<ProviderLink>,
    certificate: bool,
}

/// The `next` parameter of the sign-in page.
#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

fn login_page(state: &AppState, viewer: &Viewer, email: String, next: String, errors: Errors) -> LoginPage {
    LoginPage {
        shell: Shell::of(viewer),
        email,
        next,
        errors,
        providers: state.oidc.links(),
        certificate: state.certificate_login,
    }
}

/// The sign-in page: password, the OpenID Connect providers, and a certificate when TLS asks for one.
pub async fn login_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PageQuery(q): PageQuery<NextQuery>,
) -> PageResult {
    Ok(render(&login_page(&state, &viewer, String::new(), q.next, Errors::default())))
}

/// The sign-in form as sent.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Signs in with a password; on success the session cookie is set and the browser goes on.
pub async fn login(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddress(from): ClientAddress,
    PageForm(form): PageForm<LoginForm>,
) -> PageResult {
    match state.app.login(&form.email, &form.password, from).await {
        Ok(session) => {
            let cookie = session_cookie_header(&state, &session.token, SESSION_TTL.whole_seconds());
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&safe_next(state.app.public_url(), &form.next)))
                .into_response())
        }
        Err(e) => {
            let status = match &e {
                helpdesk_app::AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
                helpdesk_app::AppError::Forbidden(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::UNAUTHORIZED,
            };
            let errors = match e {
                helpdesk_app::AppError::Forbidden(message) => Errors::general(message),
                other => Errors::from_app(other)?,
            };
            let page = login_page(&state, &viewer, form.email, form.next, errors);
            Ok((status, render(&page)).into_response())
        }
    }
}

/// Signs in with the client certificate the browser presented, if it is linked to an account:
/// every request that carries it is then signed in, so this page only says whether it works.
pub async fn certificate_login(viewer: Viewer, ClientCertificate(certificate): ClientCertificate) -> PageResult {
    if viewer.signed_in() {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    let body = match certificate {
        None => "<p>Your browser did not present a certificate. Choose one when the browser asks, or sign in another way.</p>".to_owned(),
        Some(c) => format!(
            "<p>The certificate <code>{}</code> is not linked to an account. Sign in another way, then link it from your profile.</p>",
            escape(&c.subject_dn)
        ),
    };
    let page =
        MessagePage { shell: Shell::of(&viewer), title: "Signing in with a certificate did not work".into(), body };
    Ok((StatusCode::UNAUTHORIZED, render(&page)).into_response())
}

/// Signs out: the session ends and the cookie is cleared.
pub async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    if let Some(token) = session_cookie(&headers) {
        state.app.logout(&token).await?;
    }
    Ok(([(header::SET_COOKIE, session_cookie_header(&state, "", 0))], Redirect::to("/")).into_response())
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    shell: Shell,
    email: String,
    name: String,
    errors: Errors,
}

/// The registration form.
pub async fn register_form(viewer: Viewer) -> PageResult {
    let page = RegisterPage {
        shell: Shell::of(&viewer),
        email: String::new(),
        name: String::new(),
        errors: Errors::default(),
    };
    Ok(render(&page))
}

/// The registration form as sent.
#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

/// Registers; the answer is the same whether or not the address has an account already.
pub async fn register(
    State(state): State<AppState>,
    viewer: Viewer,
    PageForm(form): PageForm<RegisterForm>,
) -> PageResult {
    match state.app.register(&form.email, &form.name, &form.password).await {
        Ok(()) => {
            let body = format!(
                "<p>We sent a link to <strong>{}</strong>. Open it within 48 hours to confirm your address; then you can sign in.</p>",
                escape(form.email.trim())
            );
            Ok(render(&MessagePage { shell: Shell::of(&viewer), title: "Check your mail".into(), body }))
        }
        Err(e) => {
            let page = RegisterPage {
                shell: Shell::of(&viewer),
                email: form.email,
                name: form.name,
                errors: Errors::from_app(e)?,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

/// A link's token.
#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
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

/// Confirms an address (a mail client that fetches the link ahead only confirms it early).
pub async fn verify(State(state): State<AppState>, viewer: Viewer, PageQuery(q): PageQuery<TokenQuery>) -> PageResult {
    let shell = Shell::of(&viewer);
    match state.app.verify_email(&q.token).await {
        Ok(()) => Ok(render(&MessagePage {
            shell,
            title: "Address confirmed".into(),
            body: "<p>Thank you. You can <a href=\"/login\">sign in</a> now.</p>".into(),
        })),
        Err(e) => {
            let body = format!("<p>{}</p>", escape(&link_error(e)));
            let page = MessagePage { shell, title: "This link does not work".into(), body };
            Ok((StatusCode::BAD_REQUEST, render(&page)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    shell: Shell,
    email: String,
    errors: Errors,
}

/// The form to ask for a link to choose a new password.
pub async fn forgot_form(viewer: Viewer) -> PageResult {
    Ok(render(&ForgotPage { shell: Shell::of(&viewer), email: String::new(), errors: Errors::default() }))
}

/// An address.
#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

/// Sends the link; the answer does not tell whether the address has an account.
pub async fn forgot(State(state): State<AppState>, viewer: Viewer, PageForm(form): PageForm<EmailForm>) -> PageResult {
    match state.app.request_password_reset(&form.email).await {
        Ok(()) => Ok(render(&MessagePage {
            shell: Shell::of(&viewer),
            title: "Check your mail".into(),
            body: "<p>If this address has an account, a link to choose a new password is on its way. It works for one hour.</p>".into(),
        })),
        Err(e) => {
            let page = ForgotPage { shell: Shell::of(&viewer), email: form.email, errors: Errors::from_app(e)? };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    shell: Shell,
    token: String,
    errors: Errors,
}

/// The form to choose a new password. Opening the link changes nothing.
pub async fn reset_form(viewer: Viewer, PageQuery(q): PageQuery<TokenQuery>) -> PageResult {
    Ok(render(&ResetPage { shell: Shell::of(&viewer), token: q.token, errors: Errors::default() }))
}

/// The new password as sent.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// Sets the new password; every session of the account ends.
pub async fn reset(State(state): State<AppState>, viewer: Viewer, PageForm(form): PageForm<ResetForm>) -> PageResult {
    match state.app.reset_password(&form.token, &form.password).await {
        Ok(()) => Ok(render(&MessagePage {
            shell: Shell::of(&viewer),
            title: "Password changed".into(),
            body: "<p>Your password is changed. <a href=\"/login\">Sign in</a> with it now.</p>".into(),
        })),
        Err(e) => {
            let errors = match e {
                helpdesk_app::AppError::Invalid(ref list) if list.iter().any(|f| f.field == "password") => {
                    Errors::from_app(e)?
                }
                other => Errors::general(link_error(other)),
            };
            let page = ResetPage { shell: Shell::of(&viewer), token: form.token, errors };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_a_page_of_this_site_is_a_target_after_signing_in() {
        let table = [
            ("/tickets/7?tab=history#a", "/tickets/7?tab=history#a"),
            ("/", "/"),
            ("", "/dashboard"),
            ("tickets/7", "/dashboard"),
            ("//evil.example/x", "/dashboard"),
            ("/\\evil.example", "/dashboard"),
            ("/\t/evil.example", "/dashboard"),
            ("/\t\\evil.example", "/dashboard"),
            ("/\n/evil.example", "/dashboard"),
            ("https://evil.example/", "/dashboard"),
            ("http://127.0.0.1:8080/tickets", "/dashboard"),
            ("javascript:alert(1)", "/dashboard"),
            ("/a\u{b}b", "/a%0Bb"),
            ("/a\0b", "/a%00b"),
            ("/a b\u{7f}", "/a%20b%7F"),
        ];
        for (next, expected) in table {
            assert_eq!(safe_next("http://127.0.0.1:8080", next), expected, "{next:?}");
        }
        assert_eq!(safe_next("https://help.example.org/", "/tickets"), "/tickets");
    }
}
