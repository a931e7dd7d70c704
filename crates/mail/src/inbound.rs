//! Inbound mail: a raw RFC 5322 message into the parts Helpdesk keeps (sender, subject,
//! thread, what the sender wrote, attachments, and the headers that betray a machine).
//! mail-parser does the MIME work: every charset and transfer encoding, RFC 2047 headers,
//! RFC 2231 file names; this module decides what of it matters.

use std::sync::Arc;

use async_trait::async_trait;
use helpdesk_app::App;
use helpdesk_app::inbound::ProcessMail;
use helpdesk_app::worker::Job;
use helpdesk_app::worker::{JobError, JobHandler};
use helpdesk_domain::attachment::NewUpload;
use helpdesk_domain::mail::{AutoSignals, ParsedMail, trim_quoted};
use helpdesk_domain::policy::Actor;
use mail_parser::decoders::html::html_to_text;
use mail_parser::{Address, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};

use crate::quotes::{split_quotes, without_quotes};
use crate::tnef;

/// Why a message could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Parses a raw message; an error only when nothing usable can be read (no sender, no headers).
pub fn parse(raw: &[u8]) -> Result<ParsedMail, ParseError> {
    // mail-parser 0.11 asserts on some broken multiparts in debug builds (found by fuzzing:
    // fuzz/regressions/); a message must never take its reader down.
    let parsed = std::panic::catch_unwind(|| MessageParser::default().parse(raw))
        .map_err(|_| ParseError("the message's MIME structure cannot be read".into()))?;
    let message = parsed.ok_or_else(|| ParseError("this is not an e-mail message: no header could be read".into()))?;
    let (from, from_name) = sender(&message)
        .ok_or_else(|| ParseError("the message names no sender (no From, Sender or Return-Path address)".into()))?;
    let (original_text, text) = body_text(&message);
    Ok(ParsedMail {
        message_id: message.message_id().map(|id| id.trim().to_owned()).filter(|id| !id.is_empty()),
        from,
        from_name,
        recipients: recipients(&message),
        envelope: envelope(&message),
        subject: message.subject().map(|s| s.trim().to_owned()).unwrap_or_default(),
        thread: thread(&message),
        text,
        original_text,
        uploads: uploads(&message),
        signals: signals(&message),
    })
}

/// The sender: From, else Sender, else the envelope's Return-Path.
fn sender(message: &Message<'_>) -> Option<(String, String)> {
    let named = [message.from(), message.sender()].into_iter().flatten().find_map(|address| {
        let first = address.first()?;
        let email = first.address().filter(|a| a.contains('@'))?;
        Some((email.trim().to_lowercase(), first.name().unwrap_or_default().trim().to_owned()))
    });
    named.or_else(|| {
        let path = message.return_address()?.trim();
        path.contains('@').then(|| (path.to_lowercase(), String::new()))
    })
}

fn recipients(message: &Message<'_>) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for address in [message.to(), message.cc()].into_iter().flatten() {
        push_addresses(&mut all, address);
    }
    all
}

/// The envelope's recipients as the delivering servers wrote them: `X-Original-To` (the address
/// as sent, before aliases were expanded), then `Delivered-To` (the newest first).
fn envelope(message: &Message<'_>) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for name in ["X-Original-To", "Delivered-To"] {
        let values = message.headers_raw().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v);
        for value in values {
            let address = value.trim().trim_matches(['<', '>']).trim().to_lowercase();
            if address.contains('@') && !address.contains(char::is_whitespace) && !all.contains(&address) {
                all.push(address);
            }
        }
    }
    all
}

fn push_addresses(all: &mut Vec<String>, address: &Address<'_>) {
    for addr in address.iter() {
        if let Some(email) = addr.address() {
            let email = email.trim().to_lowercase();
            if !all.contains(&email) {
                all.push(email);
            }
        }
    }
}

/// In-Reply-To then References, oldest first, each once.
fn thread(message: &Message<'_>) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for value in [message.references(), message.in_reply_to()] {
        for id in ids_of(value) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

fn ids_of(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![id.trim().to_owned()],
        HeaderValue::TextList(ids) => ids.iter().map(|id| id.trim().to_owned()).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|id| !id.is_empty())
    .collect()
}

