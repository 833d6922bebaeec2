"""Matching stored statement lines in chunks: the rules of bank_transaction_match (see it, and
docs/decisions/0006-bank-reconciliation.md), applied to a few thousand lines per transaction with
a handful of queries instead of a locking transaction and a ledger posting per line.

Per chunk, in one transaction: the lines are locked, then the amount locks of all their sums
(in key order), then every gift they name and every bank-transfer pledge of their sums in the
window (one query, in id order: the same lock order as the per-line matcher, so neither can
deadlock the other). Each line is then decided in file order against that picture, updated as
earlier lines of the chunk receive their gifts, so the outcome is line for line the per-line
matcher's. The gifts are received with fund's bulk service; should it refuse (a rule of one
gift), the chunk is rolled back and decided line by line, where that gift's line goes to review
saying why.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Max, Min, Q
from django.db.transaction import atomic
from django.utils import timezone, translation

from audit.services import audit_record_many
from fund.errors import FundError
from fund.models import Donation
from fund.money import money_display
from fund.services.donations_bulk import Arrival, donations_receive_bulk

from ..bank_statements import StatementLine
from ..models import BankTransaction
from .bank_import import (
    _MONEY_KINDS,
    _REPEAT_DAYS,
    _REPEAT_LOCK,
    _WAITING,
    REASON_MAX,
    _amount_lock_key,
    _no_pledge_reason,
    _reference_problem,
    _repeat_reason,
    _same_words,
    _sender_fits,
    bank_transaction_match,
    received_moment,
    references_in,
)

CHUNK_LINES = 5000

PledgeDays = dict[tuple[Decimal, str], list[datetime.date]]


@dataclass
class Tally:
    decided: int = 0
    matched: int = 0
    review: int = 0

    def add(self, other: Tally) -> None:
        self.decided += other.decided
        self.matched += other.matched
        self.review += other.review


@dataclass
class MatchContext:
    """What every chunk of one import shares.

    ``in_file``: of some fingerprints, those that belong to the file being imported (its other
    lines are other transfers, never repeats). Lines that name no gift and have no pledge of
    their sum in the window were settled for review when stored (``settle_reasons``)."""

    in_file: Callable[[Collection[str]], set[str]]
    moments: Mapping[str, datetime.datetime] = field(default_factory=dict)
    actor: Any = None


def pledge_days_since(first: datetime.date) -> PledgeDays:
    days: PledgeDays = {}
    for amount, currency, pledged_at in Donation.objects.filter(
        status=Donation.Status.PLEDGED,
        channel=Donation.Channel.BANK_TRANSFER,
        kind__in=_MONEY_KINDS,
        pledged_at__date__gte=first - datetime.timedelta(days=settings.BANK_MATCH_WINDOW_DAYS),
    ).values_list("amount", "amount_currency", "pledged_at"):
        days.setdefault((amount, currency), []).append(timezone.localdate(pledged_at))
    return days


def known_references(codes: Iterable[str]) -> set[str]:
    wanted = sorted(set(codes))
    known: set[str] = set()
    for start in range(0, len(wanted), 5000):
        known.update(
            Donation.objects.filter(reference__in=wanted[start : start + 5000]).values_list("reference", flat=True)
        )
    return known


def waiting_chunks(statement_id: int, *, size: int = CHUNK_LINES) -> Iterable[list[int]]:
    """The ids of the statement's lines still waiting, in file order, a window of ids at a time
    (its lines were stored by one INSERT: their ids are one run, read by the primary key
    rather than by the statement's index, which would return a million rows each time)."""
    lines = BankTransaction.objects.filter(statement_id=statement_id)
    bounds = lines.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, size):
        window = lines.filter(pk__gte=start, pk__lt=start + size, reason=_WAITING)
        ids = list(window.order_by("pk").values_list("pk", flat=True))
        if ids:
            yield ids


def statement_match(
    *, statement_id: int, context: MatchContext, progress: Callable[[Tally], None] | None = None
) -> Tally:
    """Decide every waiting line of a stored statement: first, chunk by chunk, the lines that
    name a real gift (a stranger's transfer of the same sum, listed earlier, must not take the
    pledge the donor's own transfer pays by its reference), then all the others."""
    tally = Tally()
    for named_only in (True, False):
        for ids in waiting_chunks(statement_id):
            done = chunk_match(ids, context=context, named_only=named_only)
            tally.add(done)
            if progress is not None:
                progress(tally)
    return tally


class _Refused(Exception):
    pass


