"""A receipt, once issued, is a document: its number, donor, gift, amount, content and token are
fixed, and the only change is valid -> void (with when, who and why). Receipts and counters are
never deleted, so a number once given can always be shown."""

from django.db import migrations

FREEZE_RECEIPT = """
CREATE OR REPLACE FUNCTION receipts_receipt_freeze() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'Receipts are never deleted (receipt %); void it', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.number IS DISTINCT FROM OLD.number
        OR NEW.series IS DISTINCT FROM OLD.series
        OR NEW.fiscal_year IS DISTINCT FROM OLD.fiscal_year
        OR NEW.sequence IS DISTINCT FROM OLD.sequence
        OR NEW.kind IS DISTINCT FROM OLD.kind
        OR NEW.donor_id IS DISTINCT FROM OLD.donor_id
        OR NEW.donation_id IS DISTINCT FROM OLD.donation_id
        OR NEW.period_start IS DISTINCT FROM OLD.period_start
        OR NEW.period_end IS DISTINCT FROM OLD.period_end
        OR NEW.amount IS DISTINCT FROM OLD.amount
        OR NEW.amount_currency IS DISTINCT FROM OLD.amount_currency
        OR NEW.language IS DISTINCT FROM OLD.language
        OR NEW.content IS DISTINCT FROM OLD.content
        OR NEW.verification_token IS DISTINCT FROM OLD.verification_token
        OR NEW.issued_at IS DISTINCT FROM OLD.issued_at
        OR NEW.issued_by_id IS DISTINCT FROM OLD.issued_by_id
        OR NEW.replaces_id IS DISTINCT FROM OLD.replaces_id
    THEN
        RAISE EXCEPTION 'Receipt % is issued: void it and issue a replacement', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'void' AND (
        NEW.status IS DISTINCT FROM OLD.status
        OR NEW.voided_at IS DISTINCT FROM OLD.voided_at
        OR NEW.voided_by_id IS DISTINCT FROM OLD.voided_by_id
        OR NEW.void_reason IS DISTINCT FROM OLD.void_reason
    ) THEN
        RAISE EXCEPTION 'Receipt % is void for good', OLD.number USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER receipts_receipt_freeze BEFORE UPDATE OR DELETE ON receipts_receipt
    FOR EACH ROW EXECUTE FUNCTION receipts_receipt_freeze();

CREATE OR REPLACE FUNCTION receipts_counter_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.last_number < OLD.last_number
        OR NEW.series IS DISTINCT FROM OLD.series OR NEW.fiscal_year IS DISTINCT FROM OLD.fiscal_year THEN
        RAISE EXCEPTION 'Receipt counters only move forward (% %)', OLD.series, OLD.fiscal_year
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER receipts_receiptcounter_forward_only BEFORE UPDATE OR DELETE ON receipts_receiptcounter
    FOR EACH ROW EXECUTE FUNCTION receipts_counter_forward_only();
"""

UNFREEZE = """
DROP TRIGGER IF EXISTS receipts_receipt_freeze ON receipts_receipt;
DROP FUNCTION IF EXISTS receipts_receipt_freeze();
DROP TRIGGER IF EXISTS receipts_receiptcounter_forward_only ON receipts_receiptcounter;
DROP FUNCTION IF EXISTS receipts_counter_forward_only();
"""


class Migration(migrations.Migration):
    dependencies = [("receipts", "0001_initial")]

    operations = [migrations.RunSQL(FREEZE_RECEIPT, UNFREEZE)]
