"""The back office's home page, per role: each panel shows only to those whose permission lets
them act on or answer for what it lists (staff/roles.py), so an accountant sees the bank lines
to review, a fund manager the allocations awaiting their approval, a case worker the scholarship
terms awaiting enrolment, and a content editor only Wagtail's own pages panels.

Panels are Wagtail components added by the ``construct_homepage_panels`` hook; each reads one
selector of the app that owns the data, bounded to a few rows with a count and a link to the
full listing. Nothing here writes.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from care.selectors import allocations_awaiting_approval, allocations_to_disburse
from care.selectors_scholarships import scholarship_terms_awaiting_enrolment
from fund.selectors.dashboard import (
    fund_positions,
    gifts_received_between,
    ledger_check_latest,
    month_bounds,
)
from fund.selectors.reports import pledges_outstanding
from payments.selectors import bank_lines_to_review
from receipts.selectors import receipt_deliveries_failed

ROWS = 8  # each panel lists this many; its count and link cover the rest


def _url(name: str, **query) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(query)}" if query else url


class DashboardPanel(Component):
    """One panel of the home page. ``permission`` decides who sees it; ``data`` reads it."""

    name: str
    heading: Any
    permission: str
    order: int

    def __init__(self, request):
        self.request = request

    @property
    def template_name(self) -> str:
        return f"reporting/dashboard/{self.name}.html"

    @classmethod
    def shown_to(cls, user) -> bool:
        return user.has_perm(cls.permission)

    def data(self) -> dict:
        raise NotImplementedError

    def get_context_data(self, parent_context):
        return {"panel": self, "request": self.request, **self.data()}


class ListPanel(DashboardPanel):
    """A panel listing the first ROWS of a queryset, with its count and a link to the listing."""

    more_url_name: str
    more_query: dict = {}

    def rows(self):
        raise NotImplementedError

    def data(self) -> dict:
        rows = self.rows()
        return {
            "rows": list(rows[:ROWS]),
            "count": rows.count(),
            "more_url": _url(self.more_url_name, **self.more_query),
        }


class AllocationsToApprovePanel(ListPanel):
    name = "allocations_to_approve"
    heading = _("Allocations awaiting your approval")
    permission = "care.approve_allocation"
    order = 40
    more_url_name, more_query = "allocations_admin:index", {"status": "proposed"}

    def rows(self):
        return allocations_awaiting_approval(user=self.request.user)


class EnrolmentsAwaitedPanel(ListPanel):
    name = "enrolments_awaited"
    heading = _("Scholarship terms awaiting enrolment")
    permission = "care.confirm_scholarship_enrolment"
    order = 45
    more_url_name = "scholarships_admin:index"

    def rows(self):
        return scholarship_terms_awaiting_enrolment(today=timezone.localdate())

    def data(self) -> dict:
        return {**super().data(), "today": timezone.localdate()}


class AllocationsToDisbursePanel(ListPanel):
    """Not in the issue's list, but the case worker's other daily question: what is approved and
    still to be paid out or handed over."""

    name = "allocations_to_disburse"
    heading = _("Approved allocations to pay out or hand over")
    permission = "care.disburse_allocation"
    order = 47
    more_url_name, more_query = "allocations_admin:index", {"status": "approved"}

    def rows(self):
        return allocations_to_disburse()


class BankLinesToReviewPanel(ListPanel):
    name = "bank_lines_to_review"
    heading = _("Bank lines waiting for review")
    permission = "payments.change_banktransaction"
    order = 50
    more_url_name, more_query = "bank_transactions:index", {"status": "review"}

    def rows(self):
        return bank_lines_to_review()


class ReceiptsFailedPanel(ListPanel):
    name = "receipts_failed"
    heading = _("Receipts that failed to send")
    permission = "receipts.change_receipt"
    order = 55
    more_url_name, more_query = "receipt_deliveries:index", {"status": "failed"}

    def rows(self):
        return receipt_deliveries_failed()


class PledgesAwaitingPanel(ListPanel):
    name = "pledges_awaiting"
    heading = _("Pledges awaiting goods or a transfer")
    permission = "fund.change_donation"
    order = 60
    more_url_name = "reporting_pledges_due"
    WITHIN_DAYS = 30  # due in the next month, or late, or undated

    def rows(self):
        return pledges_outstanding(within_days=self.WITHIN_DAYS)

    def data(self) -> dict:
        return {
            **super().data(),
            "late_count": self.rows().filter(is_late=True).count(),
            "late_after_days": settings.PLEDGE_LATE_AFTER_DAYS,
            "within_days": self.WITHIN_DAYS,
        }


class FundPositionsPanel(DashboardPanel):
    name = "fund_positions"
    heading = _("Funds: balance and restricted money")
    permission = "fund.view_fund_statement"
    order = 70

    def data(self) -> dict:
        return {"positions": fund_positions(), "statement_url": reverse("reporting_fund_statement")}


class GiftsThisMonthPanel(DashboardPanel):
    name = "gifts_this_month"
    heading = _("Gifts received this month")
    permission = "fund.view_donation"
    order = 75

    def data(self) -> dict:
        start, end = month_bounds(timezone.localdate())
        return {
            "funds": gifts_received_between(start, end),
            "month": start.date(),
            "more_url": reverse("donation:index"),
        }


class LedgerCheckPanel(DashboardPanel):
    name = "ledger_check"
    heading = _("Last ledger check")
    permission = "fund.view_fund_statement"
    order = 80
    STALE_AFTER = datetime.timedelta(days=2)  # the check runs nightly: two days means it stopped

    def data(self) -> dict:
        check = ledger_check_latest()
        stale = check is None or timezone.now() - check.started_at > self.STALE_AFTER
        return {"check": check, "stale": stale}


PANELS: tuple[type[DashboardPanel], ...] = (
    AllocationsToApprovePanel,
    EnrolmentsAwaitedPanel,
    AllocationsToDisbursePanel,
    BankLinesToReviewPanel,
    ReceiptsFailedPanel,
    PledgesAwaitingPanel,
    FundPositionsPanel,
    GiftsThisMonthPanel,
    LedgerCheckPanel,
)


def dashboard_panels(request) -> list[DashboardPanel]:
    """The panels this user's permissions allow, in their order."""
    return [panel(request) for panel in PANELS if panel.shown_to(request.user)]
