//! Every error answer of the API: `application/problem+json` (RFC 9457) with a title and a
//! detail a person can act on.

use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use helpdesk_app::AppError;
use helpdesk_domain::status::Status;
use helpdesk_domain::validation::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::input::JsonError;

/// An error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`about:blank`: the title says it all).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// A short summary of the kind of problem.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong here, and what to do about it.
    pub detail: String,
    /// For invalid input: each refused field and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For a refused status change: the statuses allowed next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<Status>>,
    /// For too many attempts: seconds to wait (also sent as `Retry-After`).
    #[serde(skip)]
    pub retry_after: Option<u32>,
}

impl Problem {
    /// A problem with `status`, `title` and `detail`.
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank",
            title,
            status: status.as_u16(),
            detail: detail.into(),
            errors: None,
            allowed: None,
            retry_after: None,
        }
    }

    /// 404 for a path that does not exist.
    pub fn no_route() -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "Not found", "there is nothing at this address; see /api/v1/openapi.json")
    }

    /// 405 for a method a path does not take.
    pub fn wrong_method() -> Problem {
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            "this address does not take this method; see /api/v1/openapi.json",
        )
    }

    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| br#"{"title":"Internal error"}"#.to_vec());
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Problem {
        match e {
            AppError::Unauthenticated(detail) => Problem::new(StatusCode::UNAUTHORIZED, "Not signed in", detail),
            AppError::Forbidden(detail) => Problem::new(StatusCode::FORBIDDEN, "Not allowed", detail),
            AppError::NotFound(detail) => Problem::new(StatusCode::NOT_FOUND, "Not found", detail),
            AppError::Conflict { detail, allowed } => {
                Problem { allowed, ..Problem::new(StatusCode::CONFLICT, "Conflict", detail) }
            }
            AppError::Invalid(errors) => {
                let detail =
                    errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
                Problem {
                    errors: Some(errors),
                    ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid input", detail)
                }
            }
            AppError::TooManyAttempts { retry_after } => Problem {
                retry_after: Some(u32::try_from(retry_after).unwrap_or(u32::MAX)),
                ..Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts",
                    too_many_attempts_detail(retry_after),
                )
            },
            e @ (AppError::Store(_) | AppError::Internal(_)) => {
                // The cause goes to the log, not to the client: it may name tables and values.
                tracing::error!(error = %e, "request failed");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error",
                    "the request could not be completed; nothing was changed. Try again, and tell the administrators if it persists",
                )
            }
        }
    }
}

fn too_many_attempts_detail(retry_after: u64) -> String {
    AppError::TooManyAttempts { retry_after }.to_string()
}

impl Problem {
    /// 422 for a body whose value does not fit its field; `errors` names the field.
    pub(crate) fn unreadable(e: FieldError) -> Problem {
        Problem::with_field(StatusCode::UNPROCESSABLE_ENTITY, "Invalid request body", e)
    }

    /// 400 for a query parameter that cannot be read; `errors` names it.
    pub(crate) fn bad_query(e: FieldError) -> Problem {
        Problem::with_field(StatusCode::BAD_REQUEST, "Invalid query", e)
    }

    /// 400 for a path parameter that cannot be read (500 for a handler's own mistake).
    pub(crate) fn bad_path(status: StatusCode, e: FieldError) -> Problem {
        let title = if status.is_server_error() { "Internal error" } else { "Invalid address" };
        Problem::with_field(status, title, e)
    }

    fn with_field(status: StatusCode, title: &'static str, e: FieldError) -> Problem {
        let detail = format!("{}: {}", e.field, e.message);
        Problem { errors: Some(vec![e]), ..Problem::new(status, title, detail) }
    }
}

impl From<JsonError> for Problem {
    fn from(e: JsonError) -> Problem {
        match e {
            JsonError::Syntax(detail) => Problem::new(StatusCode::BAD_REQUEST, "Malformed JSON", detail),
            JsonError::Data(e) => Problem::unreadable(e),
        }
    }
}

impl From<BytesRejection> for Problem {
    fn from(r: BytesRejection) -> Problem {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request body too large",
                format!("a request body may hold at most {} bytes", crate::MAX_BODY_BYTES),
            );
        }
        Problem::new(r.status(), "Unreadable request body", "the request body could not be read; send it again")
    }
}
