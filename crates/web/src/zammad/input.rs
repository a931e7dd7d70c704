//! What the face reads from a request (a JSON body, the query, the address) and how it refuses
//! what it cannot read: in Zammad's shape (`{"error": …, "error_human": …}`), in words a person
//! understands rather than the parser's (Rust's type names, a line and a column).
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

/// `bytes` as a `T`, or why not, in words.
fn read_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ZammadError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(unprocessable("the request has no body; send a JSON object"));
    }
    // Read as JSON first, so that a body that is not JSON is told apart from one that is, but
    // holds a field of the wrong kind.
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| unprocessable(not_json(&e)))?;
    // Every body Zammad's API takes is an object; serde would take a list for one, field by
    // field in order.
    let kind = match &value {
        serde_json::Value::Object(_) => None,
        serde_json::Value::Array(_) => Some("a list"),
        serde_json::Value::String(_) => Some("text"),
        serde_json::Value::Number(_) => Some("a number"),
        serde_json::Value::Bool(_) => Some("true or false"),
        serde_json::Value::Null => Some("null"),
    };
    if let Some(kind) = kind {
        return Err(unprocessable(format!("the body must be an object, not {kind}")));
    }
    serde_path_to_error::deserialize(value)
        .map_err(|e| unprocessable(in_words(&e.path().to_string(), &e.inner().to_string())))
}

/// Why a body is not JSON.
fn not_json(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => "the body is not valid JSON: it ends before it is complete".into(),
        _ => format!("the body is not valid JSON (at line {}, character {})", e.line(), e.column()),
    }
}

/// A refusal of `serde`'s (its messages' forms are serde's own, stable for years) about the
/// value at `path` (`.` for the body itself), in words. No crate does this: serde's errors are
/// written for programmers.
fn in_words(path: &str, message: &str) -> String {
    let whole = path == ".";
    let subject = |rule: String| if whole { format!("the body {rule}") } else { format!("{path}: {rule}") };
    if let Some(field) = message.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`')) {
        return if whole { format!("{field}: missing") } else { format!("{path}.{field}: missing") };
    }
    if let Some((given, expected)) = message.strip_prefix("invalid type: ").and_then(|m| m.split_once(", expected ")) {
        return subject(format!("must be {}, not {}", expected_words(expected), given_words(given)));
    }
    if let Some((given, expected)) = message.strip_prefix("invalid value: ").and_then(|m| m.split_once(", expected ")) {
        return subject(format!("must be {}, not {}", expected_words(expected), given_words(given)));
    }
    if let Some((given, expected)) =
        message.strip_prefix("unknown variant `").and_then(|m| m.split_once("`, expected "))
    {
        let choices = expected.trim_start_matches("one of ").replace('`', "").replace(" or ", ", ");
        return subject(format!("must be one of {choices}, not '{given}'"));
    }
    subject(format!("cannot be read: {message}"))
}

/// What serde says it expected, in words.
fn expected_words(expected: &str) -> String {
    let whole_numbers = ["i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize"];
    match expected {
        e if whole_numbers.contains(&e) => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" => "true or false".into(),
        "a string" => "text".into(),
        "a sequence" => "a list".into(),
        "a map" => "an object".into(),
        "unit" => "null".into(),
        e if e.starts_with("struct ") => "an object".into(),
        e => e.to_owned(),
    }
}

/// What serde says it was given, in words.
fn given_words(given: &str) -> String {
    let quoted = |rest: &str| rest.trim_matches('`').to_owned();
    if let Some(text) = given.strip_prefix("string ") {
        return format!("the text {text}");
    }
    if let Some(n) = given.strip_prefix("integer ").or_else(|| given.strip_prefix("floating point ")) {
        return format!("the number {}", quoted(n));
    }
    if let Some(b) = given.strip_prefix("boolean ") {
        return quoted(b);
    }
    match given {
        "sequence" => "a list".into(),
        "map" => "an object".into(),
        "unit value" => "null".into(),
        g => g.to_owned(),
    }
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
            (r#"{"ticket_id": 1"#, "the body is not valid JSON: it ends before it is complete"),
            ("ticket_id=1", "the body is not valid JSON (at line 1, character 2)"),
            (r#"[1]"#, "the body must be an object, not a list"),
            (r#""ticket""#, "the body must be an object, not text"),
            (r#"{}"#, "ticket_id: missing"),
            (r#"{"ticket_id": "7"}"#, r#"ticket_id: must be a whole number, not the text "7""#),
            (r#"{"ticket_id": 1.5}"#, "ticket_id: must be a whole number, not the number 1.5"),
            (r#"{"ticket_id": 1, "internal": "yes"}"#, r#"internal: must be true or false, not the text "yes""#),
            (r#"{"ticket_id": 1, "privacy": "secret"}"#, "privacy: must be one of public, private, not 'secret'"),
            (r#"{"ticket_id": 1, "ratio": true}"#, "ratio: must be a number, not true"),
            (r#"{"ticket_id": 1, "files": {}}"#, "files: must be a list, not an object"),
            (r#"{"ticket_id": 1, "files": [{}]}"#, "files[0].filename: missing"),
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
