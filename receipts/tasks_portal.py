"""Celery task for the donor portal's sign-in email (imported by receipts.tasks so the worker
registers it)."""

from __future__ import annotations

from celery import shared_task

from .services import portal as portal_services


@shared_task(
    name="receipts.tasks.portal_link_send",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=120,
    max_retries=3,
)
def portal_link_send(email: str) -> bool:
    """A retry makes a new link (the first one's token exists nowhere but in its lost email)."""
    return portal_services.portal_link_send(email=email)
