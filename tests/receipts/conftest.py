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
