"""Back-office screens for card payments: what Stripe told us and what we did about it.

List-and-inspect only: these rows change through the card payment services and the webhook.
The inbox's outcome column is where a refused or partial refund asks for a person."""

from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .models import CardPayment, RecurringGift, StripeEvent


class StripeEventViewSet(ModelViewSet):
    model = StripeEvent
    icon = "mail"
    menu_label = "Stripe events"
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = ["received_at", "type", "stripe_id", "processed_at", "outcome"]
    list_filter = ["type"]
    search_fields = ["stripe_id", "outcome"]
    list_per_page = 50
    inspect_view_fields = ["stripe_id", "type", "livemode", "created", "received_at", "processed_at", "outcome"]


class CardPaymentViewSet(ModelViewSet):
    model = CardPayment
    icon = "pick"
    menu_label = "Card payments"
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = ["donation", "status", "stripe_payment_intent_id", "stripe_invoice_id", "last_error", "updated_at"]
    list_filter = ["status"]
    search_fields = ["donation__reference", "stripe_payment_intent_id", "stripe_invoice_id"]
    list_per_page = 50


class RecurringGiftViewSet(ModelViewSet):
    model = RecurringGift
    icon = "rotate"
    menu_label = "Monthly gifts"
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = ["reference", "donor", "fund", "amount", "status", "created_at", "cancelled_at"]
    list_filter = ["status", "fund"]
    search_fields = ["reference", "donor__name", "donor__email", "stripe_subscription_id"]
    list_per_page = 50


class CardPaymentsAdminGroup(ModelViewSetGroup):
    menu_label = "Card payments"
    menu_icon = "pick"
    menu_order = 210
    items = (CardPaymentViewSet, RecurringGiftViewSet, StripeEventViewSet)
