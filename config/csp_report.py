"""`POST /csp-report/`: browsers report what the Content-Security-Policy blocked; we log it.

Both shapes browsers send are read: ``application/csp-report`` (``report-uri``: Firefox, Safari,
older Chromium) and ``application/reports+json`` (``report-to``: the Reporting API, Chromium).
What is logged is a short, fixed set of fields, each truncated, with secrets taken out of the
addresses (a pay page's address carries the gift's signed token; a query string can carry
anything): never the request's cookies, the original policy, the referrer, or the raw body.

Anyone can post here, so: no CSRF check (browsers send no token), a rate limit per client
address, a body size cap read before parsing, and nothing written but a log line. Answers 204.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

logger = logging.getLogger(__name__)

REPORT_TYPES = ("application/csp-report", "application/reports+json", "application/json")
MAX_REPORTS = 20  # per body; the Reporting API batches, but not by the hundred
FIELD_MAX = 200
SAMPLE_MAX = 80
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# What a path segment holding a secret looks like: a signed gift token, a portal link, a
# receipt's verification code (token_urlsafe: mixed case). Page slugs are lower case.
_SECRETISH = re.compile(r"^(?=.{16,})(?=.*[A-Z]).*$|^.{32,}$")

# The two shapes' names for the same fields.
_FIELDS = {
    "document": ("documentURL", "document-uri"),
    "blocked": ("blockedURL", "blocked-uri"),
    "directive": ("effectiveDirective", "effective-directive", "violated-directive"),
    "disposition": ("disposition", "disposition"),
    "source": ("sourceFile", "source-file"),
    "line": ("lineNumber", "line-number"),
    "column": ("columnNumber", "column-number"),
    "status": ("statusCode", "status-code"),
    "sample": ("sample", "script-sample"),
}
_ADDRESSES = ("document", "blocked", "source")


def _text(value, limit: int = FIELD_MAX) -> str:
    return _UNPRINTABLE.sub("?", str(value))[:limit]


def _address(value) -> str:
    """An address without its query, fragment or credentials, secret-looking segments hidden.
    Keywords such as ``inline`` or ``eval`` stay as they are."""
    text = str(value)
    parts = urlsplit(text)
    if not parts.scheme:
        return _text(text.split("?", 1)[0])
    path = "/".join(":secret" if _SECRETISH.match(segment) else segment for segment in parts.path.split("/"))
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return _text(f"{parts.scheme}://{host}{port}{path}" if parts.netloc else f"{parts.scheme}:")


def _violation(body: dict, user_agent: str) -> dict:
    found: dict = {}
    for name, keys in _FIELDS.items():
        value = next((body[key] for key in keys if body.get(key) not in (None, "")), None)
        if value is None:
            continue
        if name in _ADDRESSES:
            found[name] = _address(value)
        elif name in ("line", "column", "status"):
            found[name] = value if isinstance(value, int) and not isinstance(value, bool) else _text(value, 12)
        else:
            found[name] = _text(value, SAMPLE_MAX if name == "sample" else FIELD_MAX)
    if user_agent:
        found["user_agent"] = _text(user_agent)
    return found


def _violations(content_type: str, payload, user_agent: str) -> list[dict] | None:
    """The reports in a body, or None when it is not shaped like either kind."""
    if content_type == "application/reports+json" or isinstance(payload, list):
        if not isinstance(payload, list):
            return None
        return [
            _violation(item["body"], str(item.get("user_agent") or user_agent))
            for item in payload[:MAX_REPORTS]
            if isinstance(item, dict) and item.get("type") == "csp-violation" and isinstance(item.get("body"), dict)
        ]
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [_violation(payload["csp-report"], user_agent)]
    return None


@csrf_exempt  # browsers post reports without a token; nothing here acts for a user
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    if is_ratelimited(request, group="csp-report", key="ip", rate=settings.CSP_REPORT_RATE, increment=True):
        return HttpResponse(status=429)
    if request.content_type not in REPORT_TYPES:
        return HttpResponse(status=415)
    limit = settings.CSP_REPORT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponse(status=400)
    if declared > limit:
        return HttpResponse(status=413)
    body = request.read(limit + 1)
    if len(body) > limit:
        return HttpResponse(status=413)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(status=400)
    reports = _violations(request.content_type, payload, request.headers.get("User-Agent", ""))
    if reports is None:
        return HttpResponse(status=400)
    for report in reports:
        logger.warning(
            "CSP violation: %s blocked %s on %s",
            report.get("directive", "?"),
            report.get("blocked", "?"),
            report.get("document", "?"),
            extra={"csp_violation": report},
        )
    return HttpResponse(status=204)
