//! Delivery over SMTP on connections of our own, kept open between mails. lettre speaks the
//! protocol, but its transport opens sockets with Nagle's algorithm on and writes a message and
//! its closing dot apart, so every mail waited for the server's delayed acknowledgement (about
//! 40 ms) before the dot left: some 25 mails a second per connection. Here the sockets say
//! `TCP_NODELAY` and lettre's connection runs over them.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use helpdesk_app::worker::JobError;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// How long a connection, an SMTP command or a message may take before the attempt counts as
/// failed (and the job is tried again later).
const TIMEOUT: Duration = Duration::from_secs(60);

/// A connection idle longer than this is closed rather than used: servers drop idle clients
/// (Postfix after 300 s), and a dropped one would fail the next mail.
const IDLE_FOR: Duration = Duration::from_secs(30);

/// How a connection is secured, as the URL says (the same rules as lettre's `from_url`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Security {
    /// `smtp://` without `tls`: plain text.
    Plain,
    /// `smtp://...?tls=opportunistic`: STARTTLS when the server offers it.
    Opportunistic,
    /// `smtp://...?tls=required`: STARTTLS or no mail.
    Required,
    /// `smtps://`: TLS from the first byte.
    Wrapper,
}

/// Where and how mail is delivered: an `smtp://` or `smtps://` URL, read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    host: String,
    port: u16,
    security: Security,
    /// The name given in EHLO (the URL's path), or this machine's name.
    hello: Option<String>,
    /// User and password, percent-decoded.
    credentials: Option<(String, String)>,
}

impl Target {
    /// Reads `url`: `smtp://[user:password@]host[:port][/hello-name][?tls=required|opportunistic]`
    /// or `smtps://...`; the ports default to 25, 587 (with `tls`) and 465.
    pub(crate) fn parse(url: &str) -> Result<Target, String> {
        let url = url::Url::parse(url).map_err(|e| e.to_string())?;
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or("the URL names no host")?;
        let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let (security, port) = match (url.scheme(), tls.as_deref()) {
            ("smtp", None) => (Security::Plain, 25),
            ("smtp", Some("opportunistic")) => (Security::Opportunistic, 587),
            ("smtp", Some("required")) => (Security::Required, 587),
            ("smtps", _) => (Security::Wrapper, 465),
            (scheme, tls) => {
                return Err(format!(
                    "unknown scheme '{scheme}' or tls={} (smtp://, smtp://...?tls=required or opportunistic, smtps://)",
                    tls.unwrap_or("")
                ));
            }
        };
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let credentials = url.password().map(|password| (decode(url.username()), decode(password)));
        let hello = Some(url.path().trim_matches('/')).filter(|p| !p.is_empty()).map(str::to_owned);
        Ok(Target {
            // An IPv6 literal comes bracketed; the socket and the TLS name want it bare.
            host: host.trim_start_matches('[').trim_end_matches(']').to_owned(),
            port: url.port().unwrap_or(port),
            security,
            hello,
            credentials,
        })
    }
}

/// Sends mails to one SMTP server, each on a connection of its own, and keeps up to `keep`
/// connections open for the next mails.
pub(crate) struct SmtpSender {
    target: Target,
    hello: ClientId,
    keep: usize,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    /// For `smtps://`: the TLS client (the system's trusted roots, as for IMAP), made once.
    tls: Option<tokio_rustls::TlsConnector>,
}

impl SmtpSender {
    /// A sender to `target` keeping up to `keep` connections open.
    pub(crate) fn new(target: Target, keep: usize) -> Result<SmtpSender, String> {
        let hello = target.hello.clone().map(ClientId::Domain).unwrap_or_default();
        let tls = match target.security {
            Security::Wrapper => {
                use rustls_platform_verifier::ConfigVerifierExt;
                let config = rustls::ClientConfig::with_platform_verifier().map_err(|e| e.to_string())?;
                Some(tokio_rustls::TlsConnector::from(Arc::new(config)))
            }
            _ => None,
        };
        Ok(SmtpSender { target, hello, keep, idle: Mutex::new(Vec::new()), tls })
    }

