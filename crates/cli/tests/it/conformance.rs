//! The store conformance suite: every engine must pass the same tests. SQLite always runs;
//! PostgreSQL runs when HELPDESK_TEST_POSTGRES is set, and says plainly when it did not.

use std::sync::Arc;

use helpdesk_domain::account::Role;
use helpdesk_domain::category::{FieldDef, FieldType};
use helpdesk_domain::history::Change;
use helpdesk_domain::organisation::JoinState;
use helpdesk_domain::paging::PageRequest;
use helpdesk_domain::policy::{Actor, OrganisationVisibility, TicketFacts, Visibility};
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::{Channel, Priority, Privacy, SecurityRisk, Ticket, TicketType};
use helpdesk_domain::unit::Integration;
use helpdesk_domain::workflow::NewTicket;
use helpdesk_domain::{AccountId, CategoryId, OrgId, ServiceLevelId, TicketId, UnitId};
use helpdesk_store::{
    ChangeCursor, Engine, NewArticle, NewCategory, NewJob, NewUnit, OpenState, Store, StoreError, TicketFilter,
    TicketQuery,
};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::common::{TestDb, postgres_url, say_postgres_skipped};

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::common::TestDb::new(helpdesk_store::Engine::Sqlite).await).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if crate::common::postgres_url().is_none() {
                        crate::common::say_postgres_skipped("store conformance suite");
                        return;
                    }
                    super::$name(crate::common::TestDb::new(helpdesk_store::Engine::Postgres).await).await
                }
            )*
        }
    };
}

// After the macro, which it uses.
mod accounts;

conformance!(
    tickets_get_increasing_numbers_and_round_trip,
    a_dropped_transaction_writes_nothing,
    concurrent_transactions_keep_exactly_what_each_committed,
    every_table_is_counted,
    every_statement_prepares_against_the_schema,
    lists_are_paged_filtered_and_newest_first,
    the_visibility_filter_matches_the_policy,
    articles_hide_internal_notes_unless_asked,
    history_keeps_values_and_reasons,
    names_are_unique_ignoring_case,
    accounts_and_tokens,
    jobs_are_claimed_once_retried_and_kept_when_failed,
    a_lease_has_one_holder_until_it_runs_out,
    a_timer_is_taken_once_and_only_as_it_was_read,
    a_queued_job_is_invisible_until_commit_and_deduplicated,
    timestamps_keep_microseconds_and_order,
    every_ticket_and_article_write_is_in_the_change_log,
    the_change_log_is_followed_without_skipping_a_late_commit,
    a_new_tickets_history_is_written_with_it,
    memberships_follow_units_contracts_and_partnerships,
    organisations_carry_their_domains_partners_contracts_and_members,
    join_requests_and_tokens,
);

/// Copies, links, attachments, list filters and orders.
mod ticket_data;

/// Connectors, links and what went over and came in.
mod sync;

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).expect("a time")
}

/// A unit, a category and an account to hang tickets on.
struct Base {
    store: Arc<dyn Store>,
    unit: UnitId,
    other_unit: UnitId,
    category: CategoryId,
    submitter: AccountId,
    other: AccountId,
}

async fn base(db: &TestDb) -> Base {
    let store = db.open().await;
    let mut tx = store.begin().await.expect("begin");
    let unit = new_unit(&mut *tx, "1st line").await;
    let other_unit = new_unit(&mut *tx, "Storage").await;
    let category = tx
        .insert_category(
            &NewCategory {
                name: "Installation".into(),
                description: String::new(),
                default_unit: unit,
                fields: vec![FieldDef {
                    key: "version".into(),
                    label: "Version".into(),
                    field_type: FieldType::Text,
                    choices: None,
                    required: true,
                }],
            },
            at(0),
        )
        .await
        .expect("category")
        .id;
    let submitter = tx.insert_account("sub@example.org", "Sub", &[Role::Community], at(0)).await.expect("account").id;
    let other = tx.insert_account("other@example.org", "Other", &[Role::Community], at(0)).await.expect("account").id;
    tx.commit().await.expect("commit");
    Base { store, unit, other_unit, category, submitter, other }
}

async fn new_unit(tx: &mut dyn helpdesk_store::Tx, name: &str) -> UnitId {
    let unit = NewUnit {
        name: name.into(),
        description: String::new(),
        level: 1,
        email: "u@example.org".into(),
        integration: Integration::Direct,
        service_level: ServiceLevelId(1),
        alarm_email: String::new(),
    };
    tx.insert_unit(&unit, at(0)).await.expect("unit").id
}

fn new_ticket(b: &Base, title: &str, privacy: Privacy) -> NewTicket {
    NewTicket {
        title: title.into(),
        description: "It broke.".into(),
        ticket_type: TicketType::Incident,
        category: b.category,
        unit: b.unit,
        status: Status::New,
        priority: Priority::Medium,
        suggested_priority: Priority::Medium,
        privacy,
        fields: json!({"version": "4.5", "ram": 8}).as_object().cloned().unwrap_or_default(),
        affected_users: 7,
        service_degraded: false,
        security_risk: SecurityRisk::Trivial,
        submitter: b.submitter,
        on_behalf_of: None,
        organisation: None,
        copy_to: vec![],
        link_url: None,
        kind: helpdesk_domain::team::TicketKind::User,
        team: None,
    }
}

async fn insert(b: &Base, t: NewTicket, when: OffsetDateTime) -> Ticket {
    let mut tx = b.store.begin().await.expect("begin");
    let history = [Change::new("status", serde_json::Value::Null, t.status).at(when, Some(t.submitter))];
    let ticket = tx.insert_ticket(&t, &history, when).await.expect("insert");
    tx.commit().await.expect("commit");
    ticket
}

