//! The conformance suite for what the pages need of tickets: "copy to" addresses and links,
//! attachments held in the database, the list filters and orders, and the summaries.

use helpdesk_domain::account::Role;
use helpdesk_domain::paging::PageRequest;
use helpdesk_domain::policy::{Actor, Visibility, visibility};
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::{Channel, Priority, Privacy, Ticket};
use helpdesk_domain::{AccountId, ArticleId, AttachmentId, OrgId, TicketId};
use helpdesk_store::{NewArticle, NewAttachment, TicketFilter, TicketOrder, TicketQuery};

use super::{Base, at, base, insert, new_ticket};
use crate::common::TestDb;

conformance!(
    copies_and_links_round_trip,
    attachments_are_kept_in_the_database_and_hide_internal_ones,
    the_list_filters_select_and_combine,
    the_queue_and_activity_orders,
    summaries_carry_the_submitters_name_and_public_replies,
);

async fn copies_and_links_round_trip(db: TestDb) {
    let b = base(&db).await;
    let mut t = new_ticket(&b, "With copies", Privacy::Public);
    t.copy_to = vec!["ann@example.org".into(), "bob@example.org".into()];
    t.link_url = Some("https://example.org/issue?id=7&x=%20".into());
    let stored = insert(&b, t.clone(), at(1)).await;
    assert_eq!((stored.copy_to.clone(), stored.link_url.clone()), (t.copy_to, t.link_url));
    assert_eq!(b.store.ticket(stored.id).await.expect("read"), Some(stored));
    let plain = insert(&b, new_ticket(&b, "Plain", Privacy::Public), at(2)).await;
    assert_eq!((plain.copy_to, plain.link_url), (Vec::<String>::new(), None));
}

fn file(
    b: &Base,
    ticket: TicketId,
    article: Option<ArticleId>,
    name: &str,
    internal: bool,
    data: Vec<u8>,
    when: i64,
) -> NewAttachment {
    NewAttachment {
        ticket,
        article,
        filename: name.into(),
        content_type: "image/png".into(),
        sha256: format!("{:064x}", data.len()),
        uploaded_by: Some(b.submitter),
        internal,
        data,
        at: at(when),
    }
}

async fn attachments_are_kept_in_the_database_and_hide_internal_ones(db: TestDb) {
    let b = base(&db).await;
    let t = insert(&b, new_ticket(&b, "Files", Privacy::Public), at(0)).await;
    let other = insert(&b, new_ticket(&b, "Other", Privacy::Public), at(0)).await;
    // Every byte value, and more than a page of the database.
    let binary: Vec<u8> = (0..70_000u32).map(|i| (i % 256) as u8).collect();
    let mut tx = b.store.begin().await.expect("begin");
    let first = tx.insert_attachment(&file(&b, t.id, None, "shot.png", false, binary.clone(), 1)).await.expect("file");
    let note = tx
        .insert_article(&NewArticle {
            ticket: t.id,
            author: Some(b.other),
            body: "see the log".into(),
            internal: true,
            channel: Channel::Web,
            at: at(2),
            external_author: None,
        })
        .await
        .expect("note");
    let hidden = tx
        .insert_attachment(&file(&b, t.id, Some(note.id), "log.txt", true, b"secret".to_vec(), 2))
        .await
        .expect("file");
    tx.insert_attachment(&file(&b, other.id, None, "elsewhere.png", false, b"x".to_vec(), 3)).await.expect("file");
    tx.commit().await.expect("commit");

    assert_eq!(
        (first.ticket, first.article, first.filename.as_str(), first.size, first.internal, first.created_at),
        (t.id, None, "shot.png", 70_000, false, at(1))
    );
    assert_eq!((hidden.article, hidden.internal, hidden.uploaded_by), (Some(note.id), true, Some(b.submitter)));
    assert_eq!(b.store.attachments(t.id, false).await.expect("list"), vec![first.clone()], "no internal ones");
    assert_eq!(
        b.store.attachments(t.id, true).await.expect("list"),
        vec![first.clone(), hidden.clone()],
        "oldest first"
    );
    assert_eq!(b.store.attachment_data(first.id).await.expect("read"), Some((first, binary)));
    assert_eq!(b.store.attachment_data(hidden.id).await.expect("read"), Some((hidden, b"secret".to_vec())));
    assert_eq!(b.store.attachment_data(AttachmentId(9_999)).await.expect("read"), None);

    let before = b.store.row_counts().await.expect("counts");
    assert!(before.iter().any(|(table, n)| *table == "attachments" && *n == 3), "{before:?}");
    {
        let mut tx = b.store.begin().await.expect("begin");
        tx.insert_attachment(&file(&b, t.id, None, "never.png", false, vec![1; 1000], 4)).await.expect("file");
    }
    assert_eq!(b.store.row_counts().await.expect("counts"), before, "a dropped transaction keeps no file");
}

