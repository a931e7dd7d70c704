//! Extractors whose refusals are problems: JSON bodies, queries, paths, the caller (by bearer
//! token or session cookie) and the caller's address.

use std::net::IpAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use helpdesk_app::AppError;
use helpdesk_domain::policy::Actor;
use serde::de::DeserializeOwned;

use helpdesk_domain::dn::canonical_dn;

use crate::AppState;
use crate::problem::Problem;
use crate::session::{refuse_cross_site, session_cookie};
use crate::tls::Peer;

/// A JSON body, read as the OpenAPI document describes it (`crate::input::json`); refusals are
/// problems that name the field and say in words what it takes.
pub struct ApiJson<T>(pub T);

/// A query string; refusals are problems that name the parameter.
pub struct ApiQuery<T>(pub T);

/// Path parameters; refusals are problems that name the parameter.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        crate::input::path(parts, state).await.map(ApiPath).map_err(|(status, e)| Problem::bad_path(status, e))
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(request.headers()) {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Not JSON",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let body = Bytes::from_request(request, state).await.map_err(Problem::from)?;
        crate::input::json(&body).map(ApiJson).map_err(Problem::from)
    }
}

/// A body that is JSON, or a multipart form of that JSON (the part `body`) and files (parts
/// `attachments` with a file name): the API's way to send files with a ticket or an article,
/// within the pages' limits (each file at most the largest attachment, 413 past it; how many,
/// and which, the use case checks).
pub struct ApiJsonWithFiles<T> {
    /// The JSON.
    pub body: T,
    /// The files sent with it.
    pub files: Vec<helpdesk_domain::attachment::NewUpload>,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJsonWithFiles<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if json_content_type(request.headers()) {
            // The route takes forms with files; JSON alone keeps the API's own limit.
            let too_long = || {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Request body too large",
                    format!("a request body may hold at most {} bytes", crate::MAX_BODY_BYTES),
                )
            };
            if declared_over(request.headers(), crate::MAX_BODY_BYTES) {
                return Err(too_long());
            }
            let bytes =
                axum::body::to_bytes(request.into_body(), crate::MAX_BODY_BYTES).await.map_err(|_| too_long())?;
            let body = crate::input::json(&bytes).map_err(Problem::from)?;
            return Ok(ApiJsonWithFiles { body, files: Vec::new() });
        }
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("multipart/form-data"));
        if !multipart {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Not JSON",
                "send the body as JSON (Content-Type: application/json), or as multipart/form-data with the JSON \
                 in the part `body` and files in parts `attachments`",
            ));
        }
        let bad = |e: axum::extract::multipart::MultipartError| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => too_large(),
            _ => Problem::new(StatusCode::BAD_REQUEST, "Unreadable form", format!("the form could not be read: {e}")),
        };
        let mut form = axum::extract::Multipart::from_request(request, state).await.map_err(|e| {
            Problem::new(StatusCode::BAD_REQUEST, "Unreadable form", format!("the form could not be read: {e}"))
        })?;
        let mut json: Option<Bytes> = None;
        let mut files = Vec::new();
        while let Some(mut part) = form.next_field().await.map_err(bad)? {
            let (name, filename) = (part.name().unwrap_or_default().to_owned(), part.file_name().map(str::to_owned));
            let content_type = part.content_type().map(str::to_owned).unwrap_or_default();
            let limit = match (&filename, name.as_str()) {
                (Some(_), "attachments") => helpdesk_domain::attachment::MAX_ATTACHMENT_BYTES,
                (None, "body") => 2 * helpdesk_domain::workflow::MAX_BODY_BYTES,
                _ => {
                    return Err(Problem::from(AppError::invalid(
                        &name,
                        "a form sends the JSON in the part `body` and files (with their names) in parts `attachments`",
                    )));
                }
            };
            let mut bytes = Vec::new();
            while let Some(chunk) = part.chunk().await.map_err(bad)? {
                if bytes.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            match filename {
                Some(filename) => files.push(helpdesk_domain::attachment::NewUpload { filename, content_type, bytes }),
                None => json = Some(Bytes::from(bytes)),
            }
        }
        let json =
            json.ok_or_else(|| Problem::from(AppError::invalid("body", "the form has no part `body` with the JSON")))?;
        // The part is a string to the form: JSON that is not the request is a bad value of it.
        let body = crate::input::json(&json).map_err(|e| match e {
            crate::input::JsonError::Syntax(detail) => {
                Problem::from(AppError::invalid("body", format!("the part is not the request as JSON: {detail}")))
            }
            data => Problem::from(data),
        })?;
        Ok(ApiJsonWithFiles { body, files })
    }
}