async fn tickets_get_increasing_numbers_and_round_trip(db: TestDb) {
    let b = base(&db).await;
    let first = insert(&b, new_ticket(&b, "First", Privacy::Public), at(1)).await;
    let second = insert(&b, new_ticket(&b, "Second", Privacy::Private), at(2)).await;
    assert!(second.id > first.id, "numbers increase");
    let stored = b.store.ticket(first.id).await.expect("read").expect("found");
    assert_eq!(stored, first, "what is read back is what was written");
    assert_eq!(stored.fields["ram"], json!(8));
    assert_eq!(stored.security_risk, SecurityRisk::Trivial);

    let mut changed = stored.clone();
    changed.status = Status::Solved;
    changed.resolution = Some(helpdesk_domain::status::Resolution::Workaround);
    changed.owner = Some(b.other);
    changed.unit = b.other_unit;
    changed.priority = Priority::Top;
    changed.privacy = Privacy::Private;
    changed.updated_at = at(10);
    let mut tx = b.store.begin().await.expect("begin");
    let locked = tx.ticket_for_update(first.id).await.expect("lock").expect("found");
    assert_eq!(locked, stored);
    tx.update_ticket(&changed).await.expect("update");
    tx.commit().await.expect("commit");
    assert_eq!(b.store.ticket(first.id).await.expect("read"), Some(changed));
    assert_eq!(b.store.ticket(TicketId(second.id.get() + 1000)).await.expect("read"), None);
}

async fn a_dropped_transaction_writes_nothing(db: TestDb) {
    let b = base(&db).await;
    let before = b.store.row_counts().await.expect("counts");
    {
        let mut tx = b.store.begin().await.expect("begin");
        tx.insert_ticket(&new_ticket(&b, "Never", Privacy::Public), &[], at(1)).await.expect("insert");
        tx.enqueue_job(&NewJob { kind: "k".into(), payload: json!({}), dedupe_key: None, run_at: at(1) })
            .await
            .expect("job");
    }
    assert_eq!(b.store.row_counts().await.expect("counts"), before);
    // The writer is free again after the rollback.
    insert(&b, new_ticket(&b, "Later", Privacy::Public), at(2)).await;
}

/// Transactions that overlap (on SQLite, committed together as a group) keep exactly what each
/// committed: one that is dropped, after a write or after a statement the database refused,
/// takes nothing of the others with it, and each commit that succeeds is there to read at once.
async fn concurrent_transactions_keep_exactly_what_each_committed(db: TestDb) {
    let b = base(&db).await;
    let all = TicketQuery { page: PageRequest { page: 1, per_page: 100 }, ..TicketQuery::all(Visibility::All) };
    let before = b.store.tickets(&all).await.expect("list").total;
    let unit = NewUnit {
        name: "storage".into(),
        description: String::new(),
        level: 1,
        email: "x@example.org".into(),
        integration: Integration::Direct,
        service_level: ServiceLevelId(1),
        alarm_email: String::new(),
    };
    let writers = (0..24).map(|i| {
        let store = b.store.clone();
        let ticket = new_ticket(&b, &format!("Overlap {i}"), Privacy::Public);
        let unit = unit.clone();
        tokio::spawn(async move {
            let mut tx = store.begin().await.expect("begin");
            let made = tx.insert_ticket(&ticket, &[], at(i)).await.expect("insert");
            match i % 3 {
                // A refusal: dropped after writing.
                0 => return None,
                // A statement refused by the database, then the transaction dropped.
                1 => {
                    assert!(matches!(tx.insert_unit(&unit, at(0)).await, Err(StoreError::Duplicate(_))));
                    return None;
                }
                _ => {}
            }
            tx.commit().await.expect("commit");
            let read = store.ticket(made.id).await.expect("read");
            assert_eq!(read.map(|t| t.title), Some(made.title.clone()), "a commit is seen once it returns");
            Some(made.title)
        })
    });
    let mut committed: Vec<String> =
        futures::future::join_all(writers).await.into_iter().filter_map(|done| done.expect("writer")).collect();
    committed.sort();
    let list = b.store.tickets(&all).await.expect("list");
    let mut kept: Vec<String> =
        list.items.iter().map(|t| t.title.clone()).filter(|t| t.starts_with("Overlap")).collect();
    kept.sort();
    assert_eq!(committed.len(), 8);
    assert_eq!(kept, committed, "what was committed is kept, and nothing else");
    assert_eq!(list.total, before + 8);
}

/// The row counts behind "a refusal writes nothing" take in every table of the schema: a raw
/// message kept by a refusal would otherwise pass unseen.
async fn every_table_is_counted(db: TestDb) {
    let b = base(&db).await;
    let before = b.store.row_counts().await.expect("counts");
    let mut tx = b.store.begin().await.expect("begin");
    tx.insert_inbound(b"From: ann@example.org\r\nSubject: kept\r\n\r\nHello\r\n", None, at(1)).await.expect("kept");
    tx.commit().await.expect("commit");
    let after = b.store.row_counts().await.expect("counts");
    let changed: Vec<&str> = after.iter().filter(|count| !before.contains(count)).map(|(table, _)| *table).collect();
    assert_eq!(changed, ["inbound_mail"], "the new row is counted, and nothing else changed");
    let tables: Vec<&str> = after.iter().map(|(table, _)| *table).collect();
    for table in ["tickets", "articles", "ticket_history", "jobs", "accounts", "attachments", "inbound_mail"] {
        assert!(tables.contains(&table), "{table} is counted: {tables:?}");
    }
    assert!(!tables.iter().any(|t| t.starts_with("_sqlx") || t.starts_with("sqlite_")), "only our own tables");
}

