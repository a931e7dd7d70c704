//! The rules of the e-mail channel: how a message finds its ticket (the subject's tag, the
//! thread's Message-IDs), which messages are machines talking to machines and must never be
//! answered, and how a reply's quoted history is told from what was written.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::attachment::NewUpload;
use crate::{TicketId, named_enum};

/// What became of an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboundStatus {
    /// Stored, not processed yet.
    Received,
    /// It opened a ticket.
    TicketOpened,
    /// It became an article on a ticket.
    ArticleAdded,
    /// Its sender may not do what it asked; they were told why (unless it was automatic).
    Refused,
    /// An auto-reply, a bounce or a loop: kept, never answered.
    Ignored,
    /// A copy of a message already delivered (same Message-ID).
    Duplicate,
    /// It could not be processed; an admin can look at it and process it again.
    Failed,
}

named_enum!(InboundStatus {
    Received => "received",
    TicketOpened => "ticket_opened",
    ArticleAdded => "article_added",
    Refused => "refused",
    Ignored => "ignored",
    Duplicate => "duplicate",
    Failed => "failed",
});

/// An inbound message as kept: what arrived, when, and what became of it (the raw bytes are
/// read separately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InboundMessage {
    /// Its id.
    pub id: i64,
    /// When it arrived.
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// What became of it.
    pub status: InboundStatus,
    /// Its Message-ID, once read.
    pub message_id: Option<String>,
    /// Its sender's address, once read.
    pub sender: Option<String>,
    /// Its subject, once read.
    pub subject: Option<String>,
    /// The ticket it opened or was added to.
    pub ticket: Option<TicketId>,
    /// Why it was refused, ignored or failed.
    pub detail: Option<String>,
    /// When it was last processed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub processed_at: Option<OffsetDateTime>,
    /// Its size in bytes.
    pub size: i64,
    /// The envelope's recipient the mail gateway gave with it, if any.
    #[serde(default)]
    #[schema(required = true)]
    pub recipient: Option<String>,
}

/// What processing made of an inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundOutcome {
    /// What became of it.
    pub status: InboundStatus,
    /// Its Message-ID.
    pub message_id: Option<String>,
    /// Its sender's address.
    pub sender: Option<String>,
    /// Its subject.
    pub subject: Option<String>,
    /// The ticket it opened or was added to.
    pub ticket: Option<TicketId>,
    /// Why it was refused, ignored or failed.
    pub detail: Option<String>,
    /// When.
    pub at: OffsetDateTime,
}

/// An inbound message, parsed: what the rules need, nothing of the wire format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedMail {
    /// The Message-ID, without angle brackets; none when the message has none.
    pub message_id: Option<String>,
    /// The sender's address, lower-case.
    pub from: String,
    /// The sender's display name (may be empty).
    pub from_name: String,
    /// Every address in To and Cc, lower-case.
    pub recipients: Vec<String>,
    /// The envelope's recipients, lower-case, the surest first: the one the mail gateway was
    /// given, then those the delivering servers wrote (`X-Original-To`, `Delivered-To`). A Bcc
    /// shows only here.
    pub envelope: Vec<String>,
    /// The subject, decoded.
    pub subject: String,
    /// In-Reply-To and References, without angle brackets, newest last.
    pub thread: Vec<String>,
    /// What the sender wrote, quoted history trimmed.
    pub text: String,
    /// The whole text as received (quotes kept).
    pub original_text: String,
    /// The attached files, inline images included.
    pub uploads: Vec<NewUpload>,
    /// The headers that tell a machine's message from a person's.
    pub signals: AutoSignals,
}

impl ParsedMail {
    /// Every address it was sent to: To and Cc, then the envelope's.
    pub fn addresses(&self) -> Vec<String> {
        self.recipients.iter().chain(&self.envelope).cloned().collect()
    }

    /// The same message, delivered to `recipient` as its envelope says (it goes first).
    pub fn delivered_to(mut self, recipient: Option<&str>) -> ParsedMail {
        if let Some(recipient) = recipient.map(|r| r.trim().to_lowercase()).filter(|r| !r.is_empty()) {
            self.envelope.retain(|e| *e != recipient);
            self.envelope.insert(0, recipient);
        }
        self
    }
}

