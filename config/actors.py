"""Who did it: the signed-in user a service records as the one who acted."""

from __future__ import annotations

from typing import Any


def actor_user(actor: Any) -> Any:
    """The actor when it is a signed-in user, else None. Services are called by views (with a
    user, or an AnonymousUser on public pages), tasks, webhooks and commands (with None), and
    record a foreign key to a user only for the first."""
    return actor if getattr(actor, "is_authenticated", False) else None
