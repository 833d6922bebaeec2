from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Django's place for start-up work: connect the receivers of other apps' signals.
        # webhook_secrets registers the rotation deploy check; the tasks too: the webhook queues
        # the card events' run by its registered task.
        from . import rights, tasks, webhook_secrets  # noqa: F401
