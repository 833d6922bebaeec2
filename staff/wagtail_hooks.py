from wagtail import hooks
from wagtail.permissions import register_permission_policy

from audit.models import AuditEntry
from config.wagtail_admin import ReadOnlyPolicy

from .admin_views import AuditEntryViewSet

register_permission_policy(AuditEntry, ReadOnlyPolicy(AuditEntry))


@hooks.register("register_admin_viewset")
def register_audit_trail_admin():
    return AuditEntryViewSet()
