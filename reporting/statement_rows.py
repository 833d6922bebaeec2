"""A fund statement as rows, in the active language: the one layout every format prints (the
admin screen and the PDF as tables, the XLSX and the CSV as lines), so the same figures come
out however the statement is asked for.

Each row has a stable ``key`` ("receipts.kind.cash", "check.reconciles") for whoever imports the
CSV or XLSX, the words for it in the reader's language, and up to two counts and an amount. In
the check section every amount is signed as it moved the balance, so its rows add up to the
closing balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from djmoney.money import Money

from care.models import Beneficiary
from donors.models import Donor
from fund.models import Donation
from fund.money import money_display
from fund.selectors.statements import (
    GIFT_REFUNDED,
    GOODS_FOUND,
    GOODS_LOST,
    AllocationLine,
    FundStatement,
    GiftLine,
)

# What the statement says about its dates and its goods, printed on every format.
VALUATION_METHOD = gettext_lazy(
    "Goods are valued at their recorded value: each gift of goods at the fair value recorded when it was "
    "received, each issue and loss at the weighted average cost of its item in this fund when it left the "
    "stock; each movement keeps the value it moved at."
)
PEOPLE_HELPED = gettext_lazy(
    "People helped: distinct people who received an allocation in the period, counted by an anonymous "
    "number; an allocation reversed by the end of the period does not count. Names are never shown."
)


CLOSED = gettext_lazy(
    "This period is closed: nothing more can be posted with a date inside it, so these figures will not change. "
    "A late gift or a correction goes into the open period."
)
OPEN = gettext_lazy(
    "This period is not closed yet: entries may still be dated inside it, and these figures may change."
)


def date_basis() -> str:
    return _(
        "Dates are the centre's days (%(zone)s). Each entry counts on its ledger date: a gift on the day it was "
        "received, a refund or reversal on the day it was recorded, an allocation on the day it was paid or handed "
        "over, a stock count on the day it was counted."
    ) % {"zone": settings.TIME_ZONE}


def statement_notes(statement: FundStatement) -> list[str]:
    """What every format prints under the figures: whether the period is closed, the late
    entries it holds, which day an entry counts on, and how people are counted (the valuation of
    goods is the restricted section's note)."""
    notes = []
    if statement.closed:
        notes.append(str(CLOSED))
    else:
        notes.append(str(OPEN))
    if statement.late_entries:
        notes.append(
            ngettext(
                "%(count)s entry dated in this period records something that happened in a closed period: it "
                "was posted late, into the open period, and is marked so in the ledger.",
                "%(count)s entries dated in this period record things that happened in a closed period: they "
                "were posted late, into the open period, and are marked so in the ledger.",
                statement.late_entries,
            )
            % {"count": statement.late_entries}
        )
    return [*notes, date_basis(), str(PEOPLE_HELPED)]


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    count: int | None = None
    people: int | None = None
    amount: Money | None = None
    total: bool = False  # a total or result line, printed in bold

    @property
    def amount_display(self) -> str:
        """The amount as the active language writes it (the screen and the PDF)."""
        return money_display(self.amount) if self.amount is not None else ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    count_heading: str = ""
    people_heading: str = ""
    rows: list[Row] = field(default_factory=list)
    note: str = ""


def kind_label(kind: str) -> str:
    try:
        return str(Donation.Kind(kind).label)
    except ValueError:
        return kind or "—"


def programme_label(code: str) -> str:
    # Only the words for a programme code come from care; no case file is read.
    try:
        return str(Beneficiary.Programme(code).label)
    except ValueError:
        return code or "—"


def donor_type_label(kind: str) -> str:
    return _("Organisations") if kind == Donor.Kind.ORGANISATION else _("Individuals")


def _gift_section(key: str, title: str, lines: tuple[GiftLine, ...], label, statement: FundStatement) -> Section:
    rows = [Row(f"receipts.{key}.{line.key}", label(line.key), line.gifts, line.donors, line.value) for line in lines]
    rows.append(
        Row(
            f"receipts.{key}.total",
            _("Total received"),
            statement.gifts,
            statement.donors,
            statement.receipts_total,
            True,
        )
    )
    return Section(f"receipts_by_{key}", title, _("Gifts"), _("Donors"), rows)


def _allocation_section(
    key: str, title: str, lines: tuple[AllocationLine, ...], label, statement: FundStatement
) -> Section:
    rows = [
        Row(f"allocations.{key}.{line.key}", label(line.key), line.allocations, line.people, line.value)
        for line in lines
    ]
    rows.append(
        Row(
            f"allocations.{key}.total",
            _("Total allocated"),
            statement.allocations,
            statement.people_helped,
            statement.allocations_total,
            True,
        )
    )
    return Section(f"allocations_by_{key}", title, _("Allocations"), _("People helped"), rows)


def _balance_rows(prefix: str, balance, *, total_label: str) -> list[Row]:
    return [
        Row(f"{prefix}.cash", _("Cash (bank, cash on hand, card payments in transit)"), amount=balance.cash),
        Row(f"{prefix}.goods", _("Goods in stock"), amount=balance.goods),
        Row(f"{prefix}.total", total_label, amount=balance.total, total=True),
    ]


def _reversal_label(reverses: str, key: str) -> str:
    if reverses == GIFT_REFUNDED:
        return _("Gifts refunded: %(kind)s") % {"kind": kind_label(key)}
    return _("Allocations reversed: %(kind)s") % {"kind": kind_label(key)}  # ALLOCATION_REVERSED


def statement_sections(statement: FundStatement) -> list[Section]:
    """The statement's sections in print order, in the active language."""
    reversals = [
        Row(
            f"reversals.{'gift_refunded' if line.reverses == GIFT_REFUNDED else 'allocation_reversed'}.{line.key}",
            _reversal_label(line.reverses, line.key),
            count=line.count,
            amount=line.effect,
        )
        for line in statement.reversals
    ]
    reversals.append(Row("reversals.total", _("Total of reversals"), amount=statement.reversals_total, total=True))
    adjustment_labels = {
        GOODS_LOST: _("Goods found lost or damaged"),
        GOODS_FOUND: _("Goods found in surplus"),
    }
    adjustments = [
        Row(f"adjustments.{line.key}", adjustment_labels[line.key], count=line.count, amount=line.effect)
        for line in statement.adjustments
    ]
    adjustments.append(
        Row("adjustments.total", _("Total of adjustments"), amount=statement.adjustments_total, total=True)
    )
    ledger = statement.ledger_closing
    restricted = statement.restricted
    reconciles = _("Yes") if statement.reconciles else _("No")
    return [
        Section(
            "opening",
            _("Opening balance"),
            rows=_balance_rows("opening", statement.opening, total_label=_("Opening balance")),
        ),
        _gift_section("kind", _("Receipts by kind of gift"), statement.receipts_by_kind, kind_label, statement),
        _gift_section(
            "donor_type", _("Receipts by kind of donor"), statement.receipts_by_donor_type, donor_type_label, statement
        ),
        _allocation_section(
            "kind", _("Allocations by kind of support"), statement.allocations_by_kind, kind_label, statement
        ),
        _allocation_section(
            "programme",
            _("Allocations by programme"),
            statement.allocations_by_programme,
            programme_label,
            statement,
        ),
        Section(
            "reversals",
            _("Reversals (shown, not netted)"),
            _("Entries"),
            rows=reversals,
            note=_("A refund takes a gift's value out of the fund; a reversed payment puts it back."),
        ),
        Section("adjustments", _("Stock count adjustments"), _("Counts"), rows=adjustments),
        Section(
            "closing",
            _("Closing balance (from the ledger)"),
            rows=_balance_rows("closing", ledger, total_label=_("Closing balance")),
        ),
        Section(
            "restricted",
            _("Restricted balances at the end of the period"),
            rows=[
                Row(
                    "restricted.scholarship",
                    _("Scholarship money not yet paid out (kept for scholarships)"),
                    amount=restricted.scholarship_restricted,
                ),
                Row("restricted.unrestricted_cash", _("Unrestricted cash"), amount=restricted.unrestricted_cash),
                Row(
                    "restricted.goods",
                    _("Goods in stock, at recorded value (given only as goods)"),
                    amount=statement.goods_in_stock,
                ),
            ],
            note=str(VALUATION_METHOD),
        ),
        Section(
            "check",
            _("Check"),
            rows=[
                Row("check.opening", _("Opening balance"), amount=statement.opening.total),
                Row("check.receipts", _("+ receipts"), amount=statement.receipts_total),
                Row("check.allocations", _("− allocations"), amount=-statement.allocations_total),
                Row("check.reversals", _("± reversals"), amount=statement.reversals_total),
                Row("check.adjustments", _("± stock count adjustments"), amount=statement.adjustments_total),
                Row("check.closing", _("= closing balance"), amount=statement.closing, total=True),
                Row("check.ledger", _("Ledger balance at the end of the period"), amount=statement.ledger_balance),
                Row("check.reconciles", _("Reconciles: %(answer)s") % {"answer": reconciles}, total=True),
            ],
        ),
    ]
