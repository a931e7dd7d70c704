//! Inbound mail from an IMAP mailbox: `helpdesk serve` (where it runs the worker) polls the
//! mailbox, keeps each unseen message raw through [`App::receive_mail_for`], and only then flags it
//! `\Seen`. A crash between the two fetches the message again at the next poll, and the
//! Message-ID check files that copy as a duplicate, so nothing is lost and nothing is doubled.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_imap::{Client, Session};
use futures::TryStreamExt;
use helpdesk_app::inbound::MAX_RAW_BYTES;
use helpdesk_app::{App, AppError};
use helpdesk_domain::policy::Actor;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

/// How the connection to the IMAP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapSecurity {
    /// TLS from the first byte (port 993).
    Tls,
    /// A plain connection upgraded with STARTTLS, which the server must offer (port 143).
    StartTls,
    /// No encryption: only for a server on the same host or a trusted network.
    None,
}

impl ImapSecurity {
    /// Reads `tls`, `starttls` or `none`.
    pub fn parse(text: &str) -> Result<ImapSecurity, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "tls" => Ok(ImapSecurity::Tls),
            "starttls" => Ok(ImapSecurity::StartTls),
            "none" => Ok(ImapSecurity::None),
            other => Err(format!("imap_security must be tls, starttls or none (got '{other}')")),
        }
    }

    /// The port a server listens on for this kind of connection.
    pub fn default_port(self) -> u16 {
        match self {
            ImapSecurity::Tls => 993,
            ImapSecurity::StartTls | ImapSecurity::None => 143,
        }
    }
}

/// Where the mailbox is and how to read it.
#[derive(Clone)]
pub struct ImapConfig {
    /// The server's host name (also the name its certificate must carry).
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// How the connection is secured.
    pub security: ImapSecurity,
    /// The user name.
    pub user: String,
    /// The password.
    pub password: String,
    /// The mailbox (folder) to read, usually `INBOX`.
    pub mailbox: String,
    /// The time between two polls.
    pub interval: Duration,
}

// The password stays out of logs and panics.
impl fmt::Debug for ImapConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.describe())
    }
}

impl ImapConfig {
    /// Says where mail is read from, without the password.
    pub fn describe(&self) -> String {
        let security = match self.security {
            ImapSecurity::Tls => "TLS",
            ImapSecurity::StartTls => "STARTTLS",
            ImapSecurity::None => "no encryption",
        };
        format!(
            "{}@{}:{} ({security}), mailbox {}, every {} s",
            self.user,
            self.host,
            self.port,
            self.mailbox,
            self.interval.as_secs()
        )
    }
}

/// Why a poll failed.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// The server cannot be reached.
    #[error("cannot reach the IMAP server {0}: {1}")]
    Connect(String, std::io::Error),
    /// The TLS handshake failed (a certificate that does not match, no TLS on that port).
    #[error("TLS with the IMAP server {0} failed: {1}")]
    Tls(String, String),
    /// The server refused the user name or password.
    #[error("the IMAP server refused the user name or password of {0}: {1}")]
    Login(String, async_imap::error::Error),
    /// The mailbox does not exist or cannot be opened.
    #[error("cannot open the mailbox '{0}': {1}")]
    Mailbox(String, async_imap::error::Error),
    /// The conversation with the server broke off.
    #[error("IMAP: {0}")]
    Protocol(#[from] async_imap::error::Error),
    /// The message could not be kept.
    #[error("cannot keep the fetched message: {0}")]
    Keep(AppError),
}

/// What one poll did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Polled {
    /// Messages kept and flagged as seen.
    pub kept: usize,
    /// Messages that cannot be kept (empty or too large): flagged as seen and flagged for a
    /// person to look at in the mailbox.
    pub refused: usize,
}

/// Messages fetched per command: bounds the memory that one poll holds.
const FETCH_BATCH: usize = 10;

/// Reads an IMAP mailbox into the inbound mail queue.
pub struct ImapPoller {
    app: Arc<App>,
    config: ImapConfig,
}

impl ImapPoller {
    /// A poller of the mailbox `config` names, handing messages to `app`.
    pub fn new(app: Arc<App>, config: ImapConfig) -> ImapPoller {
        ImapPoller { app, config }
    }

    /// The envelope's recipient of everything in the mailbox, as far as the poller knows it: the
    /// mailbox's own address, when its user name is one (the delivering server's `Delivered-To`
    /// and `X-Original-To`, read from the message, may say more).
    fn recipient(&self) -> Option<String> {
        let user = self.config.user.trim();
        (user.contains('@') && !user.contains(char::is_whitespace)).then(|| user.to_lowercase())
    }

    /// Polls until `stop` is cancelled (finishing the poll under way); a failed poll is logged
    /// and tried again at the next one.
    pub async fn run(self, stop: CancellationToken) {
        tracing::info!("reading mail from IMAP {}", self.config.describe());
        loop {
            match self.poll().await {
                Ok(polled) if polled != Polled::default() => {
                    tracing::info!(kept = polled.kept, refused = polled.refused, "fetched mail over IMAP")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("polling IMAP {}: {e}", self.config.describe()),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.interval) => {}
                () = stop.cancelled() => return,
            }
        }
    }

