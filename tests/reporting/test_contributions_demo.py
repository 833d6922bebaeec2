"""The demo Children's Protection Fund's contributions report for this year (2026 when the demo
was built): its grand total is the year's fund statement's receipts, and it lists exactly the
organisations that gave a received gift this year, counted here by a query of its own. Seeding
the demo is slow (about a minute): one test does it all."""

import datetime
import io
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.db.models.functions import TruncDate
from django.utils import timezone
from djmoney.money import Money

from donors.models import Donor
from fund.models import Donation, Fund
from fund.selectors.contributions import contributions_report
from fund.selectors.statements import GIFT_REFUNDED, fund_statement
from tests.support.seeding import seed

pytestmark = pytest.mark.django_db


def test_the_demo_cpf_contributions_report_agrees_with_its_statement(tmp_path):
    seed()
    cpf = Fund.objects.get(code="CPF")
    year = timezone.localdate().year  # the demo is built backwards from today
    report = contributions_report(fund=cpf, year=year)
    statement = fund_statement(cpf, date_from=datetime.date(year, 1, 1), date_to=datetime.date(year, 12, 31))
    assert report.grand_total == statement.receipts_total and report.gifts == statement.gifts
    refunds = sum(
        (line.effect for line in statement.reversals if line.reverses == GIFT_REFUNDED), Money(0, cpf.currency)
    )
    assert refunds.amount < 0 and report.net_received == statement.receipts_total + refunds

    organisations = (
        Donation.objects.filter(fund=cpf, status=Donation.Status.RECEIVED, donor__kind=Donor.Kind.ORGANISATION)
        .annotate(local_day=TruncDate("received_at", tzinfo=timezone.get_current_timezone()))
        .filter(local_day__year=year)
        .values("donor")
        .distinct()
        .count()
    )
    assert organisations > 10 and len(report.organisations) == organisations
    assert len({line.name for line in report.organisations}) == organisations  # one line each

    # The demo's individuals give to the social protection fund: its anonymous line holds every
    # received gift a person gave anonymously this year, and no line names one of those donors.
    spf = contributions_report(fund=Fund.objects.get(code="SPF"), year=year)
    anonymous = (
        Donation.objects.filter(
            fund__code="SPF", status=Donation.Status.RECEIVED, donor__kind=Donor.Kind.PERSON, is_anonymous=True
        )
        .annotate(local_day=TruncDate("received_at", tzinfo=timezone.get_current_timezone()))
        .filter(local_day__year=year)
    )
    assert spf.anonymous.gifts == anonymous.count() > 0 and spf.individuals
    only_anonymous = set(anonymous.values_list("donor__name", flat=True)) - set(
        Donation.objects.filter(fund__code="SPF", is_anonymous=False).values_list("donor__name", flat=True)
    )
    assert only_anonymous and not only_anonymous & {line.name for line in spf.individuals}

    path = tmp_path / "cpf.xlsx"
    call_command(
        "contributions_report", "CPF", "--year", str(year), "--format", "xlsx", "-o", str(path), stdout=StringIO()
    )
    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).worksheets[0]
    total = next(row for row in sheet.iter_rows(values_only=True) if row and row[1] == "total")
    assert total[14] == statement.receipts_total.amount
