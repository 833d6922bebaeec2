"""Back-office screen for campaigns: the appeals of a fund, each with a goal and a period.

Written through the fund services like funds are (ServiceFormMixin: one transaction, one audit
entry, and Wagtail's log entry behind the History tab). Never deleted: gifts and monthly gifts
point at a campaign, so one that is over is closed (``is_active``) instead: by its edit form, or
by the Close and Reopen actions (fund.services.campaign_close / campaign_reopen)."""

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic

from config.wagtail_admin import BackOfficeViewSet, ServiceActionView, ServiceFormMixin, YesNoColumn

from .admin_money import MoneyColumn, MoneyInspectView
from .models import Campaign
from .services import campaign_close, campaign_create, campaign_reopen, campaign_update

CHANGE_PERMISSION = "fund.change_campaign"


class CampaignCreateView(ServiceFormMixin, generic.CreateView):
    service_fields = ("fund", "name", "slug", "starts_on", "ends_on", "goal")

    def call_service(self, data):
        return campaign_create(actor=self.request.user, **data)


class CampaignEditView(ServiceFormMixin, generic.EditView):
    service_fields = ("name", "starts_on", "ends_on", "goal", "is_active")

    def call_service(self, data):
        return campaign_update(campaign=self.object, actor=self.request.user, **data)


class ConfirmForm(forms.Form):
    pass


class _CampaignActionView(ServiceActionView):
    template_name = "fund/admin/campaign_form.html"
    header_icon = "date"
    permissions = (CHANGE_PERMISSION,)
    form_class = ConfirmForm

    def get_object(self):
        self.campaign = get_object_or_404(Campaign.objects.select_related("fund"), pk=self.kwargs["pk"])
        return self.campaign

    def get_context_data(self, **kwargs):
        return super().get_context_data(campaign=self.campaign, **kwargs)

    def get_success_url(self, campaign):
        return reverse("campaigns:index")


class CampaignCloseView(_CampaignActionView):
    page_title = _("Close a campaign")
    log_action = "fund.campaign_close"
    submit_button_label = _("Close the campaign")
    success_message = _("Campaign closed: the public site takes no new gifts for it.")

    def call_service(self, form):
        return campaign_close(campaign=self.campaign, actor=self.request.user)


class CampaignReopenView(_CampaignActionView):
    page_title = _("Reopen a campaign")
    log_action = "fund.campaign_reopen"
    submit_button_label = _("Reopen the campaign")
    success_message = _("Campaign reopened: it takes gifts again.")

    def call_service(self, form):
        return campaign_reopen(campaign=self.campaign, actor=self.request.user)


class CampaignIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm(CHANGE_PERMISSION):
            label, name, icon = (
                (_("Close"), "close", "lock") if instance.is_active else (_("Reopen"), "reopen", "lock-open")
            )
            buttons.append(MenuItem(label, url=reverse(f"campaigns:{name}", args=[instance.pk]), icon_name=icon))
        return buttons


class CampaignViewSet(BackOfficeViewSet):
    model = Campaign
    icon = "date"
    menu_label = _("Campaigns")
    url_prefix = "fund/campaigns"
    url_namespace = "campaigns"
    index_view_class = CampaignIndexView
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

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("close/<int:pk>/", CampaignCloseView.as_view(), name="close"),
            path("reopen/<int:pk>/", CampaignReopenView.as_view(), name="reopen"),
        ]
