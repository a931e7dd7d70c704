//! Connectors: how an external-mode unit reaches the ticketing system it works in, and how the
//! two sides' statuses and priorities translate (EOSC integration option 3).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::status::Status;
use crate::ticket::Priority;
use crate::validation::{Errors, FieldError, check_line};
use crate::{UnitId, named_enum};

/// The ticketing system on the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    /// Request Tracker 5, through REST 2.0; followed by polling, as RT has no webhooks.
    Rt,
    /// Another Helpdesk: signed webhooks both ways.
    Helpdesk,
    /// Zammad, through its REST API.
    Zammad,
    /// Anything that takes signed JSON events (push only).
    Webhook,
}

named_enum!(ConnectorKind { Rt => "rt", Helpdesk => "helpdesk", Zammad => "zammad", Webhook => "webhook" });

impl ConnectorKind {
    /// Whether the other side keeps internal notes apart from replies.
    pub fn has_comments(self) -> bool {
        !matches!(self, ConnectorKind::Webhook)
    }

    /// Its name for people.
    pub fn label(self) -> &'static str {
        match self {
            ConnectorKind::Rt => "RT",
            ConnectorKind::Helpdesk => "Helpdesk",
            ConnectorKind::Zammad => "Zammad",
            ConnectorKind::Webhook => "the webhook's system",
        }
    }

    /// Whether Helpdesk polls the other side for its changes (it cannot call back).
    pub fn is_polled(self) -> bool {
        matches!(self, ConnectorKind::Rt | ConnectorKind::Zammad)
    }

    /// Whether Helpdesk asks the other side for changes every `poll_seconds`: the polled kinds,
    /// and another Helpdesk for what it could not push (the fallback after an outage).
    pub fn is_pulled(self) -> bool {
        self.is_polled() || self == ConnectorKind::Helpdesk
    }

    /// The usual translation of statuses and priorities for this kind of system.
    pub fn default_mapping(self) -> Mapping {
        let out = |pairs: &[(Status, &str)]| pairs.iter().map(|(s, r)| (*s, (*r).to_owned())).collect();
        let inward = |pairs: &[(&str, Status)]| pairs.iter().map(|(r, s)| ((*r).to_owned(), *s)).collect();
        let prio = |pairs: &[(Priority, &str)]| pairs.iter().map(|(p, r)| (*p, (*r).to_owned())).collect();
        use Priority as P;
        use Status as S;
        match self {
            ConnectorKind::Rt => Mapping {
                status_out: out(&[
                    (S::New, "new"),
                    (S::Assigned, "open"),
                    (S::InProgress, "open"),
                    (S::WaitingForReply, "stalled"),
                    (S::OnHold, "stalled"),
                    (S::Reopened, "open"),
                    (S::Solved, "resolved"),
                    (S::Unsolved, "rejected"),
                    (S::Verified, "resolved"),
                    (S::Closed, "resolved"),
                ]),
                status_in: inward(&[
                    ("open", S::InProgress),
                    ("stalled", S::OnHold),
                    ("resolved", S::Solved),
                    ("rejected", S::Unsolved),
                ]),
                priority_out: prio(&[(P::Low, "0"), (P::Medium, "50"), (P::High, "75"), (P::Top, "100")]),
            },
            ConnectorKind::Zammad => Mapping {
                status_out: out(&[
                    (S::New, "new"),
                    (S::Assigned, "open"),
                    (S::InProgress, "open"),
                    (S::WaitingForReply, "pending reminder"),
                    (S::OnHold, "pending reminder"),
                    (S::Reopened, "open"),
                    (S::Solved, "closed"),
                    (S::Unsolved, "closed"),
                    (S::Verified, "closed"),
                    (S::Closed, "closed"),
                ]),
                // Zammad's own names, and those of a Helpdesk's Zammad face.
                status_in: inward(&[
                    ("open", S::InProgress),
                    ("pending reminder", S::OnHold),
                    ("closed", S::Solved),
                    ("in progress", S::InProgress),
                    ("on hold", S::OnHold),
                    ("waiting for reply", S::WaitingForReply),
                    ("reopened", S::Reopened),
                    ("solved", S::Solved),
                    ("unsolved", S::Unsolved),
                ]),
                priority_out: prio(&[
                    (P::Low, "1 low"),
                    (P::Medium, "2 normal"),
                    (P::High, "3 high"),
                    (P::Top, "3 high"),
                ]),
            },
            // Another Helpdesk speaks Helpdesk's own names. It sets none of the statuses that
            // Helpdesk sets itself (new, closed) or that only the requester sets (verified):
            // verified and closed go over as the solution they close, which the other side
            // closes by its own clock, so that a finished ticket is in step on both sides.
            ConnectorKind::Helpdesk => Mapping {
                status_out: Status::ALL
                    .iter()
                    .map(|s| match s {
                        S::Verified | S::Closed => (*s, S::Solved.as_str().to_owned()),
                        _ => (*s, s.as_str().to_owned()),
                    })
                    .collect(),
                status_in: own_names_in(),
                priority_out: own_priorities_out(),
            },
            // A webhook receiver hears every status by its own name.
            ConnectorKind::Webhook => Mapping {
                status_out: Status::ALL.iter().map(|s| (*s, s.as_str().to_owned())).collect(),
                status_in: own_names_in(),
                priority_out: own_priorities_out(),
            },
        }
    }
}

