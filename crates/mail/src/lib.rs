//! Outbound mail: the worker's handler for `mail.send` jobs. It delivers over SMTP (plain,
//! STARTTLS or TLS, with credentials, as the URL says) or, when no server is configured, writes
//! each message as a file in a directory, so that a fresh installation loses no mail and leaks
//! no link into its log.

#![warn(missing_docs)]

pub mod imap;
pub mod inbound;
pub mod notices;
pub mod quotes;
mod smtp;
pub mod tnef;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use helpdesk_app::App;
use helpdesk_app::inbound::PROCESS_MAIL;
use helpdesk_app::mail::{OutgoingMail, SEND_MAIL};
use helpdesk_app::notify::NOTIFY;
use helpdesk_app::worker::Job;
use helpdesk_app::worker::{JobError, JobHandler, Worker};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::{AsyncFileTransport, AsyncTransport, Tokio1Executor};

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
    Smtp(smtp::SmtpSender),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Delivers `mail.send` jobs: over SMTP, or, without a server, as files in the outbox
/// (`ID.eml`, the message as it would be sent, and `ID.txt`, its text as people read it).
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

impl Mailer {
    /// A mailer that delivers through the SMTP server at `url`: `smtp://host:port` (plain),
    /// `smtp://host:port?tls=required` (STARTTLS), `?tls=opportunistic` (STARTTLS when offered),
    /// `smtps://host:port` (TLS), with `user:password@` for credentials.
    pub fn smtp(url: &str, from: &str) -> Result<Mailer, MailError> {
        let target = smtp::Target::parse(url).map_err(MailError::Url)?;
        let sender = smtp::SmtpSender::new(target, MAIL_CONNECTIONS).map_err(MailError::Url)?;
        Ok(Mailer { from: parse_from(from)?, transport: Transport::Smtp(sender) })
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

    /// The message of `mail`; one that cannot be made (an address that cannot be read) never will.
    fn message(&self, mail: &OutgoingMail, job: &Job) -> Result<Message, JobError> {
        let permanent = JobError::Permanent;
        let to: Mailbox = mail.to.parse().map_err(|e| permanent(format!("bad recipient '{}': {e}", mail.to)))?;
        let domain = self.from.email.domain().to_owned();
        // One Message-ID per job when the mail has none: a retried delivery is recognisably the
        // same message.
        let id = mail.message_id.clone().unwrap_or_else(|| format!("job-{}@{domain}", job.id));
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .message_id(Some(format!("<{id}>")))
            .raw_header(header("Auto-Submitted", if mail.auto_reply { "auto-replied" } else { "auto-generated" }))
            // Our own mark: a message of ours that comes back is recognised as a loop.
            .raw_header(header("X-Loop", self.from.email.as_ref()));
        if let Some(parent) = mail.thread.last() {
            builder = builder.in_reply_to(format!("<{parent}>"));
            let references: Vec<String> = mail.thread.iter().map(|id| format!("<{id}>")).collect();
            builder = builder.references(references.join(" "));
        }
        if let Some(reply_to) = &mail.reply_to {
            let reply_to: Mailbox =
                reply_to.parse().map_err(|e| permanent(format!("bad Reply-To '{reply_to}': {e}")))?;
            builder = builder.reply_to(reply_to);
        }
        let built = match &mail.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(mail.text.clone(), html.clone())),
            None => builder.header(ContentType::TEXT_PLAIN).body(mail.text.clone()),
        };
        built.map_err(|e| permanent(format!("cannot build the message: {e}")))
    }
}

fn parse_from(from: &str) -> Result<Mailbox, MailError> {
    from.parse().map_err(|_| MailError::From(from.to_owned()))
}

/// A header lettre has no type for (`Auto-Submitted` marks messages as sent by a machine, so
/// that auto-responders do not answer them, RFC 3834).
fn header(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned())
}

