"""Celery tasks for statements (imported by receipts.tasks so the worker registers them)."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.contrib.auth import get_user_model

from .services import statements as statement_services

__all__ = ["statements_issue_chunk", "statements_refresh_for_gift"]

logger = logging.getLogger(__name__)


def _actor(actor_id: int | None):
    return get_user_model().objects.filter(pk=actor_id).first() if actor_id else None


@shared_task(name="receipts.tasks.statements_issue_chunk", bind=True, max_retries=6)
def statements_issue_chunk(self, donor_ids: list[int], start: str, end: str, actor_id: int | None = None) -> dict:
    """Issue one chunk of a period's statements. Donors that failed are retried on their own,
    with backoff; the ones that succeeded are not touched again (nor would it matter: issuing
    is idempotent)."""
    outcome = statement_services.statements_issue_for_donors(
        donor_ids=donor_ids,
        start=datetime.date.fromisoformat(start),
        end=datetime.date.fromisoformat(end),
        actor=_actor(actor_id),
    )
    if outcome.failed:
        raise self.retry(args=(outcome.failed, start, end, actor_id), countdown=min(30 * 2**self.request.retries, 1800))
    return {"issued": outcome.issued, "existing": outcome.existing, "without_gifts": outcome.without_gifts}


@shared_task(
    name="receipts.tasks.statements_refresh_for_gift",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def statements_refresh_for_gift(donation_id: int) -> list[str]:
    """A gift was refunded: replace the statements that list it."""
    refreshed = statement_services.statements_refresh_for_gift(donation_id=donation_id)
    return [f"{old.number} -> {new.number if new else 'void'}" for old, new in refreshed]
