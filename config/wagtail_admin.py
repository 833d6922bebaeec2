"""Building blocks shared by every app's Wagtail admin screens."""

import datetime

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages as admin_messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.fields import BaseFieldDisplay, register_display_class
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic import CreateView, history
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy


class NoDeletePolicy(ModelPermissionPolicy):
    """Funds and donors are referenced by the ledger and receipts: close them, never delete."""

    def user_has_permission(self, user, action):
        return action != "delete" and super().user_has_permission(user, action)


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Gifts and postings change only through services (receive, refund), never by form."""

    def user_has_permission(self, user, action):
        return action not in ("add", "change", "delete") and super().user_has_permission(user, action)


def admin_action_log(*, instance, action: str, user, **data) -> None:
    """The History tab's entry for an action a back-office view took through a service (match a
    transfer, reissue a receipt). The service's audit entry is the record; this one lets a person
    see, on the object itself, who did what to it. ``action`` is registered by the app's
    wagtail_hooks (``register_log_actions``) with words for the History tab."""
    log(instance=instance, action=action, user=user, data=data or None)


def form_add_service_errors(form, exc: ValidationError, field: str | None = None) -> None:
    """Show a service's refusal on the form: errors for fields the form shows go beside them,
    the rest (or all of a message without fields, onto ``field`` if given) above the form."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {field: exc.messages}
    for name, messages in errors.items():
        form.add_error(name if name in form.fields else None, messages)


class ServiceActionView(WagtailAdminTemplateMixin, FormView):
    """An admin form that calls one service on (usually) one object: match a bank line, reissue
    a receipt, approve an allocation, record a gift counted at the centre.

    In order: the permission (any of ``permissions``), checked before the object is looked up so
    a refused user learns nothing about which records exist; the object (``get_object``); the
    form; ``call_service``, which returns the record the action was about; its History entry
    (``log_action``, through admin_action_log: the service's audit entry knows nothing of
    Wagtail); the success message; the redirect. A service's refusal goes onto the form
    (form_add_service_errors) and nothing else happens."""

    template_name = "admin/service_form.html"
    header_icon = "form"
    permissions: tuple[str, ...] = ()
    log_action = ""  # registered with words for the History tab by the app's wagtail_hooks
    submit_button_label = _("Save")
    success_message = _("Done.")
    error_field: str | None = None  # where a refusal without fields goes (None: above the form)
    # What a service refuses with. Errors that are not ValidationErrors (receipts' own) carry
    # their words in ``message``.
    refusals: tuple[type[Exception], ...] = (ValidationError,)

    def dispatch(self, request, *args, **kwargs):
        if not any(request.user.has_perm(permission) for permission in self.permissions):
            raise PermissionDenied
        self.object = self.get_object()
        return self.object_refusal() or super().dispatch(request, *args, **kwargs)

    def get_object(self):
        """The record the action is about, from the URL (``self.kwargs``); None for a new one."""
        return None

    def object_refusal(self):
        """A response instead of the form when the object is past this step (a transfer already
        matched): say so and send the user on. None to go ahead."""
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            action_url=self.request.get_full_path(),
            submit_button_label=self.submit_button_label,
        )
        # The form's widgets' scripts and styles (a chooser's modal), which Wagtail's form
        # template writes out as ``media``.
        context.setdefault("media", context["form"].media)
        return context

    def call_service(self, form):
        """Call the one service with the form's data and return the record it acted on."""
        raise NotImplementedError

    def log_data(self, instance) -> dict:
        """What the History entry notes beside the action (a status, a gift's reference)."""
        return {}

    def log_history(self, instance) -> None:
        if self.log_action:
            admin_action_log(
                instance=instance, action=self.log_action, user=self.request.user, **self.log_data(instance)
            )

    def get_success_message(self, instance) -> str:
        return str(self.success_message)

    def get_success_url(self, instance) -> str:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            instance = self.call_service(form)
        except self.refusals as exc:
            if isinstance(exc, ValidationError):
                form_add_service_errors(form, exc, field=self.error_field)
            else:
                form.add_error(self.error_field, getattr(exc, "message", str(exc)))
            return self.form_invalid(form)
        self.log_history(instance)
        admin_messages.success(self.request, self.get_success_message(instance))
        return redirect(self.get_success_url(instance))