async fn lists_are_paged_filtered_and_newest_first(db: TestDb) {
    let b = base(&db).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let mut t = new_ticket(&b, &format!("T{i}"), Privacy::Public);
        t.priority = if i % 2 == 0 { Priority::Low } else { Priority::High };
        if i == 6 {
            t.unit = b.other_unit;
            t.status = Status::Solved;
        }
        ids.push(insert(&b, t, at(i)).await.id);
    }
    let all = |page, per_page| TicketQuery {
        page: PageRequest::new(Some(page), Some(per_page)).expect("page"),
        ..TicketQuery::all(Visibility::All)
    };
    let p1 = b.store.tickets(&all(1, 3)).await.expect("page 1");
    let p3 = b.store.tickets(&all(3, 3)).await.expect("page 3");
    assert_eq!(p1.total, 7);
    assert_eq!(p1.items.iter().map(|t| t.id).collect::<Vec<_>>(), vec![ids[6], ids[5], ids[4]]);
    assert_eq!(p3.items.iter().map(|t| t.id).collect::<Vec<_>>(), vec![ids[0]]);
    assert_eq!((p3.page, p3.per_page), (3, 3));

    let count = |filter: TicketFilter| {
        let (store, q) = (b.store.clone(), TicketQuery { filter, ..TicketQuery::all(Visibility::All) });
        async move { store.tickets(&q).await.expect("list").total }
    };
    let base_q = TicketFilter::default();
    assert_eq!(count(TicketFilter { priority: Some(Priority::High), ..base_q.clone() }).await, 3);
    assert_eq!(count(TicketFilter { unit: Some(b.other_unit), ..base_q.clone() }).await, 1);
    assert_eq!(count(TicketFilter { status: Some(Status::New), ..base_q.clone() }).await, 6);
    assert_eq!(count(TicketFilter { state: Some(OpenState::Open), ..base_q.clone() }).await, 6);
    assert_eq!(count(TicketFilter { state: Some(OpenState::Closed), ..base_q.clone() }).await, 1);
    assert_eq!(count(TicketFilter { category: Some(CategoryId(b.category.get() + 99)), ..base_q.clone() }).await, 0);
    assert_eq!(
        count(TicketFilter { unit: Some(b.unit), priority: Some(Priority::Low), ..base_q }).await,
        3,
        "filters combine"
    );
}

async fn the_visibility_filter_matches_the_policy(db: TestDb) {
    let b = base(&db).await;
    let mut tx = b.store.begin().await.expect("begin");
    let org = tx.insert_organisation("Seventy-seven", at(0)).await.expect("organisation");
    tx.commit().await.expect("commit");
    let mut tickets = Vec::new();
    for (i, (privacy, unit, submitter)) in [
        (Privacy::Public, b.unit, b.submitter),
        (Privacy::Private, b.unit, b.submitter),
        (Privacy::Private, b.other_unit, b.submitter),
        (Privacy::Private, b.other_unit, b.other),
        (Privacy::Public, b.other_unit, b.other),
        (Privacy::Private, b.other_unit, b.other),
        (Privacy::Private, b.other_unit, b.other),
    ]
    .into_iter()
    .enumerate()
    {
        // The last two: one opened for the submitter, one of the organisation.
        let on_behalf_of = (i == 5).then_some(b.submitter);
        let organisation = (i == 6).then_some(org);
        let t = NewTicket {
            privacy,
            unit,
            submitter,
            on_behalf_of,
            organisation,
            ..new_ticket(&b, &format!("V{i}"), privacy)
        };
        tickets.push(insert(&b, t, at(i as i64)).await);
    }
    let actors = [
        Actor::anonymous(),
        Actor::person(b.submitter, vec![Role::Community], vec![], vec![]),
        Actor::person(b.other, vec![Role::Community], vec![], vec![]),
        Actor::person(AccountId(999), vec![Role::Supporter], vec![b.other_unit], vec![]),
        Actor::person(AccountId(998), vec![Role::Supporter], vec![b.unit, b.other_unit], vec![]),
        Actor::person(AccountId(997), vec![Role::Staff], vec![], vec![]),
        Actor::person(AccountId(996), vec![Role::Named], vec![], vec![]).named_in(vec![org]),
        Actor::person(AccountId(995), vec![Role::Partner], vec![], vec![]).serving(vec![OrgId(org.get() + 1), org]),
    ];
    for actor in actors {
        let visibility = helpdesk_domain::policy::visibility(&actor);
        let listed: Vec<TicketId> = b
            .store
            .tickets(&TicketQuery::all(visibility.clone()))
            .await
            .expect("list")
            .items
            .iter()
            .map(|t| t.id)
            .collect();
        let mut expected: Vec<TicketId> =
            tickets.iter().filter(|t| visibility.admits(&TicketFacts::from(*t))).map(|t| t.id).collect();
        expected.reverse();
        assert_eq!(listed, expected, "{actor:?}");
    }
}

async fn articles_hide_internal_notes_unless_asked(db: TestDb) {
    let b = base(&db).await;
    let t = insert(&b, new_ticket(&b, "A", Privacy::Public), at(0)).await;
    let mut tx = b.store.begin().await.expect("begin");
    for (i, internal) in [false, true, false].into_iter().enumerate() {
        let article = NewArticle {
            ticket: t.id,
            author: Some(b.submitter),
            body: format!("body {i}"),
            internal,
            channel: Channel::Api,
            at: at(i as i64),
            external_author: None,
        };
        let stored = tx.insert_article(&article).await.expect("article");
        assert_eq!(
            (stored.internal, stored.channel, stored.body.as_str()),
            (internal, Channel::Api, article.body.as_str())
        );
    }
    tx.commit().await.expect("commit");
    let public = b.store.articles(t.id, false, PageRequest::default()).await.expect("articles");
    assert_eq!(public.total, 2);
    assert_eq!(public.items.iter().map(|a| a.body.as_str()).collect::<Vec<_>>(), ["body 0", "body 2"]);
    let all = b.store.articles(t.id, true, PageRequest::new(Some(2), Some(2)).expect("page")).await.expect("articles");
    assert_eq!((all.total, all.items.len(), all.items[0].body.as_str()), (3, 1, "body 2"));
}

