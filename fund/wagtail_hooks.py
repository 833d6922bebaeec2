from wagtail import hooks
from wagtail.permissions import register_permission_policy

from config.wagtail_admin import NoDeletePolicy, ReadOnlyPolicy

from .admin_views import FundAdminGroup
from .models import Donation, Fund, Posting

register_permission_policy(Fund, NoDeletePolicy(Fund))
for model in (Donation, Posting):
    register_permission_policy(model, ReadOnlyPolicy(model))


@hooks.register("register_admin_viewset")
def register_fund_admin():
    return FundAdminGroup()
