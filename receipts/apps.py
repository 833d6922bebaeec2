from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    """Receipts, annual statements and their verification (numbering, PDF, email)."""

    name = "receipts"
    verbose_name = "Receipts"
