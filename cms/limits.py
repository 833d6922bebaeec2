"""Card-testing defences that count what costs: pledges saved and card payments started, not
form posts. A donor who mistypes their email ten times has cost nothing and can still give; a
script creating pledges (each of which can become a Stripe PaymentIntent) is stopped.

Counted per client address (settings.DONATE_RATE_IP) and per browser session
(settings.DONATE_RATE_SESSION) with django-ratelimit's counters on the default cache.
"""

from __future__ import annotations

import math
import re

from django.conf import settings
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

_RATE = re.compile(r"^\s*\d+\s*/\s*\d*\s*([smhd])?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _session_key(group, request) -> str:
    return request.session.session_key or ""


def _limits() -> list[tuple[str, object, str]]:
    # Read at call time: settings may change (tests, a reload) after import.
    return [
        ("donate", "ip", settings.DONATE_RATE_IP),
        ("donate-session", _session_key, settings.DONATE_RATE_SESSION),
    ]


def wait_message(seconds: int, rate: str) -> str:
    """The refusal, "Please wait N minutes" in the unit the rate is written in (10/h: hours;
    5/10m: minutes), rounded up so the donor never comes back too early."""
    match = _RATE.match(rate or "")
    unit = (match.group(1) if match else None) or "s"
    count = max(1, math.ceil(max(seconds, 1) / _UNIT_SECONDS[unit]))
    if unit == "s":
        text = ngettext(
            "Too many gifts from your connection in a short time. Please wait %(count)d second.",
            "Too many gifts from your connection in a short time. Please wait %(count)d seconds.",
            count,
        )
    elif unit == "m":
        text = ngettext(
            "Too many gifts from your connection in a short time. Please wait %(count)d minute.",
            "Too many gifts from your connection in a short time. Please wait %(count)d minutes.",
            count,
        )
    elif unit == "h":
        text = ngettext(
            "Too many gifts from your connection in a short time. Please wait %(count)d hour.",
            "Too many gifts from your connection in a short time. Please wait %(count)d hours.",
            count,
        )
    else:
        text = ngettext(
            "Too many gifts from your connection in a short time. Please wait %(count)d day.",
            "Too many gifts from your connection in a short time. Please wait %(count)d days.",
            count,
        )
    return text % {"count": count}


def creation_wait(request) -> str | None:
    """None while this connection may create another pledge or card payment; otherwise the
    refusal to show, saying how long to wait. Counts nothing."""
    if not request.session.session_key:
        request.session.save()
    for group, key, rate in _limits():
        usage = get_usage(request, group=group, key=key, rate=rate, increment=False)
        # A failing cache reads as limit 0: refused, as django-ratelimit itself does.
        if usage is not None and usage["count"] >= usage["limit"]:
            return wait_message(usage["time_left"], rate)
    return None


def creation_count(request) -> None:
    """Count one creation (a pledge saved, a PaymentIntent created) against this connection."""
    if not request.session.session_key:
        request.session.save()
    for group, key, rate in _limits():
        get_usage(request, group=group, key=key, rate=rate, increment=True)


def pay_page_wait(request) -> str | None:
    """None while this address may load another card payment page; otherwise the refusal.

    A pledge has at most one PaymentIntent (its idempotency key is the gift's), so counting
    pledges already counts PaymentIntents; this only stops a script reloading pay pages to make
    us call Stripe (settings.PAY_RATE_IP). Each load counts."""
    usage = get_usage(request, group="pay", key="ip", rate=settings.PAY_RATE_IP, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return wait_message(usage["time_left"], settings.PAY_RATE_IP)
