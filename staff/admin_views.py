"""The audit trail in the back office: list and inspect only, for the roles that hold
``audit.view_auditentry`` (the Auditor; the Administrator holds everything). Rows are never
edited or deleted (the database refuses it, audit/db.py), so the screen offers neither.

The export carries when, who, what and on which object, never ``data``: services put what they
like there, and some of it is a child's case (``beneficiary.admit`` records the case number with
the programme, which can say "affected by HIV"). A file leaves the back office; a child's
sensitive fields never do, and an auditor's file of who did what needs none of them."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.viewsets.model import ModelViewSet

from audit.models import AuditEntry
from config.wagtail_admin import ExportIndexView, InspectView


def _actors():
    # Only people who appear in the trail: the list stays short and names no one idle.
    return get_user_model().objects.filter(pk__in=AuditEntry.objects.values("actor_id")).order_by("username")


def _actions():
    # The actions written so far, for a list to pick from: nobody remembers "donation.record".
    names = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    return [(name, name) for name in names]


class AuditEntryFilterSet(WagtailFilterSet):
    period = django_filters.DateFromToRangeFilter(label=_("Date"), field_name="at", widget=DateRangePickerWidget)
    actor = django_filters.ModelChoiceFilter(label=_("Who"), queryset=lambda request: _actors(), empty_label=_("Any"))
    system = django_filters.BooleanFilter(label=_("By the system"), field_name="actor", lookup_expr="isnull")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=_actions, empty_label=_("Any"), widget=forms.Select)
    object_type = django_filters.CharFilter(label=_("Object type"))

    class Meta:
        model = AuditEntry
        fields = ["period", "actor", "system", "action", "object_type"]


class AuditEntryIndexView(ExportIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("actor")


class AuditEntryViewSet(ModelViewSet):
    model = AuditEntry
    icon = "history"
    menu_label = _("Audit trail")
    menu_order = 900
    add_to_admin_menu = True
    url_prefix = "audit-trail"
    url_namespace = "audit_trail"
    index_view_class = AuditEntryIndexView
    inspect_view_class = InspectView
    copy_view_enabled = False
    inspect_view_enabled = True
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
