from wagtail import hooks
from wagtail.permissions import register_permission_policy

from config.wagtail_admin import NoDeletePolicy, ReadOnlyPolicy

from .admin_views import FundAdminGroup
from .models import Campaign, Donation, Fund, Posting

# Gifts point at funds and campaigns: one that is over is closed, never deleted.
for model in (Fund, Campaign):
    register_permission_policy(model, NoDeletePolicy(model))
for model in (Donation, Posting):
    register_permission_policy(model, ReadOnlyPolicy(model))


@hooks.register("register_admin_viewset")
def register_fund_admin():
    return FundAdminGroup()