#[async_trait]
impl JobHandler for Mailer {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let mail: OutgoingMail = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("not a mail job's payload: {e}")))?;
        let message = self.message(&mail, job)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message.envelope(), &message.formatted()).await.map_err(|e| {
                    let words = |e: String| format!("SMTP delivery to {} failed: {e}", mail.to);
                    // A 5xx reply refuses this mail for good; anything else may pass later.
                    match e {
                        JobError::Permanent(e) => JobError::Permanent(words(e)),
                        JobError::Transient(e) => JobError::Transient(words(e)),
                    }
                })?;
            }
            Transport::Files(files, dir) => {
                let id = files.send(message).await.map_err(|e| format!("cannot write the message: {e}"))?;
                // The message as sent is encoded (quoted-printable cuts long links in two); its
                // text beside it is for people to read and copy links from.
                let text = dir.join(format!("{id}.txt"));
                let readable = format!("To: {}\nSubject: {}\n\n{}", mail.to, mail.subject, mail.text);
                // Written aside and renamed, so that whoever watches the outbox never reads a
                // file that is there but not yet written (a test once read one empty).
                let partial = dir.join(format!(".{id}.txt.partial"));
                std::fs::write(&partial, readable)
                    .and_then(|()| std::fs::rename(&partial, &text))
                    .map_err(|e| format!("cannot write {}: {e}", text.display()))?;
                tracing::info!(to = %mail.to, file = %text.display(), "mail written to a file");
            }
        }
        Ok(())
    }

    /// A mail the server accepted is recorded as sent at once: a crash before the record would
    /// send it again.
    fn records_at_once(&self) -> bool {
        true
    }
}

/// How many mails go out at once to an SMTP server, each on a connection of its own (kept open
/// for the next). A mail waits for its server's answers most of its time, so more at once means
/// more a second for little more work. Written to files, mails wait for nothing, and the worker's
/// default leaves the CPU to the requests.
const MAIL_CONNECTIONS: usize = 16;

/// How many due jobs a worker that mails over SMTP claims at a time: several rounds of its
/// connections, so that a batch's claim and record are shared by more mails.
const MAIL_BATCH: i64 = 4 * MAIL_CONNECTIONS as i64;

/// `worker` with the mail handlers: delivering messages with `mailer`, turning `app`'s changes
/// into notifications, and processing inbound messages.
pub fn with_mail_handlers(worker: Worker, app: &App, mailer: Mailer) -> Result<Worker, notices::TemplateError> {
    let shared = Arc::new(app.clone());
    let notifier = notices::Notifier::new(shared.clone())?;
    let worker = match mailer.transport {
        Transport::Smtp(_) => worker.concurrency(MAIL_CONNECTIONS).batch(MAIL_BATCH),
        Transport::Files(..) => worker,
    };
    Ok(worker
        .handle(SEND_MAIL, Arc::new(mailer))
        .handle(NOTIFY, Arc::new(notifier))
        .handle(PROCESS_MAIL, Arc::new(inbound::InboundProcessor::new(shared))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: i64, attempts: i64, mail: &OutgoingMail) -> Job {
        Job {
            id,
            kind: SEND_MAIL.to_owned(),
            payload: serde_json::to_value(mail).unwrap_or_default(),
            attempts,
            last_error: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn message_id(mailer: &Mailer, job: &Job, mail: &OutgoingMail) -> Option<String> {
        let message = mailer.message(mail, job).ok()?;
        let raw = String::from_utf8(message.formatted()).ok()?;
        raw.lines().find(|l| l.starts_with("Message-ID:")).map(str::to_owned)
    }

    #[test]
    fn a_mail_tried_again_is_the_same_message() {
        let dir = std::env::temp_dir().join(format!("helpdesk-mail-test-{}", std::process::id()));
        let mailer = Mailer::files(dir.clone(), "Helpdesk <helpdesk@example.org>").expect("a mailer");
        let plain = OutgoingMail::plain("ann@example.org", "Your password", "The link.");
        let first = message_id(&mailer, &job(7, 1, &plain), &plain).expect("a Message-ID");
        assert_eq!(first, "Message-ID: <job-7@example.org>");
        assert_eq!(message_id(&mailer, &job(7, 3, &plain), &plain), Some(first.clone()), "its third attempt");
        assert_ne!(message_id(&mailer, &job(8, 1, &plain), &plain), Some(first), "another job, another message");
        let notice = OutgoingMail { message_id: Some("ticket-4.reply-9@example.org".into()), ..plain };
        assert_eq!(
            message_id(&mailer, &job(9, 2, &notice), &notice).as_deref(),
            Some("Message-ID: <ticket-4.reply-9@example.org>"),
            "a notice keeps the id its notification gave it"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
