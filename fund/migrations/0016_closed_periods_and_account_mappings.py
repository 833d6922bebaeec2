"""Closed periods and the journal export's account codes. Two triggers hold the promise of a
closed period against any client: nothing enters hordak_transaction dated inside a closed period
(after taking the same advisory lock as fund.services.ledger, shared, so a close in progress is
waited for and then seen), and a closed period's row only ever gains its reopening, never loses
or changes anything else. The lock key is copied here on purpose: a migration must not follow
later changes to the code (tests/fund/test_periods.py checks the two agree)."""

import django.contrib.postgres.constraints
import django.core.validators
import django.db.models.deletion
import fund.models.books
from django.conf import settings
from django.db import migrations, models

PERIOD_LOCK_KEY = 0x43540003

GUARD = f"""
CREATE OR REPLACE FUNCTION fund_closed_period_guard() RETURNS trigger AS $$
DECLARE
    closed RECORD;
BEGIN
    PERFORM pg_advisory_xact_lock_shared({PERIOD_LOCK_KEY});
    -- A new statement, so a new snapshot: a close committed while we waited is seen.
    SELECT starts_on, ends_on INTO closed FROM fund_closedperiod
        WHERE reopened_at IS NULL AND NEW.date BETWEEN starts_on AND ends_on LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'Ledger date % is inside the closed period % to %: date the entry in the open period',
            NEW.date, closed.starts_on, closed.ends_on USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql VOLATILE;
CREATE TRIGGER hordak_transaction_closed_period BEFORE INSERT OR UPDATE OF date ON hordak_transaction
    FOR EACH ROW EXECUTE FUNCTION fund_closed_period_guard();
"""

HISTORY = """
CREATE OR REPLACE FUNCTION fund_closedperiod_history() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'Closed periods are never deleted (% to %); reopen it instead', OLD.starts_on, OLD.ends_on
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.reopened_at IS NOT NULL
        OR NEW.starts_on IS DISTINCT FROM OLD.starts_on
        OR NEW.ends_on IS DISTINCT FROM OLD.ends_on
        OR NEW.closed_at IS DISTINCT FROM OLD.closed_at
        OR NEW.closed_by_id IS DISTINCT FROM OLD.closed_by_id
        OR NEW.transactions IS DISTINCT FROM OLD.transactions
        OR NEW.digest IS DISTINCT FROM OLD.digest THEN
        RAISE EXCEPTION 'Closed period % to %: only its reopening is ever recorded on it', OLD.starts_on, OLD.ends_on
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER fund_closedperiod_history BEFORE UPDATE OR DELETE ON fund_closedperiod
    FOR EACH ROW EXECUTE FUNCTION fund_closedperiod_history();
"""

UNDO = """
DROP TRIGGER IF EXISTS hordak_transaction_closed_period ON hordak_transaction;
DROP FUNCTION IF EXISTS fund_closed_period_guard();
DROP TRIGGER IF EXISTS fund_closedperiod_history ON fund_closedperiod;
DROP FUNCTION IF EXISTS fund_closedperiod_history();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('fund', '0015_goods_lost_and_stock_adjustments'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='posting',
            name='occurred_on',
            field=models.DateField(blank=True, null=True, verbose_name='happened on (closed period)'),
        ),
        migrations.CreateModel(
            name='AccountMapping',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('bank', 'Bank account'), ('cash_on_hand', 'Cash on hand'), ('card_clearing', 'Card payments in transit'), ('goods_stock', 'Donated goods in stock'), ('income_cash', 'Cash gifts'), ('income_scholarship', 'Scholarship gifts'), ('income_in_kind', 'In-kind gifts'), ('income_supplies', 'School supply gifts'), ('allocated_cash', 'Cash allocated to beneficiaries'), ('allocated_goods', 'Goods issued to beneficiaries'), ('allocated_scholarship', 'Scholarships paid'), ('goods_lost', 'Goods lost or damaged')], max_length=30, verbose_name='our account')),
                ('code', models.CharField(max_length=20, validators=[django.core.validators.RegexValidator('^[0-9A-Za-z][0-9A-Za-z.\\-]{0,19}$', 'Digits and letters, e.g. 112 or 3531.')], verbose_name='account code')),
                ('name', models.CharField(max_length=200, verbose_name='account name')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('fund', models.ForeignKey(blank=True, help_text='Empty: every fund without its own code for this role.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='account_mappings', to='fund.fund', verbose_name='fund')),
            ],
            options={
                'verbose_name': 'account in the official books',
                'verbose_name_plural': 'accounts in the official books',
                'ordering': ['role', 'fund__code'],
                'permissions': [('view_journal', 'Can view and export the journal for the official books')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('fund__isnull', False)), fields=('fund', 'role'), name='account_mapping_fund_role_unique', violation_error_message='This account of this fund has a code already: edit that one.'), models.UniqueConstraint(condition=models.Q(('fund__isnull', True)), fields=('role',), name='account_mapping_default_role_unique', violation_error_message='This account has a code for every fund already: edit that one.')],
            },
        ),
        migrations.CreateModel(
            name='ClosedPeriod',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('starts_on', models.DateField(verbose_name='first day')),
                ('ends_on', models.DateField(verbose_name='last day')),
                ('closed_at', models.DateTimeField(verbose_name='closed at')),
                ('transactions', models.PositiveIntegerField(default=0, verbose_name='ledger transactions when closed')),
                ('digest', models.CharField(max_length=64, verbose_name='digest when closed')),
                ('reopened_at', models.DateTimeField(blank=True, null=True, verbose_name='reopened at')),
                ('reopen_reason', models.CharField(blank=True, max_length=500, verbose_name='reason for reopening')),
                ('closed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='closed by')),
                ('reopened_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reopened by')),
            ],
            options={
                'verbose_name': 'closed period',
                'verbose_name_plural': 'closed periods',
                'ordering': ['-starts_on', '-closed_at'],
                'permissions': [('reopen_closedperiod', 'Can reopen a closed period')],
                'constraints': [models.CheckConstraint(condition=models.Q(('starts_on__lte', models.F('ends_on'))), name='closed_period_ordered'), models.CheckConstraint(condition=models.Q(models.Q(('reopen_reason', ''), ('reopened_at__isnull', True), ('reopened_by__isnull', True)), models.Q(('reopened_at__isnull', False), ('reopened_by__isnull', False), models.Q(('reopen_reason', ''), _negated=True)), _connector='OR'), name='closed_period_reopened_says_who_and_why'), django.contrib.postgres.constraints.ExclusionConstraint(condition=models.Q(('reopened_at__isnull', True)), expressions=[(fund.models.books.DateRangeFunc(models.F('starts_on'), models.F('ends_on'), models.Value('[]')), '&&')], name='closed_period_no_overlap')],
            },
        ),
        migrations.RunSQL(GUARD + HISTORY, UNDO),
    ]
