"""Back-office screens for bank transfers: import a statement, work through the review queue
(match a line to a pledge, record it as a new gift, or mark it not a gift). Pledges due are a
report (reporting/reports/pledges.py).

Views stay thin: forms collect input, the bank services write. Statements and lines are never
edited by form (the database freezes what the bank reported); the actions below are the only
way they change, each behind its own permission: ``payments.add_bankstatement`` to import,
``payments.change_banktransaction`` to decide about a line.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from config.wagtail_admin import BackOfficeViewSet, ServiceActionView
from donors.admin_chooser import donor_chooser_widget
from donors.models import Donor
from fund.admin_money import MoneyColumn, MoneyExportIndexView, MoneyInspectView
from fund.models import Donation, Fund
from fund.money import CURRENCY_CHOICES, money_display

from .bank_statements import MAPPING_PRESETS, BankStatementError, mapping_from_headers, mapping_get, statement_read
from .bank_statements import MAX_FILE_BYTES as QUICK_CHECK_BYTES
from .bank_stream import STREAM_MAX_FILE_BYTES as STATEMENT_MAX_BYTES
from .bank_stream import STREAM_MAX_ROWS
from .models import BankStatement, BankTransaction
from .selectors import bank_match_candidates
from .services.bank_jobs import bank_import_job_create
from .services.bank_review import bank_transaction_ignore, bank_transaction_record_gift, bank_transaction_resolve

IMPORT_PERMISSION = "payments.add_bankstatement"
DECIDE_PERMISSION = "payments.change_banktransaction"
CUSTOM = "custom"


class _ActionView(ServiceActionView):
    """A bank screen's form in the admin's look: one service, one Django permission."""

    template_name = "payments/admin/bank_form.html"


# --- Importing a statement -------------------------------------------------------------------


class BankImportForm(forms.Form):
    file = forms.FileField(
        label=_("Statement file"),
        help_text=_("CSV or XLSX exported from the bank, of any length: it is read and matched in the background."),
    )
    preset = forms.ChoiceField(
        label=_("Columns"),
        choices=[(name, mapping.label) for name, mapping in MAPPING_PRESETS.items()]
        + [(CUSTOM, _("Named below, exactly as in the file's header row"))],
        initial="generic",
    )
    currency = forms.ChoiceField(label=_("Account currency"), choices=CURRENCY_CHOICES, initial="VND")
    date_column = forms.CharField(label=_("Date column"), required=False, max_length=100)
    description_column = forms.CharField(label=_("Description column"), required=False, max_length=100)
    credit_column = forms.CharField(label=_("Credit (money in) column"), required=False, max_length=100)
    debit_column = forms.CharField(label=_("Debit (money out) column"), required=False, max_length=100)
    amount_column = forms.CharField(
        label=_("Amount column"),
        required=False,
        max_length=100,
        help_text=_("Instead of credit/debit: one signed column."),
    )
    counterparty_column = forms.CharField(label=_("Sender column"), required=False, max_length=100)
    transaction_id_column = forms.CharField(label=_("Bank transaction id column"), required=False, max_length=100)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > STATEMENT_MAX_BYTES:
            raise ValidationError(
                gettext("The file is larger than %(size)s MB.") % {"size": STATEMENT_MAX_BYTES // 1024 // 1024}
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("preset") == CUSTOM:
            try:
                cleaned["mapping"] = mapping_from_headers(
                    **{name: cleaned.get(f"{name}_column") or "" for name in _MAPPING_FIELDS}
                )
            except BankStatementError as exc:
                raise ValidationError(exc.messages) from None
        else:
            cleaned["mapping"] = cleaned.get("preset")
        return cleaned


_MAPPING_FIELDS = ("date", "description", "credit", "debit", "amount", "counterparty", "transaction_id")


class BankImportView(_ActionView):
    form_class = BankImportForm
    permissions = (IMPORT_PERMISSION,)
    page_title = _("Import bank statement")
    header_icon = "upload"
    submit_button_label = _("Import")
    log_action = "payments.statement_import"
    error_field = "file"

    def call_service(self, form):
        upload = form.cleaned_data["file"]
        if upload.size <= QUICK_CHECK_BYTES:
            # A file of the usual size is read once here, so that a bad row is a form error at
            # once; a longer one is checked as the job reads it (its page then names the rows).
            mapping = form.cleaned_data["mapping"]
            statement_read(
                content=upload.read(),
                filename=upload.name,
                mapping=mapping_get(mapping) if isinstance(mapping, str) else mapping,
                currency=form.cleaned_data["currency"],
                max_rows=STREAM_MAX_ROWS,
            )
            upload.seek(0)
        return bank_import_job_create(
            upload=upload,
            filename=upload.name,
            mapping=form.cleaned_data["mapping"],
            currency=form.cleaned_data["currency"],
            actor=self.request.user,
        )

    def log_history(self, instance) -> None:
        pass  # the statement's History is written when the job stores it

    def get_success_message(self, job):
        return gettext("The statement is being read and matched; this page shows how far it has got.")

    def get_success_url(self, job):
        return reverse("bank_import_job", args=[job.pk])


# --- The review queue ------------------------------------------------------------------------


class _LineActionView(_ActionView):
    """One decision about one line of the review queue; its History entry names the gift."""

    permissions = (DECIDE_PERMISSION,)
    header_icon = "tasks"
    success_message = _("Saved.")

    def get_object(self):
        self.line = get_object_or_404(BankTransaction.objects.select_related("donation"), pk=self.kwargs["pk"])
        return self.line

    def object_refusal(self):
        if self.line.status != BankTransaction.Status.MATCHED:
            return None
        messages.error(
            self.request,
            gettext("This transfer is already matched to gift %(reference)s.")
            % {"reference": self.line.donation.reference},
        )
        return redirect("bank_transactions:index")

    def get_context_data(self, **kwargs):
        return super().get_context_data(line=self.line, line_amount=money_display(self.line.amount), **kwargs)

    def call_service(self, form):
        self.line = self.run(form)
        return self.line

    def run(self, form) -> BankTransaction:
        raise NotImplementedError

    def log_data(self, line):
        return {"gift": line.donation.reference if line.donation_id else ""}

    def get_success_url(self, line):
        return reverse("bank_transactions:index") + "?status=review"


class PledgeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, gift):
        pledged = gettext("pledged %(date)s") % {"date": f"{timezone.localdate(gift.pledged_at):%d/%m/%Y}"}
        return f"{gift.reference} · {gift.donor} · {money_display(gift.amount)} · {gift.fund.code} · {pledged}"


class BankMatchForm(forms.Form):
    donation = PledgeChoiceField(queryset=Donation.objects.none(), label=_("Pledge"), empty_label=None)
    accept_amount = forms.BooleanField(
        required=False,
        label=_("If the sums differ, receive the gift at the amount transferred (its receipt will say that sum)"),
    )

    def __init__(self, *args, line: BankTransaction, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donation"].queryset = bank_match_candidates(line)


class BankMatchView(_LineActionView):
    form_class = BankMatchForm
    log_action = "payments.line_match"
    page_title = _("Match transfer to a pledge")
    submit_button_label = _("Match and receive")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"line": self.line}

    def run(self, form):
        return bank_transaction_resolve(
            transaction=self.line,
            donation=form.cleaned_data["donation"],
            accept_amount=form.cleaned_data["accept_amount"],
            actor=self.request.user,
        )

    def get_success_message(self, line):
        return gettext("Transfer matched; gift %(reference)s received.") % {"reference": line.donation.reference}


class BankRecordGiftForm(forms.Form):
    donor = forms.ModelChoiceField(queryset=Donor.objects.all(), widget=donor_chooser_widget(), label=_("Donor"))
    fund = forms.ModelChoiceField(queryset=Fund.objects.filter(is_active=True).order_by("name"), label=_("Fund"))
    exchange_rate = forms.CharField(
        required=False,
        max_length=30,
        label=_("Exchange rate"),
        help_text=_("Only when the fund's currency differs from the transfer's: fund currency per unit."),
    )


class BankRecordGiftView(_LineActionView):
    form_class = BankRecordGiftForm
    log_action = "payments.line_record_gift"
    page_title = _("Record transfer as a new gift")
    submit_button_label = _("Record gift")

    def run(self, form):
        return bank_transaction_record_gift(
            transaction=self.line,
            donor=form.cleaned_data["donor"],
            fund=form.cleaned_data["fund"],
            exchange_rate=form.cleaned_data["exchange_rate"] or None,
            actor=self.request.user,
        )

    def get_success_message(self, line):
        return gettext("Gift %(reference)s recorded as received.") % {"reference": line.donation.reference}


class BankIgnoreForm(forms.Form):
    reason = forms.CharField(max_length=300, label=_("Why this is not a gift"), help_text=_("e.g. bank interest"))


class BankIgnoreView(_LineActionView):
    form_class = BankIgnoreForm
    log_action = "payments.line_ignore"
    page_title = _("Mark transfer not a gift")
    submit_button_label = _("Mark not a gift")
    success_message = _("Transfer marked not a gift.")

    def run(self, form):
        reason = form.cleaned_data["reason"]
        return bank_transaction_ignore(transaction=self.line, reason=reason, actor=self.request.user)


class BankTransactionIndexView(MoneyExportIndexView):
    def order_queryset(self, queryset):
        if self.is_explicitly_ordered:
            return super().order_queryset(queryset)
        review_first = Case(
            When(status=BankTransaction.Status.REVIEW, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
        return queryset.order_by(review_first, "-booked_on", "-pk")

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(IMPORT_PERMISSION):
            buttons.append(HeaderButton(_("Import bank statement"), url=reverse("bank_import"), icon_name="upload"))
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.status != BankTransaction.Status.MATCHED and self.request.user.has_perm(DECIDE_PERMISSION):
            for label, name, icon in (
                (_("Match to a pledge"), "match", "link"),
                (_("Record as a new gift"), "record_gift", "plus"),
                (_("Not a gift"), "ignore", "cross"),
            ):
                if name == "ignore" and instance.status == BankTransaction.Status.IGNORED:
                    continue
                url = reverse(f"bank_transactions:{name}", args=[instance.pk])
                buttons.append(MenuItem(label, url=url, icon_name=icon, priority=5))
        return buttons


class BankTransactionViewSet(BackOfficeViewSet):
    model = BankTransaction
    icon = "tasks"
    menu_label = _("Bank transfers")
    url_prefix = "payments/bank-transfers"
    url_namespace = "bank_transactions"
    index_view_class = BankTransactionIndexView
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = MoneyInspectView
    form_fields = []
    list_display = [
        "booked_on",
        MoneyColumn("amount", label=_("Amount"), sort_key="amount"),
        "description",
        "counterparty",
        "status",
        "reason",
        "donation",
    ]
    list_filter = ["status"]
    list_export = [
        "booked_on",
        "amount",
        "amount_currency",
        "description",
        "counterparty",
        "bank_reference",
        "status",
        "reason",
        "donation",
    ]
    export_headings = {"amount_currency": _("Currency")}
    export_filename = "bank-transfers"
    search_fields = ["description", "counterparty", "bank_reference", "donation__reference"]
    list_per_page = 50
    inspect_view_fields = [
        "booked_on",
        "amount",
        "description",
        "counterparty",
        "bank_reference",
        "status",
        "reason",
        "donation",
        "statement",
        "resolved_by",
        "resolved_at",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("match/<int:pk>/", BankMatchView.as_view(), name="match"),
            path("record-gift/<int:pk>/", BankRecordGiftView.as_view(), name="record_gift"),
            path("ignore/<int:pk>/", BankIgnoreView.as_view(), name="ignore"),
        ]


class BankStatementIndexView(generic.IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(IMPORT_PERMISSION):
            buttons.append(HeaderButton(_("Import bank statement"), url=reverse("bank_import"), icon_name="upload"))
        return buttons


class BankStatementViewSet(BackOfficeViewSet):
    model = BankStatement
    icon = "doc-full"
    menu_label = _("Bank statements")
    url_prefix = "payments/bank-statements"
    url_namespace = "bank_statements"
    index_view_class = BankStatementIndexView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = [
        "imported_at",
        "source",
        "filename",
        "line_count",
        "new_count",
        "matched_count",
        "review_count",
        "imported_by",
    ]
    list_filter = ["source"]
    list_per_page = 50
    inspect_view_fields = [
        "imported_at",
        "source",
        "filename",
        "sha256",
        "imported_by",
        "line_count",
        "new_count",
        "matched_count",
        "review_count",
    ]


class BankAdminGroup(ModelViewSetGroup):
    menu_label = _("Bank transfers")
    menu_icon = "tasks"
    menu_order = 205
    items = (BankTransactionViewSet, BankStatementViewSet)
    submenu_hook = "register_bank_menu_item"  # the import form (payments/wagtail_hooks.py)
