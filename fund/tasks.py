"""Celery entry points for the fund app: thin, id-based, each calling one service."""

from celery import shared_task

from .services import ledger as ledger_services


@shared_task(name="fund.tasks.ledger_check_run")
def ledger_check_run() -> int:
    """Verify the whole ledger (nightly via beat, or on demand) and return the LedgerCheck id.
    No retry: the service records a check that could not finish as a failed check."""
    return ledger_services.ledger_check_run().pk
