"""Posted ledger rows can be added, never changed or removed, whoever connects to the database.
Once a gift is no longer a pledge, what was given, by whom, to which fund and when are fixed
(the ledger holds that value), its status only moves forward, and it is never deleted."""

from django.db import migrations

from audit.db import drop_append_only, make_append_only

LEDGER_TABLES = ("hordak_transaction", "hordak_leg", "fund_posting", "fund_fundaccount")

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
    ) THEN
        RAISE EXCEPTION 'Gift % is %: what was given, by whom, to which fund and when are fixed',
            OLD.reference, OLD.status USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER fund_donation_freeze_received BEFORE UPDATE ON fund_donation
    FOR EACH ROW EXECUTE FUNCTION fund_donation_freeze_received();
CREATE TRIGGER fund_donation_no_delete BEFORE DELETE ON fund_donation
    FOR EACH ROW EXECUTE FUNCTION fund_donation_freeze_received();
"""

UNFREEZE = """
DROP TRIGGER IF EXISTS fund_donation_freeze_received ON fund_donation;
DROP TRIGGER IF EXISTS fund_donation_no_delete ON fund_donation;
DROP FUNCTION IF EXISTS fund_donation_freeze_received();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("fund", "0001_initial"),
        ("audit", "0002_append_only"),
        ("hordak", "0054_check_debit_credit_positive"),
    ]

    operations = [
        *(migrations.RunSQL(make_append_only(table), drop_append_only(table)) for table in LEDGER_TABLES),
        migrations.RunSQL(FREEZE_RECEIVED_DONATION, UNFREEZE),
    ]
