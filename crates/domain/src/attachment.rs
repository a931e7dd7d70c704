//! Files attached to a ticket when it is opened, or to one of its articles: the limits, and what
//! an upload must be to be kept.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::policy::{Actor, TicketAction, TicketFacts, check_ticket};
use crate::validation::{Errors, FieldError};
use crate::workflow::RuleError;
use crate::{AccountId, ArticleId, AttachmentId, TicketId};

/// Most files attached at once: when a ticket is opened, or to one article.
pub const MAX_ATTACHMENTS: usize = 5;
/// Largest file, in bytes.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Longest file name kept, in characters.
pub const MAX_FILENAME_CHARS: usize = 200;
/// The content type of a file whose type is not given, or not a valid one.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";
/// The name of a file whose name is empty once cleaned.
pub const DEFAULT_FILENAME: &str = "attachment";
/// Types a browser may be told as they are: none of them runs script when opened.
pub const SAFE_CONTENT_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "text/plain", "application/pdf"];

/// A stored file, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    /// The attachment's id.
    pub id: AttachmentId,
    /// The ticket it belongs to.
    pub ticket: TicketId,
    /// The article it came with; none when it came with the opening of the ticket.
    #[schema(required = true)]
    pub article: Option<ArticleId>,
    /// The file name, cleaned of any path and control characters.
    pub filename: String,
    /// The content type the uploader gave (`application/octet-stream` when none or not valid).
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// The SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
    /// Who uploaded it.
    #[schema(required = true)]
    pub uploaded_by: Option<AccountId>,
    /// Attached to an internal note: only for those who may read internal notes.
    pub internal: bool,
    /// When it was uploaded.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A file as a person sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUpload {
    /// The name as sent (it may carry a path).
    pub filename: String,
    /// The content type as sent (it may be empty).
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

// The bytes would flood every log and panic message that shows an upload.
impl std::fmt::Debug for NewUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUpload")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// Checks that `actor` may attach files to the ticket `facts` describes, then checks the files
/// themselves (see [`check_uploads`]). No files need no right.
pub fn accept_uploads(
    actor: &Actor,
    facts: &TicketFacts,
    uploads: Vec<NewUpload>,
) -> Result<Vec<NewUpload>, RuleError> {
    if uploads.is_empty() {
        return Ok(uploads);
    }
    check_ticket(actor, TicketAction::Attach, facts)?;
    Ok(check_uploads(uploads)?)
}

/// Checks files sent together: at most [`MAX_ATTACHMENTS`], none empty, none over
/// [`MAX_ATTACHMENT_BYTES`]. Returns them with cleaned names and content types, or every refusal
/// (`attachments` for the count, `attachments[i]` for one file).
pub fn check_uploads(uploads: Vec<NewUpload>) -> Result<Vec<NewUpload>, Vec<FieldError>> {
    let mut errors = Errors::new();
    errors.check(
        uploads.len() > MAX_ATTACHMENTS,
        "attachments",
        format!("at most {MAX_ATTACHMENTS} files at a time (got {})", uploads.len()),
    );
    for (i, upload) in uploads.iter().enumerate() {
        let name = sanitise_filename(&upload.filename);
        let field = format!("attachments[{i}]");
        if upload.bytes.is_empty() {
            errors.add(field, format!("'{name}' is empty"));
        } else if upload.bytes.len() > MAX_ATTACHMENT_BYTES {
            errors.add(
                field,
                format!(
                    "'{name}' is {:.1} MiB; a file may be at most {} MiB",
                    upload.bytes.len() as f64 / (1024.0 * 1024.0),
                    MAX_ATTACHMENT_BYTES / (1024 * 1024)
                ),
            );
        }
    }
    errors.finish(())?;
    Ok(uploads
        .into_iter()
        .map(|u| NewUpload {
            filename: sanitise_filename(&u.filename),
            content_type: normalise_content_type(&u.content_type),
            bytes: u.bytes,
        })
        .collect())
}

/// Characters that reorder the text around them: a name could show as `report.pdf` and be
/// `report\u{202e}fdp.exe`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A file name fit to keep and show: the last part of any path (`/` or `\`), without control
/// or direction-changing characters, trimmed, at most [`MAX_FILENAME_CHARS`] characters (a short
/// extension survives the cut), and [`DEFAULT_FILENAME`] when nothing is left.
pub fn sanitise_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control() && !is_bidi_control(*c)).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return DEFAULT_FILENAME.to_owned();
    }
    if cleaned.chars().count() <= MAX_FILENAME_CHARS {
        return cleaned.to_owned();
    }
    let extension = cleaned.rfind('.').map(|i| &cleaned[i..]).filter(|e| (2..=16).contains(&e.chars().count()));
    match extension {
        Some(ext) => {
            let stem: String = cleaned.chars().take(MAX_FILENAME_CHARS - ext.chars().count()).collect();
            format!("{}{ext}", stem.trim_end())
        }
        None => cleaned.chars().take(MAX_FILENAME_CHARS).collect::<String>().trim_end().to_owned(),
    }
}

