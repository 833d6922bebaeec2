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


# --- Bank transfers: statements, the review queue, pledges due ------------------------------
from django.urls import path, reverse  # noqa: E402

from config.wagtail_admin import PermissionMenuItem  # noqa: E402

from .admin_bank import IMPORT_PERMISSION, BankAdminGroup, BankImportView, PledgesDueView  # noqa: E402
from .models import BankStatement, BankTransaction  # noqa: E402

for model in (BankStatement, BankTransaction):
    # Never edited by form: the bank services are the only writers (see fund/admin_bank.py).
    register_permission_policy(model, ReadOnlyPolicy(model))


@hooks.register("register_admin_viewset")
def register_bank_admin():
    return BankAdminGroup()


@hooks.register("register_admin_urls")
def register_bank_admin_urls():
    return [
        path("fund/bank-import/", BankImportView.as_view(), name="bank_import"),
        path("fund/pledges-due/", PledgesDueView.as_view(), name="bank_pledges_due"),
    ]


@hooks.register("register_bank_menu_item")
def register_bank_import_menu_item():
    return PermissionMenuItem(
        "Import bank statement", reverse("bank_import"), icon_name="upload", order=10, permission=IMPORT_PERMISSION
    )


@hooks.register("register_bank_menu_item")
def register_pledges_due_menu_item():
    return PermissionMenuItem(
        "Pledges due", reverse("bank_pledges_due"), icon_name="date", order=20, permission="fund.view_donation"
    )
