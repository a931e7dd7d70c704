//! OpenID Connect single sign-on: the configured providers, their clients from discovery, the
//! flow's sealed secrets, and the id_token checked against the provider's keys (the browser's
//! side of the authorization code flow with PKCE, state and nonce is `pages::oidc`).
//!
//! The flow's secrets (state, nonce, PKCE verifier) ride in a short-lived HttpOnly cookie,
//! sealed with the installation's key: any node can finish a flow another began, and the
//! callback is tied to the browser that started it.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::http::HeaderValue;
use helpdesk_app::oidc::VerifiedIdentity;
use openidconnect::core::{CoreClient, CoreIdToken, CoreProviderMetadata};
use openidconnect::{
    ClientId, ClientSecret, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, RedirectUrl,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use utoipa::ToSchema;

use crate::AppState;
use crate::session::set_cookie;

/// One configured provider (e.g. EGI Check-in, a Gluu server).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// A short name, used in addresses (`/auth/oidc/NAME`).
    pub name: String,
    /// What the sign-in button says, e.g. "EGI Check-in".
    pub title: String,
    /// The issuer; its discovery document is at ISSUER/.well-known/openid-configuration.
    pub issuer: String,
    /// The client id Helpdesk is registered with.
    pub client_id: String,
    /// The client secret, for a confidential client.
    #[serde(default)]
    pub client_secret: Option<String>,
}

/// A provider offered for signing in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderLink {
    /// Its name.
    pub name: String,
    /// What to show.
    pub title: String,
    /// Where a browser goes to sign in with it.
    pub login: String,
}

/// A provider's client, as discovery makes it.
pub(crate) type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// A provider with its discovered client (made on first use, kept once it works).
pub struct Provider {
    /// How it is configured.
    pub(crate) config: ProviderConfig,
    client: Mutex<Option<Arc<Client>>>,
}

/// The providers, with the HTTP client used to reach them.
pub struct Providers {
    list: Vec<Provider>,
    pub(crate) http: reqwest::Client,
}

/// The cookie that carries a flow under way.
pub(crate) const FLOW_COOKIE: &str = "hd_oidc";
/// How long a flow may take, in minutes.
pub(crate) const FLOW_TTL_MINUTES: i64 = 10;

/// Why a step of the flow failed (the detail goes to the log; people see a plain message).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OidcError(pub String);

fn fail(e: impl std::fmt::Display) -> OidcError {
    OidcError(e.to_string())
}

impl Providers {
    /// The configured providers. Their discovery documents are read when first used.
    pub fn new(configs: Vec<ProviderConfig>) -> Providers {
        // The provider's answers are never followed elsewhere (an open redirect there must not
        // make us fetch arbitrary addresses), and a slow provider must not hold requests.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(StdDuration::from_secs(10))
            .build()
            .unwrap_or_default();
        Providers {
            list: configs.into_iter().map(|config| Provider { config, client: Mutex::new(None) }).collect(),
            http,
        }
    }

    /// The providers to offer.
    pub fn links(&self) -> Vec<ProviderLink> {
        self.list
            .iter()
            .map(|p| ProviderLink {
                name: p.config.name.clone(),
                title: p.config.title.clone(),
                login: format!("/auth/oidc/{}", p.config.name),
            })
            .collect()
    }

    pub(crate) fn provider(&self, name: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.config.name == name)
    }

    pub(crate) async fn client(&self, provider: &Provider, redirect: &str) -> Result<Arc<Client>, OidcError> {
        let mut cached = provider.client.lock().await;
        if let Some(client) = cached.as_ref() {
            return Ok(client.clone());
        }
        let issuer = IssuerUrl::new(provider.config.issuer.clone()).map_err(fail)?;
        let http = self.http.clone();
        let fetch = move |request| send(http.clone(), request);
        let metadata =
            CoreProviderMetadata::discover_async(issuer, &fetch).await.map_err(|e| fail(format!("discovery: {e}")))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.config.client_id.clone()),
            provider.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(RedirectUrl::new(redirect.to_owned()).map_err(fail)?);
        let client = Arc::new(client);
        *cached = Some(client.clone());
        Ok(client)
    }

    /// Checks an id_token as the callback does: signature against the provider's keys,
    /// issuer, audience (our client id), expiry at `now`, and nonce. Public for the tests that
    /// feed it forged, expired and foreign tokens.
    pub async fn verify_id_token(
        &self,
        name: &str,
        redirect: &str,
        id_token: &str,
        nonce: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<VerifiedIdentity, OidcError> {
        let provider = self.provider(name).ok_or_else(|| fail(format!("no provider {name}")))?;
        let client = self.client(provider, redirect).await?;
        let token: CoreIdToken = id_token.parse().map_err(|e| fail(format!("not an id_token: {e}")))?;
        identity(&client, &provider.config.name, &token, nonce, now)
    }
}

pub(crate) fn identity(
    client: &Client,
    provider: &str,
    token: &CoreIdToken,
    nonce: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<VerifiedIdentity, OidcError> {
    let verifier = client.id_token_verifier().set_time_fn(move || now);
    let claims =
        token.claims(&verifier, &Nonce::new(nonce.to_owned())).map_err(|e| fail(format!("id_token refused: {e}")))?;
    Ok(VerifiedIdentity {
        provider: provider.to_owned(),
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims.name().and_then(|n| n.get(None)).map(|n| n.to_string()),
    })
}

/// Sends one request for the OpenID Connect library with our reqwest client.
pub(crate) async fn send(
    http: reqwest::Client,
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let response = http.request(parts.method, parts.uri.to_string()).headers(parts.headers).body(body).send().await?;
    let mut answer = axum::http::Response::builder().status(response.status());
    if let Some(headers) = answer.headers_mut() {
        *headers = response.headers().clone();
    }
    let body = response.bytes().await?.to_vec();
    Ok(answer.body(body).unwrap_or_default())
}

/// Where providers send the browser back to.
pub(crate) fn redirect_uri(state: &AppState) -> String {
    format!("{}/auth/callback", state.app.public_url())
}

/// The cookie that carries a flow's sealed secrets (empty and 0: removed).
pub(crate) fn flow_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    set_cookie(state, FLOW_COOKIE, value, "/auth", Some(max_age))
}

/// The flow as the cookie carries it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Flow {
    /// The provider's name.
    pub(crate) provider: String,
    /// The state sent, to be sent back.
    pub(crate) state: String,
    /// The nonce the id_token must hold.
    pub(crate) nonce: String,
    /// The PKCE verifier.
    pub(crate) verifier: String,
    /// Whether to link the identity to the signed-in account.
    pub(crate) link: bool,
}
