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
use crate::tls::Peer;

/// The cookie that carries a browser's session.
pub const SESSION_COOKIE: &str = "hd_session";

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

/// The value of the cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
}

/// The session token of the request's cookie, if it has one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// Whether a browser sent this request from another site. Browsers say so in `Sec-Fetch-Site`,
/// older ones in `Origin`; a request with neither did not come from a browser, and carries no
/// cookie a page could have made it send.
pub fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match (headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()), headers.get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
            host.to_str().map(|h| !h.eq_ignore_ascii_case(origin_host)).unwrap_or(true)
        }
        (Some(_), None) => true,
        _ => false,
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

/// Refuses a cross-site request that would change something.
pub fn refuse_cross_site(parts: &Parts) -> Result<(), Problem> {
    if !parts.method.is_safe() && cross_site(&parts.headers) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Cross-site request",
            "this request came from another site and was refused; send it from Helpdesk's own pages",
        ));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        let table: &[(&[(&str, &str)], bool)] = &[
            (&[("sec-fetch-site", "same-origin")], false),
            (&[("sec-fetch-site", "none")], false),
            (&[("sec-fetch-site", "cross-site")], true),
            (&[("sec-fetch-site", "same-site")], true),
            (&[("origin", "http://helpdesk.example.org"), ("host", "helpdesk.example.org")], false),
            (&[("origin", "https://evil.example.com"), ("host", "helpdesk.example.org")], true),
            (&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")], false),
            (&[("origin", "http://127.0.0.1:9999"), ("host", "127.0.0.1:8080")], true),
            (&[("host", "helpdesk.example.org")], false),
            (&[], false),
        ];
        for (pairs, expected) in table {
            assert_eq!(cross_site(&headers(pairs)), *expected, "{pairs:?}");
        }
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let map = headers(&[("cookie", "theme=dark; hd_session=hds_abc; lang=en")]);
        assert_eq!(session_cookie(&map).as_deref(), Some("hds_abc"));
        assert_eq!(session_cookie(&headers(&[("cookie", "hd_sessionx=1")])), None);
    }
}
