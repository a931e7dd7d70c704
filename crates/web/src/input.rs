//! What a request carries, read the same way for every handler (the API, the pages, the Zammad
//! face's bodies): JSON bodies, query strings, forms and path parameters. What cannot be read
//! is refused with the field it concerns and words a person can act on, never with Rust's own
//! names: serde says "invalid type: floating point `1.5`, expected i64", people read
//! "must be a whole number, not 1.5".

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, RawPathParams};
use axum::http::StatusCode;
use axum::http::request::Parts;
use helpdesk_domain::validation::FieldError;
use serde::de::DeserializeOwned;

use crate::strict_json::Strict;

/// Why a JSON body could not be read.
#[derive(Debug)]
pub(crate) enum JsonError {
    /// It is not JSON at all; the text says where it goes wrong.
    Syntax(String),
    /// It is JSON, but a value is not what its field takes.
    Data(FieldError),
}

/// Reads a JSON body as the OpenAPI document describes it (see `strict_json`).
pub(crate) fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, JsonError> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| JsonError::Syntax(syntax(&e)))?;
    serde_path_to_error::deserialize(Strict(value)).map_err(|e| JsonError::Data(field_error(&e)))
}

/// Reads a query string (without its `?`).
pub(crate) fn query<T: DeserializeOwned>(query: &str) -> Result<T, FieldError> {
    form(query.as_bytes())
}

/// Reads a URL-encoded form body.
pub(crate) fn form<T: DeserializeOwned>(body: &[u8]) -> Result<T, FieldError> {
    let pairs = serde_urlencoded::Deserializer::new(form_urlencoded::parse(body));
    serde_path_to_error::deserialize(pairs).map_err(|e| field_error(&e))
}

/// Reads the address's parameters (`/tickets/{id}`); one that cannot be read is refused with its
/// name and, when the fault is the client's, 400 (axum answers 500 for a handler's own mistake).
pub(crate) async fn path<T, S>(parts: &mut Parts, state: &S) -> Result<T, (StatusCode, FieldError)>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    let rejection = match Path::<T>::from_request_parts(parts, state).await {
        Ok(Path(value)) => return Ok(value),
        Err(rejection) => rejection,
    };
    let status = rejection.status();
    let PathRejection::FailedToDeserializePathParams(e) = rejection else {
        return Err((status, FieldError::new("address", "cannot be read")));
    };
    // A single value or a tuple is read without its name; the route has it.
    let params = RawPathParams::from_request_parts(parts, state).await.ok();
    let named =
        |value: &str| params.as_ref().and_then(|p| p.iter().find(|(_, v)| *v == value).map(|(k, _)| k.to_owned()));
    let error = match e.into_kind() {
        ErrorKind::ParseErrorAtKey { key, value, expected_type } => {
            FieldError::new(key, format!("must be {}, not '{value}'", expected(expected_type)))
        }
        ErrorKind::ParseErrorAtIndex { value, expected_type, .. } | ErrorKind::ParseError { value, expected_type } => {
            let key = named(&value).unwrap_or_else(|| "address".to_owned());
            FieldError::new(key, format!("must be {}, not '{value}'", expected(expected_type)))
        }
        ErrorKind::InvalidUtf8InPathParam { key } => FieldError::new(key, "must be text (UTF-8)"),
        ErrorKind::DeserializeError { key, message, .. } => FieldError::new(key, words(&message).1),
        other => FieldError::new("address", words(&other.to_string()).1),
    };
    Err((status, error))
}

/// Where a body stops being JSON, in words.
fn syntax(e: &serde_json::Error) -> String {
    let at = format!("line {}, column {}", e.line(), e.column());
    match e.classify() {
        serde_json::error::Category::Eof => format!("the body is not complete JSON: it ends too soon ({at})"),
        _ => format!("the body is not valid JSON at {at}"),
    }
}

