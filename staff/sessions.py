"""Staff sessions: they end after a while unused, and everywhere at once on request.

The middleware (staff/middleware.py) reads two times kept in each session: when it signed in
(``SIGNED_IN_KEY``, set by the user_logged_in signal) and when it was last used (``SEEN_KEY``).
A session signed in before the user's StaffSignIn.sessions_ended_at is over."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from .models import StaffSignIn

SIGNED_IN_KEY = "staff_signed_in_at"
SEEN_KEY = "staff_seen_at"
# The last-used time is written at most this often: a session saved on every request would be a
# database write per page (and per chooser or autosave call) for nothing.
SEEN_RESOLUTION_SECONDS = 60


def sessions_end_all(*, user: Any) -> StaffSignIn:
    """Mark every current session of ``user`` as ended (no audit entry: the caller's service
    writes the one entry that says why). Part of a reset and of 'sign out everywhere'."""
    row, _ = StaffSignIn.objects.update_or_create(user=user, defaults={"sessions_ended_at": timezone.now()})
    return row


def sessions_end(*, user: Any, actor: Any) -> StaffSignIn:
    """'Sign out everywhere': every session of ``user``, on every browser, ends at its next
    request (the one asking too; they sign in again)."""
    with transaction.atomic():
        row = sessions_end_all(user=user)
        audit_record(
            actor=actor, action="staff.sessions.end", obj=user, data={"by_self": getattr(actor, "pk", None) == user.pk}
        )
    return row


def session_mark_signed_in(session) -> None:
    now = time.time()
    session[SIGNED_IN_KEY] = now
    session[SEEN_KEY] = now


def session_ended_reason(session, user: Any, *, now: float | None = None) -> str | None:
    """'idle' or 'ended' when this session of ``user`` is over, else None."""
    now = time.time() if now is None else now
    seen = session.get(SEEN_KEY)
    if seen is not None and now - seen > settings.STAFF_SESSION_IDLE_MINUTES * 60:
        return "idle"
    signed_in = session.get(SIGNED_IN_KEY, 0)
    ended = StaffSignIn.objects.filter(user_id=user.pk).values_list("sessions_ended_at", flat=True).first()
    if ended is not None and ended.timestamp() >= signed_in:
        return "ended"
    return None


def session_touch(session, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    if now - session.get(SEEN_KEY, 0) >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_KEY] = now