/// The headers that say a message was sent by a machine, or came through a mailing list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AutoSignals {
    /// `Auto-Submitted`, lower-case, when present.
    pub auto_submitted: Option<String>,
    /// `Precedence`, lower-case, when present.
    pub precedence: Option<String>,
    /// Every `X-Loop` value, lower-case.
    pub x_loop: Vec<String>,
    /// `Return-Path: <>`: a delivery status notification.
    pub null_return_path: bool,
    /// `multipart/report` (a bounce or a read receipt).
    pub report: bool,
    /// `X-Autoreply`, `X-Autorespond` or Microsoft's `X-Auto-Response-Suppress: All`/`OOF` style markers.
    pub autoreply_header: bool,
    /// `List-Id` or `List-Post`: it came through a mailing list.
    pub list: bool,
    /// The `List-Id`, when present (to name the list in a reason).
    pub list_id: Option<String>,
}

/// How an inbound message is to be treated before anything else is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handling {
    /// A person's message: process it, and answer it when need be.
    Person,
    /// A person's message that came through a list: process it, but never send anything back
    /// to its sender automatically (the list would loop it).
    NoAnswers,
    /// A machine's message (auto-reply, bounce, loop): keep it, never answer it, do nothing.
    Ignore(String),
}

/// Decides how a message is handled from its signals; `our_addresses` are every address
/// Helpdesk owns (its own, and those of the units whose mail comes to it): a message carrying one
/// of them in `X-Loop`, or sent from one, has been here before.
pub fn handling(signals: &AutoSignals, from: &str, our_addresses: &[String]) -> Handling {
    let ours = |address: &str| our_addresses.iter().any(|a| reaches(address, a));
    if let Some(loop_mark) =
        signals.x_loop.iter().find(|l| mark_addresses(std::slice::from_ref(*l)).iter().any(|m| ours(m)))
    {
        return Handling::Ignore(format!("a mail loop: it carries our own X-Loop mark ({loop_mark})"));
    }
    if ours(from) {
        return Handling::Ignore("a mail loop: it is from Helpdesk's own address".into());
    }
    if signals.null_return_path || signals.report || is_mailer_daemon(from) {
        return Handling::Ignore("a bounce or delivery report".into());
    }
    if let Some(auto) = signals.auto_submitted.as_deref().filter(|a| !a.starts_with("no")) {
        return Handling::Ignore(format!("sent automatically (Auto-Submitted: {auto})"));
    }
    if signals.autoreply_header {
        return Handling::Ignore("an automatic reply".into());
    }
    match signals.precedence.as_deref() {
        Some(p @ ("bulk" | "junk" | "auto_reply")) => Handling::Ignore(format!("bulk mail (Precedence: {p})")),
        Some("list") => Handling::NoAnswers,
        _ if signals.list => Handling::NoAnswers,
        _ => Handling::Person,
    }
}

/// Whether mail to `address` reaches the mailbox `own`: the same address, or one of its
/// `+detail` sub-addresses (`helpdesk+42.x@hd.example` reaches `helpdesk@hd.example`), in any case.
pub fn reaches(address: &str, own: &str) -> bool {
    let (Some((local, domain)), Some((own_local, own_domain))) = (address.rsplit_once('@'), own.rsplit_once('@'))
    else {
        return false;
    };
    let base = local.split_once('+').map_or(local, |(base, _)| base);
    domain.eq_ignore_ascii_case(own_domain)
        && (local.eq_ignore_ascii_case(own_local) || base.eq_ignore_ascii_case(own_local))
}

/// The addresses that `X-Loop` marks name (`helpdesk@hd.example`, `Helpdesk <helpdesk@hd.example>`),
/// lower-case.
pub fn mark_addresses(marks: &[String]) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for word in marks.iter().flat_map(|m| m.split([' ', ',', ';'])) {
        let address = word.trim_matches(|c: char| "<>\"'()".contains(c)).to_lowercase();
        if address.contains('@') && !all.contains(&address) {
            all.push(address);
        }
    }
    all
}

fn is_mailer_daemon(from: &str) -> bool {
    let local = from.split('@').next().unwrap_or_default();
    matches!(local, "mailer-daemon" | "postmaster")
}

/// The tag that marks a ticket's messages in their subject: `[Helpdesk #1234]`.
pub fn subject_tag(tag: &str, ticket: TicketId) -> String {
    format!("[{tag} #{ticket}]")
}

