//! A search request as a tantivy query: the words over the fields the person may read, the
//! policy's visibility filter and the filters as required clauses, then one page of hits.

use std::ops::Bound;

use helpdesk_app::search::{SearchFilters, SearchRequest, SearchSort, StatusFilter};
use helpdesk_domain::html::escape;
use helpdesk_domain::paging::Page;
use helpdesk_domain::policy::{InternalNotes, Visibility};
use helpdesk_domain::search::{QueryTerm, SearchHit};
use helpdesk_domain::{CategoryId, TicketId, UnitId};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, Order, Searcher, TantivyDocument, Term};

use crate::{Fields, key, millis};

/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 200;

type Clause = (Occur, Box<dyn Query>);

fn any(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Should, q)).collect()))
}

fn number(field: Field, value: impl Into<i64>) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_u64(field, key(value)), IndexRecordOption::Basic))
}

fn name(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
}

fn one_of<T: Copy + Into<i64>>(field: Field, values: &[T]) -> Box<dyn Query> {
    any(values.iter().map(|v| number(field, *v)).collect())
}

struct Builder<'a> {
    index: &'a Index,
    f: &'a Fields,
    /// Phrases as word pairs (to search); without, as positions (to highlight).
    pairs: bool,
}

impl Builder<'_> {
    /// The words of `text` as the index cut them.
    fn tokens(&self, text: &str) -> Vec<String> {
        let Ok(mut analyzer) = self.index.tokenizer_for_field(self.f.body) else { return Vec::new() };
        let mut stream = analyzer.token_stream(text);
        let mut tokens = Vec::new();
        while stream.advance() {
            tokens.push(stream.token().text.clone());
        }
        tokens
    }

    /// The words in `field`: one word, or several in a row. Two words with a common one are one
    /// pair term; otherwise positions are checked, only in the documents with all the pairs.
    fn words_in(&self, field: Field, tokens: &[String]) -> Box<dyn Query> {
        let term = |field: Field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
        };
        let pairs_field = match field {
            f if f == self.f.internal => self.f.internal_pairs,
            _ => self.f.pairs,
        };
        if let [one] = tokens {
            return term(field, one);
        }
        let pairs: Vec<String> =
            if self.pairs { tokens.windows(2).filter_map(|w| crate::pair(&w[0], &w[1])).collect() } else { Vec::new() };
        if tokens.len() == 2
            && let [pair] = pairs.as_slice()
        {
            return term(pairs_field, pair);
        }
        let phrase: Box<dyn Query> =
            Box::new(PhraseQuery::new(tokens.iter().map(|t| Term::from_field_text(field, t)).collect()));
        if pairs.is_empty() {
            return phrase;
        }
        let mut all: Vec<Clause> = pairs.iter().map(|p| (Occur::Must, term(pairs_field, p))).collect();
        all.push((Occur::Must, phrase));
        Box::new(BooleanQuery::new(all))
    }

    /// A word or phrase found in any field the person may read there.
    fn term(&self, term: &QueryTerm, internal: &InternalNotes) -> Option<Box<dyn Query>> {
        let tokens = self.tokens(&term.text);
        if tokens.is_empty() {
            return None;
        }
        let mut fields: Vec<Box<dyn Query>> = vec![
            Box::new(BoostQuery::new(self.words_in(self.f.title, &tokens), 2.0)),
            self.words_in(self.f.body, &tokens),
        ];
        match internal {
            InternalNotes::All => fields.push(self.words_in(self.f.internal, &tokens)),
            InternalNotes::Units(units) if !units.is_empty() => fields.push(Box::new(BooleanQuery::new(vec![
                (Occur::Must, self.words_in(self.f.internal, &tokens)),
                (Occur::Must, one_of(self.f.unit, units)),
            ]))),
            InternalNotes::Units(_) => {}
        }
        Some(any(fields))
    }

    /// The words: all included ones must match, no excluded one may; a lone number also finds
    /// that ticket. None when there are no words to match.
    fn text(&self, request: &SearchRequest) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<Clause> = Vec::new();
        let mut included = false;
        for term in &request.text.terms {
            if let Some(query) = self.term(term, &request.internal) {
                included |= !term.exclude;
                clauses.push((if term.exclude { Occur::MustNot } else { Occur::Must }, query));
            }
        }
        if !included {
            return None;
        }
        let words: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
        Some(match request.text.number {
            Some(n) => any(vec![Box::new(BoostQuery::new(number(self.f.id, n), 10.0)), words]),
            None => words,
        })
    }

    /// The exclusions alone, for a search without words.
    fn exclusions(&self, request: &SearchRequest) -> Vec<Clause> {
        request
            .text
            .terms
            .iter()
            .filter(|t| t.exclude)
            .filter_map(|t| self.term(t, &request.internal))
            .map(|q| (Occur::MustNot, q))
            .collect()
    }

    /// What the policy lets the person read.
    fn visibility(&self, visibility: &Visibility) -> Option<Box<dyn Query>> {
        let Visibility::Restricted { account, units, organisations, teams } = visibility else { return None };
        let mut readable = vec![number(self.f.privacy, 0)];
        if let Some(account) = account {
            readable.push(number(self.f.submitter, *account));
            readable.push(number(self.f.behalf, *account));
        }
        if !units.is_empty() {
            readable.push(one_of(self.f.unit, units));
        }
        if !organisations.is_empty() {
            readable.push(one_of(self.f.organisation, organisations));
        }
        if !teams.is_empty() {
            readable.push(one_of(self.f.team, teams));
        }
        Some(any(readable))
    }

    fn filters(&self, filters: &SearchFilters) -> Vec<Box<dyn Query>> {
        let f = self.f;
        let mut required = Vec::new();
        if let Some(category) = filters.category {
            required.push(number(f.category, category.get()));
        }
        if let Some(unit) = filters.unit {
            required.push(number(f.unit, unit.get()));
        }
        if let Some(organisation) = filters.organisation {
            required.push(number(f.organisation, organisation.get()));
        }
        if let Some(priority) = filters.priority {
            required.push(name(f.priority, priority.as_str()));
        }
        if let Some(kind) = filters.kind {
            required.push(name(f.kind, kind.as_str()));
        }
        match filters.status {
            Some(StatusFilter::Open) => required.push(number(f.open, 1)),
            Some(StatusFilter::Closed) => required.push(number(f.open, 0)),
            Some(StatusFilter::Is(status)) => required.push(name(f.status, status.as_str())),
            None => {}
        }
        if let Some(submitter) = filters.submitter {
            required.push(any(vec![number(f.submitter, submitter.get()), number(f.behalf, submitter.get())]));
        }
        if filters.from.is_some() || filters.to.is_some() {
            let bound = |at: Option<time::OffsetDateTime>, make: fn(Term) -> Bound<Term>| match at {
                Some(at) => make(Term::from_field_i64(f.created, millis(at))),
                None => Bound::Unbounded,
            };
            required.push(Box::new(RangeQuery::new(
                bound(filters.from, Bound::Included),
                bound(filters.to, Bound::Excluded),
            )));
        }
        required
    }
}

