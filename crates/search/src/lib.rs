//! The full-text index: tantivy, embedded, in the data directory. It is a derived view: the
//! database stays the one source of truth, and the index follows the change log that triggers
//! write in every transaction that changes a ticket or its articles. Its position in the log is
//! the payload of its last commit, so after a crash it catches up from there; an index that is
//! missing, of another schema version, or unreadable is rebuilt from the tickets.
//!
//! A search leaves out the tickets changed since the commit it reads, so a ticket made private or
//! moved to another unit is never found by its old facts; the follower, woken by that search,
//! commits the change within a fraction of a second.

#![warn(missing_docs)]

mod query;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use helpdesk_app::search::{SearchRequest, TicketSearch};
use helpdesk_domain::TicketId;
use helpdesk_domain::paging::Page;
use helpdesk_domain::search::SearchHit;
use helpdesk_domain::ticket::Privacy;
use helpdesk_store::{ChangeCursor, SearchDocument, Store, StoreError};
use serde_json::json;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TEXT, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use tokio_util::sync::CancellationToken;

/// Changes to the schema or to what is indexed bump this, and the index is rebuilt at start.
const SCHEMA_VERSION: u64 = 3;
/// The indexing buffer: tantivy's floor is 15 MB per thread; this keeps memory low.
const WRITER_MEMORY: usize = 32 * 1024 * 1024;
/// Decompressed blocks of stored documents kept per segment.
const DOC_STORE_CACHE_BLOCKS: usize = 4;
/// Changes not yet committed that a search leaves out; past these it catches up first.
const MAX_CHANGED: i64 = 2_000;
/// How long the follower gathers changes after a search woke it.
const COMMIT_GATHER: Duration = Duration::from_millis(20);
/// Change log entries, and tickets of a rebuild, read per round trip.
const BATCH: i64 = 500;

/// Why the index failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy failed.
    #[error("the search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The database failed.
    #[error("the database: {0}")]
    Store(#[from] StoreError),
    /// The index directory cannot be used.
    #[error("cannot use the search index directory {path}: {why}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The cause.
        why: String,
    },
    /// A blocking task failed.
    #[error("the search index task: {0}")]
    Task(String),
}

/// The fields of a ticket's document.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    /// The description, category field values and public replies.
    pub body: Field,
    /// The internal notes.
    pub internal: Field,
    /// Each two words in a row of the title and body, as one term `first_second`: a phrase of
    /// common words is then one short posting list instead of a check of positions in every
    /// document that has both words.
    pub pairs: Field,
    /// The same pairs of the internal notes.
    pub internal_pairs: Field,
    /// 0 public, 1 private.
    pub privacy: Field,
    pub submitter: Field,
    pub behalf: Field,
    pub unit: Field,
    pub organisation: Field,
    /// The team of a team or alarm ticket (0: none).
    pub team: Field,
    /// user, team or alarm.
    pub kind: Field,
    pub category: Field,
    pub status: Field,
    /// 1 while not finished.
    pub open: Field,
    pub priority: Field,
    /// Last activity, Unix milliseconds.
    pub activity: Field,
    /// Opened, Unix milliseconds.
    pub created: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let number = || INDEXED | STORED | FAST;
    let fields = Fields {
        id: b.add_u64_field("id", number()),
        title: b.add_text_field("title", TEXT | STORED),
        body: b.add_text_field("body", TEXT | STORED),
        internal: b.add_text_field("internal", TEXT | STORED),
        pairs: b.add_text_field("pairs", pair_options()),
        internal_pairs: b.add_text_field("internal_pairs", pair_options()),
        privacy: b.add_u64_field("privacy", INDEXED),
        submitter: b.add_u64_field("submitter", INDEXED),
        behalf: b.add_u64_field("behalf", INDEXED),
        unit: b.add_u64_field("unit", number()),
        organisation: b.add_u64_field("organisation", INDEXED),
        team: b.add_u64_field("team", INDEXED),
        kind: b.add_text_field("kind", STRING),
        category: b.add_u64_field("category", number()),
        status: b.add_text_field("status", STRING | STORED),
        open: b.add_u64_field("open", INDEXED),
        priority: b.add_text_field("priority", STRING | STORED),
        activity: b.add_i64_field("activity", number()),
        created: b.add_i64_field("created", INDEXED | FAST),
    };
    (b.build(), fields)
}

