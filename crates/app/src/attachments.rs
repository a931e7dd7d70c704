//! Attachments: the files that come with a new ticket or an article, and reading them back.
//! Uploading is part of [`App::open_ticket_with`] and [`App::add_article_with`], so that a file
//! is written in the same transaction as what it belongs to.

use helpdesk_domain::attachment::{Attachment, NewUpload};
use helpdesk_domain::history::Change;
use helpdesk_domain::policy::{Actor, TicketAction, TicketFacts, check_ticket};
use helpdesk_domain::{AccountId, ArticleId, AttachmentId, TicketId};
use helpdesk_store::{NewAttachment, Tx};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{App, AppError, AppResult};

/// A checked upload with its digest, ready to be written.
pub(crate) struct File {
    upload: NewUpload,
    sha256: String,
}

impl File {
    /// The history entry its upload leaves: the file name as the new value.
    pub(crate) fn change(&self, internal: bool) -> Change {
        Change::new("attachment", serde_json::Value::Null, &self.upload.filename).internal(internal)
    }
}

/// Digests checked uploads. Off the async threads: hashing 50 MiB takes a while, and it is done
/// before the write transaction, so that the single writer is not held for it.
pub(crate) async fn digest(uploads: Vec<NewUpload>) -> AppResult<Vec<File>> {
    if uploads.is_empty() {
        return Ok(Vec::new());
    }
    tokio::task::spawn_blocking(move || {
        uploads
            .into_iter()
            .map(|upload| {
                let sha256 = hex::encode(Sha256::digest(&upload.bytes));
                File { upload, sha256 }
            })
            .collect()
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing the uploads failed: {e}")))
}

/// Writes `files` to the ticket `ticket` (and its article) in `tx`.
pub(crate) async fn store_files(
    tx: &mut dyn Tx,
    ticket: TicketId,
    article: Option<ArticleId>,
    internal: bool,
    by: Option<AccountId>,
    files: Vec<File>,
    at: OffsetDateTime,
) -> AppResult<Vec<Attachment>> {
    let mut stored = Vec::with_capacity(files.len());
    for file in files {
        let new = NewAttachment {
            ticket,
            article,
            filename: file.upload.filename,
            content_type: file.upload.content_type,
            sha256: file.sha256,
            uploaded_by: by,
            internal,
            data: file.upload.bytes,
            at,
        };
        stored.push(tx.insert_attachment(&new).await?);
    }
    Ok(stored)
}

fn not_found(ticket: TicketId, id: AttachmentId) -> AppError {
    AppError::NotFound(format!("ticket #{ticket} has no attachment {id}"))
}

impl App {
    /// A ticket's attachments, oldest first, without their bytes; those of internal notes only
    /// for those who may read internal notes.
    pub async fn attachments(&self, actor: &Actor, ticket: TicketId) -> AppResult<Vec<Attachment>> {
        let t = self.ticket(actor, ticket).await?;
        let internal = check_ticket(actor, TicketAction::ReadInternal, &TicketFacts::from(&t)).is_ok();
        Ok(self.store.attachments(ticket, internal).await?)
    }

    /// One attachment of a ticket with its bytes. An attachment of another ticket, or one the
    /// actor may not read, does not exist for them.
    pub async fn attachment(
        &self,
        actor: &Actor,
        ticket: TicketId,
        id: AttachmentId,
    ) -> AppResult<(Attachment, Vec<u8>)> {
        let t = self.ticket(actor, ticket).await?;
        let (attachment, data) = self.store.attachment_data(id).await?.ok_or_else(|| not_found(ticket, id))?;
        let readable = attachment.ticket == ticket
            && (!attachment.internal
                || check_ticket(actor, TicketAction::ReadInternal, &TicketFacts::from(&t)).is_ok());
        if !readable {
            return Err(not_found(ticket, id));
        }
        Ok((attachment, data))
    }
}
