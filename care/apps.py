from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "care"
    verbose_name = _("Care")

    def ready(self):
        from fund.signals import donation_received, donation_refunded

        from .receivers import on_donation_received, on_donation_refunded

        donation_received.connect(on_donation_received, dispatch_uid="care.stock_intake")
        donation_refunded.connect(on_donation_refunded, dispatch_uid="care.stock_refund")
        from . import checks  # noqa: F401 - registers the system checks
