"""The annual contributions report as rows, in the active language: the one layout the admin
screen, the PDF and the XLSX print, so they cannot differ.

Contribution rows carry a stable ``key`` ("organisation", "anonymous", "total", "net") beside
the words, one figure per kind of gift, and the line's gifts and total. The use of the gifts
(allocations by programme and by kind, the balances at the year's end) is printed with the fund
statement's own sections (statement_rows), so it reads as the statement does.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from djmoney.money import Money

from fund.money import money_display
from fund.selectors.contributions import KINDS, ContributionLine, ContributionsReport, KindFigure

from .statement_rows import Section, kind_label, statement_sections

# The fund statement's sections that say what was done with the gifts, and what is left.
USE_SECTIONS = ("allocations_by_programme", "allocations_by_kind", "closing", "restricted")


@dataclass(frozen=True)
class Cell:
    gifts: int
    amount: Money

    @property
    def amount_display(self) -> str:
        return money_display(self.amount)


@dataclass(frozen=True)
class ContributionRow:
    key: str
    label: str
    tax_code: str
    donors: int | None
    cells: tuple[Cell, ...]  # one per kind of gift, in KINDS order
    gifts: int
    amount: Money
    total: bool = False  # a total line, printed in bold

    @property
    def amount_display(self) -> str:
        return money_display(self.amount)


@dataclass(frozen=True)
class ContributionTable:
    key: str
    title: str
    rows: list[ContributionRow]
    note: str = ""


def kind_headings() -> list[str]:
    return [kind_label(kind) for kind in KINDS]


def anonymous_label() -> str:
    return _("Anonymous")


def _row(key: str, label: str, figures: tuple[KindFigure, ...], *, tax_code="", donors=None, total=False):
    cells = tuple(Cell(figure.gifts, figure.value) for figure in figures)
    amounts = [cell.amount for cell in cells]
    return ContributionRow(
        key=key,
        label=label,
        tax_code=tax_code,
        donors=donors,
        cells=cells,
        gifts=sum(cell.gifts for cell in cells),
        amount=sum(amounts[1:], amounts[0]),
        total=total,
    )


def _line_row(line: ContributionLine, label: str) -> ContributionRow:
    return _row(line.key, label, line.by_kind, tax_code=line.tax_code, donors=line.donors)


def _sum_figures(lines, currency: str) -> tuple[KindFigure, ...]:
    lines = list(lines)
    return tuple(
        KindFigure(
            kind,
            sum(line.figure(kind).gifts for line in lines),
            sum((line.figure(kind).value for line in lines), Money(0, currency)),
        )
        for kind in KINDS
    )


def contribution_tables(report: ContributionsReport) -> list[ContributionTable]:
    """Organisations, individuals, and the totals by kind, in print order."""
    currency = report.currency
    organisations = [_line_row(line, line.name) for line in report.organisations]
    organisations.append(
        _row(
            "organisations.total",
            _("Total from organisations"),
            _sum_figures(report.organisations, currency),
            donors=len(report.organisations),
            total=True,
        )
    )
    people = [*report.individuals, report.anonymous]
    individuals = [_line_row(line, line.name) for line in report.individuals]
    individuals.append(_line_row(report.anonymous, anonymous_label()))
    individuals.append(
        _row(
            "individuals.total",
            _("Total from individuals"),
            _sum_figures(people, currency),
            total=True,
        )
    )
    totals = [
        _row("totals.organisations", _("From organisations"), _sum_figures(report.organisations, currency)),
        _row("totals.individuals", _("From individuals"), _sum_figures(people, currency)),
        _line_row(report.refunded, _("Received, then refunded to the giver")),
        _row("total", _("Total received in the year"), report.totals_by_kind, total=True),
    ]
    return [
        ContributionTable(
            "organisations",
            _("Contributions from organisations"),
            organisations,
            note=_("Each organisation by its legal name, with its tax code where it has one."),
        ),
        ContributionTable(
            "individuals",
            _("Contributions from individuals"),
            individuals,
            note=_(
                "Each person by the name they chose to show, gifts under the same name on one line; gifts given "
                "anonymously on one line, with the number of people who gave them."
            ),
        ),
        ContributionTable(
            "totals",
            _("Totals by kind of gift"),
            totals,
            note=_(
                "Gifts are counted on the day the centre received them (%(zone)s), at the value the ledger holds: "
                "goods at their recorded fair value, foreign currency at the recorded rate. A gift refunded since "
                "it was received is on no giver's line but on a line of its own, so the total is what the fund "
                "received, as its statement shows."
            )
            % {"zone": settings.TIME_ZONE},
        ),
    ]


@dataclass(frozen=True)
class RefundRow:
    key: str
    label: str
    count: int | None
    amount: Money
    total: bool = False

    @property
    def amount_display(self) -> str:
        return money_display(self.amount)


def refund_rows(report: ContributionsReport) -> list[RefundRow]:
    """Refunds recorded in the year (whenever their gift came in), then the net received."""
    rows = [
        RefundRow(
            f"refunds.{line.key}", _("Refunded: %(kind)s") % {"kind": kind_label(line.key)}, line.count, line.effect
        )
        for line in report.refunds
    ]
    rows.append(RefundRow("refunds.total", _("Total refunded in the year"), None, report.refunds_total, True))
    rows.append(RefundRow("net", _("Net received in the year"), None, report.net_received, True))
    return rows


def use_sections(report: ContributionsReport) -> list[Section]:
    """What was done with the gifts and what is left: the year's statement sections."""
    return [section for section in statement_sections(report.statement) if section.key in USE_SECTIONS]
