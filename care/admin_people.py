"""Back-office actions on case files: admit a person into care (the case file and its
sensitive part, written only by care.services.beneficiary_admit) and record their departure
(care.services.beneficiary_discharge, which also closes what was still open for them).

Least privilege: the sensitive fields are on the admit form only for those who may read
sensitive records; this screen never reads one back (the inspect screen does, audited)."""

from __future__ import annotations

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.widgets import AdminDateInput

from config.wagtail_admin import ServiceActionView

from .models import Allocation, Beneficiary, BeneficiarySensitive
from .selectors import SENSITIVE_PERMISSION
from .services import beneficiary_admit, beneficiary_discharge
from .services.beneficiaries import SENSITIVE_FIELDS

ADMIT_PERMISSION = "care.add_beneficiary"
DISCHARGE_PERMISSION = "care.change_beneficiary"


def _person_url(person: Beneficiary) -> str:
    return reverse("beneficiary:inspect", args=[person.pk])


class AdmitForm(forms.Form):
    case_number = forms.CharField(label=_("Case number"), max_length=20)
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=AdminDateInput)
    group = forms.ChoiceField(label=_("Group"), choices=Beneficiary.Group.choices)
    programme = forms.ChoiceField(label=_("Programme"), choices=Beneficiary.Programme.choices)
    admitted_on = forms.DateField(label=_("Admitted on"), widget=AdminDateInput)
    # The sensitive record; removed in __init__ for a user who may not read it.
    health_notes = forms.CharField(label=_("Health"), required=False, max_length=5000, widget=forms.Textarea)
    disability = forms.CharField(label=_("Disability"), required=False, max_length=5000, widget=forms.Textarea)
    hiv_status = forms.ChoiceField(
        label=_("HIV status"), choices=BeneficiarySensitive.HivStatus.choices, initial="unknown"
    )
    family_situation = forms.CharField(
        label=_("Family situation"), required=False, max_length=5000, widget=forms.Textarea
    )
    guardian_contact = forms.CharField(
        label=_("Guardian contact"), required=False, max_length=5000, widget=forms.Textarea
    )

    def __init__(self, *args, with_sensitive: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_sensitive:
            for name in SENSITIVE_FIELDS:
                del self.fields[name]

    def sensitive(self) -> dict | None:
        values = {name: self.cleaned_data[name] for name in SENSITIVE_FIELDS if name in self.fields}
        return values or None


class BeneficiaryAdmitView(ServiceActionView):
    form_class = AdmitForm
    template_name = "care/admin/beneficiary_form.html"
    permissions = (ADMIT_PERMISSION,)
    page_title = _("Admit a person into care")
    header_icon = "group"
    log_action = "care.beneficiary_admit"
    submit_button_label = _("Admit")

    def get_form_kwargs(self):
        with_sensitive = self.request.user.has_perm(SENSITIVE_PERMISSION)
        return super().get_form_kwargs() | {"with_sensitive": with_sensitive}

    def get_initial(self):
        return {"admitted_on": timezone.localdate()}

    def call_service(self, form):
        data = form.cleaned_data
        return beneficiary_admit(
            case_number=data["case_number"],
            full_name=data["full_name"],
            date_of_birth=data["date_of_birth"],
            group=data["group"],
            programme=data["programme"],
            admitted_on=data["admitted_on"],
            sensitive=form.sensitive(),
            actor=self.request.user,
        )

    def get_success_message(self, person):
        return gettext("Case file %(case)s opened.") % {"case": person.case_number}

    def get_success_url(self, person):
        return _person_url(person)


class DischargeForm(forms.Form):
    left_on = forms.DateField(label=_("Left care on"), widget=AdminDateInput)
    reason = forms.CharField(
        label=_("Why"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the case file only, e.g. 'returned to the family'."),
    )


class BeneficiaryDischargeView(ServiceActionView):
    form_class = DischargeForm
    template_name = "care/admin/beneficiary_form.html"
    permissions = (DISCHARGE_PERMISSION,)
    page_title = _("Record a departure from care")
    header_icon = "group"
    log_action = "care.beneficiary_discharge"
    submit_button_label = _("Record the departure")

    def get_object(self):
        self.person = get_object_or_404(Beneficiary, pk=self.kwargs["pk"])
        return self.person

    def get_initial(self):
        return {"left_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        open_allocations = Allocation.objects.filter(
            beneficiary=self.person, status__in=(Allocation.Status.PROPOSED, Allocation.Status.APPROVED)
        ).count()
        return super().get_context_data(person=self.person, open_allocations=open_allocations, **kwargs)

    def call_service(self, form):
        return beneficiary_discharge(
            beneficiary=self.person,
            left_on=form.cleaned_data["left_on"],
            reason=form.cleaned_data["reason"],
            actor=self.request.user,
        )

    def log_data(self, person):
        return {"left_on": person.left_on.isoformat()}

    def get_success_message(self, person):
        return gettext("Departure of %(case)s recorded.") % {"case": person.case_number}

    def get_success_url(self, person):
        return _person_url(person)
