//! `/api/v1/tickets/{id}/attachments`: a ticket's files, listed and downloaded.

use axum::Json;
use axum::response::Response;
use helpdesk_domain::attachment::Attachment;
use helpdesk_domain::{AttachmentId, TicketId};

use super::{ApiResult, ReadRefusals};
use crate::extract::{ApiPath, Caller};
use crate::problem::Problem;
use crate::respond::attachment_response;

/// A ticket's attachments, oldest first, without their bytes; those of internal notes only for
/// those who may read internal notes.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The attachments", body = Vec<Attachment>),
        ReadRefusals,
    ))]
pub async fn list_attachments(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
) -> ApiResult<Vec<Attachment>> {
    Ok(Json(state.app.attachments(&actor, id).await?))
}

/// One attachment's bytes, as a download. The content type is the uploaded one only for types
/// that run no script (PNG, JPEG, GIF, plain text, PDF); anything else is
/// `application/octet-stream`.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/attachments/{attachment}", tag = "tickets",
    params(
        ("id" = i64, Path, description = "The ticket number"),
        ("attachment" = i64, Path, description = "The attachment's id"),
    ),
    security(("bearer" = [])),
    responses(
        // The types of `helpdesk_domain::attachment::SAFE_CONTENT_TYPES`, and the one for all others.
        (status = 200, description = "The file", content(
            (super::Binary = "application/octet-stream"), (super::Binary = "image/png"), (super::Binary = "image/jpeg"),
            (super::Binary = "image/gif"), (super::Binary = "text/plain"), (super::Binary = "application/pdf"))),
        ReadRefusals,
    ))]
pub async fn get_attachment(
    Caller { state, actor }: Caller,
    ApiPath((id, attachment)): ApiPath<(TicketId, AttachmentId)>,
) -> Result<Response, Problem> {
    let (attachment, data) = state.app.attachment(&actor, id, attachment).await?;
    Ok(attachment_response(&attachment, data))
}
