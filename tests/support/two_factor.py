"""Signing staff in for tests: the second step included.

Every staff session must pass a second factor before it reaches /admin/ (staff/middleware.py).
Tests about something else sign in with ``client.force_login`` as before: while this plugin is
loaded, that also marks the session as having passed the second step with a device of the
user's (created when they have none). Tests about the second step itself use
``force_login_password_only``; browser tests type a real code (``totp_now``)."""

from __future__ import annotations

import pytest
from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff.two_factor import totp_code

_force_login = ClientMixin.force_login

# A fixed secret for test users' authenticator devices (hex, as django-otp stores it).
TEST_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret


def staff_device(user) -> TOTPDevice:
    """The user's confirmed authenticator device, created with TEST_TOTP_KEY when missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", key=TEST_TOTP_KEY, confirmed=True)


def totp_now(user) -> str:
    """The code the user's authenticator app would show now."""
    return totp_code(staff_device(user).key)


def session_verify(client, user) -> None:
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = staff_device(user).persistent_id
    session.save()


def force_login_password_only(client, user, backend=None) -> None:
    """Signed in with the password step alone, as after the login form."""
    _force_login(client, user, backend)


def _force_login_verified(self, user, backend=None):
    _force_login(self, user, backend)
    session_verify(self, user)


@pytest.fixture(autouse=True)
def _force_login_passes_second_step(monkeypatch):
    monkeypatch.setattr(ClientMixin, "force_login", _force_login_verified)
