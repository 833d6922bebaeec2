"""The second step of a staff sign-in, and setting up an authenticator app at the first one.

Both pages stand alone like the password page (no menu: nothing behind it is open yet). The
middleware sends every unverified staff session here; these views only ever write through the
services in staff/two_factor.py and staff/lockout.py."""

from __future__ import annotations

import math

import django_otp
from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from config.wagtail_admin import form_add_service_errors

from .lockout import sign_in_record
from .two_factor import (
    code_match,
    provisioning_qr_svg,
    secret_base32,
    secret_new,
    sign_in_method,
    two_factor_enrol,
    two_factor_enrolled,
    two_factor_required,
)

PENDING_KEY = "staff_two_factor_pending_key"  # the secret being set up, until a code proves it
NEW_CODES_KEY = "staff_two_factor_new_codes"  # recovery codes to show once


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("wagtailadmin_home")


def _signed_in(request, device) -> None:
    # A new session key once both steps are passed: a key seen before the second step (on a shared
    # computer, in a log) is worth nothing after it.
    request.session.cycle_key()
    django_otp.login(request, device)


@never_cache
@sensitive_post_parameters("code")
def verify(request):
    user = request.user
    if not two_factor_required(user) or user.is_verified():
        return redirect(_next_url(request))
    if not two_factor_enrolled(user):
        return redirect(f"{reverse('staff_two_factor_enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = code_match(user, form.cleaned_data["code"])
        if device is not None:
            _signed_in(request, device)
            sign_in_record(user=user, action="staff.sign_in", request=request, method=sign_in_method(device))
            return redirect(_next_url(request))
        sign_in_record(user=user, action="staff.sign_in.code_refused", request=request)
        form.add_error("code", _("That code did not work. Enter the newest code from your app, or a recovery code."))
    return render(request, "staff/two_factor/verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@sensitive_post_parameters("code")
def enrol(request):
    user = request.user
    if not two_factor_required(user):
        return redirect(_next_url(request))
    if two_factor_enrolled(user):
        # Set up already: a second app only by an administrator's reset (and a code first).
        return redirect(f"{reverse('staff_two_factor_verify')}?{request.GET.urlencode()}")
    key = request.session.get(PENDING_KEY)
    if not key:
        key = request.session[PENDING_KEY] = secret_new()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = two_factor_enrol(user=user, key_hex=key, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form_add_service_errors(form, exc, field="code")
        else:
            _signed_in(request, enrolment.device)
            request.session.pop(PENDING_KEY, None)
            request.session[NEW_CODES_KEY] = enrolment.recovery_codes
            sign_in_record(user=user, action="staff.sign_in", request=request, method="enrolment")
            return redirect(f"{reverse('staff_recovery_codes')}?{urlencode({'next': _next_url(request)})}")
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": provisioning_qr_svg(user, key),
        "secret": secret_base32(key),
    }
    return render(request, "staff/two_factor/enrol.html", context)


@never_cache
def recovery_codes(request):
    """The recovery codes just made, shown this once (they are kept only as django-otp's tokens)."""
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes:
        return redirect(_next_url(request))
    return render(request, "staff/two_factor/recovery_codes.html", {"codes": codes, "next": _next_url(request)})


def locked_out(request, original_response=None, credentials=None):
    """What django-axes answers (AXES_LOCKOUT_CALLABLE) once an account or address is locked: the
    sign-in page's look, what happened and for how long, with 429 Too Many Requests."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return JsonResponse(context, status=429)
    return render(request, "staff/locked_out.html", context, status=429)
