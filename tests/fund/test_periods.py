"""Closed periods: the accountant closes a month or a quarter, and nothing can then be posted with a
date inside it (a late gift or a correction goes into the open period). Entries a person dates
are refused with the message; facts the platform cannot re-date (a bank's booking day, a card
charge, a batch's or a count's day fixed earlier) are booked into the open period and say so.
Reopening is the administrator's, with a reason, and leaves the closed row and an audit entry.
A close and a posting at the same moment cannot leave a posting inside a closed period."""

import datetime
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone, translation
from djmoney.money import Money
from hordak.models import Leg, Transaction

from audit.models import AuditEntry
from fund.errors import FundError, LedgerError
from fund.models import ClosedPeriod, Donation, Posting
from fund.selectors import ledger_problems
from fund.services import (
    centre_gift_record,
    donation_receive,
    donation_record,
    donation_refund,
    fund_spend,
    period_close,
    period_reopen,
)
from fund.services.ledger import PERIOD_LOCK_KEY
from payments.models import BankTransaction
from payments.services.bank_import import bank_statement_import
from payments.services.bank_review import bank_transaction_record_gift
from payments.services.batches import batch_line_add, batch_open, batch_post
from payments.services.stripe_events import receive_paid_intent
from staff.services import roles_sync
from tests.payments.bank.conftest import statement_csv, vn_date
from tests.payments.stripe.conftest import payment_intent
from tests.support.periods import ONE_DAY, month_before, noon
from tests.support.roles import role_user

pytestmark = pytest.mark.django_db

REFUSAL = "A late gift or a correction goes into the open period"
REFUSAL_VI = "Khoản ủng hộ đến muộn hoặc bút toán điều chỉnh được ghi vào kỳ đang mở"


@pytest.fixture
def people(db):
    roles_sync()
    return {
        "accountant": role_user("Fund accountant", "accountant"),
        "administrator": role_user("Administrator", "administrator"),
        "auditor": role_user("Auditor", "auditor"),
        "manager": role_user("Fund manager", "manager"),
    }


@pytest.fixture
def last_month():
    return month_before(1)


def cash_gift(fund, donor, day, amount="100000", **extra):
    return donation_record(
        fund=fund, donor=donor, kind="cash", channel="cash", amount=amount, received_at=noon(day), **extra
    )


def ledger_rows() -> dict[str, int]:
    return {
        "gifts": Donation.objects.count(),
        "transactions": Transaction.objects.count(),
        "legs": Leg.objects.count(),
        "postings": Posting.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def closed_last_month(fund, donor, people, last_month):
    """Last month with one gift in it, closed by the accountant."""
    start, end = last_month
    cash_gift(fund, donor, start + datetime.timedelta(days=9))
    return period_close(starts_on=start, ends_on=end, actor=people["accountant"])


# --- the guard -------------------------------------------------------------------------------


def test_a_gift_dated_inside_a_closed_period_is_refused_and_writes_nothing(fund, donor, closed_last_month):
    start, end = closed_last_month.starts_on, closed_last_month.ends_on
    before = ledger_rows()
    with pytest.raises(LedgerError) as refused:
        cash_gift(fund, donor, end)
    message = refused.value.messages[0]
    assert f"The period {start:%d/%m/%Y} – {end:%d/%m/%Y} is closed" in message
    assert f"nothing can be dated {end:%d/%m/%Y}" in message
    assert REFUSAL in message and f"date it {end + ONE_DAY:%d/%m/%Y} or later" in message
    assert ledger_rows() == before


def test_a_pledge_received_on_a_closed_day_is_refused_and_stays_a_pledge(fund, donor, closed_last_month):
    day = closed_last_month.starts_on + datetime.timedelta(days=3)
    pledge = donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="300000", pledged_at=noon(day)
    )
    before = ledger_rows()
    with pytest.raises(LedgerError, match=REFUSAL):
        donation_receive(donation=pledge, received_at=noon(day + ONE_DAY))
    pledge.refresh_from_db()
    assert pledge.status == Donation.Status.PLEDGED and pledge.received_at is None
    assert ledger_rows() == before