/// The whole text, and what the sender wrote in it (quoted history trimmed). The text is the
/// text part when there is one (a multipart/alternative's HTML twin is left aside), else the HTML
/// part turned into plain text, which drops scripts, styles and every tag: nothing of the
/// sender's markup reaches a page. A text part with a file name is a file. An HTML part's quote
/// is found by its structure (see [`crate::quotes`]); so is a text part's, from its HTML twin,
/// when its words showed none.
fn body_text(message: &Message<'_>) -> (String, String) {
    let (mut whole, mut written): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for part in message.text_bodies() {
        if is_named_file(message, part) {
            continue;
        }
        match &part.body {
            PartType::Text(text) if !is_calendar(part) => {
                whole.push(text.replace("\r\n", "\n"));
                written.push(text.replace("\r\n", "\n"));
            }
            PartType::Html(html) => {
                let (all, kept) = split_quotes(html);
                let all = html_to_text(&all);
                written.push(kept.map(|h| html_to_text(&h)).unwrap_or_else(|| all.clone()));
                whole.push(all);
            }
            _ => {}
        }
    }
    let text = whole.join("\n\n").trim().to_owned();
    if text.is_empty()
        && let Some(broken) = broken_multipart(message)
    {
        // A multipart whose boundary never appears: its body is all there is to read.
        let text = String::from_utf8_lossy(broken.contents()).replace("\r\n", "\n").trim().to_owned();
        return (text.clone(), trim_quoted(&text));
    }
    let mut trimmed = trim_quoted(&written.join("\n\n"));
    if trimmed == text
        && let Some(from_html) = html_twin_without_quotes(message)
    {
        trimmed = from_html;
    }
    (text, trimmed)
}

/// What the sender wrote, read from the HTML twin of the text part, when its structure shows a
/// quote.
fn html_twin_without_quotes(message: &Message<'_>) -> Option<String> {
    message.html_bodies().find_map(|part| match &part.body {
        PartType::Html(html) => {
            let written = trim_quoted(&html_to_text(&without_quotes(html)?));
            (!written.is_empty()).then_some(written)
        }
        _ => None,
    })
}

/// A text part sent as a file (`Content-Disposition` with a file name), other than the
/// message's only part.
fn is_named_file(message: &Message<'_>, part: &MessagePart<'_>) -> bool {
    !std::ptr::eq(part, message.root_part()) && part.attachment_name().is_some_and(|n| !n.trim().is_empty())
}

/// The part of a multipart message that mail-parser could not split (its boundary never
/// appears), if that is what it is.
fn broken_multipart<'a>(message: &'a Message<'_>) -> Option<&'a MessagePart<'a>> {
    message.attachments().find(|p| p.content_type().is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("multipart")))
}

fn is_calendar(part: &MessagePart<'_>) -> bool {
    part.is_content_type("text", "calendar")
}

