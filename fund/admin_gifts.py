"""Back-office actions on gifts: record cash handed over at the centre, cancel a pledge that will
not arrive, refund a gift given back. Each calls one fund service; gifts are never edited by form.

Card gifts are refunded through Stripe, from a screen of the payments app that asks Stripe for
the refund; Stripe's refund event then refunds the gift in the ledger, so the money and the
books cannot disagree. This app may not import payments, so that screen reaches the gift's
actions through a Wagtail hook (GIFT_ACTIONS_HOOK). Goods handed over at the centre are a stock
intake, not a gift entered here."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.widgets import AdminDateInput

from config.wagtail_admin import ServiceActionView
from donors.admin_chooser import donor_chooser_widget
from donors.models import Donor

from .models import Campaign, Donation, Fund
from .money import money_display
from .services import centre_gift_record, donation_cancel, donation_refund

RECORD_PERMISSION = "fund.add_donation"  # record a cash gift received at the centre
CHANGE_PERMISSION = "fund.change_donation"  # cancel a pledge, refund a gift
# Apps above this one add actions on a gift: each function registered under this name takes
# (user, gift) and returns the GiftActions that user may take on it now.
GIFT_ACTIONS_HOOK = "register_gift_actions"


@dataclass(frozen=True)
class GiftAction:
    label: str
    url: str
    icon: str
    refunds: bool = False  # gives the gift back: the Refund screen sends a card gift there


def _gift_url(gift: Donation) -> str:
    return reverse("donation:inspect", args=[gift.pk])


class CentreGiftForm(forms.Form):
    donor = forms.ModelChoiceField(
        label=_("Donor"),
        queryset=Donor.objects.all(),
        widget=donor_chooser_widget(),
        required=False,
        help_text=_("A donor already on file; or leave empty and give the new donor's details below."),
    )
    new_donor_kind = forms.ChoiceField(label=_("New donor: person or organisation"), choices=Donor.Kind.choices)
    new_donor_name = forms.CharField(label=_("New donor: name"), max_length=200, required=False)
    new_donor_email = forms.EmailField(label=_("New donor: email"), max_length=254, required=False)
    new_donor_phone = forms.CharField(label=_("New donor: phone"), max_length=30, required=False)
    new_donor_receipts_by_email = forms.BooleanField(label=_("New donor: send receipts by email"), required=False)
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.filter(is_active=True).order_by("name"))
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.filter(is_active=True).select_related("fund").order_by("name"),
        required=False,
    )
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=20, decimal_places=2, help_text=_("Counted in cash, in the fund's currency.")
    )
    received_on = forms.DateField(label=_("Received on"), widget=AdminDateInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("donor") and cleaned.get("new_donor_name"):
            raise ValidationError(gettext("Pick a donor on file or give a new donor's name, not both."))
        if not cleaned.get("donor") and not cleaned.get("new_donor_name") and "donor" not in self.errors:
            self.add_error("donor", gettext("Pick the donor, or give a new donor's name below."))
        return cleaned

    def donor_value(self) -> Donor | dict:
        data = self.cleaned_data
        if data["donor"]:
            return data["donor"]
        return {
            "kind": data["new_donor_kind"],
            "name": data["new_donor_name"],
            "email": data["new_donor_email"],
            "phone": data["new_donor_phone"],
            "consent_receipts_by_email": data["new_donor_receipts_by_email"],
        }


class CentreGiftView(ServiceActionView):
    form_class = CentreGiftForm
    template_name = "fund/admin/gift_form.html"
    permissions = (RECORD_PERMISSION,)
    page_title = _("Record a cash gift received at the centre")
    header_icon = "pick"
    log_action = "fund.gift_record_centre"
    submit_button_label = _("Record as received")

    def get_initial(self):
        return {"received_on": timezone.localdate()}

    def call_service(self, form):
        data = form.cleaned_data
        return centre_gift_record(
            fund=data["fund"],
            campaign=data["campaign"],
            donor=form.donor_value(),
            amount=data["amount"],
            received_on=data["received_on"],
            actor=self.request.user,
        )

    def log_data(self, gift):
        return {"reference": gift.reference}

    def get_success_message(self, gift):
        return gettext("Gift %(reference)s of %(amount)s recorded as received; its receipt follows.") % {
            "reference": gift.reference,
            "amount": money_display(gift.amount),
        }

    def get_success_url(self, gift):
        return _gift_url(gift)


class GiftActionView(ServiceActionView):
    """An action on one gift (``pk`` in the URL), shown beside the gift's facts; also the base
    of other apps' actions on gifts."""

    template_name = "fund/admin/gift_form.html"
    header_icon = "pick"
    permissions = (CHANGE_PERMISSION,)

    def get_object(self):
        self.gift = get_object_or_404(Donation.objects.select_related("donor", "fund"), pk=self.kwargs["pk"])
        return self.gift

    def get_context_data(self, **kwargs):
        return super().get_context_data(gift=self.gift, gift_amount=money_display(self.gift.amount), **kwargs)

    def log_data(self, gift):
        return {"status": gift.status}

    def get_success_url(self, gift):
        return _gift_url(gift)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class DonationCancelView(GiftActionView):
    form_class = ReasonForm
    page_title = _("Cancel a pledge")
    log_action = "fund.gift_cancel"
    submit_button_label = _("Cancel the pledge")
    success_message = _("Pledge cancelled.")

    def call_service(self, form):
        return donation_cancel(donation=self.gift, reason=form.cleaned_data["reason"], actor=self.request.user)


class DonationRefundView(GiftActionView):
    form_class = ReasonForm
    page_title = _("Refund a gift")
    log_action = "fund.gift_refund"
    submit_button_label = _("Refund")
    success_message = _("Refunded: the ledger posting is reversed and the receipt will be voided.")

    def object_refusal(self):
        if self.gift.channel != Donation.Channel.CARD or self.gift.status != Donation.Status.RECEIVED:
            return None
        # The money goes back through Stripe; its refund event then refunds the gift here.
        refund = next((action for action in _other_apps_actions(self.request.user, self.gift) if action.refunds), None)
        if refund is not None:
            return redirect(refund.url)
        messages.error(
            self.request,
            gettext(
                "Gift %(reference)s was paid by card: its money goes back through Stripe, from its card payment, "
                "which you may not open."
            )
            % {"reference": self.gift.reference},
        )
        return redirect(_gift_url(self.gift))

    def call_service(self, form):
        return donation_refund(donation=self.gift, reason=form.cleaned_data["reason"], actor=self.request.user)


def _other_apps_actions(user, gift: Donation) -> list[GiftAction]:
    return [action for hook in hooks.get_hooks(GIFT_ACTIONS_HOOK) for action in hook(user, gift)]


def gift_actions_for(user, gift: Donation) -> list[GiftAction]:
    """The actions this user may take on this gift now: this app's, then other apps'."""
    actions = []
    if user.has_perm(CHANGE_PERMISSION):
        if gift.status == Donation.Status.PLEDGED:
            actions.append(GiftAction(gettext("Cancel pledge"), reverse("donation:cancel", args=[gift.pk]), "cross"))
        elif gift.status == Donation.Status.RECEIVED and gift.channel != Donation.Channel.CARD:
            actions.append(
                GiftAction(gettext("Refund"), reverse("donation:refund", args=[gift.pk]), "rotate", refunds=True)
            )
    return actions + _other_apps_actions(user, gift)
