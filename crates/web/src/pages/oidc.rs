//! The browser's side of OpenID Connect sign-in: the redirect to the provider, the callback that
//! signs the person in (or offers to link the identity), and the pages that say how it went.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use helpdesk_app::AppError;
use helpdesk_app::oidc::IdentityOutcome;
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{AuthorizationCode, CsrfToken, Nonce, PkceCodeChallenge, PkceCodeVerifier, Scope, TokenResponse};
use serde::Deserialize;

use super::{Shell, escape, page, render};
use crate::AppState;
use crate::oidc::{FLOW_COOKIE, FLOW_TTL_MINUTES, Flow, flow_cookie, identity, redirect_uri, send};
use crate::session::{SameSite, cookie, session_cookie, session_cookie_header};

fn refused(status: StatusCode, message: &str) -> Response {
    (status, page("Signing in did not work", &format!("<p>{}</p>", escape(message)))).into_response()
}

/// Whether to link the identity to the signed-in account.
#[derive(Debug, Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    link: Option<String>,
}

/// Starts signing in with a provider: redirects the browser there.
pub async fn start(State(state): State<AppState>, Path(name): Path<String>, Query(q): Query<StartQuery>) -> Response {
    let Some(provider) = state.oidc.provider(&name) else {
        return refused(StatusCode::NOT_FOUND, &format!("there is no sign-in provider '{name}'"));
    };
    let client = match state.oidc.client(provider, &redirect_uri(&state)).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(provider = %name, error = %e, "OpenID provider unavailable");
            return refused(
                StatusCode::BAD_GATEWAY,
                &format!("{} cannot be reached just now; try again later", provider.config.title),
            );
        }
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let flow = Flow {
        provider: name,
        state: csrf.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        link: q.link.is_some(),
    };
    let sealed = match state
        .app
        .seal(&serde_json::to_string(&flow).unwrap_or_default(), time::Duration::minutes(FLOW_TTL_MINUTES))
        .await
    {
        Ok(s) => s,
        Err(e) => return crate::Problem::from(e).into_response(),
    };
    let cookie = flow_cookie(&state, &sealed, FLOW_TTL_MINUTES * 60);
    ([(header::SET_COOKIE, cookie)], Redirect::to(url.as_str())).into_response()
}

/// The provider's answer.
#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

/// Finishes signing in: checks the state, exchanges the code (with the PKCE verifier), checks
/// the id_token, and signs the person in (or offers to link the identity).
pub async fn callback(State(state): State<AppState>, headers: HeaderMap, Query(cb): Query<Callback>) -> Response {
    let clear = flow_cookie(&state, "", 0);
    let outcome = finish(&state, &headers, cb).await;
    let mut response = match outcome {
        Ok(r) => r,
        Err(message) => refused(StatusCode::BAD_REQUEST, &message),
    };
    response.headers_mut().append(header::SET_COOKIE, clear);
    response
}

