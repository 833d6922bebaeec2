from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import ListingButton
from wagtail.permissions import register_permission_policy

from audit.models import AuditEntry
from config.wagtail_admin import PermissionMenuItem, ReadOnlyPolicy

from . import views_sign_in
from .admin_sign_in import MANAGE_PERMISSION
from .admin_sign_in import urlpatterns as sign_in_urlpatterns
from .admin_views import AuditEntryViewSet

register_permission_policy(AuditEntry, ReadOnlyPolicy(AuditEntry))


@hooks.register("register_admin_viewset")
def register_audit_trail_admin():
    return AuditEntryViewSet()


@hooks.register("insert_global_admin_css")
def admin_css():
    """The few rules the back office needs beyond Wagtail's own (phone widths)."""
    return format_html('<link rel="stylesheet" href="{}">', static("staff/admin.css"))


@hooks.register("register_admin_urls")
def register_sign_in_urls():
    return [
        path("two-factor/verify/", views_sign_in.verify, name="staff_two_factor_verify"),
        path("two-factor/set-up/", views_sign_in.enrol, name="staff_two_factor_enrol"),
        path("two-factor/recovery-codes/", views_sign_in.recovery_codes, name="staff_recovery_codes"),
        *sign_in_urlpatterns,
    ]


@hooks.register("register_settings_menu_item")
def register_sign_in_menu_item():
    return PermissionMenuItem(
        _("Staff sign-in"),
        reverse("staff_sign_in_index"),
        icon_name="lock",
        order=610,
        permission=MANAGE_PERMISSION,
    )


@hooks.register("register_account_menu_item")
def register_account_sign_in_item(request):
    return {
        "url": reverse("staff_account_security"),
        "label": _("Sign-in and sessions"),
        "help_text": _("New recovery codes; sign out on every device."),
    }


@hooks.register("register_user_listing_buttons")
def user_sign_in_button(user, request_user):
    if request_user.has_perm(MANAGE_PERMISSION):
        yield ListingButton(_("Sign-in"), reverse("staff_sign_in_user", args=[user.pk]), icon_name="lock", priority=90)
