from wagtail import hooks
from wagtail.permissions import register_permission_policy

from config.wagtail_admin import NoDeletePolicy, ReadOnlyPolicy

from .admin_views import FundAdminGroup
from .models import Beneficiary, Donation, Fund, Posting

register_permission_policy(Fund, NoDeletePolicy(Fund))
for model in (Donation, Posting, Beneficiary):
    register_permission_policy(model, ReadOnlyPolicy(model))


@hooks.register("register_admin_viewset")
def register_fund_admin():
    return FundAdminGroup()


# --- Card payments (Stripe): list and inspect only ------------------------------------------
from .admin_payments import CardPaymentsAdminGroup  # noqa: E402
from .models import CardPayment, RecurringGift, StripeEvent  # noqa: E402

for model in (CardPayment, RecurringGift, StripeEvent):
    register_permission_policy(model, ReadOnlyPolicy(model))


@hooks.register("register_admin_viewset")
def register_card_payments_admin():
    return CardPaymentsAdminGroup()
