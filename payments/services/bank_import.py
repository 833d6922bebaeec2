"""Bank transfers in: statement files and bank notifications stored line by line, each new line
matched to the pledge it pays.

Importing stores the lines in one transaction, keyed by fingerprint, so a repeated file, an
overlapping export or a redelivered notification adds nothing. A line that names no gift and has
no pledge of its amount is settled for review right there; every other new line is then matched
in its own short transaction that locks the gift, lines naming a gift before lines matched by
amount. A line that repeats a transfer already stored from another statement or notification
(the same transfer, stored under a different key) goes to review and receives nothing; one
matched by amount is received only when its sender looks like the pledge's donor or payer.
See docs/decisions/0006-bank-reconciliation.md.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
import zlib
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.transaction import atomic
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from djmoney.money import Money

from audit.services import audit_record
from config.actors import actor_user
from fund.errors import FundError
from fund.models import Donation
from fund.models.donations import REFERENCE_ALPHABET
from fund.money import currency_check, money_display
from fund.services.donations import donation_receive
from fund.services.locks import gift_lock

from ..bank_statements import (
    BankStatementError,
    ColumnMapping,
    ParsedStatement,
    StatementLine,
    line_fingerprints,
    mapping_get,
    statement_read,
)
from ..models import BankStatement, BankTransaction

REASON_MAX = 300  # BankTransaction.reason
_REFERENCE = re.compile(rf"(?=(CT[{REFERENCE_ALPHABET}]{{8}}))")
_MONEY_KINDS = (Donation.Kind.CASH, Donation.Kind.SCHOLARSHIP)
_WAITING = "Waiting to be matched."
_REPEAT_DAYS = 1  # a notification and a statement may book one transfer on neighbouring days
_REPEAT_LOCK = 0x43540002  # advisory lock namespace: one matcher at a time per amount and currency
_STORE_LOCK = 0x43540004  # one statement file stored at a time


def bank_statement_import(
    *,
    filename: str = "",
    content: bytes | None = None,
    parsed: ParsedStatement | None = None,
    mapping: ColumnMapping | str = "generic",
    currency: str | None = None,
    source: str = BankStatement.Source.FILE,
    actor: Any = None,
    per_line: bool = False,
) -> BankStatement:
    """Store a statement's incoming lines (from ``content``, a CSV/XLSX export read with
    ``mapping``, or already ``parsed``) and match every line not seen before.

    A file with a bad row is refused whole (BankStatementError naming the rows) before anything is
    written. Returns the BankStatement with its counts: lines in the file, new lines, and of the
    new ones how many were matched and how many wait for review.

    The lines are matched in chunks (services.bank_matching); ``per_line`` matches them one
    transaction at a time instead, the reference the chunked matcher is tested against. A
    statement too long to hold in memory is imported as a job (services.bank_jobs)."""
    if (content is None) == (parsed is None):
        raise FundError(_("Give either the file's content or its parsed lines."))
    if source not in BankStatement.Source.values:
        raise FundError(_("Unknown statement source %(source)r.") % {"source": source})
    filename = (filename or "").strip()[:255]
    if parsed is None:
        if isinstance(mapping, str):
            mapping = mapping_get(mapping)
        currency = currency_check(currency or settings.DEFAULT_CURRENCY)
        parsed = statement_read(content=content, filename=filename, mapping=mapping, currency=currency)
    lines = parsed.lines
    fingerprints = line_fingerprints(lines)
    settled = _unmatchable(lines)

    with atomic():
        if source == BankStatement.Source.FILE:
            statement_store_lock()
        statement = BankStatement.objects.create(
            source=source,
            filename=filename,
            sha256=hashlib.sha256(content).hexdigest() if content is not None else "",
            imported_by=actor_user(actor),
            line_count=len(lines),
        )
        # ON CONFLICT DO NOTHING on the unique fingerprint: a line stored by an earlier import, or
        # by one committing at this moment (we wait for it), is skipped; what is ours is new.
        BankTransaction.objects.bulk_create(
            [
                _transaction_for(statement, line, key, settled.get(index, _WAITING))
                for index, (line, key) in enumerate(zip(lines, fingerprints, strict=True))
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        new_ids = list(BankTransaction.objects.filter(statement=statement).order_by("pk").values_list("pk", flat=True))
        statement.new_count = len(new_ids)
        statement.save(update_fields=["new_count"])
        audit_record(
            actor=actor,
            action="bank_statement.import",
            obj=statement,
            data={
                "source": source,
                "filename": filename,
                "lines": len(lines),
                "new": len(new_ids),
                "skipped_outgoing": parsed.skipped_outgoing,
                "skipped_zero": parsed.skipped_zero,
                "skipped_undated": parsed.skipped_undated,
            },
        )

    moments = {key: line.booked_at for line, key in zip(lines, fingerprints, strict=True) if line.booked_at}
    in_file = frozenset(fingerprints)
    if per_line:
        _match_line_by_line(new_ids, in_file=in_file, moments=moments, actor=actor)
    else:
        from .bank_matching import MatchContext, statement_match

        context = MatchContext(in_file=in_file.intersection, moments=moments, actor=actor)
        statement_match(statement_id=statement.pk, context=context)
    statement.matched_count = BankTransaction.objects.filter(
        statement=statement, status=BankTransaction.Status.MATCHED
    ).count()
    statement.review_count = statement.new_count - statement.matched_count
    BankStatement.objects.filter(pk=statement.pk).update(
        matched_count=statement.matched_count, review_count=statement.review_count
    )
    return statement


def statement_store_lock() -> None:
    """Statement files are stored one at a time (until the storing transaction ends): two
    overlapping exports inserting the same lines in different orders would otherwise deadlock.
    Each line is stored once either way (the unique fingerprint)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_STORE_LOCK])