/// The field an error of a deserializer is about, as the API names fields (`fields.os`,
/// `copy_to[1]`), and what is wrong with it.
fn field_error<E: std::fmt::Display>(e: &serde_path_to_error::Error<E>) -> FieldError {
    let path = e.path().to_string();
    let (named, message) = words(&e.inner().to_string());
    let field = match (path.as_str(), named) {
        // An unknown field is reported at itself, a missing one at the object holding it.
        (".", Some(name)) => name,
        (path, Some(name)) if path == name || path.ends_with(&format!(".{name}")) => path.to_owned(),
        (parent, Some(name)) => format!("{parent}.{name}"),
        (".", None) => "body".to_owned(),
        (path, None) => path.to_owned(),
    };
    FieldError::new(field, message)
}

/// serde's messages (their forms are serde's own, shared by every format) and the standard
/// parsers' in words; the field the message itself names, if it names one.
pub(crate) fn words(message: &str) -> (Option<String>, String) {
    let quoted = |text: &str| text.split('`').nth(1).map(str::to_owned);
    let invalid = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: "));
    if let Some((got, wanted)) = invalid.and_then(|rest| rest.rsplit_once(", expected ")) {
        let range = message.starts_with("invalid value: ").then(|| range(wanted)).flatten();
        let wanted = expected(wanted);
        return (
            None,
            match range {
                Some(range) => format!("must be {wanted} {range}"),
                None => format!("must be {wanted}, not {}", unexpected(got)),
            },
        );
    }
    let length = message.strip_prefix("invalid length ").and_then(|rest| rest.split_once(", expected "));
    if let Some((_, wanted)) = length {
        return (None, format!("must be {}", expected(wanted)));
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let given = quoted(rest).unwrap_or_default();
        return (None, format!("'{given}' is not one of {}", choices(rest)));
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return (quoted(rest), format!("is not a field here; the fields are {}", choices(rest)));
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return (quoted(rest), "is required".to_owned());
    }
    if let Some(rest) = message.strip_prefix("duplicate field ") {
        return (quoted(rest), "is given twice".to_owned());
    }
    let plain = match message {
        "invalid digit found in string"
        | "cannot parse integer from empty string"
        | "number too large to fit in target type"
        | "number too small to fit in target type" => "must be a whole number",
        "invalid float literal" => "must be a number",
        "provided string was not `true` or `false`" => "must be true or false",
        other => other,
    };
    (None, plain.to_owned())
}

/// What a type serde expected is, in words.
fn expected(wanted: &str) -> String {
    let wanted = wanted.trim();
    let words = match wanted {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
            "a whole number"
        }
        "f32" | "f64" => "a number",
        "a string" | "a borrowed string" | "string" | "str" | "&str" | "String" => "text",
        "a character" | "char" => "one character",
        "a boolean" | "bool" => "true or false",
        "a sequence" => "a list",
        "a map" => "an object",
        "unit" => "null",
        _ if wanted.starts_with("struct ") => "an object",
        _ if wanted.starts_with("tuple struct ") || wanted.starts_with("a tuple of size") => "a list",
        _ if wanted.starts_with("enum ") || wanted.ends_with("identifier") => "one of the names it takes",
        _ if wanted.starts_with("option") => "a value or null",
        other => other,
    };
    words.to_owned()
}

/// The range of a bounded integer type, in words.
fn range(wanted: &str) -> Option<String> {
    let (low, high): (i128, i128) = match wanted.trim() {
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => return Some("of 0 or more".to_owned()),
        _ => return None,
    };
    Some(format!("from {low} to {high}"))
}

/// What serde says it was given, in words.
fn unexpected(got: &str) -> String {
    let value = |text: &str| text.split('`').nth(1).unwrap_or(text).to_owned();
    match got {
        "sequence" => "a list".to_owned(),
        "map" => "an object".to_owned(),
        "unit value" | "null" => "null".to_owned(),
        _ if got.starts_with("string ") => got.trim_start_matches("string ").to_owned(),
        _ if got.starts_with("floating point") || got.starts_with("integer") || got.starts_with("boolean") => {
            value(got)
        }
        other => other.to_owned(),
    }
}