/// How statuses and priorities translate between the two sides.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Mapping {
    /// Our status to theirs; a status not listed is not sent.
    #[schema(value_type = BTreeMap<String, String>)]
    pub status_out: BTreeMap<Status, String>,
    /// Their status to ours; a status not listed changes nothing here.
    #[schema(value_type = BTreeMap<String, String>)]
    pub status_in: BTreeMap<String, Status>,
    /// Our priority to theirs (theirs back to ours is the reverse, nearest first).
    #[schema(value_type = BTreeMap<String, String>)]
    pub priority_out: BTreeMap<Priority, String>,
}

impl Mapping {
    /// Their name for our status, if it travels.
    pub fn status_to_remote(&self, status: Status) -> Option<&str> {
        self.status_out.get(&status).map(String::as_str)
    }

    /// Our status for theirs, if it means one.
    pub fn status_from_remote(&self, remote: &str) -> Option<Status> {
        self.status_in.get(remote.trim()).copied()
    }

    /// Their name for our priority, if it travels.
    pub fn priority_to_remote(&self, priority: Priority) -> Option<&str> {
        self.priority_out.get(&priority).map(String::as_str)
    }

    /// Whether the other side, known to hold `theirs`, holds what `ours` is there: our name for
    /// it, or a name of theirs that means it. A status that does not travel is held by default.
    pub fn holds_status(&self, theirs: Option<&str>, ours: Status) -> bool {
        match self.status_to_remote(ours) {
            None => true,
            Some(name) => theirs == Some(name) || theirs.and_then(|t| self.status_from_remote(t)) == Some(ours),
        }
    }

    /// Whether the other side, known to hold `theirs`, holds what `ours` is there (RT's 60 is
    /// our medium too). A priority that does not travel is held by default.
    pub fn holds_priority(&self, theirs: Option<&str>, ours: Priority) -> bool {
        match self.priority_to_remote(ours) {
            None => true,
            Some(name) => theirs == Some(name) || theirs.and_then(|t| self.priority_from_remote(t)) == Some(ours),
        }
    }

    /// Our priority for theirs: the one mapped to exactly this name, or, for a number (RT's
    /// 0–100), the one whose mapped number is the nearest at or below it.
    pub fn priority_from_remote(&self, remote: &str) -> Option<Priority> {
        let remote = remote.trim();
        if let Some((p, _)) = self.priority_out.iter().find(|(_, r)| r.as_str() == remote) {
            return Some(*p);
        }
        let n: f64 = remote.parse().ok()?;
        self.priority_out
            .iter()
            .filter_map(|(p, r)| r.parse::<f64>().ok().map(|v| (*p, v)))
            .filter(|(_, v)| *v <= n)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(p, _)| p)
    }
}