/// The ticket a subject's tag names (`[Helpdesk #1234]`, the tag in any case), if any.
pub fn ticket_in_subject(subject: &str, tag: &str) -> Option<TicketId> {
    let lower = subject.to_lowercase();
    let marker = format!("[{} #", tag.to_lowercase());
    let mut rest = lower.as_str();
    while let Some(at) = rest.find(&marker) {
        let after = &rest[at + marker.len()..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && after[digits.len()..].starts_with(']') {
            return digits.parse().ok();
        }
        rest = after;
    }
    None
}

/// Ticket `ticket`'s reply address under Helpdesk's `own` address, carrying `secret`:
/// `helpdesk+42.3f9a0c1b@hd.example`.
pub fn reply_address(own: &str, ticket: TicketId, secret: &str) -> String {
    match own.rsplit_once('@') {
        Some((local, domain)) => format!("{local}+{ticket}.{secret}@{domain}"),
        None => own.to_owned(),
    }
}

/// The ticket and secret of the first reply address under `own` among `addresses`.
pub fn ticket_in_reply_address<'a>(addresses: &'a [String], own: &str) -> Option<(TicketId, &'a str)> {
    let (own_local, own_domain) = own.rsplit_once('@')?;
    addresses.iter().find_map(|address| {
        let (local, domain) = address.rsplit_once('@')?;
        let (base, detail) = local.split_once('+')?;
        if !base.eq_ignore_ascii_case(own_local) || !domain.eq_ignore_ascii_case(own_domain) {
            return None;
        }
        let (ticket, secret) = detail.split_once('.')?;
        Some((ticket.parse().ok()?, secret))
    })
}

/// The Message-ID every message about a ticket refers to, as the root of its thread.
pub fn thread_root(ticket: TicketId, domain: &str) -> String {
    format!("ticket-{ticket}@{domain}")
}

/// A Message-ID of one notification about a ticket: the root's, with the notification's key.
pub fn notification_id(ticket: TicketId, key: &str, domain: &str) -> String {
    format!("ticket-{ticket}.{key}@{domain}")
}

/// The ticket that one of our own Message-IDs in a thread belongs to (the newest first).
pub fn ticket_in_thread(thread: &[String], domain: &str) -> Option<TicketId> {
    thread.iter().rev().find_map(|id| {
        let (local, host) = id.rsplit_once('@')?;
        if !host.eq_ignore_ascii_case(domain) {
            return None;
        }
        let number = local.strip_prefix("ticket-")?;
        let digits = number.split('.').next()?;
        digits.parse().ok()
    })
}

/// What the sender wrote: the text without the quoted history that mail programs add below,
/// above or between the lines of a reply: `>` lines and the "On … wrote:" line that introduces
/// them (in English, German, French, Spanish, Italian, Dutch and Portuguese), wherever they stand
/// (a bottom-posted reply keeps what follows the quote); Outlook's "-----Original Message-----"
/// and "From: … Sent: …" blocks (in the same languages) and everything after them; and the
/// signature's `-- ` separator. What is left, trimmed; the whole text when nothing would be left.
pub fn trim_quoted(text: &str) -> String {
    // French puts a (narrow) no-break space before a colon: the rules read plain spaces, and
    // what is kept is the text as written.
    let normal = text.replace(['\u{a0}', '\u{202f}'], " ");
    let lines: Vec<&str> = normal.lines().collect();
    let written: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = written.get(i).copied().unwrap_or(lines[i]);
        let t = line.trim();
        if t == "-- " || line.trim_end() == "--" || starts_history(&lines, i) {
            break;
        }
        if let Some(length) = attribution(&lines, i) {
            i += length;
            continue;
        }
        if !t.starts_with('>') {
            kept.push(line.trim_end());
        }
        i += 1;
    }
    let trimmed = kept.join("\n").trim().to_owned();
    if trimmed.is_empty() { text.trim().to_owned() } else { trimmed }
}

/// Outlook's separators above a quoted message, by language.
const ORIGINAL_MESSAGE: &[&str] = &[
    "-----Original Message-----",
    "-----Ursprüngliche Nachricht-----",
    "-----Message d'origine-----",
    "-----Mensaje original-----",
    "-----Messaggio originale-----",
    "-----Oorspronkelijk bericht-----",
    "-----Mensagem original-----",
];

/// The first line of Outlook's header block above a quoted message ("From:"), by language.
const FROM_LABELS: &[&str] = &["from", "von", "de", "da", "van"];

/// The line that follows it within two lines ("Sent:" or "Date:"), by language.
const SENT_LABELS: &[&str] = &[
    "sent",
    "date",
    "gesendet",
    "datum",
    "envoyé",
    "enviado el",
    "enviado",
    "enviada",
    "fecha",
    "inviato",
    "data",
    "verzonden",
];