def _match_line_by_line(
    new_ids: list[int], *, in_file: frozenset[str], moments: dict[str, datetime.datetime], actor: Any
) -> None:
    waiting = list(BankTransaction.objects.filter(pk__in=new_ids, reason=_WAITING).order_by("pk"))
    # Every line that names a gift first: a stranger's transfer of the same sum, listed earlier,
    # must not take the pledge that the donor's own transfer pays by its reference.
    codes = {line.pk: references_in(line.description) for line in waiting}
    named = _known_references({code for found in codes.values() for code in found})
    waiting.sort(key=lambda line: not named.intersection(codes[line.pk]))
    for line in waiting:
        bank_transaction_match(
            transaction=line, booked_at=moments.get(line.fingerprint), actor=actor, same_file=in_file
        )


def _transaction_for(statement: BankStatement, line: StatementLine, fingerprint: str, reason: str) -> BankTransaction:
    return BankTransaction(
        statement=statement,
        fingerprint=fingerprint,
        booked_on=line.booked_on,
        amount=line.amount,
        description=line.description,
        counterparty=line.counterparty,
        bank_reference=line.bank_reference,
        status=BankTransaction.Status.REVIEW,
        reason=reason,
    )


def _unmatchable(lines: list[StatementLine]) -> dict[int, str]:
    """The review reason of each line (by position) that names no gift and has no pledge of its
    amount in the window: a few queries for the whole file, instead of a locking transaction per
    line. Most lines of a large appeal's statement are such unannounced gifts. A pledge made
    between this read and the insert is found by the accountant in the review queue."""
    if not lines:
        return {}
    days = settings.BANK_MATCH_WINDOW_DAYS
    references = {index: references_in(line.description) for index, line in enumerate(lines)}
    known = _known_references({code for codes in references.values() for code in codes})
    first = min(line.booked_on for line in lines) - datetime.timedelta(days=days)
    pledge_days: dict[tuple[Decimal, str], list[datetime.date]] = {}
    for amount, currency, pledged_at in Donation.objects.filter(
        status=Donation.Status.PLEDGED,
        channel=Donation.Channel.BANK_TRANSFER,
        kind__in=_MONEY_KINDS,
        pledged_at__date__gte=first,
    ).values_list("amount", "amount_currency", "pledged_at"):
        pledge_days.setdefault((amount, currency), []).append(timezone.localdate(pledged_at))
    settled = {}
    for index, line in enumerate(lines):
        if known.intersection(references[index]):
            continue
        window = (line.booked_on - datetime.timedelta(days=days), line.booked_on)
        dates = pledge_days.get((line.amount.amount, line.amount.currency.code), [])
        if not any(window[0] <= day <= window[1] for day in dates):
            settled[index] = _no_pledge_reason(line.amount, days)
    return settled


