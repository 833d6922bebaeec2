from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """Staff accounts: the roles a real install has (two-factor and lockout come later)."""

    name = "staff"
    verbose_name = _("Staff accounts")
