from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from audit.models import AuditEntry
from config.wagtail_admin import ReadOnlyPolicy

from .admin_views import AuditEntryViewSet

register_permission_policy(AuditEntry, ReadOnlyPolicy(AuditEntry))


@hooks.register("register_admin_viewset")
def register_audit_trail_admin():
    return AuditEntryViewSet()


@hooks.register("insert_global_admin_css")
def admin_css():
    """The few rules the back office needs beyond Wagtail's own (phone widths)."""
    return format_html('<link rel="stylesheet" href="{}">', static("staff/admin.css"))
