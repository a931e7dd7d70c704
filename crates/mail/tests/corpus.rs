//! The inbound-mail corpus: real messages as mail programs write them (see
//! `tests/corpus/README.md`), and what each must parse to: sender, subject, thread, the text
//! with its quoted history trimmed, the uploads, and how the message is to be handled.
//!
//! One table, one row a file. Every failing row is reported, not just the first.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use helpdesk_domain::TicketId;
use helpdesk_domain::attachment::{MAX_ATTACHMENT_BYTES, NewUpload, check_uploads};
use helpdesk_domain::mail::{AutoSignals, Handling, ParsedMail, handling, ticket_in_subject, ticket_in_thread};
use helpdesk_mail::inbound::parse;

const OURS: &str = "helpdesk@helpdesk.example.org";
const DOMAIN: &str = "helpdesk.example.org";
const TAG: &str = "Helpdesk";

/// The files a message must come with, in order: name, content type prefix, size in bytes
/// (0: any size).
type Files = &'static [(&'static str, &'static str, usize)];

#[derive(Clone, Copy)]
enum Uploads {
    /// Exactly these, in this order.
    Exactly(Files),
    /// This many, whatever they are.
    Count(usize),
    /// Not checked (malformed and machine messages, where what is salvaged is up to the parser).
    Any,
}

/// A header that marks a message as a machine's, and must be seen.
#[derive(Clone, Copy, Debug)]
enum Signal {
    AutoSubmitted(&'static str),
    Precedence(&'static str),
    XLoop(&'static str),
    NullReturnPath,
    Report,
    AutoreplyHeader,
    List,
}

#[derive(Clone, Copy)]
struct Expect {
    from: &'static str,
    /// The display name, when checked.
    from_name: Option<&'static str>,
    subject: &'static str,
    message_id: Option<&'static str>,
    /// To and Cc, in any order, when checked.
    recipients: Option<&'static [&'static str]>,
    /// The envelope's recipients as the delivering servers wrote them, in order.
    envelope: &'static [&'static str],
    /// In-Reply-To and References, in any order and with duplicates allowed, the last one
    /// given being the newest (the last in the parsed thread).
    thread: &'static [&'static str],
    /// The ticket the subject's tag or the thread names.
    ticket: Option<TicketId>,
    /// The whole text, when checked exactly.
    text_is: Option<&'static str>,
    text_contains: &'static [&'static str],
    text_lacks: &'static [&'static str],
    /// What must still be in the text as received (the quoted history that was trimmed).
    original_contains: &'static [&'static str],
    uploads: Uploads,
    /// Whether `check_uploads` accepts the uploads.
    uploads_ok: bool,
    handling: &'static str,
    /// The signals that must be seen; a "person" message must have none at all.
    signals: &'static [Signal],
    /// Well-formed: no U+FFFD in the text, no encoded-word left in the subject or sender's name.
    clean: bool,
}

const BASE: Expect = Expect {
    from: "",
    from_name: None,
    subject: "",
    message_id: None,
    recipients: None,
    envelope: &[],
    thread: &[],
    ticket: None,
    text_is: None,
    text_contains: &[],
    text_lacks: &[],
    original_contains: &[],
    uploads: Uploads::Exactly(&[]),
    uploads_ok: true,
    handling: "person",
    signals: &[],
    clean: true,
};

