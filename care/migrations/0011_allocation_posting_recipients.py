"""Allocation postings made before postings named whom they reached get the token now, the same
one care.models.Allocation.ledger_recipient writes for new ones ("b:" + the person's number), so
a fund statement counts the people helped in past periods too. Reversals carry their
original's token, as ledger_reverse copies it for new ones.

Postings are append-only (fund migration 0002): the trigger is switched off for this one
statement and on again in the same transaction, and only empty tokens of allocation postings
and their reversals are filled; no amount, date or leg is touched, and the digests check_ledger
verifies cover the transaction and its legs, not these columns. The SQL is written out here: a
migration must not follow later changes to the code."""

from django.db import migrations

# Deferred checks still pending in this transaction (Django's foreign keys are deferred) would
# stop ALTER TABLE: fire them first.
FILL = """
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE fund_posting DISABLE TRIGGER fund_posting_append_only;
UPDATE fund_posting AS posting
   SET recipient = 'b:' || allocation.beneficiary_id
  FROM care_allocation AS allocation
 WHERE posting.recipient = ''
   AND posting.kind IN ('allocation', 'reversal')
   AND posting.reference = 'allocation:' || allocation.id;
ALTER TABLE fund_posting ENABLE TRIGGER fund_posting_append_only;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0010_programme_choices"),
        ("fund", "0017_posting_recipient_and_statement_permission"),
    ]

    # Nothing to undo: going back, fund's migration drops the column.
    operations = [migrations.RunSQL(FILL, migrations.RunSQL.noop)]
