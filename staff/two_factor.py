"""The second factor: who needs one, enrolling an authenticator app, recovery codes, a reset.

Devices are django-otp's: a confirmed TOTPDevice for the authenticator app and a StaticDevice
whose tokens are the single-use recovery codes. A session counts as verified once django_otp.login
has stored the device that accepted a code (staff/middleware.py checks it on every request)."""

from __future__ import annotations

import binascii
import secrets
import time
from base64 import b32decode, b32encode
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import audit_record

from .roles import ADMIN_ACCESS
from .sessions import sessions_end_all

AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


def two_factor_required(user: Any) -> bool:
    """Everyone who can open the back office: every role there reaches money, case files or the
    public appeal pages (where a changed bank account diverts gifts), so none is exempt
    (docs/decisions/0028). Superusers always."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.has_perm(ADMIN_ACCESS)))


def two_factor_enrolled(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Enrolment: a secret shown once, kept in the session until one code proves the app has it ---


def secret_new() -> str:
    """A fresh 20-byte TOTP secret, hex as django-otp stores it."""
    return secrets.token_hex(20)


def secret_base32(key_hex: str) -> str:
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    text = b32encode(binascii.unhexlify(key_hex)).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def secret_from_base32(text: str) -> str:
    """The hex key for a base32 secret (spaces and case ignored), as the demo publishes it."""
    clean = text.replace(" ", "").upper()
    return binascii.hexlify(b32decode(clean + "=" * (-len(clean) % 8))).decode("ascii")


def provisioning_uri(user: Any, key_hex: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code (django-otp's own)."""
    return TOTPDevice(user=user, key=key_hex, name=AUTHENTICATOR_NAME).config_url


def provisioning_qr_svg(user: Any, key_hex: str) -> str:
    """The QR code as inline SVG (no image request, nothing for a content policy to allow).

    With a viewBox and no width or height of its own, so the page's CSS scales the whole code to
    the phone's width: an SVG with a fixed size that CSS shrinks is cropped, and a cropped code
    scans as nothing."""
    qr = segno.make(provisioning_uri(user, key_hex), error="m")
    return qr.svg_inline(
        scale=5, border=4, omitsize=True, dark="#000", light="#fff", title=_("QR code for your authenticator app")
    )


def totp_code(key_hex: str, *, at: float | None = None) -> str:
    """The six digits an authenticator app shows now for this secret (demo_otp_code, tests)."""
    totp = TOTP(binascii.unhexlify(key_hex))
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def _clean_code(code: str) -> str:
    return "".join(str(code or "").split()).replace("-", "").lower()


@dataclass
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


def two_factor_enrol(*, user: Any, key_hex: str, code: str) -> Enrolment:
    """Confirm an authenticator app: ``code`` must be what the app shows for ``key_hex`` now (one
    step either side). Replaces any earlier devices, creates the recovery codes, and returns them
    (shown once: only they and the app can sign this user in from now on).

    Raises ValidationError, writing nothing, when the code does not match."""
    device = TOTPDevice(user=user, key=key_hex, name=AUTHENTICATOR_NAME, confirmed=True)
    token = _clean_code(code)
    if not (token.isdigit() and len(token) == device.digits):
        raise ValidationError({"code": _("Enter the six digits your authenticator app shows.")})
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not totp.verify(int(token), device.tolerance):
        raise ValidationError(
            {"code": _("That code does not match. Check the time on your phone and enter the newest code.")}
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        device.last_t = totp.t()  # the code just used cannot sign in a second time
        device.save()
        codes = _recovery_codes_create(user)
        audit_record(actor=user, action="staff.two_factor.enrol", obj=user, data={"recovery_codes": len(codes)})
    return Enrolment(device=device, recovery_codes=codes)


def _recovery_codes_create(user: Any) -> list[str]:
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.STAFF_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def recovery_codes_renew(*, user: Any) -> list[str]:
    """New recovery codes for an enrolled user, the old ones void. Returns them (shown once)."""
    if not two_factor_enrolled(user):
        raise ValidationError(_("Set up your authenticator app first."))
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        codes = _recovery_codes_create(user)
        audit_record(
            actor=user, action="staff.two_factor.recovery_renew", obj=user, data={"recovery_codes": len(codes)}
        )
    return codes


def two_factor_reset(*, user: Any, actor: Any) -> None:
    """An administrator's reset when a phone is lost: the user's app and recovery codes stop
    working and every session of theirs ends; at their next sign-in they enrol again."""
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
        sessions_end_all(user=user)
        audit_record(actor=actor, action="staff.two_factor.reset", obj=user, data={"devices_removed": removed})


def sign_in_method(device: Any) -> str:
    """How a device that accepted a code signs someone in, as the audit trail words it."""
    return "recovery_code" if isinstance(device, StaticDevice) else "authenticator"


def staff_with_second_factor():
    """Everyone who can open the back office, with their second factor's state (``enrolled``,
    ``recovery_left``), by username."""
    access = (
        Q(is_superuser=True)
        | Q(groups__permissions__codename="access_admin")
        | Q(user_permissions__codename="access_admin")
    )
    return (
        get_user_model()
        .objects.filter(access, is_active=True)
        .annotate(
            enrolled=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            recovery_left=Count("staticdevice__token_set", distinct=True),
        )
        .order_by("username")
        .distinct()
    )


def code_match(user: Any, code: str):
    """The device that accepts ``code`` (six digits from the app, or a recovery code, used up
    by this), or None. django-otp throttles each device after failures."""
    token = _clean_code(code)
    if not token:
        return None
    # Six digits go to the app's device, anything else to the recovery codes (letters and the
    # digits 2-7): a recovery code never counts as a failure against the app, nor the reverse.
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    for device in model.objects.filter(user=user, confirmed=True):
        with transaction.atomic():
            device = type(device).objects.select_for_update().get(pk=device.pk)
            if device.verify_token(token):
                return device
    return None
