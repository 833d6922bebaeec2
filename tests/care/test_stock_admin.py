"""The stock screens through the client with the real roles: a case worker takes goods in,
proposes them for a child and hands them over after a manager's approval; the report and its
export show the goods gone; a count is recorded by one person and approved by another."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from care.models import Allocation, GoodsHandover, IntakeRecord, StockCount, StockLine
from care.selectors import stock_report
from tests.support.evidence import handover_attach
from tests.support.roles import role_client

from .stock_helpers import goods_gift, vnd

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(db):
    from staff.services import roles_sync

    roles_sync()
    return {
        "case_worker": role_client("Case worker", "cw"),
        "manager": role_client("Fund manager", "fm"),
        "accountant": role_client("Fund accountant", "fa"),
        "auditor": role_client("Auditor", "au"),
    }


def lines_data(rows, fields):
    data = {"lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0"}
    for number, row in enumerate(rows):
        for name, value in zip(fields, row, strict=True):
            data[f"lines-{number}-{name}"] = value
    return data


def test_intake_then_goods_to_a_child_through_the_screens(people, fund, donor, child):
    case_worker, cw_user = people["case_worker"]
    manager, _ = people["manager"]
    response = case_worker.post(
        "/admin/care/intake/",
        {
            "fund": fund.pk,
            "donor": donor.pk,
            "kind": "in_kind",
            "condition": "new",
            "delivered_by": "Công ty giao hàng",
            **lines_data(
                [["", "Gạo tẻ", "kg", "50", "1000000"], ["", "", "", "", ""]],
                ["item", "description", "unit", "quantity", "fair_value"],
            ),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert IntakeRecord.objects.get().received_by == cw_user
    line = StockLine.objects.get()

    response = case_worker.post(
        "/admin/care/allocations/propose-goods/",
        {
            "beneficiary": child.pk,
            "fund": fund.pk,
            "kind": "in_kind",
            "purpose": "Rice for the family",
            **lines_data([[str(line.pk), "20"]], ["stock_line", "quantity"]),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    allocation = Allocation.objects.get()
    assert manager.post(f"/admin/care/allocations/approve/{allocation.pk}/").status_code == 302
    inspect = case_worker.get(f"/admin/care/allocations/inspect/{allocation.pk}/").content.decode()
    assert f"/admin/care/allocations/issue/{allocation.pk}/" in inspect
    assert f"/admin/care/allocations/disburse/{allocation.pk}/" not in inspect
    handover_attach(allocation)
    response = case_worker.post(
        f"/admin/care/allocations/issue/{allocation.pk}/",
        {"handed_over_on": timezone.localdate().isoformat(), "recipient": "guardian", "recipient_name": "Bà Demo"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    allocation.refresh_from_db()
    assert allocation.status == "disbursed" and GoodsHandover.objects.get().recipient == "guardian"

    report = stock_report().get()
    assert (report.quantity, report.value) == (Decimal("30"), Decimal("600000"))
    auditor, _ = people["auditor"]
    listing = auditor.get("/admin/care/stock/").content.decode()
    assert "Gạo tẻ" in listing and "600.000" in listing.replace(",", ".")
    export = b"".join(auditor.get("/admin/care/stock/?export=csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(export)))
    assert rows[1][1:] == ["Gạo tẻ (kg)", "kg", "in_kind", "30.000", "0", "600000.00", "VND"]
    # The guardian's name is for case-file readers only.
    accountant, _ = people["accountant"]
    assert "Bà Demo" not in accountant.get(f"/admin/care/allocations/inspect/{allocation.pk}/").content.decode()


def test_a_refusal_shows_on_the_form_and_writes_nothing(people, fund, donor, child):
    case_worker, _ = people["case_worker"]
    goods_gift(fund, donor, ("Gạo", 10, "kg", 200_000))
    line = StockLine.objects.get()
    response = case_worker.post(
        "/admin/care/allocations/propose-goods/",
        {
            "beneficiary": child.pk,
            "fund": fund.pk,
            "kind": "in_kind",
            "purpose": "Rice",
            **lines_data([[str(line.pk), "11"]], ["stock_line", "quantity"]),
        },
    )
    assert response.status_code == 200
    assert "Kho của quỹ CPF chỉ còn trống 10 kg Gạo" in response.content.decode()  # the admin speaks Vietnamese
    assert not Allocation.objects.exists()


def test_a_count_recorded_by_one_and_approved_by_another(people, fund, donor):
    case_worker, _ = people["case_worker"]
    manager, _ = people["manager"]
    goods_gift(fund, donor, ("Gạo", 10, "kg", 200_000))
    line = StockLine.objects.get()
    response = case_worker.post(
        "/admin/care/stock-counts/record/",
        {
            "fund": fund.pk,
            "counted_on": timezone.localdate().isoformat(),
            **lines_data([[str(line.pk), "9"]], ["stock_line", "counted"]),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    count = StockCount.objects.get()
    assert case_worker.get(f"/admin/care/stock-counts/approve/{count.pk}/").status_code != 200
    inspect = manager.get(f"/admin/care/stock-counts/inspect/{count.pk}/").content.decode()
    assert f"/admin/care/stock-counts/approve/{count.pk}/" in inspect
    assert manager.post(f"/admin/care/stock-counts/approve/{count.pk}/").status_code == 302
    count.refresh_from_db()
    assert count.status == "approved" and count.posting is not None
    assert stock_report().get().value == Decimal("180000")
    assert vnd(180_000).amount == Decimal("180000")