def _known_references(codes: set[str]) -> set[str]:
    """The codes among ``codes`` that are real gift references (a few queries for any number)."""
    wanted = sorted(codes)
    known: set[str] = set()
    for start in range(0, len(wanted), 5000):  # PostgreSQL takes at most 65,535 parameters
        known.update(
            Donation.objects.filter(reference__in=wanted[start : start + 5000]).values_list("reference", flat=True)
        )
    return known


def _no_pledge_reason(amount: Money, days: int) -> str:
    return f"No gift reference, and no bank-transfer pledge of {money_display(amount)} in the {days} days before."


# --- Matching --------------------------------------------------------------------------------


def references_in(description: str) -> list[str]:
    """Every gift-reference-shaped code in a transfer note, in order.

    Banks and donors mangle the note: lower case, spaces, dashes or dots inside the code
    ("ct 7k3m-9qxa"), words glued to it ("UNGHOCT7K3M9QXA"). Everything but letters and digits is
    dropped and every position tried; only codes that name a real gift count, so a false
    candidate ("CTYTNHHABC" from "CTY TNHH ABC…") costs one lookup and nothing else."""
    ascii_text = unicodedata.normalize("NFKD", description).encode("ascii", "ignore").decode().upper()
    compact = re.sub(r"[^0-9A-Z]", "", ascii_text)
    return list(dict.fromkeys(match.group(1) for match in _REFERENCE.finditer(compact)))


# LATE_TRANSFERS: a transfer booked on a day whose period is closed (a statement imported late,
# a line decided after the month was closed) is still received on its booking day, which the
# receipt prints, and its posting is dated in the open period (fund.services.ledger.ledger_post,
# late_into_open_period): the money is in the bank, and refusing it would leave the line in review
# with nothing a reviewer could do.


def received_moment(
    booked_on: datetime.date, *, booked_at: datetime.datetime | None = None, pledged_at: datetime.datetime | None = None
) -> datetime.datetime:
    """When the money arrived, as well as we know it: the notification's timestamp, else noon
    (local time) on the booking date. Never before the pledge (the donor needed its reference to
    pay it, and a statement gives only the day) and never in the future (today's lines)."""
    moment = booked_at or timezone.make_aware(datetime.datetime.combine(booked_on, datetime.time(12)))
    moment = min(moment, timezone.now())
    if pledged_at is not None:
        moment = max(moment, pledged_at)
    return moment


def _locked_line(line: BankTransaction) -> BankTransaction:
    return BankTransaction.objects.select_for_update(of=("self",)).get(pk=line.pk)


def bank_transaction_match(
    *,
    transaction: BankTransaction,
    booked_at: datetime.datetime | None = None,
    actor: Any = None,
    same_file: Collection[str] = (),
) -> BankTransaction:
    """Match a line waiting for review to the pledge it pays, receiving that pledge, or leave it
    in review with the reason (running it again may match it once the pledge exists).

    A line that repeats a transfer already decided from another statement or notification stays
    in review and receives nothing (``same_file``: the fingerprints of the file being imported,
    whose other lines are other transfers). Then by a gift reference in the note (exact amount
    required), else by amount: the only bank-transfer pledge of exactly that sum made in the
    window before the booking date, and only when the sender looks like its donor or payer.
    Goods pledges never match. One transaction; lock order: line, amount (advisory), gift."""
    with atomic():
        line = _locked_line(transaction)
        if line.status != BankTransaction.Status.REVIEW:
            return line  # matched meanwhile, or marked not a gift: a person decided
        _lock_amount(line.amount)
        repeat = _repeat_of(line, same_file)
        if repeat is not None:
            return _decide(line, None, _repeat_reason(repeat), actor)
        named = dict(
            Donation.objects.filter(reference__in=references_in(line.description)).values_list("reference", "pk")
        )
        if len(named) > 1:
            return _decide(line, None, f"The note names several gifts ({', '.join(sorted(named))}); choose one.", actor)
        if named:
            (gift_pk,) = named.values()
            gift = gift_lock(gift_pk)
            problem = _reference_problem(line, gift)
            if problem:
                return _decide(line, None, problem, actor)
            return _receive(line, gift, "by reference", booked_at, actor)
        gift, problem = _amount_candidate(line)
        if gift is None:
            return _decide(line, None, problem, actor)
        return _receive(line, gift, "by amount and date", booked_at, actor)


