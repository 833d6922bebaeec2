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
        page = auditor.get("/admin/audit/trail/", query).content.decode()
        return re.sub(r"<select.*?</select>", "", page, flags=re.S)  # the action picker names every action

    by_action = listing(action="roles.sync")
    assert "roles.sync" in by_action and "donation.record" not in by_action
    by_search = listing(q="donation")
    assert "donation.record" in by_search and "roles.sync" not in by_search

    page = auditor.get(f"/admin/audit/trail/inspect/{entry.pk}/").content.decode()
    assert "Fund accountant" in page  # the entry's data names what changed
    assert "/admin/audit/trail/edit/" not in page and "/admin/audit/trail/delete/" not in page


def test_an_entry_about_a_person_in_care_shows_its_data_only_to_case_file_readers(auditor, client, django_user_model):
    admitted = AuditEntry.objects.create(
        action="beneficiary.admit",
        object_type="care.beneficiary",
        object_id="5",
        data={"case_number": "TE-MATRIX-01", "programme": "hiv"},
    )
    url = f"/admin/audit/trail/inspect/{admitted.pk}/"
    page = auditor.get(url).content.decode()
    assert "beneficiary.admit" in page and "TE-MATRIX-01" not in page
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    assert "TE-MATRIX-01" in client.get(url).content.decode()


def test_the_object_type_filter_finds_entries_from_before_a_model_moved_app(auditor):
    AuditEntry.objects.create(action="beneficiary.admit", object_type="fund.beneficiary", object_id="3")
    AuditEntry.objects.create(action="beneficiary_sensitive.read", object_type="care.beneficiary", object_id="3")
    page = auditor.get("/admin/audit/trail/", {"object_type": "care.beneficiary"}).content.decode()
    body = re.sub(r"<select.*?</select>", "", page, flags=re.S)
    assert "beneficiary.admit" in body and "beneficiary_sensitive.read" in body and "roles.sync" not in body
    assert 'value="fund.beneficiary"' not in page  # the picker offers today's label only
