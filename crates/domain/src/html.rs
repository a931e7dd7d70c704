//! Text placed in HTML that Helpdesk writes itself, outside its templates (askama escapes what
//! they hold): the sign-in pages' messages, the search's snippets.

/// `text` with the characters HTML gives a meaning (`&`, `<`, `>`, `"`, `'`) written as
/// entities: safe as element content and as a quoted attribute's value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_html_reads_as_markup_is_written_as_entities() {
        let table = [
            ("plain words", "plain words"),
            ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
            ("Fish & chips", "Fish &amp; chips"),
            (r#"" onmouseover="x"#, "&quot; onmouseover=&quot;x"),
            ("it's", "it&#39;s"),
            ("&amp;", "&amp;amp;"),
            ("Grüße, 日本", "Grüße, 日本"),
        ];
        for (text, written) in table {
            assert_eq!(escape(text), written, "{text}");
        }
    }
}