async fn history_keeps_values_and_reasons(db: TestDb) {
    let b = base(&db).await;
    let t = insert(&b, new_ticket(&b, "H", Privacy::Public), at(0)).await;
    let entries = vec![
        Change::new("status", serde_json::Value::Null, Status::New).at(at(0), Some(b.submitter)),
        Change::new("priority", Priority::Low, Priority::Top).because(Some("VIP".into())).at(at(1), Some(b.other)),
        Change::new("article", serde_json::Value::Null, 5).internal(true).at(at(2), None),
    ];
    let mut tx = b.store.begin().await.expect("begin");
    tx.record_history(t.id, &entries).await.expect("history");
    tx.record_history(t.id, &[]).await.expect("nothing to record");
    tx.commit().await.expect("commit");
    let all = b.store.history(t.id, true, PageRequest::default()).await.expect("history");
    assert_eq!(all.items[0].field, "status", "the creation's entry comes first");
    assert_eq!(all.items[1..], entries[..]);
    let public = b.store.history(t.id, false, PageRequest::default()).await.expect("history");
    assert_eq!(public.total, 3);
    assert_eq!(public.items[2].reason.as_deref(), Some("VIP"));
}

async fn names_are_unique_ignoring_case(db: TestDb) {
    let b = base(&db).await;
    let mut tx = b.store.begin().await.expect("begin");
    let unit = NewUnit {
        name: "1ST LINE".into(),
        description: String::new(),
        level: 1,
        email: "x@example.org".into(),
        integration: Integration::Direct,
        service_level: ServiceLevelId(1),
        alarm_email: String::new(),
    };
    assert!(matches!(tx.insert_unit(&unit, at(0)).await, Err(StoreError::Duplicate(_))));
    drop(tx);
    let mut tx = b.store.begin().await.expect("begin");
    assert!(matches!(tx.insert_account("sub@example.org", "Again", &[], at(0)).await, Err(StoreError::Duplicate(_))));
    drop(tx);
    let units = b.store.units(PageRequest::default()).await.expect("units");
    assert_eq!(units.items.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["1st line", "Storage"]);
}

async fn accounts_and_tokens(db: TestDb) {
    let b = base(&db).await;
    let mut tx = b.store.begin().await.expect("begin");
    let account =
        tx.insert_account("ops@example.org", "Ops", &[Role::Staff, Role::Admin], at(0)).await.expect("account");
    tx.insert_token(account.id, "ci", "hash-1", at(0)).await.expect("token");
    tx.commit().await.expect("commit");
    assert_eq!(account.roles, vec![Role::Staff, Role::Admin]);
    assert_eq!(b.store.account_by_token("hash-1").await.expect("lookup"), Some(account.clone()));
    assert_eq!(b.store.account_by_token("hash-2").await.expect("lookup"), None);
    assert_eq!(b.store.account_by_email("ops@example.org").await.expect("lookup"), Some(account.clone()));
    assert_eq!(b.store.account(account.id).await.expect("lookup"), Some(account));
}

async fn every_statement_prepares_against_the_schema(db: TestDb) {
    let store = db.open().await;
    // Preparing checks every table and column a statement names, and its syntax, without
    // running it: a statement that has drifted from the migrations fails here by name.
    let prepared = store.prepare_statements().await.expect("every statement prepares");
    assert!(prepared >= 130, "only {prepared} statements were prepared");
}

async fn jobs_are_claimed_once_retried_and_kept_when_failed(db: TestDb) {
    let b = base(&db).await;
    let mut tx = b.store.begin().await.expect("begin");
    for i in 0..3 {
        tx.enqueue_job(&NewJob { kind: "notify".into(), payload: json!({"n": i}), dedupe_key: None, run_at: at(i) })
            .await
            .expect("enqueue");
    }
    tx.enqueue_job(&NewJob { kind: "later".into(), payload: json!({}), dedupe_key: None, run_at: at(100) })
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    let counts = |now| {
        let store = b.store.clone();
        async move {
            let c = store.job_counts(now).await.expect("the job counts");
            (c.due, c.later, c.retrying, c.running, c.failed)
        }
    };
    assert_eq!(counts(at(10)).await, (3, 1, 0, 0, 0), "three due, one for later");

    let now = at(10);
    let (first, second) = tokio::join!(
        b.store.claim_jobs("w1", now, now + Duration::minutes(5), 2),
        b.store.claim_jobs("w2", now, now + Duration::minutes(5), 2),
    );
    let (first, second) = (first.expect("claim"), second.expect("claim"));
    let mut claimed: Vec<i64> = first.iter().chain(&second).map(|j| j.id).collect();
    claimed.sort();
    claimed.dedup();
    assert_eq!(claimed.len(), 3, "each due job is claimed by exactly one worker");
    assert!(first.iter().chain(&second).all(|j| j.kind == "notify" && j.attempts == 1));
    assert!(
        b.store.claim_jobs("w3", now, now + Duration::minutes(5), 10).await.expect("claim").is_empty(),
        "leased jobs wait"
    );

    let (done, failing) = (&first[0], first.get(1).or(second.first()).expect("another job"));
    let owner_of = |id: i64| if first.iter().any(|j| j.id == id) { "w1" } else { "w2" };
    b.store.finish_jobs(&[done.id], "w9").await.expect("finish by a stranger is a no-op");
    b.store.finish_jobs(&[done.id], owner_of(done.id)).await.expect("finish");
    b.store.fail_job(failing.id, owner_of(failing.id), "SMTP down", Some(at(60)), now).await.expect("fail");
    assert_eq!(counts(at(11)).await, (0, 1, 1, 1, 0), "one retrying, one still in a worker's hands");

    // After the lease runs out the remaining claimed job comes back; the failed one waits.
    let later = at(10 + 301);
    let again = b.store.claim_jobs("w4", later, later + Duration::minutes(5), 10).await.expect("claim");
    assert_eq!(again.len(), 3, "the expired lease, the retried job, the later job: {again:?}");
    let retried = again.iter().find(|j| j.id == failing.id).expect("the failed job is retried");
    assert_eq!((retried.attempts, retried.last_error.as_deref()), (2, Some("SMTP down")));
    for job in &again {
        b.store.fail_job(job.id, "w4", "gone for good", None, later).await.expect("give up");
    }
    assert!(b.store.claim_jobs("w5", at(10_000), at(10_300), 10).await.expect("claim").is_empty());
    let failed = b.store.failed_jobs(PageRequest::default()).await.expect("failed");
    assert_eq!(failed.total, 3, "jobs given up on are kept for an admin");
    assert_eq!(counts(at(10_000)).await, (0, 0, 0, 0, 3));
}

