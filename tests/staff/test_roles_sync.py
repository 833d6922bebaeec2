"""`manage.py roles_sync`: the six groups hold exactly their roles' permissions, every time."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from audit.models import AuditEntry
from staff.errors import RoleDefinitionError
from staff.roles import ROLES, ROLES_BY_NAME, Role
from staff.services import roles_sync

pytestmark = pytest.mark.django_db

SIX = {"Administrator", "Fund accountant", "Case worker", "Fund manager", "Content editor", "Auditor"}


def run() -> str:
    out = StringIO()
    call_command("roles_sync", stdout=out)
    return out.getvalue()


def held(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def tree_grants(group: Group) -> set[tuple[str, int, str]]:
    pages = {
        ("page", row.page_id, f"{row.permission.content_type.app_label}.{row.permission.codename}")
        for row in GroupPagePermission.objects.filter(group=group).select_related("permission__content_type")
    }
    collections = {
        ("collection", row.collection_id, f"{row.permission.content_type.app_label}.{row.permission.codename}")
        for row in GroupCollectionPermission.objects.filter(group=group).select_related("permission__content_type")
    }
    return pages | collections


def expected_tree_grants(role: Role) -> set[tuple[str, int, str]]:
    root_page = Page.get_first_root_node().pk
    root_collection = Collection.get_first_root_node().pk
    return {("page", root_page, name) for name in role.page_permissions} | {
        ("collection", root_collection, name) for name in role.collection_permissions
    }


def snapshot() -> dict:
    return {
        group.name: (held(group), tree_grants(group))
        for group in Group.objects.prefetch_related("permissions").order_by("name")
    }


def test_a_fresh_database_gets_the_six_groups_with_exactly_their_permissions():
    # Wagtail's migrations leave their own Editors and Moderators groups; roles_sync leaves them be.
    assert not Group.objects.filter(name__in=SIX).exists()
    output = run()

    assert set(Group.objects.filter(name__in=SIX).values_list("name", flat=True)) == SIX
    everything = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    for role in ROLES:
        group = Group.objects.get(name=role.name)
        if role.all_permissions:
            assert held(group) == everything
        else:
            assert held(group) == {"wagtailadmin.access_admin", *role.permissions}, role.name
        assert tree_grants(group) == expected_tree_grants(role), role.name
        assert f"{role.name}: created" in output
    entry = AuditEntry.objects.get(action="roles.sync")
    assert set(entry.data) == SIX


def test_what_the_roadmap_refuses_is_not_held():
    run()
    accountant, case_worker, manager, editor, auditor = (
        held(Group.objects.get(name=name))
        for name in ("Fund accountant", "Case worker", "Fund manager", "Content editor", "Auditor")
    )
    assert not any(name.startswith("fund.") and "beneficiary" in name for name in accountant)
    assert not any(name.startswith(("donors.", "receipts.")) or "bank" in name for name in case_worker)
    assert not {"fund.add_donation", "fund.change_donation", "fund.change_posting"} & manager
    assert not any("beneficiary" in name for name in manager)
    assert {name.split(".")[0] for name in editor} == {"wagtailadmin", "wagtailimages", "wagtaildocs"}
    assert all(name.split(".")[1].startswith("view_") for name in auditor - {"wagtailadmin.access_admin"})
    assert not any("beneficiary" in name for name in auditor)
    # Closing a period is the accountant's; reopening one the administrator's alone.
    assert "fund.add_closedperiod" in accountant and not {"fund.add_closedperiod"} & (manager | auditor)
    assert not any("fund.reopen_closedperiod" in group for group in (accountant, case_worker, manager, editor, auditor))


def test_a_second_run_changes_nothing_and_says_so():
    run()
    before = snapshot()
    entries = AuditEntry.objects.count()

    output = run()

    assert snapshot() == before
    assert AuditEntry.objects.count() == entries
    assert "nothing changed" in output
    assert not roles_sync().changed


def test_permissions_given_by_hand_are_removed_and_missing_ones_restored():
    run()
    auditor = Group.objects.get(name="Auditor")
    editor = Group.objects.get(name="Content editor")
    change_donor = Permission.objects.get(content_type__app_label="donors", codename="change_donor")
    auditor.permissions.add(change_donor)
    auditor.permissions.remove(Permission.objects.get(codename="view_receipt"))
    other_page = Page.get_first_root_node().get_children().first() or Page.get_first_root_node()
    GroupPagePermission.objects.create(
        group=editor, page=other_page, permission=Permission.objects.get(codename="bulk_delete_page")
    )
    GroupPagePermission.objects.create(
        group=auditor, page=other_page, permission=Permission.objects.get(codename="change_page")
    )

    output = run()

    assert held(auditor) == {"wagtailadmin.access_admin", *ROLES_BY_NAME["Auditor"].permissions}
    assert tree_grants(auditor) == set()
    assert tree_grants(editor) == expected_tree_grants(ROLES_BY_NAME["Content editor"])
    assert "removed donors.change_donor" in output
    assert "removed page:wagtailcore.change_page" in output
    assert AuditEntry.objects.filter(action="roles.sync").count() == 2


def test_other_groups_are_left_alone():
    other = Group.objects.create(name="Volunteers")
    other.permissions.add(Permission.objects.get(codename="view_donor"))
    output = run()
    assert held(other) == {"donors.view_donor"}
    assert "left as they are: Editors, Moderators, Volunteers." in output


def test_an_unknown_permission_fails_loudly_and_writes_nothing(monkeypatch):
    renamed = Role(name="Auditor", permissions=("fund.view_donation", "fund.view_gift", "ledger.view_everything"))
    monkeypatch.setattr("staff.services.ROLES", (*ROLES[:-1], renamed))

    with pytest.raises(RoleDefinitionError, match="fund.view_gift, ledger.view_everything"):
        roles_sync()
    with pytest.raises(CommandError, match="update staff/roles.py"):
        run()
    assert not Group.objects.filter(name__in=SIX).exists()
    assert not AuditEntry.objects.exists()
