//! Credentials at rest: sealed with ChaCha20-Poly1305 under the installation's secret key, which
//! lives outside the database (a file in the data directory or the configuration), so that a copy
//! of the database alone does not give away the passwords of the systems Helpdesk talks to. The
//! same key signs the short secrets Helpdesk hands out in mail (a ticket's reply address for a
//! unit's list), so that a copy of the database does not give those away either.

use hmac::{Hmac, KeyInit, Mac};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

/// The length of every derived key: ChaCha20-Poly1305's, and HMAC-SHA-256's block of choice.
const KEY_LEN: usize = 32;

/// An output length for HKDF.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// The key of one `purpose`, derived from the installation's secret with HKDF-SHA-256 (RFC 5869):
/// each purpose gets a key of its own, none of which tells anything of the secret or the others.
fn derive(secret: &[u8], purpose: &str) -> [u8; KEY_LEN] {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"helpdesk").extract(secret);
    let info = [purpose.as_bytes()];
    let mut key = [0u8; KEY_LEN];
    // 32 bytes is far below HKDF-SHA-256's limit of 8,160, so neither step can fail.
    prk.expand(&info, Len(KEY_LEN))
        .and_then(|okm| okm.fill(&mut key))
        .unwrap_or_else(|_| unreachable!("32 bytes of HKDF-SHA-256"));
    key
}

/// The key the first versions derived for `prefix`, as a salted SHA-256 of the secret: still
/// read (credentials sealed and reply addresses signed then), never used for anything new.
fn legacy(secret: &[u8], prefix: &str) -> [u8; KEY_LEN] {
    Sha256::new_with_prefix(prefix.as_bytes()).chain_update(secret).finalize().into()
}

/// What the first versions salted the credentials' key with.
const LEGACY_CREDENTIALS: &str = "helpdesk credentials v1\0";

/// A ChaCha20-Poly1305 key.
fn aead_key(key: &[u8; KEY_LEN]) -> LessSafeKey {
    // A 32-byte key is what ChaCha20-Poly1305 takes, so this cannot fail.
    LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, key).unwrap_or_else(|_| unreachable!("a 32-byte key")))
}

/// Seals secrets with one key; opens what it or the first versions sealed.
pub struct Sealer {
    key: LessSafeKey,
    legacy: LessSafeKey,
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
        Sealer {
            key: aead_key(&derive(secret, "credentials v2")),
            legacy: aead_key(&legacy(secret, LEGACY_CREDENTIALS)),
        }
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

    /// The plain bytes of what [`Sealer::seal`] made with the same secret, by this version or
    /// the first ones (the tag tells which key sealed it: the wrong one never opens it).
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, CannotOpen> {
        open_with(&self.key, sealed).or_else(|_| open_with(&self.legacy, sealed))
    }
}

/// `sealed` opened with `key`.
fn open_with(key: &LessSafeKey, sealed: &[u8]) -> Result<Vec<u8>, CannotOpen> {
    if sealed.len() < NONCE_LEN {
        return Err(CannotOpen);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CannotOpen)?;
    let mut body = body.to_vec();
    let plain = key.open_in_place(nonce, Aad::empty(), &mut body).map_err(|_| CannotOpen)?;
    Ok(plain.to_vec())
}

/// Signs short messages for one purpose with HMAC-SHA-256, under a key derived from the
/// installation's secret key; checks a signature, cut to its first bytes, in constant time (one
/// made under the first versions' key too, such as a reply address in mail sent then).
pub struct Signer {
    key: [u8; KEY_LEN],
    legacy: [u8; KEY_LEN],
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    /// A signer for `purpose` whose key is derived from `secret`: each purpose has a key of its own.
    pub fn new(secret: &[u8], purpose: &str) -> Signer {
        Signer {
            key: derive(secret, &format!("{purpose} v2")),
            legacy: legacy(secret, &format!("helpdesk {purpose} v1\0")),
        }
    }

    /// The first `len` bytes (at most 32) of `message`'s signature.
    pub fn sign(&self, message: &[u8], len: usize) -> Vec<u8> {
        let full = mac(&self.key, message).finalize().into_bytes();
        full[..len.min(full.len())].to_vec()
    }

    /// Whether `signature` is the beginning of `message`'s, compared in constant time.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let holds = |key: &[u8; KEY_LEN]| mac(key, message).verify_truncated_left(signature).is_ok();
        !signature.is_empty() && (holds(&self.key) || holds(&self.legacy))
    }
}

/// HMAC-SHA-256 of `message` under `key`.
fn mac(key: &[u8; KEY_LEN], message: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key);
    mac.unwrap_or_else(|_| unreachable!("HMAC accepts any key")).chain_update(message)
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
    fn what_the_first_versions_sealed_and_signed_still_opens_and_verifies() {
        let secret = b"installation key";
        let old_sealer = Sealer { key: aead_key(&legacy(secret, LEGACY_CREDENTIALS)), legacy: aead_key(&[0; 32]) };
        let sealed = old_sealer.seal(b"rt password");
        assert_eq!(Sealer::new(secret).open(&sealed).as_deref(), Ok(&b"rt password"[..]));
        assert_eq!(Sealer::new(b"another key").open(&sealed), Err(CannotOpen));
        let fresh = Sealer::new(secret).seal(b"rt password");
        assert_eq!(old_sealer.open(&fresh), Err(CannotOpen), "a new seal is made under the HKDF key");

        let old_signer = Signer { key: legacy(secret, "helpdesk list reply v1\0"), legacy: [0; 32] };
        let signature = old_signer.sign(b"ticket 42 unit 7", 10);
        let signer = Signer::new(secret, "list reply");
        assert!(signer.verify(b"ticket 42 unit 7", &signature), "a reply address mailed before still holds");
        assert!(!signer.verify(b"ticket 43 unit 7", &signature));
        assert_ne!(signer.sign(b"ticket 42 unit 7", 10), signature, "a new one is signed under the HKDF key");
    }

    #[test]
    fn keys_are_derived_by_hkdf_one_for_each_purpose() {
        // RFC 5869's extract-then-expand with SHA-256, salt "helpdesk", info the purpose.
        let a = derive(b"installation key", "credentials v2");
        assert_eq!(a, derive(b"installation key", "credentials v2"), "the same every time");
        assert_ne!(a, derive(b"installation key", "list reply address v2"), "another purpose, another key");
        assert_ne!(a, derive(b"another key", "credentials v2"));
        assert_ne!(a, legacy(b"installation key", LEGACY_CREDENTIALS));
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
