"""A bank line stays as the bank reported it, with one exception: a person's erasure on request
(donors.services_rights.donor_erase, docs/data-rights.md) may mask the sender's name and the note
of a line matched to their gift. Only those two columns, only on a matched line, and only while
the erasure's own transaction has set ``chungtay.erasure`` (payments/rights.py): the date,
amount, bank reference, fingerprint and the match stay fixed for everyone."""

from django.db import migrations

FREEZE_WITH_ERASURE = """
CREATE OR REPLACE FUNCTION fund_banktransaction_freeze() RETURNS trigger AS $$
DECLARE
    erasing boolean := OLD.donation_id IS NOT NULL
        AND NEW.donation_id IS NOT DISTINCT FROM OLD.donation_id
        AND coalesce(current_setting('chungtay.erasure', true), '') = 'on';
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'Bank lines are never deleted (line %); mark it not a gift', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.fingerprint IS DISTINCT FROM OLD.fingerprint
        OR NEW.statement_id IS DISTINCT FROM OLD.statement_id
        OR NEW.booked_on IS DISTINCT FROM OLD.booked_on
        OR NEW.amount IS DISTINCT FROM OLD.amount
        OR NEW.amount_currency IS DISTINCT FROM OLD.amount_currency
        OR (NEW.description IS DISTINCT FROM OLD.description AND NOT erasing)
        OR (NEW.counterparty IS DISTINCT FROM OLD.counterparty AND NOT erasing)
        OR NEW.bank_reference IS DISTINCT FROM OLD.bank_reference
        OR (OLD.donation_id IS NOT NULL AND NEW.donation_id IS DISTINCT FROM OLD.donation_id)
        OR (OLD.status = 'matched' AND NEW.status <> 'matched')
    THEN
        RAISE EXCEPTION 'Bank line % is as the bank reported it, and a matched line stays matched', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

FREEZE_AS_BEFORE = """
CREATE OR REPLACE FUNCTION fund_banktransaction_freeze() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'Bank lines are never deleted (line %); mark it not a gift', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.fingerprint IS DISTINCT FROM OLD.fingerprint
        OR NEW.statement_id IS DISTINCT FROM OLD.statement_id
        OR NEW.booked_on IS DISTINCT FROM OLD.booked_on
        OR NEW.amount IS DISTINCT FROM OLD.amount
        OR NEW.amount_currency IS DISTINCT FROM OLD.amount_currency
        OR NEW.description IS DISTINCT FROM OLD.description
        OR NEW.counterparty IS DISTINCT FROM OLD.counterparty
        OR NEW.bank_reference IS DISTINCT FROM OLD.bank_reference
        OR (OLD.donation_id IS NOT NULL AND NEW.donation_id IS DISTINCT FROM OLD.donation_id)
        OR (OLD.status = 'matched' AND NEW.status <> 'matched')
    THEN
        RAISE EXCEPTION 'Bank line % is as the bank reported it, and a matched line stays matched', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0006_card_payment_refund_request")]

    operations = [migrations.RunSQL(FREEZE_WITH_ERASURE, FREEZE_AS_BEFORE)]