def test_a_cash_gift_at_the_centre_for_a_closed_day_is_refused_beside_the_date(fund, donor, people, closed_last_month):
    before = ledger_rows()
    with pytest.raises(FundError) as refused:
        centre_gift_record(
            fund=fund, donor=donor, amount="50000", received_on=closed_last_month.ends_on, actor=people["accountant"]
        )
    assert REFUSAL in refused.value.message_dict["received_on"][0]
    assert ledger_rows() == before
    today = centre_gift_record(
        fund=fund, donor=donor, amount="50000", received_on=timezone.localdate(), actor=people["accountant"]
    )
    assert today.postings.get().transaction.date == timezone.localdate()


def test_a_payment_out_dated_in_a_closed_period_is_refused(fund, closed_last_month):
    before = ledger_rows()
    with pytest.raises(LedgerError, match=REFUSAL):
        fund_spend(
            fund=fund,
            purpose="cash",
            programme="orphan",
            reference="allocation:1",
            recipient="b:1",
            amount=Money(10000, "VND"),
            date=closed_last_month.ends_on,
            paid_from="cash_on_hand",
            description="Allocation 1",
        )
    assert ledger_rows() == before


def test_refunding_a_gift_of_a_closed_month_posts_the_reversal_today(fund, donor, closed_last_month):
    gift = Donation.objects.get()
    fingerprint = (closed_last_month.transactions, closed_last_month.digest)
    donation_refund(donation=gift, reason="Given by mistake")
    reversal = Posting.objects.get(kind=Posting.Kind.REVERSAL)
    assert reversal.transaction.date == timezone.localdate()
    assert reversal.occurred_on is None  # a reversal happens today: it is not late
    gift.refresh_from_db()
    assert gift.status == Donation.Status.REFUNDED
    assert (closed_last_month.transactions, closed_last_month.digest) == fingerprint
    assert ledger_problems().problems == []


def test_the_database_refuses_a_transaction_dated_in_a_closed_period_whoever_writes_it(closed_last_month):
    with pytest.raises(IntegrityError, match="inside the closed period"), transaction.atomic():
        Transaction.objects.create(date=closed_last_month.starts_on, description="written behind the services")


def test_the_trigger_and_the_service_take_the_same_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'fund_closed_period_guard'")
        (source,) = cursor.fetchone()
    assert f"pg_advisory_xact_lock_shared({PERIOD_LOCK_KEY})" in source


# --- facts that cannot be re-dated go into the open period ------------------------------------


def test_a_late_bank_transfer_for_a_closed_month_is_booked_into_the_open_period(fund, donor, people, closed_last_month):
    booked_on = closed_last_month.ends_on - ONE_DAY
    pledge = donation_record(
        fund=fund,
        donor=donor,
        kind="cash",
        channel="bank_transfer",
        amount="750000",
        pledged_at=noon(booked_on - datetime.timedelta(days=2)),
    )
    bank_statement_import(
        filename="late.csv",
        content=statement_csv([[vn_date(booked_on), "750.000", "", f"UNG HO {pledge.reference}", "TRAN THI DEMO"]]),
        mapping="generic",
        currency="VND",
        actor=people["accountant"],
    )
    line = BankTransaction.objects.get()
    assert line.status == BankTransaction.Status.MATCHED, line.reason
    pledge.refresh_from_db()
    assert timezone.localdate(pledge.received_at) == booked_on  # the receipt says when it arrived
    posting = pledge.postings.get()
    assert posting.transaction.date == timezone.localdate()
    assert posting.occurred_on == booked_on
    assert f"late: happened on {booked_on.isoformat()}" in posting.transaction.description
    assert ledger_problems().problems == []  # the closed month is unchanged


