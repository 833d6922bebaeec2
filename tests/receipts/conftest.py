import pytest
from django.utils import timezone

from donors.services import donor_create
from fund.services import donation_record


@pytest.fixture
def consenting_donor(db):
    return donor_create(
        kind="person",
        name="Nguyễn Thị Hồng Nhung",
        email="nhung@example.org",
        preferred_language="vi",
        consent_receipts_by_email=True,
    )


@pytest.fixture
def received_gift(fund, consenting_donor, django_capture_on_commit_callbacks):
    """A cash gift received now, with its on-commit work (the receipt's issue) run."""
    with django_capture_on_commit_callbacks(execute=True):
        return donation_record(
            fund=fund,
            donor=consenting_donor,
            kind="cash",
            channel="cash",
            amount="1900000000",
            received_at=timezone.now(),
        )


@pytest.fixture(autouse=True)
def _admin_in_english(request):
    """The back office speaks each user's chosen language (Vietnamese by default); these tests
    read its English wording, so the admin user chooses English. tests/test_translations.py
    covers the Vietnamese."""
    if "admin_client" not in request.fixturenames:
        return
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(request.getfixturevalue("admin_user"))
    profile.preferred_language = "en"
    profile.save()
