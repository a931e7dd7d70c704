//! Configuration: flags over `HELPDESK_*` environment variables over the TOML file over defaults.
//! `helpdesk serve` runs with no file at all.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use helpdesk_mail::imap::{ImapConfig, ImapSecurity};
use helpdesk_store::Location;
use serde::Deserialize;

/// Where the data lives when nothing says otherwise.
pub const DEFAULT_DATA_DIR: &str = "./helpdesk-data";
/// Where `serve` listens when nothing says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The keys of the configuration file (all optional). Later versions add keys, never rename.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address to listen on (`HELPDESK_LISTEN`, `--listen`).
    pub listen: Option<SocketAddr>,
    /// Data directory for the embedded database (`HELPDESK_DATA`, `--data`).
    pub data: Option<PathBuf>,
    /// PostgreSQL URL; when set, the data directory is not used for the database
    /// (`HELPDESK_DATABASE_URL`, `--database-url`).
    pub database_url: Option<String>,
    /// Log filter, e.g. `info` or `helpdesk=debug` (`HELPDESK_LOG`).
    pub log: Option<String>,
    /// Whether `serve` runs the job worker in its process too (`HELPDESK_WORKER`).
    pub worker: Option<bool>,
    /// The address people reach this installation at, used in e-mailed links
    /// (`HELPDESK_PUBLIC_URL`, `--public-url`); `https://` marks cookies Secure.
    pub public_url: Option<String>,
    /// The SMTP server for outgoing mail, e.g. `smtp://user:pass@mail.example.org:587`
    /// (`HELPDESK_SMTP_URL`); without it, mail is written as files to `DATA/outbox`.
    pub smtp_url: Option<String>,
    /// The sender of outgoing mail (`HELPDESK_MAIL_FROM`).
    pub mail_from: Option<String>,
    /// The SMTP server's host, when `smtp_url` is not given (`HELPDESK_SMTP_HOST`).
    pub smtp_host: Option<String>,
    /// The SMTP server's port [default: 587 for starttls, 465 for tls, 25 for none]
    /// (`HELPDESK_SMTP_PORT`).
    pub smtp_port: Option<u16>,
    /// How to secure the SMTP connection: `starttls` (required), `tls` (from the start), or
    /// `none` [default: starttls] (`HELPDESK_SMTP_SECURITY`).
    pub smtp_security: Option<String>,
    /// The SMTP user name (`HELPDESK_SMTP_USER`).
    pub smtp_user: Option<String>,
    /// The SMTP password (`HELPDESK_SMTP_PASSWORD`).
    pub smtp_password: Option<String>,
    /// Helpdesk's own address: where answers to notifications come back, the address whose mail
    /// opens tickets [default: the address of `mail_from`] (`HELPDESK_MAIL_ADDRESS`).
    pub mail_address: Option<String>,
    /// The tag in the subject of a ticket's mail, `[TAG #1234]` [default: Helpdesk]
    /// (`HELPDESK_MAIL_TAG`).
    pub mail_tag: Option<String>,
    /// An IMAP server whose mailbox Helpdesk reads, as its mail gateway; set with `imap_user`
    /// and `imap_password`, it is polled where the worker runs (`HELPDESK_IMAP_HOST`).
    pub imap_host: Option<String>,
    /// The IMAP server's port [default: 993 for tls, 143 for starttls and none]
    /// (`HELPDESK_IMAP_PORT`).
    pub imap_port: Option<u16>,
    /// How to secure the IMAP connection: `tls`, `starttls` (required) or `none`
    /// [default: tls] (`HELPDESK_IMAP_SECURITY`).
    pub imap_security: Option<String>,
    /// The IMAP user name (`HELPDESK_IMAP_USER`).
    pub imap_user: Option<String>,
    /// The IMAP password (`HELPDESK_IMAP_PASSWORD`).
    pub imap_password: Option<String>,
    /// The mailbox (folder) to read [default: INBOX] (`HELPDESK_IMAP_MAILBOX`).
    pub imap_mailbox: Option<String>,
    /// Seconds between two polls of the mailbox [default: 60] (`HELPDESK_IMAP_POLL_SECONDS`).
    pub imap_poll_seconds: Option<u64>,
    /// The time zone of the `Default` working-hour calendar, an IANA name such as
    /// `Europe/Berlin` [default: UTC] (`HELPDESK_TIME_ZONE`). It follows this key until an admin
    /// edits that calendar.
    pub time_zone: Option<String>,
    /// An address also told when a late ticket reaches escalation step 3, e.g. the ticket
    /// monitoring team's; it reads a private ticket only as the account of that address may
    /// [default: none] (`HELPDESK_MONITORING_ADDRESS`).
    pub monitoring_address: Option<String>,
    /// This node's search index, a cache of the database it rebuilds when missing
    /// [default: DATA/search-index] (`HELPDESK_SEARCH_INDEX`).
    pub search_index: Option<PathBuf>,
    /// OpenID Connect providers to sign in with, as `[[oidc]]` tables (name, title, issuer,
    /// client_id, client_secret); the redirect URI to register is PUBLIC_URL/auth/callback.
    #[serde(default)]
    pub oidc: Vec<helpdesk_web::oidc::ProviderConfig>,
    /// The server's TLS certificate chain (PEM); with `tls_key`, Helpdesk serves HTTPS itself
    /// (`HELPDESK_TLS_CERT`, `--tls-cert`).
    pub tls_cert: Option<PathBuf>,
    /// The server's TLS private key (PEM) (`HELPDESK_TLS_KEY`, `--tls-key`).
    pub tls_key: Option<PathBuf>,
    /// CAs whose client certificates sign people in (PEM) (`HELPDESK_CLIENT_CA`, `--client-ca`).
    pub client_ca: Option<PathBuf>,
    /// Reverse proxies trusted to pass the client's address and verified certificate DN
    /// (`HELPDESK_TRUSTED_PROXIES`, comma-separated).
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The header in which trusted proxies pass the certificate's subject DN
    /// [default: X-SSL-Client-DN] (`HELPDESK_CLIENT_DN_HEADER`).
    pub client_dn_header: Option<String>,
    /// The header in which trusted proxies pass the certificate's issuer DN
    /// [default: X-SSL-Client-I-DN] (`HELPDESK_CLIENT_ISSUER_HEADER`).
    pub client_issuer_header: Option<String>,
    /// The key that seals the credentials of connectors to other ticketing systems; every node
    /// of an installation needs the same one [default: the key in DATA/secret.key, made on
    /// first use] (`HELPDESK_SECRET_KEY`).
    pub secret_key: Option<String>,
    /// Connections served at once; more wait until one ends [default: the open-files limit,
    /// raised to its maximum at start, less 256] (`HELPDESK_MAX_CONNECTIONS`).
    pub max_connections: Option<u32>,
}

