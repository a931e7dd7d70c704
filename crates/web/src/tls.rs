//! TLS of our own (rustls), so that handlers see the client certificate: a listener that
//! completes handshakes concurrently, and what each connection tells about its peer.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use helpdesk_domain::dn::canonical_dn;
use rustls::RootCertStore;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Where the server's certificate, key and the client CAs are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The server's certificate chain (PEM).
    pub cert: PathBuf,
    /// The server's private key (PEM).
    pub key: PathBuf,
    /// The CAs whose client certificates are accepted (PEM); none: no client certificates.
    pub client_ca: Option<PathBuf>,
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(String);

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<_> = CertificateDer::pem_file_iter(path)
        .map_err(|e| TlsError(format!("cannot read certificates from {}: {e}", path.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError(format!("{} holds a broken certificate: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(TlsError(format!("{} holds no certificate", path.display())));
    }
    Ok(certs)
}

/// The rustls configuration: the server's certificate, and (with client CAs) an optional client
/// certificate that must be valid when presented. Password and OpenID users connect to the same
/// port without one.
pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = read_certs(&files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| TlsError(format!("cannot read a private key from {}: {e}", files.key.display())))?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(e.to_string()))?;
    let builder = match &files.client_ca {
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for ca in read_certs(path)? {
                roots.add(ca).map_err(|e| TlsError(format!("{} is not a usable CA: {e}", path.display())))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| TlsError(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| TlsError(format!("the certificate and key do not fit: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A TCP listener whose connections speak TLS: the server completes each handshake in the
/// connection's own task, with a deadline, so that one slow or hostile client holds up nobody.
pub struct TlsListener {
    pub(crate) tcp: TcpListener,
    pub(crate) acceptor: TlsAcceptor,
}

impl TlsListener {
    /// Listens on `tcp` with `config`.
    pub fn new(tcp: TcpListener, config: Arc<rustls::ServerConfig>) -> io::Result<TlsListener> {
        Ok(TlsListener { tcp, acceptor: TlsAcceptor::from(config) })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

/// What a connection tells about its peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The address it connects from.
    pub addr: SocketAddr,
    /// The subject of the client certificate it presented (verified during the handshake).
    pub subject_dn: Option<String>,
    /// The issuer of that certificate.
    pub issuer_dn: Option<String>,
}

impl Peer {
    /// The peer's IP address.
    pub fn ip(&self) -> IpAddr {
        self.addr.ip()
    }
}

/// The canonical DN of an X.509 name, in the certificate's order (most general first).
fn dn_of(name: &x509_parser::x509::X509Name<'_>) -> Option<String> {
    let registry = x509_parser::objects::oid_registry();
    let mut out = String::new();
    for rdn in name.iter() {
        for attribute in rdn.iter() {
            let key = x509_parser::objects::oid2abbrev(attribute.attr_type(), registry)
                .map(|k| match k {
                    "domainComponent" => "DC",
                    other => other,
                })
                .map(str::to_owned)
                .unwrap_or_else(|_| attribute.attr_type().to_id_string());
            out.push_str(&format!("/{key}={}", attribute.as_str().ok()?));
        }
    }
    canonical_dn(&out)
}

impl Peer {
    /// The peer of a TLS connection at `addr`, with the client certificate it presented.
    pub(crate) fn of_tls(stream: &TlsStream<TcpStream>, addr: SocketAddr) -> Peer {
        let (_, connection) = stream.get_ref();
        let parsed = connection
            .peer_certificates()
            .and_then(|chain| chain.first())
            .and_then(|der| x509_parser::parse_x509_certificate(der.as_ref()).ok().map(|(_, cert)| cert));
        Peer {
            addr,
            subject_dn: parsed.as_ref().and_then(|c| dn_of(c.subject())),
            issuer_dn: parsed.as_ref().and_then(|c| dn_of(c.issuer())),
        }
    }
}
