//! Answers both the API and the pages give: files handed to a browser as downloads.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use helpdesk_domain::attachment::{Attachment, served_content_type};

/// The answer that hands a stored file to a browser as a download that never runs as a page of
/// this site: a safe content type or `application/octet-stream`, `attachment` disposition, no
/// sniffing, a sandbox should it be opened anyway, and no shared caching.
pub fn attachment_response(attachment: &Attachment, data: Vec<u8>) -> Response {
    download_response(&attachment.filename, &attachment.content_type, data)
}

/// Bytes as a download named `filename` (see [`attachment_response`]).
pub fn download_response(filename: &str, content_type: &str, data: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename*=UTF-8''{}", percent_encode(filename));
    let disposition = HeaderValue::from_str(&disposition)
        .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"attachment\""));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(served_content_type(content_type))),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache")),
        ],
        data,
    )
        .into_response()
}

/// What RFC 8187 encodes in an extended header parameter: every byte of its UTF-8 but the
/// `attr-char`s.
const NOT_ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `value` percent-encoded as RFC 8187 asks of an extended header parameter.
fn percent_encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, NOT_ATTR_CHAR).to_string()
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn file_names_are_percent_encoded() {
        for (name, encoded) in [
            ("report.pdf", "report.pdf"),
            ("my report (1).pdf", "my%20report%20%281%29.pdf"),
            ("été.txt", "%C3%A9t%C3%A9.txt"),
            ("a\"b;c\\d", "a%22b%3Bc%5Cd"),
            ("100%.log", "100%25.log"),
        ] {
            assert_eq!(percent_encode(name), encoded, "{name}");
        }
    }
}
