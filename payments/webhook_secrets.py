"""Which signing secrets a webhook accepts right now: its current secret and, while a rotation
is under way, the previous one until the deadline the operator gave it, never after.

A previous secret without a deadline, or with one that cannot be read, is not accepted (and a
deploy check says so): an old secret that keeps working because someone forgot to remove it
is exactly what rotating was meant to end. docs/decisions/0031-webhook-secret-rotation.md;
how to rotate each secret: docs/operations.md.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.checks import Warning, register
from django.utils import timezone
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class SigningSecret:
    value: str
    previous: bool = False  # the one being retired: its use is logged, so the end can be seen


def rotation_deadline(text: str) -> datetime.datetime | None:
    """The moment a previous secret stops working (ISO 8601; without an offset, in TIME_ZONE)."""
    try:
        moment = parse_datetime(text.strip()) if text else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def secrets_accepted(*, current: str, previous: str, previous_until: str) -> list[SigningSecret]:
    """The secrets to try, current first; empty when there is no current secret at all."""
    if not current:
        return []
    accepted = [SigningSecret(current)]
    deadline = rotation_deadline(previous_until)
    if previous and previous != current and deadline is not None and timezone.now() < deadline:
        accepted.append(SigningSecret(previous, previous=True))
    return accepted


def stripe_webhook_secrets() -> list[SigningSecret]:
    return secrets_accepted(
        current=settings.STRIPE_WEBHOOK_SECRET,
        previous=settings.STRIPE_WEBHOOK_SECRET_PREVIOUS,
        previous_until=settings.STRIPE_WEBHOOK_SECRET_PREVIOUS_UNTIL,
    )


def bank_webhook_secrets() -> list[SigningSecret]:
    return secrets_accepted(
        current=settings.BANK_WEBHOOK_SECRET,
        previous=settings.BANK_WEBHOOK_SECRET_PREVIOUS,
        previous_until=settings.BANK_WEBHOOK_SECRET_PREVIOUS_UNTIL,
    )


_ROTATIONS = {
    "STRIPE_WEBHOOK_SECRET": "payments.W001",
    "BANK_WEBHOOK_SECRET": "payments.W002",
}


@register(deploy=True)
def rotation_windows_check(app_configs=None, **kwargs):
    """A previous secret needs a readable deadline; one whose deadline has passed should go."""
    problems = []
    for name, check_id in _ROTATIONS.items():
        previous = getattr(settings, f"{name}_PREVIOUS", "")
        until = getattr(settings, f"{name}_PREVIOUS_UNTIL", "")
        if not previous:
            continue
        deadline = rotation_deadline(until)
        if deadline is None:
            problems.append(
                Warning(
                    f"{name}_PREVIOUS is set without a readable {name}_PREVIOUS_UNTIL, so it is not accepted.",
                    hint=f"Set {name}_PREVIOUS_UNTIL to the end of the rotation (e.g. 2026-12-01T12:00+07:00).",
                    id=check_id,
                )
            )
        elif deadline <= timezone.now():
            problems.append(
                Warning(
                    f"{name}_PREVIOUS expired at {deadline.isoformat()} and is no longer accepted.",
                    hint=f"Remove {name}_PREVIOUS and {name}_PREVIOUS_UNTIL from the environment.",
                    id=check_id,
                )
            )
    return problems
