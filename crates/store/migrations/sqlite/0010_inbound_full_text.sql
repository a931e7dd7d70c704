-- What a delivered message said in full, quoted history included, when the ticket or article it
-- made keeps only what its sender wrote: the ticket page offers it as "show quoted text". Its
-- article (none for the ticket it opened). Keep in step with ../postgres/0010_inbound_full_text.sql.
ALTER TABLE inbound_mail ADD COLUMN article_id INTEGER REFERENCES articles(id);
ALTER TABLE inbound_mail ADD COLUMN full_text TEXT;
CREATE INDEX inbound_mail_ticket ON inbound_mail(ticket_id) WHERE full_text IS NOT NULL;
