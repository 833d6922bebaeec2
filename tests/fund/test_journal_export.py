"""The journal export for the centre's official books: every ledger leg of a period, with our
account translated into the centre's chart, as CSV and XLSX (real dates and numbers), from the
admin and from `manage.py journal_export`. It balances per entry and in total, every line has a
code, and a period with an account that has no code is refused, naming it, with no file."""

import csv
import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from djmoney.money import Money
from hordak.models import Leg
from openpyxl import load_workbook

from audit.models import AuditEntry
from fund.errors import FundError
from fund.journal_files import journal_csv, journal_xlsx
from fund.models import AccountMapping, AccountRole
from fund.selectors.journal import AccountsUnmapped, journal_lines
from fund.services import donation_record, donation_refund, fund_spend
from fund.services.journal import (
    DEFAULT_CODES,
    account_mapping_create,
    account_mapping_update,
    account_mappings_default,
)
from staff.services import roles_sync
from tests.support.periods import ONE_DAY, month_before, noon
from tests.support.roles import role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def this_month():
    today = timezone.localdate()
    return today.replace(day=1), today


@pytest.fixture
def a_month_of_books(fund, other_fund, donor, this_month):
    """Gifts of money and goods, a payment out and a refund this month, and a gift last month
    and one to another fund, which the month's export of the fund must leave out."""
    start, today = this_month
    received = noon(start) if start < today else timezone.now()
    cash = donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="900000", received_at=received)
    donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="1500000", received_at=timezone.now()
    )
    donation_record(
        fund=fund,
        donor=donor,
        kind="in_kind",
        channel="in_kind_delivery",
        lines=[{"description": "Gạo", "quantity": "50", "unit": "kg", "fair_value": "1250000"}],
        received_at=timezone.now(),
    )
    refunded = donation_record(
        fund=fund, donor=donor, kind="cash", channel="cash", amount="200000", received_at=timezone.now()
    )
    donation_refund(donation=refunded, reason="Given twice")
    fund_spend(
        fund=fund,
        purpose="cash",
        programme="orphan",
        reference="allocation:7",
        recipient="b:7",
        amount=Money(300000, "VND"),
        date=today,
        paid_from="cash_on_hand",
        description="Allocation 7: school shoes",
    )
    last_start, _last_end = month_before(1)
    donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="111000", received_at=noon(last_start))
    donation_record(fund=other_fund, donor=donor, kind="cash", channel="cash", amount="222000", received_at=received)
    return cash


def legs_between(start, end, fund=None):
    legs = Leg.objects.filter(transaction__date__gte=start, transaction__date__lte=end)
    return legs.filter(account__fund_account__fund=fund) if fund else legs


def test_the_export_of_a_month_balances_and_every_line_has_a_code(fund, a_month_of_books, this_month):
    account_mappings_default()
    start, end = this_month
    journal = journal_lines(starts_on=start, ends_on=end, fund=fund)
    assert len(journal.lines) == legs_between(start, end, fund).count() == 12  # 6 entries of 2 legs
    assert all(line.account_code and line.account_name for line in journal.lines)
    assert {line.fund for line in journal.lines} == {"CPF"}
    assert all(start <= line.date <= end for line in journal.lines)
    per_entry = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in journal.lines:
        assert (line.debit is None) != (line.credit is None)
        per_entry[line.entry][0] += line.debit or 0
        per_entry[line.entry][1] += line.credit or 0
    assert len(per_entry) == 6 and all(debits == credits for debits, credits in per_entry.values())
    assert journal.totals() == {"VND": (Decimal("4350000"), Decimal("4350000"))}
    bank = next(line for line in journal.lines if line.debit == Decimal("1500000"))
    assert (bank.account_code, bank.account_name) == DEFAULT_CODES[AccountRole.BANK]
    payment = [line for line in journal.lines if line.reference == "allocation:7"]
    assert {(line.account_code, line.debit, line.credit) for line in payment} == {
        ("353", Decimal("300000"), None),
        ("111", None, Decimal("300000")),
    }
    refund = [line for line in journal.lines if "Reversal" in line.description]
    assert len(refund) == 2 and refund[0].reference.startswith("CT")


