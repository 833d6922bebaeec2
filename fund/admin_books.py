"""Back-office screens for the official books: closed periods (the accountant closes, the
administrator reopens), the centre's account codes our accounts are exported as, and the journal
export of a period. Each write is one fund service (ServiceActionView, ServiceFormMixin); closed
periods are list-and-inspect only and never deleted, nor are account codes."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import HeaderButton

from config.wagtail_admin import (
    BackOfficeViewSet,
    PermissionMenuItem,
    ServiceActionView,
    ServiceFormMixin,
    admin_action_log,
    form_add_service_errors,
)

from .errors import FundError
from .journal_files import CONTENT_TYPES, FORMATS, journal_file, journal_filename
from .models import AccountMapping, ClosedPeriod, Fund
from .selectors.journal import journal_lines
from .selectors.periods import period_next_to_close
from .services.journal import account_mapping_create, account_mapping_update, account_mappings_default
from .services.periods import CLOSE_PERMISSION, REOPEN_PERMISSION, period_close, period_reopen

EXPORT_PERMISSION = "fund.view_journal"
MAPPING_ADD_PERMISSION = "fund.add_accountmapping"
EXPORT_URL_NAME = "journal_export"

# --- Closed periods -------------------------------------------------------------------------


class PeriodCloseForm(forms.Form):
    starts_on = forms.DateField(label=_("First day"), widget=AdminDateInput)
    ends_on = forms.DateField(
        label=_("Last day"), widget=AdminDateInput, help_text=_("A calendar month or a quarter, once it is over.")
    )


class PeriodCloseView(ServiceActionView):
    template_name = "fund/admin/period_form.html"
    page_title = _("Close a period")
    header_icon = "lock"
    permissions = (CLOSE_PERMISSION,)
    form_class = PeriodCloseForm
    log_action = "fund.period_close"
    submit_button_label = _("Close the period")

    def get_initial(self):
        starts_on, ends_on = period_next_to_close()
        return {"starts_on": starts_on, "ends_on": ends_on}

    def call_service(self, form):
        return period_close(actor=self.request.user, **form.cleaned_data)

    def log_data(self, period):
        return {"transactions": period.transactions}

    def get_success_message(self, period):
        return gettext("Period %(period)s closed: nothing can be posted with a date inside it.") % {
            "period": str(period)
        }

    def get_success_url(self, period):
        return reverse("closed_periods:index")


class PeriodReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why it is reopened"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class PeriodReopenView(ServiceActionView):
    template_name = "fund/admin/period_form.html"
    page_title = _("Reopen a closed period")
    header_icon = "lock-open"
    permissions = (REOPEN_PERMISSION,)
    form_class = PeriodReopenForm
    log_action = "fund.period_reopen"
    submit_button_label = _("Reopen the period")

    def get_object(self):
        return get_object_or_404(ClosedPeriod, pk=self.kwargs["pk"])

    def object_refusal(self):
        if self.object.is_closed:
            return None
        messages.warning(self.request, gettext("This period has been reopened already."))
        return redirect("closed_periods:index")

    def call_service(self, form):
        return period_reopen(period=self.object, reason=form.cleaned_data["reason"], actor=self.request.user)

    def log_data(self, period):
        return {"reason": period.reopen_reason}

    def get_success_message(self, period):
        return gettext("Period %(period)s reopened. Close it again once it is corrected.") % {"period": str(period)}

    def get_success_url(self, period):
        return reverse("closed_periods:index")


class PeriodStateColumn(Column):
    def get_value(self, instance):
        return gettext("Closed") if instance.is_closed else gettext("Reopened")


class ClosedPeriodIndexView(generic.IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(CLOSE_PERMISSION):
            buttons.append(HeaderButton(_("Close a period"), url=reverse("closed_periods:close"), icon_name="lock"))
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.is_closed and self.request.user.has_perm(REOPEN_PERMISSION):
            url = reverse("closed_periods:reopen", args=[instance.pk])
            buttons.append(MenuItem(_("Reopen"), url=url, icon_name="lock-open", priority=5))
        return buttons


class ClosedPeriodViewSet(BackOfficeViewSet):
    model = ClosedPeriod
    icon = "lock"
    menu_label = _("Closed periods")
    url_prefix = "fund/periods"
    url_namespace = "closed_periods"
    index_view_class = ClosedPeriodIndexView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = []
    list_display = [
        "starts_on",
        "ends_on",
        PeriodStateColumn("state", label=_("State")),
        "closed_at",
        "closed_by",
        "transactions",
        "reopened_at",
        "reopened_by",
        "reopen_reason",
    ]
    list_per_page = 50
    inspect_view_fields = [
        "starts_on",
        "ends_on",
        "closed_at",
        "closed_by",
        "transactions",
        "digest",
        "reopened_at",
        "reopened_by",
        "reopen_reason",
    ]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("close/", PeriodCloseView.as_view(), name="close"),
            path("reopen/<int:pk>/", PeriodReopenView.as_view(), name="reopen"),
        ]


# --- Account codes of the official chart ---------------------------------------------------


class AccountMappingCreateView(ServiceFormMixin, generic.CreateView):
    service_fields = ("fund", "role", "code", "name")

    def call_service(self, data):
        return account_mapping_create(actor=self.request.user, **data)


class AccountMappingEditView(ServiceFormMixin, generic.EditView):
    service_fields = ("code", "name")

    def call_service(self, data):
        return account_mapping_update(mapping=self.object, actor=self.request.user, **data)


class ConfirmForm(forms.Form):
    pass


class AccountMappingsDefaultView(ServiceActionView):
    template_name = "fund/admin/account_codes_default.html"
    page_title = _("Suggested account codes")
    header_icon = "list-ol"
    permissions = (MAPPING_ADD_PERMISSION,)
    form_class = ConfirmForm
    log_action = "wagtail.create"
    submit_button_label = _("Fill in the suggested codes")

    def call_service(self, form):
        return account_mappings_default(actor=self.request.user)

    def log_history(self, added):
        for mapping in added:  # each row's History, as if added by its form
            admin_action_log(instance=mapping, action=self.log_action, user=self.request.user)

    def get_success_message(self, added):
        if not added:
            return gettext("Every account already had a code; nothing changed.")
        return gettext("%(count)s suggested codes added: check them against the centre's chart.") % {
            "count": len(added)
        }

    def get_success_url(self, added):
        return reverse("account_codes:index")


class AccountMappingIndexView(generic.IndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(MAPPING_ADD_PERMISSION):
            url = reverse("account_codes:suggested")
            buttons.append(HeaderButton(_("Fill in the suggested codes"), url=url, icon_name="list-ol"))
        return buttons


class AccountMappingViewSet(BackOfficeViewSet):
    model = AccountMapping
    icon = "list-ol"
    menu_label = _("Account codes")
    url_prefix = "fund/account-codes"
    url_namespace = "account_codes"
    index_view_class = AccountMappingIndexView
    add_view_class = AccountMappingCreateView
    edit_view_class = AccountMappingEditView
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["fund", "role", "code", "name"]
    list_display = ["role", "fund", "code", "name", "updated_at"]
    list_filter = ["role", "fund"]
    list_per_page = 50
    inspect_view_fields = ["role", "fund", "code", "name", "updated_at"]

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("suggested/", AccountMappingsDefaultView.as_view(), name="suggested"),
        ]


# --- Journal export --------------------------------------------------------------------------


class JournalExportForm(forms.Form):
    starts_on = forms.DateField(label=_("First day"), widget=AdminDateInput)
    ends_on = forms.DateField(label=_("Last day"), widget=AdminDateInput)
    fund = forms.ModelChoiceField(
        label=_("Fund"), queryset=Fund.objects.order_by("name"), required=False, empty_label=_("All funds")
    )
    file_format = forms.ChoiceField(label=_("Format"), choices=[(name, name.upper()) for name in FORMATS])


class JournalExportView(WagtailAdminTemplateMixin, FormView):
    """A read of the ledger: no service, no audit entry, like a listing's export."""

    form_class = JournalExportForm
    template_name = "fund/admin/journal_export.html"
    page_title = _("Journal export")
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        closed = ClosedPeriod.objects.filter(reopened_at__isnull=True).order_by("-ends_on").first()
        if closed is not None:  # the period the official books are waiting for
            return {"starts_on": closed.starts_on, "ends_on": closed.ends_on, "file_format": "xlsx"}
        starts_on, ends_on = period_next_to_close()
        return {"starts_on": starts_on, "ends_on": ends_on, "file_format": "xlsx"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            action_url=self.request.get_full_path(), submit_button_label=gettext("Download"), **kwargs
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            journal = journal_lines(starts_on=data["starts_on"], ends_on=data["ends_on"], fund=data["fund"])
        except FundError as exc:
            form_add_service_errors(form, exc)
            return self.form_invalid(form)
        file_format = data["file_format"]
        response = HttpResponse(journal_file(journal, file_format), content_type=CONTENT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="{journal_filename(journal, file_format)}"'
        return response


def books_urls():
    return [path("fund/journal-export/", JournalExportView.as_view(), name=EXPORT_URL_NAME)]


def journal_export_menu_item():
    return PermissionMenuItem(
        _("Journal export"), reverse(EXPORT_URL_NAME), icon_name="download", order=300, permission=EXPORT_PERMISSION
    )


class BooksAdminGroup(ModelViewSetGroup):
    menu_label = _("Official books")
    menu_icon = "table"
    menu_order = 210
    items = (ClosedPeriodViewSet, AccountMappingViewSet)
    submenu_hook = "register_books_menu_item"  # the journal export (fund/wagtail_hooks.py)
