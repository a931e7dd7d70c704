//! X.509 client certificates over real TLS (rustls server, reqwest client with an identity),
//! with certificates made by ../shared/peers/x509; and DNs passed by trusted proxies.

use std::net::IpAddr;
use std::path::Path;

use helpdesk_domain::account::Role;
use helpdesk_web::Proxies;
use helpdesk_web::tls::TlsFiles;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{Options, TestServer, crypto, pki, snapshot};

const JANE_DN: &str = "/DC=org/DC=terena/DC=tcs/C=DE/O=Example/CN=Jane Doe";

fn files(pki: &Path) -> TlsFiles {
    TlsFiles { cert: pki.join("server.crt"), key: pki.join("server.key"), client_ca: Some(pki.join("ca.crt")) }
}

/// A client trusting the test CA, presenting `identity` (certificate and key, PEM) if any.
fn client(pki: &Path, identity: Option<Vec<u8>>) -> reqwest::Client {
    crypto();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(pki.join("ca.crt")).expect("the CA")).expect("a CA");
    let mut builder = reqwest::Client::builder().tls_certs_only([ca]);
    if let Some(pem) = identity {
        builder = builder.identity(reqwest::Identity::from_pem(&pem).expect("an identity"));
    }
    builder.build().expect("a client")
}

fn identity(pki: &Path, name: &str) -> Vec<u8> {
    let mut pem = std::fs::read(pki.join(format!("{name}.crt"))).expect("a certificate");
    pem.extend(std::fs::read(pki.join(format!("{name}.key"))).expect("a key"));
    pem
}

/// A client certificate with Jane's CN, signed by the test CA, that expired yesterday.
fn expired_identity(pki: &Path) -> Vec<u8> {
    made_identity(pki, -30, -1)
}

