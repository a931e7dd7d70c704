//! What the API and the pages share about browsers: the cookies (session, CSRF, sign-in flow),
//! read from requests and set with the `cookie` crate, and the guard against requests sent
//! from another site.

use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};

use crate::AppState;
use crate::problem::Problem;

/// The cookie that carries a browser's session.
pub const SESSION_COOKIE: &str = "hd_session";

/// The cookie holding the browser's CSRF token (the double-submit pattern: a form must carry the
/// same value, which a page of another site can neither read nor set).
pub const CSRF_COOKIE: &str = "hd_csrf";

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

/// Guards the unauthenticated forms against being sent from another site.
pub struct SameSite;

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for SameSite {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        refuse_cross_site(parts).map(|_| SameSite)
    }
}

/// A `Set-Cookie` value for `name` on `path`: HTTP only, same-site Lax, Secure when Helpdesk is
/// reached over HTTPS, kept `max_age` seconds (0 removes it; None keeps it for the browser's
/// session).
pub fn set_cookie(
    state: &AppState,
    name: &'static str,
    value: &str,
    path: &'static str,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut cookie = cookie::Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(state.secure_cookies);
    if let Some(seconds) = max_age {
        cookie = cookie.max_age(cookie::time::Duration::seconds(seconds));
    }
    HeaderValue::from_str(&cookie.build().to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("hd_invalid=; Max-Age=0"))
}

/// The `Set-Cookie` value of a session cookie holding `token` for `max_age` seconds (0 ends it).
pub fn session_cookie_header(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    set_cookie(state, SESSION_COOKIE, token, "/", Some(max_age))
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
