"""What browsers may load and do on our pages: the Content-Security-Policy (django-csp), the
Permissions-Policy (django-permissions-policy) and where violations are reported.

Kept apart from base.py so the policy reads as one piece; base.py imports it. Why each part is
as it is: docs/decisions/0030-content-security-policy.md. The payment pages' scripts, one by one:
docs/payment-page-scripts.md.

- Public pages: scripts only from our own static files, and inline only with this response's
  nonce; no frames, no plugins, no other origin at all. The card payment page adds Stripe.js's
  origins for itself (payments/stripe_js.py), derived from STRIPE_JS_URL.
- The Wagtail admin (/admin/): Wagtail 8 still writes inline scripts (date pickers, inline
  panels, chooser modals) and style attributes, so it gets its own, looser policy for scripts
  and styles; everything else stays as strict as on public pages.
"""

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

env = environ.Env()

# Enforced. An operator trying a change sets CSP_ENFORCED=0: the policy is then sent
# report-only (violations are logged, nothing is blocked). Not named CSP_REPORT_ONLY: django-csp
# refuses to start with its pre-4.0 setting of that name.
CSP_ENFORCED = env.bool("CSP_ENFORCED", default=True)
# Violation reports (config/csp_report.py): per client address, and the largest body read.
CSP_REPORT_PATH = "/csp-report/"
CSP_REPORT_RATE = env.str("CSP_REPORT_RATE", default="60/m")
CSP_REPORT_MAX_BYTES = env.int("CSP_REPORT_MAX_BYTES", default=64 * 1024)
# The name report-to uses; the middleware sends the matching Reporting-Endpoints header.
CSP_REPORT_GROUP = "csp"
# Paths served with the admin's policy. Wagtail previews a page inside the admin, under /admin/.
CSP_ADMIN_PREFIXES = ("/admin/",)

# Our static files and uploaded images are served from our own origin (STATIC_URL, MEDIA_URL).
_OWN = [SELF]
_REPORTING = {"report-uri": CSP_REPORT_PATH, "report-to": CSP_REPORT_GROUP}

CSP_PUBLIC_DIRECTIVES = {
    "default-src": [SELF],
    # 'report-sample': a report of a blocked inline script carries its first characters.
    "script-src": [*_OWN, NONCE, "'report-sample'"],
    "style-src": [*_OWN],
    "img-src": [*_OWN],
    "font-src": [*_OWN],
    "connect-src": [SELF],
    "frame-src": [NONE],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
    **_REPORTING,
}

CSP_ADMIN_DIRECTIVES = {
    "default-src": [SELF],
    # No nonce here: a nonce would switch 'unsafe-inline' off, and Wagtail needs it.
    "script-src": [*_OWN, UNSAFE_INLINE],
    "style-src": [*_OWN, UNSAFE_INLINE],
    # data: and blob: for image previews of uploads and Wagtail's own icons.
    "img-src": [*_OWN, "data:", "blob:"],
    "font-src": [*_OWN, "data:"],
    "connect-src": [SELF],
    # The page preview panel frames the preview, which is under /admin/ as well.
    "frame-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [SELF],
    **_REPORTING,
}

_POLICY = {"DIRECTIVES": CSP_PUBLIC_DIRECTIVES}
if CSP_ENFORCED:
    CONTENT_SECURITY_POLICY = _POLICY
else:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _POLICY

# Powerful features nothing of ours uses, off for our pages and every frame in them. `payment`
# is off too, except on the card payment page, which allows it to Stripe.js's frames (Apple Pay
# and Google Pay in the Payment Element; payments/stripe_js.py). Only names Chromium knows: an
# unknown one is an error in every visitor's console.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# The admin's "new Wagtail version" notice is fetched by each staff browser from Wagtail's
# servers: the policy would block it, and it tells a third party who works here. Upgrades come
# with deploys.
WAGTAIL_ENABLE_UPDATE_CHECK = False

# base.py takes these settings only (not the constants imported above, NONE, SELF and the like).
__all__ = [name for name in dir() if name.startswith(("CSP_", "CONTENT_SECURITY_POLICY", "PERMISSIONS_", "WAGTAIL_"))]
