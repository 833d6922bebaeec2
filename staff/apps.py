from django.apps import AppConfig


class StaffConfig(AppConfig):
    """Staff accounts: the roles a real install has (two-factor and lockout come later)."""

    name = "staff"
    verbose_name = "Staff accounts"
