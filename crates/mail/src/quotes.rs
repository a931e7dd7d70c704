//! The quoted history of an HTML reply, found by its structure rather than by its words: mail
//! programs wrap what they quote in elements of their own (Gmail's `gmail_quote`, Apple Mail's
//! and Thunderbird's `<blockquote type="cite">`, Yahoo's `yahoo_quoted`), and Outlook starts it
//! with a header block of its own (`divRplyFwdMsg`, or a `border-top` rule), in any language.
//! html5ever's tokenizer reads the HTML as browsers do; what is left is written out again as
//! plain tags, for mail-parser's `html_to_text`.

use std::cell::RefCell;

use html5ever::TokenizerResult;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, CharacterTokens, EndTag, StartTag, Tag, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer,
    TokenizerOpts,
};

/// Classes of the elements that hold a quote (and the line that introduces it).
const QUOTE_CLASSES: &[&str] = &["gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote"];

/// Ids of the elements that hold a quote whole (new Outlook).
const QUOTE_IDS: &[&str] = &["mail-editor-reference-message-container"];

/// Ids of the elements after which everything is quoted history (Outlook on the web and on the
/// desktop: the header block "From: … Sent: …" and the message below it).
const HISTORY_IDS: &[&str] = &["divrplyfwdmsg", "x_divrplyfwdmsg", "appendonsend", "stopspelling"];

/// `html` read and written out again as plain tags (scripts and styles left out), whole, and
/// without its quoted history when its structure shows one.
pub fn split_quotes(html: &str) -> (String, Option<String>) {
    let tokenizer = Tokenizer::new(Trimmer::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(html));
    while let TokenizerResult::Script(()) = tokenizer.feed(&input) {}
    tokenizer.end();
    let state = tokenizer.sink.state.into_inner();
    (state.all, state.found.then_some(state.out))
}

/// `html` without its quoted history, or `None` when its structure shows none.
pub fn without_quotes(html: &str) -> Option<String> {
    split_quotes(html).1
}

#[derive(Default)]
struct Trimmer {
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// Everything, as plain tags and escaped text.
    all: String,
    /// What is kept, the same way.
    out: String,
    /// Inside a script or a style, whose contents are never text.
    raw: Option<String>,
    /// The element being left out, by name, and how deep in elements of that name.
    skipping: Option<(String, usize)>,
    /// Everything from here on is quoted history.
    stopped: bool,
    /// Whether a quote was found.
    found: bool,
}

fn attribute(tag: &Tag, name: &str) -> String {
    tag.attrs.iter().find(|a| &*a.name.local == name).map(|a| a.value.to_lowercase()).unwrap_or_default()
}

/// Whether `tag` starts an element that holds a quote.
fn holds_quote(tag: &Tag) -> bool {
    let classes = attribute(tag, "class");
    let id = attribute(tag, "id");
    (&*tag.name == "blockquote" && (attribute(tag, "type") == "cite" || classes.contains("gmail_quote")))
        || classes.split_whitespace().any(|c| QUOTE_CLASSES.iter().any(|q| c.starts_with(q)))
        || QUOTE_IDS.contains(&id.as_str())
}

