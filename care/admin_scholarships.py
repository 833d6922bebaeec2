"""Back-office screens for scholarships (menu Care > Scholarships): the awards listing, the
award's inspect screen with its terms, who paid them, and the steps each user may take now.
The steps themselves are in care/admin_scholarship_actions.py, each calling its service.

Who sees whom, as for allocations: finance roles see awards by number, fund, school year,
school, level and amounts; the person shows only to those who may open case files, and the
export never names anyone. Nothing here is edited by form (ReadOnlyPolicy).
"""

from __future__ import annotations

import django_filters
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.widgets import HeaderButton

from config.wagtail_admin import BackOfficeViewSet
from fund.admin_money import MoneyColumn, MoneyInspectView
from fund.money import money_display

from . import admin_scholarship_actions as actions
from .admin_listing import CASE_FILE_PERMISSION, PersonHiddenIndexView
from .models import ScholarshipAward, ScholarshipTerm
from .selectors import evidence_visible
from .selectors_scholarships import scholarship_funding_for_award, scholarship_school_years

GIFTS_PERMISSION = "fund.view_donation"
ALLOCATIONS_PERMISSION = "care.view_allocation"


def _school_year_choices():
    return [(year, year) for year in scholarship_school_years()]


class ScholarshipAwardFilterSet(WagtailFilterSet):
    school_year = django_filters.ChoiceFilter(label=_("School year"), choices=_school_year_choices)

    class Meta:
        model = ScholarshipAward
        fields = ["school_year", "level", "status", "fund"]


class ScholarshipAwardIndexView(PersonHiddenIndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(actions.CREATE_PERMISSION):
            buttons.append(
                HeaderButton(_("Award a scholarship"), url=reverse("scholarships_admin:create"), icon_name="plus")
            )
        return buttons


def _term_steps(user, award: ScholarshipAward, term: ScholarshipTerm) -> list[tuple[str, str]]:
    """(label, url) of the steps this user may take on this term now."""
    if award.status != ScholarshipAward.Status.ACTIVE and term.status != ScholarshipTerm.Status.PAID:
        return []
    status = term.status
    steps = []
    if status == ScholarshipTerm.Status.AWAITING_ENROLMENT and user.has_perm(actions.CONFIRM_PERMISSION):
        steps.append((_("Confirm enrolment"), "confirm"))
    if term.releasable and user.has_perm(actions.CONFIRM_PERMISSION):
        steps.append((_("Release again"), "release"))
    if status == ScholarshipTerm.Status.APPROVED and user.has_perm(actions.PAY_PERMISSION):
        steps.append((_("Pay"), "pay"))
    if status == ScholarshipTerm.Status.PAID and user.has_perm(actions.ACKNOWLEDGE_PERMISSION):
        steps.append((_("Record acknowledgement"), "acknowledge"))
    return [(label, reverse(f"scholarships_admin:{name}", args=[term.pk])) for label, name in steps]


def _award_steps(user, award: ScholarshipAward) -> list[tuple[str, str]]:
    if award.status != ScholarshipAward.Status.ACTIVE:
        return []
    steps = []
    if user.has_perm(actions.CREATE_PERMISSION):
        steps.append((_("Renew for the next school year"), "renew"))
    if user.has_perm(actions.END_PERMISSION):
        steps.append((_("End the award"), "end"))
    return [(label, reverse(f"scholarships_admin:{name}", args=[award.pk])) for label, name in steps]


class ScholarshipAwardInspectView(MoneyInspectView):
    template_name = "care/admin/scholarship_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        award, user = self.object, self.request.user
        terms = list(award.terms.select_related("allocation", "award"))
        may_see_allocations = user.has_perm(ALLOCATIONS_PERMISSION)
        rows = [
            {
                "term": term,
                "amount": money_display(term.amount),
                "allocation_url": reverse("allocations_admin:inspect", args=[term.allocation_id])
                if term.allocation_id and may_see_allocations
                else "",
                "steps": _term_steps(user, award, term),
                # The school's letter, to those who may open evidence files (None: not for them).
                "evidence": evidence_visible(actor=user, subject=term),
            }
            for term in terms
        ]
        may_see_gifts = user.has_perm(GIFTS_PERMISSION)
        funding = [
            {
                "gift": gift.reference if gift else "",
                "gift_url": reverse("donation:inspect", args=[gift.pk]) if gift and may_see_gifts else "",
                "term": term.number,
                "amount": money_display(amount),
            }
            for gift, term, amount in scholarship_funding_for_award(award)
        ]
        context.update(
            show_person=user.has_perm(CASE_FILE_PERMISSION),
            terms=rows,
            funding=funding,
            award_steps=_award_steps(user, award),
            renewed_as=getattr(award, "renewed_as", None),
        )
        return context


class ScholarshipAwardViewSet(BackOfficeViewSet):
    model = ScholarshipAward
    icon = "doc-full"
    menu_label = _("Scholarships")
    url_prefix = "care/scholarships"
    url_namespace = "scholarships_admin"
    index_view_class = ScholarshipAwardIndexView
    inspect_view_class = ScholarshipAwardInspectView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = [
        "__str__",
        "beneficiary",
        "fund",
        "school_year",
        "level",
        MoneyColumn("amount_per_term", label=_("Amount per term"), sort_key="amount_per_term"),
        MoneyColumn("total", label=_("Total for the year"), sort_key="total"),
        "payee",
        "status",
    ]
    filterset_class = ScholarshipAwardFilterSet
    list_per_page = 50
    # No person in an export: it may leave the building.
    list_export = [
        "id",
        "fund",
        "school_year",
        "year_starts_on",
        "year_ends_on",
        "school",
        "level",
        "programme",
        "amount_per_term",
        "amount_per_term_currency",
        "total",
        "total_currency",
        "payee",
        "status",
        "renewed_from_id",
        "ended_reason",
    ]
    export_headings = {
        "id": _("Scholarship"),
        "amount_per_term_currency": _("Currency"),
        "total_currency": _("Currency"),
        "renewed_from_id": _("Renews scholarship"),
    }
    export_filename = "scholarships"
    # The person is shown above these, to case-file readers only (scholarship_inspect.html).
    inspect_view_fields = [
        "fund",
        "school_year",
        "year_starts_on",
        "year_ends_on",
        "school",
        "level",
        "amount_per_term",
        "total",
        "payee",
        "programme",
        "status",
        "renewed_from",
        "created_by",
        "created_at",
        "ended_at",
        "ended_by",
        "ended_reason",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("create/", actions.AwardCreateView.as_view(), name="create"),
            path("renew/<int:pk>/", actions.AwardRenewView.as_view(), name="renew"),
            path("end/<int:pk>/", actions.AwardEndView.as_view(), name="end"),
            path("terms/confirm/<int:pk>/", actions.TermConfirmView.as_view(), name="confirm"),
            path("terms/release/<int:pk>/", actions.TermReleaseView.as_view(), name="release"),
            path("terms/pay/<int:pk>/", actions.TermPayView.as_view(), name="pay"),
            path("terms/acknowledge/<int:pk>/", actions.TermAcknowledgeView.as_view(), name="acknowledge"),
        ]
