import django_filters
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic

from config.wagtail_admin import BackOfficeViewSet, ExportIndexView, ServiceFormMixin

from .admin_rights import donor_actions_for
from .models import Donor
from .services import DONOR_FIELDS, donor_create, donor_update


class DonorFilterSet(WagtailFilterSet):
    created = django_filters.DateFromToRangeFilter(
        label=_("Date added"), field_name="created_at", widget=DateRangePickerWidget
    )

    class Meta:
        model = Donor
        fields = ["kind", "preferred_language", "consent_receipts_by_email", "consent_news", "created"]


class DonorIndexView(ExportIndexView):
    """The export is a list of givers for the accounts, not a mailing list: it carries the donor's
    public id, kind, tax code and consents, and no email, phone or address (a file that leaves the
    back office should hold no more personal data than its reader needs)."""

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        if not self.is_export:
            return queryset
        # One grouped query for the whole file. "received" is Donation.Status.RECEIVED, named
        # by value because donors never import fund (the layers, `make lint`).
        return queryset.annotate(gifts_received=Count("donations", filter=Q(donations__status="received")))

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        for action in donor_actions_for(self.request.user, instance):
            buttons.append(MenuItem(action.label, url=action.url, icon_name=action.icon))
        return buttons


class DonorCreateView(ServiceFormMixin, generic.CreateView):
    service_fields = DONOR_FIELDS

    def call_service(self, data):
        return donor_create(actor=self.request.user, **data)


class DonorEditView(ServiceFormMixin, generic.EditView):
    service_fields = DONOR_FIELDS

    def call_service(self, data):
        return donor_update(donor=self.object, actor=self.request.user, **data)


class DonorViewSet(BackOfficeViewSet):
    model = Donor
    icon = "user"
    menu_label = _("Donors")
    menu_order = 210
    add_to_admin_menu = True
    index_view_class = DonorIndexView
    add_view_class = DonorCreateView
    edit_view_class = DonorEditView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = list(DONOR_FIELDS)
    list_display = ["name", "kind", "email", "phone", "preferred_language", "created_at"]
    filterset_class = DonorFilterSet
    search_fields = ["name", "email", "tax_code", "phone"]
    list_per_page = 50
    list_export = [
        "public_id",
        "name",
        "kind",
        "is_organisation",
        "tax_code",
        "preferred_language",
        "consent_receipts_by_email",
        "consent_news",
        "anonymous_by_default",
        "gifts_received",
        "created_at",
    ]
    export_headings = {
        "public_id": _("Donor id"),
        "kind": _("Kind"),
        "is_organisation": _("Organisation"),
        "gifts_received": _("Gifts received"),
        "created_at": _("Added on"),
    }
    export_filename = "donors"
