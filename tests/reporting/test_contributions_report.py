"""The annual contributions report's figures (tests/reporting/conftest.py contributions_ledger):
each organisation by legal name, each shown name, one Anonymous line, the gifts refunded since
on a line of their own, totals equal to the year's fund statement, and the regime setting
changing the words, never the figures."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from djmoney.money import Money

from fund.selectors.contributions import KINDS, contributions_report
from fund.selectors.statements import fund_statement
from fund.services import donation_record
from reporting.contributions_regimes import regime_words

from .conftest import ANONYMOUS_DONORS, MINH_LEGAL_NAME, MINH_PUBLIC_NAME, NAMED_PERSON, SECOND_ORGANISATION

pytestmark = pytest.mark.django_db


def vnd(amount) -> Money:
    return Money(Decimal(amount), "VND")


def figures(line) -> dict:
    """{kind: (gifts, value)} for the kinds the line has gifts of."""
    return {figure.kind: (figure.gifts, figure.value.amount) for figure in line.by_kind if figure.gifts}


@pytest.fixture
def report(contributions_ledger, report_year):
    return contributions_report(fund=contributions_ledger, year=report_year)


def test_each_organisation_is_named_by_its_legal_name_with_its_figures(report, organisation):
    lines = {line.name: line for line in report.organisations}
    assert list(lines) == [organisation.name, SECOND_ORGANISATION]  # by name
    company = lines[organisation.name]
    assert company.tax_code == "0101234565" and company.donors == 1
    # The cash gift at 00:30 on 1 January is this year (it is still 31 December in UTC); last
    # year's at 23:30 on 31 December is not; the pledge and the other fund's gift never count.
    assert figures(company) == {"cash": (1, Decimal(5_000_000)), "supplies": (1, Decimal(500_000))}
    assert company.gifts == 2 and company.total == vnd(5_500_000)
    union = lines[SECOND_ORGANISATION]
    assert union.tax_code == "" and figures(union) == {"in_kind": (1, Decimal(400_000))}
    assert report.organisations_total == vnd(5_900_000)


def test_individuals_show_the_name_they_chose_and_anonymous_gifts_are_one_line(report):
    lines = {line.name: line for line in report.individuals}
    assert list(lines) == [MINH_PUBLIC_NAME, NAMED_PERSON]
    minh = lines[MINH_PUBLIC_NAME]
    assert figures(minh) == {"cash": (1, Decimal(200_000)), "scholarship": (1, Decimal(3_000_000))}
    assert minh.donors == 1 and minh.total == vnd(3_200_000)
    # Bình's refunded gift is not his: only the 100.000 the fund kept.
    assert figures(lines[NAMED_PERSON]) == {"cash": (1, Decimal(100_000))}

    anonymous = report.anonymous
    assert anonymous.name == "" and anonymous.key == "anonymous"
    # Demo (two gifts), Kín, and Minh's one anonymous gift.
    assert anonymous.donors == 3 and anonymous.gifts == 4
    assert figures(anonymous) == {"cash": (4, Decimal(1_500_000))}
    shown = {line.name for line in (*report.organisations, *report.individuals)}
    assert not shown & {*ANONYMOUS_DONORS, MINH_LEGAL_NAME}


def test_a_refunded_gift_is_on_its_own_line_and_the_refunds_are_shown_not_netted(report):
    assert report.refunded.name == "" and report.refunded.donors == 1
    assert figures(report.refunded) == {"cash": (1, Decimal(250_000))}
    # Recorded this year: this year's 250.000 and last year's 80.000.
    assert [(line.key, line.count, line.effect) for line in report.refunds] == [("cash", 2, vnd(-330_000))]
    assert report.grand_total == vnd(10_950_000)
    assert report.net_received == vnd(10_620_000)


def test_the_totals_are_the_fund_statements_receipts_of_the_year(report, contributions_ledger, report_year):
    totals = {figure.kind: (figure.gifts, figure.value.amount) for figure in report.totals_by_kind}
    assert totals == {
        "cash": (8, Decimal(7_050_000)),
        "in_kind": (1, Decimal(400_000)),
        "scholarship": (1, Decimal(3_000_000)),
        "supplies": (1, Decimal(500_000)),
    }
    assert report.gifts == 11
    statement = fund_statement(
        contributions_ledger,
        date_from=datetime.date(report_year, 1, 1),
        date_to=datetime.date(report_year, 12, 31),
    )
    assert report.grand_total == statement.receipts_total and report.gifts == statement.gifts
    assert [(line.key, line.gifts, line.value) for line in statement.receipts_by_kind] == [
        (figure.kind, figure.gifts, figure.value) for figure in report.totals_by_kind
    ]


def test_what_was_done_with_them_is_the_statements_use_and_balances(report):
    orphan = {line.key: line for line in report.allocations_by_programme}["orphan"]
    assert (orphan.allocations, orphan.people, orphan.value) == (1, 1, vnd(1_000_000))
    assert report.people_helped == 1 and report.allocations_total == vnd(1_000_000)
    # Last year 7.080.000 in, this year 10.950.000 in, 330.000 refunded, 1.000.000 paid out.
    assert report.closing.total == vnd(7_080_000 + 10_950_000 - 330_000 - 1_000_000)
    assert report.restricted.scholarship_restricted == vnd(3_000_000)


def test_last_years_report_holds_last_years_gifts(contributions_ledger, report_year, organisation):
    report = contributions_report(fund=contributions_ledger, year=report_year - 1)
    assert [(line.name, line.total) for line in report.organisations] == [(organisation.name, vnd(7_000_000))]
    assert report.individuals == () and report.anonymous.gifts == 0
    # Kín's gift came in last year and was refunded this year: last year's refunded line.
    assert figures(report.refunded) == {"cash": (1, Decimal(80_000))}
    assert report.refunds == () and report.grand_total == vnd(7_080_000)


def test_an_empty_year_is_a_report_of_zeros(fund):
    report = contributions_report(fund=fund, year=2001)
    assert report.organisations == () and report.gifts == 0
    assert report.grand_total == vnd(0) and [figure.kind for figure in report.totals_by_kind] == list(KINDS)


def test_many_donors_cost_no_more_queries(contributions_ledger, report_year):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            contributions_report(fund=contributions_ledger, year=report_year)
        return len(captured)

    before = queries()
    from donors.services import donor_create

    moment = min(
        timezone.make_aware(datetime.datetime(report_year, 1, 2, 8)), timezone.now() - datetime.timedelta(minutes=1)
    )
    for number in range(12):
        who = donor_create(kind="organisation" if number % 2 else "person", name=f"Donor {number:02d}")
        donation_record(
            fund=contributions_ledger,
            donor=who,
            kind="cash",
            channel="bank_transfer",
            amount="10000",
            is_anonymous=bool(number % 3),
            received_at=moment,
        )
    assert queries() == before
    report = contributions_report(fund=contributions_ledger, year=report_year)
    assert len(report.organisations) == 2 + 6


def test_the_regime_words_the_report_and_leaves_its_figures(report, settings):
    with translation.override("en"):
        settings.CONTRIBUTIONS_REPORT_REGIME = "decree-93"
        decree = regime_words(report.year)
        settings.CONTRIBUTIONS_REPORT_REGIME = "circular-87"
        circular = regime_words(report.year)
    assert "93/2019/ND-CP" in decree.legal_basis and "136/2024/ND-CP" in decree.legal_basis
    assert f"31 March {report.year + 1}" in decree.deadline
    assert "87/2008/TT-BTC" in circular.legal_basis and "Children's Protection Fund" in circular.title
    assert decree.title != circular.title and decree.deadline != circular.deadline


def test_an_unknown_regime_fails_the_system_check(settings):
    from reporting.contributions_regimes import contributions_regime_known

    settings.CONTRIBUTIONS_REPORT_REGIME = "decree-39"
    assert [error.id for error in contributions_regime_known()] == ["reporting.E001"]
    settings.CONTRIBUTIONS_REPORT_REGIME = "circular-87"
    assert contributions_regime_known() == []