def chunk_match(ids: list[int], *, context: MatchContext, named_only: bool) -> Tally:
    try:
        with atomic(), translation.override("en"):
            return _chunk_decide(ids, context, named_only)
    except _Refused:
        pass
    # A gift's own rule refused the bulk receipt: these lines one by one, exactly as before.
    tally = Tally()
    lines = BankTransaction.objects.filter(pk__in=ids, reason=_WAITING).order_by("pk")
    codes = {line.pk: references_in(line.description) for line in lines}
    known = known_references(code for found in codes.values() for code in found)
    for line in lines:
        if named_only and not known.intersection(codes[line.pk]):
            continue
        decided = bank_transaction_match(
            transaction=line,
            booked_at=context.moments.get(line.fingerprint),
            actor=context.actor,
            same_file=_others_in_file(line, context),
        )
        tally.decided += 1
        if decided.status == BankTransaction.Status.MATCHED:
            tally.matched += 1
        else:
            tally.review += 1
    return tally


def _others_in_file(line: BankTransaction, context: MatchContext) -> set[str]:
    nearby = _repeat_candidates([line])
    return context.in_file([other.fingerprint for other in nearby])


def _lock_amounts(lines: Iterable[BankTransaction]) -> None:
    keys = sorted({_amount_lock_key(line.amount) for line in lines})
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, k) FROM (SELECT unnest(%s::int[]) AS k ORDER BY 1) AS keys",
            [_REPEAT_LOCK, keys],
        )


def _repeat_candidates(lines: list[BankTransaction]) -> list[BankTransaction]:
    """Decided lines of other statements that could be a copy of one of ``lines``: the same
    sums, booked within a day of them. The per-line matcher's query, for a whole chunk."""
    if not lines:
        return []
    statement_ids = {line.statement_id for line in lines}
    by_currency: dict[str, set[Decimal]] = {}
    for line in lines:
        by_currency.setdefault(line.amount.currency.code, set()).add(line.amount.amount)
    amounts = Q()
    for currency, values in by_currency.items():
        amounts |= Q(amount_currency=currency, amount__in=sorted(values))
    spread = datetime.timedelta(days=_REPEAT_DAYS)
    nearby = BankTransaction.objects.filter(amounts).filter(
        booked_on__gte=min(line.booked_on for line in lines) - spread,
        booked_on__lte=max(line.booked_on for line in lines) + spread,
    )
    # Statements other than the lines' own, as ranges the index skips by (see its Meta): a
    # million-line statement has tens of thousands of lines of each common sum.
    low, high = min(statement_ids), max(statement_ids)
    parts = [Q(statement_id__lt=low), Q(statement_id__gt=high)]
    if high != low:
        parts.append(Q(statement_id__gt=low, statement_id__lt=high) & ~Q(statement_id__in=statement_ids))
    found = [
        other
        for part in parts
        for other in nearby.filter(part).exclude(reason=_WAITING).select_related("statement", "donation")
    ]
    return sorted(found, key=lambda other: other.pk)


def _repeat_in(line: BankTransaction, nearby: list[BankTransaction]) -> BankTransaction | None:
    """bank_import._repeat_of over candidates already read (in id order)."""
    spread = datetime.timedelta(days=_REPEAT_DAYS)
    for other in nearby:
        if other.amount != line.amount or abs(other.booked_on - line.booked_on) > spread:
            continue
        if other.statement_id == line.statement_id:
            continue
        if line.bank_reference and other.bank_reference:
            if line.bank_reference.strip().casefold() == other.bank_reference.strip().casefold():
                return other
            continue
        checks = [
            _same_words(line.description, other.description),
            _same_words(line.counterparty, other.counterparty),
        ]
        if True in checks and False not in checks:
            return other
    return None


class PledgeWindow:
    """The bank-transfer pledges open when a statement is read, by sum and day: whether a line
    could match one by its amount. Reloaded from an earlier day when a line needs it."""

    def __init__(self) -> None:
        self.since: datetime.date | None = None
        self.days: PledgeDays = {}

    def has_pledge_for(self, amount: Decimal, currency: str, booked_on: datetime.date) -> bool:
        first = booked_on - datetime.timedelta(days=settings.BANK_MATCH_WINDOW_DAYS)
        if self.since is None or booked_on < self.since:
            # A month further back at once: statements list their days in either order.
            self.since = booked_on - datetime.timedelta(days=31)
            self.days = pledge_days_since(self.since)
        return any(first <= day <= booked_on for day in self.days.get((amount, currency), ()))