/// The tickets of the list tests: (title, priority, status, unit is the other one, submitter is
/// the other person, opened on behalf of the submitter, of the organisation, private).
type Spec = (&'static str, Priority, Status, bool, bool, bool, bool, bool);

const LIST: &[Spec] = &[
    ("Printer on fire", Priority::Low, Status::New, false, false, false, false, false),
    ("VPN drops 50%_ of packets", Priority::High, Status::InProgress, false, true, true, true, false),
    ("Mail delayed", Priority::Top, Status::New, true, true, false, false, false),
    ("printer jam", Priority::Medium, Status::Assigned, true, false, false, true, false),
    ("Login 404", Priority::Low, Status::New, false, true, false, false, false),
    ("Disk full", Priority::High, Status::New, false, true, false, false, true),
];

/// Inserts `LIST`; tickets 1 and 3 are owned by the other person, 4 by the submitter.
async fn list_tickets(b: &Base) -> (Vec<Ticket>, i64) {
    let mut tx = b.store.begin().await.expect("begin");
    let org = tx.insert_organisation("Lab", at(0)).await.expect("organisation");
    tx.commit().await.expect("commit");
    let mut tickets = Vec::new();
    for (i, (title, priority, status, other_unit, by_other, for_submitter, of_org, private)) in LIST.iter().enumerate()
    {
        let privacy = if *private { Privacy::Private } else { Privacy::Public };
        let mut t = new_ticket(b, title, privacy);
        t.priority = *priority;
        t.status = *status;
        t.unit = if *other_unit { b.other_unit } else { b.unit };
        t.submitter = if *by_other { b.other } else { b.submitter };
        t.on_behalf_of = for_submitter.then_some(b.submitter);
        t.organisation = of_org.then_some(org);
        tickets.push(insert(b, t, at(i as i64)).await);
    }
    let mut tx = b.store.begin().await.expect("begin");
    for (i, owner) in [(1, b.other), (3, b.other), (4, b.submitter)] {
        tickets[i].owner = Some(owner);
        tx.update_ticket(&tickets[i]).await.expect("owner");
    }
    tx.commit().await.expect("commit");
    (tickets, org.get())
}

async fn listed(b: &Base, q: &TicketQuery) -> Vec<TicketId> {
    let page = b.store.tickets(q).await.expect("list");
    let ids: Vec<TicketId> = page.items.iter().map(|t| t.id).collect();
    assert_eq!(page.total, ids.len() as i64, "the total counts what the filter admits");
    ids
}

async fn the_list_filters_select_and_combine(db: TestDb) {
    let b = base(&db).await;
    let (tickets, org) = list_tickets(&b).await;
    let all =
        TicketQuery { page: PageRequest::new(None, Some(100)).expect("page"), ..TicketQuery::all(Visibility::All) };
    let q = |f: &dyn Fn(&mut TicketQuery)| {
        let mut q = all.clone();
        f(&mut q);
        q
    };
    let text = |t: &str| {
        let t = t.to_owned();
        q(&move |q| q.filter.text = Some(t.clone()))
    };
    // Digits are a number and a piece of a title at once.
    let by_number = |n: usize| -> Vec<usize> {
        let id = tickets[n].id;
        (0..LIST.len()).filter(|&i| i == n || LIST[i].0.contains(&id.to_string())).collect()
    };
    let submitter_view = visibility(&Actor::person(b.submitter, vec![Role::Community], vec![], vec![]));
    let table: Vec<(&str, TicketQuery, Vec<usize>)> = vec![
        ("no filter", all.clone(), vec![0, 1, 2, 3, 4, 5]),
        ("text, any case", text("PRINTER"), vec![0, 3]),
        ("text in the middle", text("jam"), vec![3]),
        ("a blank text is no filter", text("  "), vec![0, 1, 2, 3, 4, 5]),
        ("% is literal", text("%"), vec![1]),
        ("_ is literal", text("_"), vec![1]),
        ("both", text("50%_ of"), vec![1]),
        ("a backslash is literal", text("\\"), vec![]),
        ("a number", text(&tickets[2].id.to_string()), by_number(2)),
        ("a number with #", text(&format!("#{}", tickets[5].id)), vec![5]),
        ("digits of a title", text("404"), vec![4]),
        ("submitter or on behalf of", q(&|q| q.filter.submitter = Some(b.submitter)), vec![0, 1, 3]),
        ("owner", q(&|q| q.filter.owner = Some(b.other)), vec![1, 3]),
        ("unassigned", q(&|q| q.filter.unassigned = true), vec![0, 2, 5]),
        ("organisation", q(&|q| q.filter.organisation = Some(OrgId(org))), vec![1, 3]),
        ("one unit of a list", q(&|q| q.filter.units = vec![b.other_unit]), vec![2, 3]),
        ("either unit", q(&|q| q.filter.units = vec![b.unit, b.other_unit]), vec![0, 1, 2, 3, 4, 5]),
        (
            "filters combine",
            q(&|q| {
                q.filter.unassigned = true;
                q.filter.units = vec![b.unit];
                q.filter.priority = Some(Priority::High);
            }),
            vec![5],
        ),
        (
            "text and owner",
            q(&|q| {
                q.filter.text = Some("printer".into());
                q.filter.owner = Some(b.other);
            }),
            vec![3],
        ),
        ("visibility still applies", q(&|q| q.visibility = submitter_view.clone()), vec![0, 1, 2, 3, 4]),
        (
            "visibility with a filter",
            q(&|q| {
                q.visibility = submitter_view.clone();
                q.filter.text = Some("disk".into());
            }),
            vec![],
        ),
    ];
    for (what, query, expected) in table {
        let mut expected: Vec<TicketId> = expected.iter().map(|&i| tickets[i].id).collect();
        expected.sort_by(|a, b| b.cmp(a));
        assert_eq!(listed(&b, &query).await, expected, "{what}");
    }
}

async fn the_queue_and_activity_orders(db: TestDb) {
    let b = base(&db).await;
    // (name, status, owned, priority, opened at)
    let specs = [
        ("a", Status::InProgress, false, Priority::Top, 1),
        ("b", Status::New, true, Priority::Low, 2),
        ("c", Status::New, false, Priority::Low, 3),
        ("d", Status::New, false, Priority::Top, 4),
        ("e", Status::Assigned, false, Priority::Medium, 0),
        ("f", Status::New, false, Priority::Top, 5),
        ("g", Status::InProgress, true, Priority::High, 6),
        ("h", Status::New, false, Priority::Top, 4),
    ];
    let mut tickets = Vec::new();
    for (name, status, _, priority, when) in specs {
        let mut t = new_ticket(&b, name, Privacy::Public);
        t.status = status;
        t.priority = priority;
        tickets.push(insert(&b, t, at(when)).await);
    }
    let mut tx = b.store.begin().await.expect("begin");
    for (t, spec) in tickets.iter_mut().zip(specs) {
        if spec.2 {
            t.owner = Some(b.other);
        }
        // Later activity on c, then g.
        t.updated_at = match spec.0 {
            "c" => at(100),
            "g" => at(50),
            _ => t.updated_at,
        };
        tx.update_ticket(t).await.expect("update");
    }
    tx.commit().await.expect("commit");
    let titles = |items: Vec<Ticket>| items.into_iter().map(|t| t.title).collect::<Vec<_>>().join("");
    let page = |order, page, per_page| TicketQuery {
        filter: TicketFilter { order, ..TicketFilter::default() },
        page: PageRequest::new(Some(page), Some(per_page)).expect("page"),
        ..TicketQuery::all(Visibility::All)
    };
    let table = [
        (TicketOrder::Queue, 1, 10, "dhfcbaeg"),
        (TicketOrder::Queue, 2, 3, "cba"),
        (TicketOrder::LastActivity, 1, 10, "cgfhdbae"),
        (TicketOrder::Newest, 1, 3, "hgf"),
        (TicketOrder::Oldest, 1, 3, "abc"),
        (TicketOrder::Oldest, 3, 3, "gh"),
        (TicketOrder::EarliestActivity, 1, 10, "eabdhfgc"),
        (TicketOrder::EarliestActivity, 2, 3, "dhf"),
    ];
    for (order, n, per_page, expected) in table {
        let q = page(order, n, per_page);
        assert_eq!(titles(b.store.tickets(&q).await.expect("list").items), expected, "{order:?} page {n}");
        let summaries = b.store.ticket_summaries(&q).await.expect("summaries");
        assert_eq!(titles(summaries.items.into_iter().map(|s| s.ticket).collect()), expected, "summaries {order:?}");
    }
}

async fn summaries_carry_the_submitters_name_and_public_replies(db: TestDb) {
    let b = base(&db).await;
    let (tickets, _) = list_tickets(&b).await;
    let mut tx = b.store.begin().await.expect("begin");
    for (i, internal) in [(1, false), (1, true), (1, false), (3, true)] {
        let article = NewArticle {
            ticket: tickets[i].id,
            author: Some(b.other),
            body: "reply".into(),
            internal,
            channel: Channel::Api,
            at: at(10),
            external_author: None,
        };
        tx.insert_article(&article).await.expect("article");
    }
    tx.commit().await.expect("commit");
    for actor in [
        Actor::person(b.submitter, vec![Role::Community], vec![], vec![]),
        Actor::person(AccountId(997), vec![Role::Staff], vec![], vec![]),
        Actor::anonymous(),
    ] {
        let q = TicketQuery {
            filter: TicketFilter { order: TicketOrder::Queue, ..TicketFilter::default() },
            ..TicketQuery::all(visibility(&actor))
        };
        let plain = b.store.tickets(&q).await.expect("list");
        let summaries = b.store.ticket_summaries(&q).await.expect("summaries");
        assert_eq!(summaries.total, plain.total, "{actor:?}");
        assert_eq!(summaries.items.iter().map(|s| s.ticket.clone()).collect::<Vec<_>>(), plain.items, "{actor:?}");
        for s in &summaries.items {
            let expected_name = if s.ticket.submitter == b.submitter { "Sub" } else { "Other" };
            let expected_replies = if s.ticket.id == tickets[1].id { 2 } else { 0 };
            assert_eq!((s.submitter_name.as_str(), s.replies), (expected_name, expected_replies), "{}", s.ticket.title);
        }
    }
}

/// SQLite only: under writes that never pause, with readers in the log, its write-ahead log is
/// still emptied once it passes 16 MiB, instead of growing for as long as the writes last.
#[tokio::test(flavor = "multi_thread")]
async fn sqlites_write_ahead_log_stays_bounded_under_steady_writes() {
    let db = TestDb::new(helpdesk_store::Engine::Sqlite).await;
    let b = base(&db).await;
    let helpdesk_store::Location::SqliteFile(path) = &db.location else { unreachable!("an SQLite database") };
    let wal = path.with_file_name("helpdesk.db-wal");
    let t = insert(&b, new_ticket(&b, "Steady writes", Privacy::Public), at(0)).await;
    let readers = b.store.clone();
    let reading = tokio::spawn(async move {
        loop {
            let _ = readers.attachments(t.id, true).await;
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    });
    // 96 MiB in 1 MiB writes, one after the other.
    let mut peak = 0;
    for i in 0..96 {
        let mut tx = b.store.begin().await.expect("begin");
        let data = vec![(i % 251) as u8; 1024 * 1024];
        tx.insert_attachment(&file(&b, t.id, None, "part.bin", false, data, i)).await.expect("a file");
        tx.commit().await.expect("commit");
        peak = peak.max(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0));
    }
    reading.abort();
    assert!(peak < 64 * 1024 * 1024, "the log reached {} MiB", peak >> 20);
}
