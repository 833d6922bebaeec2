"""The signed-in donor's own data in the portal: their choices (consents, the public-name
choice), a new email address proven by a link sent to it, and "Download my data".

Same rules as the rest of the portal (receipts/views/portal.py): known only by the address proven
in this session, never cached, every POST counted against the per-connection limit."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from donors.errors import DonorError

from ..admin_data_rights import export_response
from ..forms import PortalChoicesForm, PortalEmailChangeForm
from ..selectors import donors_for_email, email_change_link_usable
from ..services.data_export import FORMATS, donor_data_export_download
from ..services.portal import PortalLinkInvalid
from ..services.portal_choices import portal_choices_apply, portal_email_change_confirm, portal_email_change_request
from .headers import private_page
from .portal import _ip_limited, portal_session_start, signed_in_email

TEMPLATE = "receipts/portal/choices.html"


def _initial(donor) -> dict:
    return {
        "consent_receipts_by_email": donor.consent_receipts_by_email,
        "consent_news": donor.consent_news,
        "anonymous_by_default": donor.anonymous_by_default,
        "public_name": donor.public_name,
    }


def _page(request, email, donors, *, form=None, email_form=None, status=200, **extra):
    context = {
        "email": email,
        "records": len(donors),
        "form": form or PortalChoicesForm(initial=_initial(donors[0])),
        "email_form": email_form or PortalEmailChangeForm(),
        **extra,
    }
    return render(request, TEMPLATE, context, status=status)


@private_page
@require_http_methods(["GET", "POST"])
def portal_choices(request) -> HttpResponse:
    email = signed_in_email(request)
    if not email:
        return redirect("receipts:portal")
    donors = list(donors_for_email(email))
    if not donors:
        return redirect("receipts:portal_receipts")
    if request.method == "GET":
        return _page(request, email, donors, saved=request.GET.get("saved") == "1")
    if _ip_limited(request, "receipts-portal-choices"):
        return _page(request, email, donors, limited=True, status=429)
    form = PortalChoicesForm(request.POST)
    if not form.is_valid():
        return _page(request, email, donors, form=form)
    try:
        portal_choices_apply(email=email, choices=form.cleaned_data)
    except DonorError as exc:
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
        return _page(request, email, donors, form=form)
    return redirect(f"{request.path}?saved=1")


@private_page
@require_http_methods(["POST"])
def portal_email_change(request) -> HttpResponse:
    email = signed_in_email(request)
    if not email:
        return redirect("receipts:portal")
    donors = list(donors_for_email(email))
    if not donors:
        return redirect("receipts:portal_receipts")
    if _ip_limited(request, "receipts-portal-email-change"):
        return _page(request, email, donors, limited=True, status=429)
    email_form = PortalEmailChangeForm(request.POST)
    if not email_form.is_valid():
        return _page(request, email, donors, email_form=email_form)
    new_email = email_form.cleaned_data["new_email"]
    # One mailbox is not to be flooded with links, whoever asks.
    flooded = is_ratelimited(
        request,
        group="receipts-portal-email",
        key=lambda group, request: new_email.strip().lower(),
        rate=settings.DONOR_PORTAL_RATE_EMAIL,
        method="POST",
        increment=True,
    )
    if flooded:
        return _page(request, email, donors, limited=True, status=429)
    try:
        portal_email_change_request(email=email, new_email=new_email, language=translation.get_language())
    except (DonorError, PortalLinkInvalid) as exc:
        email_form.add_error("new_email", getattr(exc, "message", None) or exc.messages)
        return _page(request, email, donors, email_form=email_form)
    return _page(request, email, donors, change_sent_to=new_email)


@private_page
@require_http_methods(["GET", "POST"])
def portal_email_confirm(request, token: str) -> HttpResponse:
    # GET only shows a button: mail scanners open every link in a message, and must not use it up.
    if request.method == "GET":
        if not email_change_link_usable(token):
            return render(request, "receipts/portal/link_invalid.html", status=410)
        return render(request, "receipts/portal/email_confirm.html")
    if _ip_limited(request, "receipts-portal-email-confirm"):
        return render(request, "receipts/portal/link_invalid.html", {"limited": True}, status=429)
    try:
        new_email = portal_email_change_confirm(token=token)
    except PortalLinkInvalid:
        return render(request, "receipts/portal/link_invalid.html", status=410)
    # The link proved the new mailbox: this browser is signed in with it.
    portal_session_start(request, new_email)
    return redirect("receipts:portal_choices")


@private_page
@require_GET
def portal_data_download(request, file_format: str) -> HttpResponse:
    email = signed_in_email(request)
    if not email:
        return redirect("receipts:portal")
    donors = list(donors_for_email(email))
    if not donors or file_format not in FORMATS:
        raise Http404
    content = donor_data_export_download(donors=donors, file_format=file_format, actor=None, via="portal")
    return export_response(content, file_format=file_format, stem="my-data")
