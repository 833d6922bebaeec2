"""One screen per scholarship step (award, renew, end; confirm a term's enrolment, release it
again, pay it, record its acknowledgement), each calling its service in
care.services.scholarships. The permission is checked first (no telling which awards exist),
then the form, then the service; the award's History tab gets an entry naming the step."""

from __future__ import annotations

import datetime

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput

from config.wagtail_admin import ServiceActionView, admin_action_log
from fund.models import Fund
from fund.money import money_display

from .models import Allocation, Beneficiary, ScholarshipAward, ScholarshipTerm
from .services import (
    TermLine,
    scholarship_award_create,
    scholarship_award_end,
    scholarship_award_renew,
    scholarship_term_acknowledge,
    scholarship_term_enrolment_confirm,
    scholarship_term_pay,
    scholarship_term_release,
)

CASE_FILE_PERMISSION = "care.view_beneficiary"
CREATE_PERMISSION = "care.add_scholarshipaward"  # award, and renew (a renewal is a new award)
END_PERMISSION = "care.end_scholarshipaward"
CONFIRM_PERMISSION = "care.confirm_scholarship_enrolment"  # confirm, and release again
ACKNOWLEDGE_PERMISSION = "care.acknowledge_scholarship_term"
PAY_PERMISSION = "care.disburse_allocation"  # paying a term is paying its allocation
TERM_ROWS = 10  # rows on the form; a school year has ten months


class _StepView(ServiceActionView):
    """A step on an award, or on one of its terms (``on_term``: the URL's pk is a term's). Its
    History entry, on the award, names the step, the award's status and the term."""

    template_name = "care/admin/scholarship_form.html"
    header_icon = "doc-full"
    on_term = False

    def get_object(self):
        self.term = None
        if self.on_term:
            self.term = get_object_or_404(
                ScholarshipTerm.objects.select_related("award__fund", "award__beneficiary", "allocation"),
                pk=self.kwargs["pk"],
            )
            return self.term.award
        if "pk" in self.kwargs:
            awards = ScholarshipAward.objects.select_related("fund", "beneficiary")
            return get_object_or_404(awards, pk=self.kwargs["pk"])
        return None

    @property
    def award(self) -> ScholarshipAward | None:
        return self.object

    def get_context_data(self, **kwargs):
        award = self.award
        return super().get_context_data(
            award=award,
            term=self.term,
            amount_per_term=money_display(award.amount_per_term) if award else "",
            term_amount=money_display(self.term.amount) if self.term else "",
            show_person=self.request.user.has_perm(CASE_FILE_PERMISSION),
            **kwargs,
        )

    def log_data(self, award) -> dict:
        return {"status": award.status, **({"term": self.term.number} if self.term else {})}

    def get_success_url(self, award) -> str:
        return reverse("scholarships_admin:inspect", args=[award.pk])


# --- Award, renew, end -----------------------------------------------------------------------