async fn a_lease_has_one_holder_until_it_runs_out(db: TestDb) {
    let store = db.open().await;
    let claim = |holder: &'static str, at: i64, until: i64| {
        let store = store.clone();
        async move { store.claim_lease("scheduler", holder, self::at(at), self::at(until)).await.expect("claim") }
    };
    assert!(claim("a", 0, 30).await, "free: a takes it");
    assert!(!claim("b", 10, 40).await, "a holds it");
    assert!(claim("a", 20, 50).await, "a renews it");
    assert!(!claim("b", 40, 70).await, "renewed: still a's");
    assert!(claim("b", 51, 81).await, "ran out: b takes it");
    assert!(!claim("a", 60, 90).await, "b's now");
}

async fn a_timer_is_taken_once_and_only_as_it_was_read(db: TestDb) {
    use helpdesk_domain::timer::TimerKind::AutoClose;
    let b = base(&db).await;
    let ticket = insert(&b, new_ticket(&b, "Solved", Privacy::Public), at(0)).await;
    let mut tx = b.store.begin().await.expect("begin");
    tx.set_timer(ticket.id, AutoClose, at(100), 0).await.expect("set");
    tx.commit().await.expect("commit");
    assert!(b.store.due_timers(at(99), 10).await.expect("due").is_empty(), "not before its moment");
    let due = b.store.due_timers(at(100), 10).await.expect("due");
    assert_eq!(due.len(), 1);

    // Moved by a change after it was read: the reader does not fire it.
    let mut tx = b.store.begin().await.expect("begin");
    tx.set_timer(ticket.id, AutoClose, at(200), 1).await.expect("moved");
    tx.commit().await.expect("commit");
    let mut tx = b.store.begin().await.expect("begin");
    assert!(!tx.take_timer(&due[0]).await.expect("take"), "moved since it was read");
    drop(tx);
    let due = b.store.due_timers(at(300), 10).await.expect("due");
    let mut tx = b.store.begin().await.expect("begin");
    assert!(tx.take_timer(&due[0]).await.expect("take"), "as read");
    assert!(!tx.take_timer(&due[0]).await.expect("take"), "once");
    tx.commit().await.expect("commit");
    assert!(b.store.timers_of(ticket.id).await.expect("timers").is_empty());
}

async fn a_queued_job_is_invisible_until_commit_and_deduplicated(db: TestDb) {
    let b = base(&db).await;
    let job = NewJob {
        kind: "sync".into(),
        payload: json!({"ticket": 1}),
        dedupe_key: Some("sync:1:7".into()),
        run_at: at(0),
    };
    let mut tx = b.store.begin().await.expect("begin");
    tx.enqueue_job(&job).await.expect("enqueue");
    tx.enqueue_job(&job).await.expect("a duplicate is ignored");
    // Readers (other connections) do not see it before the commit.
    let jobs = b.store.row_counts().await.expect("counts").into_iter().find(|(t, _)| *t == "jobs").map(|(_, n)| n);
    assert_eq!(jobs, Some(0));
    tx.commit().await.expect("commit");
    let claimed = b.store.claim_jobs("w", at(1), at(100), 10).await.expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].payload, json!({"ticket": 1}));
}

async fn timestamps_keep_microseconds_and_order(db: TestDb) {
    let b = base(&db).await;
    let precise = OffsetDateTime::from_unix_timestamp_nanos(1_800_000_000_123_456_789).expect("a time");
    let t = insert(&b, new_ticket(&b, "T", Privacy::Public), precise).await;
    assert_eq!(t.created_at, OffsetDateTime::from_unix_timestamp_nanos(1_800_000_000_123_456_000).expect("a time"));
    // A whole second sorts before a later fraction of it (text timestamps must not break this).
    let mut tx = b.store.begin().await.expect("begin");
    tx.enqueue_job(&NewJob {
        kind: "a".into(),
        payload: json!({}),
        dedupe_key: None,
        run_at: at(5) + Duration::milliseconds(500),
    })
    .await
    .expect("enqueue");
    tx.enqueue_job(&NewJob { kind: "b".into(), payload: json!({}), dedupe_key: None, run_at: at(5) })
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    assert!(b.store.claim_jobs("w", at(4), at(100), 10).await.expect("claim").is_empty());
    let due = b.store.claim_jobs("w", at(5), at(100), 10).await.expect("claim");
    assert_eq!(due.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(), ["b"], "only the job due at :05.000");
}

#[tokio::test]
async fn the_engines_migrations_are_in_step() {
    let sqlite = helpdesk_store::migrations(Engine::Sqlite);
    let postgres = helpdesk_store::migrations(Engine::Postgres);
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres, "every migration exists for both engines, with the same version and name");
}

/// Columns only one engine has, and why.
const ENGINE_ONLY_COLUMNS: &[(&str, &str)] =
    &[("change_log.txid", "PostgreSQL only: lets the log's followers read in commit order")];

#[tokio::test]
async fn the_engines_schemas_have_the_same_tables_and_columns() {
    if postgres_url().is_none() {
        say_postgres_skipped("store conformance suite");
        return;
    }
    let (sqlite_db, pg_db) = (TestDb::new(Engine::Sqlite).await, TestDb::new(Engine::Postgres).await);
    let _ = (sqlite_db.open().await, pg_db.open().await);
    let sqlite_cols = columns(&sqlite_db, "SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'").await;
    let pg_cols = columns(&pg_db, "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'").await;
    let only = |a: &Vec<String>, b: &Vec<String>| -> Vec<String> {
        a.iter().filter(|c| !b.contains(c) && !ENGINE_ONLY_COLUMNS.iter().any(|(k, _)| k == c)).cloned().collect()
    };
    assert_eq!(only(&sqlite_cols, &pg_cols), Vec::<String>::new(), "columns only SQLite has");
    assert_eq!(only(&pg_cols, &sqlite_cols), Vec::<String>::new(), "columns only PostgreSQL has");
}