/// The names serde lists after "expected", as `a, b or c`.
fn choices(rest: &str) -> String {
    let listed = rest.split_once("expected ").map(|(_, list)| list).unwrap_or_default();
    let names: Vec<&str> = listed.split('`').skip(1).step_by(2).collect();
    match names.as_slice() {
        [] => "none".to_owned(),
        [one] => (*one).to_owned(),
        [first @ .., last] => format!("{} or {last}", first.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_are_put_into_words() {
        let table: &[(&str, Option<&str>, &str)] = &[
            ("invalid type: floating point `1.5`, expected i64", None, "must be a whole number, not 1.5"),
            ("invalid type: string \"abc\", expected u32", None, "must be a whole number, not \"abc\""),
            ("invalid type: sequence, expected struct Retry", None, "must be an object, not a list"),
            ("invalid type: map, expected a string", None, "must be text, not an object"),
            ("invalid type: null, expected a boolean", None, "must be true or false, not null"),
            ("invalid type: integer `3`, expected a sequence", None, "must be a list, not 3"),
            ("invalid value: integer `70000`, expected i16", None, "must be a whole number from -32768 to 32767"),
            ("invalid value: integer `-1`, expected u64", None, "must be a whole number of 0 or more"),
            (
                "unknown variant `urgent`, expected one of `low`, `medium`, `high`, `top`",
                None,
                "'urgent' is not one of low, medium, high or top",
            ),
            (
                "unknown variant `x`, expected `incident` or `service_request`",
                None,
                "'x' is not one of incident or service_request",
            ),
            (
                "unknown field `colour`, expected `title` or `body`",
                Some("colour"),
                "is not a field here; the fields are title or body",
            ),
            ("unknown field `colour`, there are no fields", Some("colour"), "is not a field here; the fields are none"),
            ("missing field `title`", Some("title"), "is required"),
            ("duplicate field `title`", Some("title"), "is given twice"),
            ("invalid digit found in string", None, "must be a whole number"),
            ("cannot parse integer from empty string", None, "must be a whole number"),
            ("invalid float literal", None, "must be a number"),
            ("provided string was not `true` or `false`", None, "must be true or false"),
            ("must be a day (YYYY-MM-DD)", None, "must be a day (YYYY-MM-DD)"),
        ];
        for (message, field, said) in table {
            assert_eq!(words(message), (field.map(str::to_owned), (*said).to_owned()), "{message}");
        }
    }

    #[test]
    fn fields_are_named_as_the_api_names_them() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Body {
            copy_to: Vec<String>,
            fields: std::collections::HashMap<String, i64>,
            owner: Option<i64>,
        }
        let table: &[(&str, &str, &str)] = &[
            (r#"{"copy_to": ["a", 2], "fields": {}}"#, "copy_to[1]", "must be text, not 2"),
            (r#"{"copy_to": [], "fields": {"ram": "lots"}}"#, "fields.ram", "must be a whole number, not \"lots\""),
            (
                r#"{"copy_to": [], "fields": {}, "colour": 1}"#,
                "colour",
                "is not a field here; the fields are copy_to, fields or owner",
            ),
            (r#"{"fields": {}}"#, "copy_to", "is required"),
            (r#"{"copy_to": [], "fields": {}, "owner": 1.5}"#, "owner", "must be a whole number, not 1.5"),
            (r#"[[], {}, null]"#, "body", "must be an object, not a list"),
        ];
        for (body, field, message) in table {
            match json::<Body>(body.as_bytes()) {
                Err(JsonError::Data(e)) => {
                    assert_eq!((e.field.as_str(), e.message.as_str()), (*field, *message), "{body}")
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        assert!(matches!(json::<Body>(b"{\"copy_to\": ["), Err(JsonError::Syntax(s)) if s.contains("ends too soon")));
        let page = query::<crate::api::PageParams>("page=two").expect_err("refused");
        assert_eq!((page.field.as_str(), page.message.as_str()), ("page", "must be a whole number"));
    }
}