class ServiceFormMixin:
    """Send a validated admin form to a service instead of saving the model directly.
    The form shows exactly the fields the service takes (``service_fields``)."""

    service_fields: tuple[str, ...] = ()

    def get_form_class(self):
        form_class = super().get_form_class()
        return forms.modelform_factory(form_class._meta.model, fields=self.service_fields, form=form_class)

    def call_service(self, data):
        raise NotImplementedError

    def save_instance(self):
        data = {name: self.form.cleaned_data[name] for name in self.service_fields}
        instance = self.call_service(data)
        # Wagtail's own save writes the log entry behind the object's History tab; the service
        # writes our audit entry but knows nothing of Wagtail, so the view writes this one.
        log(
            instance=instance,
            action="wagtail.create" if isinstance(self, CreateView) else "wagtail.edit",
            user=self.request.user,
            content_changed=isinstance(self, CreateView) or self.form.has_changed(),
        )
        return instance

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
            return self.form_invalid(form)
        except IntegrityError:
            # Lost a race on a unique name or code with another user's save.
            form.add_error(None, gettext("This conflicts with a record saved a moment ago; check and try again."))
            return self.form_invalid(form)


class PermissionMenuItem(MenuItem):
    """A menu entry for a screen that needs one Django permission: hidden from everyone else."""

    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


def _centre_time(value: datetime.datetime) -> datetime.datetime:
    # The centre's zone, not the admin user's: two people exporting the same day get the same file.
    return timezone.localtime(value, timezone.get_default_timezone()) if timezone.is_aware(value) else value


def _yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


class YesNoColumn(Column):
    """A yes/no field in a listing as a word in the user's language: Wagtail writes "True" and
    "False", which mean nothing to a Vietnamese reader (and a bare tick says nothing to a screen
    reader). An empty value is a dash, like an empty amount."""

    def get_value(self, instance):
        value = super().get_value(instance)
        return "—" if value is None else _yes_no(value)


class YesNoDisplay(BaseFieldDisplay):
    """The same words on inspect screens, for every yes/no field (registered below)."""

    def render_html(self, parent_context=None):
        return "—" if self.value is None else _yes_no(self.value)


# Every app's wagtail_hooks imports this module, so the inspect screens of all of them (and of
# Wagtail's own models) get the words, not only the screens that remember to ask.
register_display_class(models.BooleanField, display_class=YesNoDisplay)


class InspectView(generic.InspectView):
    """An inspect screen that writes an empty value as a dash: Wagtail writes Python's "None"
    (a receipt never voided, an entry written by the system)."""

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        return "—" if value is None else value


class ExportIndexView(generic.IndexView):
    """CSV and XLSX exports an accountant or auditor can read: times in the centre's time zone
    (Wagtail writes XLSX times in UTC, which puts a gift at 06:00 in Vietnam on the day before;
    XLSX cells carry no zone, so they hold the local wall time) and booleans as words in the
    user's language ("True" means nothing to a Vietnamese reader). Amounts: fund.admin_money."""

    custom_value_preprocess = {
        **generic.IndexView.custom_value_preprocess,
        # True is an int to isinstance: keep bool ahead of any numeric entry added later.
        bool: {"xlsx": _yes_no, "csv": _yes_no},
        datetime.datetime: {
            "xlsx": lambda value: _centre_time(value).replace(tzinfo=None),
            "csv": lambda value: _centre_time(value).isoformat(sep=" ", timespec="seconds"),
        },
    }

    def stream_csv(self, queryset):
        # Wagtail streams a CSV after the view has returned, when the user's language is no
        # longer active: without this, headings and "Yes"/"No" came out in the site's default.
        # (A plain function returning a generator: the language is read now, not when streamed.)
        language = translation.get_language()
        rows = super().stream_csv(queryset)

        def in_users_language():
            with translation.override(language):
                yield from rows

        return in_users_language()


class HistoryForViewersView(history.HistoryView):
    """Wagtail opens an object's History to those who may add, change or delete it. Most records
    here change only through services (read-only screens), so nobody could read who matched a
    transfer or reissued a receipt, and an auditor, who may only look, could read no history at
    all. Whoever may view the object may read its history."""

    any_permission_required = ["view", "add", "change", "delete"]


class BackOfficeViewSet(ModelViewSet):
    """The project's admin screens: Wagtail's ModelViewSet with a History anyone who may view
    the object can read, and inspect screens that write an empty value as a dash."""

    history_view_class = HistoryForViewersView
    inspect_view_class = InspectView