/// The installation's secret key: `configured`, or the one kept in `data/secret.key` (made on
/// first use, readable by its owner only). It lives outside the database, so that a copy of
/// the database alone does not open the credentials sealed with it.
pub fn secret_key(configured: Option<&str>, data: &Path) -> anyhow::Result<Vec<u8>> {
    if let Some(key) = configured.map(str::trim) {
        if key.len() < 32 {
            bail!("secret_key must be at least 32 characters");
        }
        return Ok(key.as_bytes().to_vec());
    }
    let path = data.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(key) if key.trim().len() >= 32 => return Ok(key.trim().as_bytes().to_vec()),
        Ok(_) => bail!("{} holds no key of at least 32 characters", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    std::fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let key = hex::encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            std::io::Write::write_all(&mut file, key.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(key.into_bytes())
        }
        // Another process made it first: take theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => secret_key(None, data),
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    }
}

impl FileConfig {
    /// Reads `path`; a missing file is an error only when it was named explicitly.
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let Some(path) = path else { return Ok(FileConfig::default()) };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{} is not a valid configuration file", path.display()))
    }
}

/// The SMTP URL that the `smtp_*` keys describe, when `smtp_host` is set.
pub fn smtp_url_of(file: &FileConfig) -> anyhow::Result<Option<String>> {
    let Some(host) = file.smtp_host.as_deref().map(str::trim).filter(|h| !h.is_empty()) else { return Ok(None) };
    let security = file.smtp_security.as_deref().unwrap_or("starttls").to_ascii_lowercase();
    let (scheme, tls, port) = match security.as_str() {
        "starttls" => ("smtp", "?tls=required", 587),
        "tls" => ("smtps", "", 465),
        "none" => ("smtp", "", 25),
        other => bail!("smtp_security must be starttls, tls or none (got '{other}')"),
    };
    let credentials = match (&file.smtp_user, &file.smtp_password) {
        (Some(user), Some(password)) => format!("{}:{}@", encode(user), encode(password)),
        (Some(user), None) => format!("{}@", encode(user)),
        (None, Some(_)) => bail!("smtp_password needs smtp_user"),
        (None, None) => String::new(),
    };
    Ok(Some(format!("{scheme}://{credentials}{host}:{}{tls}", file.smtp_port.unwrap_or(port))))
}