async fn columns(db: &TestDb, sql: &'static str) -> Vec<String> {
    use sqlx::Connection;
    let mut cols: Vec<String> = match &db.location {
        helpdesk_store::Location::SqliteFile(path) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display())).await.expect("connect");
            sqlx::query_scalar(sql).fetch_all(&mut c).await.expect("columns")
        }
        helpdesk_store::Location::Postgres(url) => {
            let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query_scalar(sql).fetch_all(&mut c).await.expect("columns")
        }
    };
    cols.sort();
    cols
}

async fn every_ticket_and_article_write_is_in_the_change_log(db: TestDb) {
    let b = base(&db).await;
    let logged = || {
        let store = b.store.clone();
        async move {
            let counts = store.row_counts().await.expect("counts");
            counts.into_iter().find(|(t, _)| *t == "change_log").map(|(_, n)| n).unwrap_or(-1)
        }
    };
    assert_eq!(logged().await, 0);
    let t = insert(&b, new_ticket(&b, "Logged", Privacy::Public), at(0)).await;
    assert_eq!(logged().await, 1, "a new ticket");
    let mut tx = b.store.begin().await.expect("begin");
    tx.update_ticket(&Ticket { privacy: Privacy::Private, updated_at: at(1), ..t.clone() }).await.expect("update");
    tx.insert_article(&NewArticle {
        ticket: t.id,
        author: None,
        body: "note".into(),
        internal: true,
        channel: Channel::System,
        at: at(2),
        external_author: None,
    })
    .await
    .expect("article");
    tx.commit().await.expect("commit");
    assert_eq!(logged().await, 3, "a change of the ticket and a new article");
}

/// Reads the change log from `cursor` to its end; returns the tickets seen and where it ended.
async fn follow(store: &Arc<dyn Store>, mut cursor: ChangeCursor) -> (Vec<TicketId>, ChangeCursor) {
    let mut seen = Vec::new();
    loop {
        let changes = store.ticket_changes(cursor, 2).await.expect("the change log");
        // What a follower takes in: entries before the new cursor, and those past it once.
        for (_, ticket) in &changes.entries {
            if !seen.contains(ticket) {
                seen.push(*ticket);
            }
        }
        cursor = changes.next;
        if !changes.more {
            return (seen, cursor);
        }
    }
}

async fn the_change_log_is_followed_without_skipping_a_late_commit(db: TestDb) {
    let b = base(&db).await;
    let start = b.store.change_horizon().await.expect("horizon");
    let early = insert(&b, new_ticket(&b, "Early", Privacy::Public), at(0)).await;
    let (seen, cursor) = follow(&b.store, start).await;
    assert_eq!(seen, vec![early.id]);
    if b.store.engine() == Engine::Postgres {
        // Two transactions overlap: the first to write the log commits last. A follower that
        // read by entry id would pass the first one's entry before it became visible.
        let mut slow = b.store.begin().await.expect("begin");
        let late = slow.insert_ticket(&new_ticket(&b, "Late", Privacy::Public), &[], at(1)).await.expect("insert");
        let mut quick = b.store.begin().await.expect("begin");
        let fast = quick.insert_ticket(&new_ticket(&b, "Fast", Privacy::Public), &[], at(2)).await.expect("insert");
        quick.commit().await.expect("commit");
        let (before, cursor) = follow(&b.store, cursor).await;
        assert!(!before.contains(&late.id), "an open transaction's entry is not read: {before:?}");
        slow.commit().await.expect("commit");
        let (after, _) = follow(&b.store, cursor).await;
        let all: std::collections::BTreeSet<TicketId> = before.into_iter().chain(after).collect();
        // (An entry past the cursor comes again until the cursor passes it: `early` may too,
        // when another test's transaction holds the cursor back.)
        assert!(all.contains(&late.id) && all.contains(&fast.id), "both are read, once the first commits: {all:?}");
        assert!(all.iter().all(|t| [early.id, late.id, fast.id].contains(t)), "{all:?}");
    } else {
        let mut tx = b.store.begin().await.expect("begin");
        tx.update_ticket(&Ticket { title: "Early, renamed".into(), updated_at: at(3), ..early.clone() })
            .await
            .expect("update");
        tx.commit().await.expect("commit");
        let (seen, cursor) = follow(&b.store, cursor).await;
        assert_eq!(seen, vec![early.id]);
        assert_eq!(follow(&b.store, cursor).await.0, Vec::<TicketId>::new(), "nothing twice");
    }
    // What the index reads of a ticket: the ticket and all its articles, notes included.
    let mut tx = b.store.begin().await.expect("begin");
    for (body, internal) in [("public words", false), ("internal words", true)] {
        let article = NewArticle {
            ticket: early.id,
            author: None,
            body: body.into(),
            internal,
            channel: Channel::Web,
            at: at(4),
            external_author: None,
        };
        tx.insert_article(&article).await.expect("article");
    }
    tx.commit().await.expect("commit");
    let docs = b.store.search_documents(&[early.id, TicketId(999_999)]).await.expect("documents");
    assert_eq!(docs.len(), 1);
    let bodies: Vec<(&str, bool)> = docs[0].articles.iter().map(|a| (a.body.as_str(), a.internal)).collect();
    assert_eq!(bodies, vec![("public words", false), ("internal words", true)]);
    let ids = b.store.ticket_ids_after(TicketId(0), 100).await.expect("ids");
    assert!(ids.contains(&early.id) && ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

async fn a_new_tickets_history_is_written_with_it(db: TestDb) {
    let b = base(&db).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let t = new_ticket(&b, &format!("With history {n}"), Privacy::Public);
        let history: Vec<_> = (0..=n)
            .map(|i| Change::new("step", serde_json::Value::Null, format!("{n}.{i}")).at(at(n), Some(b.submitter)))
            .collect();
        let mut tx = b.store.begin().await.expect("begin");
        let ticket = tx.insert_ticket(&t, &history, at(n)).await.expect("insert");
        tx.commit().await.expect("commit");
        ids.push((ticket.id, history));
    }
    for (id, history) in ids {
        let stored = b.store.history(id, true, PageRequest::default()).await.expect("history");
        assert_eq!(stored.items, history, "ticket {id} has exactly its own history");
    }
}

fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}