def _reference_problem(line: BankTransaction, gift: Donation) -> str:
    ref = gift.reference
    if gift.status == Donation.Status.RECEIVED:
        return f"Gift {ref} already received: a second transfer, or a repeat of this one?"
    if gift.status == Donation.Status.CANCELLED:
        return f"Gift {ref} was cancelled: contact the donor or record this as a new gift."
    if gift.status == Donation.Status.REFUNDED:
        return f"Gift {ref} was refunded: contact the donor or record this as a new gift."
    if gift.is_goods:
        return f"Gift {ref} is a pledge of goods, not money."
    if gift.amount.currency != line.amount.currency:
        return f"Gift {ref} is in {gift.amount.currency.code}; this transfer is in {line.amount.currency.code}."
    if gift.amount != line.amount:
        how = "less" if line.amount < gift.amount else "more"
        return (
            f"Gift {ref}: pledged {money_display(gift.amount)}, received {money_display(line.amount)} "
            f"({how} than pledged)."
        )
    return ""


AMOUNT_LOCK_KEYS = 256  # amount locks are shared by sums that hash alike: a chunk takes at most this many


def _amount_lock_key(amount: Money) -> int:
    return zlib.crc32(f"{amount.amount:f} {amount.currency.code}".encode()) % AMOUNT_LOCK_KEYS


def _lock_amount(amount: Money) -> None:
    """Decide lines of one amount and currency one at a time, so that of a notification and a
    statement line of the same transfer, matched at the same moment, the later one sees the
    earlier one decided (and is a repeat) instead of both receiving a pledge of that sum. The
    bulk matcher (bank_matching) takes the same keys for a whole chunk, in key order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_REPEAT_LOCK, _amount_lock_key(amount)])


def _fold(text: str) -> str:
    """Lower case without Vietnamese diacritics: "Trần Thị Đào" -> "tran thi dao"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _words(text: str) -> str:
    """Letters and digits only, single-spaced, for comparing two banks' copies of a note."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", _fold(text)).split())


def _name_tokens(text: str) -> set[str]:
    return set(re.sub(r"[^a-z]+", " ", _fold(text)).split())


def _same_words(first: str, second: str) -> bool | None:
    """True or False when both copies have the text; None when one of them lacks it."""
    first, second = _words(first), _words(second)
    if not first or not second:
        return None
    return first == second


def _repeat_of(line: BankTransaction, same_file: Collection[str]) -> BankTransaction | None:
    """An earlier-decided line of another statement or notification that is this same transfer:
    booked within a day, the same amount and currency, and either the same bank transaction id or
    (when one of them has none) the same note and sender. Lines of the file being imported are
    other transfers: two identical lines in one statement are two gifts."""
    nearby = (
        BankTransaction.objects.filter(
            amount=line.amount,
            booked_on__gte=line.booked_on - datetime.timedelta(days=_REPEAT_DAYS),
            booked_on__lte=line.booked_on + datetime.timedelta(days=_REPEAT_DAYS),
        )
        .exclude(statement_id=line.statement_id)
        .exclude(reason=_WAITING)  # not decided yet: it will find this one when its turn comes
        .select_related("statement", "donation")
        .order_by("pk")
    )
    for other in nearby:
        if other.fingerprint in same_file:
            # Skipped here rather than excluded in SQL: a file's fingerprints run to thousands,
            # and a NOT IN of all of them on every line made a long file's matching quadratic.
            continue
        if line.bank_reference and other.bank_reference:
            if line.bank_reference.strip().casefold() == other.bank_reference.strip().casefold():
                return other
            continue  # the bank gave them different ids: two transfers
        checks = [
            _same_words(line.description, other.description),
            _same_words(line.counterparty, other.counterparty),
        ]
        if True in checks and False not in checks:
            return other
    return None


def _repeat_reason(other: BankTransaction) -> str:
    statement = other.statement
    if statement.source == BankStatement.Source.WEBHOOK:
        source = "bank notification"
    else:
        source = f"statement {statement.filename}".strip() if statement.filename else "uploaded statement"
    source += f" of {timezone.localtime(statement.imported_at):%d/%m/%Y}"
    if other.donation is not None:
        source += f", matched to gift {other.donation.reference}"
    return (
        f"Looks like a repeat of line {other.pk} ({source}): the same transfer listed again, so nothing "
        "was received with it. Mark it not a gift, or match it by hand if it really is a second transfer."
    )


def _sender_fits(line: BankTransaction, gift: Donation) -> bool:
    """Whether the transfer's sender or note names the gift's donor or payer: every word of the
    name, in any order and without diacritics, or an organisation's tax code."""
    text = f"{line.counterparty} {line.description}"
    words = _name_tokens(text)
    numbers = f" {_words(text)} "
    for person in (gift.donor, gift.payer):
        if person is None:
            continue
        name = _name_tokens(person.name)
        if name and name <= words:
            return True
        tax_code = _words(person.tax_code)
        if tax_code and f" {tax_code} " in numbers:
            return True
    return False


