//! `helpdesk mailgate`: hands one raw message from standard input to a Helpdesk server, for an
//! MTA's pipe (`| helpdesk mailgate --url ... --token ... --recipient $RECIPIENT` in an aliases
//! file or a transport).
//! Its exit codes are sysexits(3)'s, which MTAs understand: a server that cannot be reached
//! or fails makes the MTA keep the message and try again later; nothing is lost.

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

/// The message was handed in.
const EX_OK: u8 = 0;
/// The message itself is refused (too big, empty): the MTA bounces it.
const EX_DATAERR: u8 = 65;
/// The server cannot be reached or failed: the MTA keeps the message and retries.
const EX_TEMPFAIL: u8 = 75;
/// The token is not valid, or not a mail gateway's.
const EX_NOPERM: u8 = 77;
/// A usage error (a URL that is not one).
const EX_USAGE: u8 = 64;

/// Reads a message from standard input and posts it to `url`'s inbound mail endpoint, with the
/// envelope's `recipient` when the MTA gives it.
pub fn run(url: &str, token: &str, recipient: Option<&str>, timeout: Duration) -> ExitCode {
    // An MTA passes an empty variable as an empty argument: no recipient, not a wrong one.
    let recipient = recipient.map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = recipient
        && (!r.contains('@') || r.contains(char::is_whitespace))
    {
        eprintln!("mailgate: --recipient must be an e-mail address (got '{r}')");
        return ExitCode::from(EX_USAGE);
    }
    let mut raw = Vec::new();
    let limit = helpdesk_app::inbound::MAX_RAW_BYTES as u64 + 1;
    if let Err(e) = std::io::stdin().take(limit).read_to_end(&mut raw) {
        eprintln!("mailgate: cannot read the message from standard input: {e}");
        return ExitCode::from(EX_TEMPFAIL);
    }
    if raw.len() as u64 >= limit {
        eprintln!("mailgate: the message is larger than {} MiB", helpdesk_app::inbound::MAX_RAW_BYTES >> 20);
        return ExitCode::from(EX_DATAERR);
    }
    let endpoint = format!("{}/api/v1/mail/inbound", url.trim_end_matches('/'));
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        eprintln!("mailgate: --url must start with http:// or https:// (got '{url}')");
        return ExitCode::from(EX_USAGE);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mailgate: cannot start: {e}");
            return ExitCode::from(EX_TEMPFAIL);
        }
    };
    ExitCode::from(runtime.block_on(post(&endpoint, token, recipient, raw, timeout)))
}

async fn post(endpoint: &str, token: &str, recipient: Option<&str>, raw: Vec<u8>, timeout: Duration) -> u8 {
    let client = match reqwest::Client::builder().timeout(timeout).build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mailgate: cannot make an HTTP client: {e}");
            return EX_TEMPFAIL;
        }
    };
    let mut request = client.post(endpoint);
    if let Some(recipient) = recipient {
        request = request.query(&[("recipient", recipient)]);
    }
    let answer =
        request.bearer_auth(token).header(reqwest::header::CONTENT_TYPE, "message/rfc822").body(raw).send().await;
    let response = match answer {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mailgate: cannot reach {endpoint}: {e}; the MTA will try again");
            return EX_TEMPFAIL;
        }
    };
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    match status.as_u16() {
        200..=299 => EX_OK,
        401 | 403 => {
            eprintln!("mailgate: the server refuses the token ({status}): {body}");
            EX_NOPERM
        }
        413 | 422 => {
            eprintln!("mailgate: the server refuses the message ({status}): {body}");
            EX_DATAERR
        }
        _ => {
            eprintln!("mailgate: the server answered {status}: {body}; the MTA will try again");
            EX_TEMPFAIL
        }
    }
}
