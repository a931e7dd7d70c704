//! `/api/v1/mail/inbound`: raw messages handed in by a mail gateway (`helpdesk mailgate`, an
//! MTA's pipe), and the admin's view of what became of them.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::Response;
use helpdesk_domain::mail::{InboundMessage, InboundStatus};
use helpdesk_domain::paging::{Page, PageRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, RestrictedReadRefusals, WriteRefusals};
use crate::extract::{ApiPath, ApiQuery, Caller};
use crate::problem::Problem;

/// A message kept and queued for processing.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
// Named apart from the sync's `Received`: two schemas of one name, and the document keeps one.
#[schema(as = ReceivedMail)]
pub struct Received {
    /// The inbound message's id.
    pub id: i64,
    /// `received`: what becomes of it is decided by the worker, in a moment.
    pub status: InboundStatus,
}

/// What a mail gateway knows of a message besides its bytes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceiveQuery {
    /// The envelope's recipient (an MTA's `$RECIPIENT`): the address the message was delivered
    /// to, a Bcc included. It routes the message to the unit of that address before its To and
    /// Cc do.
    #[param(format = Email)]
    pub recipient: Option<String>,
}

/// Which inbound messages to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListInbound {
    /// Only messages with this outcome.
    pub status: Option<InboundStatus>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (25 when not given).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// Hands in one raw message (RFC 5322, as received). It is kept before anything else, then
/// processed by the worker: it opens a ticket, becomes an article, or is refused (its sender is
/// told why), ignored (auto-replies, bounces, loops) or marked a duplicate. Needs a token of an
/// account with the `mail_gateway` (or `admin`) role. `recipient`, optional, is the envelope's
/// recipient the gateway knows (`helpdesk mailgate --recipient`).
#[utoipa::path(post, path = "/api/v1/mail/inbound", tag = "mail", params(ReceiveQuery),
    request_body(content = super::RawMessage, content_type = "message/rfc822", description = "The raw message"),
    security(("bearer" = [])),
    responses((status = 202, description = "Kept and queued", body = Received), WriteRefusals))]
pub async fn receive(
    Caller { state, actor }: Caller,
    ApiQuery(query): ApiQuery<ReceiveQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Received>), Problem> {
    let raw = body.map_err(|e| {
        Problem::new(
            e.status(),
            "Message not read",
            format!("the message could not be read ({}); at most {} MiB", e.body_text(), MAX_MIB),
        )
    })?;
    let id = state.app.receive_mail_for(&actor, raw.to_vec(), query.recipient).await?;
    Ok((StatusCode::ACCEPTED, Json(Received { id, status: InboundStatus::Received })))
}

const MAX_MIB: usize = helpdesk_app::inbound::MAX_RAW_BYTES >> 20;

/// Inbound messages, newest first, with what became of each (admins).
#[utoipa::path(get, path = "/api/v1/mail/inbound", tag = "mail", params(ListInbound),
    security(("bearer" = [])),
    responses((status = 200, description = "The messages", body = Page<InboundMessage>), RestrictedReadRefusals))]
pub async fn list(
    Caller { state, actor }: Caller,
    ApiQuery(query): ApiQuery<ListInbound>,
) -> ApiResult<Page<InboundMessage>> {
    let page = PageRequest::new(query.page, query.per_page).map_err(helpdesk_app::AppError::Invalid)?;
    Ok(Json(state.app.inbound_messages(&actor, query.status, page).await?))
}

/// One inbound message as received, raw (admins).
#[utoipa::path(get, path = "/api/v1/mail/inbound/{id}/raw", tag = "mail",
    params(("id" = i64, Path, description = "The inbound message's id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The raw message, as a download", content_type = "application/octet-stream", body = super::Binary),
        RestrictedReadRefusals))]
pub async fn raw(Caller { state, actor }: Caller, ApiPath(id): ApiPath<i64>) -> Result<Response, Problem> {
    let (_, raw) = state.app.inbound_message(&actor, id).await?;
    // A download, never rendered: the message is whatever its sender made it.
    Ok(crate::respond::download_response(&format!("inbound-{id}.eml"), "message/rfc822", raw))
}

/// Processes an inbound message again (after a fix, or once its sender has an account); one
/// already delivered is refused with 409 (admins).
#[utoipa::path(post, path = "/api/v1/mail/inbound/{id}/process", tag = "mail",
    params(("id" = i64, Path, description = "The inbound message's id")),
    security(("bearer" = [])),
    responses((status = 202, description = "Queued again"), WriteRefusals))]
pub async fn process(Caller { state, actor }: Caller, ApiPath(id): ApiPath<i64>) -> Result<StatusCode, Problem> {
    state.app.reprocess_inbound(&actor, id).await?;
    Ok(StatusCode::ACCEPTED)
}