def settle_reasons(lines: list[StatementLine], window: PledgeWindow) -> list[str]:
    """Each line's reason as stored: the "no gift reference, and no pledge" reason for a line
    that names no real gift and has no pledge of its sum in the window (most of an appeal's
    lines: settled for review here, without a step of their own), else "waiting"."""
    codes = [references_in(line.description) for line in lines]
    known = known_references(code for found in codes for code in found)
    reasons: dict[tuple[Decimal, str], str] = {}
    out = []
    for line, found in zip(lines, codes, strict=True):
        amount, currency = line.amount.amount, line.amount.currency.code
        if known.intersection(found) or window.has_pledge_for(amount, currency, line.booked_on):
            out.append(_WAITING)
            continue
        if (amount, currency) not in reasons:
            reasons[amount, currency] = _no_pledge_reason(line.amount, settings.BANK_MATCH_WINDOW_DAYS)[:REASON_MAX]
        out.append(reasons[amount, currency])
    return out


def _chunk_decide(ids: list[int], context: MatchContext, named_only: bool) -> Tally:
    rows = BankTransaction.objects.filter(pk__in=ids, status=BankTransaction.Status.REVIEW, reason=_WAITING)
    glances = list(rows.order_by("pk").values_list("pk", "description"))
    codes = {pk: references_in(description) for pk, description in glances}
    known = known_references(code for found in codes.values() for code in found)
    wanted = [pk for pk, _description in glances if not named_only or known.intersection(codes[pk])]
    todo = list(
        BankTransaction.objects.select_for_update(of=("self",))
        .filter(pk__in=wanted, status=BankTransaction.Status.REVIEW, reason=_WAITING)
        .order_by("pk")
    )

    _lock_amounts(todo)
    nearby = _repeat_candidates(todo)
    same_file = context.in_file([other.fingerprint for other in nearby])
    nearby = [other for other in nearby if other.fingerprint not in same_file]
    # Every line of the first pass names a gift: none of them is matched by its amount.
    gifts, pledges = _gifts_for(todo, codes, known, amounts=not named_only)
    by_reference = {gift.reference: gift for gift in gifts}

    days = settings.BANK_MATCH_WINDOW_DAYS
    arrivals: list[Arrival] = []
    decided: list[tuple[BankTransaction, Donation | None]] = []
    for line in todo:
        repeat = _repeat_in(line, nearby)
        if repeat is not None:
            decided.append(_set(line, None, _repeat_reason(repeat)))
            continue
        named = {code: by_reference[code] for code in codes[line.pk] if code in by_reference}
        if len(named) > 1:
            decided.append(_set(line, None, f"The note names several gifts ({', '.join(sorted(named))}); choose one."))
            continue
        if named:
            (gift,) = named.values()
            problem = _reference_problem(line, gift)
            if problem:
                decided.append(_set(line, None, problem))
                continue
            decided.append(_receive(line, gift, "by reference", arrivals, context))
            continue
        first = line.booked_on - datetime.timedelta(days=days)
        fitting = [
            pledge
            for pledge in pledges.get((line.amount.amount, line.amount.currency.code), [])
            if not pledge.taken and first <= pledge.day <= line.booked_on
        ]
        amount = _money(line)
        if len(fitting) == 1:
            (pledge,) = fitting
            gift = pledge.gift or _pledge_lock(pledge)
            if not _sender_fits(line, gift):
                decided.append(
                    _set(
                        line,
                        None,
                        f"No gift reference; amount and date fit gift {gift.reference}, but the sender does not look "
                        "like its donor: match it by hand if it is theirs.",
                    )
                )
                continue
            pledge.taken = True
            decided.append(_receive(line, gift, "by amount and date", arrivals, context))
        elif fitting:
            decided.append(
                _set(
                    line,
                    None,
                    f"No gift reference; {len(fitting)} bank-transfer pledges of {amount} in the {days} days before: "
                    "choose one.",
                )
            )
        else:
            decided.append(_set(line, None, _no_pledge_reason(line.amount, days)))

    for arrival in arrivals:
        # Shown received to the later lines of the chunk above; the bulk service receives it.
        arrival.donation.status = Donation.Status.PLEDGED
    try:
        donations_receive_bulk(arrivals=arrivals, late_into_open_period=True, actor=context.actor)
    except FundError as exc:
        raise _Refused from exc
    _lines_update([line for line, _gift in decided])
    audit_record_many(
        actor=context.actor,
        action="bank_transaction.match",
        entries=[
            (line, {"status": line.status, "reason": line.reason, "gift": gift.reference if gift else None})
            for line, gift in decided
        ],
    )
    matched = sum(1 for _line, gift in decided if gift is not None)
    return Tally(decided=len(decided), matched=matched, review=len(decided) - matched)


def _money(line: BankTransaction) -> str:
    return money_display(line.amount)


@dataclass
class _Pledge:
    """A bank-transfer pledge of a chunk's sum: its id and day, and the gift itself once locked."""

    pk: int
    day: datetime.date
    gift: Donation | None = None
    taken: bool = False


