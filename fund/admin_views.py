"""Back-office screens for funds, gifts, and the ledger (Wagtail admin).

Views stay thin: forms collect input, services write. Records that only services may change
(gifts, postings) are list-and-inspect only, whatever the user's Django permissions say.
"""

from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from config.wagtail_admin import BackOfficeViewSet, ServiceFormMixin, YesNoColumn

from .admin_campaigns import CampaignViewSet
from .admin_gifts import RECORD_PERMISSION, CentreGiftView, DonationCancelView, DonationRefundView, gift_actions_for
from .admin_money import MoneyColumn, MoneyExportIndexView, MoneyInspectView
from .models import Donation, Fund, Posting
from .money import money_display
from .selectors import fund_balances
from .services import fund_create, fund_update

# --- Funds ---------------------------------------------------------------------------------


class FundBalanceColumn(Column):
    """One ledger query for the whole page of funds, not one per row."""

    def __init__(self, name, part, **kwargs):
        super().__init__(name, **kwargs)
        self.part = part

    def get_value(self, instance):
        cache = getattr(instance, "_balances_cache", None)
        if cache is None:
            return None
        return money_display(getattr(cache[instance.pk], self.part))


class FundIndexView(generic.IndexView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        funds = list(context["object_list"])
        balances = fund_balances(funds)
        for fund in funds:
            fund._balances_cache = balances
        return context


class FundCreateView(ServiceFormMixin, generic.CreateView):
    service_fields = ("name", "code", "currency", "restricted_purpose")

    def call_service(self, data):
        return fund_create(actor=self.request.user, **data)


class FundEditView(ServiceFormMixin, generic.EditView):
    service_fields = ("name", "restricted_purpose", "is_active", "second_approval_above")

    def call_service(self, data):
        return fund_update(fund=self.object, actor=self.request.user, **data)


class FundViewSet(BackOfficeViewSet):
    model = Fund
    icon = "folder-open-inverse"
    menu_label = _("Funds")
    url_prefix = "fund/funds"
    index_view_class = FundIndexView
    add_view_class = FundCreateView
    edit_view_class = FundEditView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["name", "code", "currency", "restricted_purpose", "is_active", "second_approval_above"]
    list_display = [
        "name",
        "code",
        "currency",
        FundBalanceColumn("received", "received", label=_("Received")),
        FundBalanceColumn("allocated", "allocated", label=_("Allocated")),
        FundBalanceColumn("cash", "cash", label=_("Cash")),
        FundBalanceColumn("goods", "goods", label=_("Goods")),
        FundBalanceColumn("balance", "total", label=_("Balance")),
        YesNoColumn("is_active", label=_("Active"), sort_key="is_active"),
    ]


# --- Gifts -----------------------------------------------------------------------------------


class DonationIndexView(MoneyExportIndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(RECORD_PERMISSION):
            url = reverse("donation:record_centre")
            buttons.append(HeaderButton(_("Record a cash gift received at the centre"), url=url, icon_name="plus"))
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        for action in gift_actions_for(self.request.user, instance):
            buttons.append(MenuItem(action.label, url=action.url, icon_name=action.icon, priority=5))
        return buttons


class DonationViewSet(BackOfficeViewSet):
    model = Donation
    icon = "pick"
    menu_label = _("Gifts")
    url_prefix = "fund/gifts"
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = MoneyInspectView
    index_view_class = DonationIndexView
    form_fields = []
    list_display = [
        "reference",
        "donor",
        "fund",
        "kind",
        "channel",
        "status",
        MoneyColumn("amount", label=_("Amount"), sort_key="amount"),
        "received_at",
    ]
    list_filter = ["fund", "kind", "status", "channel"]
    list_export = [
        "reference",
        "received_at",
        "pledged_at",
        "fund",
        "campaign",
        "donor",
        "kind",
        "channel",
        "status",
        "amount",
        "amount_currency",
        "exchange_rate",
    ]
    export_headings = {"amount_currency": _("Currency"), "exchange_rate": _("Exchange rate (VND)")}
    export_filename = "gifts"
    search_fields = ["reference", "donor__name", "donor__email"]
    list_per_page = 50
    inspect_view_fields = [
        "reference",
        "fund",
        "campaign",
        "donor",
        "payer",
        "kind",
        "channel",
        "status",
        "amount",
        "exchange_rate",
        "scholarship_count",
        "school_year",
        "expected_on",
        "is_anonymous",
        "message",
        "pledged_at",
        "received_at",
        "closed_at",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("record-at-centre/", CentreGiftView.as_view(), name="record_centre"),
            path("cancel/<int:pk>/", DonationCancelView.as_view(), name="cancel"),
            path("refund/<int:pk>/", DonationRefundView.as_view(), name="refund"),
        ]


class PostingViewSet(BackOfficeViewSet):
    model = Posting
    icon = "list-ul"
    menu_label = _("Ledger postings")
    url_prefix = "fund/postings"
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    index_view_class = MoneyExportIndexView
    list_display = ["created_at", "fund", "kind", "purpose", "programme", "reference", "donation", "reason"]
    list_filter = ["fund", "kind"]
    list_export = ["created_at", "fund", "kind", "purpose", "programme", "reference", "donation", "reason", "digest"]
    export_filename = "ledger-postings"
    list_per_page = 50
    inspect_view_fields = [
        "created_at",
        "fund",
        "kind",
        "purpose",
        "programme",
        "reference",
        "donation",
        "reverses",
        "reason",
        "occurred_on",  # a late entry: the day it happened, in a period closed since
        "digest",
        "created_by",
    ]


class FundAdminGroup(ModelViewSetGroup):
    menu_label = _("Fund")
    menu_icon = "folder-inverse"
    menu_order = 200
    items = (FundViewSet, CampaignViewSet, DonationViewSet, PostingViewSet)
