"""The admin home page per role (reporting/dashboard.py): each role sees only its panels, and
each panel lists what it says, in the order it says."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from djmoney.money import Money

from care.services import allocation_approve, allocation_propose
from fund.selectors import fund_available, fund_balance
from fund.services import donation_record, fund_update, ledger_check_run
from payments.models import BankStatement, BankTransaction
from receipts.models import ReceiptDelivery
from receipts.services.receipts import receipt_issue
from reporting.dashboard import PANELS
from staff.services import roles_sync
from tests.care.conftest import child as child  # noqa: F401 (a fixture)
from tests.care.conftest import give
from tests.care.test_scholarships import award_for
from tests.support.roles import role_client, role_user

ALL = {panel.name for panel in PANELS}
PANELS_BY_ROLE = {
    "Administrator": ALL,
    "Fund accountant": {
        "bank_lines_to_review",
        "receipts_failed",
        "pledges_awaiting",
        "fund_positions",
        "gifts_this_month",
        "ledger_check",
    },
    "Case worker": {"enrolments_awaited", "allocations_to_disburse"},
    "Fund manager": {"allocations_to_approve", "fund_positions", "gifts_this_month", "ledger_check"},
    "Content editor": set(),
    "Auditor": {"fund_positions", "gifts_this_month", "ledger_check"},
}


@pytest.fixture(autouse=True)
def _roles(db):
    roles_sync()


def panels_on_home(client) -> set[str]:
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    return {name for name in ALL if f'id="dashboard-{name}-section"' in html}


@pytest.mark.parametrize("role", sorted(PANELS_BY_ROLE))
def test_each_role_sees_only_its_panels(role, fund, donor):
    give(fund, donor, 1_000_000)
    client, _ = role_client(role, "someone")
    assert panels_on_home(client) == PANELS_BY_ROLE[role]


def test_the_home_page_reads_a_bounded_number_of_queries(fund, donor, django_assert_max_num_queries):
    client, _ = role_client("Administrator", "admin-q")
    for _ in range(3):
        give(fund, donor, 100_000)
    client.get("/admin/")  # warm caches (site, permissions)
    with django_assert_max_num_queries(60) as few:
        client.get("/admin/")
    for _ in range(20):
        give(fund, donor, 100_000)
        donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="50000")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/admin/")


def _manager(username):
    return role_user("Fund manager", username)


def test_allocations_awaiting_approval_leave_out_my_own_and_those_i_approved(fund, donor, child):
    give(fund, donor, 20_000_000)
    fund_update(
        fund=fund,
        name=fund.name,
        restricted_purpose=fund.restricted_purpose,
        is_active=True,
        second_approval_above=Decimal(5_000_000),
    )
    proposer, first, second = role_user("Case worker", "cw"), _manager("mgr1"), _manager("mgr2")
    small = allocation_propose(
        beneficiary=child, fund=fund, kind="cash", amount="1000000", purpose="Food", actor=proposer
    )
    large = allocation_propose(
        beneficiary=child, fund=fund, kind="cash", amount="6000000", purpose="Surgery", actor=proposer
    )
    allocation_approve(allocation=large, actor=first)  # needs a second approver now

    client = role_client("Fund manager", "viewer")[0]
    client.force_login(first)
    html = client.get("/admin/").content.decode()
    assert f"/admin/care/allocations/approve/{small.pk}/" in html
    assert f"/admin/care/allocations/approve/{large.pk}/" not in html

    client.force_login(second)
    html = client.get("/admin/").content.decode()
    assert f"/admin/care/allocations/approve/{small.pk}/" in html
    assert f"/admin/care/allocations/approve/{large.pk}/" in html
    # No person in care on the home page: a fund manager never opens case files.
    assert child.full_name not in html and child.case_number not in html


def test_pledges_awaiting_show_late_ones_first(fund, donor, settings):
    settings.PLEDGE_LATE_AFTER_DAYS = 14
    today = timezone.localdate()

    def pledge(expected_on=None, days_old=0):
        gift = donation_record(
            fund=fund,
            donor=donor,
            kind="in_kind" if expected_on else "cash",
            channel="in_kind_delivery" if expected_on else "bank_transfer",
            amount=None if expected_on else "300000",
            lines=[{"description": "Sữa", "quantity": "10", "unit": "hộp", "fair_value": "200000"}]
            if expected_on
            else None,
            expected_on=expected_on,
        )
        if days_old:
            type(gift).objects.filter(pk=gift.pk).update(pledged_at=timezone.now() - datetime.timedelta(days=days_old))
        return gift

    due_later = pledge(expected_on=today + datetime.timedelta(days=10))
    fresh = pledge(days_old=2)
    overdue = pledge(expected_on=today - datetime.timedelta(days=3), days_old=30)
    old_undated = pledge(days_old=20)

    client, _ = role_client("Fund accountant", "acc")
    html = client.get("/admin/").content.decode()
    panel = html[html.index('id="dashboard-pledges_awaiting-section"') :]
    positions = [panel.index(gift.reference) for gift in (overdue, old_undated, due_later, fresh)]
    assert positions == sorted(positions)
    assert panel[: panel.index(due_later.reference)].count('w-status--primary">') >= 2  # the two late ones say so


def test_receipts_that_failed_and_were_not_resent_are_listed(fund, donor):
    failed, resent = (receipt_issue(donation_id=give(fund, donor, amount).pk) for amount in (100_000, 200_000))
    ReceiptDelivery.objects.create(receipt=failed, to_email="a@example.org", status="failed", attempts=20)
    ReceiptDelivery.objects.create(receipt=resent, to_email="a@example.org", status="failed", attempts=20)
    ReceiptDelivery.objects.create(
        receipt=resent,
        to_email="b@example.org",
        status="sent",
        queued_at=timezone.now() + datetime.timedelta(seconds=1),
        sent_at=timezone.now() + datetime.timedelta(seconds=2),
    )
    html = role_client("Fund accountant", "acc")[0].get("/admin/").content.decode()
    panel = html[html.index('id="dashboard-receipts_failed-section"') :]
    panel = panel[: panel.index("</section>")]
    assert failed.number in panel and resent.number not in panel


def test_bank_lines_to_review_are_counted_and_listed(fund):
    statement = BankStatement.objects.create(filename="vcb.xlsx", sha256="0" * 64, line_count=3)
    for number, status in enumerate(("review", "review", "ignored")):
        BankTransaction.objects.create(
            statement=statement,
            fingerprint=f"{number:064d}",
            booked_on=timezone.localdate(),
            amount=Money(100_000 * (number + 1), "VND"),
            description=f"CK UNG HO LINE{number}",
            status=status,
        )
    html = role_client("Fund accountant", "acc")[0].get("/admin/").content.decode()
    panel = html[html.index('id="dashboard-bank_lines_to_review-section"') :]
    panel = panel[: panel.index("</section>")]
    assert "LINE0" in panel and "LINE1" in panel and "LINE2" not in panel


def test_fund_positions_are_the_ledger_balance_and_restricted_money(fund, donor):
    give(fund, donor, 3_000_000)
    give(fund, donor, 5_000_000, kind="scholarship")
    from reporting.dashboard import FundPositionsPanel

    request = type("Request", (), {"user": role_user("Auditor", "aud")})()
    (position,) = FundPositionsPanel(request).data()["positions"]
    assert position.balance == fund_balance(fund)
    assert position.balance.total == Money(8_000_000, "VND")
    assert position.restricted == fund_available(fund).scholarship_restricted == Money(5_000_000, "VND")


def test_gifts_this_month_count_and_sum_received_gifts_only(fund, donor):
    give(fund, donor, 1_000_000)
    give(fund, donor, 250_000)
    donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="9000000")  # a pledge
    from reporting.dashboard import GiftsThisMonthPanel

    request = type("Request", (), {"user": role_user("Auditor", "aud")})()
    (gifts,) = GiftsThisMonthPanel(request).data()["funds"]
    assert (gifts.count, gifts.totals) == (2, (Money(1_250_000, "VND"),))


def test_the_ledger_check_panel_says_never_checked_then_passed(fund, donor):
    client, _ = role_client("Auditor", "aud")
    from reporting.dashboard import LedgerCheckPanel

    request = type("Request", (), {"user": role_user("Auditor", "aud2")})()
    assert LedgerCheckPanel(request).data() == {"check": None, "stale": True}
    give(fund, donor, 1_000_000)
    check = ledger_check_run()
    data = LedgerCheckPanel(request).data()
    assert (data["check"].pk, data["check"].ok, data["stale"]) == (check.pk, True, False)
    html = client.get("/admin/").content.decode()
    assert 'id="dashboard-ledger_check-section"' in html


def test_terms_awaiting_enrolment_within_thirty_days(fund, donor, child):
    give(fund, donor, 10_000_000, kind="scholarship")
    case_worker = role_user("Case worker", "cw")
    today = timezone.localdate()
    soon, later = today - datetime.timedelta(days=5), today + datetime.timedelta(days=60)
    award = award_for(
        child,
        fund,
        case_worker,
        due=[soon, later],
        year_starts_on=today - datetime.timedelta(days=30),
        year_ends_on=today + datetime.timedelta(days=200),
    )
    first, second = award.terms.order_by("number")
    html = role_client("Case worker", "cw2")[0].get("/admin/").content.decode()
    panel = html[html.index('id="dashboard-enrolments_awaited-section"') :]
    panel = panel[: panel.index("</section>")]
    assert f"/admin/care/scholarships/terms/confirm/{first.pk}/" in panel
    assert f"/admin/care/scholarships/terms/confirm/{second.pk}/" not in panel
