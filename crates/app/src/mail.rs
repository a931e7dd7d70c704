//! Mail that use cases send: queued as a job in the change's transaction and delivered by the
//! worker (see the `helpdesk-mail` crate), so a mail server that is down delays it, never loses it.

use helpdesk_store::NewJob;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The job kind that delivers one message.
pub const SEND_MAIL: &str = "mail.send";

/// One plain-text message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The body, plain text.
    pub text: String,
}

impl OutgoingMail {
    /// The job that delivers this message.
    pub fn job(&self, at: OffsetDateTime) -> NewJob {
        NewJob {
            kind: SEND_MAIL.to_owned(),
            payload: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
            dedupe_key: None,
            run_at: at,
        }
    }
}
