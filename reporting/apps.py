from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Reports over the funds for accountants, managers and auditors (fund statements, the
    annual contributions report): figures from fund's selectors, printed as screens and files.
    It writes nothing."""

    name = "reporting"
    verbose_name = _("Reports")

    def ready(self):
        from . import contributions_regimes  # noqa: F401 - registers the regime setting's check
