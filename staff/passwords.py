"""The password policy's own piece: passwords published with this code never become real ones.

Django's validators (config/settings/security.py) judge length, commonness and likeness to the
user's name; this one refuses the demo's password, which the README prints for anyone to read."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The demo users' password (demo/common.py takes it from here, so the two never drift apart).
DEMO_PASSWORD = "chungtay-demo"  # noqa: S105 - published on purpose, and refused for real accounts
PUBLISHED_PASSWORDS = frozenset({DEMO_PASSWORD})


def password_is_published(password: str | None) -> bool:
    return (password or "").strip().casefold() in PUBLISHED_PASSWORDS


class PublishedPasswordValidator:
    """Refuses a password printed in this project's own documentation."""

    def validate(self, password, user=None):
        if password_is_published(password):
            raise ValidationError(
                _("This password is published in the project's documentation; choose another."),
                code="password_published",
            )

    def get_help_text(self):
        return _("Your password can't be the demo password.")