def test_all_funds_together_still_balance(a_month_of_books, this_month):
    account_mappings_default()
    journal = journal_lines(starts_on=this_month[0], ends_on=this_month[1])
    assert {line.fund for line in journal.lines} == {"CPF", "SPF"}
    ((debits, credits),) = journal.totals().values()
    assert debits == credits == Decimal("4572000")


def test_a_missing_code_refuses_the_export_and_names_each_account(fund, a_month_of_books, this_month):
    account_mapping_create(fund=None, role=AccountRole.CASH_ON_HAND, code="111", name="Tiền mặt")
    with pytest.raises(AccountsUnmapped) as refused:
        journal_lines(starts_on=this_month[0], ends_on=this_month[1], fund=fund)
    message = refused.value.messages[0]
    for role in (
        AccountRole.BANK,
        AccountRole.GOODS_STOCK,
        AccountRole.INCOME_CASH,
        AccountRole.INCOME_IN_KIND,
        AccountRole.ALLOCATED_CASH,
    ):
        assert f"CPF {role.label}" in message
    assert "Cash on hand" not in message  # it has its code
    assert "Scholarship" not in message  # not used in the period


def test_a_funds_own_code_wins_over_the_code_for_every_fund(fund, other_fund, a_month_of_books, this_month):
    account_mappings_default()
    account_mapping_create(fund=other_fund, role=AccountRole.CASH_ON_HAND, code="1111", name="Tiền mặt quỹ BTXH")
    journal = journal_lines(starts_on=this_month[0], ends_on=this_month[1])
    codes = {(line.fund, line.account_code) for line in journal.lines if line.account_name.startswith("Tiền mặt")}
    assert codes == {("CPF", "111"), ("SPF", "1111")}


def test_the_csv_reads_back_with_plain_numbers(fund, a_month_of_books, this_month):
    account_mappings_default()
    journal = journal_lines(starts_on=this_month[0], ends_on=this_month[1], fund=fund)
    content = journal_csv(journal)
    assert content.startswith(b"\xef\xbb\xbf")  # spreadsheet programs then read Vietnamese right
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Date",
        "Entry",
        "Reference",
        "Fund",
        "Description",
        "Account code",
        "Account name",
        "Debit",
        "Credit",
        "Currency",
    ]
    assert len(rows) == 13
    assert sum(Decimal(row[7] or 0) for row in rows[1:]) == sum(Decimal(row[8] or 0) for row in rows[1:])
    assert "1500000" in [row[7] for row in rows[1:]]  # VND without decimals
    assert all(datetime.date.fromisoformat(row[0]) for row in rows[1:])


