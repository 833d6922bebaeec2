"""Back-office screens for the people in care (Wagtail admin).

Case files are list-and-inspect only: the care services are their only writers. The sensitive
part shows only to those allowed, and every showing is audited (care.selectors).
"""

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import HeaderButton

from config.wagtail_admin import BackOfficeViewSet, InspectView

from .admin_people import ADMIT_PERMISSION, DISCHARGE_PERMISSION, BeneficiaryAdmitView, BeneficiaryDischargeView
from .models import Beneficiary
from .selectors import beneficiary_sensitive_get, beneficiary_support


class BeneficiaryIndexView(generic.IndexView):
    """People in care are never exported: Wagtail answers ``?export=`` on any listing, even one
    with no export columns (it would still give one row per child), so this listing ignores it."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.is_export = False

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(ADMIT_PERMISSION):
            url = reverse("beneficiary:admit")
            buttons.append(HeaderButton(_("Admit a person into care"), url=url, icon_name="plus"))
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.in_care and self.request.user.has_perm(DISCHARGE_PERMISSION):
            url = reverse("beneficiary:discharge", args=[instance.pk])
            buttons.append(MenuItem(_("Record a departure"), url=url, icon_name="logout", priority=5))
        return buttons


class BeneficiaryInspectView(InspectView):
    """Shows the sensitive part only to those allowed, and every showing is audited."""

    template_name = "care/admin/beneficiary_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            context["sensitive"] = beneficiary_sensitive_get(
                actor=self.request.user, beneficiary=self.object, purpose="admin inspect"
            )
        except PermissionDenied:
            context["sensitive"] = None  # the refusal is in the audit trail too
        context["support"] = beneficiary_support(self.object)
        return context


class BeneficiaryViewSet(BackOfficeViewSet):
    model = Beneficiary
    icon = "group"
    menu_label = _("People in care")
    url_prefix = "care/people"
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = BeneficiaryInspectView
    index_view_class = BeneficiaryIndexView
    form_fields = []
    list_display = ["case_number", "full_name", "group", "programme", "admitted_on", "left_on"]
    list_filter = ["group", "programme"]
    search_fields = ["case_number", "full_name"]
    list_per_page = 50
    inspect_view_fields = [
        "case_number",
        "full_name",
        "date_of_birth",
        "group",
        "programme",
        "admitted_on",
        "left_on",
        "left_reason",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("admit/", BeneficiaryAdmitView.as_view(), name="admit"),
            path("discharge/<int:pk>/", BeneficiaryDischargeView.as_view(), name="discharge"),
        ]