class ScheduleForm(forms.Form):
    """The school year, the school and the money, and the schedule's rows (due date, and an
    amount only to check it against the amount per term)."""

    school_year = forms.CharField(label=_("School year"), max_length=9, help_text=_("e.g. 2026-2027"))
    year_starts_on = forms.DateField(label=_("School year starts on"), widget=AdminDateInput)
    year_ends_on = forms.DateField(label=_("School year ends on"), widget=AdminDateInput)
    school = forms.CharField(label=_("School"), max_length=200)
    level = forms.ChoiceField(label=_("Level"), choices=ScholarshipAward.Level.choices)
    payee = forms.ChoiceField(label=_("Paid to"), choices=ScholarshipAward.Payee.choices)
    amount_per_term = forms.DecimalField(
        label=_("Amount per term"), max_digits=20, decimal_places=2, help_text=_("In the fund's currency.")
    )
    total = forms.DecimalField(
        label=_("Total for the year"),
        max_digits=20,
        decimal_places=2,
        help_text=_("As on the award letter: it must equal the amount per term times the number of terms."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, TERM_ROWS + 1):
            self.fields[f"term_{number}_due"] = forms.DateField(
                label=_("Term %(number)s due on") % {"number": number}, required=False, widget=AdminDateInput
            )
            self.fields[f"term_{number}_amount"] = forms.DecimalField(
                label=_("Term %(number)s amount") % {"number": number},
                max_digits=20,
                decimal_places=2,
                required=False,
                help_text=_("Empty: the amount per term."),
            )

    def term_rows(self):
        return [
            (number, self[f"term_{number}_due"], self[f"term_{number}_amount"]) for number in range(1, TERM_ROWS + 1)
        ]

    def main_fields(self):
        return [field for field in self.visible_fields() if not field.name.startswith("term_")]

    def clean(self):
        data = super().clean()
        lines, gap = [], False
        for number in range(1, TERM_ROWS + 1):
            due, amount = data.get(f"term_{number}_due"), data.get(f"term_{number}_amount")
            if due is None and amount is not None:
                self.add_error(f"term_{number}_due", _("Give this term's due date, or clear its amount."))
            if due is None:
                gap = True
                continue
            if gap and lines:
                self.add_error(f"term_{number}_due", _("Fill the terms in order, without an empty row between."))
            lines.append(TermLine(due, amount))
        data["terms"] = lines
        return data

    def service_values(self) -> dict:
        data = self.cleaned_data
        names = (
            "school_year",
            "year_starts_on",
            "year_ends_on",
            "school",
            "level",
            "payee",
            "amount_per_term",
            "total",
        )
        return {**{name: data[name] for name in names}, "terms": data["terms"]}


class AwardForm(ScheduleForm):
    beneficiary = forms.ModelChoiceField(
        label=_("Person in care"), queryset=Beneficiary.objects.filter(left_on__isnull=True).order_by("case_number")
    )
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.filter(is_active=True))
    field_order = ["beneficiary", "fund"]


class AwardCreateView(_StepView):
    form_class = AwardForm
    page_title = _("Award a scholarship")
    permissions = (CREATE_PERMISSION,)
    log_action = "care.scholarship_create"
    submit_button_label = _("Award")
    success_message = _("Scholarship awarded. Confirm each term's enrolment when the school does.")

    def call_service(self, form):
        data = form.cleaned_data
        return scholarship_award_create(
            beneficiary=data["beneficiary"], fund=data["fund"], actor=self.request.user, **form.service_values()
        )


def _a_year_later(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


class AwardRenewView(_StepView):
    form_class = ScheduleForm
    page_title = _("Renew a scholarship")
    permissions = (CREATE_PERMISSION,)
    log_action = "care.scholarship_renew"
    submit_button_label = _("Renew")
    success_message = _("Renewed for the next school year.")

    def get_initial(self):
        """The same scholarship a year later, for the case worker to correct."""
        award = self.award
        first = int(award.school_year[:4]) + 1
        initial = {
            "school_year": f"{first}-{first + 1}",
            "year_starts_on": _a_year_later(award.year_starts_on),
            "year_ends_on": _a_year_later(award.year_ends_on),
            "school": award.school,
            "level": award.level,
            "payee": award.payee,
            "amount_per_term": award.amount_per_term.amount,
            "total": award.total.amount,
        }
        for term in award.terms.all()[:TERM_ROWS]:
            initial[f"term_{term.number}_due"] = _a_year_later(term.due_on)
        return initial

    def call_service(self, form):
        renewal = scholarship_award_renew(award=self.award, actor=self.request.user, **form.service_values())
        # Both Histories say so: the old award (renewed) here, the new one (awarded) as any step.
        admin_action_log(
            instance=self.award, action=self.log_action, user=self.request.user, status=ScholarshipAward.Status.RENEWED
        )
        return renewal


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class AwardEndView(_StepView):
    form_class = ReasonForm
    page_title = _("End a scholarship")
    permissions = (END_PERMISSION,)
    log_action = "care.scholarship_end"
    submit_button_label = _("End the award")
    success_message = _("Ended. Terms not paid are closed.")

    def call_service(self, form):
        return scholarship_award_end(award=self.award, reason=form.cleaned_data["reason"], actor=self.request.user)


# --- Terms ------------------------------------------------------------------------------------


class ConfirmEnrolmentForm(forms.Form):
    confirmed_on = forms.DateField(label=_("Enrolment confirmed on"), widget=AdminDateInput)
    reference = forms.CharField(
        label=_("School's confirmation reference"),
        max_length=100,
        help_text=_("The number or date on the school's enrolment letter."),
    )
    file = forms.FileField(
        label=_("The school's enrolment confirmation"),
        help_text=_("A scan or photo of the letter: PDF, JPEG or PNG. It is kept as evidence of the term."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class TermConfirmView(_StepView):
    form_class = ConfirmEnrolmentForm
    page_title = _("Confirm a term's enrolment")
    permissions = (CONFIRM_PERMISSION,)
    on_term = True
    log_action = "care.scholarship_enrolment_confirm"
    submit_button_label = _("Confirm and release")
    success_message = _("Enrolment confirmed; the term's allocation is proposed for a fund manager to approve.")

    def get_initial(self):
        return {"confirmed_on": timezone.localdate()}

    def call_service(self, form):
        data = form.cleaned_data
        term = scholarship_term_enrolment_confirm(
            term=self.term,
            confirmed_on=data["confirmed_on"],
            reference=data["reference"],
            confirmation=data["file"],
            actor=self.request.user,
        )
        return term.award


class NothingForm(forms.Form):
    pass


class TermReleaseView(_StepView):
    form_class = NothingForm
    page_title = _("Release a term again")
    permissions = (CONFIRM_PERMISSION,)
    on_term = True
    log_action = "care.scholarship_release"
    submit_button_label = _("Release")
    success_message = _("Released; the term's new allocation is proposed for a fund manager to approve.")

    def call_service(self, form):
        return scholarship_term_release(term=self.term, actor=self.request.user).award


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=AdminDateInput)


class TermPayView(_StepView):
    form_class = PayForm
    page_title = _("Pay a scholarship term")
    permissions = (PAY_PERMISSION,)
    on_term = True
    log_action = "care.scholarship_pay"
    submit_button_label = _("Pay")
    success_message = _("Paid and posted to the ledger.")

    def get_initial(self):
        return {"paid_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        method = Allocation.Method(self.award.payment_method).label
        return super().get_context_data(payment_method=method, **kwargs)

    def call_service(self, form):
        return scholarship_term_pay(term=self.term, paid_on=form.cleaned_data["paid_on"], actor=self.request.user).award


class AcknowledgeForm(forms.Form):
    acknowledged_on = forms.DateField(label=_("Acknowledged on"), widget=AdminDateInput)
    acknowledged_by = forms.CharField(
        label=_("Acknowledged by"),
        max_length=200,
        help_text=_("Who signed for the payee, by their role: the school's accountant, the guardian."),
    )


class TermAcknowledgeView(_StepView):
    form_class = AcknowledgeForm
    page_title = _("Record the payee's acknowledgement")
    permissions = (ACKNOWLEDGE_PERMISSION,)
    on_term = True
    log_action = "care.scholarship_acknowledge"
    submit_button_label = _("Record")
    success_message = _("Acknowledgement recorded.")

    def get_initial(self):
        return {"acknowledged_on": timezone.localdate()}

    def call_service(self, form):
        data = form.cleaned_data
        term = scholarship_term_acknowledge(
            term=self.term,
            acknowledged_on=data["acknowledged_on"],
            acknowledged_by=data["acknowledged_by"],
            actor=self.request.user,
        )
        return term.award