def test_an_unannounced_late_transfer_recorded_as_a_gift_goes_into_the_open_period(
    fund, donor, people, closed_last_month
):
    booked_on = closed_last_month.starts_on + ONE_DAY
    bank_statement_import(
        filename="late.csv",
        content=statement_csv([[vn_date(booked_on), "120.000", "", "UNG HO QUY", "NGUYEN VAN B"]]),
        mapping="generic",
        currency="VND",
        actor=people["accountant"],
    )
    line = BankTransaction.objects.get()
    bank_transaction_record_gift(transaction=line, donor=donor, fund=fund, actor=people["accountant"])
    gift = Donation.objects.get(amount=Money(120000, "VND"))
    assert gift.postings.get().transaction.date == timezone.localdate()
    assert gift.postings.get().occurred_on == booked_on


def test_a_card_charge_of_a_closed_day_is_received_and_booked_into_the_open_period(fund, donor, closed_last_month):
    day = closed_last_month.ends_on
    pledge = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="200000", pledged_at=noon(day))
    intent = payment_intent(donation=pledge, intent_id="pi_late_charge", amount=200000)
    with transaction.atomic():
        receive_paid_intent(intent, paid_at=noon(day) + datetime.timedelta(hours=1))
    posting = Posting.objects.get(donation=pledge)
    assert posting.transaction.date == timezone.localdate() and posting.occurred_on == day


def test_a_batch_of_a_day_closed_since_it_was_opened_posts_into_the_open_period(fund, people, last_month):
    clerk = people["accountant"]
    start, end = last_month
    batch = batch_open(
        fund=fund, event_name="Hội chợ", collected_on=end, expected_count=1, expected_total="50000", actor=clerk
    )
    batch_line_add(batch=batch, amount="50000", actor=clerk)
    period_close(starts_on=start, ends_on=end, actor=clerk)
    batch_post(batch=batch, actor=clerk)
    posting = Posting.objects.get()
    assert posting.transaction.date == timezone.localdate() and posting.occurred_on == end
    assert timezone.localdate(posting.donation.received_at) == end


# --- closing -----------------------------------------------------------------------------------


def test_closing_records_who_when_and_what_the_period_held(fund, donor, people, closed_last_month):
    assert closed_last_month.closed_by == people["accountant"] and closed_last_month.transactions == 1
    entry = AuditEntry.objects.get(action="period.close")
    assert entry.object_id == str(closed_last_month.pk) and entry.actor == people["accountant"]
    assert entry.data["transactions"] == 1


@pytest.mark.parametrize(
    "dates, refusal",
    [
        (lambda s, e: (s + ONE_DAY, e), "calendar month or a quarter"),
        (lambda s, e: (s, e - ONE_DAY), "calendar month or a quarter"),
        (lambda s, e: (e, s), "The last day comes before the first day"),
        (lambda s, e: (s, e + datetime.timedelta(days=31)), "calendar month or a quarter"),
    ],
    ids=["starts-mid-month", "ends-early", "unordered", "two-months"],
)
def test_only_a_whole_month_or_quarter_closes(people, last_month, dates, refusal):
    starts_on, ends_on = dates(*last_month)
    with pytest.raises(FundError, match=refusal):
        period_close(starts_on=starts_on, ends_on=ends_on, actor=people["accountant"])
    assert not ClosedPeriod.objects.exists()


def test_a_period_whose_last_day_is_not_over_is_refused(people):
    today = timezone.localdate()
    first = today.replace(day=1)
    end = (first + datetime.timedelta(days=32)).replace(day=1) - ONE_DAY
    with pytest.raises(FundError, match="closes once its last day is over"):
        period_close(starts_on=first, ends_on=end, actor=people["accountant"])
    assert not ClosedPeriod.objects.exists()


def test_a_quarter_closes_and_an_overlapping_month_is_then_refused(people):
    year = timezone.localdate().year - 1
    quarter = period_close(
        starts_on=datetime.date(year, 4, 1), ends_on=datetime.date(year, 6, 30), actor=people["accountant"]
    )
    with pytest.raises(FundError, match="overlaps"):
        period_close(
            starts_on=datetime.date(year, 5, 1), ends_on=datetime.date(year, 5, 31), actor=people["accountant"]
        )
    assert list(ClosedPeriod.objects.all()) == [quarter]


