//! What the face reads from a request (a JSON body, the query, the address) and how it refuses
//! what it cannot read: in Zammad's shape (`{"error": …, "error_human": …}`), in words a person
//! understands rather than the parser's (Rust's type names), the same words as the rest of
//! Helpdesk's API.
//!
//! Zammad answers input it cannot process with 422 Unprocessable Entity, and an object it cannot
//! find with 404 (app/controllers/application_controller/handles_errors.rb); a body that is not
//! JSON reaches its catch-all there (500, "Please contact your administrator"), which is no
//! help to a client: the face answers it as input it cannot process.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::{ZammadError, unprocessable};

/// A JSON body, refused in Zammad's shape. Zammad's clients authenticate by token alone, never
/// by a cookie, so the body is read as JSON whatever its `Content-Type` says.
pub(crate) struct ZammadJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ZammadJson<T> {
    type Rejection = ZammadError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ZammadError(StatusCode::PAYLOAD_TOO_LARGE, "the request is larger than Helpdesk takes".into())
            } else {
                unprocessable("the request's body could not be read; send it again")
            }
        })?;
        read_json(&bytes).map(ZammadJson)
    }
}

/// `bytes` as a `T`, or why not, in words: read as every body of Helpdesk's is (`crate::input`),
/// the refusal then put in Zammad's shape.
fn read_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ZammadError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(unprocessable("the request has no body; send a JSON object"));
    }
    crate::input::json(bytes).map_err(|e| match e {
        crate::input::JsonError::Syntax(words) => unprocessable(words),
        crate::input::JsonError::Data(error) => unprocessable(format!("{}: {}", error.field, error.message)),
    })
}

/// The query, refused in Zammad's shape. The face's queries hold text alone, checked where it
/// is used ([`super::Paging`]), so this refuses only what is not a query at all.
pub(crate) struct ZammadQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ZammadQuery<T> {
    type Rejection = ZammadError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ZammadQuery(value)),
            Err(_) => Err(unprocessable("the query (after '?') cannot be read: write it as name=value&name=value")),
        }
    }
}

/// The address's parameters, refused in Zammad's shape: what the face finds by its address, it
/// finds by number, so an address with something else finds nothing (Zammad's 404, as its
/// `find` of an id that is not one).
pub(crate) struct ZammadPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ZammadPath<T> {
    type Rejection = ZammadError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ZammadPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let value = match e.kind() {
                    ErrorKind::ParseErrorAtKey { value, .. }
                    | ErrorKind::ParseErrorAtIndex { value, .. }
                    | ErrorKind::ParseError { value, .. } => value.clone(),
                    _ => String::new(),
                };
                Err(ZammadError(
                    StatusCode::NOT_FOUND,
                    format!(
                        "there is nothing at this address: '{value}' is not a number, and the face finds tickets, articles, users, organizations and groups by their number"
                    ),
                ))
            }
            Err(_) => Err(ZammadError(StatusCode::NOT_FOUND, "there is nothing at this address".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Article {
        ticket_id: i64,
        #[serde(default)]
        internal: bool,
        #[serde(default)]
        privacy: Option<Privacy>,
        #[serde(default)]
        ratio: Option<f64>,
        #[serde(default)]
        files: Vec<File>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Privacy {
        Public,
        Private,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct File {
        filename: String,
    }

    #[test]
    fn what_cannot_be_read_is_said_in_words() {
        let table = [
            ("", "the request has no body; send a JSON object"),
            (r#"{"ticket_id": 1"#, "the body is not complete JSON: it ends too soon (line 1, column 15)"),
            ("ticket_id=1", "the body is not valid JSON at line 1, column 2"),
            (r#"[1]"#, "body: must be an object, not a list"),
            (r#""ticket""#, "body: must be an object, not \"ticket\""),
            (r#"{}"#, "ticket_id: is required"),
            (r#"{"ticket_id": "7"}"#, r#"ticket_id: must be a whole number, not "7""#),
            (r#"{"ticket_id": 1.5}"#, "ticket_id: must be a whole number, not 1.5"),
            (r#"{"ticket_id": 1, "internal": "yes"}"#, r#"internal: must be true or false, not "yes""#),
            (r#"{"ticket_id": 1, "privacy": "secret"}"#, "privacy: 'secret' is not one of public or private"),
            (r#"{"ticket_id": 1, "ratio": true}"#, "ratio: must be a number, not true"),
            (r#"{"ticket_id": 1, "files": {}}"#, "files: must be a list, not an object"),
            (r#"{"ticket_id": 1, "files": [{}]}"#, "files[0].filename: is required"),
            (r#"{"ticket_id": 1, "files": [{"filename": null}]}"#, "files[0].filename: must be text, not null"),
        ];
        for (body, says) in table {
            let refused = read_json::<Article>(body.as_bytes()).expect_err(body);
            assert_eq!(refused.0, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(refused.1, says, "{body}");
        }
        assert!(read_json::<Article>(br#"{"ticket_id": 4, "privacy": "private"}"#).is_ok());
    }
}
