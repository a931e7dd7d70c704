//! Who looks at a page (by session cookie or client certificate, or nobody), and the CSRF token
//! every form of theirs carries.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use helpdesk_domain::account::Profile;
use helpdesk_domain::policy::{Action, Actor};
use rand::RngCore;

use super::PageError;
use crate::AppState;
use crate::extract::client_certificate;
use crate::session::{CSRF_COOKIE, cookie, session_cookie, set_cookie};

/// The CSRF token of this request, put there by [`csrf_cookie`].
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Makes sure the browser has a CSRF cookie: a new one is set on the first page it fetches.
pub async fn csrf_cookie(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let existing = cookie(request.headers(), CSRF_COOKIE).filter(|t| well_formed(t));
    let fresh = existing.is_none();
    let token = existing.unwrap_or_else(|| {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        hex::encode(bytes)
    });
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if fresh {
        response.headers_mut().append(header::SET_COOKIE, set_cookie(&state, CSRF_COOKIE, &token, "/", None));
    }
    response
}

/// The person looking at a page.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// What the policy knows about them (anonymous when nobody signed in).
    pub actor: Actor,
    /// Their profile, when signed in.
    pub profile: Option<Profile>,
    /// The token every form must send back.
    pub csrf: String,
    /// The path and query of the page, to come back to after signing in.
    pub here: String,
}

impl Viewer {
    /// Whether somebody is signed in.
    pub fn signed_in(&self) -> bool {
        self.profile.is_some()
    }

    /// The signed-in person's profile, or a redirect to the sign-in page that comes back here.
    pub fn require(&self) -> Result<&Profile, PageError> {
        self.profile.as_ref().ok_or_else(|| PageError::SignIn(self.here.clone()))
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // A form's extractor asks who sends it before reading it; the handler then asks again.
        if let Some(viewer) = parts.extensions.get::<Viewer>() {
            return Ok(viewer.clone());
        }
        let viewer = Viewer::of(parts, state).await?;
        parts.extensions.insert(viewer.clone());
        Ok(viewer)
    }
}

impl Viewer {
    /// Who sends the request, by session cookie or client certificate.
    async fn of(parts: &Parts, state: &AppState) -> Result<Viewer, PageError> {
        let csrf = parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        let here = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into());
        // An expired or unknown session, or an unlinked certificate, is simply nobody: pages for
        // everyone still work, and those for people ask to sign in.
        let mut actor = None;
        if let Some(token) = session_cookie(&parts.headers) {
            actor = state.app.authenticate_session(&token).await.ok();
        }
        if actor.is_none()
            && let Some(certificate) = client_certificate(parts, state)
        {
            actor = state.app.authenticate_certificate(&certificate.subject_dn).await.ok();
        }
        let Some(actor) = actor else {
            return Ok(Viewer { actor: Actor::anonymous(), profile: None, csrf, here });
        };
        let profile = state.app.profile(&actor).await?;
        Ok(Viewer { actor, profile: Some(profile), csrf, here })
    }
}

/// A signed-in person on a page, with the application to ask: the extractor sends anyone else to
/// the sign-in page (and back here after), so a handler that takes it cannot forget to check.
pub struct SignedIn {
    /// The application and the web's settings.
    pub state: AppState,
    /// The person, signed in.
    pub viewer: Viewer,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        viewer.require()?;
        Ok(SignedIn { state: state.clone(), viewer })
    }
}

/// A signed-in person whom the policy lets administer the installation; anyone else is sent to
/// sign in, or refused.
pub struct Admin {
    /// The application and the web's settings.
    pub state: AppState,
    /// The administrator.
    pub viewer: Viewer,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let SignedIn { state, viewer } = SignedIn::from_request_parts(parts, state).await?;
        state.app.may(&viewer.actor, Action::Administer)?;
        Ok(Admin { state, viewer })
    }
}