/// Pairs are cut at spaces only (their words are already cut and lowercased), and their positions
/// are not needed.
fn pair_options() -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer("whitespace").set_index_option(IndexRecordOption::WithFreqs),
    )
}

/// The words so common in any text that a phrase with one of them would check positions in
/// most documents; only pairs with one of them are indexed, which keeps the index small (pairs
/// of two rarer words are rare, and their phrase is checked in the few documents with both).
const COMMON_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
    "cannot", "could", "do", "does", "for", "from", "has", "have", "he", "her", "his", "i", "if", "in", "into", "is",
    "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "please", "she", "since", "so", "that", "the",
    "their", "them", "then", "there", "these", "they", "this", "to", "up", "us", "was", "we", "were", "what", "when",
    "which", "will", "with", "would", "you", "your",
];

/// The term of two words in a row, when one of them is common enough to be indexed as a pair.
pub(crate) fn pair(first: &str, second: &str) -> Option<String> {
    (COMMON_WORDS.binary_search(&first).is_ok() || COMMON_WORDS.binary_search(&second).is_ok())
        .then(|| format!("{first}_{second}"))
}

/// Appends the pairs of adjacent words of `text`, as `analyzer` cuts it, to `out`.
fn push_pairs(analyzer: &mut tantivy::tokenizer::TextAnalyzer, text: &str, out: &mut String) {
    let mut stream = analyzer.token_stream(text);
    let mut previous: Option<(usize, String)> = None;
    while stream.advance() {
        let token = stream.token();
        if let Some((position, word)) = &previous
            && position + 1 == token.position
            && let Some(pair) = pair(word, &token.text)
        {
            out.push_str(&pair);
            out.push(' ');
        }
        previous = Some((token.position, token.text.clone()));
    }
}

