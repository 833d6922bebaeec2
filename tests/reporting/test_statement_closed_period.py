"""A closed period's statement prints the same figures forever: after it is closed, a late bank
transfer for it, a refund of one of its gifts and a gift of today all land in the open period,
which says so; a gift dated inside it is refused."""

import pytest
from django.utils import timezone

from fund.errors import LedgerError
from fund.selectors.statements import fund_statement
from fund.services import donation_receive, donation_record, donation_refund, period_close
from payments.services.bank_import import bank_statement_import
from reporting.statement_files import statement_csv
from reporting.statement_rows import statement_notes
from staff.services import roles_sync
from tests.payments.bank.conftest import statement_csv as bank_csv
from tests.payments.bank.conftest import vn_date
from tests.support.periods import ONE_DAY, month_before, noon
from tests.support.roles import role_user

pytestmark = pytest.mark.django_db


def test_a_closed_months_statement_is_unchanged_by_everything_posted_after(fund, donor):
    roles_sync()
    accountant = role_user("Fund accountant", "accountant")
    start, end = month_before(1)
    early = donation_record(
        fund=fund, donor=donor, kind="cash", channel="cash", amount="900000", received_at=noon(start + ONE_DAY)
    )
    donation_record(
        fund=fund, donor=donor, kind="scholarship", channel="cash", amount="2000000",
        received_at=noon(start + 3 * ONE_DAY), scholarship_count=1, school_year="2026-2027",
    )  # fmt: skip
    period_close(starts_on=start, ends_on=end, actor=accountant)
    closed = fund_statement(fund, date_from=start, date_to=end)
    assert closed.closed and closed.reconciles
    before = statement_csv(closed, language="en")

    # A transfer the bank booked on the closed month's last day, imported today.
    pledge = donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="750000",
        pledged_at=noon(end - 3 * ONE_DAY),
    )  # fmt: skip
    bank_statement_import(
        filename="late.csv",
        content=bank_csv([[vn_date(end), "750.000", "", f"UNG HO {pledge.reference}", "TRAN THI DEMO"]]),
        mapping="generic",
        currency="VND",
        actor=accountant,
    )
    donation_refund(donation=early, reason="Given back at the donor's request", actor=accountant)
    donation_receive(donation=donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="1"))
    # A person's date inside the closed month is refused, with the way out.
    with pytest.raises(LedgerError, match="A late gift or a correction goes into the open period"):
        donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="5000", received_at=noon(end))

    again = fund_statement(fund, date_from=start, date_to=end)
    assert statement_csv(again, language="en") == before  # every figure, byte for byte
    assert again == closed

    today = timezone.localdate()
    open_period = fund_statement(fund, date_from=end + ONE_DAY, date_to=max(today, end + ONE_DAY))
    assert open_period.reconciles and not open_period.closed
    assert open_period.late_entries == 1
    notes = " ".join(statement_notes(open_period))
    assert "1 entry dated in this period records something that happened in a closed period" in notes
    assert "This period is not closed yet" in notes
    assert "This period is closed" in " ".join(statement_notes(again))
