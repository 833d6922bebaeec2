"""Project-wide guarantees: PostgreSQL everywhere, migrations in step, tasks without a broker."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from fund.models import LedgerCheck
from fund.services import donation_record
from fund.tasks import ledger_check_run


def test_database_is_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 150000


def test_models_and_migrations_are_in_step(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.skipif(bool(settings.CELERY_BROKER_URL), reason="a broker is configured: see tests/worker")
def test_without_a_broker_tasks_run_in_process(fund, donor, django_capture_on_commit_callbacks):
    donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="300000", received_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        ledger_check_run.delay_on_commit()
    check = LedgerCheck.objects.get()
    assert check.ok and check.transactions_checked == 1