def _amount_candidate(line: BankTransaction) -> tuple[Donation | None, str]:
    days = settings.BANK_MATCH_WINDOW_DAYS
    pledges = Donation.objects.filter(
        status=Donation.Status.PLEDGED,
        channel=Donation.Channel.BANK_TRANSFER,
        kind__in=_MONEY_KINDS,
        amount=line.amount,
        pledged_at__date__gte=line.booked_on - datetime.timedelta(days=days),
        pledged_at__date__lte=line.booked_on,
    )
    # Lock at most two: one is a match, two is ambiguous; rows another transaction receives
    # meanwhile drop out when PostgreSQL rechecks the filter after the lock.
    locked = list(pledges.order_by("pk").select_for_update(of=("self",)).select_related("fund", "donor", "payer")[:2])
    amount = money_display(line.amount)
    if len(locked) == 1:
        gift = locked[0]
        if not _sender_fits(line, gift):
            return None, (
                f"No gift reference; amount and date fit gift {gift.reference}, but the sender does not look "
                "like its donor: match it by hand if it is theirs."
            )
        return gift, ""
    if locked:
        count = pledges.count()
        return (
            None,
            f"No gift reference; {count} bank-transfer pledges of {amount} in the {days} days before: choose one.",
        )
    return None, _no_pledge_reason(line.amount, days)


def _receive(
    line: BankTransaction, gift: Donation, how: str, booked_at: datetime.datetime | None, actor: Any
) -> BankTransaction:
    try:
        # The review reason is stored once and read by anyone later, in English like every other
        # reason here, so the gift's refusal is taken in English too.
        with atomic(), translation.override("en"):
            donation_receive(
                donation=gift,
                received_at=received_moment(line.booked_on, booked_at=booked_at, pledged_at=gift.pledged_at),
                channel=Donation.Channel.BANK_TRANSFER,
                late_into_open_period=True,  # the bank's booking day is a fact: see LATE_TRANSFERS
                actor=actor,
            )
    except FundError as exc:
        # A rule of the gift itself (a closed fund, a fee share): a person must decide.
        return _decide(line, None, f"Gift {gift.reference} could not be received: {' '.join(exc.messages)}", actor)
    return _decide(line, gift, how, actor)


def _decide(line: BankTransaction, gift: Donation | None, reason: str, actor: Any) -> BankTransaction:
    line.reason = reason[:REASON_MAX]
    fields = ["reason"]
    if gift is not None:
        line.donation = gift
        line.status = BankTransaction.Status.MATCHED
        fields += ["donation", "status"]
    line.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="bank_transaction.match",
        obj=line,
        data={"status": line.status, "reason": line.reason, "gift": gift.reference if gift else None},
    )
    return line


__all__ = [
    "BankStatementError",
    "bank_statement_import",
    "bank_transaction_match",
    "received_moment",
    "references_in",
]