def test_the_xlsx_has_real_dates_and_numbers(fund, a_month_of_books, this_month):
    account_mappings_default()
    journal = journal_lines(starts_on=this_month[0], ends_on=this_month[1], fund=fund)
    sheet = load_workbook(io.BytesIO(journal_xlsx(journal))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 12
    assert all(isinstance(row[0], datetime.datetime) for row in rows)
    assert all(isinstance(row[7] or row[8], int | float) for row in rows)
    assert sum(row[7] or 0 for row in rows) == sum(row[8] or 0 for row in rows) == 4350000
    assert all(row[5] for row in rows)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_command_writes_the_month(tmp_path, fund, a_month_of_books, this_month, file_format):
    account_mappings_default()
    target = tmp_path / f"journal.{file_format}"
    out = io.StringIO()
    start, end = this_month
    call_command(
        "journal_export",
        "--from",
        start.isoformat(),
        "--to",
        end.isoformat(),
        "--format",
        file_format,
        "--fund",
        "cpf",
        "-o",
        str(target),
        stdout=out,
    )
    assert "12 line(s) written" in out.getvalue() and "4350000 / 4350000 VND" in out.getvalue()
    if file_format == "csv":
        assert len(target.read_text(encoding="utf-8-sig").splitlines()) == 13
    else:
        assert load_workbook(target).active.max_row == 13


def test_the_command_refuses_a_missing_code_and_writes_no_file(tmp_path, a_month_of_books, this_month):
    target = tmp_path / "journal.csv"
    with pytest.raises(CommandError, match="no code in the official chart yet: CPF Bank account"):
        call_command(
            "journal_export", "--from", this_month[0].isoformat(), "--to", this_month[1].isoformat(), "-o", str(target)
        )
    assert not target.exists()


def test_the_command_refuses_bad_dates_and_unknown_funds(tmp_path):
    with pytest.raises(CommandError, match="not a date"):
        call_command("journal_export", "--from", "2026-13-01", "--to", "2026-12-31", "-o", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="No fund has the code"):
        call_command(
            "journal_export", "--from", "2026-11-01", "--to", "2026-11-30", "--fund", "ZZZ", "-o", str(tmp_path / "x")
        )
    with pytest.raises(CommandError, match="last day comes before"):
        call_command("journal_export", "--from", "2026-11-30", "--to", "2026-11-01", "-o", str(tmp_path / "x"))


# --- the account codes ------------------------------------------------------------------------


def test_the_suggested_codes_fill_only_what_is_missing(fund):
    account_mapping_create(fund=None, role=AccountRole.BANK, code="1121", name="Tiền gửi Vietcombank")
    added = account_mappings_default()
    assert len(added) == len(AccountRole) - 1
    assert AccountMapping.objects.get(fund=None, role=AccountRole.BANK).code == "1121"  # the accountant's stays
    assert account_mappings_default() == []
    call_command("journal_accounts_default", stdout=io.StringIO())
    assert AccountMapping.objects.count() == len(AccountRole)


def test_a_second_code_for_one_account_is_refused_and_bad_codes_too(fund):
    account_mapping_create(fund=fund, role=AccountRole.BANK, code="112", name="Tiền gửi")
    with pytest.raises(FundError, match="already has a code for CPF"):
        account_mapping_create(fund=fund, role=AccountRole.BANK, code="1121", name="Tiền gửi khác")
    with pytest.raises(FundError):
        account_mapping_create(fund=None, role=AccountRole.BANK, code="11 2", name="Tiền gửi")
    with pytest.raises(FundError, match="name is required"):
        account_mapping_create(fund=None, role=AccountRole.BANK, code="112", name="  ")
    assert AccountMapping.objects.count() == 1


def test_changing_a_code_is_audited(fund):
    mapping = account_mapping_create(fund=None, role=AccountRole.BANK, code="112", name="Tiền gửi")
    account_mapping_update(mapping=mapping, code="1121", name="Tiền gửi", actor=None)
    entry = AuditEntry.objects.get(action="account_mapping.update")
    assert entry.data == {"code": ["112", "1121"]}
    mapping.refresh_from_db()
    assert mapping.code == "1121"


# --- the screens --------------------------------------------------------------------------------


@pytest.fixture
def accountant_client(db):
    roles_sync()
    client = Client()
    client.force_login(role_user("Fund accountant", "accountant"))
    return client


def test_the_accountant_downloads_the_xlsx_from_the_admin(accountant_client, fund, a_month_of_books, this_month):
    account_mappings_default()
    data = {"starts_on": this_month[0].isoformat(), "ends_on": this_month[1].isoformat(), "fund": fund.pk}
    response = accountant_client.post("/admin/fund/journal-export/", {**data, "file_format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="journal-CPF-')
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 13


def test_the_admin_says_which_accounts_need_a_code(accountant_client, a_month_of_books, this_month):
    data = {"starts_on": this_month[0].isoformat(), "ends_on": this_month[1].isoformat(), "file_format": "csv"}
    response = accountant_client.post("/admin/fund/journal-export/", data)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "chưa có mã trong hệ thống tài khoản chính thức" in response.content.decode()  # in Vietnamese


def test_the_accountant_closes_a_period_and_fills_in_codes_through_the_screens(accountant_client, this_month):
    start, end = month_before(1)
    response = accountant_client.post(
        "/admin/fund/periods/close/", {"starts_on": start.isoformat(), "ends_on": end.isoformat()}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    refused = accountant_client.post(
        "/admin/fund/periods/close/", {"starts_on": end.isoformat(), "ends_on": (end + ONE_DAY).isoformat()}
    )
    assert refused.status_code == 200 and "một tháng hoặc một quý" in refused.content.decode()  # in Vietnamese
    assert accountant_client.post("/admin/fund/account-codes/suggested/").status_code == 302
    assert AccountMapping.objects.count() == len(AccountRole)
