"""The statement entries (fund.models.StatementEntry): kept by the database from postings and
donors, refused to anyone else, found out by check_ledger when wrong; and a statement read from
them gives the same figures as one computed straight from the postings and their legs, on a
random ledger, for random periods, after a donor changes kind."""

import datetime
import random
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from djmoney.money import Money

from donors.models import Donor
from donors.services import donor_create, donor_update
from fund.errors import FundError
from fund.models import Donation, Posting, StatementEntry
from fund.models.ledger import ALLOCATION_ROLES, EXPENSE_ROLES, INCOME_ROLES, AccountRole
from fund.selectors.statement_entries import statement_entries_differences
from fund.selectors.statements import fund_statement
from fund.services import donation_record, donation_refund, ledger_check_run
from fund.services.goods import fund_goods_adjust, fund_goods_issue
from fund.services.spending import fund_spend, fund_spend_reverse

_ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=20, decimal_places=2))
_ROLE = "transaction__legs__account__fund_account__role"


def execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def vnd(amount) -> Money:
    return Money(Decimal(amount), "VND")


# --- The straightforward computation: GROUP BYs over the postings joined to their legs, gifts
# and donors, as statements were read before the entries existed.


def _legs(side, roles):
    return Coalesce(Sum(f"transaction__legs__{side}", filter=Q(**{f"{_ROLE}__in": roles})), _ZERO)


def _effect():
    nominal = (*INCOME_ROLES, *EXPENSE_ROLES)
    return _legs("credit", nominal) - _legs("debit", nominal)


def straight_figures(fund, date_from, date_to):
    in_period = Posting.objects.filter(fund=fund, transaction__date__gte=date_from, transaction__date__lte=date_to)
    receipts = in_period.filter(kind="donation_received")

    def gifts(group_by):
        return {
            row[group_by]: (row["gifts"], row["donors"], row["value"])
            for row in receipts.values(group_by)
            .annotate(gifts=Count("id", distinct=True), donors=Count("donation__donor", distinct=True), value=_effect())
            .order_by()
        }

    allocations = in_period.filter(kind="allocation")
    helped = ~Q(recipient="") & (Q(reversed_by__isnull=True) | Q(reversed_by__transaction__date__gt=date_to))

    def allocated(group_by):
        return {
            row[group_by]: (row["n"], row["people"], row["value"])
            for row in allocations.values(group_by)
            .annotate(
                n=Count("id", distinct=True),
                people=Count("recipient", distinct=True, filter=helped),
                value=_legs("debit", ALLOCATION_ROLES),
            )
            .order_by()
        }

    def reversal_key(row):
        return row["donation__kind"] if row["reverses__kind"] == "donation_received" else row["purpose"]

    reversals = [
        (row["reverses__kind"], reversal_key(row), row["n"], row["effect"])
        for row in in_period.filter(kind="reversal", reverses__kind__in=("donation_received", "allocation"))
        .values("reverses__kind", "donation__kind", "purpose")
        .annotate(n=Count("id", distinct=True), effect=_effect())
        .order_by("reverses__kind", "donation__kind", "purpose")
    ]
    lost = Q(**{_ROLE: AccountRole.GOODS_LOST})
    counted = in_period.filter(kind="stock_adjustment").aggregate(
        lost_n=Count("id", distinct=True, filter=lost & Q(transaction__legs__debit__isnull=False)),
        found_n=Count("id", distinct=True, filter=lost & Q(transaction__legs__credit__isnull=False)),
        lost=_legs("debit", [AccountRole.GOODS_LOST]),
        found=_legs("credit", [AccountRole.GOODS_LOST]),
    )
    return {
        "by_kind": gifts("donation__kind"),
        "by_donor_type": gifts("donation__donor__kind"),
        "allocations_by_kind": allocated("purpose"),
        "allocations_by_programme": allocated("programme"),
        "people": allocations.aggregate(n=Count("recipient", distinct=True, filter=helped))["n"],
        "reversals": reversals,
        "adjustments": (counted["lost_n"], -counted["lost"], counted["found_n"], counted["found"]),
        "late": in_period.filter(occurred_on__isnull=False).count(),
    }


def fast_figures(fund, date_from, date_to):
    statement = fund_statement(fund, date_from=date_from, date_to=date_to)

    def present(lines, *fields):
        # The straightforward query has no row for a key without postings; the statement shows 0.
        return {line.key: tuple(getattr(line, field) for field in fields) for line in lines if getattr(line, fields[0])}

    def amounts(rows):
        return {key: (*rest, value.amount) for key, (*rest, value) in rows.items()}

    lost, found = statement.adjustments
    assert statement.reconciles
    return {
        "by_kind": amounts(present(statement.receipts_by_kind, "gifts", "donors", "value")),
        "by_donor_type": amounts(present(statement.receipts_by_donor_type, "gifts", "donors", "value")),
        "allocations_by_kind": amounts(present(statement.allocations_by_kind, "allocations", "people", "value")),
        "allocations_by_programme": amounts(
            present(statement.allocations_by_programme, "allocations", "people", "value")
        ),
        "people": statement.people_helped,
        "reversals": [(r.reverses, r.key, r.count, r.effect.amount) for r in statement.reversals],
        "adjustments": (lost.count, lost.effect.amount, found.count, found.effect.amount),
        "late": statement.late_entries,
    }


