"""Production: every secret and host from the environment, HTTPS enforced.

Refuses to start without SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, CELERY_BROKER_URL, EMAIL_URL,
CACHE_URL and a place for evidence files (EVIDENCE_ROOT or EVIDENCE_S3_BUCKET); `manage.py check
--deploy` is clean.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASE_URL, EMAIL_CONFIGURED, SECRET_KEY, database_settings, env

DEBUG = False

# JSON log lines for the log collector unless the operator asks for plain ones.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_FORMAT == "json" else "plain"  # noqa: F405

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set (50+ random characters) in production.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (comma-separated host names).")
if not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must point at the PostgreSQL server in production.")
# Each web and worker process keeps its connection, checked before reuse (docs/decisions/0032,
# 0033): a new one for every request made PostgreSQL start a backend each time, more than the
# queries a public page now makes and almost half of what a card event cost.
DATABASES = database_settings(DATABASE_URL, conn_max_age=600)
if not env.str("CELERY_BROKER_URL", default=""):
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must be set in production (Redis): tasks and the nightly check need it."
    )
if not EMAIL_CONFIGURED:
    raise ImproperlyConfigured(
        "Set EMAIL_URL (e.g. smtp+tls://user:pass@host:587) or EMAIL_HOST and friends in production."
    )
if not env.str("CACHE_URL", default="").startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(
        "CACHE_URL must point at Redis in production: rate limits and page caches are shared by every worker."
    )
if not (env.str("EVIDENCE_S3_BUCKET", default="") or env.str("EVIDENCE_ROOT", default="")):
    raise ImproperlyConfigured(
        "Set EVIDENCE_ROOT (a directory outside MEDIA_ROOT and STATIC_ROOT, backed up) or EVIDENCE_S3_BUCKET "
        "in production: evidence files must not land inside the code's checkout."
    )
# django-ratelimit's list of supported caches predates Django's own RedisCache, whose add and incr
# are atomic (SET NX, INCRBY): that is all the rate limits need.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default=f"https://{ALLOWED_HOSTS[0]}")
# Printed in every receipt's QR code: the public site's address, never a development default.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default=WAGTAILADMIN_BASE_URL)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The load balancer's health probe speaks plain HTTP to the process behind it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"  # noqa: F405
LOGGING["root"]["level"] = env.str("LOG_LEVEL", default="INFO")  # noqa: F405
