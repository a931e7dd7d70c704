//! Reading what pages are sent: the address's parameters and query (`PagePath`, `PageQuery`),
//! and forms, URL-encoded or multipart with files. A form's CSRF token must match the browser's
//! cookie and the form must come from Helpdesk's own pages. What cannot be read is said in words
//! (`crate::input`), as the API says it.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use helpdesk_domain::attachment::NewUpload;
use serde::de::DeserializeOwned;

use super::PageError;
use super::Viewer;
use super::viewer::CsrfToken;
use crate::AppState;
use crate::session::cross_site;

/// A URL-encoded form, its CSRF token checked, read into `T` (which ignores the `csrf` field).
pub struct PageForm<T>(pub T);

fn check_csrf(expected: Option<&CsrfToken>, sent: Option<&str>) -> Result<(), PageError> {
    match (expected, sent) {
        (Some(expected), Some(sent)) if !expected.0.is_empty() && constant_time_eq(&expected.0, sent) => Ok(()),
        _ => Err(PageError::Csrf),
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    bool::from(subtle::ConstantTimeEq::ct_eq(a.as_bytes(), b.as_bytes()))
}

impl<T: DeserializeOwned> FromRequest<AppState> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if cross_site(request.headers()) {
            return Err(PageError::Csrf);
        }
        let expected = request.extensions().get::<CsrfToken>().cloned();
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|e| PageError::BadRequest(format!("the form could not be read: {e}")))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|e| PageError::BadRequest(format!("the form could not be read: {e}")))?;
        let sent = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
        check_csrf(expected.as_ref(), sent)?;
        let value = crate::input::form(&body).map_err(|e| PageError::unreadable("The form is not right", &e))?;
        Ok(PageForm(value))
    }
}

/// The address's parameters (`/tickets/{id}`); one that cannot be read is a page saying so.
pub struct PagePath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        crate::input::path(parts, state)
            .await
            .map(PagePath)
            .map_err(|(_, e)| PageError::unreadable("The address is not right", &e))
    }
}

/// The address's query (`?page=2`); one that cannot be read is a page saying so.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        crate::input::query(query).map(PageQuery).map_err(|e| PageError::unreadable("The address is not right", &e))
    }
}

/// A form whose only field is its CSRF token (a button that does one thing).
#[derive(Debug, serde::Deserialize)]
pub struct NoFields {}

/// A multipart form: its text fields (every value of each name) and its files.
pub struct UploadForm {
    /// Text fields by name.
    pub fields: HashMap<String, Vec<String>>,
    /// The files chosen (inputs left empty are skipped).
    pub files: Vec<NewUpload>,
}

impl UploadForm {
    /// The first value of `name`, or "".
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).and_then(|v| v.first()).cloned().unwrap_or_default()
    }

    /// Whether a checkbox `name` was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }
}

/// The largest text field of a form with files (a description or a reply, with room to spare).
const MAX_TEXT_PART: usize = 2 * helpdesk_domain::workflow::MAX_BODY_BYTES;
/// The largest CSRF field: the token is 64 characters.
const MAX_CSRF_PART: usize = 256;

/// Why a form with files is refused for its size, in words.
fn too_large() -> PageError {
    PageError::TooLarge(format!(
        "The form is too large: attach at most {} files of at most {} MiB each, with at most {} KiB of text.",
        helpdesk_domain::attachment::MAX_ATTACHMENTS,
        helpdesk_domain::attachment::MAX_ATTACHMENT_BYTES / (1024 * 1024),
        MAX_TEXT_PART / 1024
    ))
}

/// What to do with a part that passes its limit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Past {
    /// Refuse the form.
    Refuse,
    /// Keep its first `limit + 1` bytes, enough for the check of its size to refuse it with the
    /// rest of the form shown again, and pass over the others.
    Cut,
}

