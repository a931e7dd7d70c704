//! Signed webhooks between Helpdesk and the systems it keeps in step: HMAC-SHA-256 over the
//! time, a nonce and the body, under a key both sides hold. The time bounds how long a captured
//! request could be replayed; the nonce, remembered for that long, stops it being replayed at all.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header that carries the signature.
pub const HEADER: &str = "helpdesk-signature";

/// How far a signature's time may be from ours, in seconds.
pub const WINDOW_SECONDS: i64 = 300;

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadSignature {
    /// The header is missing or not in the form `t=…,n=…,v1=…`.
    #[error("the request has no valid {HEADER} header (expected t=<unix time>,n=<nonce>,v1=<hex HMAC-SHA-256>)")]
    Malformed,
    /// The time is too far from now.
    #[error("the signature's time is {0} s away from this server's; more than {WINDOW_SECONDS} s is refused")]
    Stale(i64),
    /// The HMAC does not match.
    #[error("the signature does not match: the two sides do not share the same signing key")]
    Mismatch,
}

/// The parts of a checked signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// When it was signed (Unix seconds).
    pub at: i64,
    /// Its nonce, to be remembered.
    pub nonce: String,
}

fn mac(key: &[u8], at: i64, nonce: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key"));
    mac.update(at.to_string().as_bytes());
    mac.update(b".");
    mac.update(nonce.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value signing `body` at `at` with `nonce`.
pub fn sign(key: &[u8], at: i64, nonce: &str, body: &[u8]) -> String {
    let tag = mac(key, at, nonce, body).finalize().into_bytes();
    let hex = hex::encode(tag);
    format!("t={at},n={nonce},v1={hex}")
}

/// Checks `header` against `body` at `now` (Unix seconds).
pub fn verify(key: &[u8], header: &str, body: &[u8], now: i64) -> Result<Signed, BadSignature> {
    let (mut at, mut nonce, mut tag) = (None, None, None);
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => at = v.parse::<i64>().ok(),
            Some(("n", v)) if !v.is_empty() && v.len() <= 100 => nonce = Some(v.to_owned()),
            Some(("v1", v)) => tag = decode_hex(v),
            _ => {}
        }
    }
    let (Some(at), Some(nonce), Some(tag)) = (at, nonce, tag) else {
        return Err(BadSignature::Malformed);
    };
    let skew = now.abs_diff(at);
    if skew > WINDOW_SECONDS.unsigned_abs() {
        return Err(BadSignature::Stale(i64::try_from(skew).unwrap_or(i64::MAX)));
    }
    mac(key, at, &nonce, body).verify_slice(&tag).map_err(|_| BadSignature::Mismatch)?;
    Ok(Signed { at, nonce })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_hold_only_for_the_same_key_body_and_time() {
        let key = b"a shared key of enough length";
        let body = br#"{"type":"article.created"}"#;
        let header = sign(key, 1_000_000, "n1", body);
        assert_eq!(verify(key, &header, body, 1_000_100), Ok(Signed { at: 1_000_000, nonce: "n1".into() }));
        type Case<'a> = (&'a [u8], String, &'a [u8], i64, BadSignature);
        let table: Vec<Case> = vec![
            (b"another key", header.clone(), body, 1_000_000, BadSignature::Mismatch),
            (key, header.clone(), b"{}", 1_000_000, BadSignature::Mismatch),
            (key, header.replace("n=n1", "n=n2"), body, 1_000_000, BadSignature::Mismatch),
            (key, header.replace("t=1000000", "t=1000001"), body, 1_000_000, BadSignature::Mismatch),
            (key, header.clone(), body, 1_000_301, BadSignature::Stale(301)),
            (key, header.clone(), body, 999_000, BadSignature::Stale(1000)),
            (key, "v1=00".into(), body, 1_000_000, BadSignature::Malformed),
            (key, String::new(), body, 1_000_000, BadSignature::Malformed),
        ];
        for (key, header, body, now, refused) in table {
            assert_eq!(verify(key, &header, body, now), Err(refused.clone()), "{header} at {now}");
        }
    }
}
