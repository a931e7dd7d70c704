//! Markdown that people write (descriptions, replies, notes) turned into HTML that is safe to show.

use pulldown_cmark::{Options, Parser, html};

/// Renders `text` as Markdown; raw HTML is sanitised (scripts, event handlers, `javascript:` links
/// and anything else not on ammonia's allow-list are removed), links get `rel="noopener noreferrer nofollow"`.
pub fn to_safe_html(text: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut raw = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(text, options));
    ammonia::Builder::default().link_rel(Some("noopener noreferrer nofollow")).clean(&raw).to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn markdown_is_rendered_and_raw_html_is_sanitised() {
        let table: &[(&str, &[&str], &[&str])] = &[
            ("**bold** and `code`", &["<strong>bold</strong>", "<code>code</code>"], &[]),
            ("<script>alert(1)</script>hello", &["hello"], &["<script", "alert(1)</script>"]),
            ("<img src=x onerror=alert(1)>", &[], &["onerror"]),
            ("[click](javascript:alert(1))", &["click"], &["javascript:"]),
            (
                "<a href=\"https://example.org\" onclick=\"x()\">site</a>",
                &["https://example.org", "noopener"],
                &["onclick"],
            ),
            ("| a | b |\n|---|---|\n| 1 | 2 |", &["<table>", "<td>1</td>"], &[]),
            ("<iframe src=\"https://evil.example\"></iframe>", &[], &["<iframe"]),
            ("<style>body{display:none}</style>", &[], &["<style"]),
        ];
        for (input, present, absent) in table {
            let html = to_safe_html(input);
            for p in *present {
                assert!(html.contains(p), "{input:?} -> {html:?} lacks {p:?}");
            }
            for a in *absent {
                assert!(!html.contains(a), "{input:?} -> {html:?} has {a:?}");
            }
        }
    }
}
