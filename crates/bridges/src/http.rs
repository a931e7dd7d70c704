//! What every connector's HTTP client shares: one client per connector, errors in plain words.

use std::time::Duration;

use helpdesk_app::sync::SystemError;

/// A client that gives up after `timeout`. With `session_at`, it keeps cookies (RT's session)
/// and names that address as the `Referer` of every request: RT refuses a write authenticated by
/// a session cookie unless it comes from RT's own address (its defence against cross-site
/// forgery, in every RT since Debian's security update 5.0.3+dfsg-3~deb12u7).
pub(crate) fn client(timeout: Duration, session_at: Option<&str>) -> Result<reqwest::Client, SystemError> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(at) = session_at {
        let referer = reqwest::header::HeaderValue::from_str(at)
            .map_err(|_| SystemError::permanent(format!("the address '{at}' cannot be sent as a Referer")))?;
        headers.insert(reqwest::header::REFERER, referer);
    }
    let session = session_at.is_some();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5))
        .cookie_store(session)
        .default_headers(headers)
        // RT answers an expired session with a redirect to its login form: seen, not followed.
        .redirect(if session { reqwest::redirect::Policy::none() } else { reqwest::redirect::Policy::default() })
        .user_agent(concat!("Helpdesk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SystemError::permanent(format!("cannot make an HTTP client: {e}")))
}

/// A failure that will not go through as it is, in words as `format!` takes them.
macro_rules! permanent {
    ($($words:tt)*) => {
        helpdesk_app::sync::SystemError::Permanent(format!($($words)*))
    };
}
pub(crate) use permanent;

/// A request that did not get an answer, in words: cannot connect, timed out, or how it failed.
/// It may go through later as it is.
pub(crate) fn unreachable(what: &str, e: &reqwest::Error) -> SystemError {
    SystemError::transient(if e.is_connect() {
        format!("cannot connect to {what} (is it running, and is the address right?)")
    } else if e.is_timeout() {
        format!("{what} did not answer in time")
    } else {
        format!("the request to {what} failed: {e}")
    })
}

/// An answer that is not a success, with the start of its body: transient when the other side
/// failed or is busy (5xx, 429, 408), permanent when it refused (any other 4xx, or a redirect).
pub(crate) async fn refused(what: &str, answer: reqwest::Response) -> SystemError {
    let status = answer.status();
    let body = answer.text().await.unwrap_or_default();
    let body: String = body.chars().take(300).collect();
    let words = format!("{what} answered {status}: {}", body.trim());
    match status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
        true => SystemError::transient(words),
        false => SystemError::permanent(words),
    }
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

/// GETs a file: its bytes, or, inside, why the server refuses it for good (forbidden, not
/// found, gone: the file is then named as left out); `Err` when it cannot be had now (a session
/// that ran out, a server error: the poll is tried again).
pub(crate) async fn fetch(
    request: reqwest::RequestBuilder,
    what: &str,
) -> Result<Result<Vec<u8>, String>, SystemError> {
    let answer = request.send().await.map_err(|e| unreachable(what, &e))?;
    let status = answer.status();
    if matches!(status.as_u16(), 403 | 404 | 410) {
        return Ok(Err(format!("{what} answered {status}")));
    }
    if !status.is_success() {
        return Err(refused(what, answer).await);
    }
    Ok(Ok(answer.bytes().await.map_err(|e| unreachable(what, &e))?.to_vec()))
}

/// The files of one reply as they come in from the other side, and those left out.
#[derive(Default)]
pub(crate) struct Incoming {
    files: Vec<helpdesk_app::sync::EventFile>,
    left_out: Vec<String>,
}

impl Incoming {
    /// Whether a file of `size` bytes is worth fetching: one larger than Helpdesk keeps is named
    /// as left out instead.
    pub(crate) fn wants(&mut self, name: &str, size: usize) -> bool {
        if size > helpdesk_domain::attachment::MAX_ATTACHMENT_BYTES {
            self.left_out.push(helpdesk_app::sync::too_large(name, size));
            return false;
        }
        true
    }

    /// A file fetched, or named as left out with the reason it could not be read.
    pub(crate) fn add(&mut self, name: &str, content_type: &str, fetched: Result<Vec<u8>, String>) {
        use base64::Engine;
        match fetched {
            Ok(bytes) => self.files.push(helpdesk_app::sync::EventFile {
                filename: name.to_owned(),
                content_type: content_type.to_owned(),
                data: base64::engine::general_purpose::STANDARD.encode(bytes),
            }),
            Err(why) => self.left_out.push(format!("{name} (not readable: {why})")),
        }
    }

    /// The reply's text, naming what was left out, and its files.
    pub(crate) fn finish(self, text: &str, system: &str) -> (String, Vec<helpdesk_app::sync::EventFile>) {
        (helpdesk_app::sync::with_left_out(text, &self.left_out, system), self.files)
    }
}

/// The text of an HTML message part, read as inbound mail's is (mail-parser's `html_to_text`:
/// tags, scripts and styles dropped, entities read, line breaks where blocks end), each line's
/// trailing spaces trimmed. Enough for a reply's text; formatting is not kept.
pub(crate) fn html_text(html: &str) -> String {
    let text = mail_parser::decoders::html::html_to_text(html);
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::{html_text, refused};

    #[tokio::test]
    async fn a_refusal_is_transient_when_the_other_side_failed_or_is_busy() {
        let table = [(500, true), (502, true), (503, true), (429, true), (408, true), (400, false), (401, false)];
        let table = table.into_iter().chain([(403, false), (404, false), (422, false), (302, false)]);
        for (status, transient) in table {
            let e = refused("RT", answer(status, "Cross-site request forgery protection refused this request")).await;
            assert_eq!(e.is_transient(), transient, "{status}");
            assert!(e.to_string().starts_with(&format!("RT answered {status}")), "{e}");
            assert!(e.to_string().ends_with("refused this request"), "the body's start is kept: {e}");
        }
    }

    /// An HTTP answer with `status` and `body`, as reqwest hands it over.
    fn answer(status: u16, body: &'static str) -> reqwest::Response {
        let answer = http::Response::builder().status(status).body(body).expect("an answer");
        reqwest::Response::from(answer)
    }

    #[test]
    fn html_becomes_its_text() {
        let table = [
            ("<p>Granted until June.</p>", "Granted until June."),
            ("<div>Line one<br>Line two</div>", "Line one\nLine two"),
            ("Fish &amp; chips &lt;3 &quot;hot&quot;", "Fish & chips <3 \"hot\""),
            // As inbound mail reads it: one line break between two blocks.
            ("<p>A</p><p>B</p>", "A\nB"),
            ("<style>p { color: red }</style><p>Hi</p><script>alert(1)</script>", "Hi"),
            ("caf&eacute; &#8364;5", "café €5"),
            ("no tags at all", "no tags at all"),
            ("<b>unclosed", "unclosed"),
            ("broken <tag", "broken"),
        ];
        for (html, text) in table {
            assert_eq!(html_text(html), text, "{html}");
        }
    }
}