/// A content type fit to keep: its `type/subtype`, lower-case, without parameters; or
/// [`DEFAULT_CONTENT_TYPE`] when none is given or it is not one.
pub fn normalise_content_type(value: &str) -> String {
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty() && s.len() <= 127 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => essence,
        _ => DEFAULT_CONTENT_TYPE.to_owned(),
    }
}

/// The content type to tell a browser that downloads the file: the stored one when it is one
/// of [`SAFE_CONTENT_TYPES`], otherwise [`DEFAULT_CONTENT_TYPE`], so that no upload is ever run
/// as a page of this site.
pub fn served_content_type(stored: &str) -> &'static str {
    SAFE_CONTENT_TYPES.iter().copied().find(|t| *t == stored).unwrap_or(DEFAULT_CONTENT_TYPE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnitId;
    use crate::account::Role;
    use crate::status::Status;
    use crate::ticket::Privacy;

    fn upload(name: &str, size: usize) -> NewUpload {
        NewUpload { filename: name.into(), content_type: "image/PNG; x=1".into(), bytes: vec![b'x'; size] }
    }

    #[test]
    fn file_names() {
        let long = format!("{}.tar.gz", "a".repeat(300));
        let cut = sanitise_filename(&long);
        assert_eq!((cut.chars().count(), cut.ends_with("a.gz")), (MAX_FILENAME_CHARS, true));
        let no_ext = "b".repeat(250);
        assert_eq!(sanitise_filename(&no_ext), "b".repeat(MAX_FILENAME_CHARS));
        for (given, kept) in [
            ("report.pdf", "report.pdf"),
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\ann\\shot.png", "shot.png"),
            ("  spaced name.txt  ", "spaced name.txt"),
            ("tab\there\n.log", "tabhere.log"),
            ("report\u{202e}fdp.exe", "reportfdp.exe"),
            ("dir/", DEFAULT_FILENAME),
            ("..", DEFAULT_FILENAME),
            ("", DEFAULT_FILENAME),
            ("été.txt", "été.txt"),
        ] {
            assert_eq!(sanitise_filename(given), kept, "{given:?}");
        }
    }

    #[test]
    fn content_types() {
        for (given, kept) in [
            ("image/png", "image/png"),
            ("Text/Plain; charset=utf-8", "text/plain"),
            ("", DEFAULT_CONTENT_TYPE),
            ("png", DEFAULT_CONTENT_TYPE),
            ("text/html<script>", DEFAULT_CONTENT_TYPE),
            ("application/vnd.ms-excel", "application/vnd.ms-excel"),
        ] {
            assert_eq!(normalise_content_type(given), kept, "{given:?}");
        }
        assert_eq!(served_content_type("image/png"), "image/png");
        assert_eq!(served_content_type("text/html"), DEFAULT_CONTENT_TYPE);
        assert_eq!(served_content_type("image/svg+xml"), DEFAULT_CONTENT_TYPE);
    }

    #[test]
    fn uploads() {
        let fields = |uploads: Vec<NewUpload>| -> Vec<String> {
            check_uploads(uploads).err().unwrap_or_default().into_iter().map(|e| e.field).collect()
        };
        let five: Vec<NewUpload> = (0..5).map(|i| upload(&format!("f{i}"), 1)).collect();
        let kept = check_uploads(five.clone()).expect("five files");
        assert_eq!((kept[0].filename.as_str(), kept[0].content_type.as_str()), ("f0", "image/png"));
        let mut six = five.clone();
        six.push(upload("f5", 1));
        let table: Vec<(Vec<NewUpload>, Vec<&str>)> = vec![
            (vec![], vec![]),
            (vec![upload("max", MAX_ATTACHMENT_BYTES)], vec![]),
            (six, vec!["attachments"]),
            (vec![upload("big", MAX_ATTACHMENT_BYTES + 1)], vec!["attachments[0]"]),
            (vec![upload("ok", 1), upload("empty", 0)], vec!["attachments[1]"]),
        ];
        for (uploads, refused) in table {
            let what = format!("{uploads:?}");
            assert_eq!(fields(uploads), refused, "{what}");
        }
    }

    #[test]
    fn attaching_needs_the_right() {
        let facts = TicketFacts {
            submitter: AccountId(1),
            on_behalf_of: None,
            organisation: None,
            unit: UnitId(10),
            owner: None,
            privacy: Privacy::Public,
            status: Status::New,
            slave: false,
            team: None,
        };
        let community = Actor::person(AccountId(1), vec![Role::Community], vec![], vec![]);
        let named = Actor::person(AccountId(1), vec![Role::Named], vec![], vec![]);
        assert!(matches!(accept_uploads(&community, &facts, vec![upload("a", 1)]), Err(RuleError::Denied(_))));
        assert_eq!(accept_uploads(&community, &facts, vec![]), Ok(vec![]), "no files need no right");
        assert_eq!(accept_uploads(&named, &facts, vec![upload("a", 1)]).map(|u| u.len()), Ok(1));
        assert!(matches!(accept_uploads(&named, &facts, vec![upload("a", 0)]), Err(RuleError::Invalid(_))));
    }
}
