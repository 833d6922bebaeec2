"""The scholarship screens with the real roles: a case worker awards a scholarship with its
schedule, confirms a term's enrolment (proposing its allocation), a fund manager approves it on
the allocation screen, the case worker pays it and records the school's acknowledgement, then
renews the award; refusals show on the form and write nothing; the listing filters and exports
without names."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from care.models import Allocation, ScholarshipAward, ScholarshipTerm
from staff.services import roles_sync
from tests.support.evidence import pdf_bytes
from tests.support.roles import role_only_client

pytestmark = pytest.mark.django_db

URL = "/admin/care/scholarships/"


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def letter() -> SimpleUploadedFile:
    """The school's enrolment letter, scanned."""
    return SimpleUploadedFile("giay-xac-nhan.pdf", pdf_bytes("Giay xac nhan nhap hoc"), content_type="application/pdf")


@pytest.fixture
def people(db):
    roles_sync()
    return {
        "case_worker": role_only_client("Case worker", "cw"),
        "manager": role_only_client("Fund manager", "fm"),
        "accountant": role_only_client("Fund accountant", "fa"),
    }


def award_form(child, fund, **changes):
    data = {
        "beneficiary": child.pk,
        "fund": fund.pk,
        "school_year": "2026-2027",
        "year_starts_on": "2026-09-05",
        "year_ends_on": "2027-05-31",
        "school": "Trường Tiểu học Hòa Bình",
        "level": "primary",
        "payee": "school",
        "amount_per_term": "1500000",
        "total": "3000000",
        "term_1_due": "2026-09-05",
        "term_2_due": "2027-01-15",
    }
    return {**data, **changes}


