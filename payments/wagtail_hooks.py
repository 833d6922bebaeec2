from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from config.wagtail_admin import PermissionMenuItem, ReadOnlyPolicy
from fund.admin_gifts import GIFT_ACTIONS_HOOK
from fund.models import RecurringGift

from .admin_bank import IMPORT_PERMISSION, BankAdminGroup, BankImportView
from .admin_bank_jobs import BankImportJobProgressView, BankImportJobRetryView, BankImportJobView
from .admin_batches import BatchViewSet
from .admin_card_refunds import card_refund_actions
from .admin_cards import CardPaymentsAdminGroup
from .models import BankImportJob, BankStatement, BankTransaction, Batch, BatchLine, CardPayment, StripeEvent

# Never edited by form: the payments services are the only writers (see admin_bank.py,
# admin_cards.py, admin_batches.py).
for model in (CardPayment, RecurringGift, StripeEvent, BankStatement, BankTransaction, BankImportJob, Batch, BatchLine):
    register_permission_policy(model, ReadOnlyPolicy(model))


@hooks.register("register_admin_viewset")
def register_card_payments_admin():
    return CardPaymentsAdminGroup()


@hooks.register("register_admin_viewset")
def register_bank_admin():
    return BankAdminGroup()


@hooks.register("register_admin_viewset")
def register_batch_admin():
    return BatchViewSet()


# A received card gift is refunded through Stripe: the Gifts listing and its Refund screen send it here.
hooks.register(GIFT_ACTIONS_HOOK, card_refund_actions)


@hooks.register("register_admin_urls")
def register_bank_admin_urls():
    return [
        path("payments/bank-import/", BankImportView.as_view(), name="bank_import"),
        path("payments/bank-import/<int:pk>/", BankImportJobView.as_view(), name="bank_import_job"),
        path(
            "payments/bank-import/<int:pk>/progress/",
            BankImportJobProgressView.as_view(),
            name="bank_import_job_progress",
        ),
        path("payments/bank-import/<int:pk>/retry/", BankImportJobRetryView.as_view(), name="bank_import_job_retry"),
    ]


@hooks.register("register_bank_menu_item")
def register_bank_import_menu_item():
    return PermissionMenuItem(
        _("Import bank statement"), reverse("bank_import"), icon_name="upload", order=10, permission=IMPORT_PERMISSION
    )


@hooks.register("register_log_actions")
def register_payments_log_actions(actions):
    # Words for the History tab of a statement, a bank line or a Stripe event (admin_action_log).
    actions.register_action("payments.statement_import", _("Import"), _("Statement imported"))
    actions.register_action("payments.line_match", _("Match"), _("Matched to a pledge"))
    actions.register_action("payments.line_record_gift", _("Record gift"), _("Recorded as a new gift"))
    actions.register_action("payments.line_ignore", _("Not a gift"), _("Marked not a gift"))
    actions.register_action("payments.event_resolve", _("Handled"), _("Marked as handled"))
    actions.register_action("payments.event_retry", _("Retry"), _("Processed again"))
    # On the gift's History: the refund was asked of Stripe; the gift's refund follows Stripe's event.
    actions.register_action("payments.card_refund_request", _("Refund by card"), _("Refund asked of Stripe"))
    actions.register_action("payments.batch_open", _("Open"), _("Batch opened"))
    actions.register_action("payments.batch_line_add", _("Enter a gift"), _("Gift entered"))
    actions.register_action("payments.batch_line_remove", _("Remove a gift"), _("Gift removed"))
    actions.register_action("payments.batch_post", _("Post"), _("Batch posted"))
