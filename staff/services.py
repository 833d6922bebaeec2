"""Writes for staff accounts: making the permission groups equal the roles in staff/roles.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from audit.services import audit_record

from .errors import RoleDefinitionError
from .roles import ROLES, Role


@dataclass
class GroupChange:
    created: bool = False
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or bool(self.added or self.removed)


@dataclass
class RolesSyncSummary:
    groups: dict[str, GroupChange] = field(default_factory=dict)
    # Groups that are not roles (Wagtail's Editors and Moderators, an install's own): left alone,
    # but named, since anyone in them keeps what they grant.
    other_groups: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(change.changed for change in self.groups.values())


def _name(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def _permissions(names: Iterable[str], *, role: Role) -> dict[str, Permission]:
    """The Permission rows for "app_label.codename" names; every unknown name at once, loudly."""
    wanted = set(names)
    by_name = {
        _name(permission): permission
        for permission in Permission.objects.select_related("content_type").filter(
            codename__in={name.partition(".")[2] for name in wanted}
        )
    }
    missing = sorted(wanted - by_name.keys())
    if missing:
        raise RoleDefinitionError(
            f"Role {role.name!r} names permissions this database does not have: {', '.join(missing)}. "
            "Run `manage.py migrate` first; if a permission was renamed, update staff/roles.py."
        )
    return {name: by_name[name] for name in wanted}


def _sync_model_permissions(group: Group, role: Role, change: GroupChange) -> None:
    if role.all_permissions:
        wanted = {_name(p): p for p in Permission.objects.select_related("content_type")}
    else:
        wanted = _permissions(role.model_permissions(), role=role)
    held = {_name(p): p for p in group.permissions.select_related("content_type")}
    added = sorted(wanted.keys() - held.keys())
    removed = sorted(held.keys() - wanted.keys())
    group.permissions.add(*(wanted[name] for name in added))
    group.permissions.remove(*(held[name] for name in removed))
    change.added += added
    change.removed += removed


def _sync_tree_permissions(
    group: Group, role: Role, change: GroupChange, *, model, node_field: str, root, names: tuple[str, ...], label: str
) -> None:
    """Wagtail's per-node grants (pages, collections): exactly ``names`` on the root, nothing elsewhere."""
    wanted = _permissions(names, role=role) if root is not None else {}
    rows = model.objects.filter(group=group).select_related("permission__content_type")
    kept: set[str] = set()
    for row in rows:
        name = _name(row.permission)
        if getattr(row, f"{node_field}_id") == getattr(root, "pk", None) and name in wanted and name not in kept:
            kept.add(name)
            continue
        row.delete()
        change.removed.append(f"{label}:{name}")
    for name in sorted(wanted.keys() - kept):
        model.objects.create(group=group, permission=wanted[name], **{node_field: root})
        change.added.append(f"{label}:{name}")


def roles_sync(*, stdout: TextIO | None = None, actor: Any = None) -> RolesSyncSummary:
    """Create or update the six role groups so each holds exactly its definition's permissions
    (extras, given by hand or left by an older definition, are removed). Idempotent: a second run
    changes nothing and writes no audit entry. Other groups are left alone.

    Raises RoleDefinitionError, writing nothing, when a role names a permission that does not exist.
    """
    summary = RolesSyncSummary()
    with transaction.atomic():
        root_page = Page.get_first_root_node()
        root_collection = Collection.get_first_root_node()
        first_changed: Group | None = None
        for role in ROLES:
            group, created = Group.objects.get_or_create(name=role.name)
            change = GroupChange(created=created)
            _sync_model_permissions(group, role, change)
            _sync_tree_permissions(
                group,
                role,
                change,
                model=GroupPagePermission,
                node_field="page",
                root=root_page,
                names=role.page_permissions,
                label="page",
            )
            _sync_tree_permissions(
                group,
                role,
                change,
                model=GroupCollectionPermission,
                node_field="collection",
                root=root_collection,
                names=role.collection_permissions,
                label="collection",
            )
            summary.groups[role.name] = change
            if change.changed and first_changed is None:
                first_changed = group
        others = Group.objects.exclude(name__in=[role.name for role in ROLES]).order_by("name")
        summary.other_groups = list(others.values_list("name", flat=True))
        if first_changed is not None:
            # One service, one audit entry: filed under the first group that changed, naming all.
            audit_record(
                actor=actor,
                action="roles.sync",
                obj=first_changed,
                data={
                    name: {"created": c.created, "added": c.added, "removed": c.removed}
                    for name, c in summary.groups.items()
                    if c.changed
                },
            )
    _report(summary, stdout)
    return summary


def _report(summary: RolesSyncSummary, stdout: TextIO | None) -> None:
    if stdout is None:
        return
    if summary.other_groups:
        stdout.write(f"Groups that are not roles, left as they are: {', '.join(summary.other_groups)}.\n")
    if not summary.changed:
        stdout.write("Roles already in sync: nothing changed.\n")
        return
    for name, change in summary.groups.items():
        if not change.changed:
            stdout.write(f"{name}: unchanged.\n")
            continue
        verb = "created" if change.created else "updated"
        stdout.write(f"{name}: {verb}, {len(change.added)} permission(s) added, {len(change.removed)} removed.\n")
        for removed in change.removed:
            stdout.write(f"  removed {removed}\n")