/// What a file must parse to: `None` when it must be refused with a `ParseError`.
type Row = (&'static str, Option<Expect>);

const FIVE_FILES: Files = &[
    ("report.pdf", "application/pdf", 2966),
    ("screenshot.png", "image/png", 2396),
    ("notes.txt", "text/plain", 2560),
    ("export.csv", "text/csv", 3160),
    ("logs.zip", "application/zip", 4276),
];

const SIX_FILES: Files = &[
    ("report.pdf", "application/pdf", 2966),
    ("screenshot.png", "image/png", 2396),
    ("notes.txt", "text/plain", 2560),
    ("export.csv", "text/csv", 3160),
    ("logs.zip", "application/zip", 4276),
    ("photo.png", "image/png", 1820),
];

#[rustfmt::skip]
const CORPUS: &[Row] = &[
    ("01-plain-ascii.eml", Some(Expect {
        from: "alice@example.com", from_name: Some("Alice Example"),
        subject: "Printer on the 3rd floor is jammed", message_id: Some("plain-ascii.1@Example.com"),
        recipients: Some(&["helpdesk@helpdesk.example.org", "facilities@example.com", "bob@example.com"]),
        text_is: Some("Hello,\n\nthe printer on the 3rd floor (HP LaserJet, asset 4711) jams on every\nsecond page. We already tried another paper tray.\n\nThanks,\nAlice"),
        ..BASE })),
    ("02-utf8-quoted-printable.eml", Some(Expect {
        from: "juergen.mueller@example.de", from_name: Some("Jürgen Müller"),
        subject: "Drucker im Büro druckt nicht", message_id: Some("utf8-qp.2@example.de"),
        text_contains: &["der Drucker im Büro in der Königstraße druckt seit heute Morgen nur noch leere Seiten.", "Könnt ihr", "Viele Grüße\nJürgen"],
        ..BASE })),
    ("03-utf8-base64.eml", Some(Expect {
        from: "ivan.petrov@example.ru", from_name: Some("Иван Петров"),
        subject: "Не работает VPN", message_id: Some("utf8-b64.3@example.ru"),
        text_contains: &["Привет!", "клиент пишет «ошибка аутентификации».", "Спасибо,\nИван"],
        ..BASE })),
    ("04-iso-8859-1.eml", Some(Expect {
        from: "f.lefevre@example.fr", from_name: Some("François Lefèvre"),
        subject: "La machine à café est en panne", message_id: Some("latin1.4@example.fr"),
        text_contains: &["la machine à café du 2e étage affiche « erreur détartrage » depuis lundi.", "salutations de Köln, où je suis en déplacement.", "François"],
        ..BASE })),
    ("05-iso-8859-15.eml", Some(Expect {
        from: "oelie@example.fr", from_name: Some("Œlie Dupré"),
        subject: "Facture erronée", message_id: Some("latin9.5@example.fr"),
        text_contains: &["la facture n° 2026-118 indique 120 € au lieu de 96 €.", "Cœur sur vous."],
        ..BASE })),
    ("06-windows-1252.eml", Some(Expect {
        from: "zoe@example.co.uk", from_name: Some("Zoë Smith"),
        subject: "Invoice question", message_id: Some("cp1252.6@example.co.uk"),
        text_contains: &["the invoice says “paid” – but we were charged €49 twice… Could you check?", "Cheers,\nZoë"],
        ..BASE })),
    ("07-koi8-r.eml", Some(Expect {
        from: "olga@example.ru", from_name: Some("Ольга Смирнова"),
        subject: "Не могу войти в систему", message_id: Some("koi8.7@example.ru"),
        text_contains: &["Здравствуйте!", "Не могу войти в систему: пишет, что пароль неверный.", "Ольга"],
        ..BASE })),
    ("08-shift-jis.eml", Some(Expect {
        from: "yamada@example.jp", from_name: Some("山田太郎"),
        subject: "パスワードのリセット", message_id: Some("sjis.8@example.jp"),
        text_contains: &["お世話になっております。山田です。", "パスワードをリセットしてください。"],
        ..BASE })),
    ("09-gb2312.eml", Some(Expect {
        from: "wang@example.cn", from_name: Some("王小明"),
        subject: "账户被锁定", message_id: Some("gb2312.9@example.cn"),
        text_contains: &["你好，", "我的账户被锁定了，请帮我解锁。", "谢谢！"],
        ..BASE })),
    ("10-gbk.eml", Some(Expect {
        from: "zhu@example.cn", from_name: Some("朱镕"),
        subject: "发票问题", message_id: Some("gbk.10@example.cn"),
        text_contains: &["您好，", "我是朱镕，同事陶喆的发票还没有收到。"],
        ..BASE })),
    ("11-iso-2022-jp.eml", Some(Expect {
        from: "sato@example.jp", from_name: Some("佐藤花子"),
        subject: "請求書が届いていません", message_id: Some("iso2022jp.11@example.jp"),
        text_contains: &["お世話になっております。", "請求書がまだ届いていません。", "ご確認をお願いいたします。"],
        text_lacks: &["\u{1b}"],
        ..BASE })),
    ("12-rfc2047-b.eml", Some(Expect {
        from: "sokratis@example.gr", from_name: Some("Σωκράτης Παπαδόπουλος"),
        subject: "Πρόβλημα σύνδεσης – επείγον", message_id: Some("rfc2047-b.12@example.gr"),
        text_contains: &["Γεια σας,", "η σύνδεση στο portal δεν λειτουργεί."],
        ..BASE })),
    ("13-rfc2047-q.eml", Some(Expect {
        from: "joerg.weiss@example.de", from_name: Some("Jörg Weiß"),
        subject: "Störung: Drucker im Büro", message_id: Some("rfc2047-q.13@example.de"),
        text_is: Some("Hallo,\n\nim Büro funktioniert der Drucker nicht."),
        ..BASE })),
    ("14-rfc2047-split-subject.eml", Some(Expect {
        from: "doerte@example.de", from_name: Some("Dörte Schäfer"),
        subject: "Passwort zurücksetzen funktioniert nicht – bitte helfen", message_id: Some("rfc2047-split.14@example.de"),
        text_is: Some("Der Link in der E-Mail führt ins Leere."),
        ..BASE })),
    ("15-alternative-text-wins.eml", Some(Expect {
        from: "carol@example.com", from_name: Some("Carol Diaz"),
        subject: "VPN drops every 10 minutes", message_id: Some("alternative.15@example.com"),
        text_is: Some("Plain version: the VPN drops every 10 minutes since the update.\n\nCarol"),
        text_lacks: &["HTML version", "<"],
        ..BASE })),
    ("16-html-only.eml", Some(Expect {
        from: "dave@example.com", from_name: Some("Dave Evans"),
        subject: "Invoice portal error", message_id: Some("html-only.16@example.com"),
        text_contains: &["Hello support,", "Our invoice portal shows an error when I open March.", "Open the portal", "Dave"],
        text_lacks: &["<", ">", "script", "document.cookie", "evil.example", "onclick", "stealCookies", "color: red", "font-weight", "p.warn", "DOCTYPE"],
        ..BASE })),
    ("17-five-attachments.eml", Some(Expect {
        from: "erin@example.com", subject: "Files for the audit", message_id: Some("five.17@example.com"),
        text_is: Some("Hi,\n\nhere are the five files for the audit.\n\nErin"),
        uploads: Uploads::Exactly(FIVE_FILES),
        ..BASE })),
    ("18-six-attachments.eml", Some(Expect {
        from: "erin@example.com", subject: "Files for the audit (all of them)", message_id: Some("six.18@example.com"),
        text_contains: &["six files in total"],
        uploads: Uploads::Exactly(SIX_FILES), uploads_ok: false,
        ..BASE })),
    ("19-inline-image-cid.eml", Some(Expect {
        from: "frank@example.com", subject: "Error dialog screenshot", message_id: Some("related.19@example.com"),
        text_contains: &["The error dialog looks like this"],
        text_lacks: &["<img", "cid:"],
        uploads: Uploads::Exactly(&[("dialog.png", "image/png", 2488)]),
        ..BASE })),
    ("20-forwarded-rfc822.eml", Some(Expect {
        from: "henry@example.com", subject: "Fwd: Order 1234 never arrived", message_id: Some("fwd.20@example.com"),
        text_is: Some("Forwarding a customer's complaint, see the attached message.\n\nHenry"),
        text_lacks: &["where is my parcel"],
        uploads: Uploads::Exactly(&[("Order 1234 never arrived.eml", "message/rfc822", 0)]),
        ..BASE })),
    ("21-reply-subject-tag.eml", Some(Expect {
        from: "alice@example.com", subject: "Re: [Helpdesk #42] Printer on fire", message_id: Some("reply.21@example.com"),
        thread: &["ticket-42@helpdesk.example.org", "ticket-42.n1@helpdesk.example.org"], ticket: Some(TicketId(42)),
        text_is: Some("Thanks, the printer works again."),
        text_lacks: &["We replaced the fuser unit", "wrote:"],
        original_contains: &["> We replaced the fuser unit.", "> Please check whether the printer works now."],
        ..BASE })),
    ("22-reply-references-only.eml", Some(Expect {
        from: "alice@example.com", subject: "One more question about the toner", message_id: Some("refs.22@example.com"),
        thread: &["ticket-42@helpdesk.example.org"], ticket: Some(TicketId(42)),
        text_is: Some("Which toner cartridge should we order for that printer?"),
        ..BASE })),
    ("23-thunderbird-reply.eml", Some(Expect {
        from: "juergen@example.net", from_name: Some("Jürgen Müller"),
        subject: "Re: [Helpdesk #42] Printer on fire", message_id: Some("5b1d2f0e-3c4a-4e7b-9a61-2f8c0d7e4b13@example.net"),
        recipients: Some(&["helpdesk@helpdesk.example.org"]),
        thread: &["ticket-42@helpdesk.example.org", "ticket-42.a7@helpdesk.example.org"], ticket: Some(TicketId(42)),
        text_contains: &["Hi,", "the printer works again, thank you for the quick help!", "question: which toner should we order?", "Grüße,\nJürgen"],
        text_lacks: &["We replaced the fuser unit", "wrote:", "Regards, Helpdesk", ">"],
        original_contains: &["On 02/03/2026 17:05, Helpdesk wrote:", "> We replaced the fuser unit."],
        ..BASE })),
    ("24-outlook-reply.eml", Some(Expect {
        from: "siobhan.obrien@contoso.com", from_name: Some("Siobhán O'Brien"),
        subject: "RE: [Helpdesk #42] Printer on fire", message_id: Some("001a01dcabb6$3c4d5e60$b4e81b20$@Contoso.com"),
        thread: &["ticket-42@helpdesk.example.org", "ticket-42.a7@helpdesk.example.org"], ticket: Some(TicketId(42)),
        text_contains: &["The printer is printing again – thank you! One “small” thing: the toner costs €45 now, is that right?", "Kind regards,", "Siobhán"],
        text_lacks: &["We replaced the fuser unit", "Sent:", "From: Helpdesk", "MsoNormal", "<"],
        original_contains: &["Sent: Monday, March 2, 2026 5:05 PM", "We replaced the fuser unit."],
        uploads: Uploads::Exactly(&[("image001.png", "image/png", 460)]),
        ..BASE })),
    ("25-outlook-plain-reply.eml", Some(Expect {
        from: "tom.baker@contoso.com", from_name: Some("Tom Baker"),
        subject: "RE: [Helpdesk #43] Laptop startet nicht", message_id: Some("000301dcac2f$5a6b7c80$0f427580$@contoso.com"),
        recipients: Some(&["helpdesk@helpdesk.example.org", "andre.francois@contoso.com"]),
        thread: &["ticket-43@helpdesk.example.org", "ticket-43.b2@helpdesk.example.org"], ticket: Some(TicketId(43)),
        text_is: Some("Hallo,\n\nder Laptop startet jetzt wieder – danke! Hat die Reparatur wirklich 120 € gekostet?\n\nGrüße\nTom"),
        original_contains: &["-----Original Message-----", "Bitte halten Sie den Einschaltknopf 30 Sekunden lang gedrückt."],
        ..BASE })),
    ("26-bounce-dsn.eml", Some(Expect {
        from: "mailer-daemon@mx.gone.example", from_name: Some("Mail Delivery System"),
        subject: "Undelivered Mail Returned to Sender", message_id: Some("20260303080000.4F2A1@mx.gone.example"),
        text_contains: &["This is the mail system at host mx.gone.example."],
        // The delivery status and the returned message.
        uploads: Uploads::Count(2),
        handling: "ignore", signals: &[Signal::NullReturnPath, Signal::Report, Signal::AutoSubmitted("auto-replied")],
        ..BASE })),
    ("27-auto-submitted.eml", Some(Expect {
        from: "alice@example.com", subject: "Automatic reply: [Helpdesk #42] Printer on fire", message_id: Some("ooo.27@example.com"),
        thread: &["ticket-42.n3@helpdesk.example.org"], ticket: Some(TicketId(42)),
        text_is: Some("I am out of the office until 9 March with limited access to e-mail."),
        handling: "ignore", signals: &[Signal::AutoSubmitted("auto-replied")],
        ..BASE })),
    ("28-x-autoreply.eml", Some(Expect {
        from: "bob@example.com", subject: "Out of office: Printer on fire", message_id: Some("ooo.28@example.com"),
        text_is: Some("I'm on holiday. Your message will not be forwarded."),
        handling: "ignore", signals: &[Signal::AutoreplyHeader],
        ..BASE })),
    ("29-precedence-bulk.eml", Some(Expect {
        from: "news@newsletter.example", subject: "March news: 20% off all toner", message_id: Some("bulk.29@newsletter.example"),
        text_is: Some("This month only: 20% off all toner cartridges."),
        handling: "ignore", signals: &[Signal::Precedence("bulk")],
        ..BASE })),
    ("30-mailing-list.eml", Some(Expect {
        from: "ivy@example.com", subject: "[support-l] Printer driver for macOS?", message_id: Some("list.30@example.com"),
        recipients: Some(&["support-l@lists.example.com", "helpdesk@helpdesk.example.org"]),
        text_is: Some("Does anybody have the macOS driver for the 3rd floor printer?\n\nIvy"),
        handling: "no answers", signals: &[Signal::Precedence("list"), Signal::List],
        ..BASE })),
    ("31-x-loop.eml", Some(Expect {
        from: "alice@example.com", subject: "Re: [Helpdesk #42] Printer on fire", message_id: Some("loop.31@example.com"),
        ticket: Some(TicketId(42)),
        text_is: Some("This came back round through a forwarding rule."),
        handling: "ignore", signals: &[Signal::XLoop("helpdesk@helpdesk.example.org")],
        ..BASE })),
    ("32-no-message-id.eml", Some(Expect {
        from: "jack@example.com", subject: "No Message-ID here", message_id: None,
        text_is: Some("My mail program does not add a Message-ID."),
        ..BASE })),
    ("33-empty-body.eml", Some(Expect {
        from: "kate@example.com", subject: "Please call me back", message_id: Some("empty.33@example.com"),
        text_is: Some(""),
        ..BASE })),
    // mail-parser 0.11 reads the headers and keeps the whole body as one leaf part of type
    // multipart/mixed (text, but not a text body): the sender's words must still reach the
    // text (raw, boundary lines and all, is fine), not a "multipart/mixed" file.
    ("34-malformed-missing-boundary.eml", Some(Expect {
        from: "liam@example.com", from_name: Some("Liam Moore"),
        subject: "Broken multipart", message_id: Some("broken-boundary.34@example.com"),
        text_contains: &["The scanner sends empty PDFs."],
        uploads: Uploads::Any, clean: false,
        ..BASE })),
    // mail-parser 0.11 decodes the text part and keeps the broken attachment's raw text,
    // flagged as an encoding problem.
    ("35-malformed-bad-base64.eml", Some(Expect {
        from: "mia@example.com", subject: "Bad base64", message_id: Some("bad-base64.35@example.com"),
        text_contains: &["The scanner is broken."],
        uploads: Uploads::Any, clean: false,
        ..BASE })),
    // mail-parser 0.11 skips the line without a colon and reads the headers after it.
    ("36-malformed-header-no-colon.eml", Some(Expect {
        from: "noah@example.com", from_name: Some("Noah Olsen"),
        subject: "Header without a colon", message_id: Some("no-colon.36@example.com"),
        recipients: Some(&["helpdesk@helpdesk.example.org"]),
        text_is: Some("The badge reader at the main door is dead."),
        ..BASE })),
    // mail-parser 0.11 keeps the text and the cut attachment's raw text (an encoding problem).
    ("37-malformed-truncated.eml", Some(Expect {
        from: "olivia@example.com", subject: "Truncated upload", message_id: Some("truncated.37@example.com"),
        text_is: Some("The log file is attached."),
        uploads: Uploads::Any, clean: false,
        ..BASE })),
    ("38-crlf.eml", Some(Expect {
        from: "paul@example.com", subject: "Re: [Helpdesk #42] Printer on fire", message_id: Some("crlf.38@example.com"),
        ticket: Some(TicketId(42)),
        text_is: Some("CRLF line endings, as on the wire."),
        text_lacks: &["\r"],
        original_contains: &["> We replaced the fuser unit."],
        uploads: Uploads::Exactly(&[("crlf.bin", "application/octet-stream", 20)]),
        ..BASE })),
    ("39-bare-lf.eml", Some(Expect {
        from: "rita@example.com", subject: "Bare LF line endings", message_id: Some("lf.39@example.com"),
        text_is: Some("Bare LF line endings, as a maildir stores them.\nSecond line."),
        uploads: Uploads::Exactly(&[("lf.bin", "application/octet-stream", 4)]),
        ..BASE })),
    ("40-long-folded-subject.eml", Some(Expect {
        from: "sam@example.com", message_id: Some("long.40@example.com"),
        subject: "Request for access to the shared drive of the finance department for the new colleagues who start on the first of April, including read access to the archive folders of 2024 and 2025",
        text_is: Some("See the subject."),
        ..BASE })),
    ("41-rfc2231-filename.eml", Some(Expect {
        from: "tina@example.de", subject: "Rechnung März", message_id: Some("rfc2231.41@example.de"),
        text_is: Some("Anbei die Rechnung und das Angebot."),
        uploads: Uploads::Exactly(&[
            ("Rechnung März 2026.pdf", "application/pdf", 1165),
            ("見積書_2026年3月_株式会社サンプル_最終版_確認済み.pdf", "application/pdf", 965),
        ]),
        ..BASE })),
    ("42-8bit-utf8.eml", Some(Expect {
        from: "uma@example.de", subject: "8bit: Grüße, Привет, こんにちは", message_id: Some("8bit.42@example.de"),
        text_is: Some("Raw 8bit UTF-8 body.\nGrüße aus Wien! Привет из Москвы! こんにちは、東京から。 🎉"),
        ..BASE })),
    ("43-smime-signed.eml", Some(Expect {
        from: "victor@example.com", subject: "Signed contract", message_id: Some("signed.43@example.com"),
        text_is: Some("Please find the signed contract attached.\n\nVictor"),
        uploads: Uploads::Exactly(&[("contract.pdf", "application/pdf", 1966)]),
        ..BASE })),
    ("44-calendar-invite.eml", Some(Expect {
        from: "wendy@example.com", subject: "Invitation: Printer review @ Tue 10 Mar 2026 10:00", message_id: Some("invite.44@example.com"),
        text_is: Some("You have been invited to: Printer review, Tuesday 10 March 2026, 10:00-10:30."),
        uploads: Uploads::Exactly(&[("invite.ics", "text/calendar", 369)]),
        ..BASE })),
    // 45 is not stored: `oversized_attachment` builds it.
    // No header at all: nothing usable.
    ("46-not-a-message.eml", None),
    // A named text file sent with `Content-Disposition: inline` (as mutt sends text files):
    // mail-parser 0.11 counts it as a second text body; it is a file.
    ("47-inline-text-attachment.eml", Some(Expect {
        from: "xena@example.com", subject: "Printer log", message_id: Some("inline-log.47@example.com"),
        text_is: Some("The printer's log is attached.\n\nXena"),
        text_lacks: &["state=stalled"],
        uploads: Uploads::Exactly(&[("printer.log", "text/plain", 768)]),
        ..BASE })),
    // Apple Mail: text, an inline image, more text, each a part of a multipart/mixed.
    ("48-apple-mail-inline-image.eml", Some(Expect {
        from: "yann@example.ch", from_name: Some("Yann Zimmermann"),
        subject: "Screenshot of the error", message_id: Some("8C1E4B2A-3D5F-4E6A-9B7C-0D1E2F3A4B5C@example.ch"),
        text_contains: &["this is what I see when I open the invoice portal:", "Any idea what is wrong?\n\nYann"],
        uploads: Uploads::Exactly(&[("Screenshot 2026-03-06 at 10.02.41.png", "image/png", 290)]),
        ..BASE })),
    // A Mailman 3 copy of a list post: addressed to the list only (Helpdesk is a subscriber,
    // named by the envelope alone); the app keeps it as ignored.
    ("49-mailman-list-copy.eml", Some(Expect {
        from: "greta.lind@example.se", from_name: Some("Greta Lind"),
        subject: "[users] Anyone else seeing timeouts on the VPN since Monday?",
        message_id: Some("4b7d2c1e-9f0a-4c55-8e3b-1a2b3c4d5e6f@example.se"),
        recipients: Some(&["users@lists.example.com"]), envelope: &["helpdesk@helpdesk.example.org"],
        text_is: Some("Hi all,\n\nsince Monday my VPN connection drops after a few minutes with \"peer\ntimeout\". Is it just me?\n\nGreta"),
        handling: "no answers", signals: &[Signal::Precedence("list"), Signal::List],
        ..BASE })),
    // Postfix's delivery of a Bcc: the unit's address only in X-Original-To.
    ("50-bcc-envelope.eml", Some(Expect {
        from: "m.rossi@example.it", from_name: Some("Marco Rossi"),
        subject: "Quota exceeded on /data/projects", message_id: Some("20260306091230.5f3a@example.it"),
        recipients: Some(&["a.bianchi@example.it"]),
        envelope: &["storage@helpdesk.example.org", "helpdesk@helpdesk.example.org"],
        text_contains: &["the project volume is full again", "Marco"],
        ..BASE })),
    // Outlook's header block above the quote, in German, French (Outlook on the web, HTML only,
    // with no-break spaces before the colons), Spanish, Italian and Dutch.
    ("51-outlook-de-reply.eml", Some(Expect {
        from: "bjoern.kraemer@contoso.de", from_name: Some("Björn Krämer"),
        subject: "AW: [Helpdesk #44] VPN-Zugang gesperrt",
        message_id: Some("AM0PR07MB4531C2E1B2F3A4D5E6F7A8B9C0D1AM0PR07MB4531.eurprd07.prod.outlook.com"),
        thread: &["ticket-44@helpdesk.example.org", "ticket-44.n2@helpdesk.example.org"], ticket: Some(TicketId(44)),
        text_is: Some("Hallo,\n\ndanke, der Zugang funktioniert wieder. Können Sie mir noch sagen, wie lange das neue Passwort gültig ist?\n\nGrüße\nBjörn Krämer"),
        original_contains: &["Gesendet: Freitag, 6. März 2026 16:20", "Wir haben Ihren Zugang entsperrt"],
        ..BASE })),
    ("52-outlook-fr-web-reply.eml", Some(Expect {
        from: "anais.lefevre@contoso.fr", from_name: Some("Anaïs Lefèvre"),
        subject: "RE: [Helpdesk #45] Imprimante hors ligne",
        message_id: Some("PR3P192MB0714D1E2F3A4B5C6D7E8F9A0B1C2PR3P192MB0714.EURP192.PROD.OUTLOOK.COM"),
        thread: &["ticket-45@helpdesk.example.org", "ticket-45.n1@helpdesk.example.org"], ticket: Some(TicketId(45)),
        text_contains: &["Bonjour,", "l'imprimante est de nouveau en ligne, merci beaucoup", "Anaïs"],
        text_lacks: &["Envoyé", "Objet", "redémarré", "<", "P {"],
        original_contains: &["Nous avons redémarré le serveur d'impression."],
        ..BASE })),
    ("53-outlook-es-reply.eml", Some(Expect {
        from: "lucia.fernandez@contoso.es", from_name: Some("Lucía Fernández"),
        subject: "RE: [Helpdesk #46] Cuenta bloqueada",
        message_id: Some("DB9PR03MB7402A1B2C3D4E5F6A7B8C9D0E1F2DB9PR03MB7402.eurprd03.prod.outlook.com"),
        thread: &["ticket-46@helpdesk.example.org", "ticket-46.n1@helpdesk.example.org"], ticket: Some(TicketId(46)),
        text_is: Some("Hola,\n\nya puedo entrar, ¡gracias!\n\nSaludos,\nLucía"),
        original_contains: &["Enviado el: viernes, 6 de marzo de 2026 14:02", "Hemos desbloqueado su cuenta."],
        ..BASE })),
    ("54-outlook-it-reply.eml", Some(Expect {
        from: "giulia.conti@contoso.it", from_name: Some("Giulia Conti"),
        subject: "R: [Helpdesk #47] Licenza scaduta",
        message_id: Some("VI1PR05MB6021B2C3D4E5F6A7B8C9D0E1F2A3VI1PR05MB6021.eurprd05.prod.outlook.com"),
        thread: &["ticket-47@helpdesk.example.org", "ticket-47.n1@helpdesk.example.org"], ticket: Some(TicketId(47)),
        text_is: Some("Buongiorno,\n\nla nuova licenza funziona. Grazie mille!\n\nGiulia"),
        original_contains: &["Inviato: venerdì 6 marzo 2026 12:45", "Le abbiamo inviato una nuova licenza."],
        ..BASE })),
    ("55-outlook-nl-reply.eml", Some(Expect {
        from: "daan.devries@contoso.nl", from_name: Some("Daan de Vries"),
        subject: "RE: [Helpdesk #48] Scanner werkt niet",
        message_id: Some("AS8PR02MB9347C3D4E5F6A7B8C9D0E1F2A3B4AS8PR02MB9347.eurprd02.prod.outlook.com"),
        thread: &["ticket-48@helpdesk.example.org", "ticket-48.n1@helpdesk.example.org"], ticket: Some(TicketId(48)),
        text_is: Some("Hoi,\n\nde scanner doet het weer. Bedankt!\n\nMet vriendelijke groet,\nDaan"),
        original_contains: &["Verzonden: vrijdag 6 maart 2026 11:30", "De driver is opnieuw geïnstalleerd."],
        ..BASE })),
    // Gmail, HTML only: the quote is a gmail_quote blockquote, with no `>` in sight.
    ("56-gmail-html-only-reply.eml", Some(Expect {
        from: "priya.raman@gmail.com", from_name: Some("Priya Raman"),
        subject: "Re: [Helpdesk #42] Printer on fire",
        message_id: Some("CAH7x9QnYc4m2kR1-p8ZgL0vJ3sT5dW6fA9bE2hK4uN7oP1qS3w@mail.gmail.com"),
        thread: &["ticket-42@helpdesk.example.org", "ticket-42.n4@helpdesk.example.org"], ticket: Some(TicketId(42)),
        text_contains: &["Hi,", "the new toner is in and the printer works. Thanks!", "Priya"],
        text_lacks: &["wrote:", "We replaced the fuser unit", "Helpdesk"],
        original_contains: &["We replaced the fuser unit. Please check whether the printer works now."],
        ..BASE })),
    // mutt, bottom-posted: the answer is below the quote.
    ("57-bottom-posted-reply.eml", Some(Expect {
        from: "olaf@example.no", from_name: Some("Olaf Berg"),
        subject: "Re: [Helpdesk #42] Printer on fire", message_id: Some("20260309131233.GA4711@example.no"),
        thread: &["ticket-42@helpdesk.example.org", "ticket-42.n4@helpdesk.example.org"], ticket: Some(TicketId(42)),
        text_is: Some("It works again, thank you. The first page still comes out a bit grey,\nbut that is fine."),
        original_contains: &["> We replaced the fuser unit.", "Olaf Berg, 3rd floor"],
        ..BASE })),
    // Outlook's winmail.dat (application/ms-tnef): the files inside it are the uploads, named by
    // their long names.
    ("58-outlook-winmail-dat.eml", Some(Expect {
        from: "sven.lindqvist@contoso.se", from_name: Some("Sven Lindqvist"),
        subject: "Export fails with error 0x80070005", message_id: Some("000201dcafe1$9a8b7c60$cfa27520$@contoso.se"),
        text_is: Some("Hi,\n\nthe export fails again, see the report and the log.\n\nSven"),
        uploads: Uploads::Exactly(&[("Export report – mars.pdf", "application/pdf", 0), ("export.log", "text/plain", 0)]),
        ..BASE })),
];

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("corpus")
}