async fn org_with_contract(b: &Base, name: &str, starts: i64, ends: Option<i64>) -> OrgId {
    let mut tx = b.store.begin().await.expect("begin");
    let org = tx.insert_organisation(name, at(0)).await.expect("organisation");
    let contract = helpdesk_store::NewContract {
        plan: "Gold".into(),
        starts_on: today() + Duration::days(starts),
        ends_on: ends.map(|e| today() + Duration::days(e)),
        includes: String::new(),
    };
    tx.insert_contract(org, &contract, at(0)).await.expect("contract");
    tx.commit().await.expect("commit");
    org
}

async fn memberships_follow_units_contracts_and_partnerships(db: TestDb) {
    let b = base(&db).await;
    let running = org_with_contract(&b, "Running", 0, Some(0)).await;
    let ended = org_with_contract(&b, "Ended", -10, Some(-1)).await;
    let future = org_with_contract(&b, "Future", 1, None).await;
    let open_ended = org_with_contract(&b, "Open-ended", -100, None).await;
    let mut tx = b.store.begin().await.expect("begin");
    for org in [running, ended, future, open_ended] {
        tx.add_organisation_member(org, b.submitter, at(1)).await.expect("member");
    }
    tx.add_organisation_member(running, b.submitter, at(2)).await.expect("a second time changes nothing");
    tx.add_partner(future, b.submitter, at(1)).await.expect("partner");
    tx.set_unit_member(b.unit, b.submitter, false, at(1)).await.expect("unit");
    tx.set_unit_member(b.other_unit, b.submitter, false, at(1)).await.expect("unit");
    tx.set_unit_member(b.other_unit, b.submitter, true, at(2)).await.expect("now a manager");
    tx.commit().await.expect("commit");
    let m = b.store.memberships(b.submitter, today()).await.expect("memberships");
    let mut supported = vec![running, open_ended];
    supported.sort();
    assert_eq!(m.supported, supported, "contracts running today, first and last day included");
    assert_eq!(&m.organisations[..2], &supported[..], "supported organisations first");
    assert_eq!(m.organisations.len(), 4);
    assert_eq!(m.partner_of, vec![future]);
    assert_eq!(m.units, vec![b.unit, b.other_unit]);
    assert_eq!(m.managed_units, vec![b.other_unit]);
    assert_eq!(b.store.memberships(b.other, today()).await.expect("memberships"), Default::default());

    let mut tx = b.store.begin().await.expect("begin");
    assert!(tx.remove_unit_member(b.unit, b.submitter).await.expect("remove"));
    assert!(!tx.remove_unit_member(b.unit, b.submitter).await.expect("remove again"));
    assert!(tx.remove_organisation_member(running, b.submitter).await.expect("remove"));
    assert!(tx.remove_partner(future, b.submitter).await.expect("remove"));
    tx.commit().await.expect("commit");
    let m = b.store.memberships(b.submitter, today()).await.expect("memberships");
    assert_eq!((m.units, m.supported, m.partner_of), (vec![b.other_unit], vec![open_ended], vec![]));
}