/// Whether `tag` starts Outlook's quoted history: its header block, or the rule above it.
fn starts_history(tag: &Tag) -> bool {
    let style = attribute(tag, "style").replace(' ', "");
    HISTORY_IDS.contains(&attribute(tag, "id").as_str())
        || (&*tag.name == "div" && style.contains("border-top:solid#e1e1e1") && style.contains("border:none"))
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

impl TokenSink for Trimmer {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut state = self.state.borrow_mut();
        match token {
            TagToken(tag) => {
                let name = tag.name.to_string();
                if state.raw.as_deref() == Some(name.as_str()) && tag.kind == EndTag {
                    state.raw = None;
                    return TokenSinkResult::Continue;
                }
                let written = match tag.kind {
                    EndTag => format!("</{name}>"),
                    StartTag => format!("<{name}>"),
                };
                // Scripts and styles are never text; their contents are read raw and left out.
                let raw = match name.as_str() {
                    "script" => Some(RawKind::ScriptData),
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" => Some(RawKind::Rawtext),
                    "title" | "textarea" => Some(RawKind::Rcdata),
                    _ => None,
                };
                if let Some(kind) = raw.filter(|_| tag.kind == StartTag && !tag.self_closing) {
                    state.raw = Some(name);
                    return TokenSinkResult::RawData(kind);
                }
                state.all.push_str(&written);
                if state.stopped {
                    return TokenSinkResult::Continue;
                }
                if let Some((skipped, depth)) = &mut state.skipping {
                    if *skipped == name {
                        match tag.kind {
                            StartTag if !tag.self_closing => *depth += 1,
                            EndTag => *depth -= 1,
                            StartTag => {}
                        }
                        if *depth == 0 {
                            state.skipping = None;
                        }
                    }
                    return TokenSinkResult::Continue;
                }
                if tag.kind == StartTag && starts_history(&tag) {
                    (state.stopped, state.found) = (true, true);
                } else if tag.kind == StartTag && holds_quote(&tag) {
                    state.found = true;
                    if !tag.self_closing {
                        state.skipping = Some((name, 1));
                    }
                } else {
                    state.out.push_str(&written);
                }
                TokenSinkResult::Continue
            }
            CharacterTokens(text) if state.raw.is_none() => {
                let mut escaped = String::with_capacity(text.len());
                escape(&text, &mut escaped);
                if state.skipping.is_none() && !state.stopped {
                    state.out.push_str(&escaped);
                }
                state.all.push_str(&escaped);
                TokenSinkResult::Continue
            }
            _ => TokenSinkResult::Continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> Option<String> {
        without_quotes(html).map(|h| mail_parser::decoders::html::html_to_text(&h).trim().to_owned())
    }

    #[test]
    fn quotes_are_found_by_the_structure_mail_programs_give_them() {
        let table = [
            (
                "gmail",
                r#"<div dir="ltr">Thanks, that fixed it.</div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Mon, 2 Mar 2026 at 17:05, Helpdesk &lt;h@x&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">We replaced the fuser.</blockquote></div>"#,
                Some("Thanks, that fixed it."),
            ),
            (
                "apple mail",
                r#"<html><body>Works now &amp; thanks.<div><br><blockquote type="cite"><div>On 2 Mar 2026, at 17:05, Helpdesk wrote:</div><div>We replaced the fuser.</div></blockquote></div></body></html>"#,
                Some("Works now & thanks."),
            ),
            (
                "thunderbird",
                r#"<p>Yes.</p><div class="moz-cite-prefix">On 02/03/2026 17:05, Helpdesk wrote:<br></div><blockquote type="cite" cite="mid:x"><p>Old</p><blockquote type="cite">Older</blockquote><p>Old again</p></blockquote><p>PS: one more thing.</p>"#,
                Some("Yes.\nPS: one more thing."),
            ),
            (
                "outlook on the web",
                r#"<div>Danke!</div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><b>Von:</b> Helpdesk<br><b>Gesendet:</b> Montag</div><div>Alter Text</div>"#,
                Some("Danke!"),
            ),
            (
                "outlook desktop",
                r#"<p class="MsoNormal">Merci.</p><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>De&nbsp;:</b> Helpdesk</p></div><p class="MsoNormal">Ancien texte</p>"#,
                Some("Merci."),
            ),
            ("no quote", "<p>Just <b>bold</b> text &lt;here&gt;</p><blockquote>an indented line</blockquote>", None),
            (
                "a script in a quote and outside",
                r#"<p>Hi</p><script>var a = "<blockquote>";</script><blockquote type="cite">q</blockquote>"#,
                Some("Hi"),
            ),
        ];
        for (what, html, expected) in table {
            assert_eq!(text(html).as_deref(), expected, "{what}");
        }
    }
}