/// A time as the index stores it: Unix milliseconds.
pub(crate) fn millis(at: time::OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// An id as the index stores it (ids are positive; none is 0).
pub(crate) fn key(id: impl Into<i64>) -> u64 {
    u64::try_from(id.into()).unwrap_or(0)
}

struct Inner {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    store: Arc<dyn Store>,
    writer: std::sync::Mutex<IndexWriter>,
    /// Where the index stands in the change log. Held while catching up, so that one catch-up
    /// runs at a time.
    follow: tokio::sync::Mutex<Follow>,
    /// The log position of the commit searches read now.
    committed: std::sync::Mutex<Option<Committed>>,
    /// Wakes the follower.
    wake: tokio::sync::Notify,
    /// Whether the index is being built from the tickets (at first start).
    building: AtomicBool,
}

/// How far the index has followed the change log.
#[derive(Default)]
struct Follow {
    /// The cursor its last commit recorded; none until the index has been built.
    at: Option<ChangeCursor>,
    /// Entries past the cursor already taken in (PostgreSQL: committed after an older
    /// transaction that is still open).
    applied: HashSet<ChangeCursor>,
    /// When the last catch-up began to read the log: a search that arrived before it needs no
    /// catch-up of its own, so a burst of searches waits for one commit, not one each.
    read_at: Option<Instant>,
}

impl Follow {
    fn at(at: Option<ChangeCursor>) -> Follow {
        Follow { at, applied: HashSet::new(), read_at: None }
    }
}

/// What the commit that searches read holds: the log up to `at`, and the entries past it that
/// were taken in (PostgreSQL, while an older transaction is open anywhere in the cluster).
#[derive(Clone)]
struct Committed {
    at: ChangeCursor,
    applied: Arc<HashSet<ChangeCursor>>,
}

/// The index of one node, shared by its requests and its follower.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

impl SearchIndex {
    /// Opens the index in `dir`, or makes a new one there (built at the first catch-up).
    pub fn open(dir: &Path, store: Arc<dyn Store>) -> Result<SearchIndex, SearchError> {
        let fail = |why: String| SearchError::Directory { path: dir.to_owned(), why };
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        let (schema, fields) = schema();
        let (index, cursor) = match open_existing(dir, &schema) {
            Some(found) => found,
            None => {
                // Missing, of an older version, or unreadable: start afresh; it is only a cache.
                clear(dir).map_err(|e| fail(e.to_string()))?;
                (Index::create_in_dir(dir, schema).map_err(|e| fail(e.to_string()))?, None)
            }
        };
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => fail(
                "another Helpdesk process holds it; give each process its own data directory (or search_index), \
                 and stop the server before helpdesk reindex"
                    .into(),
            ),
            other => SearchError::Index(other),
        })?;
        // A page of hits reads 25 stored documents spread over the index: a cache of decompressed
        // blocks (100 per segment by default) holds private memory for little gain.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()?;
        Ok(SearchIndex {
            inner: Arc::new(Inner {
                dir: dir.to_owned(),
                index,
                reader,
                fields,
                store,
                writer: std::sync::Mutex::new(writer),
                follow: tokio::sync::Mutex::new(Follow::at(cursor)),
                committed: std::sync::Mutex::new(cursor.map(|at| Committed { at, applied: Arc::default() })),
                wake: tokio::sync::Notify::new(),
                building: AtomicBool::new(false),
            }),
        })
    }

    /// Where the index lives.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Takes in every change committed so far (building the whole index first when it has
    /// never been built); returns how many tickets it indexed.
    pub async fn catch_up(&self) -> Result<usize, SearchError> {
        self.catch_up_since(None).await
    }

    /// The tickets changed since the commit searches read now, which a search leaves out: their
    /// indexed state may be older than who may now read them, and their new state is searchable
    /// once the follower, woken here, commits it (within a fraction of a second). A search does
    /// not commit itself: a commit costs tens of milliseconds, and under writes every search
    /// would pay one. Past `MAX_CHANGED` waiting changes, the search catches up instead.
    async fn changed_since_commit(&self) -> Result<Vec<TicketId>, SearchError> {
        if self.inner.building.load(Ordering::Acquire) {
            // While the index is first built, searches read what it holds so far.
            return Ok(Vec::new());
        }
        let committed = self.inner.committed.lock().ok().and_then(|c| c.clone());
        let Some(Committed { at, applied }) = committed else {
            self.catch_up().await?;
            return Ok(Vec::new());
        };
        let changes = self.inner.store.ticket_changes(at, MAX_CHANGED).await?;
        if changes.more {
            let arrived = Instant::now();
            self.catch_up_since(Some(arrived)).await?;
            return Ok(Vec::new());
        }
        // Entries past the cursor that the commit already holds are not changes to it.
        let mut changed: Vec<TicketId> = changes
            .entries
            .iter()
            .filter(|(position, _)| !applied.contains(position))
            .map(|(_, ticket)| *ticket)
            .collect();
        if !changed.is_empty() {
            self.inner.wake.notify_one();
            changed.sort_unstable();
            changed.dedup();
        }
        Ok(changed)
    }

    /// Catches up unless a catch-up began to read the log after `arrived`.
    async fn catch_up_since(&self, arrived: Option<Instant>) -> Result<usize, SearchError> {
        let mut follow = self.inner.follow.lock().await;
        if let (Some(arrived), Some(read_at)) = (arrived, follow.read_at)
            && read_at > arrived
        {
            return Ok(0);
        }
        follow.read_at = Some(Instant::now());
        let mut built = 0;
        if follow.at.is_none() {
            // Searches meanwhile read what is built so far instead of waiting minutes for it.
            self.inner.building.store(true, Ordering::Release);
            let result = self.build(&|_, _| {}).await;
            self.inner.building.store(false, Ordering::Release);
            let (count, at) = result?;
            built = count;
            // Then on as below: entries past the cursor (PostgreSQL, behind an open transaction)
            // are taken in again and recorded, so searches do not count them as changes.
            *follow = Follow::at(Some(at));
        }
        let Some(mut at) = follow.at else { return Ok(built) };
        let start = at;
        let mut indexed = 0;
        loop {
            let changes = self.inner.store.ticket_changes(at, BATCH).await?;
            let mut tickets = Vec::new();
            for (position, ticket) in &changes.entries {
                // An entry past the cursor is read again until the cursor passes it; once is enough.
                let fresh = *position < changes.next || follow.applied.insert(*position);
                if fresh && !tickets.contains(ticket) {
                    tickets.push(*ticket);
                }
            }
            if !tickets.is_empty() {
                let docs = self.inner.store.search_documents(&tickets).await?;
                indexed += docs.len();
                self.write(tickets, docs).await?;
            }
            at = changes.next;
            follow.applied.retain(|position| *position >= at);
            if !changes.more {
                break;
            }
        }
        if indexed > 0 || at != start {
            self.commit(at, follow.applied.clone()).await?;
            follow.at = Some(at);
        }
        Ok(built + indexed)
    }

    /// Builds the index again from the tickets; `progress(done, total)` hears of each batch.
    pub async fn rebuild(&self, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<usize, SearchError> {
        let mut follow = self.inner.follow.lock().await;
        let (built, at) = self.build(progress).await?;
        *follow = Follow::at(Some(at));
        Ok(built)
    }

    async fn build(&self, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<(usize, ChangeCursor), SearchError> {
        // The log's position first: what changes after it is replayed on top of what is read.
        let at = self.inner.store.change_horizon().await?;
        let total = usize::try_from(self.inner.store.ticket_count().await?).unwrap_or(0);
        {
            let writer = self.lock_writer()?;
            writer.delete_all_documents()?;
        }
        let (mut after, mut built) = (TicketId(0), 0);
        loop {
            let ids = self.inner.store.ticket_ids_after(after, BATCH).await?;
            let Some(last) = ids.last().copied() else { break };
            let docs = self.inner.store.search_documents(&ids).await?;
            built += docs.len();
            self.write(Vec::new(), docs).await?;
            progress(built, total.max(built));
            after = last;
        }
        self.commit(at, HashSet::new()).await?;
        Ok((built, at))
    }

    /// Follows the change log every `every`, and at once when a search meets changes it does
    /// not hold yet, until `stop` is cancelled.
    pub async fn follow(self, every: Duration, stop: CancellationToken) {
        loop {
            if let Err(e) = self.catch_up().await {
                tracing::warn!("the search index could not catch up: {e}");
            }
            let woken = tokio::select! {
                _ = tokio::time::sleep(every) => false,
                _ = self.inner.wake.notified() => true,
                () = stop.cancelled() => return,
            };
            if woken {
                // A short wait gathers the writes of a burst into one commit.
                tokio::time::sleep(COMMIT_GATHER).await;
            }
        }
    }

    fn lock_writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, SearchError> {
        self.inner.writer.lock().map_err(|_| SearchError::Task("the index writer was poisoned".into()))
    }

    /// Removes the documents of the tickets `replaced`, then adds `docs`.
    async fn write(&self, replaced: Vec<TicketId>, docs: Vec<SearchDocument>) -> Result<(), SearchError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let fields = this.inner.fields;
            let mut analyzer = this.inner.index.tokenizer_for_field(fields.body)?;
            let writer = this.lock_writer()?;
            for id in &replaced {
                writer.delete_term(Term::from_field_u64(fields.id, key(*id)));
            }
            for doc in &docs {
                writer.add_document(document(&fields, &mut analyzer, doc))?;
            }
            Ok(())
        })
        .await
        .map_err(|e| SearchError::Task(e.to_string()))?
    }

    /// Commits what was written, with the log position it reflects, and shows it to searches.
    async fn commit(&self, at: ChangeCursor, applied: HashSet<ChangeCursor>) -> Result<(), SearchError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let payload = json!({"version": SCHEMA_VERSION, "cursor": at}).to_string();
            {
                let mut writer = this.lock_writer()?;
                let mut commit = writer.prepare_commit()?;
                commit.set_payload(&payload);
                commit.commit()?;
            }
            this.inner.reader.reload()?;
            // Published after the reload: whoever reads this position searches at least this.
            if let Ok(mut committed) = this.inner.committed.lock() {
                *committed = Some(Committed { at, applied: Arc::new(applied) });
            }
            Ok(())
        })
        .await
        .map_err(|e| SearchError::Task(e.to_string()))?
    }
}

