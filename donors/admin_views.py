from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from config.wagtail_admin import ServiceFormMixin

from .models import Donor
from .services import DONOR_FIELDS, donor_create, donor_update


class DonorCreateView(ServiceFormMixin, generic.CreateView):
    service_fields = DONOR_FIELDS

    def call_service(self, data):
        return donor_create(actor=self.request.user, **data)


class DonorEditView(ServiceFormMixin, generic.EditView):
    service_fields = DONOR_FIELDS

    def call_service(self, data):
        return donor_update(donor=self.object, actor=self.request.user, **data)


class DonorViewSet(ModelViewSet):
    model = Donor
    icon = "user"
    menu_label = "Donors"
    menu_order = 210
    add_to_admin_menu = True
    add_view_class = DonorCreateView
    edit_view_class = DonorEditView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = list(DONOR_FIELDS)
    list_display = ["name", "kind", "email", "phone", "preferred_language", "created_at"]
    list_filter = ["kind", "preferred_language", "consent_receipts_by_email"]
    search_fields = ["name", "email", "tax_code", "phone"]
    list_per_page = 50
