//! Mail that use cases send: queued as a job in the change's transaction and delivered by the
//! worker (see the `helpdesk-mail` crate), so a mail server that is down delays it, never loses it.

use helpdesk_store::NewJob;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The job kind that delivers one message.
pub const SEND_MAIL: &str = "mail.send";

/// One message to one recipient.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMail {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The body, plain text.
    pub text: String,
    /// The same body as HTML, sent beside the text as multipart/alternative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// The Message-ID (without angle brackets); the delivering job's own when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The thread this message belongs to, oldest first: the last is its In-Reply-To, all are
    /// its References.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thread: Vec<String>,
    /// Where answers go, when not to the sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// An answer to a person's message (`Auto-Submitted: auto-replied`) rather than a message
    /// of Helpdesk's own making (`auto-generated`).
    #[serde(default)]
    pub auto_reply: bool,
}

impl OutgoingMail {
    /// A plain-text message of Helpdesk's own.
    pub fn plain(to: impl Into<String>, subject: impl Into<String>, text: impl Into<String>) -> OutgoingMail {
        OutgoingMail { to: to.into(), subject: subject.into(), text: text.into(), ..OutgoingMail::default() }
    }

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

/// How Helpdesk signs its mail: the address answers come back to, and the tag that marks a
/// ticket's subject lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailIdentity {
    /// Helpdesk's own address (lower-case): the Reply-To of notifications, the address that
    /// opens tickets, the X-Loop mark.
    pub address: String,
    /// The subject tag's name: `[Helpdesk #1234]`.
    pub tag: String,
    /// The address Helpdesk's mail is sent from (`mail_from`, lower-case), which its `X-Loop`
    /// mark names: `address` unless configured apart.
    pub sender: String,
}

impl MailIdentity {
    /// The identity for `address` (a bare address or `Name <address>`) and `tag`, sending from
    /// the same address.
    pub fn new(address: &str, tag: &str) -> MailIdentity {
        let address = bare(address);
        MailIdentity { sender: address.clone(), address, tag: tag.trim().to_owned() }
    }

    /// The same identity, its mail sent from `from` (a bare address or `Name <address>`).
    pub fn sending_from(mut self, from: &str) -> MailIdentity {
        self.sender = bare(from);
        self
    }

    /// Helpdesk's own addresses: where answers come back, and where its mail is sent from.
    pub fn own_addresses(&self) -> Vec<String> {
        let mut own = vec![self.address.clone()];
        if self.sender != self.address {
            own.push(self.sender.clone());
        }
        own
    }

    /// Whether mail to `address` reaches Helpdesk itself (one of its own addresses, or a
    /// `+detail` sub-address of one).
    pub fn owns(&self, address: &str) -> bool {
        self.own_addresses().iter().any(|own| helpdesk_domain::mail::reaches(address, own))
    }

    /// The domain of Helpdesk's Message-IDs.
    pub fn domain(&self) -> &str {
        self.address.rsplit_once('@').map(|(_, d)| d).unwrap_or("helpdesk.invalid")
    }
}

/// The bare address of `address` (`Name <a@b>` or `a@b`), lower-case.
fn bare(address: &str) -> String {
    let bare = match (address.rfind('<'), address.rfind('>')) {
        (Some(start), Some(end)) if start < end => &address[start + 1..end],
        _ => address,
    };
    bare.trim().to_lowercase()
}

impl Default for MailIdentity {
    fn default() -> Self {
        MailIdentity::new("helpdesk@localhost", "Helpdesk")
    }
}
