"""The audit trail screen: the Auditor finds entries by action and object; nobody changes them."""

import re

import pytest
from django.contrib.auth.models import Group, User

from audit.models import AuditEntry
from staff.services import roles_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(client):
    roles_sync()  # writes the first entry: roles.sync
    user = User.objects.create_user("aud", "aud@example.org", "pw")
    user.groups.add(Group.objects.get(name="Auditor"))
    client.force_login(user)
    return client


def test_the_auditor_finds_entries_by_action_and_by_search(auditor):
    entry = AuditEntry.objects.get(action="roles.sync")
    AuditEntry.objects.create(action="donation.record", object_type="fund.donation", object_id="77")

    def listing(**query) -> str:
        page = auditor.get("/admin/audit-trail/", query).content.decode()
        return re.sub(r"<select.*?</select>", "", page, flags=re.S)  # the action picker names every action

    by_action = listing(action="roles.sync")
    assert "roles.sync" in by_action and "donation.record" not in by_action
    by_search = listing(q="donation")
    assert "donation.record" in by_search and "roles.sync" not in by_search

    page = auditor.get(f"/admin/audit-trail/inspect/{entry.pk}/").content.decode()
    assert "Fund accountant" in page  # the entry's data names what changed
    assert "/admin/audit-trail/edit/" not in page and "/admin/audit-trail/delete/" not in page
