"""What a bank or Stripe told us is never edited or removed: a bank line's date, amount and text
are fixed, and once matched to a gift it stays matched; a Stripe event's body is fixed. A gift's
fee share, instalment plan and monthly gift are fixed with the rest of it once it is received."""

from django.db import migrations

FREEZE_RECEIVED_DONATION = """
CREATE OR REPLACE FUNCTION fund_donation_freeze_received() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'Gifts are never deleted (gift %); cancel or refund it', OLD.reference
            USING ERRCODE = 'restrict_violation';
    END IF;
    -- The only moves: pledged -> received | cancelled, received -> refunded.
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
        (OLD.status = 'pledged' AND NEW.status IN ('received', 'cancelled'))
        OR (OLD.status = 'received' AND NEW.status = 'refunded')
    ) THEN
        RAISE EXCEPTION 'Gift % cannot go from % to %', OLD.reference, OLD.status, NEW.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status <> 'pledged' AND (
        NEW.amount IS DISTINCT FROM OLD.amount
        OR NEW.amount_currency IS DISTINCT FROM OLD.amount_currency
        OR NEW.exchange_rate IS DISTINCT FROM OLD.exchange_rate
        OR NEW.fund_id IS DISTINCT FROM OLD.fund_id
        OR NEW.kind IS DISTINCT FROM OLD.kind
        OR NEW.channel IS DISTINCT FROM OLD.channel
        OR NEW.donor_id IS DISTINCT FROM OLD.donor_id
        OR NEW.received_at IS DISTINCT FROM OLD.received_at
        OR NEW.pledged_at IS DISTINCT FROM OLD.pledged_at
        OR NEW.payer_id IS DISTINCT FROM OLD.payer_id
        OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id
        OR NEW.reference IS DISTINCT FROM OLD.reference
        OR NEW.fee_cover IS DISTINCT FROM OLD.fee_cover
        OR NEW.commitment_id IS DISTINCT FROM OLD.commitment_id
        OR NEW.recurring_gift_id IS DISTINCT FROM OLD.recurring_gift_id
    ) THEN
        RAISE EXCEPTION 'Gift % is %: what was given, by whom, to which fund and when are fixed',
            OLD.reference, OLD.status USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

FREEZE_BANK_TRANSACTION = """
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
CREATE TRIGGER fund_banktransaction_freeze BEFORE UPDATE OR DELETE ON fund_banktransaction
    FOR EACH ROW EXECUTE FUNCTION fund_banktransaction_freeze();
"""

FREEZE_STRIPE_EVENT = """
CREATE OR REPLACE FUNCTION fund_stripeevent_freeze() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.stripe_id IS DISTINCT FROM OLD.stripe_id
        OR NEW.type IS DISTINCT FROM OLD.type OR NEW.payload IS DISTINCT FROM OLD.payload THEN
        RAISE EXCEPTION 'Stripe event % is kept as Stripe sent it', OLD.stripe_id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER fund_stripeevent_freeze BEFORE UPDATE OR DELETE ON fund_stripeevent
    FOR EACH ROW EXECUTE FUNCTION fund_stripeevent_freeze();
"""

UNFREEZE = """
DROP TRIGGER IF EXISTS fund_banktransaction_freeze ON fund_banktransaction;
DROP FUNCTION IF EXISTS fund_banktransaction_freeze();
DROP TRIGGER IF EXISTS fund_stripeevent_freeze ON fund_stripeevent;
DROP FUNCTION IF EXISTS fund_stripeevent_freeze();
"""


class Migration(migrations.Migration):
    dependencies = [("fund", "0005_payments_bank_commitments")]

    operations = [
        # Reversing leaves the wider freeze in place: it is a superset of 0002's and harmless.
        migrations.RunSQL(FREEZE_RECEIVED_DONATION, migrations.RunSQL.noop),
        migrations.RunSQL(FREEZE_BANK_TRANSACTION + FREEZE_STRIPE_EVENT, UNFREEZE),
    ]
