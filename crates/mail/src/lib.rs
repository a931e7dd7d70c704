//! Outbound mail: the worker's handler for `mail.send` jobs. It delivers over SMTP (plain,
//! STARTTLS or TLS, with credentials, as the URL says) or, when no server is configured, writes
//! each message as a file in a directory, so that a fresh installation loses no mail and leaks
//! no link into its log.

use std::path::PathBuf;

use async_trait::async_trait;
use helpdesk_app::mail::OutgoingMail;
use helpdesk_app::worker::JobHandler;
use helpdesk_store::Job;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// Why mail could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL is not valid.
    #[error("the SMTP URL is not valid: {0}")]
    Url(String),
    /// The sender address is not valid.
    #[error("'{0}' is not a valid sender address (e.g. \"Helpdesk <helpdesk@example.org>\")")]
    From(String),
    /// The outbox directory cannot be made.
    #[error("cannot create the mail outbox {path}: {source}")]
    Outbox {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Delivers `mail.send` jobs.
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl Mailer {
    /// A mailer that delivers through the SMTP server at `url`: `smtp://host:port` (STARTTLS when
    /// offered), `smtp://host:port?tls=required`, `smtps://host:port` (TLS), with
    /// `user:password@` for credentials.
    pub fn smtp(url: &str, from: &str) -> Result<Mailer, MailError> {
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| MailError::Url(e.to_string()))?.build();
        Ok(Mailer { from: parse_from(from)?, transport: Transport::Smtp(transport) })
    }

    /// A mailer that writes each message as a file in `dir`.
    pub fn files(dir: PathBuf, from: &str) -> Result<Mailer, MailError> {
        std::fs::create_dir_all(&dir).map_err(|source| MailError::Outbox { path: dir.clone(), source })?;
        let transport = AsyncFileTransport::<Tokio1Executor>::new(&dir);
        Ok(Mailer { from: parse_from(from)?, transport: Transport::Files(transport, dir) })
    }

    /// Where messages go, for people.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "an SMTP server".to_owned(),
            Transport::Files(_, dir) => format!("files in {} (no SMTP server is configured)", dir.display()),
        }
    }

    fn message(&self, mail: &OutgoingMail, job: &Job) -> Result<Message, String> {
        let to: Mailbox = mail.to.parse().map_err(|e| format!("bad recipient '{}': {e}", mail.to))?;
        let domain = self.from.email.domain().to_owned();
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            // One Message-ID per job: a retried delivery is recognisably the same message.
            .message_id(Some(format!("<job-{}@{domain}>", job.id)))
            .raw_header(auto_submitted())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| format!("cannot build the message: {e}"))
    }
}

fn parse_from(from: &str) -> Result<Mailbox, MailError> {
    from.parse().map_err(|_| MailError::From(from.to_owned()))
}

/// Marks messages as sent by a machine, so that auto-responders do not answer them (RFC 3834).
fn auto_submitted() -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".to_owned())
}

#[async_trait]
impl JobHandler for Mailer {
    async fn run(&self, job: &Job) -> Result<(), String> {
        let mail: OutgoingMail =
            serde_json::from_value(job.payload.clone()).map_err(|e| format!("not a mail job's payload: {e}"))?;
        let message = self.message(&mail, job)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.map_err(|e| format!("SMTP delivery to {} failed: {e}", mail.to))?;
            }
            Transport::Files(files, dir) => {
                let id = files.send(message).await.map_err(|e| format!("cannot write the message: {e}"))?;
                tracing::info!(to = %mail.to, file = %dir.join(format!("{id}.eml")).display(), "mail written to a file");
            }
        }
        Ok(())
    }
}
