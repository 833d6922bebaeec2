from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from config.actors import actor_user
from config.db_copy import copy_rows

from .models import AuditEntry


def audit_record(*, actor: Any, action: str, obj: models.Model, data: dict | None = None) -> AuditEntry:
    """Append one audit entry. Called inside the caller's transaction, so it commits or rolls
    back with the change it describes."""
    user = actor_user(actor)
    return AuditEntry.objects.create(
        actor=user,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data or {},
    )


def audit_record_many(*, actor: Any, action: str, entries: Iterable[tuple[models.Model, dict | None]]) -> int:
    """Append one audit entry per (object, data), as audit_record would, in one COPY: for a
    service that changes thousands of rows in one transaction (a bank statement's gifts).
    Called inside the caller's transaction, like audit_record."""
    user = actor_user(actor)
    actor_id = user.pk if user is not None else None
    at = timezone.now()
    encoder = DjangoJSONEncoder()
    return copy_rows(
        AuditEntry._meta.db_table,
        ("at", "actor_id", "action", "object_type", "object_id", "data"),
        (
            (at, actor_id, action, obj._meta.label_lower, str(obj.pk), encoder.encode(data or {}))
            for obj, data in entries
        ),
    )
