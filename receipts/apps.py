from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    """Receipts, annual statements and their verification (numbering, PDF, email)."""

    name = "receipts"
    verbose_name = "Receipts"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers
