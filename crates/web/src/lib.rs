//! Helpdesk's HTTP face: the web pages, the JSON API v1 with its OpenAPI document, and health checks.

#![warn(missing_docs)]

mod api;
mod assets;
mod extract;
mod input;
mod markdown;
pub mod oidc;
mod pages;
mod problem;
mod respond;
mod server;
mod session;
mod strict_json;
pub mod tls;
mod zammad;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use helpdesk_app::App;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

pub use problem::Problem;
pub use server::ServerLimits;

/// Largest request body, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    app: App,
    openapi: Arc<String>,
    /// Whether cookies are marked Secure (the installation is reached over HTTPS).
    secure_cookies: bool,
    /// The OpenID Connect providers.
    oidc: Arc<oidc::Providers>,
    /// Which peers are trusted reverse proxies, and what they pass.
    proxies: Arc<Proxies>,
    /// Whether the sign-in page offers signing in with a certificate.
    certificate_login: bool,
    /// The commands that make the first admin, shown on the home page while no account exists.
    first_admin: Arc<Vec<String>>,
}

/// Reverse proxies that terminate TLS in front of Helpdesk: only requests from these addresses
/// may say who the client is (`X-Forwarded-For`) and which certificate it presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxies {
    /// The proxies' addresses.
    pub trusted: Vec<std::net::IpAddr>,
    /// The header carrying the verified client certificate's subject DN.
    pub subject_header: String,
    /// The header carrying its issuer DN.
    pub issuer_header: String,
}

impl Default for Proxies {
    fn default() -> Self {
        Proxies { trusted: vec![], subject_header: "x-ssl-client-dn".into(), issuer_header: "x-ssl-client-i-dn".into() }
    }
}

/// How the HTTP face is set up beyond the application itself.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// The OpenID Connect providers to offer.
    pub oidc: Vec<oidc::ProviderConfig>,
    /// Trusted reverse proxies.
    pub proxies: Proxies,
    /// Whether people can sign in with a client certificate (TLS client authentication is on, or a
    /// trusted proxy passes certificates): the sign-in page then offers it.
    pub certificate_login: bool,
    /// How many clients it serves at once, and how long and how much it gives each.
    pub limits: ServerLimits,
    /// The commands that make the first admin on this installation (with its data directory
    /// or database), shown on the home page while no account exists; generic ones when empty.
    pub first_admin: Vec<String>,
}

/// The OpenAPI 3 document of the API, as JSON.
pub fn openapi_json() -> String {
    let (_, openapi) = api::routes().split_for_parts();
    openapi.to_pretty_json().unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The whole HTTP application over `app`, with no OpenID Connect provider.
pub fn router(app: App) -> Router {
    router_with(app, WebConfig::default())
}

/// The whole HTTP application over `app`, set up by `config`.
pub fn router_with(app: App, config: WebConfig) -> Router {
    let (api, openapi) = api::routes().split_for_parts();
    let openapi = Arc::new(openapi.to_pretty_json().unwrap_or_default());
    let secure_cookies = app.public_url().starts_with("https://");
    let oidc = Arc::new(oidc::Providers::new(config.oidc));
    let proxies = Arc::new(config.proxies);
    let certificate_login = config.certificate_login;
    let body_timeout = config.limits.body_timeout;
    let first_admin = Arc::new(if config.first_admin.is_empty() {
        vec![
            "helpdesk admin create-user --email you@example.org --name \"Your Name\" --role admin".to_owned(),
            "helpdesk admin set-password --email you@example.org".to_owned(),
        ]
    } else {
        config.first_admin
    });
    let state = AppState { app, openapi, secure_cookies, oidc, proxies, certificate_login, first_admin };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/v1/openapi.json", get(openapi_document))
        .route("/assets/{name}", get(assets::asset))
        .route("/favicon.ico", get(assets::favicon))
        .route("/auth/oidc/{name}", get(pages::oidc::start))
        .route("/auth/oidc/link", axum::routing::post(pages::oidc::accept_link))
        .route("/auth/callback", get(pages::oidc::callback))
        .merge(api)
        .merge(zammad::routes())
        .merge(pages::routes(state.clone()))
        .fallback(|| async { Problem::no_route() })
        .method_not_allowed_fallback(|| async { Problem::wrong_method() })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A body that stops coming fails the request instead of holding its connection forever.
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        // No answer, API or page, is ever read as another type than it says.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal error", "the request failed; nothing was changed")
                .into_response()
        }))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests under way.
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, app, WebConfig::default(), shutdown).await
}

/// Serves `app`, set up by `config`, on `listener` until `shutdown` completes.
pub async fn serve_with(
    listener: TcpListener,
    app: App,
    config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = config.limits;
    server::serve(listener, None, router_with(app, config), limits, shutdown).await
}

/// Serves `app` over TLS (with client certificates when the configuration asks for them).
pub async fn serve_tls(
    listener: tls::TlsListener,
    app: App,
    config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = config.limits;
    let tls::TlsListener { tcp, acceptor } = listener;
    // Served over TLS by Helpdesk itself: browsers are told to come back only that way.
    let router = router_with(app, config).layer(SetResponseHeaderLayer::overriding(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    ));
    server::serve(tcp, Some(acceptor), router, limits, shutdown).await
}

/// The process lives.
async fn healthz() -> &'static str {
    "ok\n"
}

/// The database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.ready().await {
        Ok(()) => "ready\n".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "Not ready", "the database does not answer").into_response()
        }
    }
}

async fn openapi_document(State(state): State<AppState>) -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], state.openapi.as_str().to_owned()).into_response()
}