def test_from_award_to_acknowledgement_and_renewal_on_screen(people, funded, child):
    case_worker, manager = people["case_worker"], people["manager"]
    assert f"{URL}create/" in case_worker.get(URL).content.decode()
    response = case_worker.post(f"{URL}create/", award_form(child, funded))
    assert response.status_code == 302, response.content.decode()[:3000]
    award = ScholarshipAward.objects.get()
    assert [t.due_on for t in award.terms.all()] == [datetime.date(2026, 9, 5), datetime.date(2027, 1, 15)]
    first = award.terms.get(number=1)

    inspect = case_worker.get(f"{URL}inspect/{award.pk}/").content.decode()
    assert f"{URL}terms/confirm/{first.pk}/" in inspect and "Demo Bé Một" in inspect
    today = timezone.localdate().isoformat()
    # Without the school's letter the term is not released.
    response = case_worker.post(
        f"{URL}terms/confirm/{first.pk}/", {"confirmed_on": today, "reference": "Giấy xác nhận số 118"}
    )
    assert response.status_code == 200 and first.allocation_id is None
    assert not Allocation.objects.exists()
    response = case_worker.post(
        f"{URL}terms/confirm/{first.pk}/",
        {"confirmed_on": today, "reference": "Giấy xác nhận số 118", "file": letter()},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    first.refresh_from_db()
    allocation = first.allocation
    assert (allocation.kind, allocation.status) == ("scholarship", "proposed")

    # The fund manager approves on the allocation's own screen, as any allocation.
    assert manager.post(f"/admin/care/allocations/approve/{allocation.pk}/").status_code == 302
    manager_view = manager.get(f"{URL}inspect/{award.pk}/").content.decode()
    assert "Demo Bé Một" not in manager_view and "TE-0001" not in manager_view
    assert ScholarshipTerm.objects.get(pk=first.pk).status == "approved"

    response = case_worker.post(f"{URL}terms/pay/{first.pk}/", {"paid_on": today})
    assert response.status_code == 302, response.content.decode()[:3000]
    first = ScholarshipTerm.objects.get(pk=first.pk)
    assert first.status == "paid" and first.allocation.method == "bank_transfer_school"
    response = case_worker.post(
        f"{URL}terms/acknowledge/{first.pk}/", {"acknowledged_on": today, "acknowledged_by": "School accountant"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ScholarshipTerm.objects.get(pk=first.pk).status == "acknowledged"

    # Who paid it: the fund's scholarship gift, shown with a link to those who see gifts.
    gift = funded.donations.get(kind="scholarship")
    accountant_view = people["accountant"].get(f"{URL}inspect/{award.pk}/").content.decode()
    assert gift.reference in accountant_view and f"/inspect/{gift.pk}/" in accountant_view

    renew_form = case_worker.get(f"{URL}renew/{award.pk}/").content.decode()
    assert 'value="2027-2028"' in renew_form  # a year later, for the case worker to correct
    response = case_worker.post(
        f"{URL}renew/{award.pk}/",
        {
            **award_form(child, funded, school_year="2027-2028", level="lower_secondary"),
            "year_starts_on": "2027-09-05",
            "year_ends_on": "2028-05-31",
            "term_1_due": "2027-09-05",
            "term_2_due": "2028-01-15",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    award.refresh_from_db()
    assert award.status == "renewed" and award.renewed_as.level == "lower_secondary"
    history = set(ModelLogEntry.objects.filter(object_id=str(award.pk)).values_list("action", flat=True))
    assert history == {
        "care.scholarship_create",
        "care.scholarship_enrolment_confirm",
        "care.scholarship_pay",
        "care.scholarship_acknowledge",
        "care.scholarship_renew",
    }
    assert case_worker.get(f"{URL}history/{award.pk}/").status_code == 200


def test_a_schedule_that_does_not_add_up_is_refused_on_the_form(people, funded, child):
    case_worker = people["case_worker"]
    translation.activate("vi")
    response = case_worker.post(f"{URL}create/", award_form(child, funded, total="3500000"))
    assert response.status_code == 200
    assert "không khớp" in response.content.decode()  # the admin speaks Vietnamese
    response = case_worker.post(f"{URL}create/", award_form(child, funded, term_2_due="2027-07-01"))
    assert response.status_code == 200
    assert "ngoài năm học" in response.content.decode()
    response = case_worker.post(f"{URL}create/", award_form(child, funded, term_2_due="", term_3_due="2027-03-01"))
    assert response.status_code == 200
    assert not ScholarshipAward.objects.exists()


def test_ending_on_screen_and_a_second_confirmation_refused(people, funded, child):
    case_worker = people["case_worker"]
    case_worker.post(f"{URL}create/", award_form(child, funded))
    award = ScholarshipAward.objects.get()
    term = award.terms.get(number=1)
    today = timezone.localdate().isoformat()
    case_worker.post(f"{URL}terms/confirm/{term.pk}/", {"confirmed_on": today, "reference": "118", "file": letter()})
    response = case_worker.post(
        f"{URL}terms/confirm/{term.pk}/", {"confirmed_on": today, "reference": "119", "file": letter()}
    )
    assert response.status_code == 200
    assert Allocation.objects.count() == 1
    response = case_worker.post(f"{URL}end/{award.pk}/", {"reason": "Moved to another province"})
    assert response.status_code == 302, response.content.decode()[:3000]
    award.refresh_from_db()
    assert award.status == "ended"
    assert Allocation.objects.get().status == "cancelled"


def test_the_listing_filters_and_exports_without_names(people, funded, child):
    case_worker, accountant = people["case_worker"], people["accountant"]
    case_worker.post(f"{URL}create/", award_form(child, funded))
    case_worker.post(
        f"{URL}create/",
        award_form(
            child,
            funded,
            school_year="2025-2026",
            year_starts_on="2025-09-05",
            year_ends_on="2026-05-31",
            term_1_due="2025-09-05",
            term_2_due="2026-01-15",
        ),
    )
    assert ScholarshipAward.objects.count() == 2
    listing = accountant.get(f"{URL}?school_year=2025-2026").content.decode()
    (older,) = ScholarshipAward.objects.filter(school_year="2025-2026")
    assert f"{URL}inspect/{older.pk}/" in listing
    assert f"{URL}inspect/{older.pk + 1}/" not in listing and "TE-0001" not in listing
    for client in (case_worker, accountant):
        export = b"".join(client.get(f"{URL}?export=csv").streaming_content).decode()
        assert "TE-0001" not in export and "Demo Bé" not in export and "Hòa Bình" in export
