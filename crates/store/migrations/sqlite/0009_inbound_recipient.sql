-- The envelope's recipient of an inbound message, when the mail gateway was given it (an MTA's
-- $RECIPIENT): the address it was delivered to, a Bcc included, which routes it to its unit.
-- Keep in step with ../postgres/0009_inbound_recipient.sql.
ALTER TABLE inbound_mail ADD COLUMN recipient TEXT;
