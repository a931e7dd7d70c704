//! Clients signed in as a person: to Helpdesk's pages, and to Request Tracker.

use std::time::Duration;

use anyhow::{Context, bail};

/// A client that keeps cookies when asked and follows no redirect.
pub(crate) fn http_client(cookies: bool) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .cookie_store(cookies)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .context("an HTTP client")
}

/// A client signed in to Request Tracker through its login form. It sends RT's own address as
/// the `Referer` of every request: RT refuses a write authenticated by a session cookie without
/// it (Debian's 5.0.3+dfsg-3~deb12u7 on), and a page fetched without it as a possible forgery.
pub async fn rt_session(url: &str, user: &str, password: &str) -> anyhow::Result<reqwest::Client> {
    let referer = reqwest::header::HeaderValue::from_str(&format!("{url}/")).context("RT's address")?;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(reqwest::header::HeaderMap::from_iter([(reqwest::header::REFERER, referer)]))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .context("an HTTP client")?;
    let answer =
        client.post(format!("{url}/NoAuth/Login.html")).form(&[("user", user), ("pass", password)]).send().await?;
    if !answer.status().is_redirection() && !answer.status().is_success() {
        bail!("signing in to RT answered {}", answer.status());
    }
    let check = client.get(format!("{url}/REST/2.0/rt")).send().await?;
    if !check.status().is_success() {
        bail!("RT's REST 2.0 refused the session of '{user}': {}", check.status());
    }
    Ok(client)
}

/// A client signed in to Helpdesk's pages through the sign-in form.
pub async fn page_session(url: &str, email: &str, password: &str) -> anyhow::Result<reqwest::Client> {
    let client = http_client(true)?;
    let login = client.get(format!("{url}/login")).send().await?.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let at = login.find(marker).context("the sign-in form has no CSRF token")? + marker.len();
    let csrf: String = login[at..].chars().take_while(|c| *c != '"').collect();
    let form = [("csrf", csrf.as_str()), ("email", email), ("password", password)];
    let answer = client.post(format!("{url}/login")).form(&form).send().await?;
    if answer.status().as_u16() != 303 {
        bail!("signing in as {email} answered {}", answer.status());
    }
    Ok(client)
}
