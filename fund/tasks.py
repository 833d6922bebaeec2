"""Celery entry points for the fund app: thin, id-based, each calling one service."""

from celery import shared_task
from django.db import OperationalError

from .services import ledger as ledger_services


@shared_task(
    name="fund.tasks.ledger_check_run",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def ledger_check_run() -> int:
    """Verify the whole ledger (nightly via beat, or on demand) and return the LedgerCheck id."""
    return ledger_services.ledger_check_run().pk