/// Reads one part of a multipart form, holding at most `limit` bytes of it (one more when cut).
async fn read_part(
    field: &mut axum::extract::multipart::Field<'_>,
    limit: usize,
    past: Past,
) -> Result<Vec<u8>, PageError> {
    let mut bytes = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) if bytes.len() + chunk.len() > limit => match past {
                Past::Refuse => return Err(too_large()),
                Past::Cut => {
                    let room = (limit + 1).saturating_sub(bytes.len());
                    bytes.extend_from_slice(&chunk[..room.min(chunk.len())]);
                }
            },
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => return Ok(bytes),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => return Err(PageError::BadRequest(format!("the form could not be read: {e}"))),
        }
    }
}

impl FromRequest<AppState> for UploadForm {
    type Rejection = PageError;

    /// Who sends the form is checked before a byte of it is read: the site it comes from, then
    /// the session (a form with files is for signed-in people), then its declared length, then
    /// its CSRF token, which Helpdesk's own forms send as their first part. Each part is then
    /// held within its own limit: a text refuses the form past it, a file is cut (and refused
    /// by the check of its size, the form shown again), and the whole body is bounded by the
    /// route's limit.
    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if cross_site(request.headers()) {
            return Err(PageError::Csrf);
        }
        let (mut parts, body) = request.into_parts();
        Viewer::from_request_parts(&mut parts, state).await?.require()?;
        if crate::extract::declared_over(&parts.headers, super::MAX_UPLOAD_BODY) {
            return Err(too_large());
        }
        let expected = parts.extensions.get::<CsrfToken>().cloned();
        let mut multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| PageError::BadRequest(format!("the form could not be read: {e}")))?;
        let next = |e: axum::extract::multipart::MultipartError| match e.status() {
            axum::http::StatusCode::PAYLOAD_TOO_LARGE => too_large(),
            _ => PageError::BadRequest(format!("the form could not be read: {e}")),
        };
        let mut first = multipart.next_field().await.map_err(next)?.ok_or(PageError::Csrf)?;
        if first.name() != Some("csrf") {
            return Err(PageError::Csrf);
        }
        let sent = read_part(&mut first, MAX_CSRF_PART, Past::Refuse).await.map_err(|_| PageError::Csrf)?;
        drop(first);
        check_csrf(expected.as_ref(), std::str::from_utf8(&sent).ok())?;
        let mut fields: HashMap<String, Vec<String>> = HashMap::new();
        let mut files = Vec::new();
        while let Some(mut field) = multipart.next_field().await.map_err(next)? {
            let name = field.name().unwrap_or_default().to_owned();
            let filename = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(str::to_owned);
            match filename {
                Some(filename) => {
                    // A file too large is kept cut, for the form to say so next to its input.
                    let limit = helpdesk_domain::attachment::MAX_ATTACHMENT_BYTES;
                    let bytes = read_part(&mut field, limit, Past::Cut).await?;
                    // A file input left empty still sends a part, with no name and no bytes.
                    if filename.is_empty() && bytes.is_empty() {
                        continue;
                    }
                    files.push(NewUpload { filename, content_type: content_type.unwrap_or_default(), bytes });
                }
                None => {
                    let bytes = read_part(&mut field, MAX_TEXT_PART, Past::Refuse).await?;
                    fields.entry(name).or_default().push(String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
        Ok(UploadForm { fields, files })
    }
}

/// Percent-encodes a value for a query string.
pub fn url_encode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)]).map(|s| s[2..].to_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_token_must_match_the_cookie() {
        let cookie = CsrfToken("a".repeat(64));
        let table: &[(Option<&CsrfToken>, Option<&str>, bool)] = &[
            (Some(&cookie), Some(&"a".repeat(64)), true),
            (Some(&cookie), Some(&"b".repeat(64)), false),
            (Some(&cookie), Some(""), false),
            (Some(&cookie), None, false),
            (None, Some(&"a".repeat(64)), false),
            (Some(&CsrfToken(String::new())), Some(""), false),
        ];
        for (expected, sent, ok) in table {
            assert_eq!(check_csrf(*expected, *sent).is_ok(), *ok, "{expected:?} {sent:?}");
        }
    }
}