async fn organisations_carry_their_domains_partners_contracts_and_members(db: TestDb) {
    let b = base(&db).await;
    let mut tx = b.store.begin().await.expect("begin");
    let verified = tx.insert_account("vera@lab.example.org", "Vera", &[], at(0)).await.expect("account");
    tx.mark_email_verified(verified.id, at(0)).await.expect("verified");
    tx.insert_account("ulf@lab.example.org", "Ulf", &[], at(0)).await.expect("an unverified account");
    let org = tx.insert_organisation("Lab", at(0)).await.expect("organisation");
    assert_eq!(
        tx.add_domain(org, "lab.example.org", at(1)).await.expect("domain"),
        1,
        "only the verified account joins"
    );
    tx.commit().await.expect("commit");
    let mut tx = b.store.begin().await.expect("begin");
    assert!(matches!(tx.add_domain(org, "lab.example.org", at(1)).await, Err(StoreError::Duplicate(_))));
    drop(tx);
    let mut tx = b.store.begin().await.expect("begin");
    tx.add_domain(org, "lab2.example.org", at(1)).await.expect("domain");
    tx.add_partner(org, b.other, at(1)).await.expect("partner");
    let first = helpdesk_store::NewContract {
        plan: "Base".into(),
        starts_on: today() - Duration::days(400),
        ends_on: Some(today() - Duration::days(35)),
        includes: "mail".into(),
    };
    let second = helpdesk_store::NewContract {
        plan: "Gold".into(),
        starts_on: today() - Duration::days(30),
        ends_on: None,
        includes: "24/7".into(),
    };
    tx.insert_contract(org, &first, at(1)).await.expect("contract");
    let gold = tx.insert_contract(org, &second, at(1)).await.expect("contract");
    assert!(tx.rename_organisation(org, "Laboratory", at(2)).await.expect("rename"));
    assert!(!tx.rename_organisation(OrgId(org.get() + 100), "Nobody", at(2)).await.expect("rename"));
    tx.commit().await.expect("commit");
    let loaded = b.store.organisation(org, today()).await.expect("read").expect("found");
    assert_eq!(loaded.name, "Laboratory");
    assert_eq!(loaded.domains, vec!["lab.example.org", "lab2.example.org"]);
    assert_eq!(loaded.partners, vec![b.other]);
    assert_eq!(loaded.contracts.iter().map(|c| c.plan.as_str()).collect::<Vec<_>>(), ["Gold", "Base"], "newest first");
    assert!(loaded.supported);
    assert!(
        !b.store.organisation(org, today() - Duration::days(32)).await.expect("read").expect("found").supported,
        "between the two"
    );
    let members = b.store.organisation_members(org, PageRequest::default()).await.expect("members");
    assert_eq!(members.items.iter().map(|a| a.email.as_str()).collect::<Vec<_>>(), ["vera@lab.example.org"]);
    let page =
        b.store.organisations(&OrganisationVisibility::All, PageRequest::default(), today()).await.expect("list");
    assert_eq!((page.total, page.items[0].domains.len()), (1, 2));
    // Restricted, the list holds the organisations named, and those with a ticket in the units.
    let elsewhere = {
        let mut tx = b.store.begin().await.expect("begin");
        let elsewhere = tx.insert_organisation("Elsewhere", at(2)).await.expect("organisation");
        tx.commit().await.expect("commit");
        elsewhere
    };
    insert(
        &b,
        NewTicket { organisation: Some(org), unit: b.other_unit, ..new_ticket(&b, "Lab's", Privacy::Private) },
        at(2),
    )
    .await;
    let restricted =
        |organisations: Vec<OrgId>, units: Vec<UnitId>| OrganisationVisibility::Restricted { organisations, units };
    let table = [
        (restricted(vec![], vec![b.other_unit]), vec!["Laboratory"]),
        (restricted(vec![], vec![b.unit]), vec![]),
        (restricted(vec![elsewhere], vec![]), vec!["Elsewhere"]),
        (restricted(vec![elsewhere], vec![b.other_unit, b.unit]), vec!["Elsewhere", "Laboratory"]),
        (restricted(vec![], vec![]), vec![]),
    ];
    for (visibility, names) in table {
        let page = b.store.organisations(&visibility, PageRequest::default(), today()).await.expect("list");
        let found: Vec<&str> = page.items.iter().map(|o| o.name.as_str()).collect();
        assert_eq!((found, page.total), (names.clone(), names.len() as i64), "{visibility:?}");
    }
    for (units, worked) in [(vec![b.other_unit], true), (vec![b.unit], false), (vec![], false)] {
        assert_eq!(b.store.organisation_worked_by(org, &units).await.expect("read"), worked, "{units:?}");
    }
    // A later account joins by its domain once verified.
    let mut tx = b.store.begin().await.expect("begin");
    let late = tx.insert_account("lea@lab2.example.org", "Lea", &[], at(3)).await.expect("account");
    assert_eq!(tx.join_organisations_by_domain(late.id, "lab2.example.org", at(3)).await.expect("join"), 1);
    let mut ended = gold.clone();
    ended.ends_on = Some(today() - Duration::days(1));
    tx.update_contract(&ended).await.expect("end it");
    assert_eq!(tx.contract(org, gold.id).await.expect("read"), Some(ended));
    assert!(tx.remove_domain(org, "lab2.example.org").await.expect("remove"));
    assert!(!tx.remove_domain(org, "lab2.example.org").await.expect("remove again"));
    tx.commit().await.expect("commit");
    assert!(!b.store.organisation(org, today()).await.expect("read").expect("found").supported);
    assert_eq!(
        b.store.organisation_members(org, PageRequest::default()).await.expect("members").total,
        2,
        "members stay"
    );
}

async fn join_requests_and_tokens(db: TestDb) {
    let b = base(&db).await;
    let mut tx = b.store.begin().await.expect("begin");
    let id = tx.insert_join_request(b.unit, b.submitter, "let me in", at(1)).await.expect("request");
    tx.commit().await.expect("commit");
    let mut tx = b.store.begin().await.expect("begin");
    assert!(matches!(tx.insert_join_request(b.unit, b.submitter, "again", at(2)).await, Err(StoreError::Duplicate(_))));
    drop(tx);
    let mut tx = b.store.begin().await.expect("begin");
    tx.decide_join_request(id, JoinState::Refused, b.other, at(3)).await.expect("decide");
    let again =
        tx.insert_join_request(b.unit, b.submitter, "please", at(4)).await.expect("a new request after a refusal");
    assert!(tx.join_request(b.other_unit, id).await.expect("read").is_none(), "a request belongs to its unit");
    tx.commit().await.expect("commit");
    let all = b.store.join_requests(b.unit, None, PageRequest::default()).await.expect("list");
    assert_eq!(
        all.items.iter().map(|r| (r.id, r.state)).collect::<Vec<_>>(),
        vec![(id, JoinState::Refused), (again, JoinState::Pending)]
    );
    assert_eq!((all.items[0].decided_by, all.items[0].email.as_str()), (Some(b.other), "sub@example.org"));
    let pending = b.store.join_requests(b.unit, Some(JoinState::Pending), PageRequest::default()).await.expect("list");
    assert_eq!(pending.total, 1);

    let mut tx = b.store.begin().await.expect("begin");
    let token = tx.insert_token(b.submitter, "ci", "hash-a", at(1)).await.expect("token");
    assert!(!tx.revoke_token(b.other, token, at(2)).await.expect("not theirs"));
    assert!(tx.revoke_token(b.submitter, token, at(2)).await.expect("revoke"));
    assert!(!tx.revoke_token(b.submitter, token, at(3)).await.expect("once"));
    tx.commit().await.expect("commit");
    assert_eq!(b.store.account_by_token("hash-a").await.expect("lookup"), None, "a revoked token opens nothing");
    let tokens = b.store.tokens(b.submitter).await.expect("tokens");
    assert_eq!((tokens.len(), tokens[0].revoked_at), (1, Some(at(2))));
}
