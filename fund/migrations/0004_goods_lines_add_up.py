"""A goods gift is worth exactly what its lines add up to: checked at commit for every change
to its lines, so lines cannot be added to a received gift either."""

from django.db import migrations

LINES_ADD_UP = """
CREATE OR REPLACE FUNCTION fund_donationline_add_up() RETURNS trigger AS $$
DECLARE
    gift_id BIGINT;
    gift RECORD;
    lines_total NUMERIC;
BEGIN
    IF TG_OP = 'DELETE' THEN gift_id := OLD.donation_id; ELSE gift_id := NEW.donation_id; END IF;
    SELECT reference, amount INTO gift FROM fund_donation WHERE id = gift_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT COALESCE(SUM(fair_value), 0) INTO lines_total FROM fund_donationline WHERE donation_id = gift_id;
    IF lines_total <> gift.amount THEN
        RAISE EXCEPTION 'Gift % is worth % but its lines add up to %', gift.reference, gift.amount, lines_total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER fund_donationline_add_up AFTER INSERT OR UPDATE OR DELETE ON fund_donationline
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fund_donationline_add_up();
"""

DROP = """
DROP TRIGGER IF EXISTS fund_donationline_add_up ON fund_donationline;
DROP FUNCTION IF EXISTS fund_donationline_add_up();
"""


class Migration(migrations.Migration):
    dependencies = [("fund", "0003_freeze_received_goods_lines")]

    operations = [migrations.RunSQL(LINES_ADD_UP, DROP)]
