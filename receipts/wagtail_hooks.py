from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from config.wagtail_admin import ReadOnlyPolicy
from donors.admin_rights import DONOR_ACTIONS_HOOK

from .admin_data_rights import donor_export_actions
from .admin_data_rights import urlpatterns as data_rights_urlpatterns
from .admin_statements import statements_menu_item
from .admin_statements import urlpatterns as statement_urlpatterns
from .admin_views import ReceiptsAdminGroup
from .models import Receipt, ReceiptDelivery

# Receipts and their emails change only through the receipt services (see admin_views.py).
for model in (Receipt, ReceiptDelivery):
    register_permission_policy(model, ReadOnlyPolicy(model))


@hooks.register("register_admin_viewset")
def register_receipts_admin():
    return ReceiptsAdminGroup()


@hooks.register("register_admin_urls")
def register_statement_admin_urls():
    return statement_urlpatterns


@hooks.register("register_admin_urls")
def register_data_rights_admin_urls():
    return data_rights_urlpatterns


hooks.register(DONOR_ACTIONS_HOOK, donor_export_actions)


@hooks.register("register_receipts_menu_item")
def register_statements_menu_item():
    return statements_menu_item()


@hooks.register("register_log_actions")
def register_receipts_log_actions(actions):
    # Words for a receipt's History tab (admin_action_log in admin_views.py).
    actions.register_action("receipts.resend", _("Send by email"), _("Queued to be emailed"))
    actions.register_action("receipts.void", _("Void"), _("Voided and replaced"))
    actions.register_action("receipts.reissue", _("Reissue"), _("Issued to replace a void receipt"))