/// A client certificate with Jane's CN, signed by the test CA, valid between the given days
/// from today.
fn made_identity(pki: &Path, from_days: i64, to_days: i64) -> Vec<u8> {
    let ca_key =
        rcgen::KeyPair::from_pem(&std::fs::read_to_string(pki.join("ca.key")).expect("the CA key")).expect("a key");
    let issuer = rcgen::Issuer::from_ca_cert_pem(&std::fs::read_to_string(pki.join("ca.crt")).expect("the CA"), ca_key)
        .expect("the CA as issuer");
    let key = rcgen::KeyPair::generate().expect("a key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, "Jane Doe");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    params.not_before = time::OffsetDateTime::now_utc() + time::Duration::days(from_days);
    params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(to_days);
    let cert = params.signed_by(&key, &issuer).expect("signed");
    format!("{}{}", cert.pem(), key.serialize_pem()).into_bytes()
}

async fn get(client: &reqwest::Client, url: &str, token: Option<&str>) -> Result<(StatusCode, Value), reqwest::Error> {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    let status = response.status();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

#[tokio::test]
async fn a_linked_certificate_signs_its_owner_in() {
    let Some(pki) = pki() else { return };
    let server = TestServer::start_with(Options { tls: Some(files(&pki)), ..Options::default() }).await;
    let (jane, token) = server.account("jane@example.org", &[Role::Community]).await;
    let with_cert = client(&pki, Some(identity(&pki, "client")));
    let me = format!("{}/api/v1/me", server.url);
    let (status, body) = get(&with_cert, &me, None).await.expect("an answer");
    assert_eq!(status, StatusCode::UNAUTHORIZED, "not linked yet");
    assert!(body["detail"].as_str().unwrap_or_default().contains(JANE_DN), "{body}");

    let linked = with_cert
        .post(format!("{}/api/v1/me/certificates", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("link");
    assert_eq!(linked.status(), StatusCode::CREATED);
    let linked: Value = linked.json().await.expect("json");
    assert_eq!(linked["subject_dn"], JANE_DN);
    assert_eq!(linked["issuer_dn"], "/O=Helpdesk Test/CN=Helpdesk Test CA");

    let (status, body) = get(&with_cert, &me, None).await.expect("an answer");
    assert_eq!(
        (status, body["id"].clone()),
        (StatusCode::OK, serde_json::json!(jane.id)),
        "the certificate alone signs Jane in"
    );
    let (status, _) = get(&client(&pki, None), &me, None).await.expect("an answer");
    assert_eq!(status, StatusCode::UNAUTHORIZED, "without a certificate one is nobody (the port serves everyone)");
    let (status, list) =
        get(&with_cert, &format!("{}/api/v1/me/certificates", server.url), None).await.expect("an answer");
    assert_eq!((status, list.as_array().map(|l| l.len())), (StatusCode::OK, Some(1)));

    let id = linked["id"].as_i64().expect("id");
    let removed = client(&pki, None)
        .delete(format!("{}/api/v1/me/certificates/{id}", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("unlink");
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get(&with_cert, &me, None).await.expect("an answer").0,
        StatusCode::UNAUTHORIZED,
        "unlinked, it signs nobody in"
    );
}

#[tokio::test]
async fn certificates_from_another_ca_or_expired_ones_are_refused() {
    let Some(pki) = pki() else { return };
    let server = TestServer::start_with(Options { tls: Some(files(&pki)), ..Options::default() }).await;
    let (_, token) = server.account("jane@example.org", &[Role::Community]).await;
    let good = client(&pki, Some(identity(&pki, "client")));
    good.post(format!("{}/api/v1/me/certificates", server.url)).bearer_auth(&token).send().await.expect("link");
    let before = snapshot(server.store()).await;
    for (what, identity) in
        [("another CA's, with the same DN", identity(&pki, "rogue-client")), ("an expired one", expired_identity(&pki))]
    {
        let answer = get(&client(&pki, Some(identity)), &format!("{}/api/v1/me", server.url), Some(&token)).await;
        assert!(answer.is_err(), "{what}: the handshake fails, nobody is signed in: {answer:?}");
    }
    assert_eq!(snapshot(server.store()).await, before);
    assert_eq!(get(&good, &format!("{}/api/v1/me", server.url), None).await.expect("an answer").0, StatusCode::OK);
    // The control: the same certificate, valid today, passes the handshake (it is linked to
    // nobody, so the answer is 401): the expiry alone made the difference.
    let current =
        get(&client(&pki, Some(made_identity(&pki, -1, 30))), &format!("{}/api/v1/me", server.url), None).await;
    assert_eq!(current.expect("the handshake succeeds").0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn linking_needs_a_presented_certificate_not_linked_elsewhere() {
    let Some(pki) = pki() else { return };
    let server = TestServer::start_with(Options { tls: Some(files(&pki)), ..Options::default() }).await;
    let (_, jane) = server.account("jane@example.org", &[Role::Community]).await;
    let (_, mallory) = server.account("mallory@example.org", &[Role::Community]).await;
    let with_cert = client(&pki, Some(identity(&pki, "client")));
    with_cert.post(format!("{}/api/v1/me/certificates", server.url)).bearer_auth(&jane).send().await.expect("link");
    let before = snapshot(server.store()).await;
    let none = client(&pki, None)
        .post(format!("{}/api/v1/me/certificates", server.url))
        .bearer_auth(&mallory)
        .send()
        .await
        .expect("answer");
    assert_eq!(none.status(), StatusCode::UNPROCESSABLE_ENTITY, "no certificate presented");
    let taken = with_cert
        .post(format!("{}/api/v1/me/certificates", server.url))
        .bearer_auth(&mallory)
        .send()
        .await
        .expect("answer");
    assert_eq!(taken.status(), StatusCode::CONFLICT, "linked to Jane already");
    let other = client(&pki, None)
        .delete(format!("{}/api/v1/me/certificates/1", server.url))
        .bearer_auth(&mallory)
        .send()
        .await
        .expect("answer");
    assert_eq!(other.status(), StatusCode::NOT_FOUND, "Jane's link is not Mallory's to remove");
    assert_eq!(snapshot(server.store()).await, before);
}

#[tokio::test]
async fn a_trusted_proxy_passes_the_dn_and_anyone_else_is_ignored() {
    let loopback: IpAddr = "127.0.0.1".parse().expect("an address");
    let trusting = TestServer::start_with(Options {
        proxies: Proxies { trusted: vec![loopback], ..Proxies::default() },
        ..Options::default()
    })
    .await;
    let distrusting = TestServer::start_with(Options {
        proxies: Proxies { trusted: vec!["10.0.0.7".parse().expect("an address")], ..Proxies::default() },
        ..Options::default()
    })
    .await;
    for server in [&trusting, &distrusting] {
        let (_, token) = server.account("jane@example.org", &[Role::Community]).await;
        let linked = server
            .client
            .post(format!("{}/api/v1/me/certificates", server.url))
            .bearer_auth(&token)
            .header("X-SSL-Client-DN", "CN=Jane Doe,O=Example,C=DE,DC=tcs,DC=terena,DC=org")
            .send()
            .await
            .expect("link");
        let expected =
            if std::ptr::eq(server, &trusting) { StatusCode::CREATED } else { StatusCode::UNPROCESSABLE_ENTITY };
        assert_eq!(linked.status(), expected, "linking through the proxy header");
    }
    let me = |server: &TestServer| {
        server
            .client
            .get(format!("{}/api/v1/me", server.url))
            .header("X-SSL-Client-DN", "CN=Jane Doe,O=Example,C=DE,DC=tcs,DC=terena,DC=org")
            .send()
    };
    let via_proxy = me(&trusting).await.expect("answer");
    assert_eq!(via_proxy.status(), StatusCode::OK, "the RFC 2253 DN from the proxy, in canonical form, signs Jane in");
    let json: Value = via_proxy.json().await.expect("json");
    assert_eq!(json["email"], "jane@example.org");
    assert_eq!(
        me(&distrusting).await.expect("answer").status(),
        StatusCode::UNAUTHORIZED,
        "a header from an untrusted address is ignored"
    );
}

#[tokio::test]
async fn a_server_that_terminates_tls_asks_browsers_to_come_back_only_over_https() {
    let Some(pki) = pki() else { return };
    let tls = TestServer::start_with(Options { tls: Some(files(&pki)), ..Options::default() }).await;
    let plain = TestServer::start().await;
    let (tls_client, plain_client) = (client(&pki, None), reqwest::Client::new());
    for path in ["/api/v1/me", "/login", "/healthz", "/no/such/page"] {
        let answer = tls_client.get(format!("{}{path}", tls.url)).send().await.expect("an answer");
        let hsts = answer.headers().get("strict-transport-security").and_then(|v| v.to_str().ok());
        assert_eq!(hsts, Some("max-age=31536000"), "{path} over TLS");
        assert_eq!(answer.headers().get("x-content-type-options").map(|v| v.as_bytes()), Some(&b"nosniff"[..]));
        let answer = plain_client.get(format!("{}{path}", plain.url)).send().await.expect("an answer");
        assert!(answer.headers().get("strict-transport-security").is_none(), "{path}: not over plain HTTP");
        let nosniff = answer.headers().get("x-content-type-options").map(|v| v.as_bytes().to_vec());
        assert_eq!(nosniff.as_deref(), Some(&b"nosniff"[..]), "{path}: every answer, API too");
    }
}
