"""The donor portal: ask for a link by email, confirm it, see and download one's receipts.

The portal knows a donor only by an email address proven by a sign-in link, kept in the session
for DONOR_PORTAL_SESSION_MINUTES; it shows the receipts of every donor record with that address.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from ..forms import PortalEmailForm
from ..pdf import receipt_pdf_bytes
from ..selectors import donors_for_email, portal_link_usable, receipt_for_email, receipt_summary, receipts_for_email
from ..services.portal import PortalLinkInvalid, portal_link_consume, portal_link_request
from .headers import private_page

SESSION_KEY = "receipts_portal"


def _ip_limited(request, group: str) -> bool:
    return is_ratelimited(
        request, group=group, key="ip", rate=settings.DONOR_PORTAL_RATE_IP, method="POST", increment=True
    )


def portal_session_start(request, email: str) -> None:
    """Sign this browser in with an address a link has just proven."""
    # A new session key on every sign-in: a key planted in this browser beforehand is worthless.
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "email": email,
        "until": int(time.time()) + settings.DONOR_PORTAL_SESSION_MINUTES * 60,
    }


def signed_in_email(request) -> str:
    """The address this browser proved, or "" once the portal session has run out."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return ""
    if data.get("until", 0) <= time.time():
        del request.session[SESSION_KEY]
        return ""
    return data.get("email", "")


@private_page
@require_http_methods(["GET", "POST"])
def portal_start(request) -> HttpResponse:
    if request.method == "GET":
        if signed_in_email(request):
            return redirect("receipts:portal_receipts")
        return render(request, "receipts/portal/start.html", {"form": PortalEmailForm()})
    if _ip_limited(request, "receipts-portal-ask"):
        return render(request, "receipts/portal/start.html", {"form": PortalEmailForm(), "limited": True}, status=429)
    form = PortalEmailForm(request.POST)
    if not form.is_valid():
        return render(request, "receipts/portal/start.html", {"form": form})
    email = form.cleaned_data["email"]
    # A mailbox flooded with links is an annoyance we can prevent; the page still reads the same,
    # so the limit says nothing about whether the address is known.
    flooded = is_ratelimited(
        request,
        group="receipts-portal-email",
        key=lambda group, request: email.strip().lower(),
        rate=settings.DONOR_PORTAL_RATE_EMAIL,
        method="POST",
        increment=True,
    )
    if not flooded:
        portal_link_request(email=email)
    return render(request, "receipts/portal/sent.html", {"email": email})


@private_page
@require_http_methods(["GET", "POST"])
def portal_sign_in(request, token: str) -> HttpResponse:
    # GET only shows a button: mail scanners open every link in a message, and must not use it up.
    if request.method == "GET":
        if not portal_link_usable(token):
            return render(request, "receipts/portal/link_invalid.html", status=410)
        return render(request, "receipts/portal/confirm.html")
    if _ip_limited(request, "receipts-portal-sign-in"):
        return render(request, "receipts/portal/start.html", {"form": PortalEmailForm(), "limited": True}, status=429)
    try:
        email = portal_link_consume(token=token)
    except PortalLinkInvalid:
        return render(request, "receipts/portal/link_invalid.html", status=410)
    portal_session_start(request, email)
    return redirect("receipts:portal_receipts")


@private_page
@require_GET
def portal_receipts(request) -> HttpResponse:
    email = signed_in_email(request)
    if not email:
        return redirect("receipts:portal")
    receipts = [receipt_summary(receipt) for receipt in receipts_for_email(email)]
    context = {"email": email, "receipts": receipts, "has_records": donors_for_email(email).exists()}
    return render(request, "receipts/portal/receipts.html", context)


@private_page
@require_GET
def portal_receipt_pdf(request, number: str) -> HttpResponse:
    email = signed_in_email(request)
    if not email:
        return redirect("receipts:portal")
    receipt = receipt_for_email(email=email, number=number)
    if receipt is None:
        raise Http404
    response = HttpResponse(receipt_pdf_bytes(receipt), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=f"{receipt.number}.pdf")
    return response


@private_page
@require_POST
def portal_sign_out(request) -> HttpResponseRedirect:
    request.session.flush()
    return redirect("receipts:portal")