/// A mapping as people write it: one pair per line, `ours = theirs` for what goes out,
/// `theirs = ours` for what comes in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MappingText {
    /// Our status to theirs.
    pub status_out: String,
    /// Their status to ours.
    pub status_in: String,
    /// Our priority to theirs.
    pub priority_out: String,
}

impl Mapping {
    /// The mapping as people write it.
    pub fn to_text(&self) -> MappingText {
        let lines =
            |pairs: Vec<(String, String)>| pairs.iter().map(|(a, b)| format!("{a} = {b}\n")).collect::<String>();
        MappingText {
            status_out: lines(self.status_out.iter().map(|(s, r)| (s.to_string(), r.clone())).collect()),
            status_in: lines(self.status_in.iter().map(|(r, s)| (r.clone(), s.to_string())).collect()),
            priority_out: lines(self.priority_out.iter().map(|(p, r)| (p.to_string(), r.clone())).collect()),
        }
    }

    /// Reads a mapping as people write it; every line that cannot be read is refused by name.
    pub fn from_text(text: &MappingText) -> Result<Mapping, Vec<FieldError>> {
        let mut errors = Errors::new();
        let mut mapping = Mapping::default();
        let pairs = |field: &'static str, text: &str, errors: &mut Errors| -> Vec<(String, String)> {
            let mut pairs = Vec::new();
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                match line.split_once('=') {
                    Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
                        pairs.push((a.trim().to_owned(), b.trim().to_owned()));
                    }
                    _ => errors.add(field, format!("line {}: write 'name = name'", n + 1)),
                }
            }
            pairs
        };
        for (ours, theirs) in pairs("status_out", &text.status_out, &mut errors) {
            match ours.parse::<Status>() {
                Ok(s) => drop(mapping.status_out.insert(s, theirs)),
                Err(e) => errors.add("status_out", e.to_string()),
            }
        }
        for (theirs, ours) in pairs("status_in", &text.status_in, &mut errors) {
            match ours.parse::<Status>() {
                Ok(s) => drop(mapping.status_in.insert(theirs, s)),
                Err(e) => errors.add("status_in", e.to_string()),
            }
        }
        for (ours, theirs) in pairs("priority_out", &text.priority_out, &mut errors) {
            match ours.parse::<Priority>() {
                Ok(p) => drop(mapping.priority_out.insert(p, theirs)),
                Err(e) => errors.add("priority_out", e.to_string()),
            }
        }
        errors.finish(mapping)
    }

    /// The mapping to store: none when it is some kind's usual one (so that it follows the
    /// kind, and a form left as it was when the kind changed means the new kind's).
    pub fn unless_usual(self) -> Option<Mapping> {
        let usual = ConnectorKind::ALL.iter().any(|k| k.default_mapping() == self);
        (!usual).then_some(self)
    }
}

/// A connector's settings, as an admin writes them (credentials apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConnectorSettings {
    /// Which system.
    pub kind: ConnectorKind,
    /// Its base address, e.g. `https://rt.example.org/` or another Helpdesk's public address.
    pub url: String,
    /// Where tickets go there: RT's queue, the other Helpdesk's unit id, Zammad's group.
    pub queue: String,
    /// How statuses and priorities translate; the kind's usual one when left out.
    #[serde(default)]
    pub mapping: Option<Mapping>,
    /// Which of a category's fields travel with the ticket.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Whether internal notes go over as the other side's comments.
    #[serde(default = "yes")]
    pub internal_notes: bool,
    /// How often the other side is asked for changes, in seconds: RT and Zammad for all of
    /// them, another Helpdesk for those it could not push.
    #[serde(default = "default_poll")]
    pub poll_seconds: u32,
    /// Whether the connector runs; a paused one keeps its changes pending.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

fn default_poll() -> u32 {
    5
}

impl ConnectorSettings {
    /// The mapping in force.
    pub fn mapping(&self) -> Mapping {
        self.mapping.clone().unwrap_or_else(|| self.kind.default_mapping())
    }
}