FEW_PLEDGES = 10  # of one sum in a chunk's window: locked and loaded at once; more are looked at first


def _locked_gifts(wanted: Q) -> list[Donation]:
    return list(
        Donation.objects.select_for_update(of=("self",))
        .filter(wanted)
        .select_related("fund", "donor", "payer")
        .order_by("pk")
    )


def _pledge_lock(pledge: _Pledge) -> Donation:
    """A pledge of a common sum that is the only one in a line's window: locked now (the
    chunk holds its sum's amount lock, so no matcher took it meanwhile; anyone else did, and
    the chunk is decided line by line)."""
    (gift,) = _locked_gifts(Q(pk=pledge.pk)) or [None]
    if gift is None or gift.status != Donation.Status.PLEDGED:
        raise _Refused
    pledge.gift = gift
    return gift


def _gifts_for(
    lines: list[BankTransaction], codes: dict[int, list[str]], known: set[str], *, amounts: bool
) -> tuple[list[Donation], dict[tuple[Decimal, str], list[_Pledge]]]:
    """Every gift the lines name, locked in id order, and (with ``amounts``) the bank-transfer
    pledges their sums could match, by sum. Pledges of a sum few enough are locked and loaded
    with the named gifts; a sum with many (the common 500,000 ₫ of an appeal, pledged by
    thousands who have not paid yet) is looked at without locks, and the one pledge a line
    could take is locked when it comes to that (_pledge_lock)."""
    if not lines:
        return [], {}
    named = sorted({code for line in lines for code in codes[line.pk] if code in known})
    if not amounts:
        return _locked_gifts(Q(reference__in=named)), {}
    days = settings.BANK_MATCH_WINDOW_DAYS
    by_currency: dict[str, set[Decimal]] = {}
    for line in lines:
        by_currency.setdefault(line.amount.currency.code, set()).add(line.amount.amount)
    sums = Q()
    for currency, values in by_currency.items():
        sums |= Q(amount_currency=currency, amount__in=sorted(values))
    candidates = Donation.objects.filter(
        sums,
        status=Donation.Status.PLEDGED,
        channel=Donation.Channel.BANK_TRANSFER,
        kind__in=_MONEY_KINDS,
        pledged_at__date__gte=min(line.booked_on for line in lines) - datetime.timedelta(days=days),
        pledged_at__date__lte=max(line.booked_on for line in lines),
    )
    pledges: dict[tuple[Decimal, str], list[_Pledge]] = {}
    for pk, amount, currency, pledged_at in candidates.order_by("pk").values_list(
        "pk", "amount", "amount_currency", "pledged_at"
    ):
        pledges.setdefault((amount, currency), []).append(_Pledge(pk=pk, day=timezone.localdate(pledged_at)))
    few = [pledge.pk for found in pledges.values() if len(found) <= FEW_PLEDGES for pledge in found]
    wanted = Q(reference__in=named) | Q(pk__in=few)
    gifts = _locked_gifts(wanted) if named or few else []
    loaded = {gift.pk: gift for gift in gifts}
    for found in pledges.values():
        for pledge in found:
            pledge.gift = loaded.get(pledge.pk)
            if len(found) <= FEW_PLEDGES and (pledge.gift is None or pledge.gift.status != Donation.Status.PLEDGED):
                pledge.taken = True  # received between the two reads
    return gifts, pledges


def _set(line: BankTransaction, gift: Donation | None, reason: str) -> tuple[BankTransaction, Donation | None]:
    line.reason = reason[:REASON_MAX]
    if gift is not None:
        line.donation = gift
        line.status = BankTransaction.Status.MATCHED
    return line, gift


def _receive(
    line: BankTransaction, gift: Donation, how: str, arrivals: list[Arrival], context: MatchContext
) -> tuple[BankTransaction, Donation]:
    moment = received_moment(
        line.booked_on, booked_at=context.moments.get(line.fingerprint), pledged_at=gift.pledged_at
    )
    arrivals.append(Arrival(donation=gift, received_at=moment, channel=Donation.Channel.BANK_TRANSFER))
    gift.status = Donation.Status.RECEIVED  # for the lines after this one; the bulk service writes it
    return _set(line, gift, how)


def _lines_update(lines: list[BankTransaction]) -> None:
    if not lines:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {BankTransaction._meta.db_table} AS t SET reason = v.reason, status = v.status, "  # noqa: S608
            "donation_id = v.donation_id FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[]) "
            "AS v(id, reason, status, donation_id) WHERE t.id = v.id",
            [
                [line.pk for line in lines],
                [line.reason for line in lines],
                [line.status for line in lines],
                [line.donation_id for line in lines],
            ],
        )
