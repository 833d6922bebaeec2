"""The back office's side of a donor's data rights: erase a person's personal data on their
request (this app), and the export, which lives in receipts because it reads receipts and their
emails; receipts adds it to a donor's actions through DONOR_ACTIONS_HOOK (donors never imports
the apps above it). Both are the Administrator's alone (donors.erase_donor,
donors.export_donor_data; docs/data-rights.md)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from config.wagtail_admin import ServiceActionView

from .errors import DonorError
from .models import Donor
from .services_rights import donor_erase

ERASE_PERMISSION = "donors.erase_donor"
EXPORT_PERMISSION = "donors.export_donor_data"
# Apps above this one add actions on a donor: each function registered under this name takes
# (user, donor) and returns the DonorActions that user may take on it.
DONOR_ACTIONS_HOOK = "register_donor_actions"


@dataclass(frozen=True)
class DonorAction:
    label: str
    url: str
    icon: str


def donor_actions_for(user, donor: Donor) -> list[DonorAction]:
    actions = [action for hook in hooks.get_hooks(DONOR_ACTIONS_HOOK) for action in hook(user, donor)]
    if user.has_perm(ERASE_PERMISSION) and donor.kind == Donor.Kind.PERSON and donor.erased_at is None:
        actions.append(DonorAction(gettext("Erase personal data"), reverse("donor_erase", args=[donor.pk]), "bin"))
    return actions


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Request"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Which request this answers and when it came, e.g. 'email of 3 March'. Do not write the name."),
    )
    confirm = forms.BooleanField(
        label=_("I understand this cannot be undone"),
        help_text=_(
            "The name, contact details, address and gift messages are replaced or emptied everywhere. "
            "Gifts, amounts, references and the issued receipts stay, as accounting law requires."
        ),
    )


class DonorEraseView(ServiceActionView):
    form_class = EraseForm
    permissions = (ERASE_PERMISSION,)
    page_title = _("Erase a donor's personal data")
    header_icon = "bin"
    submit_button_label = _("Erase personal data")
    log_action = "donors.erase"
    refusals = (DonorError,)

    def get_object(self):
        return get_object_or_404(Donor, pk=self.kwargs["pk"])

    def object_refusal(self):
        if self.object.erased_at is not None:
            messages.info(self.request, gettext("This donor's personal data was erased already."))
            return redirect("donors:index")
        return None

    def get_page_subtitle(self):
        return str(self.object)

    def call_service(self, form):
        return donor_erase(donor=self.object, actor=self.request.user, reason=form.cleaned_data["reason"])

    def get_success_message(self, instance):
        return gettext("Personal data erased. The record is now %(name)s.") % {"name": instance.name}

    def get_success_url(self, instance):
        return reverse("donors:index")
