//! Signed, expiring links for e-mail: address verification and password reset.
//!
//! A token carries its purpose, the account, its expiry and a fingerprint of what it is bound to
//! (the address being verified, the password being replaced), signed with HMAC-SHA-256 under a
//! key every node shares. Binding makes a reset link single-use: once the password changes, the
//! fingerprint no longer matches.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use helpdesk_domain::AccountId;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

type HmacSha256 = Hmac<Sha256>;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Proves the owner of an address.
    Verify,
    /// Lets the owner of an address set a new password.
    Reset,
}

impl Purpose {
    fn tag(self) -> &'static str {
        match self {
            Purpose::Verify => "verify",
            Purpose::Reset => "reset",
        }
    }
}

/// Why a link was refused. Deliberately one answer for all causes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this link is not valid or has expired; ask for a new one")]
pub struct BadLink;

/// Signs and checks links with one key.
#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

/// The fingerprint of what a link is bound to.
pub fn fingerprint(binding: &str) -> String {
    let digest = Sha256::digest(binding.as_bytes());
    hex::encode(&digest[..12])
}

impl LinkSigner {
    /// A signer with `key`.
    pub fn new(key: Vec<u8>) -> LinkSigner {
        LinkSigner { key }
    }

    fn mac(&self, payload: &str) -> Vec<u8> {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = HmacSha256::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!("HMAC accepts any key"));
        mac.update(payload.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// A token for `purpose`, for `account`, bound to `binding`, valid until `expires`.
    pub fn sign(&self, purpose: Purpose, account: AccountId, binding: &str, expires: OffsetDateTime) -> String {
        let payload = format!("{}.{account}.{}.{}", purpose.tag(), expires.unix_timestamp(), fingerprint(binding));
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(self.mac(&payload)))
    }

    /// The account and binding fingerprint of a token for `purpose` that is intact and unexpired.
    pub fn check(&self, token: &str, purpose: Purpose, now: OffsetDateTime) -> Result<(AccountId, String), BadLink> {
        let (payload, signature) = token.trim().split_once('.').ok_or(BadLink)?;
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).map_err(|_| BadLink)?).map_err(|_| BadLink)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| BadLink)?;
        let mut mac = HmacSha256::new_from_slice(&self.key).map_err(|_| BadLink)?;
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).map_err(|_| BadLink)?;
        let parts: Vec<&str> = payload.split('.').collect();
        let [tag, account, expires, bound] = parts[..] else { return Err(BadLink) };
        let expires: i64 = expires.parse().map_err(|_| BadLink)?;
        if tag != purpose.tag() || expires < now.unix_timestamp() {
            return Err(BadLink);
        }
        Ok((account.parse().map_err(|_| BadLink)?, bound.to_owned()))
    }
}

impl LinkSigner {
    /// Seals `data` (readable, not secret) so that it comes back unchanged until `expires`.
    pub fn seal(&self, data: &str, expires: OffsetDateTime) -> String {
        let payload = format!("{}\n{data}", expires.unix_timestamp());
        // A distinct prefix keeps a sealed value from ever passing as a link, and back.
        let mac = self.mac(&format!("sealed\n{payload}"));
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(mac))
    }

    /// The data of an intact, unexpired sealed value.
    pub fn open(&self, sealed: &str, now: OffsetDateTime) -> Result<String, BadLink> {
        let (payload, signature) = sealed.trim().split_once('.').ok_or(BadLink)?;
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).map_err(|_| BadLink)?).map_err(|_| BadLink)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| BadLink)?;
        let mut mac = HmacSha256::new_from_slice(&self.key).map_err(|_| BadLink)?;
        mac.update(format!("sealed\n{payload}").as_bytes());
        mac.verify_slice(&signature).map_err(|_| BadLink)?;
        let (expires, data) = payload.split_once('\n').ok_or(BadLink)?;
        if expires.parse::<i64>().map_err(|_| BadLink)? < now.unix_timestamp() {
            return Err(BadLink);
        }
        Ok(data.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn links_are_checked_for_signature_purpose_and_expiry() {
        let now = OffsetDateTime::now_utc();
        let signer = LinkSigner::new(b"one key".to_vec());
        let other = LinkSigner::new(b"another key".to_vec());
        let token = signer.sign(Purpose::Verify, AccountId(42), "ann@example.org", now + Duration::hours(1));
        assert_eq!(signer.check(&token, Purpose::Verify, now), Ok((AccountId(42), fingerprint("ann@example.org"))));
        let (payload, signature) = token.split_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD
            .encode(String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap().replacen("42", "43", 1));
        // (token, purpose, at, why)
        let refused = [
            (token.clone(), Purpose::Reset, now, "another purpose"),
            (token.clone(), Purpose::Verify, now + Duration::hours(2), "expired"),
            (
                other.sign(Purpose::Verify, AccountId(42), "ann@example.org", now + Duration::hours(1)),
                Purpose::Verify,
                now,
                "another key",
            ),
            (format!("{forged_payload}.{signature}"), Purpose::Verify, now, "a changed account"),
            (format!("{payload}.{}", &signature[1..]), Purpose::Verify, now, "a cut signature"),
            (payload.to_owned(), Purpose::Verify, now, "no signature"),
            ("".to_owned(), Purpose::Verify, now, "nothing"),
            ("%%%.%%%".to_owned(), Purpose::Verify, now, "not base64"),
        ];
        for (token, purpose, at, why) in refused {
            assert_eq!(signer.check(&token, purpose, at), Err(BadLink), "{why}");
        }
    }

    #[test]
    fn sealed_values_come_back_unchanged_until_they_expire() {
        let now = OffsetDateTime::now_utc();
        let signer = LinkSigner::new(b"one key".to_vec());
        let sealed = signer.seal("provider\nsubject\n7", now + Duration::minutes(10));
        assert_eq!(signer.open(&sealed, now).as_deref(), Ok("provider\nsubject\n7"));
        assert_eq!(signer.open(&sealed, now + Duration::minutes(11)), Err(BadLink));
        assert_eq!(LinkSigner::new(b"other".to_vec()).open(&sealed, now), Err(BadLink));
        let link = signer.sign(Purpose::Verify, AccountId(1), "x", now + Duration::hours(1));
        assert_eq!(signer.open(&link, now), Err(BadLink), "a link is not a sealed value");
        assert_eq!(signer.check(&sealed, Purpose::Verify, now), Err(BadLink), "nor the other way round");
    }
}