/// A form with files larger than the limits.
fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Too large",
        format!(
            "attach at most {} files of at most {} MiB each",
            helpdesk_domain::attachment::MAX_ATTACHMENTS,
            helpdesk_domain::attachment::MAX_ATTACHMENT_BYTES / (1024 * 1024)
        ),
    )
}

/// Whether the body is declared JSON: `application/json`, or a JSON-based `application/*+json`.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        crate::input::query(query).map(ApiQuery).map_err(Problem::bad_query)
    }
}

/// Who calls: from `Authorization: Bearer TOKEN`, or from the session cookie.
pub struct ApiActor(pub Actor);

/// Who calls, with the application to ask: an API handler's one argument for both.
pub struct Caller {
    /// The application and the web's settings.
    pub state: AppState,
    /// Who calls, authenticated as [`ApiActor`] is.
    pub actor: Actor,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ApiActor(actor) = ApiActor::from_request_parts(parts, state).await?;
        Ok(Caller { state: state.clone(), actor })
    }
}

/// Whether a request declares a body longer than `limit` bytes: it is refused before a byte of
/// it is read.
pub fn declared_over(headers: &HeaderMap, limit: usize) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|length| length > limit as u64)
}

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(header) = parts.headers.get(header::AUTHORIZATION) {
            let token = header
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
                .map(str::trim)
                .ok_or_else(|| {
                    Problem::from(AppError::Unauthenticated("the Authorization header must be 'Bearer TOKEN'".into()))
                })?;
            return Ok(ApiActor(state.app.authenticate_token(token).await?));
        }
        if let Some(session) = session_cookie(&parts.headers) {
            // A cookie is sent by the browser whatever page asks: changes must come from our own.
            refuse_cross_site(parts)?;
            return Ok(ApiActor(state.app.authenticate_session(&session).await?));
        }
        if let Some(certificate) = client_certificate(parts, state) {
            // A browser presents its certificate to any page that asks, like a cookie.
            refuse_cross_site(parts)?;
            return Ok(ApiActor(state.app.authenticate_certificate(&certificate.subject_dn).await?));
        }
        Err(AppError::Unauthenticated("sign in, or send an API token as 'Authorization: Bearer TOKEN'".into()).into())
    }
}

/// The connection's peer, when the server knows it.
fn peer(parts: &Parts) -> Option<&Peer> {
    parts.extensions.get::<ConnectInfo<Peer>>().map(|c| &c.0)
}

/// Whether the request comes from a trusted reverse proxy.
fn from_trusted_proxy(parts: &Parts, state: &AppState) -> bool {
    peer(parts).is_some_and(|p| state.proxies.trusted.contains(&p.ip()))
}

/// A verified client certificate, as the TLS handshake or a trusted proxy tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// Its subject, canonical form.
    pub subject_dn: String,
    /// Its issuer, canonical form (empty when a proxy does not say).
    pub issuer_dn: String,
}

/// The client certificate of this request: from our own TLS handshake, or, only for requests
/// from a trusted proxy, from the proxy's headers. A header from anyone else is ignored.
pub fn client_certificate(parts: &Parts, state: &AppState) -> Option<Certificate> {
    if let Some(subject) = peer(parts).and_then(|p| p.subject_dn.clone()) {
        let issuer = peer(parts).and_then(|p| p.issuer_dn.clone()).unwrap_or_default();
        return Some(Certificate { subject_dn: subject, issuer_dn: issuer });
    }
    if !from_trusted_proxy(parts, state) {
        return None;
    }
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).and_then(canonical_dn);
    let subject = header(&state.proxies.subject_header)?;
    Some(Certificate { subject_dn: subject, issuer_dn: header(&state.proxies.issuer_header).unwrap_or_default() })
}

/// The request's certificate, for handlers.
pub struct ClientCertificate(pub Option<Certificate>);

impl FromRequestParts<AppState> for ClientCertificate {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientCertificate(client_certificate(parts, state)))
    }
}

/// The address the request came from: the peer's, or, behind a trusted proxy, the last address
/// the proxy added to `X-Forwarded-For`.
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let direct = peer(parts).map(Peer::ip);
        if from_trusted_proxy(parts, state) {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse::<IpAddr>().ok())
                .next_back();
            if forwarded.is_some() {
                return Ok(ClientAddress(forwarded));
            }
        }
        Ok(ClientAddress(direct))
    }
}
