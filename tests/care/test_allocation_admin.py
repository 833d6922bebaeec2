"""The allocation screens, through the client with the real roles: a case worker proposes, a
fund manager approves (never their own), the case worker pays out; each step fills the
allocation's History tab; a fund manager sets the second-approval threshold on the fund."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from care.models import Allocation, Beneficiary
from staff.services import roles_sync
from tests.support.evidence import handover_attach, pdf_bytes
from tests.support.roles import role_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(db):
    roles_sync()
    return {
        "case_worker": role_client("Case worker", "cw"),
        "manager": role_client("Fund manager", "fm"),
        "manager2": role_client("Fund manager", "fm2"),
        "accountant": role_client("Fund accountant", "fa"),
    }


def post_propose(client, child, fund, amount="1000000", kind="cash"):
    return client.post(
        "/admin/care/allocations/propose/",
        {"beneficiary": child.pk, "fund": fund.pk, "kind": kind, "amount": amount, "purpose": "School uniform"},
    )


def test_propose_approve_disburse_through_the_screens(people, funded, child):
    case_worker, cw_user = people["case_worker"]
    manager, _ = people["manager"]
    response = post_propose(case_worker, child, funded)
    assert response.status_code == 302, response.content.decode()[:3000]
    allocation = Allocation.objects.get()
    assert (allocation.status, allocation.proposed_by, allocation.amount.amount) == (
        "proposed",
        cw_user,
        Decimal("1000000"),
    )

    inspect = manager.get(f"/admin/care/allocations/inspect/{allocation.pk}/").content.decode()
    assert f"/admin/care/allocations/approve/{allocation.pk}/" in inspect
    assert manager.post(f"/admin/care/allocations/approve/{allocation.pk}/").status_code == 302
    allocation.refresh_from_db()
    assert allocation.status == "approved"

    # No payment before a handover is on file; the case worker attaches the signed receipt.
    paid_on = {"disbursed_on": timezone.localdate().isoformat(), "method": "bank_transfer_school"}
    refused = case_worker.post(f"/admin/care/allocations/disburse/{allocation.pk}/", paid_on)
    assert refused.status_code == 200 and "biên bản bàn giao" in refused.content.decode()
    response = case_worker.post(
        f"/admin/care/evidence/attach/allocation/{allocation.pk}/",
        {"kind": "handover", "file": SimpleUploadedFile("bien-ban.pdf", pdf_bytes(), "application/pdf")},
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    response = case_worker.post(
        f"/admin/care/allocations/disburse/{allocation.pk}/",
        {"disbursed_on": timezone.localdate().isoformat(), "method": "bank_transfer_school"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    allocation.refresh_from_db()
    assert allocation.status == "disbursed" and allocation.posting.reference == f"allocation:{allocation.pk}"
    history = list(ModelLogEntry.objects.filter(object_id=str(allocation.pk)).values_list("action", flat=True))
    assert sorted(history) == [
        "care.allocation_approve",
        "care.allocation_disburse",
        "care.allocation_propose",
        "care.evidence_attach",
    ]
    assert case_worker.get(f"/admin/care/allocations/history/{allocation.pk}/").status_code == 200


def test_the_proposer_cannot_approve_on_screen(people, funded, child):
    """A fund manager may propose too; the approval screen then refuses them, with the reason."""
    manager, _ = people["manager"]
    roles_sync()
    manager_user = User.objects.get(username="fm")
    manager_user.groups.add(Group.objects.get(name="Case worker"))
    assert post_propose(manager, child, funded).status_code == 302
    allocation = Allocation.objects.get()
    response = manager.post(f"/admin/care/allocations/approve/{allocation.pk}/")
    assert response.status_code == 200
    assert "người khác phải phê duyệt" in response.content.decode()  # the admin speaks Vietnamese
    allocation.refresh_from_db()
    assert allocation.status == "proposed" and not allocation.approvals.exists()


def test_a_case_worker_cannot_approve(people, funded, child):
    case_worker, _ = people["case_worker"]
    post_propose(case_worker, child, funded)
    allocation = Allocation.objects.get()
    response = case_worker.post(f"/admin/care/allocations/approve/{allocation.pk}/")
    assert response.status_code in (302, 403) and response.get("Location", "/admin/") == "/admin/"
    allocation.refresh_from_db()
    assert allocation.status == "proposed"


def test_a_refusal_shows_on_the_form_and_writes_nothing(people, funded, child):
    case_worker, _ = people["case_worker"]
    manager, _ = people["manager"]
    post_propose(case_worker, child, funded, amount="4000000")  # more than the 3.500.000 ₫ unrestricted
    allocation = Allocation.objects.get()
    response = manager.post(f"/admin/care/allocations/approve/{allocation.pk}/")
    assert response.status_code == 200
    assert "được giữ cho học bổng" in response.content.decode()  # "… is kept for scholarships"
    allocation.refresh_from_db()
    assert allocation.status == "proposed"


def test_a_threshold_on_the_fund_asks_for_a_second_approver(people, funded, child):
    case_worker, _ = people["case_worker"]
    manager, _ = people["manager"]
    manager2, _ = people["manager2"]
    response = manager.post(
        f"/admin/fund/funds/edit/{funded.pk}/",
        {"name": funded.name, "restricted_purpose": "", "is_active": "on", "second_approval_above": "500000"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    funded.refresh_from_db()
    assert funded.second_approval_above == Decimal("500000")
    post_propose(case_worker, child, funded)
    allocation = Allocation.objects.get()
    manager.post(f"/admin/care/allocations/approve/{allocation.pk}/")
    allocation.refresh_from_db()
    assert allocation.status == "proposed" and allocation.approvals.count() == 1
    manager2.post(f"/admin/care/allocations/approve/{allocation.pk}/")
    allocation.refresh_from_db()
    assert allocation.status == "approved"


def test_reject_cancel_and_reverse_on_screen(people, funded, child):
    case_worker, _ = people["case_worker"]
    manager, _ = people["manager"]
    accountant, _ = people["accountant"]
    for _ in range(3):
        post_propose(case_worker, child, funded, amount="100000")
    rejected, cancelled, paid = Allocation.objects.order_by("pk")
    assert manager.post(f"/admin/care/allocations/reject/{rejected.pk}/", {"reason": "Not needed"}).status_code == 302
    assert case_worker.post(f"/admin/care/allocations/cancel/{cancelled.pk}/", {"reason": "Twice"}).status_code == 302
    manager.post(f"/admin/care/allocations/approve/{paid.pk}/")
    handover_attach(paid)
    case_worker.post(
        f"/admin/care/allocations/disburse/{paid.pk}/",
        {"disbursed_on": timezone.localdate().isoformat(), "method": "bank_transfer_guardian"},
    )
    response = accountant.post(f"/admin/care/allocations/reverse/{paid.pk}/", {"reason": "Wrong account"})
    assert response.status_code == 302, response.content.decode()[:3000]
    statuses = list(Allocation.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["rejected", "cancelled", "reversed"]


def test_the_case_file_lists_the_support_given(people, funded, child):
    client, _ = people["case_worker"]
    post_propose(client, child, funded, amount="400000")
    manager, _ = people["manager"]
    allocation = Allocation.objects.get()
    assert manager.post(f"/admin/care/allocations/approve/{allocation.pk}/").status_code == 302
    html = client.get(f"/admin/care/people/inspect/{child.pk}/").content.decode()
    assert "School uniform" in html
    assert f"/admin/care/allocations/inspect/{allocation.pk}/" in html
    # The admin speaks the centre's language (Vietnamese) to a user who chose none.
    with translation.override("vi"):
        approved, orphan = str(Allocation.Status.APPROVED.label), str(Beneficiary.Programme.ORPHAN.label)
        no_scholarship = translation.gettext("No scholarship has been awarded to this person.")
        assert translation.gettext("Support given") in html
    assert approved in html
    assert no_scholarship in html
    # The programme reads as words wherever an allocation is shown, not as its code.
    inspect = client.get(f"/admin/care/allocations/inspect/{allocation.pk}/").content.decode()
    assert orphan in inspect
