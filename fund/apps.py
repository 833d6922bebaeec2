from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundConfig(AppConfig):
    name = "fund"
    verbose_name = _("Funds")

    def ready(self) -> None:
        # Django's place for start-up work: connect the receivers of other apps' signals.
        from . import rights  # noqa: F401
