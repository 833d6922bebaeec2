"""Celery entry points for payments: thin, id-based, each calling one service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services.bank_jobs import bank_import_job_run, bank_import_jobs_sweep
from .services.stripe_queue import stripe_events_apply


@shared_task(
    name="payments.tasks.bank_import_job_run",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def bank_import_job_run_task(job_id: int) -> str:
    """Read, store and match one statement import (a second run goes on where the first
    stopped; a run while another worker has the job returns at once)."""
    return bank_import_job_run(job_id=job_id).status


@shared_task(name="payments.tasks.bank_import_jobs_sweep")
def bank_import_jobs_sweep_run() -> dict[str, int]:
    """Beat, every few minutes: imports whose worker went quiet are queued again."""
    return bank_import_jobs_sweep()


@shared_task(name="payments.tasks.stripe_events_apply")
def stripe_events_apply_run() -> int:
    """Apply the stored card payment events, asked by the webhook (once per burst) and by beat
    every minute (a lost task, an event that failed). Retries nothing itself: an event that
    fails stays stored and the next run tries it again."""
    return stripe_events_apply()
