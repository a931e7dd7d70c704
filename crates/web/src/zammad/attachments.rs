//! Files in the Zammad face: as clients send them with an article (base64 in the JSON), as an
//! article lists them, and their download at `ticket_attachment/{ticket}/{article}/{id}`.

use axum::extract::State;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use helpdesk_domain::attachment::{Attachment, NewUpload};
use helpdesk_domain::{ArticleId, AttachmentId, TicketId};
use serde::Deserialize;
use serde_json::{Value, json};

use super::input::ZammadPath;
use super::{ZammadActor, ZammadError, unprocessable};
use crate::AppState;
use crate::respond::attachment_response;

/// A file as Zammad's clients attach it to an article.
#[derive(Debug, Deserialize)]
pub(crate) struct ZammadFile {
    #[serde(default)]
    filename: String,
    #[serde(default)]
    data: String,
    #[serde(default, rename = "mime-type")]
    mime_type: Option<String>,
}

/// The files of an article as uploads; a file that is not base64 refuses the whole article.
pub(crate) fn uploads(files: &[ZammadFile]) -> Result<Vec<NewUpload>, ZammadError> {
    files
        .iter()
        .map(|f| {
            let bytes = STANDARD
                .decode(f.data.trim().as_bytes())
                .map_err(|_| unprocessable(format!("attachments: '{}' is not base64", f.filename)))?;
            Ok(NewUpload { filename: f.filename.clone(), content_type: f.mime_type.clone().unwrap_or_default(), bytes })
        })
        .collect()
}

/// The files of one article (none: the ticket's own, its description's) as Zammad lists them.
pub(crate) fn listed(files: &[Attachment], article: Option<i64>) -> Value {
    let of_article = files.iter().filter(|f| f.article == article.map(ArticleId));
    Value::Array(
        of_article
            .map(|f| {
                json!({"id": f.id, "filename": f.filename, "size": f.size.to_string(),
                    "preferences": {"Content-Type": f.content_type, "Mime-Type": f.content_type}})
            })
            .collect(),
    )
}

/// `GET ticket_attachment/{ticket}/{article}/{id}`: the file's bytes, if it is that article's
/// (the ticket's own files are its description's) and the caller may read it.
pub(crate) async fn download(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadPath((ticket, article, id)): ZammadPath<(TicketId, i64, AttachmentId)>,
) -> Result<Response, ZammadError> {
    let (attachment, data) = state.app.attachment(&actor, ticket, id).await?;
    // Article 0 named the description before it had an id of its own.
    let of_description = article == super::description_id(ticket).get() || article == 0;
    let of_article =
        if of_description { attachment.article.is_none() } else { attachment.article == Some(ArticleId(article)) };
    if !of_article {
        return Err(helpdesk_app::AppError::NotFound(format!("article {article} has no file {id}")).into());
    }
    Ok(attachment_response(&attachment, data))
}
