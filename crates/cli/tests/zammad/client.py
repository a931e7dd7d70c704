"""Drives Helpdesk's Zammad face with zammad-py, Zammad's own Python client, unchanged.

Run by the integration test `it::zammad` with ZAMMAD_URL, ZAMMAD_TOKEN and ADMIN_EMAIL set;
prints what it made as one line of JSON, and fails with a message on the first surprise.
"""

import base64
import json
import os
import sys
import time

from requests.exceptions import HTTPError
from zammad_py import ZammadAPI


def check(condition, what):
    if not condition:
        sys.exit(f"zammad-py against Helpdesk: {what}")


z = ZammadAPI(url=os.environ["ZAMMAD_URL"], http_token=os.environ["ZAMMAD_TOKEN"])

me = z.user.me()
check(me["email"] == os.environ["ADMIN_EMAIL"], f"users/me is the token's account: {me}")

groups = {g["name"]: g["id"] for g in z.group.all()}
check("Storage" in groups, f"the units are the groups: {groups}")
check(z.group.find(groups["Storage"])["name"] == "Storage", "groups/{id}")
states = {s["name"]: s["id"] for s in z.ticket_state.all()}
check({"new", "assigned", "in progress", "solved"} <= set(states), f"the statuses are the states: {states}")
priorities = {p["name"]: p["id"] for p in z.ticket_priority.all()}
check({"1 low", "2 normal", "3 high"} <= set(priorities), f"Zammad's priority names: {priorities}")

user = z.user.create({"firstname": "Ada", "lastname": "Lovelace", "email": "ada@example.org"})
check(user["email"] == "ada@example.org" and user["firstname"] == "Ada", f"a user is created: {user}")
check(any(u["id"] == user["id"] for u in z.user.search("ada@example")), "users/search finds her")
check(z.user.find(user["id"])["lastname"] == "Lovelace", "users/{id}")

org = z.organization.create({"name": "EUDAT"})
check(z.organization.find(org["id"])["name"] == "EUDAT", "organizations/{id}")
check(any(o["id"] == org["id"] for o in z.organization.search("eudat")), "organizations/search")
check(any(o["id"] == org["id"] for o in z.organization.all()), "organizations")

ticket = z.ticket.create({
    "title": "Quota on the archive",
    "group": "Storage",
    "customer": "ada@example.org",
    "article": {"subject": "Quota", "body": "The archive volume is full.", "type": "note", "internal": False},
    "priority": "3 high",
})
check(ticket["group"] == "Storage" and ticket["priority"] == "3 high", f"the ticket as created: {ticket}")
check(ticket["customer_id"] == user["id"], f"opened on the customer's behalf: {ticket}")
check(ticket["number"] == str(ticket["id"]), "the number is Helpdesk's")

z.ticket_article.create({"ticket_id": ticket["id"], "body": "We are adding disks.", "type": "note", "internal": False})
z.ticket_article.create({"ticket_id": ticket["id"], "body": "Disks ordered from the vendor.", "type": "note", "internal": True})
articles = z.ticket.articles(ticket["id"])
bodies = {a["body"]: a["internal"] for a in articles}
check(bodies.get("The archive volume is full.") is False, f"the description is the first article: {bodies}")
check(bodies.get("We are adding disks.") is False, f"a reply: {bodies}")
check(bodies.get("Disks ordered from the vendor.") is True, f"an internal note: {bodies}")
check(z.ticket_article.find(articles[-1]["id"])["ticket_id"] == ticket["id"], "ticket_articles/{id}")
check(z.ticket_article.find(articles[0]["id"])["body"] == "The archive volume is full.", "the description by its id")
check(len({a["id"] for a in articles}) == len(articles), f"each article has an id of its own: {articles}")

report = b"slot,state\n4,stuck\n"
with_file = z.ticket_article.create({"ticket_id": ticket["id"], "body": "Report attached.", "type": "note",
    "internal": False, "attachments": [{"filename": "report.csv", "data": base64.b64encode(report).decode(),
    "mime-type": "text/csv"}]})
files = with_file["attachments"]
check(len(files) == 1 and files[0]["filename"] == "report.csv", f"the article lists its file: {with_file}")
got = z.ticket_article_attachment.download(files[0]["id"], with_file["id"], ticket["id"])
check(got == report, f"the file downloads byte for byte: {got!r}")
scan = os.urandom(3 * 1024 * 1024)
with_scan = z.ticket_article.create({"ticket_id": ticket["id"], "body": "Scan of the label.", "type": "note",
    "internal": False, "attachments": [{"filename": "label.bin", "data": base64.b64encode(scan).decode(),
    "mime-type": "application/octet-stream"}]})
got = z.ticket_article_attachment.download(with_scan["attachments"][0]["id"], with_scan["id"], ticket["id"])
check(got == scan, "a 3 MiB file goes in and comes out byte for byte")

updated = z.ticket.update(ticket["id"], {"state": "closed"})
check(updated["state"] == "solved", f"Zammad's 'closed' solves the ticket: {updated}")
check(z.ticket.find(ticket["id"])["state_id"] == states["solved"], "tickets/{id} after the change")

page = z.ticket.all(filters={"per_page": 1})
check(len(page) == 1, "per_page is honoured")
later = page.next_page()
check(all(t["id"] != page[0]["id"] for t in later), "the next page holds other tickets")

found = []
for _ in range(100):
    found = [t["id"] for t in z.ticket.search("archive")]
    if ticket["id"] in found:
        break
    time.sleep(0.1)
check(ticket["id"] in found, f"tickets/search finds it: {found}")

try:
    z.ticket.destroy(ticket["id"])
    check(False, "a ticket is never deleted")
except HTTPError as e:
    check("nothing is deleted" in str(e), f"the refusal says why: {e}")

print(json.dumps({"ticket": ticket["id"], "user": user["id"], "organization": org["id"]}))