/// What a connector needs to sign in, kept encrypted and never shown back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Credentials {
    /// A user name (RT).
    #[serde(default)]
    pub user: Option<String>,
    /// A password (RT) or an API token (Zammad).
    #[serde(default)]
    pub secret: Option<String>,
    /// The key both sides sign webhooks with (Helpdesk, webhook).
    #[serde(default)]
    pub signing_key: Option<String>,
}

impl Credentials {
    /// Whether no credential is set.
    pub fn is_empty(&self) -> bool {
        self.user.is_none() && self.secret.is_none() && self.signing_key.is_none()
    }
}

/// A unit's connector as stored and shown (the credentials only as "set" or not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Connector {
    /// The external-mode unit it belongs to.
    pub unit: UnitId,
    /// Its settings.
    pub settings: ConnectorSettings,
    /// Whether credentials are stored.
    pub has_credentials: bool,
    /// When the other side was last polled for its changes (RT, Zammad).
    #[serde(with = "time::serde::rfc3339::option")]
    pub polled_at: Option<OffsetDateTime>,
    /// Why the last poll failed, if it did.
    pub poll_error: Option<String>,
    /// When it was last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Shortest signing key, in characters: a webhook signature is only as strong as its key.
pub const MIN_SIGNING_KEY_CHARS: usize = 24;

/// Checks a connector's settings and that the credentials its kind needs are there.
pub fn check_connector(settings: &ConnectorSettings, credentials: &Credentials) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::new();
    let url = settings.url.trim();
    errors.check(
        !(url.starts_with("http://") || url.starts_with("https://"))
            || url.len() < 10
            || url.contains(char::is_whitespace),
        "url",
        "must be an http:// or https:// address",
    );
    if settings.kind != ConnectorKind::Webhook {
        check_line(&mut errors, "queue", &settings.queue, 200);
    }
    errors.check(!(1..=3600).contains(&settings.poll_seconds), "poll_seconds", "must be between 1 and 3600");
    for field in &settings.fields {
        check_line(&mut errors, "fields", field, 100);
    }
    let key_ok = |k: &Option<String>| k.as_ref().is_some_and(|k| k.chars().count() >= MIN_SIGNING_KEY_CHARS);
    match settings.kind {
        ConnectorKind::Rt => {
            errors.check(credentials.user.as_deref().is_none_or(str::is_empty), "user", "RT needs a user name");
            errors.check(
                credentials.secret.as_deref().is_none_or(str::is_empty),
                "secret",
                "RT needs the user's password",
            );
        }
        ConnectorKind::Zammad => {
            errors.check(
                credentials.secret.as_deref().is_none_or(str::is_empty),
                "secret",
                "Zammad needs an API token",
            );
        }
        ConnectorKind::Helpdesk | ConnectorKind::Webhook => errors.check(
            !key_ok(&credentials.signing_key),
            "signing_key",
            format!("must be at least {MIN_SIGNING_KEY_CHARS} characters, the same on both sides"),
        ),
    }
    if settings.kind == ConnectorKind::Helpdesk {
        errors.check(settings.queue.trim().parse::<UnitId>().is_err(), "queue", "must be the other Helpdesk's unit id");
    }
    errors.finish(())
}

/// Where a ticket stands with the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Everything here is there, as far as Helpdesk knows.
    InStep,
    /// Changes wait to go out.
    Pending,
    /// The last attempt failed; it will be tried again.
    Failing,
}

named_enum!(SyncState { InStep => "in_step", Pending => "pending", Failing => "failing" });

/// A ticket's link to its copy on the other side, with the state of their sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ExternalLink {
    /// The ticket here.
    pub ticket: crate::TicketId,
    /// The external-mode unit it was sent through.
    pub unit: UnitId,
    /// The ticket's id there, once created.
    pub external_id: Option<String>,
    /// Its address there, for people.
    pub external_url: Option<String>,
    /// In step, pending or failing.
    pub state: SyncState,
    /// Since when changes wait.
    #[serde(with = "time::serde::rfc3339::option")]
    pub pending_since: Option<OffsetDateTime>,
    /// The last error, while failing.
    pub last_error: Option<String>,
    /// How many attempts failed in a row.
    pub attempts: i64,
    /// When the next attempt is due.
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    /// When the two sides were last in step.
    #[serde(with = "time::serde::rfc3339::option")]
    pub synced_at: Option<OffsetDateTime>,
}

