from typing import Any

from django.db import models

from config.actors import actor_user

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
