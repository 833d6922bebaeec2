"""The lines of a received goods gift are what its ledger value was computed from: fixed."""

from django.db import migrations

FREEZE_LINES = """
CREATE OR REPLACE FUNCTION fund_donationline_freeze_received() RETURNS trigger AS $$
DECLARE
    gift RECORD;
BEGIN
    SELECT reference, status INTO gift FROM fund_donation WHERE id = OLD.donation_id;
    IF gift.status <> 'pledged' THEN
        RAISE EXCEPTION 'Gift % is %: its goods lines are fixed', gift.reference, gift.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    -- Nor may a line be moved onto a gift that is no longer a pledge.
    IF TG_OP = 'UPDATE' AND NEW.donation_id <> OLD.donation_id THEN
        SELECT reference, status INTO gift FROM fund_donation WHERE id = NEW.donation_id;
        IF gift.status <> 'pledged' THEN
            RAISE EXCEPTION 'Gift % is %: its goods lines are fixed', gift.reference, gift.status
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER fund_donationline_freeze_received BEFORE UPDATE OR DELETE ON fund_donationline
    FOR EACH ROW EXECUTE FUNCTION fund_donationline_freeze_received();
"""

UNFREEZE_LINES = """
DROP TRIGGER IF EXISTS fund_donationline_freeze_received ON fund_donationline;
DROP FUNCTION IF EXISTS fund_donationline_freeze_received();
"""


class Migration(migrations.Migration):
    dependencies = [("fund", "0002_ledger_append_only")]

    operations = [migrations.RunSQL(FREEZE_LINES, UNFREEZE_LINES)]
