//! What every connector's HTTP client shares: one client per connector, errors in plain words.

use std::time::Duration;

/// A client that gives up after `timeout` (and keeps cookies, for RT's session).
pub(crate) fn client(timeout: Duration, cookies: bool) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5))
        .cookie_store(cookies)
        // RT answers an expired session with a redirect to its login form: seen, not followed.
        .redirect(if cookies { reqwest::redirect::Policy::none() } else { reqwest::redirect::Policy::default() })
        .user_agent(concat!("Helpdesk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot make an HTTP client: {e}"))
}

/// A failed request in words: cannot connect, timed out, or what the server answered.
pub(crate) fn unreachable(what: &str, e: &reqwest::Error) -> String {
    if e.is_connect() {
        format!("cannot connect to {what} (is it running, and is the address right?)")
    } else if e.is_timeout() {
        format!("{what} did not answer in time")
    } else {
        format!("the request to {what} failed: {e}")
    }
}

/// An answer that is not a success, with the start of its body.
pub(crate) async fn refused(what: &str, answer: reqwest::Response) -> String {
    let status = answer.status();
    let body = answer.text().await.unwrap_or_default();
    let body: String = body.chars().take(300).collect();
    format!("{what} answered {status}: {}", body.trim())
}

/// A new ticket's text for a system without fields of its own: the description, then the fields
/// that travel, one per line, then where the ticket is in Helpdesk.
pub(crate) fn ticket_text(t: &helpdesk_app::sync::RemoteTicket) -> String {
    let mut text = t.description.clone();
    for (name, value) in &t.fields {
        let value = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
        text.push_str(&format!("\n{name}: {value}"));
    }
    if let Some(url) = &t.url {
        text.push_str(&format!("\n\nIn Helpdesk: {url}"));
    }
    text
}
