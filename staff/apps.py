from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """Staff accounts: the roles a real install has, and signing staff in (a second factor,
    lockout, sessions that end)."""

    name = "staff"
    verbose_name = _("Staff accounts")

    def ready(self):
        from . import signals  # noqa: F401 - connects the sign-in receivers
