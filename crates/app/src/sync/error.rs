//! Why a call to another ticketing system failed, and whether it can go through later as it is:
//! the sync tries every failure again (a link is never given up), and says which kind it is.

/// A failed call to another system, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SystemError {
    /// The other side cannot be reached now, or failed on its side (cannot connect, timed out,
    /// answered 5xx or 429, a session that ran out): it may go through later as it is.
    #[error("{0}")]
    Transient(String),
    /// The other side refused it, or it cannot be sent as it is (credentials or a queue it
    /// refuses, another 4xx, an answer that cannot be read, settings that cannot work): it will
    /// not go through until something changes here or there.
    #[error("{0}")]
    Permanent(String),
}

impl SystemError {
    /// Whether it may go through later as it is.
    pub fn is_transient(&self) -> bool {
        matches!(self, SystemError::Transient(_))
    }

    /// A failure that it may go through later, in `words`.
    pub fn transient(words: impl Into<String>) -> SystemError {
        SystemError::Transient(words.into())
    }

    /// A failure that will not go through as it is, in `words`.
    pub fn permanent(words: impl Into<String>) -> SystemError {
        SystemError::Permanent(words.into())
    }
}

/// The words, where a failure is recorded as text (a link's last error, the log).
impl From<SystemError> for String {
    fn from(e: SystemError) -> String {
        e.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::SystemError;

    #[test]
    fn a_failure_says_its_words_and_its_kind() {
        for (e, transient) in [
            (SystemError::transient("cannot connect to RT"), true),
            (SystemError::permanent("RT answered 403 Forbidden"), false),
        ] {
            assert_eq!(e.is_transient(), transient);
            assert_eq!(String::from(e.clone()), e.to_string());
        }
        assert_eq!(SystemError::transient("timed out").to_string(), "timed out");
    }
}
