"""What staff sign-in keeps beside Django's user: when a user last ended all their sessions.

The second factor itself lives in django-otp's devices (a TOTP device for the authenticator app,
a static device holding the recovery codes) and failed sign-ins in django-axes's attempts."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffSignIn(models.Model):
    """One row per user who ever ended their sessions everywhere (or had them ended): every
    session signed in before ``sessions_ended_at`` is over. Comparing a time kept in the session
    with this one works whatever the session engine, where deleting a user's sessions would need
    an index of sessions by user that Django's database sessions do not have."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="staff_sign_in",
        verbose_name=_("user"),
    )
    sessions_ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sessions ended at"))

    class Meta:
        verbose_name = _("staff sign-in")
        verbose_name_plural = _("staff sign-ins")

    def __str__(self) -> str:
        return str(self.user)
