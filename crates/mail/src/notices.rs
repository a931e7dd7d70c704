//! Notices into messages: the subject with the ticket's tag, text and HTML bodies from the
//! templates (HTML escaped), and the headers that keep a ticket's mail in one thread and bring
//! answers back to it.

use std::sync::Arc;

use async_trait::async_trait;
use helpdesk_app::App;
use helpdesk_app::mail::{MailIdentity, OutgoingMail};
use helpdesk_app::notify::{Event, Notice};
use helpdesk_app::worker::Job;
use helpdesk_app::worker::{JobError, JobHandler};
use helpdesk_domain::mail::{notification_id, subject_tag, thread_root};
use minijinja::{Environment, context};

/// A template that cannot be read or rendered: a fault of this build, which trying again will
/// not mend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(String);

/// Renders notices with the templates compiled into the binary.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The built-in templates.
    pub fn new() -> Result<Templates, TemplateError> {
        let mut env = Environment::new();
        // Escape HTML in the .html template only; text stays as written.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") { minijinja::AutoEscape::Html } else { minijinja::AutoEscape::None }
        });
        env.set_keep_trailing_newline(true);
        env.add_template("notice.txt", include_str!("../templates/notice.txt"))
            .map_err(|e| TemplateError(format!("the notice.txt template: {e}")))?;
        env.add_template("notice.html", include_str!("../templates/notice.html"))
            .map_err(|e| TemplateError(format!("the notice.html template: {e}")))?;
        Ok(Templates { env })
    }

    /// The message for one notice.
    pub fn render(&self, notice: &Notice, identity: &MailIdentity) -> Result<OutgoingMail, TemplateError> {
        let subject = subject_of(notice, &identity.tag);
        let ctx = context! { subject => &subject, ..minijinja::Value::from_serialize(notice) };
        let rendered = |name: &str| {
            self.env.get_template(name).and_then(|t| t.render(&ctx)).map_err(|e| TemplateError(format!("{name}: {e}")))
        };
        let (text, html) = (rendered("notice.txt")?, rendered("notice.html")?);
        let domain = identity.domain();
        let (message_id, thread) = match &notice.ticket {
            Some(ticket) => {
                (Some(notification_id(ticket.id, &notice.key, domain)), vec![thread_root(ticket.id, domain)])
            }
            None => (None, Vec::new()),
        };
        Ok(OutgoingMail {
            to: notice.to.clone(),
            subject,
            text,
            html: Some(html),
            message_id,
            thread,
            reply_to: notice.may_reply.then(|| notice.reply_to.clone().unwrap_or_else(|| identity.address.clone())),
            auto_reply: false,
        })
    }
}

/// The subject: the ticket's tag and title, and what happened.
fn subject_of(notice: &Notice, tag: &str) -> String {
    let Some(ticket) = &notice.ticket else {
        return match &notice.event {
            Event::JoinRequest { .. } => format!("{} asks to join {}", notice.by_name, notice.unit_name),
            _ => "Helpdesk".to_owned(),
        };
    };
    // A team's ticket and an alarm say so first: GGUS's "TEAM" and "ALARM" mail.
    let mark = ticket.kind.subject_mark().map(|m| format!("{m} ")).unwrap_or_default();
    let tagged = format!("{mark}{} {}", subject_tag(tag, ticket.id), ticket.title);
    match &notice.event {
        Event::Opened { .. } => tagged,
        Event::Alarm { .. } => format!("{tagged} (raised to an alarm)"),
        Event::Assigned { owner: Some(_), .. } => format!("{tagged} (assigned to you)"),
        Event::Assigned { .. } => format!("{tagged} (assigned to {})", notice.unit_name),
        Event::Reply { .. } if notice.article.as_ref().is_some_and(|a| a.internal) => {
            format!("Re: {tagged} (internal note)")
        }
        Event::Reply { .. } => format!("Re: {tagged}"),
        Event::StatusChanged { to, .. } => format!("{tagged} ({to})"),
        Event::Reopened { .. } => format!("{tagged} (reopened)"),
        Event::WaitingReminder { .. } => format!("{tagged} (waiting for your reply)"),
        Event::ReminderDate { .. } => format!("{tagged} (reminder)"),
        Event::SlaWarning { clock, .. } => format!("{tagged} ({} due soon)", clock_name(*clock)),
        Event::SlaBreached { clock, .. } => format!("{tagged} ({} overdue)", clock_name(*clock)),
        Event::Escalated { step, .. } => format!("{tagged} (escalated, step {step})"),
        Event::JoinRequest { .. } => tagged,
    }
}

/// A clock as a subject names it.
fn clock_name(clock: helpdesk_domain::clock::ClockKind) -> &'static str {
    match clock {
        helpdesk_domain::clock::ClockKind::Response => "first response",
        helpdesk_domain::clock::ClockKind::Resolution => "resolution",
    }
}

/// The worker's handler for `mail.notify` jobs: one message per recipient, queued with the
/// job's end.
pub struct Notifier {
    app: Arc<App>,
    templates: Templates,
}

impl Notifier {
    /// A notifier for `app`'s notices.
    pub fn new(app: Arc<App>) -> Result<Notifier, TemplateError> {
        Ok(Notifier { app, templates: Templates::new()? })
    }
}

#[async_trait]
impl JobHandler for Notifier {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let notices = self.app.notices(job).await.map_err(|e| e.to_string())?;
        let identity = self.app.mail_identity();
        let mails = notices.iter().map(|n| self.templates.render(n, identity)).collect::<Result<Vec<_>, _>>();
        let mails = mails.map_err(|e| JobError::Permanent(e.to_string()))?;
        Ok(self.app.queue_notices(job.id, mails).await.map_err(|e| e.to_string())?)
    }
}
