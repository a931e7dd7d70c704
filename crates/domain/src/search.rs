//! What a person types into the search box: words that must all match, "quoted phrases",
//! `-word` (or `-"a phrase"`) to leave out, and a ticket number (`1234` or `#1234`) that finds
//! that ticket. Nothing else is syntax, so no input is an error except one too long.

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::status::Status;
use crate::ticket::Priority;
use crate::validation::FieldError;
use crate::{CategoryId, TicketId, UnitId};

/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// The most words and phrases in one query.
pub const MAX_QUERY_TERMS: usize = 32;

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerm {
    /// The word, or the words of a phrase, as typed.
    pub text: String,
    /// Whether the words must appear together, in this order.
    pub phrase: bool,
    /// Whether matching tickets are left out.
    pub exclude: bool,
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryText {
    /// The words and phrases, in the order typed.
    pub terms: Vec<QueryTerm>,
    /// The ticket named when the whole query is one number.
    pub number: Option<TicketId>,
}

impl QueryText {
    /// Whether there is nothing to match: the filters alone choose.
    pub fn is_empty(&self) -> bool {
        self.terms.iter().all(|t| t.exclude) && self.number.is_none()
    }
}

/// Reads a query; only one longer than [`MAX_QUERY_CHARS`] or with more than
/// [`MAX_QUERY_TERMS`] parts is refused.
pub fn parse_query(text: &str) -> Result<QueryText, FieldError> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(FieldError::new("q", format!("must be at most {MAX_QUERY_CHARS} characters")));
    }
    let mut terms = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        let exclude = first == '-';
        if exclude {
            chars.next();
        }
        let phrase = chars.next_if_eq(&'"').is_some();
        let mut word = String::new();
        if phrase {
            // To the closing quote, or to the end when it is missing.
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                word.push(c);
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                word.push(c);
            }
        }
        let word = word.split_whitespace().collect::<Vec<_>>().join(" ");
        if word.is_empty() {
            continue;
        }
        let phrase = phrase && word.contains(' ');
        terms.push(QueryTerm { text: word, phrase, exclude });
    }
    if terms.len() > MAX_QUERY_TERMS {
        return Err(FieldError::new("q", format!("may hold at most {MAX_QUERY_TERMS} words and phrases")));
    }
    let number = match terms.as_slice() {
        [QueryTerm { text, exclude: false, phrase: false }] => ticket_number(text),
        _ => None,
    };
    Ok(QueryText { terms, number })
}

/// The ticket number a word names: `1234` or `#1234`.
fn ticket_number(word: &str) -> Option<TicketId> {
    let digits = word.strip_prefix('#').unwrap_or(word);
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n: &TicketId| n.get() > 0)
}

/// One ticket found.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SearchHit {
    /// The ticket number.
    pub id: TicketId,
    /// Its title.
    pub title: String,
    /// Where it stands.
    pub status: Status,
    /// How urgent it is.
    pub priority: Priority,
    /// Its category.
    pub category: CategoryId,
    /// The unit it is assigned to.
    pub unit: UnitId,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub last_activity: OffsetDateTime,
    /// Where the words were found, as HTML: the text escaped, the words in `<b>`.
    pub snippet: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(text: &str, phrase: bool, exclude: bool) -> QueryTerm {
        QueryTerm { text: text.into(), phrase, exclude }
    }

    #[test]
    fn what_people_type() {
        let cases: Vec<(&str, Vec<QueryTerm>, Option<TicketId>)> = vec![
            ("", vec![], None),
            ("   ", vec![], None),
            ("quota exceeded", vec![term("quota", false, false), term("exceeded", false, false)], None),
            ("\"disk quota\" home", vec![term("disk quota", true, false), term("home", false, false)], None),
            ("storage -tape", vec![term("storage", false, false), term("tape", false, true)], None),
            ("-\"tape library\" dcache", vec![term("tape library", true, true), term("dcache", false, false)], None),
            ("\"unclosed phrase", vec![term("unclosed phrase", true, false)], None),
            ("\"one\"", vec![term("one", false, false)], None),
            ("\"\" - -", vec![], None),
            ("1234", vec![term("1234", false, false)], Some(TicketId(1234))),
            ("#1234", vec![term("#1234", false, false)], Some(TicketId(1234))),
            ("1234 disk", vec![term("1234", false, false), term("disk", false, false)], None),
            ("-1234", vec![term("1234", false, true)], None),
            ("0", vec![term("0", false, false)], None),
            (
                "error: \"AND OR\" (x)",
                vec![term("error:", false, false), term("AND OR", true, false), term("(x)", false, false)],
                None,
            ),
        ];
        for (text, terms, number) in cases {
            let parsed = parse_query(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(parsed.terms, terms, "{text}");
            assert_eq!(parsed.number, number, "{text}");
        }
    }

    #[test]
    fn too_long_queries_are_refused() {
        let long = "a".repeat(MAX_QUERY_CHARS + 1);
        assert_eq!(parse_query(&long).unwrap_err().field, "q");
        let many = vec!["w"; MAX_QUERY_TERMS + 1].join(" ");
        assert_eq!(parse_query(&many).unwrap_err().field, "q");
        assert!(parse_query(&vec!["w"; MAX_QUERY_TERMS].join(" ")).is_ok());
    }

    #[test]
    fn only_exclusions_match_nothing_by_themselves() {
        assert!(parse_query("-tape").unwrap().is_empty());
        assert!(!parse_query("tape").unwrap().is_empty());
    }
}