def test_the_database_refuses_overlapping_closed_periods(people):
    year = timezone.localdate().year - 1
    period_close(starts_on=datetime.date(year, 1, 1), ends_on=datetime.date(year, 3, 31), actor=people["accountant"])
    with pytest.raises(IntegrityError), transaction.atomic():
        ClosedPeriod.objects.create(
            starts_on=datetime.date(year, 3, 1),
            ends_on=datetime.date(year, 3, 31),
            closed_at=timezone.now(),
            closed_by=people["accountant"],
        )


def test_periods_close_in_order(fund, donor, people):
    two_ago, last = month_before(2), month_before(1)
    cash_gift(fund, donor, two_ago[0] + ONE_DAY)
    with pytest.raises(FundError, match=f"still open from {two_ago[0] + ONE_DAY:%d/%m/%Y}"):
        period_close(starts_on=last[0], ends_on=last[1], actor=people["accountant"])
    period_close(starts_on=two_ago[0], ends_on=two_ago[1], actor=people["accountant"])
    period_close(starts_on=last[0], ends_on=last[1], actor=people["accountant"])
    assert ClosedPeriod.objects.count() == 2


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_only_the_accountant_closes(people, last_month, role):
    with pytest.raises(FundError, match="needs the fund accountant role"):
        period_close(starts_on=last_month[0], ends_on=last_month[1], actor=people[role])
    with pytest.raises(FundError, match="sign in first"):
        period_close(starts_on=last_month[0], ends_on=last_month[1], actor=None)
    assert not ClosedPeriod.objects.exists()


# --- reopening ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["accountant", "auditor", "manager"])
def test_reopening_by_anyone_but_the_administrator_is_refused(people, closed_last_month, role):
    before = AuditEntry.objects.count()
    with pytest.raises(FundError, match="Only an administrator"):
        period_reopen(period=closed_last_month, reason="A late correction", actor=people[role])
    closed_last_month.refresh_from_db()
    assert closed_last_month.is_closed and AuditEntry.objects.count() == before


def test_reopening_needs_a_reason(people, closed_last_month):
    with pytest.raises(FundError, match="reason is required"):
        period_reopen(period=closed_last_month, reason="  ", actor=people["administrator"])
    closed_last_month.refresh_from_db()
    assert closed_last_month.is_closed


def test_the_administrator_reopens_keeping_the_record_then_it_closes_again(fund, donor, people, closed_last_month):
    admin, accountant = people["administrator"], people["accountant"]
    period_reopen(period=closed_last_month, reason="Bank fee booked on the wrong fund", actor=admin)
    closed_last_month.refresh_from_db()
    assert not closed_last_month.is_closed
    assert closed_last_month.reopened_by == admin and closed_last_month.reopen_reason.startswith("Bank fee")
    entry = AuditEntry.objects.get(action="period.reopen")
    assert entry.actor == admin and entry.data["reason"] == "Bank fee booked on the wrong fund"

    correction = cash_gift(fund, donor, closed_last_month.ends_on)  # open again: dated where it belongs
    assert correction.postings.get().transaction.date == closed_last_month.ends_on
    with pytest.raises(FundError, match="reopened already"):
        period_reopen(period=closed_last_month, reason="again", actor=admin)

    again = period_close(starts_on=closed_last_month.starts_on, ends_on=closed_last_month.ends_on, actor=accountant)
    assert again.pk != closed_last_month.pk and again.transactions == 2
    assert ClosedPeriod.objects.count() == 2  # the history stays
    assert ledger_problems().problems == []


def test_a_closed_periods_row_never_changes_but_for_its_reopening(closed_last_month):
    with pytest.raises(IntegrityError, match="only its reopening"), transaction.atomic():
        ClosedPeriod.objects.filter(pk=closed_last_month.pk).update(ends_on=closed_last_month.ends_on - ONE_DAY)
    with pytest.raises(IntegrityError, match="never deleted"), transaction.atomic():
        ClosedPeriod.objects.filter(pk=closed_last_month.pk).delete()


