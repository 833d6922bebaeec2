from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from config.wagtail_admin import NoDeletePolicy, ReadOnlyPolicy

from .admin_books import BooksAdminGroup, books_urls, journal_export_menu_item
from .admin_views import FundAdminGroup
from .models import AccountMapping, Campaign, ClosedPeriod, Donation, Fund, Posting

# Gifts point at funds and campaigns: one that is over is closed, never deleted. An account code
# is changed, never removed (an export made with it names it).
for model in (Fund, Campaign, AccountMapping):
    register_permission_policy(model, NoDeletePolicy(model))
# Closed periods change only through period_close / period_reopen.
for model in (Donation, Posting, ClosedPeriod):
    register_permission_policy(model, ReadOnlyPolicy(model))


@hooks.register("register_admin_viewset")
def register_fund_admin():
    return FundAdminGroup()


@hooks.register("register_admin_viewset")
def register_books_admin():
    return BooksAdminGroup()


@hooks.register("register_admin_urls")
def register_books_admin_urls():
    return books_urls()


@hooks.register("register_books_menu_item")
def register_journal_export_menu_item():
    return journal_export_menu_item()


@hooks.register("register_log_actions")
def register_fund_log_actions(actions):
    # Words for the History tab of a gift or a campaign (admin_action_log in admin_gifts.py, admin_campaigns.py).
    actions.register_action("fund.gift_record_centre", _("Received at the centre"), _("Cash received at the centre"))
    actions.register_action("fund.gift_cancel", _("Cancel"), _("Pledge cancelled"))
    actions.register_action("fund.gift_refund", _("Refund"), _("Gift refunded"))
    actions.register_action("fund.campaign_close", _("Close"), _("Campaign closed"))
    actions.register_action("fund.campaign_reopen", _("Reopen"), _("Campaign reopened"))
    actions.register_action("fund.period_close", _("Close"), _("Period closed"))
    actions.register_action("fund.period_reopen", _("Reopen"), _("Period reopened"))
