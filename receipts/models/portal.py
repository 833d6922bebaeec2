import hashlib

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PortalSignIn(models.Model):
    """A sign-in link emailed to a donor: single use, short-lived, stored only as a hash so a
    leaked database copy cannot be used to sign in."""

    email = models.EmailField(max_length=254, verbose_name=_("email"))
    # A link that proves a new address before the portal moves the donor to it: ``email`` is the
    # new address (where the link went), ``change_from`` the signed-in one. Empty for a sign-in.
    change_from = models.EmailField(max_length=254, blank=True, default="", verbose_name=_("change from"))
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("token hash"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))

    class Meta:
        indexes = [models.Index(fields=["email", "created_at"])]
        verbose_name = _("portal sign-in")
        verbose_name_plural = _("portal sign-ins")

    def __str__(self) -> str:
        return f"email change to {self.email}" if self.change_from else f"sign-in for {self.email}"