/// Runs `request` on `searcher`, leaving out the tickets `changed` since its commit: one page of
/// hits and the number of all of them.
pub(crate) fn run(
    index: &Index,
    searcher: &Searcher,
    f: &Fields,
    request: &SearchRequest,
    changed: &[TicketId],
) -> tantivy::Result<Page<SearchHit>> {
    let b = Builder { index, f, pairs: true };
    let text = b.text(request);
    let mut clauses: Vec<Clause> = Vec::new();
    match &text {
        Some(words) => clauses.push((Occur::Must, words.box_clone())),
        None => {
            clauses.push((Occur::Must, Box::new(AllQuery)));
            clauses.extend(b.exclusions(request));
        }
    }
    clauses.extend(b.visibility(&request.visibility).map(|q| (Occur::Must, q)));
    clauses.extend(b.filters(&request.filters).into_iter().map(|q| (Occur::Must, q)));
    if let Some(within) = &request.within {
        // An empty set of terms matches nothing, as no ticket is then late.
        let terms = within.iter().map(|id| Term::from_field_u64(f.id, key(*id)));
        clauses.push((Occur::Must, Box::new(TermSetQuery::new(terms))));
    }
    if !changed.is_empty() {
        let terms = changed.iter().map(|id| Term::from_field_u64(f.id, key(*id)));
        clauses.push((Occur::MustNot, Box::new(TermSetQuery::new(terms))));
    }
    let query = BooleanQuery::new(clauses);

    let page = request.page;
    let top = TopDocs::with_limit(usize::try_from(page.per_page).unwrap_or(25))
        .and_offset(usize::try_from(page.offset()).unwrap_or(0));
    let (total, addresses): (usize, Vec<DocAddress>) = if request.sort == SearchSort::Relevance && text.is_some() {
        let (total, hits) = searcher.search(&query, &(Count, top.order_by_score()))?;
        (total, hits.into_iter().map(|(_, a)| a).collect())
    } else if matches!(request.sort, SearchSort::Newest | SearchSort::Oldest) {
        let order = if request.sort == SearchSort::Oldest { Order::Asc } else { Order::Desc };
        let (total, hits) = searcher.search(&query, &(Count, top.order_by_fast_field::<u64>("id", order)))?;
        (total, hits.into_iter().map(|(_, a)| a).collect())
    } else {
        let order = if request.sort == SearchSort::EarliestActivity { Order::Asc } else { Order::Desc };
        let (total, hits) = searcher.search(&query, &(Count, top.order_by_fast_field::<i64>("activity", order)))?;
        (total, hits.into_iter().map(|(_, a)| a).collect())
    };

    let highlight = Builder { index, f, pairs: false }.text(request);
    let snippets = match &highlight {
        Some(words) => {
            let mut body = SnippetGenerator::create(searcher, &**words, f.body)?;
            body.set_max_num_chars(SNIPPET_CHARS);
            let mut internal = SnippetGenerator::create(searcher, &**words, f.internal)?;
            internal.set_max_num_chars(SNIPPET_CHARS);
            Some((body, internal))
        }
        None => None,
    };
    let mut items = Vec::with_capacity(addresses.len());
    for address in addresses {
        let doc: TantivyDocument = searcher.doc(address)?;
        let number = |field: Field| doc.get_first(field).and_then(|v| v.as_u64()).and_then(|v| i64::try_from(v).ok());
        let text_of = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let unit = UnitId(number(f.unit).unwrap_or(0));
        let mut snippet = String::new();
        if let Some((body, internal)) = &snippets {
            let found = body.snippet_from_doc(&doc);
            snippet = if found.highlighted().is_empty() { String::new() } else { found.to_html() };
            let may_read_notes = match &request.internal {
                InternalNotes::All => true,
                InternalNotes::Units(units) => units.contains(&unit),
            };
            if snippet.is_empty() && may_read_notes {
                let found = internal.snippet_from_doc(&doc);
                if !found.highlighted().is_empty() {
                    snippet = found.to_html();
                }
            }
        }
        if snippet.is_empty() {
            snippet = escape(&text_of(f.body).chars().take(SNIPPET_CHARS).collect::<String>());
        }
        let activity = doc.get_first(f.activity).and_then(|v| v.as_i64()).unwrap_or(0);
        items.push(SearchHit {
            id: TicketId(number(f.id).unwrap_or(0)),
            title: text_of(f.title),
            status: text_of(f.status).parse().map_err(|e| tantivy::TantivyError::InternalError(format!("{e}")))?,
            priority: text_of(f.priority).parse().map_err(|e| tantivy::TantivyError::InternalError(format!("{e}")))?,
            category: CategoryId(number(f.category).unwrap_or(0)),
            unit,
            last_activity: time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(activity) * 1_000_000)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            snippet,
        });
    }
    Ok(Page::new(items, i64::try_from(total).unwrap_or(i64::MAX), page))
}
