"""Reports > Stock on hand and Reports > Stock movements: what is on the shelves (quantity, unit,
recorded value, valuation method) and what moved in a period, narrowed by fund, item and kind
of movement; exported with numbers and dates; refused without the stock permissions."""

from decimal import Decimal

import pytest
from django.utils import timezone

from care.models import StockMovement
from reporting.reports.stock import VALUATION_METHOD, StockMovementsReport, StockOnHandReport
from staff.services import roles_sync
from tests.care.stock_helpers import goods_gift, item
from tests.support.roles import role_client

from .conftest import days_ago
from .report_helpers import ANY_TIME, assert_refused, by_field, csv_rows, menu_shows, page_queries, vi, xlsx_rows

pytestmark = pytest.mark.django_db
ON_HAND = "/admin/reports/stock-on-hand/"
MOVEMENTS = "/admin/reports/stock-movements/"


@pytest.fixture
def manager():
    roles_sync()
    return role_client("Fund manager", "manager")[0]


def movements_period(**extra) -> dict:
    return {**ANY_TIME, "date_from": days_ago(200).isoformat(), "date_to": timezone.localdate().isoformat(), **extra}


def test_stock_on_hand_with_its_value_and_method(manager, built_ledger):
    response = manager.get(ON_HAND)
    assert response.status_code == 200
    lines = [
        (line.item.name, line.item.unit, line.restriction, line.quantity, line.value)
        for line in response.context["object_list"]
    ]
    # 10 kg of rice, one found missing at the count; 100 notebooks, 20 handed over.
    assert lines == [
        ("Gạo", "kg", "in_kind", Decimal("9.000"), Decimal("360000.00")),
        ("Vở", "quyển", "supplies", Decimal("80.000"), Decimal("400000.00")),
    ]
    ((_label, totals),) = response.context["totals"]
    assert [(t["currency"], t["amount"]) for t in totals] == [("VND", Decimal("760000.00"))]
    assert vi(VALUATION_METHOD) in response.content.decode()

    rice = manager.get(ON_HAND, {"item": item("Gạo", "kg").pk, "fund": "", "restriction": ""}).context
    assert [line.item.name for line in rice["object_list"]] == ["Gạo"]
    supplies = manager.get(ON_HAND, {"restriction": "supplies"}).context["object_list"]
    assert [line.item.name for line in supplies] == ["Vở"]


def test_stock_on_hand_exports(manager, built_ledger):
    rows = by_field(csv_rows(manager, ON_HAND, {}), StockOnHandReport)
    assert [(r["item.name"], r["item.unit"], r["quantity"], r["value"], r["fund.currency"]) for r in rows] == [
        ("Gạo", "kg", "9.000", "360000.00", "VND"),
        ("Vở", "quyển", "80.000", "400000.00", "VND"),
    ]
    assert {r["valuation_method"] for r in rows} == {vi(VALUATION_METHOD)}
    sheet = by_field(xlsx_rows(manager, ON_HAND, {}), StockOnHandReport)
    assert [(r["quantity"], r["value"]) for r in sheet] == [(9, 360_000), (80, 400_000)]
    assert all(isinstance(r["value"], int | float) for r in sheet)


def test_movements_of_a_period_narrowed_by_item_and_kind(manager, built_ledger):
    response = manager.get(MOVEMENTS, movements_period())
    moved = [(m.item.name, m.kind, m.quantity, m.value.amount) for m in response.context["object_list"]]
    assert moved == [
        ("Gạo", "adjustment", Decimal("-1.000"), Decimal("-40000.00")),
        ("Vở", "issue", Decimal("-20.000"), Decimal("-100000.00")),
        ("Vở", "intake", Decimal("100.000"), Decimal("500000.00")),
        ("Gạo", "intake", Decimal("10.000"), Decimal("400000.00")),
    ]

    def kinds(**params):
        return [
            (m.item.name, m.kind) for m in manager.get(MOVEMENTS, movements_period(**params)).context["object_list"]
        ]

    assert kinds(kind="intake") == [("Vở", "intake"), ("Gạo", "intake")]
    assert kinds(kind="issue") == [("Vở", "issue")]
    assert kinds(item=item("Gạo", "kg").pk) == [("Gạo", "adjustment"), ("Gạo", "intake")]
    assert kinds(date_from=days_ago(60).isoformat()) == [("Gạo", "adjustment"), ("Vở", "issue")]
    assert kinds(**{**ANY_TIME, "period": "this_month"}) == [
        (m.item.name, m.kind)
        for m in StockMovement.objects.filter(date__gte=timezone.localdate().replace(day=1)).order_by("-date")
    ]


def test_movements_export(manager, built_ledger):
    rows = by_field(csv_rows(manager, MOVEMENTS, movements_period()), StockMovementsReport)
    assert rows[0]["date"] == days_ago(40).isoformat()
    assert (rows[0]["quantity"], rows[0]["value.amount"], rows[0]["value_currency"]) == ("-1.000", "-40000.00", "VND")
    assert rows[0]["get_kind_display"] == vi(StockMovement.Kind.ADJUSTMENT.label)
    sheet = by_field(xlsx_rows(manager, MOVEMENTS, movements_period(kind="issue")), StockMovementsReport)
    assert [(r["date"], r["quantity"], r["value.amount"]) for r in sheet] == [(days_ago(50), -20, -100_000)]


def test_roles_without_stock_are_refused_and_see_no_menu_item(built_ledger):
    roles_sync()
    client = role_client("Content editor", "editor")[0]
    for url in (ON_HAND, MOVEMENTS):
        assert_refused(client, url)
        assert not menu_shows(client, url)
    for role in ("Fund accountant", "Case worker", "Auditor"):
        client = role_client(role, role.replace(" ", "_").lower())[0]
        for url in (ON_HAND, MOVEMENTS):
            assert client.get(url).status_code == 200 and menu_shows(client, url), (role, url)


def test_the_pages_cost_the_same_queries_for_3_or_30_lines(manager, fund, donor, django_assert_max_num_queries):
    def add(start, count):
        lines = [(f"Item {n}", 2, "box", 1000) for n in range(start, start + count)]
        goods_gift(fund, donor, *lines)

    add(0, 3)
    few = {url: page_queries(manager, url, ANY_TIME) for url in (ON_HAND, MOVEMENTS)}
    add(3, 27)
    for url in (ON_HAND, MOVEMENTS):
        with django_assert_max_num_queries(few[url]):
            response = manager.get(url, ANY_TIME)
        assert len(response.context["object_list"]) == 30, url
