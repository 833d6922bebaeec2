"""Django's password check, refusing the demo's published password where the settings say so."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from .passwords import password_is_published


class StaffPasswordBackend(ModelBackend):
    """ModelBackend, except that with STAFF_REFUSE_DEMO_PASSWORD on (production's default) the
    demo password signs nobody in: a demo user seeded into a real database by mistake stays shut
    out, and the refusal counts as a failed sign-in (axes, the audit trail) like any wrong password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if settings.STAFF_REFUSE_DEMO_PASSWORD and password_is_published(password):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