    /// Delivers `message` to the envelope's recipients. A refusal the server gives as permanent
    /// (5xx) is permanent; everything else (the server down, slow, or refusing for now) is worth
    /// another try later.
    pub(crate) async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), JobError> {
        // A kept connection the server has dropped in the meantime fails at once; the mail then
        // goes on a new one (once: a new connection that fails is the server's answer).
        if let Some(conn) = self.take_idle() {
            match self.send_on(conn, envelope, message).await {
                Ok(()) => return Ok(()),
                Err(e) if matches!(e, JobError::Permanent(_)) => return Err(e),
                Err(e) => tracing::debug!(error = %e, "a kept SMTP connection failed; trying a new one"),
            }
        }
        let conn = self.connect().await?;
        self.send_on(conn, envelope, message).await
    }

    async fn send_on(
        &self,
        mut conn: AsyncSmtpConnection,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(), JobError> {
        match tokio::time::timeout(TIMEOUT, conn.send(envelope, message)).await {
            Ok(Ok(_)) => {
                self.keep_idle(conn);
                Ok(())
            }
            Ok(Err(e)) if e.is_permanent() => Err(JobError::Permanent(e.to_string())),
            Ok(Err(e)) => Err(JobError::Transient(e.to_string())),
            Err(_) => Err(JobError::Transient(format!("no answer within {} s", TIMEOUT.as_secs()))),
        }
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // The most recently used first: it is the likeliest to be alive; older ones age out.
        while let Some((conn, since)) = idle.pop() {
            if since.elapsed() < IDLE_FOR && !conn.has_broken() {
                return Some(conn);
            }
        }
        None
    }

    fn keep_idle(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < self.keep && !conn.has_broken() {
            idle.push((conn, Instant::now()));
        }
    }

    /// A new connection, greeted, secured and signed in as the URL says. Whatever fails here is
    /// about the server, not this mail, so it is tried again later.
    async fn connect(&self) -> Result<AsyncSmtpConnection, JobError> {
        let target = &self.target;
        let fail = |what: &str, e: &dyn std::fmt::Display| {
            JobError::Transient(format!("{what} {}:{}: {e}", target.host, target.port))
        };
        let connected = async {
            let tcp = TcpStream::connect((target.host.as_str(), target.port))
                .await
                .map_err(|e| fail("cannot connect to", &e))?;
            tcp.set_nodelay(true).map_err(|e| fail("cannot set TCP_NODELAY towards", &e))?;
            let stream: Box<dyn AsyncTokioStream> = match &self.tls {
                Some(tls) => {
                    let name = rustls_pki_types::ServerName::try_from(target.host.clone())
                        .map_err(|e| fail("not a name for TLS:", &e))?;
                    let tls = tls.connect(name, tcp).await.map_err(|e| fail("TLS failed with", &e))?;
                    Box::new(TlsTcp(tls))
                }
                None => Box::new(tcp),
            };
            let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
                .await
                .map_err(|e| fail("no SMTP greeting from", &e))?;
            let starttls = match target.security {
                Security::Required => true,
                Security::Opportunistic => conn.can_starttls(),
                Security::Plain | Security::Wrapper => false,
            };
            if starttls {
                let parameters = TlsParameters::new(target.host.clone()).map_err(|e| fail("TLS for", &e))?;
                conn.starttls(parameters, &self.hello).await.map_err(|e| fail("STARTTLS failed with", &e))?;
            }
            if let Some((user, password)) = &target.credentials {
                let credentials = Credentials::new(user.clone(), password.clone());
                conn.auth(DEFAULT_MECHANISMS, &credentials).await.map_err(|e| fail("signing in failed at", &e))?;
            }
            Ok(conn)
        };
        tokio::time::timeout(TIMEOUT, connected)
            .await
            .unwrap_or_else(|_| Err(fail("no answer within a minute from", &"timed out")))
    }
}

