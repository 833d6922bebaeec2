"""The audit trail in the back office: list and inspect only, for the roles that hold
``audit.view_auditentry`` (the Auditor; the Administrator holds everything). Rows are never
edited or deleted (the database refuses it, audit/db.py), so the screen offers neither.

The export carries when, who, what and on which object, never ``data``: services put what they
like there, and some of it is a child's case (``beneficiary.admit`` records the case number with
the programme, which can say "affected by HIV"). A file leaves the back office; a child's
sensitive fields never do, and an auditor's file of who did what needs none of them. On screen,
the data of an entry about a person in care shows only to those who may open case files.

Entries written before a model moved app keep its old label (audit/labels.py); the object type
filter offers today's labels and finds the old entries with them."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from audit.labels import object_type_labels, object_type_now
from audit.models import AuditEntry
from config.wagtail_admin import BackOfficeViewSet, ExportIndexView, InspectView


def _actors():
    # Only people who appear in the trail: the list stays short and names no one idle.
    return get_user_model().objects.filter(pk__in=AuditEntry.objects.values("actor_id")).order_by("username")


def _actions():
    # The actions written so far, for a list to pick from: nobody remembers "donation.record".
    names = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    return [(name, name) for name in names]


def _object_types():
    labels = AuditEntry.objects.order_by().values_list("object_type", flat=True).distinct()
    return [(label, label) for label in sorted({object_type_now(label) for label in labels})]


# A string, not an import: staff names the apps' permissions without importing them (staff/roles.py).
CASE_FILE_VIEW = "care.view_beneficiary"


class AuditEntryFilterSet(WagtailFilterSet):
    period = django_filters.DateFromToRangeFilter(label=_("Date"), field_name="at", widget=DateRangePickerWidget)
    actor = django_filters.ModelChoiceFilter(label=_("Who"), queryset=lambda request: _actors(), empty_label=_("Any"))
    system = django_filters.BooleanFilter(label=_("By the system"), field_name="actor", lookup_expr="isnull")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=_actions, empty_label=_("Any"), widget=forms.Select)
    object_type = django_filters.ChoiceFilter(
        label=_("Object type"), choices=_object_types, empty_label=_("Any"), method="filter_object_type"
    )

    class Meta:
        model = AuditEntry
        fields = ["period", "actor", "system", "action", "object_type"]

    def filter_object_type(self, queryset, name, value):
        return queryset.filter(object_type__in=object_type_labels(value)) if value else queryset


class AuditEntryIndexView(ExportIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("actor")


class AuditEntryInspectView(InspectView):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)  # sets the fields, then the object
        about_care = object_type_now(self.object.object_type).startswith("care.")
        if about_care and not request.user.has_perm(CASE_FILE_VIEW):
            # e.g. beneficiary.admit records the case number and programme ("affected by HIV").
            self.fields = [field for field in self.fields if field != "data"]


class AuditEntryViewSet(BackOfficeViewSet):
    model = AuditEntry
    icon = "history"
    menu_label = _("Audit trail")
    menu_order = 900
    add_to_admin_menu = True
    url_prefix = "audit/trail"
    url_namespace = "audit_trail"
    index_view_class = AuditEntryIndexView
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = AuditEntryInspectView
    form_fields = []
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    filterset_class = AuditEntryFilterSet
    search_fields = ["action", "object_type", "object_id"]
    list_per_page = 50
    list_export = ["at", "actor", "action", "object_type", "object_id"]
    export_headings = {
        "at": _("At"),
        "actor": _("Who"),
        "action": _("Action"),
        "object_type": _("Object type"),
        "object_id": _("Object id"),
    }
    export_filename = "audit-trail"
    inspect_view_fields = ["at", "actor", "action", "object_type", "object_id", "data"]