/// The label of a header line (`Von: …`, `De : …`), lower-case.
fn label(line: &str) -> Option<String> {
    let (label, _) = line.trim().split_once(':')?;
    let label = label.trim().trim_matches('*').trim();
    (!label.is_empty() && label.chars().count() <= 12).then(|| label.to_lowercase())
}

/// Whether line `i` starts Outlook's quoted history: everything from there on is history.
fn starts_history(lines: &[&str], i: usize) -> bool {
    let t = lines[i].trim();
    if ORIGINAL_MESSAGE.iter().any(|m| t.starts_with(m)) || t.starts_with("________________________________") {
        return true;
    }
    // "From: …" followed within two lines by "Sent: …" (or "Date: …").
    if label(t).is_some_and(|l| FROM_LABELS.contains(&l.as_str())) {
        let next = lines.iter().skip(i + 1).take(2).filter_map(|l| label(l));
        return next.into_iter().any(|l| SENT_LABELS.contains(&l.as_str()));
    }
    false
}

/// How the line that introduces a `>` quote opens, and the verb it holds before its closing
/// colon, by language: "On … wrote:", "Am … schrieb …:", "Le … a écrit :", "El … escribió:",
/// "Il … ha scritto:", "Op … schreef …:", "Em … escreveu:".
const ATTRIBUTION_OPENS: &[&str] = &["On ", "Am ", "Le ", "El ", "Il ", "Op ", "Em "];
const ATTRIBUTION_VERBS: &[&str] = &["wrote", "schrieb", "a écrit", "escribió", "ha scritto", "schreef", "escreveu"];

