"""Staff sign-in: the second factor, lockout, staff sessions and the password policy.

Kept apart from base.py so these settings read as one piece (docs/decisions/0028 and 0029);
base.py imports this module and adds SECURITY_APPS and the middleware around its own lists.
"""

import datetime

import environ

env = environ.Env()

# django-otp's models and devices (TOTP from an authenticator app, single-use recovery codes), and
# django-axes's record of failed sign-ins.
SECURITY_APPS = ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static", "axes"]


def security_middleware(middleware: list[str]) -> list[str]:
    """Base's middleware with the staff sign-in checks after authentication and messages (they
    need the user, replace it for sessions that have not passed the second step, and say why a
    session ended), and axes's lockout
    response just before the page cache (axes asks to run last; the cache must stay outermost
    so everything else still runs around a cached page, and the login page is never cached)."""
    result = list(middleware)
    after = result.index("django.contrib.messages.middleware.MessageMiddleware") + 1
    result.insert(after, "staff.middleware.StaffSignInMiddleware")
    cache = "cms.page_cache.PublicPageCacheMiddleware"
    result.insert(result.index(cache) if cache in result else len(result), "axes.middleware.AxesMiddleware")
    return result


# axes first: it refuses a locked account or address before the password is even checked.
# StaffPasswordBackend is Django's ModelBackend that refuses the demo password where
# STAFF_REFUSE_DEMO_PASSWORD is on (production's default).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "staff.backends.StaffPasswordBackend"]

# --- Second factor ---------------------------------------------------------------------------
# The issuer an authenticator app shows beside the account ("Chung Tay: accountant").
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Chung Tay")
# Recovery codes handed out at enrolment (each works once).
STAFF_RECOVERY_CODES = env.int("STAFF_RECOVERY_CODES", default=10)

# --- Lockout (django-axes) -------------------------------------------------------------------
# Twenty failed passwords for one account, or from one address, lock that account or that address
# for the cool-off. Failures older than the cool-off no longer count.
AXES_FAILURE_LIMIT = env.int("STAFF_LOCKOUT_FAILURES", default=20)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("STAFF_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True  # a good password clears that account's failures
AXES_LOCKOUT_CALLABLE = "staff.views_sign_in.locked_out"  # says for how long, in the user's language
# The client address the same way the rate limits read it (RATELIMIT_IP_META_KEY, set behind the
# proxy; docs/deploy.md), with TRUSTED_PROXY_COUNT for an X-Forwarded-For chain.
AXES_CLIENT_IP_CALLABLE = "staff.client_ip.client_ip"
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Our audit trail records sign-ins (staff/signals.py); axes's own log of every success would be a
# second copy. Its failure records (AccessAttempt) are what the lock counts.
AXES_DISABLE_ACCESS_LOG = True
# Axes's own admin registers with Django's admin, which this project does not serve.
AXES_ENABLE_ADMIN = False

# --- Staff sessions --------------------------------------------------------------------------
# A staff session unused for this long ends; the next request signs in again.
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30)

# --- Passwords -------------------------------------------------------------------------------
# Length over complexity: a long pass phrase beats "P@ssw0rd1" (NIST SP 800-63B), checked against
# Django's list of common passwords and the user's own name and email.
STAFF_PASSWORD_MIN_LENGTH = env.int("STAFF_PASSWORD_MIN_LENGTH", default=12)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": STAFF_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "staff.passwords.PublishedPasswordValidator"},
]
# The demo's password is printed in the README: where this is on, it never signs anyone in, even
# if a demo user were seeded into a real database. On unless dev or test settings turn it off.
STAFF_REFUSE_DEMO_PASSWORD = True
