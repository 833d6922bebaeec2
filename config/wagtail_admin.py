"""Building blocks shared by every app's Wagtail admin screens."""

from django.core.exceptions import ValidationError
from wagtail.permission_policies import ModelPermissionPolicy


class NoDeletePolicy(ModelPermissionPolicy):
    """Funds and donors are referenced by the ledger and receipts: close them, never delete."""

    def user_has_permission(self, user, action):
        return action != "delete" and super().user_has_permission(user, action)


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Gifts and postings change only through services (receive, refund), never by form."""

    def user_has_permission(self, user, action):
        return action not in ("add", "change", "delete") and super().user_has_permission(user, action)


class ServiceFormMixin:
    """Send a validated admin form to a service instead of saving the model directly."""

    service_fields: tuple[str, ...] = ()

    def call_service(self, data):
        raise NotImplementedError

    def save_instance(self):
        data = {name: self.form.cleaned_data[name] for name in self.service_fields}
        return self.call_service(data)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