def random_ledger(fund, rng: random.Random, *, days: int = 40, entries: int = 90):
    """Gifts of every kind from a few people and organisations, refunds, cash and scholarship
    payments, reversals of some, goods handed out and counted, on random days."""
    today = timezone.localdate()
    donors = [
        donor_create(kind=rng.choice(["person", "organisation"]), name=f"Nhà hảo tâm {n}", email=f"d{n}@example.org")
        for n in range(12)
    ]
    received, paid = [], []
    for n in range(entries):
        day = today - datetime.timedelta(days=rng.randrange(days))
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randrange(7, 20))))
        roll = rng.random()
        if roll < 0.55 or not received:
            kind = rng.choice(["cash", "cash", "scholarship", "in_kind"])
            extra = {"amount": str(rng.randrange(1, 40) * 50_000)}
            if kind == "scholarship":
                extra.update(scholarship_count=1, school_year="2026-2027")
            if kind == "in_kind":
                extra = {
                    "lines": [{"description": "Gạo", "quantity": "5", "unit": "kg", "fair_value": "250000"}],
                }
            channel = "in_kind_delivery" if kind == "in_kind" else rng.choice(["bank_transfer", "cash"])
            received.append(
                donation_record(
                    fund=fund, donor=rng.choice(donors), kind=kind, channel=channel, received_at=at, **extra
                )
            )
        elif roll < 0.6:
            gift = received.pop(rng.randrange(len(received)))
            if gift.kind != "in_kind":
                donation_refund(donation=gift, reason="asked back")
        elif roll < 0.85:
            try:
                with transaction.atomic():
                    paid.append(
                        fund_spend(
                            fund=fund,
                            purpose=rng.choice(["cash", "cash", "scholarship"]),
                            programme=rng.choice(["orphan", "disability", "elderly"]),
                            reference=f"allocation:{n}",
                            recipient=f"b:{rng.randrange(15)}",
                            amount=vnd(rng.randrange(1, 10) * 100_000),
                            date=day,
                            paid_from=rng.choice(["bank", "bank", "cash_on_hand"]),
                            description="Support",
                        )
                    )
            except FundError:
                pass  # not enough left: refused, nothing written
        elif roll < 0.92 and paid:
            posting = paid.pop(rng.randrange(len(paid)))
            fund_spend_reverse(posting=posting, reason="paid twice", date=max(day, posting.transaction.date))
        else:
            try:
                with transaction.atomic():
                    if rng.random() < 0.5:
                        fund_goods_issue(
                            fund=fund,
                            purpose="in_kind",
                            programme="orphan",
                            reference=f"handover:{n}",
                            recipient=f"b:{rng.randrange(15)}",
                            value=vnd(50_000),
                            date=day,
                            description="Rice handed over",
                        )
                    else:
                        fund_goods_adjust(
                            fund=fund,
                            loss=vnd(rng.choice([20_000, -10_000])),
                            reference=f"count:{n}",
                            date=day,
                            description="Stock count",
                        )
            except FundError:
                pass
    return donors


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [7, 2026])
def test_a_statement_from_the_entries_equals_one_from_the_postings(fund, seed):
    rng = random.Random(seed)
    donors = random_ledger(fund, rng)
    today = timezone.localdate()
    periods = [(today - datetime.timedelta(days=60), today)] + [
        sorted(today - datetime.timedelta(days=rng.randrange(45)) for _ in range(2)) for _ in range(6)
    ]
    for date_from, date_to in periods:
        assert fast_figures(fund, date_from, date_to) == straight_figures(fund, date_from, date_to)
    assert fast_figures(fund, *periods[0])["by_kind"], "the random ledger has gifts"
    assert fast_figures(fund, *periods[0])["people"], "and payments"

    # A donor changes kind: the statement follows, as the straightforward one does.
    changed = next(d for d in donors if d.kind == "person" and Donation.objects.filter(donor=d).exists())
    donor_update(donor=changed, kind="organisation")
    for date_from, date_to in periods:
        assert fast_figures(fund, date_from, date_to) == straight_figures(fund, date_from, date_to)
    # (The whole check_ledger would object to goods issued here without care's stock records.)
    assert statement_entries_differences() == []


