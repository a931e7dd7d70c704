//! Credentials at rest: sealed with ChaCha20-Poly1305 under the installation's secret key, which
//! lives outside the database (a file in the data directory or the configuration), so that a copy
//! of the database alone does not give away the passwords of the systems Helpdesk talks to. The
//! same key signs the short secrets Helpdesk hands out in mail (a ticket's reply address for a
//! unit's list), so that a copy of the database does not give those away either.

use hmac::{Hmac, KeyInit, Mac};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

/// Seals and opens secrets with one key.
pub struct Sealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

/// Why a sealed secret could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the stored credentials cannot be opened with this installation's secret key (was the key changed?)")]
pub struct CannotOpen;

impl Sealer {
    /// A sealer whose key is derived from `secret` (any length; at least 32 random bytes advised).
    pub fn new(secret: &[u8]) -> Sealer {
        let digest = Sha256::new_with_prefix(b"helpdesk credentials v1\0").chain_update(secret).finalize();
        // A 32-byte key is what ChaCha20-Poly1305 takes, so this cannot fail.
        let key = UnboundKey::new(&CHACHA20_POLY1305, &digest).unwrap_or_else(|_| unreachable!("a 32-byte key"));
        Sealer { key: LessSafeKey::new(key) }
    }

    /// `plain`, sealed: a fresh random nonce, then the ciphertext with its tag.
    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        // The system's random source does not fail on Linux once booted.
        SystemRandom::new().fill(&mut nonce).unwrap_or_else(|_| unreachable!("the system's random source"));
        let mut out = plain.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut out)
            .unwrap_or_else(|_| unreachable!("sealing only fails past 256 GiB"));
        let mut sealed = nonce.to_vec();
        sealed.extend(out);
        sealed
    }

    /// The plain bytes of what [`Sealer::seal`] made with the same key.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, CannotOpen> {
        if sealed.len() < NONCE_LEN {
            return Err(CannotOpen);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CannotOpen)?;
        let mut body = body.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::empty(), &mut body).map_err(|_| CannotOpen)?;
        Ok(plain.to_vec())
    }
}

/// Signs short messages for one purpose with HMAC-SHA-256, under a key derived from the
/// installation's secret key; checks a signature, cut to its first bytes, in constant time.
pub struct Signer {
    key: [u8; 32],
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    /// A signer for `purpose` whose key is derived from `secret`: each purpose has a key of its own.
    pub fn new(secret: &[u8], purpose: &str) -> Signer {
        let prefix = format!("helpdesk {purpose} v1\0");
        Signer { key: Sha256::new_with_prefix(prefix.as_bytes()).chain_update(secret).finalize().into() }
    }

    fn mac(&self, message: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length, so this cannot fail.
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key);
        mac.unwrap_or_else(|_| unreachable!("HMAC accepts any key")).chain_update(message)
    }

    /// The first `len` bytes (at most 32) of `message`'s signature.
    pub fn sign(&self, message: &[u8], len: usize) -> Vec<u8> {
        let full = self.mac(message).finalize().into_bytes();
        full[..len.min(full.len())].to_vec()
    }

    /// Whether `signature` is the beginning of `message`'s, compared in constant time.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        !signature.is_empty() && self.mac(message).verify_truncated_left(signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_hold_only_for_their_message_purpose_and_key() {
        let signer = Signer::new(b"installation key", "list reply");
        let signature = signer.sign(b"ticket 42 unit 7", 10);
        assert_eq!(signature.len(), 10);
        assert_eq!(signature, signer.sign(b"ticket 42 unit 7", 10), "the same every time");
        assert!(signer.verify(b"ticket 42 unit 7", &signature));
        assert!(!signer.verify(b"ticket 43 unit 7", &signature), "another message");
        assert!(!Signer::new(b"installation key", "other").verify(b"ticket 42 unit 7", &signature), "another purpose");
        assert!(!Signer::new(b"another key", "list reply").verify(b"ticket 42 unit 7", &signature), "another key");
        let mut altered = signature.clone();
        altered[9] ^= 1;
        assert!(!signer.verify(b"ticket 42 unit 7", &altered));
        assert!(!signer.verify(b"ticket 42 unit 7", &[]), "no signature is none");
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_unaltered() {
        let sealer = Sealer::new(b"installation key");
        let sealed = sealer.seal(b"rt password");
        assert!(!sealed.windows(8).any(|w| w == b"password"), "the secret must not show");
        assert_ne!(sealed, sealer.seal(b"rt password"), "each seal takes a fresh nonce");
        assert_eq!(sealer.open(&sealed).as_deref(), Ok(&b"rt password"[..]));
        assert_eq!(Sealer::new(b"another key").open(&sealed), Err(CannotOpen));
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(sealer.open(&tampered), Err(CannotOpen));
        assert_eq!(sealer.open(b"short"), Err(CannotOpen));
    }
}