    /// Connects, keeps every unseen message of the mailbox, flags each kept one as seen, and
    /// logs out.
    pub async fn poll(&self) -> Result<Polled, ImapError> {
        let address = format!("{}:{}", self.config.host, self.config.port);
        let tcp = TcpStream::connect(&address).await.map_err(|e| ImapError::Connect(address.clone(), e))?;
        match self.config.security {
            ImapSecurity::None => {
                let mut client = Client::new(tcp);
                greeting(&mut client).await?;
                self.read_mailbox(client).await
            }
            ImapSecurity::Tls => {
                let mut client = Client::new(self.tls(tcp).await?);
                greeting(&mut client).await?;
                self.read_mailbox(client).await
            }
            ImapSecurity::StartTls => {
                let mut client = Client::new(tcp);
                greeting(&mut client).await?;
                client.run_command_and_check_ok("STARTTLS", None).await?;
                // No greeting follows STARTTLS.
                let client = Client::new(self.tls(client.into_inner()).await?);
                self.read_mailbox(client).await
            }
        }
    }

    async fn tls(&self, tcp: TcpStream) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ImapError> {
        use rustls_platform_verifier::ConfigVerifierExt;
        let address = format!("{}:{}", self.config.host, self.config.port);
        let fail = |e: String| ImapError::Tls(address.clone(), e);
        let config = rustls::ClientConfig::with_platform_verifier().map_err(|e| fail(e.to_string()))?;
        let name = rustls_pki_types::ServerName::try_from(self.config.host.clone()).map_err(|e| fail(e.to_string()))?;
        tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await.map_err(|e| fail(e.to_string()))
    }

    async fn read_mailbox<T>(&self, client: Client<T>) -> Result<Polled, ImapError>
    where
        T: AsyncRead + AsyncWrite + Unpin + fmt::Debug + Send,
    {
        let mut session = client
            .login(&self.config.user, &self.config.password)
            .await
            .map_err(|(e, _)| ImapError::Login(self.config.user.clone(), e))?;
        let polled = self.keep_unseen(&mut session).await;
        // The messages are kept and flagged whatever the goodbye says.
        let _ = session.logout().await;
        polled
    }

    async fn keep_unseen<T>(&self, session: &mut Session<T>) -> Result<Polled, ImapError>
    where
        T: AsyncRead + AsyncWrite + Unpin + fmt::Debug + Send,
    {
        session.select(&self.config.mailbox).await.map_err(|e| ImapError::Mailbox(self.config.mailbox.clone(), e))?;
        let mut unseen: Vec<u32> = session.uid_search("UNSEEN").await?.into_iter().collect();
        unseen.sort_unstable();
        let mut polled = Polled::default();
        for batch in unseen.chunks(FETCH_BATCH) {
            let fetched: Vec<_> = session.uid_fetch(uid_set(batch), "(UID BODY.PEEK[])").await?.try_collect().await?;
            let (mut kept, mut refused) = (Vec::new(), Vec::new());
            for message in &fetched {
                let (Some(uid), Some(raw)) = (message.uid, message.body()) else { continue };
                match self.app.receive_mail_for(&Actor::system(), raw.to_vec(), self.recipient()).await {
                    Ok(_) => kept.push(uid),
                    Err(AppError::Invalid(errors)) => {
                        let why: Vec<String> = errors.iter().map(|e| format!("{} {}", e.field, e.message)).collect();
                        tracing::warn!(
                            uid,
                            "IMAP message {uid} cannot be kept ({}; at most {} MiB): flagged in the mailbox",
                            why.join(", "),
                            MAX_RAW_BYTES >> 20
                        );
                        refused.push(uid);
                    }
                    // Left unseen: the next poll tries it again.
                    Err(e) => return Err(ImapError::Keep(e)),
                }
            }
            flag(session, &kept, "+FLAGS.SILENT (\\Seen)").await?;
            flag(session, &refused, "+FLAGS.SILENT (\\Seen \\Flagged)").await?;
            polled.kept += kept.len();
            polled.refused += refused.len();
        }
        Ok(polled)
    }
}

async fn greeting<T>(client: &mut Client<T>) -> Result<(), ImapError>
where
    T: AsyncRead + AsyncWrite + Unpin + fmt::Debug + Send,
{
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(ImapError::Protocol(async_imap::error::Error::ConnectionLost)),
        Err(e) => Err(ImapError::Protocol(e.into())),
    }
}

async fn flag<T>(session: &mut Session<T>, uids: &[u32], flags: &str) -> Result<(), ImapError>
where
    T: AsyncRead + AsyncWrite + Unpin + fmt::Debug + Send,
{
    if uids.is_empty() {
        return Ok(());
    }
    let _: Vec<_> = session.uid_store(uid_set(uids), flags).await?.try_collect().await?;
    Ok(())
}

fn uid_set(uids: &[u32]) -> String {
    uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_names() {
        let cases = [
            ("tls", Ok(ImapSecurity::Tls)),
            ("STARTTLS", Ok(ImapSecurity::StartTls)),
            (" none ", Ok(ImapSecurity::None)),
            ("ssl", Err("imap_security must be tls, starttls or none (got 'ssl')".to_owned())),
        ];
        for (text, expected) in cases {
            assert_eq!(ImapSecurity::parse(text), expected, "{text}");
        }
        assert_eq!(ImapSecurity::Tls.default_port(), 993);
        assert_eq!(ImapSecurity::StartTls.default_port(), 143);
    }

    #[test]
    fn the_password_is_never_shown() {
        let config = ImapConfig {
            host: "imap.example.org".into(),
            port: 993,
            security: ImapSecurity::Tls,
            user: "helpdesk".into(),
            password: "s3cret".into(),
            mailbox: "INBOX".into(),
            interval: Duration::from_secs(60),
        };
        let shown = format!("{config:?} {}", config.describe());
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("helpdesk@imap.example.org:993 (TLS), mailbox INBOX, every 60 s"), "{shown}");
    }
}
