"""Failed sign-ins and the lock they lead to (django-axes), and the audit trail of sign-ins.

Axes counts failures per account and per address (config/settings/security.py); past the limit
it refuses that account or address until the cool-off has passed or an administrator clears it
here. Every failed password for a real account, every refused code, every lock and every
completed sign-in is an audit entry; no password or code is ever written down."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record

from .client_ip import client_ip


def _live_attempts():
    # Failures older than the cool-off no longer count (axes forgets them at the next attempt).
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - get_cool_off())


@dataclass(frozen=True)
class Lock:
    value: str  # the username or the address
    failures: int
    last_attempt: Any


def _locks(field: str) -> list[Lock]:
    rows = (
        _live_attempts()
        .exclude(**{f"{field}__isnull": True})
        .values(field)
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    return [Lock(value=row[field], failures=row["failures"], last_attempt=row["last"]) for row in rows]


def locked_usernames() -> list[Lock]:
    return _locks("username")


def locked_addresses() -> list[Lock]:
    return _locks("ip_address")


def failures_for(username: str) -> int:
    return _live_attempts().filter(username=username).aggregate(total=Sum("failures_since_start"))["total"] or 0


def lockout_clear(*, actor: Any, username: str = "", ip_address: str = "") -> int:
    """An administrator lifts a lock: the failures counted against ``username`` or against
    ``ip_address`` (one of them) are forgotten. Returns how many attempt records went."""
    if bool(username) == bool(ip_address):
        raise ValueError("Name either a username or an address.")
    with transaction.atomic():
        attempts = AccessAttempt.objects.filter(**({"username": username} if username else {"ip_address": ip_address}))
        first = attempts.order_by("pk").first()
        if first is None:
            return 0
        user = get_user_model().objects.filter(username=username).first() if username else None
        count = attempts.delete()[0]
        audit_record(
            actor=actor,
            action="staff.lockout.clear",
            obj=user or first,
            data={"username": username, "ip_address": ip_address, "attempts": count},
        )
    return count


def lock_recorded_recently(user: Any) -> bool:
    """Whether the trail already holds the lock this user is under (within the cool-off)."""
    return (
        AuditEntry.objects.about(user)
        .filter(action="staff.lockout.locked", at__gte=timezone.now() - get_cool_off())
        .exists()
    )


def sign_in_record(*, user: Any, action: str, request=None, **data) -> None:
    """One audit entry for a step of a staff sign-in (``action``: staff.sign_in,
    staff.sign_in.password_refused, staff.sign_in.code_refused, staff.lockout.locked).
    The entry names who completed a sign-in as its actor; a refusal has no known actor."""
    if request is not None:
        data = {"ip_address": client_ip(request), **data}
    audit_record(actor=user if action == "staff.sign_in" else None, action=action, obj=user, data=data)