def test_check_ledger_finds_a_posting_slipped_into_a_closed_period(closed_last_month):
    assert ledger_problems().problems == []
    with connection.cursor() as cursor:  # someone with the power to switch the guard off
        cursor.execute("ALTER TABLE hordak_transaction DISABLE TRIGGER hordak_transaction_closed_period")
        cursor.execute(
            "INSERT INTO hordak_transaction (uuid, timestamp, date, description) "
            "VALUES (gen_random_uuid(), now(), %s, 'slipped in')",
            [closed_last_month.ends_on],
        )
        cursor.execute("ALTER TABLE hordak_transaction ENABLE TRIGGER hordak_transaction_closed_period")
    problems = ledger_problems().problems
    assert any("changed since it was closed: 1 transaction(s) then, 2 now" in problem for problem in problems)


# --- a close and a posting at the same moment ---------------------------------------------------


def _in_thread(job, outcomes, name):
    def run():
        try:
            outcomes[name] = job()
        except Exception as exc:  # noqa: BLE001 - the assertion reads it
            outcomes[name] = exc
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_posting_during_a_close_waits_for_it_and_is_then_refused(fund, donor, restore_migrated_rows_after_flush):
    roles_sync()
    accountant = role_user("Fund accountant", "accountant")
    start, end = month_before(1)
    closing, outcomes = threading.Event(), {}

    def close():
        with transaction.atomic():
            period = period_close(starts_on=start, ends_on=end, actor=accountant)
            closing.set()
            time.sleep(0.5)  # the posting arrives now, before this commits
        return period

    def post():
        closing.wait(10)
        return cash_gift(fund, donor, end)

    threads = [_in_thread(close, outcomes, "close"), _in_thread(post, outcomes, "post")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert isinstance(outcomes["close"], ClosedPeriod)
    # The thread speaks the site's language (Vietnamese): no test language reaches it.
    assert isinstance(outcomes["post"], LedgerError) and REFUSAL_VI in outcomes["post"].messages[0]
    assert not Donation.objects.exists() and not Transaction.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_close_during_a_posting_waits_for_it_and_holds_it(fund, donor, restore_migrated_rows_after_flush):
    roles_sync()
    accountant = role_user("Fund accountant", "accountant")
    start, end = month_before(1)
    posting, outcomes = threading.Event(), {}

    def post():
        with transaction.atomic():
            gift = cash_gift(fund, donor, end)
            posting.set()
            time.sleep(0.5)  # the close arrives now, before this commits
        return gift

    def close():
        posting.wait(10)
        return period_close(starts_on=start, ends_on=end, actor=accountant)

    threads = [_in_thread(post, outcomes, "post"), _in_thread(close, outcomes, "close")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert isinstance(outcomes["post"], Donation), outcomes["post"]
    period = outcomes["close"]
    assert isinstance(period, ClosedPeriod), period
    assert period.transactions == 1  # the gift that was being posted is inside the closed period
    assert ledger_problems().problems == []


# --- the screens -------------------------------------------------------------------------------


def test_the_administrator_reopens_through_the_screen_and_the_accountant_cannot(people, closed_last_month):
    url = f"/admin/fund/periods/reopen/{closed_last_month.pk}/"
    accountant, admin = Client(), Client()
    accountant.force_login(people["accountant"])
    admin.force_login(people["administrator"])
    refused = accountant.post(url, {"reason": "I would like to"})
    assert refused.status_code in (302, 403) and refused.get("Location", "/admin/") == "/admin/"
    closed_last_month.refresh_from_db()
    assert closed_last_month.is_closed
    assert admin.post(url, {"reason": ""}).status_code == 200  # a reason is required
    response = admin.post(url, {"reason": "Wrong fund on one gift"})
    assert response.status_code == 302 and response["Location"] == "/admin/fund/periods/"
    closed_last_month.refresh_from_db()
    assert closed_last_month.reopen_reason == "Wrong fund on one gift"
    listing = admin.get("/admin/fund/periods/").content.decode()
    with translation.override("vi"):  # the admin speaks the centre's language to a user who chose none
        reopened = translation.gettext("Reopened")
    assert reopened in listing and "Wrong fund on one gift" in listing
