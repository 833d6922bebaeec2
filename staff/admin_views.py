"""The audit trail in the back office: list and inspect only, for the roles that hold
``audit.view_auditentry`` (the Auditor; the Administrator holds everything). Rows are never
edited or deleted (the database refuses it, audit/db.py), so the screen offers neither."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from audit.models import AuditEntry


class AuditEntryViewSet(ModelViewSet):
    model = AuditEntry
    icon = "history"
    menu_label = _("Audit trail")
    menu_order = 900
    add_to_admin_menu = True
    url_prefix = "audit-trail"
    url_namespace = "audit_trail"
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_type", "object_id"]
    list_per_page = 50
    inspect_view_fields = ["at", "actor", "action", "object_type", "object_id", "data"]
