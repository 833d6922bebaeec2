"""The back-office screen that refunds a card gift through Stripe.

Reached from the gift's actions (fund's Gifts listing and its Refund screen, through
fund.admin_gifts.GIFT_ACTIONS_HOOK, since fund may not import this app) and from the card
payments listing. It asks Stripe for the refund (payments.services.card_refunds); the gift is
refunded in the ledger when Stripe's refund event arrives, and the screen says so."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages

from fund.admin_gifts import CHANGE_PERMISSION, GiftAction, GiftActionView, ReasonForm
from fund.models import Donation

from .services.card_refunds import card_payment_refund, card_refund_refusal

# Refunding a gift is the fund's permission; the screen shows the gift's card payment too.
REFUND_PERMISSIONS = (CHANGE_PERMISSION, "payments.view_cardpayment")


def card_refund_allowed(user) -> bool:
    return user.has_perms(REFUND_PERMISSIONS)


def card_refund_url(gift: Donation) -> str:
    return reverse("cardpayment:refund", args=[gift.pk])


def card_refund_actions(user, gift: Donation) -> list[GiftAction]:
    """The gift action that refunds a received card gift, for those who may (GIFT_ACTIONS_HOOK).
    Offered on any received card gift without asking about its card payment (a listing would ask
    once per row): the screen says why, if that payment cannot be refunded."""
    if gift.channel != Donation.Channel.CARD or gift.status != Donation.Status.RECEIVED or gift.is_goods:
        return []
    if not card_refund_allowed(user):
        return []
    return [GiftAction(gettext("Refund"), card_refund_url(gift), "rotate", refunds=True)]


class CardRefundView(GiftActionView):
    form_class = ReasonForm
    template_name = "payments/admin/card_refund_form.html"
    page_title = _("Refund a card gift through Stripe")
    log_action = "payments.card_refund_request"
    submit_button_label = _("Ask Stripe to refund")

    def dispatch(self, request, *args, **kwargs):
        # Both permissions, before the gift is looked up (ServiceActionView checks any one of them).
        if not card_refund_allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def object_refusal(self):
        refusal = card_refund_refusal(self.gift)
        if not refusal:
            return None
        messages.error(self.request, refusal)
        return redirect(self.get_success_url(self.gift))

    def get_context_data(self, **kwargs):
        payment = getattr(self.gift, "card_payment", None)
        return super().get_context_data(card_payment=payment, **kwargs)

    def call_service(self, form):
        self.payment = card_payment_refund(
            donation=self.gift, reason=form.cleaned_data["reason"], actor=self.request.user
        )
        return self.payment.donation  # the History entry goes on the gift

    def log_data(self, gift):
        return {"refund": self.payment.stripe_refund_id}

    def get_success_message(self, gift):
        return gettext(
            "Stripe was asked to refund gift %(reference)s (refund %(refund)s). The gift is refunded here, its "
            "ledger posting reversed and its receipt voided, when Stripe confirms the refund."
        ) % {"reference": gift.reference, "refund": self.payment.stripe_refund_id}
