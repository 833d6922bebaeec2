"""Back-office screens for the people in care (Wagtail admin).

Case files are list-and-inspect only: the care services are their only writers. The sensitive
part shows only to those allowed, and every showing is audited (care.selectors).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic

from config.wagtail_admin import BackOfficeViewSet, InspectView

from .models import Beneficiary
from .selectors import beneficiary_sensitive_get


class BeneficiaryIndexView(generic.IndexView):
    """People in care are never exported: Wagtail answers ``?export=`` on any listing, even one
    with no export columns (it would still give one row per child), so this listing ignores it."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.is_export = False


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
    inspect_view_fields = ["case_number", "full_name", "date_of_birth", "group", "programme", "admitted_on", "left_on"]