@pytest.mark.django_db
def test_every_posting_has_its_entry(fund, donor):
    gift = donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="700000", received_at=timezone.now()
    )
    donation_refund(donation=gift, reason="twice")
    receipt, refund = Posting.objects.filter(donation=gift).order_by("pk")
    entries = {e.posting_id: e for e in StatementEntry.objects.all()}
    assert set(entries) == {receipt.pk, refund.pk}
    assert (entries[receipt.pk].kind, entries[receipt.pk].gift_kind, entries[receipt.pk].donor_id) == (
        "donation_received",
        "cash",
        donor.pk,
    )
    assert entries[receipt.pk].value == Decimal("700000.00")
    assert (entries[refund.pk].reverses_kind, entries[refund.pk].value) == ("donation_received", Decimal("-700000.00"))
    assert entries[refund.pk].donor_kind == Donor.Kind.PERSON


@pytest.mark.django_db
def test_a_reversal_dates_what_it_reverses(fund, donor):
    donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="900000", received_at=timezone.now()
    )
    today = timezone.localdate()
    with transaction.atomic():
        paid = fund_spend(
            fund=fund,
            purpose="cash",
            programme="orphan",
            reference="allocation:1",
            recipient="b:1",
            amount=vnd(400_000),
            date=today - datetime.timedelta(days=3),
            paid_from="bank",
            description="Fees",
        )
    assert StatementEntry.objects.get(pk=paid.pk).reversed_on is None
    fund_spend_reverse(posting=paid, reason="paid twice", date=today)
    assert StatementEntry.objects.get(pk=paid.pk).reversed_on == today
    before = fund_statement(fund, date_from=today - datetime.timedelta(days=3), date_to=today - datetime.timedelta(1))
    assert before.people_helped == 1  # reversed after the period: it reached someone in it
    assert fund_statement(fund, date_from=today - datetime.timedelta(days=3), date_to=today).people_helped == 0


@pytest.fixture
def entries(fund, donor):
    donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="500000", received_at=timezone.now()
    )
    return StatementEntry.objects.get()


@pytest.mark.django_db
def test_nobody_writes_the_entries_but_the_database(entries):
    for sql in (
        "UPDATE fund_statemententry SET value = value + 1 WHERE posting_id = %s",
        "DELETE FROM fund_statemententry WHERE posting_id = %s",
        "INSERT INTO fund_statemententry SELECT * FROM fund_statemententry WHERE posting_id = %s",
    ):
        with pytest.raises(IntegrityError, match="statement entries are kept by the database"), transaction.atomic():
            execute(sql, [entries.pk])


@pytest.mark.django_db
def test_check_ledger_finds_a_changed_a_missing_and_a_stray_entry(entries, fund, donor, immediate_constraints):
    assert statement_entries_differences() == []
    execute("ALTER TABLE fund_statemententry DISABLE TRIGGER fund_statemententry_guard")
    execute("UPDATE fund_statemententry SET value = value + 1000 WHERE posting_id = %s", [entries.pk])
    execute("ALTER TABLE fund_statemententry ENABLE TRIGGER fund_statemententry_guard")
    assert statement_entries_differences() == [
        f"The statement entry of posting {entries.pk} differs from what its ledger rows say"
    ]
    problems = ledger_check_run().problems
    assert f"The statement entry of posting {entries.pk} differs from what its ledger rows say" in problems

    # A gift posted with the trigger off has no entry; an entry whose posting is gone is a stray.
    execute("ALTER TABLE fund_posting DISABLE TRIGGER fund_posting_statement_entries")
    gift = donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="100000", received_at=timezone.now()
    )
    execute("ALTER TABLE fund_posting ENABLE TRIGGER fund_posting_statement_entries")
    unentered = Posting.objects.get(donation=gift)
    execute("ALTER TABLE fund_statemententry DISABLE TRIGGER fund_statemententry_guard")
    execute("UPDATE fund_statemententry SET posting_id = 999999 WHERE posting_id = %s", [entries.pk])
    execute("ALTER TABLE fund_statemententry ENABLE TRIGGER fund_statemententry_guard")
    assert statement_entries_differences() == [
        f"Posting {entries.pk} has no statement entry",
        f"Posting {unentered.pk} has no statement entry",
        "Statement entry 999999 belongs to no posting",
    ]


@pytest.mark.django_db
def test_check_ledger_requires_the_entries_triggers(entries, immediate_constraints):
    execute("ALTER TABLE donors_donor DISABLE TRIGGER fund_donor_statement_entries")
    problems = ledger_check_run().problems
    execute("ALTER TABLE donors_donor ENABLE TRIGGER fund_donor_statement_entries")
    assert (
        "Table donors_donor is not protected: trigger fund_donor_statement_entries is missing or disabled" in problems
    )
