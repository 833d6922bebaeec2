"""The journal of a period for the centre's official books: one line per ledger leg, with our
account translated into the centre's chart (fund.models.AccountMapping). Read from the ledger
alone, in the order it was written, so the same period gives the same file."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from hordak.models import Leg

from ..errors import FundError
from ..models import AccountMapping, AccountRole, Fund
from ..money import currency_exponent


class AccountsUnmapped(FundError):
    """Some account in the period has no code in the official chart: nothing is exported."""


@dataclass(frozen=True)
class JournalLine:
    date: datetime.date
    entry: int  # the ledger posting's number: the lines of one entry balance
    reference: str  # the gift's reference, or what the posting is for ("allocation:12")
    fund: str
    description: str
    account_code: str
    account_name: str
    debit: Decimal | None
    credit: Decimal | None
    currency: str


@dataclass
class Journal:
    starts_on: datetime.date
    ends_on: datetime.date
    fund: Fund | None
    lines: list[JournalLine] = field(default_factory=list)

    def totals(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Debits and credits per currency."""
        sums: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for line in self.lines:
            sums[line.currency][0] += line.debit or 0
            sums[line.currency][1] += line.credit or 0
        return {currency: (debits, credits) for currency, (debits, credits) in sums.items()}


def _codes() -> tuple[dict[tuple[int, str], AccountMapping], dict[str, AccountMapping]]:
    own, default = {}, {}
    for mapping in AccountMapping.objects.all():
        if mapping.fund_id is None:
            default[mapping.role] = mapping
        else:
            own[(mapping.fund_id, mapping.role)] = mapping
    return own, default


def _amount(value: Decimal | None, currency: str) -> Decimal | None:
    # hordak stores two decimals for every currency; a VND amount is written without them.
    return None if value is None else value.quantize(Decimal(1).scaleb(-currency_exponent(currency)))


def journal_lines(*, starts_on: datetime.date, ends_on: datetime.date, fund: Fund | None = None) -> Journal:
    """Every leg dated from ``starts_on`` to ``ends_on`` (of one fund, or all), by date, entry
    and leg. Refuses (AccountsUnmapped, naming each account) when one of their accounts has no
    code, so an export never has a line the official books cannot place."""
    if starts_on > ends_on:
        raise FundError({"ends_on": _("The last day comes before the first day.")})
    legs = Leg.objects.filter(transaction__date__gte=starts_on, transaction__date__lte=ends_on)
    if fund is not None:
        legs = legs.filter(account__fund_account__fund=fund)
    rows = legs.order_by("transaction__date", "transaction_id", "id").values(
        "transaction__date",
        "transaction__description",
        "transaction__posting__id",
        "transaction__posting__reference",
        "transaction__posting__donation__reference",
        "account__fund_account__fund_id",
        "account__fund_account__fund__code",
        "account__fund_account__role",
        "debit",
        "credit",
        "currency",
    )
    own, default = _codes()
    journal, missing = Journal(starts_on=starts_on, ends_on=ends_on, fund=fund), {}
    for row in rows.iterator(chunk_size=5000):
        fund_id, role = row["account__fund_account__fund_id"], row["account__fund_account__role"]
        mapping = own.get((fund_id, role)) or default.get(role)
        if mapping is None:
            missing[(row["account__fund_account__fund__code"], role)] = None
            continue
        journal.lines.append(
            JournalLine(
                date=row["transaction__date"],
                entry=row["transaction__posting__id"],
                reference=row["transaction__posting__donation__reference"] or row["transaction__posting__reference"],
                fund=row["account__fund_account__fund__code"],
                description=row["transaction__description"],
                account_code=mapping.code,
                account_name=mapping.name,
                debit=_amount(row["debit"], row["currency"]),
                credit=_amount(row["credit"], row["currency"]),
                currency=row["currency"],
            )
        )
    if missing:
        chart_order = {role: place for place, role in enumerate(AccountRole.values)}
        ordered = sorted(missing, key=lambda key: (key[0], chart_order[key[1]]))
        accounts = "; ".join(f"{code} {AccountRole(role).label}" for code, role in ordered)
        raise AccountsUnmapped(
            _(
                "These accounts have no code in the official chart yet: %(accounts)s. Give them one under "
                "Official books > Account codes, then export again."
            )
            % {"accounts": accounts}
        )
    return journal