/// The attached files, inline images included; a forwarded message as a `.eml` file; the files
/// inside a TNEF `winmail.dat`. The signature of a signed message is not a file anyone attached.
fn uploads(message: &Message<'_>) -> Vec<NewUpload> {
    let mut files = Vec::new();
    let named_texts =
        message.text_bodies().filter(|p| matches!(p.body, PartType::Text(_)) && is_named_file(message, p));
    let broken = broken_multipart(message).map(|p| p as *const MessagePart<'_>);
    let parts = message.attachments().filter(|p| Some(*p as *const MessagePart<'_>) != broken);
    for (i, part) in named_texts.chain(parts).enumerate() {
        let content_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_owned(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_lowercase();
        if content_type.ends_with("pkcs7-signature") || content_type == "application/pgp-signature" {
            continue;
        }
        let (filename, bytes) = match &part.body {
            PartType::Message(inner) => {
                let name = inner.subject().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("forwarded message");
                (format!("{}.eml", file_safe(name)), inner.raw_message().to_vec())
            }
            _ => {
                let name = part.attachment_name().map(str::trim).filter(|n| !n.is_empty());
                let name = name.map(str::to_owned).unwrap_or_else(|| default_name(i + 1, &content_type));
                (name, part.contents().to_vec())
            }
        };
        // Outlook's winmail.dat: the files inside it are what was attached (itself, when it
        // cannot be read).
        if tnef::is_tnef(&content_type, &filename)
            && let Some(inside) = tnef::files(&bytes).filter(|inside| !inside.is_empty())
        {
            files.extend(inside);
            continue;
        }
        files.push(NewUpload { filename, content_type, bytes });
    }
    files
}

fn default_name(n: usize, content_type: &str) -> String {
    let extension = match content_type {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "application/pdf" => "pdf",
        "text/plain" => "txt",
        "text/calendar" => "ics",
        _ => "bin",
    };
    format!("attachment-{n}.{extension}")
}

fn file_safe(name: &str) -> String {
    name.chars().map(|c| if c.is_alphanumeric() || " -_.,()".contains(c) { c } else { '_' }).take(100).collect()
}

fn signals(message: &Message<'_>) -> AutoSignals {
    let text = |name: &str| -> Option<String> {
        message.header_raw(name).map(|v| v.trim().to_lowercase()).filter(|v| !v.is_empty())
    };
    let x_loop = message
        .headers_raw()
        .filter(|(name, _)| name.eq_ignore_ascii_case("X-Loop"))
        .map(|(_, value)| value.trim().to_lowercase())
        .collect();
    let null_return_path =
        message.header_raw("Return-Path").is_some_and(|v| v.trim().trim_matches(|c| c == '<' || c == '>').is_empty());
    let report = message.root_part().is_content_type("multipart", "report");
    let autoreply_header = text("X-Autoreply").is_some()
        || text("X-Autorespond").is_some()
        || text("X-Autogenerated").is_some_and(|v| v == "reply")
        || text("X-Auto-Response-Suppress")
            .is_some_and(|v| v.contains("oof") && message.header_raw("Thread-Topic").is_none());
    AutoSignals {
        auto_submitted: text("Auto-Submitted"),
        precedence: text("Precedence"),
        x_loop,
        null_return_path,
        report,
        autoreply_header,
        list: text("List-Id").is_some() || text("List-Post").is_some(),
        list_id: message.header_raw("List-Id").map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()),
    }
}

/// The worker's handler for `mail.inbound` jobs: reads the kept message, parses it, and hands
/// it to the app; a message that cannot be read is marked failed for an admin, not retried.
pub struct InboundProcessor {
    app: Arc<App>,
}

impl InboundProcessor {
    /// A processor delivering into `app`.
    pub fn new(app: Arc<App>) -> InboundProcessor {
        InboundProcessor { app }
    }
}

#[async_trait]
impl JobHandler for InboundProcessor {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let ProcessMail { inbound } = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("not an inbound job's payload: {e}")))?;
        let (kept, raw) = self.app.inbound_message(&Actor::system(), inbound).await.map_err(|e| e.to_string())?;
        let outcome = match parse(&raw) {
            Ok(mail) => {
                let mail = mail.delivered_to(kept.recipient.as_deref());
                self.app.deliver_mail(inbound, mail).await.map(|status| status.to_string())
            }
            Err(e) => self.app.inbound_unreadable(inbound, e.0).await.map(|()| "failed".to_owned()),
        };
        let status = outcome.map_err(|e| e.to_string())?;
        tracing::info!(inbound, %status, "inbound message processed");
        Ok(())
    }

    /// Messages are stored as they arrived: a reply before the one after it, and new tickets
    /// numbered in their order.
    fn in_order(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_message_is_read_whole() {
        let raw = b"From: Jane Doe <Jane@Example.org>\r\nTo: help@hd.example, Unit <unit@hd.example>\r\n\
Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <abc@mua>\r\nIn-Reply-To: <x@y>\r\n\r\nHello\r\n\r\n> old\r\n";
        let mail = parse(raw).expect("parses");
        assert_eq!(mail.from, "jane@example.org");
        assert_eq!(mail.from_name, "Jane Doe");
        assert_eq!(mail.recipients, vec!["help@hd.example", "unit@hd.example"]);
        assert!(mail.envelope.is_empty());
        assert_eq!(mail.subject, "Grüße");
        assert_eq!(mail.message_id.as_deref(), Some("abc@mua"));
        assert_eq!(mail.thread, vec!["x@y"]);
        assert_eq!(mail.text, "Hello");
        assert!(mail.original_text.contains("> old"));
    }

    #[test]
    fn the_envelope_recipient_is_read_from_what_the_servers_wrote() {
        let raw = b"Delivered-To: helpdesk+storage@hd.example\r\nX-Original-To: Storage@HD.example\r\n\
Delivered-To: jane@old.example\r\nFrom: jane@example.org\r\nTo: someone@example.org\r\nSubject: Bcc\r\n\r\nHi\r\n";
        let mail = parse(raw).expect("parses");
        assert_eq!(mail.recipients, vec!["someone@example.org"], "a Bcc is not among To and Cc");
        assert_eq!(mail.envelope, vec!["storage@hd.example", "helpdesk+storage@hd.example", "jane@old.example"]);
        let given = mail.delivered_to(Some(" Helpdesk+Storage@hd.example "));
        assert_eq!(given.envelope, vec!["helpdesk+storage@hd.example", "storage@hd.example", "jane@old.example"]);
    }

    #[test]
    fn garbage_is_refused_without_a_panic() {
        let fuzzed = include_bytes!("../../../fuzz/regressions/mail-parser-invalid-part-id.eml");
        let nested = include_bytes!("../../../fuzz/regressions/mail-parser-nested-message-part-id.eml");
        for raw in [&b""[..], b"\x00\x01\x02", b"no headers here", b"Subject: no sender\r\n\r\nbody", fuzzed] {
            assert!(parse(raw).is_err(), "{raw:?}");
        }
        // A sender is there; whatever mail-parser makes of the rest, it does not panic.
        let _ = parse(nested);
    }
}