fn handling_name(h: &Handling) -> &'static str {
    match h {
        Handling::Person => "person",
        Handling::NoAnswers => "no answers",
        Handling::Ignore(_) => "ignore",
    }
}

fn signal_seen(signals: &AutoSignals, signal: Signal) -> bool {
    match signal {
        Signal::AutoSubmitted(v) => signals.auto_submitted.as_deref() == Some(v),
        Signal::Precedence(v) => signals.precedence.as_deref() == Some(v),
        Signal::XLoop(v) => signals.x_loop.iter().any(|l| l.contains(v)),
        Signal::NullReturnPath => signals.null_return_path,
        Signal::Report => signals.report,
        Signal::AutoreplyHeader => signals.autoreply_header,
        Signal::List => signals.list,
    }
}

/// The magic bytes a file of this type starts with, when it has any.
fn magic(content_type: &str) -> Option<&'static [u8]> {
    match content_type {
        "image/png" => Some(b"\x89PNG\r\n\x1a\n"),
        "application/pdf" => Some(b"%PDF-"),
        "application/zip" => Some(b"PK\x03\x04"),
        _ => None,
    }
}

/// Everything wrong with `mail` against `want`.
fn compare(mail: &ParsedMail, want: &Expect) -> Vec<String> {
    let mut bad = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            bad.push(what);
        }
    };

    check(mail.from == want.from, format!("from: want {:?}, got {:?}", want.from, mail.from));
    if let Some(name) = want.from_name {
        check(mail.from_name == name, format!("from_name: want {name:?}, got {:?}", mail.from_name));
    }
    check(mail.subject == want.subject, format!("subject: want {:?}, got {:?}", want.subject, mail.subject));
    check(
        mail.message_id.as_deref() == want.message_id,
        format!("message_id: want {:?}, got {:?}", want.message_id, mail.message_id),
    );
    if let Some(recipients) = want.recipients {
        let got: BTreeSet<&str> = mail.recipients.iter().map(String::as_str).collect();
        let wanted: BTreeSet<&str> = recipients.iter().copied().collect();
        check(got == wanted, format!("recipients: want {wanted:?}, got {:?}", mail.recipients));
    }

    check(mail.envelope == want.envelope, format!("envelope: want {:?}, got {:?}", want.envelope, mail.envelope));

    let got: BTreeSet<&str> = mail.thread.iter().map(String::as_str).collect();
    let wanted: BTreeSet<&str> = want.thread.iter().copied().collect();
    check(got == wanted, format!("thread: want {:?} (in any order), got {:?}", want.thread, mail.thread));
    check(
        mail.thread.last().map(String::as_str) == want.thread.last().copied(),
        format!("thread: the newest ({:?}) must come last, got {:?}", want.thread.last(), mail.thread),
    );
    check(
        mail.thread.iter().all(|id| !id.contains(['<', '>', ' '])),
        format!("thread ids keep brackets or spaces: {:?}", mail.thread),
    );
    check(
        mail.message_id.as_deref().is_none_or(|id| !id.contains(['<', '>'])),
        format!("message_id keeps its brackets: {:?}", mail.message_id),
    );
    let ticket = ticket_in_subject(&mail.subject, TAG).or_else(|| ticket_in_thread(&mail.thread, DOMAIN));
    check(ticket == want.ticket, format!("ticket: want {:?}, got {ticket:?}", want.ticket));

    if let Some(text) = want.text_is {
        check(mail.text == text, format!("text: want {text:?}, got {:?}", mail.text));
    }
    for needle in want.text_contains {
        check(mail.text.contains(needle), format!("text lacks {needle:?}: {:?}", mail.text));
    }
    for needle in want.text_lacks {
        check(!mail.text.contains(needle), format!("text must not contain {needle:?}: {:?}", mail.text));
    }
    for needle in want.original_contains {
        check(mail.original_text.contains(needle), format!("original_text lacks {needle:?}: {:?}", mail.original_text));
    }
    check(
        mail.original_text.contains(mail.text.lines().next().unwrap_or_default()),
        format!("original_text {:?} does not hold the text's first line", mail.original_text),
    );
    if want.clean {
        check(!mail.text.contains('\u{fffd}'), format!("text has undecodable bytes: {:?}", mail.text));
        check(
            !mail.subject.contains("=?") && !mail.from_name.contains("=?"),
            "an encoded-word is left undecoded".into(),
        );
        check(mail.from == mail.from.to_lowercase(), format!("from is not lower-case: {:?}", mail.from));
    }

    match want.uploads {
        Uploads::Exactly(files) => {
            let got: Vec<(&str, &str, usize)> =
                mail.uploads.iter().map(|u| (u.filename.as_str(), u.content_type.as_str(), u.bytes.len())).collect();
            let same = got.len() == files.len()
                && got
                    .iter()
                    .zip(files)
                    .all(|(g, w)| g.0 == w.0 && g.1.to_ascii_lowercase().starts_with(w.1) && (w.2 == 0 || g.2 == w.2));
            check(same, format!("uploads: want {files:?}, got {got:?}"));
            for upload in &mail.uploads {
                if let Some(magic) = magic(&upload.content_type.to_ascii_lowercase()) {
                    check(
                        upload.bytes.starts_with(magic),
                        format!("{}: the bytes are not a {}", upload.filename, upload.content_type),
                    );
                }
                if upload.content_type.starts_with("message/rfc822") {
                    let text = String::from_utf8_lossy(&upload.bytes);
                    check(text.contains("Subject: "), format!("{}: not a message: {text:?}", upload.filename));
                }
            }
        }
        Uploads::Count(n) => check(mail.uploads.len() == n, format!("uploads: want {n}, got {:?}", mail.uploads)),
        Uploads::Any => {}
    }
    // No message of the corpus attaches an HTML file: an HTML upload is a body part.
    for upload in &mail.uploads {
        let ct = upload.content_type.to_ascii_lowercase();
        let body_or_signature =
            ct.starts_with("multipart/") || ct.starts_with("text/html") || ct.contains("pkcs7-signature");
        check(!body_or_signature, format!("a body or signature part became an upload: {upload:?}"));
    }
    let checked = check_uploads(mail.uploads.clone());
    check(checked.is_ok() == want.uploads_ok, format!("check_uploads: want ok={}, got {checked:?}", want.uploads_ok));

    let how = handling(&mail.signals, &mail.from, &[OURS.to_owned()]);
    check(
        handling_name(&how) == want.handling,
        format!("handling: want {:?}, got {how:?} ({:?})", want.handling, mail.signals),
    );
    for signal in want.signals {
        check(signal_seen(&mail.signals, *signal), format!("signal {signal:?} not seen: {:?}", mail.signals));
    }
    if want.handling == "person" {
        check(
            mail.signals == AutoSignals::default(),
            format!("a person's message has machine signals: {:?}", mail.signals),
        );
    }
    bad
}

