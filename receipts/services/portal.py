"""The donor portal's sign-in: a single-use link emailed to an address we already know.

No passwords: a donor proves they read the mailbox a receipt went to. Only a hash of each link's
token is stored, so a copy of the database cannot be used to sign in.
"""

from __future__ import annotations

import datetime
import logging
import secrets

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_record
from donors.models import Donor

from ..errors import ReceiptError
from ..links import public_url
from ..models import PortalSignIn
from ..models.portal import token_digest
from ..queueing import task_queue_or_log

logger = logging.getLogger(__name__)

# Longer than anything secrets.token_urlsafe(32) makes (43 characters): a longer "token" is junk.
TOKEN_MAX_LENGTH = 64


class PortalLinkInvalid(ReceiptError):
    """The sign-in link is unknown, used already or expired: the donor asks for a new one."""


def email_normalise(email: str) -> str:
    return (email or "").strip()


def portal_link_request(*, email: str) -> None:
    """Hand the sending to a task and return at once. Looking the address up and talking to the
    mail server here would make the answer slower for known addresses than for unknown ones, and
    that difference alone would tell a stranger who gives to the fund."""
    # Broker down: logged, and the donor sees the usual page and can ask again.
    task_queue_or_log("receipts.tasks.portal_link_send", email_normalise(email))


def portal_link_send(*, email: str) -> bool:
    """Email a sign-in link if a donor has this address (compared case-insensitively), in that
    donor's language. Unknown addresses get nothing. Returns whether a link was sent."""
    address = email_normalise(email)
    if not address:
        return False
    donor = Donor.objects.filter(email__iexact=address).order_by("-created_at", "-id").first()
    if donor is None:
        return False
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        sign_in = PortalSignIn.objects.create(
            # The address as we have it on file, not as typed: the portal then greets the donor
            # by it, and it is where the link goes.
            email=donor.email,
            token_hash=token_digest(token),
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=settings.DONOR_PORTAL_LINK_MINUTES),
        )
        audit_record(actor=None, action="receipts.portal_link_send", obj=sign_in)
    language = donor.preferred_language if donor.preferred_language in ("vi", "en") else "vi"
    with translation.override(language):
        link = public_url(reverse("receipts:portal_sign_in", kwargs={"token": token}))
        context = {"link": link, "minutes": settings.DONOR_PORTAL_LINK_MINUTES, "name": donor.name}
        subject = render_to_string("receipts/email/portal_link_subject.txt", context)
        body = render_to_string("receipts/email/portal_link_body.txt", context)
    EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[donor.email],
    ).send()
    return True


def portal_link_consume(*, token: str) -> str:
    """Use a sign-in link once and return the address it proves. The row is locked, so two
    clicks at the same moment cannot both sign in."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise PortalLinkInvalid(_("Unknown sign-in link."))
    with transaction.atomic():
        sign_in = (
            PortalSignIn.objects.select_for_update().filter(token_hash=token_digest(token), change_from="").first()
        )
        now = timezone.now()
        if sign_in is None:
            raise PortalLinkInvalid(_("Unknown sign-in link."))
        if sign_in.used_at is not None:
            raise PortalLinkInvalid(_("This sign-in link was used already."))
        if sign_in.expires_at <= now:
            raise PortalLinkInvalid(_("This sign-in link has expired."))
        sign_in.used_at = now
        sign_in.save(update_fields=["used_at"])
        audit_record(actor=None, action="receipts.portal_sign_in", obj=sign_in)
    return sign_in.email