#[async_trait]
impl TicketSearch for SearchIndex {
    async fn search(&self, request: SearchRequest) -> Result<Page<SearchHit>, String> {
        let changed = self.changed_since_commit().await.map_err(|e| e.to_string())?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let searcher = this.inner.reader.searcher();
            query::run(&this.inner.index, &searcher, &this.inner.fields, &request, &changed).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

/// The index in `dir` and its position, when it is there, readable and of this version.
fn open_existing(dir: &Path, schema: &Schema) -> Option<(Index, Option<ChangeCursor>)> {
    let index = Index::open_in_dir(dir).ok()?;
    if index.schema() != *schema {
        return None;
    }
    let payload: serde_json::Value = serde_json::from_str(&index.load_metas().ok()?.payload?).ok()?;
    if payload["version"].as_u64() != Some(SCHEMA_VERSION) {
        return None;
    }
    let cursor = serde_json::from_value(payload["cursor"].clone()).ok()?;
    Some((index, Some(cursor)))
}

/// Empties the index directory (and only it).
fn clear(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() { std::fs::remove_dir_all(&path)? } else { std::fs::remove_file(&path)? }
    }
    Ok(())
}

/// A ticket's document.
fn document(f: &Fields, analyzer: &mut tantivy::tokenizer::TextAnalyzer, doc: &SearchDocument) -> TantivyDocument {
    let t = &doc.ticket;
    let mut d = TantivyDocument::default();
    d.add_u64(f.id, key(t.id));
    d.add_text(f.title, &t.title);
    let mut body = t.description.clone();
    for value in t.fields.values() {
        match value {
            serde_json::Value::String(s) => body.push_str(&format!("\n{s}")),
            serde_json::Value::Null => {}
            other => body.push_str(&format!("\n{other}")),
        }
    }
    let (mut pairs, mut internal_pairs) = (String::new(), String::new());
    push_pairs(analyzer, &t.title, &mut pairs);
    push_pairs(analyzer, &body, &mut pairs);
    let mut internal = String::new();
    for article in &doc.articles {
        let (text, pairs) =
            if article.internal { (&mut internal, &mut internal_pairs) } else { (&mut body, &mut pairs) };
        text.push_str("\n\n");
        text.push_str(&article.body);
        push_pairs(analyzer, &article.body, pairs);
    }
    d.add_text(f.body, &body);
    d.add_text(f.internal, &internal);
    d.add_text(f.pairs, &pairs);
    d.add_text(f.internal_pairs, &internal_pairs);
    d.add_u64(f.privacy, u64::from(t.privacy == Privacy::Private));
    d.add_u64(f.submitter, key(t.submitter));
    d.add_u64(f.behalf, t.on_behalf_of.map(key).unwrap_or(0));
    d.add_u64(f.unit, key(t.unit));
    d.add_u64(f.organisation, t.organisation.map(key).unwrap_or(0));
    d.add_u64(f.team, t.team.map(key).unwrap_or(0));
    d.add_text(f.kind, t.kind.as_str());
    d.add_u64(f.category, key(t.category));
    d.add_text(f.status, t.status.as_str());
    d.add_u64(f.open, u64::from(!t.status.is_terminal()));
    d.add_text(f.priority, t.priority.as_str());
    d.add_i64(f.activity, millis(t.updated_at));
    d.add_i64(f.created, millis(t.created_at));
    d
}

#[cfg(test)]
mod tests {
    #[test]
    fn common_words_are_sorted_for_the_binary_search() {
        assert!(super::COMMON_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn only_pairs_with_a_common_word_are_terms() {
        let cases = [
            ("to", "the", Some("to_the")),
            ("tape", "robot", None),
            ("robot", "is", Some("robot_is")),
            ("the", "robot", Some("the_robot")),
        ];
        for (first, second, expected) in cases {
            assert_eq!(super::pair(first, second).as_deref(), expected, "{first} {second}");
        }
    }
}
