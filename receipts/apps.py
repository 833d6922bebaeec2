from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceiptsConfig(AppConfig):
    """Receipts, annual statements and their verification (numbering, PDF, email)."""

    name = "receipts"
    verbose_name = _("Receipts")

    def ready(self) -> None:
        # Django's place for app start-up work (models are loaded by now), not a dodged circle:
        # connect the receivers, and register the tasks, which are queued by name, so a process
        # that runs them in-process (eager: development, tests) finds them.
        from . import rights, signals, tasks  # noqa: F401
