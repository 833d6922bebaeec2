"""Back-office screens for card payments: what Stripe told us and what we did about it.

List-and-inspect only: these rows change through the card payment services and the webhook.
Two lists are where a person is needed: Stripe events that need a person (a refund or payment
that could not be linked to a gift, a partial refund, a dispute to answer, an event waiting for
Stripe) and monthly gifts in trouble (overdue, or unpaid after Stripe stopped retrying). The
actions here: "Mark as handled" records what the person did and takes the event off the list and
out of ``check_ledger``'s report; "Refund" asks Stripe to give a card gift back
(admin_card_refunds.py)."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSetGroup

from config.wagtail_admin import BackOfficeViewSet, admin_action_log
from fund.admin_money import MoneyColumn, MoneyInspectView
from fund.models import RecurringGift

from .admin_card_refunds import CardRefundView, card_refund_actions
from .models import CardPayment, StripeEvent
from .services.stripe_events import StripeEventDeferred, stripe_event_resolve, stripe_event_retry

RESOLVE_PERMISSION = "payments.change_stripeevent"


class StripeEventFilterSet(WagtailFilterSet):
    attention = django_filters.ChoiceFilter(
        label=_("Attention"), choices=StripeEvent.Attention.choices, empty_label=_("Any")
    )

    class Meta:
        model = StripeEvent
        fields = ["attention", "type"]


class StripeEventIndexView(generic.IndexView):
    def order_queryset(self, queryset):
        if self.is_explicitly_ordered:
            return super().order_queryset(queryset)
        # What waits for a person or for Stripe comes first.
        first = Case(
            When(attention=StripeEvent.Attention.PERSON, then=Value(0)),
            When(attention=StripeEvent.Attention.RETRY, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return queryset.order_by(first, "-received_at", "-pk")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if not self.request.user.has_perm(RESOLVE_PERMISSION):
            return buttons
        if instance.attention == StripeEvent.Attention.PERSON:
            url = reverse("stripe_events:resolve", args=[instance.pk])
            buttons.append(MenuItem(_("Mark as handled"), url=url, icon_name="success", priority=5))
        elif instance.attention == StripeEvent.Attention.RETRY:
            url = reverse("stripe_events:retry", args=[instance.pk])
            buttons.append(MenuItem(_("Try again now"), url=url, icon_name="rotate", priority=5))
        return buttons


class StripeEventResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: refunded in full in Stripe and recorded the part kept as a new gift."),
    )


class StripeEventResolveView(WagtailAdminTemplateMixin, FormView):
    """Say what was done about an event left for a person; needs payments.change_stripeevent."""

    template_name = "payments/admin/stripe_event_resolve.html"
    form_class = StripeEventResolveForm
    header_icon = "mail"
    waiting_for = StripeEvent.Attention.PERSON
    button_label = _("Mark as handled")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(RESOLVE_PERMISSION):
            raise PermissionDenied  # before the lookup: no telling which events exist
        self.event = get_object_or_404(StripeEvent, pk=kwargs["pk"])
        if self.event.attention != self.waiting_for:
            messages.error(request, gettext("This event has nothing left to do."))
            return redirect("stripe_events:index")
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return str(self.button_label)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            stripe_event=self.event,
            action_url=self.request.get_full_path(),
            submit_button_label=self.button_label,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            stripe_event_resolve(event=self.event, resolution=form.cleaned_data["resolution"], actor=self.request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            return self.form_invalid(form)
        admin_action_log(instance=self.event, action="payments.event_resolve", user=self.request.user)
        messages.success(self.request, gettext("Stripe event %(id)s marked as handled.") % {"id": self.event.stripe_id})
        return redirect(reverse("stripe_events:index") + "?attention=person")


class StripeEventRetryView(StripeEventResolveView):
    """Process an event waiting for Stripe now (Stripe may have stopped redelivering it)."""

    form_class = forms.Form
    waiting_for = StripeEvent.Attention.RETRY
    button_label = _("Try again now")

    def form_valid(self, form):
        try:
            row = stripe_event_retry(event=self.event)
        except StripeEventDeferred:
            messages.error(self.request, gettext("Stripe still cannot be reached; the event keeps waiting."))
            return redirect(reverse("stripe_events:index") + "?attention=retry")
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return redirect("stripe_events:index")
        admin_action_log(instance=row, action="payments.event_retry", user=self.request.user)
        messages.success(self.request, gettext("Stripe event %(id)s processed.") % {"id": row.stripe_id})
        return redirect("stripe_events:index")


class StripeEventViewSet(BackOfficeViewSet):
    model = StripeEvent
    icon = "mail"
    menu_label = _("Stripe events")
    url_prefix = "payments/stripe-events"
    url_namespace = "stripe_events"
    index_view_class = StripeEventIndexView
    filterset_class = StripeEventFilterSet
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = ["received_at", "type", "stripe_id", "attention", "processed_at", "outcome"]
    search_fields = ["stripe_id", "outcome"]
    list_per_page = 50
    inspect_view_fields = [
        "stripe_id",
        "type",
        "livemode",
        "created",
        "received_at",
        "processed_at",
        "outcome",
        "attention",
        "lookup",
        "resolution",
        "resolved_by",
        "resolved_at",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("resolve/<int:pk>/", StripeEventResolveView.as_view(), name="resolve"),
            path("retry/<int:pk>/", StripeEventRetryView.as_view(), name="retry"),
        ]


class CardPaymentIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("donation")  # each row's gift: its name and actions

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        for action in card_refund_actions(self.request.user, instance.donation):
            buttons.append(MenuItem(action.label, url=action.url, icon_name=action.icon, priority=5))
        return buttons


class CardPaymentViewSet(BackOfficeViewSet):
    model = CardPayment
    icon = "pick"
    menu_label = _("Card payments")
    url_prefix = "payments/card-payments"
    index_view_class = CardPaymentIndexView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = [
        "donation",
        "status",
        "stripe_payment_intent_id",
        "stripe_invoice_id",
        "refund_requested_at",
        "last_error",
        "updated_at",
    ]
    list_filter = ["status"]
    search_fields = ["donation__reference", "stripe_payment_intent_id", "stripe_invoice_id", "stripe_refund_id"]
    list_per_page = 50

    def get_urlpatterns(self):
        # By the gift's pk: the gift's own actions link here, and the History entry goes on the gift.
        return super().get_urlpatterns() + [path("refund-gift/<int:pk>/", CardRefundView.as_view(), name="refund")]


class RecurringGiftFilterSet(WagtailFilterSet):
    in_trouble = django_filters.BooleanFilter(label=_("In trouble"), method="filter_in_trouble")

    class Meta:
        model = RecurringGift
        fields = ["in_trouble", "status", "fund"]

    def filter_in_trouble(self, queryset, name, value):
        if value is None:
            return queryset
        trouble = {"status__in": RecurringGift.TROUBLE}
        return queryset.filter(**trouble) if value else queryset.exclude(**trouble)


class RecurringGiftIndexView(generic.IndexView):
    def order_queryset(self, queryset):
        if self.is_explicitly_ordered:
            return super().order_queryset(queryset)
        trouble_first = Case(
            When(status__in=RecurringGift.TROUBLE, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        return queryset.order_by(trouble_first, "-created_at", "-pk")


class RecurringGiftViewSet(BackOfficeViewSet):
    model = RecurringGift
    icon = "rotate"
    menu_label = _("Monthly gifts")
    url_prefix = "payments/monthly-gifts"
    index_view_class = RecurringGiftIndexView
    filterset_class = RecurringGiftFilterSet
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = MoneyInspectView
    form_fields = []
    list_display = [
        "reference",
        "donor",
        "fund",
        MoneyColumn("amount", label=_("Amount"), sort_key="amount"),
        "status",
        "last_problem",
        "created_at",
        "cancelled_at",
    ]
    search_fields = ["reference", "donor__name", "donor__email", "stripe_subscription_id"]
    list_per_page = 50

    inspect_view_fields = [
        "reference",
        "donor",
        "payer",
        "fund",
        "campaign",
        "amount",
        "status",
        "status_changed_at",
        "last_problem",
        "stripe_customer_id",
        "stripe_subscription_id",
        "created_at",
        "cancelled_at",
    ]


class CardPaymentsAdminGroup(ModelViewSetGroup):
    menu_label = _("Card payments")
    menu_icon = "pick"
    menu_order = 210
    items = (CardPaymentViewSet, RecurringGiftViewSet, StripeEventViewSet)
