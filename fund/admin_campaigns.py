"""Back-office screen for campaigns: the appeals of a fund, each with a goal and a period.

Written through the fund services like funds are (ServiceFormMixin: one transaction, one audit
entry, and Wagtail's log entry behind the History tab). Never deleted: gifts and monthly gifts
point at a campaign, so one that is over is closed (``is_active``) instead."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic

from config.wagtail_admin import BackOfficeViewSet, ServiceFormMixin, YesNoColumn

from .admin_money import MoneyColumn, MoneyInspectView
from .models import Campaign
from .services import campaign_create, campaign_update


class CampaignCreateView(ServiceFormMixin, generic.CreateView):
    service_fields = ("fund", "name", "slug", "starts_on", "ends_on", "goal")

    def call_service(self, data):
        return campaign_create(actor=self.request.user, **data)


class CampaignEditView(ServiceFormMixin, generic.EditView):
    service_fields = ("name", "starts_on", "ends_on", "goal", "is_active")

    def call_service(self, data):
        return campaign_update(campaign=self.object, actor=self.request.user, **data)


class CampaignViewSet(BackOfficeViewSet):
    model = Campaign
    icon = "date"
    menu_label = _("Campaigns")
    url_prefix = "fund/campaigns"
    url_namespace = "campaigns"
    add_view_class = CampaignCreateView
    edit_view_class = CampaignEditView
    inspect_view_class = MoneyInspectView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["fund", "name", "slug", "starts_on", "ends_on", "goal", "is_active"]
    list_display = [
        "name",
        "fund",
        "starts_on",
        "ends_on",
        MoneyColumn("goal", label=_("Goal"), sort_key="goal"),
        YesNoColumn("is_active", label=_("Active"), sort_key="is_active"),
    ]
    list_filter = ["fund", "is_active"]
    search_fields = ["name", "slug"]
    list_per_page = 50
    inspect_view_fields = ["name", "slug", "fund", "starts_on", "ends_on", "goal", "is_active"]