/// A TLS stream lettre can speak SMTP over (its trait is implemented for plain TCP only).
#[derive(Debug)]
struct TlsTcp(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncTokioStream for TlsTcp {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl AsyncRead for TlsTcp {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsTcp {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(host: &str, port: u16, security: Security) -> Target {
        Target { host: host.into(), port, security, hello: None, credentials: None }
    }

    #[test]
    fn urls_read_as_lettre_reads_them() {
        let cases: &[(&str, Target)] = &[
            ("smtp://mail.example.org", target("mail.example.org", 25, Security::Plain)),
            ("smtp://127.0.0.1:2525", target("127.0.0.1", 2525, Security::Plain)),
            ("smtp://mail.example.org?tls=required", target("mail.example.org", 587, Security::Required)),
            ("smtp://mail.example.org:26?tls=opportunistic", target("mail.example.org", 26, Security::Opportunistic)),
            ("smtps://mail.example.org", target("mail.example.org", 465, Security::Wrapper)),
            ("smtp://[::1]:2525", target("::1", 2525, Security::Plain)),
            (
                "smtps://desk%40example.org:p%40ss%3Aword@mail.example.org/desk.example.org",
                Target {
                    hello: Some("desk.example.org".into()),
                    credentials: Some(("desk@example.org".into(), "p@ss:word".into())),
                    ..target("mail.example.org", 465, Security::Wrapper)
                },
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(Target::parse(url).as_ref(), Ok(expected), "{url}");
        }
    }

    /// An SMTP server on loopback that takes one message per connection and then hangs up, as a
    /// server does with a client idle too long; it counts the messages and connections.
    async fn one_message_per_connection() -> (u16, Arc<Mutex<(usize, usize)>>) {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let port = listener.local_addr().expect("its address").port();
        let seen = Arc::new(Mutex::new((0, 0)));
        let counts = seen.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let counts = counts.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 test\r\n").await;
                    let mut in_data = false;
                    while let Ok(Some(line)) = lines.next_line().await {
                        let answer: &[u8] = match line.as_str() {
                            "." if in_data => {
                                if let Ok(mut counts) = counts.lock() {
                                    counts.0 += 1;
                                }
                                let _ = write.write_all(b"250 kept\r\n").await;
                                // Gone after one message, without a word.
                                return;
                            }
                            _ if in_data => continue,
                            "DATA" => {
                                in_data = true;
                                b"354 go on\r\n"
                            }
                            l if l.starts_with("EHLO") => {
                                if let Ok(mut counts) = counts.lock() {
                                    counts.1 += 1;
                                }
                                b"250 test\r\n"
                            }
                            _ => b"250 ok\r\n",
                        };
                        if write.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (port, seen)
    }

    #[tokio::test]
    async fn a_connection_the_server_dropped_is_replaced_without_failing_the_mail() {
        let (port, seen) = one_message_per_connection().await;
        let sender = SmtpSender::new(target("127.0.0.1", port, Security::Plain), 4).expect("a sender");
        let envelope = Envelope::new(
            Some("desk@example.org".parse().expect("an address")),
            vec!["ann@example.org".parse().expect("an address")],
        )
        .expect("an envelope");
        for n in 1..=3 {
            sender.send(&envelope, b"Subject: hello\r\n\r\nHi.\r\n").await.unwrap_or_else(|e| panic!("mail {n}: {e}"));
        }
        let (messages, connections) = *seen.lock().expect("the counts");
        assert_eq!(messages, 3, "every mail delivered once");
        assert_eq!(connections, 3, "one connection each, as the server hangs up after each");
    }

    #[tokio::test]
    async fn a_server_that_is_down_fails_the_mail_for_now_not_for_good() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = listener.local_addr().expect("its address").port();
        drop(listener);
        let sender = SmtpSender::new(target("127.0.0.1", port, Security::Plain), 4).expect("a sender");
        let envelope = Envelope::new(None, vec!["ann@example.org".parse().expect("an address")]).expect("an envelope");
        let failed = sender.send(&envelope, b"Subject: hello\r\n\r\nHi.\r\n").await;
        assert!(
            matches!(failed, Err(JobError::Transient(ref words)) if words.contains("cannot connect")),
            "{failed:?}"
        );
    }

    #[test]
    fn urls_that_say_nothing_deliverable_are_refused() {
        for url in ["http://mail.example.org", "smtp://mail.example.org?tls=maybe", "smtp:///", "not a url", ""] {
            assert!(Target::parse(url).is_err(), "{url} was accepted");
        }
    }
}