/// The number of lines (1 or 2) of the line that introduces a `>` quote starting at line `i`,
/// if one does.
fn attribution(lines: &[&str], i: usize) -> Option<usize> {
    let t = lines[i].trim();
    if !ATTRIBUTION_OPENS.iter().any(|o| t.starts_with(o)) {
        return None;
    }
    // Possibly wrapped over two lines.
    let (joined, length) = match lines.get(i + 1) {
        Some(next) if !t.ends_with(':') => (format!("{t} {}", next.trim()), 2),
        _ => (t.to_owned(), 1),
    };
    let ends = joined.ends_with(':') && ATTRIBUTION_VERBS.iter().any(|v| joined.contains(v));
    let quote_follows =
        lines.iter().skip(i + length).find(|l| !l.trim().is_empty()).is_some_and(|l| l.trim_start().starts_with('>'));
    (ends && quote_follows).then_some(length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_their_ticket_by_tag() {
        let table = [
            ("[Helpdesk #1234] Printer on fire", Some(1234)),
            ("Re: [Helpdesk #7] x", Some(7)),
            ("AW: RE: [helpdesk #42]", Some(42)),
            ("[Helpdesk #] nothing", None),
            ("[Helpdesk #12a] not a number", None),
            ("[Other #5] another system", None),
            ("no tag at all", None),
            ("[Helpdesk #x] [Helpdesk #9] second one", Some(9)),
        ];
        for (subject, expected) in table {
            assert_eq!(ticket_in_subject(subject, "Helpdesk"), expected.map(TicketId), "{subject}");
        }
        assert_eq!(ticket_in_subject(&subject_tag("Helpdesk", TicketId(55)), "Helpdesk"), Some(TicketId(55)));
    }

    #[test]
    fn threads_name_their_ticket_by_our_message_ids() {
        let table: [(&[&str], Option<TicketId>); 5] = [
            (&["ticket-12@hd.example"], Some(TicketId(12))),
            (&["ticket-12.job-5@hd.example"], Some(TicketId(12))),
            (&["ticket-12@hd.example", "abc@mua", "ticket-13.x@HD.example"], Some(TicketId(13))),
            (&["ticket-12@elsewhere.example"], None),
            (&["ticket-x@hd.example", "other@hd.example"], None),
        ];
        for (thread, expected) in table {
            let thread: Vec<String> = thread.iter().map(|s| s.to_string()).collect();
            assert_eq!(ticket_in_thread(&thread, "hd.example"), expected, "{thread:?}");
        }
        assert_eq!(ticket_in_thread(&[notification_id(TicketId(9), "a1", "d.org")], "d.org"), Some(TicketId(9)));
        assert_eq!(ticket_in_thread(&[thread_root(TicketId(9), "d.org")], "d.org"), Some(TicketId(9)));
    }

    #[test]
    fn reply_addresses_name_their_ticket_and_carry_a_secret() {
        let own = "helpdesk@hd.example";
        let address = reply_address(own, TicketId(42), "3f9a0c");
        assert_eq!(address, "helpdesk+42.3f9a0c@hd.example");
        type Row<'a> = (&'a [&'a str], Option<(TicketId, &'a str)>);
        let table: [Row<'_>; 6] = [
            (&["helpdesk+42.3f9a0c@hd.example"], Some((TicketId(42), "3f9a0c"))),
            (&["list@lists.example", "HelpDesk+7.ab@HD.example"], Some((TicketId(7), "ab"))),
            (&["helpdesk+42@hd.example"], None),
            (&["helpdesk+x.ab@hd.example"], None),
            (&["helpdesk+42.ab@other.example"], None),
            (&["other+42.ab@hd.example", "helpdesk@hd.example"], None),
        ];
        for (addresses, expected) in table {
            let addresses: Vec<String> = addresses.iter().map(|a| a.to_string()).collect();
            assert_eq!(ticket_in_reply_address(&addresses, own), expected, "{addresses:?}");
        }
    }

    #[test]
    fn machines_are_never_answered() {
        let ours: Vec<String> =
            ["helpdesk@hd.example", "noreply@hd.example", "storage@hd.example"].map(String::from).to_vec();
        let person = AutoSignals::default();
        let with = |f: fn(&mut AutoSignals)| {
            let mut s = AutoSignals::default();
            f(&mut s);
            s
        };
        let table = [
            (person.clone(), "a@b.org", "person"),
            (with(|s| s.auto_submitted = Some("auto-replied".into())), "a@b.org", "ignore"),
            (with(|s| s.auto_submitted = Some("no".into())), "a@b.org", "person"),
            (with(|s| s.precedence = Some("bulk".into())), "a@b.org", "ignore"),
            (with(|s| s.precedence = Some("junk".into())), "a@b.org", "ignore"),
            (with(|s| s.precedence = Some("list".into())), "a@b.org", "no answers"),
            (with(|s| s.list = true), "a@b.org", "no answers"),
            (with(|s| s.x_loop = vec!["helpdesk@hd.example".into()]), "a@b.org", "ignore"),
            (with(|s| s.x_loop = vec!["other@list.org".into()]), "a@b.org", "person"),
            (with(|s| s.null_return_path = true), "a@b.org", "ignore"),
            (with(|s| s.report = true), "a@b.org", "ignore"),
            (with(|s| s.autoreply_header = true), "a@b.org", "ignore"),
            (person.clone(), "mailer-daemon@b.org", "ignore"),
            (person.clone(), "helpdesk@hd.example", "ignore"),
            // Every address Helpdesk owns: its sender (`mail_from`), a unit's, a sub-address.
            (with(|s| s.x_loop = vec!["noreply@hd.example".into()]), "a@b.org", "ignore"),
            (with(|s| s.x_loop = vec!["Storage <storage@hd.example>".into()]), "a@b.org", "ignore"),
            (person.clone(), "noreply@hd.example", "ignore"),
            (person.clone(), "helpdesk+42.abc@hd.example", "ignore"),
            (person.clone(), "storage@hd.example", "ignore"),
            (with(|s| s.x_loop = vec!["storage-list@lists.example".into()]), "a@b.org", "person"),
            (person.clone(), "helpdesk@elsewhere.example", "person"),
        ];
        for (signals, from, expected) in table {
            let got = match handling(&signals, from, &ours) {
                Handling::Person => "person",
                Handling::NoAnswers => "no answers",
                Handling::Ignore(_) => "ignore",
            };
            assert_eq!(got, expected, "{signals:?} from {from}");
        }
    }

    #[test]
    fn addresses_reach_their_mailbox_and_its_sub_addresses() {
        let table = [
            ("helpdesk@hd.example", "helpdesk@hd.example", true),
            ("HelpDesk@HD.example", "helpdesk@hd.example", true),
            ("helpdesk+42.k3x@hd.example", "helpdesk@hd.example", true),
            ("helpdesk+@hd.example", "helpdesk@hd.example", true),
            ("helpdesk@other.example", "helpdesk@hd.example", false),
            ("helpdesk-list@hd.example", "helpdesk@hd.example", false),
            ("other+helpdesk@hd.example", "helpdesk@hd.example", false),
            ("no address", "helpdesk@hd.example", false),
        ];
        for (address, own, expected) in table {
            assert_eq!(reaches(address, own), expected, "{address} / {own}");
        }
        let marks = ["Helpdesk <HelpDesk@hd.example>".to_owned(), "a@b.example, c@d.example".to_owned()];
        assert_eq!(mark_addresses(&marks), vec!["helpdesk@hd.example", "a@b.example", "c@d.example"]);
    }

    #[test]
    fn quoted_history_is_trimmed() {
        let table = [
            ("Thanks, it works.\n\nOn Mon, 2 Nov 2026, Helpdesk <h@x> wrote:\n> old text\n", "Thanks, it works."),
            ("Thanks.\n\nOn Mon, 2 Nov 2026 at 10:00, Helpdesk\n<h@x> wrote:\n> old\n", "Thanks."),
            ("Inline:\n> question?\nanswer.\n", "Inline:\nanswer."),
            ("Sure.\n\n-----Original Message-----\nFrom: Helpdesk\nSent: Monday\nold\n", "Sure."),
            ("Yes.\n\nFrom: Helpdesk <h@x>\nSent: Monday, 2 November 2026 10:00\nTo: me\n\nold\n", "Yes."),
            ("Yes.\n________________________________\nFrom: Helpdesk\nold\n", "Yes."),
            ("Body\n-- \nJane, Example Org\n", "Body"),
            ("> only a quote\n", "> only a quote"),
            ("From: a line that is not a header block\nbody\n", "From: a line that is not a header block\nbody"),
            // Outlook's header block in other languages.
            ("Danke.\n\nVon: Helpdesk <h@x>\nGesendet: Montag, 2. März 2026 17:05\nAn: mich\n\nalt\n", "Danke."),
            ("Merci.\n\nDe : Helpdesk <h@x>\nEnvoyé : lundi 2 mars 2026 17:05\nÀ : moi\n\nancien\n", "Merci."),
            ("Merci.\n\nDe\u{a0}: Helpdesk\nEnvoyé\u{a0}: lundi\n\nancien\n", "Merci."),
            (
                "Gracias.\n\nDe: Helpdesk <h@x>\nEnviado el: lunes, 2 de marzo de 2026 17:05\nPara: mí\n\nviejo\n",
                "Gracias.",
            ),
            ("Grazie.\n\nDa: Helpdesk <h@x>\nInviato: lunedì 2 marzo 2026 17:05\nA: me\n\nvecchio\n", "Grazie."),
            ("Bedankt.\n\nVan: Helpdesk <h@x>\nVerzonden: maandag 2 maart 2026 17:05\nAan: mij\n\noud\n", "Bedankt."),
            ("Danke.\n\n-----Ursprüngliche Nachricht-----\nVon: Helpdesk\nalt\n", "Danke."),
            ("Merci.\n-----Message d'origine-----\nancien\n", "Merci."),
            (
                "Da: Roma, a line that is not a header block\nbody\n",
                "Da: Roma, a line that is not a header block\nbody",
            ),
            // "On … wrote:" in other languages.
            ("Danke.\n\nAm 02.03.2026 um 17:05 schrieb Helpdesk <h@x>:\n> alt\n", "Danke."),
            ("Merci.\n\nLe lun. 2 mars 2026 à 17:05, Helpdesk <h@x> a écrit :\n> ancien\n", "Merci."),
            ("Gracias.\n\nEl lun, 2 mar 2026 a las 17:05, Helpdesk (<h@x>) escribió:\n> viejo\n", "Gracias."),
            ("Grazie.\n\nIl giorno lun 2 mar 2026 alle ore 17:05 Helpdesk <h@x> ha scritto:\n> vecchio\n", "Grazie."),
            ("Bedankt.\n\nOp ma 2 mrt 2026 om 17:05 schreef Helpdesk <h@x>:\n> oud\n", "Bedankt."),
            // Bottom-posted: the answer below the quote is what was written.
            (
                "On Mon, 2 Mar 2026, Helpdesk <h@x> wrote:\n> Did it work?\n> Helpdesk\n\nYes, it works now.\n",
                "Yes, it works now.",
            ),
            ("Am Montag schrieb Helpdesk:\n\n> Geht es?\n\nJa.\n-- \nJürgen\n", "Ja."),
        ];
        for (text, expected) in table {
            assert_eq!(trim_quoted(text), expected, "{text:?}");
        }
    }
}