/// The IMAP mailbox that the `imap_*` keys describe, when `imap_host` is set.
pub fn imap_of(file: &FileConfig) -> anyhow::Result<Option<ImapConfig>> {
    let Some(host) = file.imap_host.as_deref().map(str::trim).filter(|h| !h.is_empty()) else { return Ok(None) };
    let security = ImapSecurity::parse(file.imap_security.as_deref().unwrap_or("tls")).map_err(anyhow::Error::msg)?;
    let (Some(user), Some(password)) = (&file.imap_user, &file.imap_password) else {
        bail!("imap_host needs imap_user and imap_password");
    };
    let seconds = file.imap_poll_seconds.unwrap_or(60);
    if seconds == 0 {
        bail!("imap_poll_seconds must be at least 1");
    }
    Ok(Some(ImapConfig {
        host: host.to_owned(),
        port: file.imap_port.unwrap_or(security.default_port()),
        security,
        user: user.clone(),
        password: password.clone(),
        mailbox: file.imap_mailbox.clone().filter(|m| !m.trim().is_empty()).unwrap_or_else(|| "INBOX".to_owned()),
        interval: std::time::Duration::from_secs(seconds),
    }))
}

/// Every byte but RFC 3986's unreserved characters, which a URL holds anywhere as they are.
pub const NOT_UNRESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes what a URL's user info cannot hold as it is.
fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

/// Where the database is, from the resolved settings.
pub fn location(database_url: Option<&str>, data: &Path) -> anyhow::Result<Location> {
    match database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Location::Postgres(url.to_owned()))
        }
        Some(url) if url.starts_with("sqlite:") => {
            let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
            Ok(Location::SqliteFile(PathBuf::from(path)))
        }
        Some(other) => bail!("--database-url must start with postgres:// (got '{}')", redact(other)),
        None => Ok(Location::SqliteFile(data.join("helpdesk.db"))),
    }
}

/// A database URL with its password hidden, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Describes a location for people.
pub fn describe(location: &Location) -> String {
    match location {
        Location::SqliteFile(path) => format!("SQLite at {}", path.display()),
        Location::Postgres(url) => format!("PostgreSQL at {}", redact(url)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        let data = Path::new("/srv/hd");
        assert_eq!(location(None, data).unwrap(), Location::SqliteFile("/srv/hd/helpdesk.db".into()));
        assert_eq!(location(Some("postgres://u@h/db"), data).unwrap(), Location::Postgres("postgres://u@h/db".into()));
        assert_eq!(location(Some("sqlite:///tmp/x.db"), data).unwrap(), Location::SqliteFile("/tmp/x.db".into()));
        assert!(location(Some("mysql://u:secret@h/db"), data).unwrap_err().to_string().contains("u:***@h"));
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }

    #[test]
    fn imap_settings() {
        let file = |text: &str| -> FileConfig { toml::from_str(text).unwrap() };
        assert!(imap_of(&file("")).unwrap().is_none());
        let full = imap_of(&file("imap_host = \"imap.example.org\"\nimap_user = \"u\"\nimap_password = \"p\"\n"))
            .unwrap()
            .unwrap();
        assert_eq!((full.port, full.security, full.mailbox.as_str()), (993, ImapSecurity::Tls, "INBOX"));
        assert_eq!(full.interval.as_secs(), 60);
        let refusals = [
            ("imap_host = \"h\"\n", "imap_host needs imap_user and imap_password"),
            ("imap_host = \"h\"\nimap_user = \"u\"\nimap_password = \"p\"\nimap_security = \"ssl\"\n", "got 'ssl'"),
            ("imap_host = \"h\"\nimap_user = \"u\"\nimap_password = \"p\"\nimap_poll_seconds = 0\n", "at least 1"),
        ];
        for (text, expected) in refusals {
            let err = imap_of(&file(text)).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("helpdesk.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\nlistne = 1\n").unwrap();
        let err = format!("{:#}", FileConfig::load(Some(&path)).unwrap_err());
        assert!(err.contains("listne"), "{err}");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\nworker = false\n").unwrap();
        let config = FileConfig::load(Some(&path)).unwrap();
        assert_eq!(config.listen, Some("127.0.0.1:9000".parse().unwrap()));
        assert_eq!(config.worker, Some(false));
    }
}
