"""What a signed-in donor changes for themselves in the portal: their consents and public-name
choice, and their email address, which moves only once a link sent to the new address is
confirmed (the same single-use, hashed links as the sign-in, receipts/services/portal.py).

Every donor record with the proven address is changed alike: the portal shows all of them."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_record
from donors.services_rights import donor_choices_update, donor_email_change, email_check

from ..links import public_url
from ..models import PortalSignIn
from ..models.portal import token_digest
from ..selectors import donors_for_email
from .portal import TOKEN_MAX_LENGTH, PortalLinkInvalid


def portal_choices_apply(*, email: str, choices: dict[str, Any]) -> int:
    """Apply the donor's choices to every record with ``email``; returns how many there are."""
    donors = list(donors_for_email(email))
    with transaction.atomic():
        for donor in donors:
            donor_choices_update(
                donor=donor,
                consent_news=choices["consent_news"],
                consent_receipts_by_email=choices["consent_receipts_by_email"],
                anonymous_by_default=choices["anonymous_by_default"],
                public_name=choices["public_name"],
                source="portal",
            )
    return len(donors)


def portal_email_change_request(*, email: str, new_email: str, language: str) -> None:
    """Email a link to ``new_email`` that, once confirmed, moves every record with ``email`` to
    it. Nothing changes until then: an address is only taken once its mailbox answered."""
    new_address = email_check(new_email)
    donors = list(donors_for_email(email))
    if not donors:
        raise PortalLinkInvalid(_("No donor has this address any more; sign in again."))
    if new_address.casefold() == email.strip().casefold():
        raise PortalLinkInvalid(_("This is the address we have already."))
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        link = PortalSignIn.objects.create(
            email=new_address,
            change_from=donors[0].email,
            token_hash=token_digest(token),
            created_at=now,
            expires_at=now + datetime.timedelta(minutes=settings.DONOR_PORTAL_LINK_MINUTES),
        )
        audit_record(actor=None, action="receipts.portal_email_change_request", obj=link)
    with translation.override(language if language in ("vi", "en") else "vi"):
        url = public_url(reverse("receipts:portal_email_confirm", kwargs={"token": token}))
        context = {"link": url, "minutes": settings.DONOR_PORTAL_LINK_MINUTES}
        subject = render_to_string("receipts/email/email_change_subject.txt", context)
        body = render_to_string("receipts/email/email_change_body.txt", context)
    EmailMessage(
        subject=" ".join(subject.split()), body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[new_address]
    ).send()


def portal_email_change_confirm(*, token: str) -> str:
    """Use a change link once: every record with the old address takes the new one. Returns the
    new address (the portal then signs the browser in with it)."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise PortalLinkInvalid(_("Unknown link."))
    with transaction.atomic():
        link = (
            PortalSignIn.objects.select_for_update()
            .filter(token_hash=token_digest(token))
            .exclude(change_from="")
            .first()
        )
        now = timezone.now()
        if link is None:
            raise PortalLinkInvalid(_("Unknown link."))
        if link.used_at is not None:
            raise PortalLinkInvalid(_("This link was used already."))
        if link.expires_at <= now:
            raise PortalLinkInvalid(_("This link has expired."))
        donors = list(donors_for_email(link.change_from).select_for_update())
        if not donors:
            raise PortalLinkInvalid(_("No donor has the old address any more."))
        for donor in donors:
            donor_email_change(donor=donor, new_email=link.email, source="portal")
        link.used_at = now
        link.save(update_fields=["used_at"])
        audit_record(actor=None, action="receipts.portal_email_change", obj=link, data={"donors": len(donors)})
    return link.email
