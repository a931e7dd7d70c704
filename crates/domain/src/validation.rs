//! Field-level validation errors, shared by every rule that checks what a person typed.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One reason a submitted value was refused, naming the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The field, as named in the request (`fields.os` for a category field).
    pub field: String,
    /// What is wrong, in words a person can act on.
    pub message: String,
}

impl FieldError {
    /// A refusal of `field` for the given reason.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// Collects field errors, so that a person sees every problem at once rather than one per try.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    /// An empty collection.
    pub fn new() -> Self {
        Errors::default()
    }

    /// Records a refusal.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Records a refusal when `failed` holds.
    pub fn check(&mut self, failed: bool, field: &str, message: impl Into<String>) {
        if failed {
            self.add(field, message);
        }
    }

    /// Takes the errors of another check.
    pub fn extend(&mut self, other: Vec<FieldError>) {
        self.0.extend(other);
    }

    /// `Ok(value)` when nothing was refused, else every refusal.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() { Ok(value) } else { Err(self.0) }
    }
}

/// What [`check_line`] takes, as the OpenAPI document states it (with `maxLength`): no control
/// character anywhere, and one character that is neither a control nor white space (the
/// characters `str::trim` takes away). The API's schemas repeat it as a literal (utoipa takes
/// no constant there); a test holds every copy to this one.
pub const LINE_PATTERN: &str = "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\x00-\\x20\\x7F-\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000][^\\x00-\\x1F\\x7F-\\x9F]*$";

/// What the API's schemas ask of a text that must not be blank: a character that is neither
/// white space (as JavaScript's `\s` has it) nor U+0085, which Unicode also counts as white
/// space. [`is_blank`] is the server's side of the same rule.
pub const TEXT_PATTERN: &str = "^[\\s\\S]*[^\\s\\u0085][\\s\\S]*$";

/// Whether `text` is blank: Unicode white space and the byte-order mark only (what
/// [`TEXT_PATTERN`] refuses).
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || c == '\u{feff}')
}

/// Checks a one-line name or title: not blank, at most `max` characters as sent, no control
/// characters (white space around it is taken away, controls are not: as the document says).
pub fn check_line(errors: &mut Errors, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        errors.add(field, "must not be empty");
    } else if value.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters (got {})", value.chars().count()));
    } else if value.chars().any(char::is_control) {
        errors.add(field, "must be one line without control characters");
    }
}

/// Checks a text body: not blank, at most `max_bytes` bytes.
pub fn check_text(errors: &mut Errors, field: &str, value: &str, max_bytes: usize) {
    if value.trim().is_empty() {
        errors.add(field, "must not be empty");
    } else if value.len() > max_bytes {
        errors.add(field, format!("must be at most {max_bytes} bytes (got {})", value.len()));
    }
}

/// Checks an e-mail address loosely: one `@`, something on both sides, a dot in the domain.
/// Delivery is the real test; this only catches typing mistakes.
pub fn check_email(errors: &mut Errors, field: &str, value: &str) {
    let ok = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(|c| c.is_whitespace() || c.is_control())
                && !domain.contains('@')
        }
        None => false,
    };
    if !ok {
        errors.add(field, format!("'{value}' is not an e-mail address"));
    } else if value.len() > 254 {
        errors.add(field, "must be at most 254 characters");
    }
}

/// Checks a link a person gives: `http://` or `https://` (any case) and a host, at most `max`
/// characters, no spaces, control characters or characters a URL never holds unescaped (`<`,
/// `>`, `"`, `` ` ``, `\`). Other schemes (`javascript:`, `data:`, `file:`) are refused.
pub fn check_url(errors: &mut Errors, field: &str, value: &str, max: usize) {
    let chars = value.chars().count();
    let lower = value.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    let authority = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
    let host = authority.map(|a| a.rsplit('@').next().unwrap_or_default());
    if chars > max {
        errors.add(field, format!("must be at most {max} characters (got {chars})"));
    } else if rest.is_none() {
        errors.add(field, "must be a web address starting with http:// or https://");
    } else if value.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"`\\".contains(c)) {
        errors.add(field, "must not contain spaces, control characters, or < > \" ` \\");
    } else if host.is_none_or(|h| h.is_empty() || h.starts_with(':')) {
        errors.add(field, "must name a host after http:// or https://");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(value: &str) -> Vec<FieldError> {
        let mut e = Errors::new();
        check_line(&mut e, "title", value, 10);
        e.finish(()).err().unwrap_or_default()
    }

    #[test]
    fn lines() {
        for (value, ok) in [
            ("Printer", true),
            ("  padded  ", true),
            ("", false),
            ("   ", false),
            ("0123456789", true),
            ("01234567890", false),
            ("ééééééééé", true),
            ("two\nlines", false),
            ("\tindented", false),
            ("trailing\n", false),
            ("\u{3000}wide\u{a0}", true),
            ("\u{a0}\u{2028}", false),
            ("0123456789 ", false),
        ] {
            assert_eq!(line(value).is_empty(), ok, "{value:?}");
        }
    }

    #[test]
    fn urls() {
        for (value, ok) in [
            ("https://example.org", true),
            ("http://example.org/a?b=c#d", true),
            ("HTTPS://Example.org/Path", true),
            ("https://user@example.org:8443/x", true),
            ("javascript:alert(1)", false),
            ("JavaScript://example.org/%0aalert(1)", false),
            ("data:text/html,<b>", false),
            ("ftp://example.org", false),
            ("https://", false),
            ("https:///path", false),
            ("https://:80", false),
            ("example.org", false),
            ("https://exa mple.org", false),
            ("https://example.org/\"onmouseover", false),
            ("https://example.org/\n", false),
        ] {
            let mut e = Errors::new();
            check_url(&mut e, "link_url", value, 40);
            assert_eq!(e.finish(()).is_ok(), ok, "{value}");
        }
        let mut e = Errors::new();
        check_url(&mut e, "link_url", &format!("https://example.org/{}", "a".repeat(21)), 40);
        assert!(e.finish(()).is_err(), "too long");
    }

    #[test]
    fn emails() {
        for (value, ok) in [
            ("a@example.org", true),
            ("unit-list@lists.example.eu", true),
            ("no-at.example.org", false),
            ("@example.org", false),
            ("a@localhost", false),
            ("a@b@example.org", false),
            ("a b@example.org", false),
            ("a@example.", false),
        ] {
            let mut e = Errors::new();
            check_email(&mut e, "email", value);
            assert_eq!(e.finish(()).is_ok(), ok, "{value}");
        }
    }
}