/// Parses, turning a panic into an error naming what panicked.
fn parse_guarded(raw: &[u8]) -> Result<Result<ParsedMail, String>, String> {
    catch_unwind(AssertUnwindSafe(|| parse(raw).map_err(|e| e.to_string()))).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".into())
    })
}

#[test]
fn the_corpus_parses_to_what_each_message_says() {
    let dir = corpus_dir();
    assert!(CORPUS.len() >= 32, "the corpus has {} messages", CORPUS.len());

    // Every stored message has a row, and every row a file.
    let stored: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("the corpus directory")
        .map(|e| e.expect("a directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".eml"))
        .collect();
    let listed: BTreeSet<String> = CORPUS.iter().map(|(file, _)| file.to_string()).collect();
    assert_eq!(stored, listed, "the .eml files and the table's rows differ");

    let mut failures = Vec::new();
    for (file, want) in CORPUS {
        let raw = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        match (parse_guarded(&raw), want) {
            (Err(panic), _) => failures.push(format!("{file}: the parser panicked: {panic}")),
            (Ok(Err(e)), Some(_)) => failures.push(format!("{file}: refused: {e}")),
            (Ok(Ok(mail)), None) => failures.push(format!("{file}: must be refused, parsed as {mail:?}")),
            (Ok(Err(e)), None) => {
                if e.trim().is_empty() {
                    failures.push(format!("{file}: refused without saying why"));
                }
            }
            (Ok(Ok(mail)), Some(want)) => {
                failures.extend(compare(&mail, want).into_iter().map(|f| format!("{file}: {f}")));
            }
        }

        // Cut anywhere (a connection dropped, a disk filled), a message must never panic the
        // parser.
        let step = (raw.len() / 40).max(1);
        for end in (0..raw.len()).step_by(step).chain([raw.len().saturating_sub(1)]) {
            if let Err(panic) = parse_guarded(&raw[..end]) {
                failures.push(format!("{file}: the parser panicked on the first {end} bytes: {panic}"));
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// 10 MiB + 1 KiB, the same every run.
fn big_bytes() -> Vec<u8> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..MAX_ATTACHMENT_BYTES + 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Base64 in lines of 76 characters, as mail programs write it.
fn base64_lines(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + bytes.len() / 38 + 8);
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push('\n');
        }
        let n =
            (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out.push('\n');
    out
}

/// Message 45 of the corpus, built here rather than stored (~14 MB): one attachment of
/// 10 MiB + 1 KiB, over the limit.
#[test]
fn oversized_attachment() {
    let bytes = big_bytes();
    let raw = format!(
        "From: Xavier Young <xavier@example.com>\n\
         To: helpdesk@helpdesk.example.org\n\
         Subject: Disk image of the broken laptop\n\
         Date: Thu, 05 Mar 2026 17:00:00 +0100\n\
         Message-ID: <oversize.45@example.com>\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"===============_45_1_==\"\n\
         \n\
         --===============_45_1_==\n\
         Content-Type: text/plain; charset=\"utf-8\"\n\
         Content-Transfer-Encoding: 7bit\n\
         \n\
         The disk image is attached.\n\
         \n\
         --===============_45_1_==\n\
         Content-Type: application/octet-stream\n\
         Content-Transfer-Encoding: base64\n\
         Content-Disposition: attachment; filename=\"disk.img\"\n\
         MIME-Version: 1.0\n\
         \n\
         {}\n\
         --===============_45_1_==--\n",
        base64_lines(&bytes)
    );
    let mail = parse(raw.as_bytes()).expect("a well-formed message");
    assert_eq!(mail.from, "xavier@example.com");
    assert_eq!(mail.subject, "Disk image of the broken laptop");
    assert_eq!(mail.text, "The disk image is attached.");
    let [upload]: &[NewUpload; 1] = mail.uploads.as_slice().try_into().expect("exactly one upload");
    assert_eq!(upload.filename, "disk.img");
    assert!(upload.content_type.starts_with("application/octet-stream"), "{upload:?}");
    assert_eq!(upload.bytes.len(), MAX_ATTACHMENT_BYTES + 1024);
    assert!(upload.bytes == bytes, "the attachment's bytes are not the ones sent");
    let refused = check_uploads(mail.uploads.clone()).expect_err("a file over 10 MiB is refused");
    assert!(refused.iter().any(|e| e.field == "attachments[0]"), "{refused:?}");
    assert_eq!(handling_name(&handling(&mail.signals, &mail.from, &[OURS.to_owned()])), "person");
}