async fn finish(state: &AppState, headers: &HeaderMap, cb: Callback) -> Result<Response, String> {
    const EXPIRED: &str = "this sign-in was not started here, or took too long; please start again";
    if let Some(error) = cb.error {
        return Err(format!("the provider refused: {error}"));
    }
    let sealed = cookie(headers, FLOW_COOKIE).ok_or(EXPIRED)?;
    let flow: Flow = match state.app.unseal(&sealed).await {
        Ok(data) => serde_json::from_str(&data).map_err(|_| EXPIRED)?,
        Err(_) => return Err(EXPIRED.into()),
    };
    if cb.state.as_deref() != Some(flow.state.as_str()) {
        return Err(EXPIRED.into());
    }
    let provider = state.oidc.provider(&flow.provider).ok_or(EXPIRED)?;
    let client = state.oidc.client(provider, &redirect_uri(state)).await.map_err(|e| {
        tracing::warn!(error = %e, "OpenID provider unavailable");
        format!("{} cannot be reached just now; try again later", provider.config.title)
    })?;
    if let Some(iss) = cb.iss.as_deref()
        && iss.trim_end_matches('/') != provider.config.issuer.trim_end_matches('/')
    {
        return Err("the answer came from another provider than the one asked".into());
    }
    let code = cb.code.ok_or("the provider sent no code")?;
    let http = state.oidc.http.clone();
    let fetch = move |request| send(http.clone(), request);
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| e.to_string())?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier))
        .request_async(&fetch)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "OpenID code exchange failed");
            "the provider did not confirm this sign-in; please start again".to_owned()
        })?;
    let id_token = tokens.id_token().ok_or("the provider sent no id_token")?;
    let identity = identity(&client, &flow.provider, id_token, &flow.nonce, chrono::Utc::now()).map_err(|e| {
        tracing::warn!(error = %e, "id_token refused");
        "the provider's answer could not be verified".to_owned()
    })?;
    let signed_in = match (flow.link, session_cookie(headers)) {
        (true, Some(session)) => Some(state.app.authenticate_session(&session).await.map_err(|e| e.to_string())?),
        (true, None) => return Err("sign in first, then link the identity from your profile".into()),
        _ => None,
    };
    match state.app.sign_in_with_identity(identity, signed_in.as_ref()).await {
        Ok(IdentityOutcome::SignedIn(session)) => Ok(signed_in_page(state, &session)),
        Ok(IdentityOutcome::OfferLink { offer, email }) => {
            Ok(link_offer_page(&offer, &email, &provider.config.title, None))
        }
        Err(e @ (AppError::Store(_) | AppError::Internal(_))) => {
            tracing::error!(error = %e, "signing in with an identity failed");
            Err("something went wrong on our side; please try again".into())
        }
        Err(e) => Err(e.to_string()),
    }
}

fn signed_in_page(state: &AppState, session: &helpdesk_app::auth::Session) -> Response {
    let cookie = session_cookie_header(state, &session.token, helpdesk_app::auth::SESSION_TTL.whole_seconds());
    let page = SignedInPage {
        shell: Shell::default(),
        name: session.profile.account.name.clone(),
        email: session.profile.account.email.clone(),
    };
    ([(header::SET_COOKIE, cookie)], render(&page)).into_response()
}

/// The page that says who is now signed in.
#[derive(Template)]
#[template(path = "oidc_signed_in.html")]
struct SignedInPage {
    shell: Shell,
    name: String,
    email: String,
}

/// The offer to link a provider's identity to the account of its address, with that account's
/// password.
#[derive(Template)]
#[template(path = "oidc_link.html")]
struct LinkOfferPage<'a> {
    shell: Shell,
    offer: &'a str,
    email: &'a str,
    provider: &'a str,
    error: Option<&'a str>,
}

fn link_offer_page(offer: &str, email: &str, provider: &str, error: Option<&str>) -> Response {
    render(&LinkOfferPage { shell: Shell::default(), offer, email, provider, error })
}

/// The link offer as posted.
#[derive(Debug, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    offer: String,
    #[serde(default)]
    password: String,
}

/// Accepts an offer to link an identity, with the account's password.
pub async fn accept_link(
    State(state): State<AppState>,
    _: SameSite,
    crate::extract::ClientAddress(from): crate::extract::ClientAddress,
    Form(form): Form<LinkForm>,
) -> Response {
    match state.app.accept_link_offer(&form.offer, &form.password, from).await {
        Ok(session) => signed_in_page(&state, &session),
        Err(AppError::Invalid(_)) => {
            refused(StatusCode::BAD_REQUEST, "this offer has expired; please sign in with the provider again")
        }
        Err(e @ (AppError::Store(_) | AppError::Internal(_))) => {
            tracing::error!(error = %e, "linking an identity failed");
            refused(StatusCode::INTERNAL_SERVER_ERROR, "something went wrong on our side; please try again")
        }
        Err(e) => {
            let status = if matches!(e, AppError::TooManyAttempts { .. }) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            let mut response = link_offer_page(&form.offer, "your account", "the provider", Some(&e.to_string()));
            *response.status_mut() = status;
            response
        }
    }
}
