"""What the database itself guarantees, whoever connects: hordak's balance trigger refuses an
unbalanced transaction; our triggers make posted rows append-only and freeze a received gift.

Each refused statement runs in its own ``transaction.atomic()`` (a savepoint) so the test's
transaction stays usable afterwards."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from djmoney.money import Money
from hordak.models import Leg, Transaction

from audit.models import AuditEntry
from fund.errors import FundError
from fund.models import AccountRole, Donation, DonationLine, FundAccount, Posting
from fund.selectors import ledger_problems
from fund.services import donation_cancel, donation_receive, donation_record, donation_refund

RESTRICT_VIOLATION = "23001"  # what our append-only and freeze triggers raise
CHECK_VIOLATION = "23514"  # what hordak's leg checks raise


def account(fund, role):
    return FundAccount.objects.select_related("account").get(fund=fund, role=role).account


def sqlstate(exc_info) -> str | None:
    return getattr(exc_info.value.__cause__, "sqlstate", None)


def execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- hordak's balance trigger --------------------------------------------------------------


def test_transaction_with_a_single_leg_is_refused(immediate_constraints, fund):
    bank = account(fund, AccountRole.BANK)
    with pytest.raises(IntegrityError, match="must be 0") as exc_info:
        with transaction.atomic():
            tx = Transaction.objects.create(description="one-legged")
            Leg.objects.create(transaction=tx, account=bank, debit=Money(100_000, "VND"))
    assert sqlstate(exc_info) == CHECK_VIOLATION
    assert Transaction.objects.count() == 0
    assert Leg.objects.count() == 0


def test_transaction_with_unequal_legs_is_refused(immediate_constraints, fund):
    with pytest.raises(IntegrityError, match="non-zero total") as exc_info:
        with transaction.atomic():
            tx = Transaction.objects.create(description="unequal")
            Leg.objects.create(transaction=tx, account=account(fund, "bank"), debit=Money(100_000, "VND"))
            Leg.objects.create(transaction=tx, account=account(fund, "income_cash"), credit=Money(90_000, "VND"))
    assert sqlstate(exc_info) == CHECK_VIOLATION
    assert Leg.objects.count() == 0


def test_balance_is_checked_over_all_legs_when_constraints_fire(fund):
    """With the trigger deferred (as in production) the legs are written one by one and checked
    together: equal legs pass, unequal ones are refused when the constraints are checked."""
    bank, income = account(fund, "bank"), account(fund, "income_cash")
    with transaction.atomic():
        tx = Transaction.objects.create(description="balanced")
        Leg.objects.create(transaction=tx, account=bank, debit=Money(100_000, "VND"))
        Leg.objects.create(transaction=tx, account=income, credit=Money(100_000, "VND"))
        execute("SET CONSTRAINTS ALL IMMEDIATE")  # fires the deferred checks now
    execute("SET CONSTRAINTS ALL DEFERRED")
    assert Leg.objects.filter(transaction=tx).count() == 2

    with pytest.raises(IntegrityError, match="non-zero total 1.00") as exc_info:
        with transaction.atomic():
            tx = Transaction.objects.create(description="off by one")
            Leg.objects.create(transaction=tx, account=bank, debit=Money(100_001, "VND"))
            Leg.objects.create(transaction=tx, account=income, credit=Money(100_000, "VND"))
            execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert sqlstate(exc_info) == CHECK_VIOLATION
    assert Leg.objects.count() == 2


def test_leg_in_a_currency_its_account_does_not_keep_is_refused(immediate_constraints, fund):
    with pytest.raises(IntegrityError, match="does not support currency USD"):
        with transaction.atomic():
            tx = Transaction.objects.create(description="dollars on a dong account")
            Leg.objects.create(transaction=tx, account=account(fund, "bank"), debit=Money(20, "USD"))
            Leg.objects.create(transaction=tx, account=account(fund, "income_cash"), credit=Money(20, "USD"))


# --- append-only ledger and audit rows -----------------------------------------------------


@pytest.fixture
def posted(fund, donor, now):
    """A received gift, refunded: two postings, four legs, several audit entries."""
    donation = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="300000", received_at=now)
    donation_refund(donation=donation, reason="duplicate charge")
    receipt = Posting.objects.get(donation=donation, kind=Posting.Kind.DONATION_RECEIVED)
    return {
        "donation": donation,
        "posting": receipt,
        "tx": receipt.transaction,
        "debit_leg": Leg.objects.get(transaction=receipt.transaction, debit__isnull=False),
        "audit": AuditEntry.objects.filter(object_id=str(donation.pk)).first(),
    }


def snapshot():
    return (
        list(Transaction.objects.order_by("id").values()),
        list(Leg.objects.order_by("id").values()),
        list(Posting.objects.order_by("id").values()),
        list(AuditEntry.objects.order_by("id").values()),
    )


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ("UPDATE hordak_leg SET debit = debit + 1 WHERE id = %(debit_leg)s", "hordak_leg"),
        ("UPDATE hordak_leg SET account_id = account_id WHERE id = %(debit_leg)s", "hordak_leg"),
        ("UPDATE hordak_leg SET description = 'edited' WHERE transaction_id = %(tx)s", "hordak_leg"),
        ("DELETE FROM hordak_leg WHERE id = %(debit_leg)s", "hordak_leg"),
        ("UPDATE hordak_transaction SET description = 'edited' WHERE id = %(tx)s", "hordak_transaction"),
        ("UPDATE hordak_transaction SET date = date - 1 WHERE id = %(tx)s", "hordak_transaction"),
        ("DELETE FROM hordak_transaction WHERE id = %(tx)s", "hordak_transaction"),
        ("UPDATE fund_posting SET digest = 'x' WHERE id = %(posting)s", "fund_posting"),
        ("UPDATE fund_posting SET reason = 'edited'", "fund_posting"),
        ("DELETE FROM fund_posting WHERE reverses_id IS NOT NULL", "fund_posting"),
        ("UPDATE audit_auditentry SET action = 'nothing.happened' WHERE id = %(audit)s", "audit_auditentry"),
        ("UPDATE audit_auditentry SET actor_id = NULL", "audit_auditentry"),
        ("DELETE FROM audit_auditentry WHERE id = %(audit)s", "audit_auditentry"),
        ("DELETE FROM audit_auditentry", "audit_auditentry"),
    ],
)
def test_raw_sql_cannot_change_or_remove_posted_rows(posted, sql, table):
    ids = {key: obj.pk for key, obj in posted.items()}
    before = snapshot()
    with pytest.raises(IntegrityError, match=f"on {table} is not allowed") as exc_info:
        with transaction.atomic():
            execute(sql, ids)
    assert sqlstate(exc_info) == RESTRICT_VIOLATION
    assert snapshot() == before


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: Leg.objects.filter(pk=p["debit_leg"].pk).update(debit=Decimal("1")), id="leg-debit"),
        pytest.param(lambda p: Leg.objects.filter(transaction=p["tx"]).update(description="x"), id="leg-descr"),
        pytest.param(lambda p: Leg.objects.filter(pk=p["debit_leg"].pk).delete(), id="leg-delete"),
        pytest.param(lambda p: Transaction.objects.filter(pk=p["tx"].pk).update(description="x"), id="tx-update"),
        pytest.param(lambda p: Posting.objects.filter(pk=p["posting"].pk).update(reason="x"), id="posting-update"),
        pytest.param(lambda p: Posting.objects.filter(reverses__isnull=False).delete(), id="posting-delete"),
        pytest.param(lambda p: AuditEntry.objects.filter(pk=p["audit"].pk).update(data={}), id="audit-update"),
        pytest.param(lambda p: AuditEntry.objects.filter(pk=p["audit"].pk).delete(), id="audit-delete"),
        pytest.param(lambda p: p["audit"].delete(), id="audit-instance-delete"),
    ],
)
def test_orm_cannot_change_or_remove_posted_rows(posted, change):
    before = snapshot()
    with pytest.raises(IntegrityError, match="is not allowed: posted rows are append-only") as exc_info:
        with transaction.atomic():
            change(posted)
    assert sqlstate(exc_info) == RESTRICT_VIOLATION
    assert snapshot() == before


def test_the_connection_is_usable_after_a_refused_change(posted):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Leg.objects.filter(pk=posted["debit_leg"].pk).update(debit=Decimal("1"))
    assert Leg.objects.get(pk=posted["debit_leg"].pk).debit == Money(300_000, "VND")
    assert ledger_problems().problems == []


# --- received gifts are frozen -------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": Decimal("1")},
        {"amount_currency": "USD"},
        {"exchange_rate": Decimal("25000")},
        {"kind": "scholarship", "scholarship_count": 1},
        {"channel": "bank_transfer"},
        {"received_at": None, "status": "pledged"},
    ],
    ids=lambda changes: "+".join(changes),
)
@pytest.mark.parametrize("status", ["received", "refunded"])
def test_a_received_gifts_money_fields_cannot_change(fund, donor, now, status, changes):
    donation = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="300000", received_at=now)
    if status == "refunded":
        donation_refund(donation=donation, reason="returned")
    saved = Donation.objects.values().get(pk=donation.pk)
    refused = f"is {status}: what was given, by whom, to which fund and when are fixed|cannot go from {status} to"
    with pytest.raises(IntegrityError, match=refused):
        with transaction.atomic():
            Donation.objects.filter(pk=donation.pk).update(**changes)
    assert Donation.objects.values().get(pk=donation.pk) == saved


def test_a_received_gift_cannot_move_to_another_fund_or_donor(fund, other_fund, donor, organisation, now):
    donation = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="300000", received_at=now)
    for changes in ({"fund": other_fund}, {"donor": organisation}):
        with pytest.raises(IntegrityError, match="are fixed"):
            with transaction.atomic():
                Donation.objects.filter(pk=donation.pk).update(**changes)
    donation.refresh_from_db()
    assert (donation.fund, donation.donor) == (fund, donor)


def test_a_cancelled_pledge_is_frozen_too(fund, donor):
    from fund.services import donation_cancel

    donation = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="300000")
    donation_cancel(donation=donation, reason="never paid")
    with pytest.raises(IntegrityError, match="is cancelled"):
        with transaction.atomic():
            Donation.objects.filter(pk=donation.pk).update(amount=Decimal("1"))


def test_a_received_gifts_message_and_anonymity_may_still_change(fund, donor, now):
    donation = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="300000", received_at=now)
    Donation.objects.filter(pk=donation.pk).update(message="Thank you!", is_anonymous=False)
    donation.refresh_from_db()
    assert (donation.message, donation.is_anonymous) == ("Thank you!", False)


def test_a_pledge_may_still_be_corrected(fund, donor):
    donation = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="300000")
    updated = Donation.objects.filter(pk=donation.pk).update(amount=Decimal("350000"), channel="bank_transfer")
    assert updated == 1
    donation.refresh_from_db()
    assert donation.amount == Money(350_000, "VND")
    assert donation.channel == "bank_transfer"


def test_gifts_are_never_deleted(fund, donor, now):
    pledge = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="300000")
    received = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="100000", received_at=now)
    with pytest.raises(IntegrityError, match="never deleted") as exc_info:
        with transaction.atomic():
            Donation.objects.filter(pk=pledge.pk).delete()
    assert sqlstate(exc_info) == RESTRICT_VIOLATION
    with pytest.raises(IntegrityError, match="never deleted"):
        with transaction.atomic():
            pledge.delete()
    with pytest.raises(IntegrityError) as exc_info:
        with transaction.atomic():
            execute("DELETE FROM fund_donation WHERE id = %s", [received.pk])
    assert sqlstate(exc_info) == RESTRICT_VIOLATION
    assert set(Donation.objects.values_list("pk", flat=True)) == {pledge.pk, received.pk}


def test_a_received_goods_gifts_lines_are_frozen_or_their_change_is_reported(fund, donor, now):
    donation = donation_record(
        fund=fund,
        donor=donor,
        kind="in_kind",
        channel="in_kind_delivery",
        lines=[{"description": "Rice", "quantity": "50", "unit": "kg", "fair_value": "1000000"}],
        received_at=now,
    )
    try:
        with transaction.atomic():
            DonationLine.objects.filter(donation=donation).update(quantity=Decimal("5"), fair_value=Decimal("1"))
    except (IntegrityError, FundError):
        return  # refused by the database: fine
    assert ledger_problems().problems, "a received gift's line was rewritten and nothing noticed"


@pytest.mark.parametrize(("start", "to"), [("received", "pledged"), ("refunded", "received"), ("cancelled", "pledged")])
def test_a_gifts_status_only_moves_forward(fund, donor, now, start, to):
    donation = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="300000")
    if start == "cancelled":
        donation_cancel(donation=donation, reason="changed mind")
    else:
        donation_receive(donation=donation, received_at=now)
        if start == "refunded":
            donation_refund(donation=donation, reason="returned")
    with pytest.raises(IntegrityError, match=f"cannot go from {start} to {to}"):
        with transaction.atomic():
            Donation.objects.filter(pk=donation.pk).update(status=to)


def test_fund_accounts_cannot_be_reassigned(fund):
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic():
            FundAccount.objects.filter(fund=fund, role="bank").update(role="goods_stock_swapped")


def test_lines_cannot_be_added_to_a_received_goods_gift(fund, donor, now, immediate_constraints):
    donation = donation_record(
        fund=fund,
        donor=donor,
        kind="supplies",
        channel="in_kind_delivery",
        lines=[{"description": "Notebooks", "quantity": "100", "unit": "piece", "fair_value": "500000"}],
        received_at=now,
    )
    with pytest.raises(IntegrityError, match="is worth 500000.00 but its lines add up to 600000.00"):
        with transaction.atomic():
            DonationLine.objects.create(
                donation=donation, description="Pens", quantity=Decimal("10"), unit="box", fair_value=Decimal("100000")
            )
    assert DonationLine.objects.filter(donation=donation).count() == 1