/// The statuses another Helpdesk or a webhook may set here, by their own names: all but those
/// only Helpdesk sets (`new`, `closed`) or only the submitter (`verified`).
fn own_names_in() -> BTreeMap<String, Status> {
    Status::ALL
        .iter()
        .filter(|s| !matches!(s, Status::New | Status::Verified | Status::Closed))
        .map(|s| (s.as_str().to_owned(), *s))
        .collect()
}

/// Every priority, by its own name.
fn own_priorities_out() -> BTreeMap<Priority, String> {
    Priority::ALL.iter().map(|p| (*p, p.as_str().to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(kind: ConnectorKind, url: &str, queue: &str) -> ConnectorSettings {
        ConnectorSettings {
            kind,
            url: url.into(),
            queue: queue.into(),
            mapping: None,
            fields: vec![],
            internal_notes: true,
            poll_seconds: 5,
            enabled: true,
        }
    }

    #[test]
    fn connectors_need_an_address_a_queue_and_their_kind_of_credentials() {
        let rt = Credentials { user: Some("helpdesk".into()), secret: Some("pw".into()), signing_key: None };
        let key = Credentials { signing_key: Some("k".repeat(24)), ..Credentials::default() };
        let short = Credentials { signing_key: Some("k".repeat(23)), ..Credentials::default() };
        let token = Credentials { secret: Some("t0k3n".into()), ..Credentials::default() };
        let none = Credentials::default();
        use ConnectorKind::*;
        let table: Vec<(ConnectorKind, &str, &str, &Credentials, Vec<&str>)> = vec![
            (Rt, "http://127.0.0.1:9280/", "General", &rt, vec![]),
            (Rt, "http://127.0.0.1:9280/", "General", &none, vec!["user", "secret"]),
            (Rt, "ftp://rt.example.org", "General", &rt, vec!["url"]),
            (Rt, "https://rt.example.org", "", &rt, vec!["queue"]),
            (Helpdesk, "https://hd.example.org", "7", &key, vec![]),
            (Helpdesk, "https://hd.example.org", "seven", &key, vec!["queue"]),
            (Helpdesk, "https://hd.example.org", "7", &short, vec!["signing_key"]),
            (Zammad, "https://zammad.example.org", "Users", &token, vec![]),
            (Zammad, "https://zammad.example.org", "Users", &key, vec!["secret"]),
            (Webhook, "https://hooks.example.org/in", "", &key, vec![]),
            (Webhook, "hooks.example.org", "", &none, vec!["url", "signing_key"]),
        ];
        for (kind, url, queue, credentials, refused) in table {
            let got: Vec<String> = check_connector(&settings(kind, url, queue), credentials)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect();
            assert_eq!(got, refused, "{kind} {url} {queue}");
        }
        let mut slow = settings(Rt, "http://127.0.0.1:9280/", "General");
        slow.poll_seconds = 0;
        assert!(check_connector(&slow, &rt).is_err());
    }

    #[test]
    fn rt_statuses_and_priorities_translate_both_ways() {
        let m = ConnectorKind::Rt.default_mapping();
        let table = [
            (Status::InProgress, "open", Some(Status::InProgress)),
            (Status::WaitingForReply, "stalled", Some(Status::OnHold)),
            (Status::Solved, "resolved", Some(Status::Solved)),
            (Status::Unsolved, "rejected", Some(Status::Unsolved)),
            (Status::New, "new", None),
        ];
        for (ours, theirs, back) in table {
            assert_eq!(m.status_to_remote(ours), Some(theirs), "{ours}");
            assert_eq!(m.status_from_remote(theirs), back, "{theirs}");
        }
        let table = [("0", Some(Priority::Low)), ("50", Some(Priority::Medium)), ("60", Some(Priority::Medium))];
        let table = table.into_iter().chain([("99", Some(Priority::High)), ("100", Some(Priority::Top)), ("x", None)]);
        for (theirs, ours) in table {
            assert_eq!(m.priority_from_remote(theirs), ours, "{theirs}");
        }
    }

    #[test]
    fn mappings_are_written_one_pair_a_line_and_read_back() {
        for kind in ConnectorKind::ALL {
            let usual = kind.default_mapping();
            assert_eq!(Mapping::from_text(&usual.to_text()), Ok(usual.clone()), "{kind}");
            assert_eq!(usual.unless_usual(), None, "{kind}'s usual mapping is not stored");
        }
        let custom = MappingText {
            status_out: "in_progress = working\n\nsolved = done".into(),
            status_in: "done = solved".into(),
            priority_out: "top = P1".into(),
        };
        let read = Mapping::from_text(&custom).expect("readable");
        assert_eq!(read.status_to_remote(Status::InProgress), Some("working"));
        assert_eq!(read.status_from_remote("done"), Some(Status::Solved));
        assert_eq!(read.priority_from_remote("P1"), Some(Priority::Top));
        assert!(read.clone().unless_usual().is_some());
        let table = [
            (MappingText { status_out: "busy = open".into(), ..MappingText::default() }, "status_out"),
            (MappingText { status_in: "open".into(), ..MappingText::default() }, "status_in"),
            (MappingText { priority_out: "urgent = 1".into(), ..MappingText::default() }, "priority_out"),
        ];
        for (text, field) in table {
            let refused: Vec<String> =
                Mapping::from_text(&text).err().unwrap_or_default().into_iter().map(|e| e.field).collect();
            assert_eq!(refused, vec![field.to_owned()], "{text:?}");
        }
    }

    #[test]
    fn another_helpdesk_speaks_our_names_but_never_sets_system_statuses() {
        let m = ConnectorKind::Helpdesk.default_mapping();
        assert_eq!(m.status_from_remote("solved"), Some(Status::Solved));
        assert_eq!(m.status_from_remote("closed"), None);
        assert_eq!(m.status_from_remote("new"), None);
        assert_eq!(m.status_from_remote("verified"), None);
        assert_eq!(m.priority_from_remote("top"), Some(Priority::Top));
        // What it cannot set goes over as the solution it closes; a webhook hears every name.
        for s in [Status::Verified, Status::Closed] {
            assert_eq!(m.status_to_remote(s), Some("solved"), "{s}");
            assert_eq!(ConnectorKind::Webhook.default_mapping().status_to_remote(s), Some(s.as_str()), "{s}");
        }
    }

    #[test]
    fn the_other_side_holds_our_status_by_our_name_for_it_or_by_one_of_its_own_that_means_it() {
        let helpdesk = ConnectorKind::Helpdesk.default_mapping();
        let rt = ConnectorKind::Rt.default_mapping();
        // (mapping, what they hold, ours, held)
        let table = [
            (&helpdesk, Some("assigned"), Status::Assigned, true),
            (&helpdesk, Some("new"), Status::Assigned, false),
            (&helpdesk, None, Status::Assigned, false),
            (&helpdesk, Some("solved"), Status::Verified, true),
            (&helpdesk, Some("solved"), Status::Closed, true),
            (&helpdesk, Some("new"), Status::New, true),
            (&helpdesk, Some("assigned"), Status::New, false),
            (&rt, Some("open"), Status::InProgress, true),
            (&rt, Some("open"), Status::Assigned, true),
            (&rt, Some("stalled"), Status::WaitingForReply, true),
            (&rt, Some("stalled"), Status::InProgress, false),
        ];
        for (mapping, theirs, ours, held) in table {
            assert_eq!(mapping.holds_status(theirs, ours), held, "{theirs:?} for {ours}");
        }
        let mut partial = helpdesk.clone();
        partial.status_out.remove(&Status::OnHold);
        assert!(partial.holds_status(Some("new"), Status::OnHold), "a status that does not travel is not owed");
        assert!(rt.holds_priority(Some("60"), Priority::Medium));
        assert!(!rt.holds_priority(Some("60"), Priority::High));
    }
}
