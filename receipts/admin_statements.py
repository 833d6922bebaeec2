"""Back-office screen to issue statements of gifts for any period (a fiscal year, a quarter, a
donor's request for last year), and to see the periods already issued.

The form only queues work: statements_issue_period hands the donors to Celery tasks, and each
statement is issued (and emailed) by the same service the annual command uses. Issuing twice
for a period queues only the donors still without a statement. Needs ``receipts.add_receipt``.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput

from config.wagtail_admin import PermissionMenuItem

from .errors import ReceiptError
from .fiscal import fiscal_year_bounds, fiscal_year_of
from .selectors_statements import recent_statement_periods
from .services.statements import MAX_PERIOD_DAYS, statements_issue_period

PERMISSION = "receipts.add_receipt"
URL_NAME = "receipts_statements"


class StatementPeriodForm(forms.Form):
    start = forms.DateField(label=_("First day"), widget=AdminDateInput)
    end = forms.DateField(label=_("Last day"), widget=AdminDateInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", gettext("The last day comes before the first day."))
            elif end > timezone.localdate():
                # A statement is issued once: one issued before its period is over would miss
                # the gifts still to come.
                self.add_error("end", gettext("The period must be over: the last day can be today at the latest."))
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error("end", gettext("A statement covers at most five years."))
        return cleaned


def period_statements_url(period: dict, export: str = "") -> str:
    """The receipts listing narrowed to one period's statements (valid and void), where they are
    read, searched and exported like any receipt."""
    query = {"kind": "statement", "period_start": period["period_start"], "period_end": period["period_end"]}
    if export:
        query["export"] = export
    return f"{reverse('receipts_admin:index')}?{urlencode(query)}"


def last_complete_fiscal_year() -> tuple[datetime.date, datetime.date]:
    return fiscal_year_bounds(fiscal_year_of(timezone.localdate()) - 1)


class StatementsIssueView(WagtailAdminTemplateMixin, FormView):
    form_class = StatementPeriodForm
    template_name = "receipts/admin/statements.html"
    page_title = _("Statements of gifts")
    header_icon = "doc-full"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        start, end = last_complete_fiscal_year()
        return {"start": start, "end": end}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            action_url=self.request.get_full_path(),
            submit_button_label=gettext("Issue statements"),
            periods=[
                {
                    **period,
                    "list_url": period_statements_url(period),
                    "xlsx_url": period_statements_url(period, "xlsx"),
                    "csv_url": period_statements_url(period, "csv"),
                }
                for period in recent_statement_periods()
            ],
        )
        return context

    def form_valid(self, form):
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        try:
            dispatch = statements_issue_period(start=start, end=end, actor=self.request.user)
        except ReceiptError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        period = f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"
        if dispatch.queued:
            messages.success(
                self.request,
                ngettext(
                    "%(count)s donor queued for a statement of %(period)s (%(existing)s already had one).",
                    "%(count)s donors queued for a statement of %(period)s (%(existing)s already had one).",
                    dispatch.queued,
                )
                % {"count": dispatch.queued, "period": period, "existing": dispatch.existing},
            )
        else:
            messages.info(
                self.request,
                gettext("No donor to queue for %(period)s: %(existing)s donor(s) with gifts already have a statement.")
                % {"period": period, "existing": dispatch.existing},
            )
        return redirect(reverse(URL_NAME))


urlpatterns = [
    path("receipts/statements/", StatementsIssueView.as_view(), name=URL_NAME),
]


def statements_menu_item() -> MenuItem:
    """For a ``register_admin_menu_item`` (or a submenu) hook."""
    return PermissionMenuItem(
        _("Statements of gifts"), reverse(URL_NAME), icon_name="doc-full", order=310, permission=PERMISSION
    )
