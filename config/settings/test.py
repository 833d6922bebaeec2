"""Test settings: the embedded PostgreSQL unless DATABASE_URL is set; eager Celery unless
CELERY_BROKER_URL is set (then the worker tests start a real worker)."""

from .base import *  # noqa: F403
from .base import EMAIL_CONFIGURED, LOCAL_DIR, database_settings, env, local_database_url

DATABASES = database_settings(local_database_url())
# Parallel test runs on one server (e.g. two checkouts) pick different names; pytest-xdist's
# workers (make test runs two) each add their own suffix to it (test_chungtay_gw0, _gw1).
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_chungtay")}
XDIST_WORKER = env.str("PYTEST_XDIST_WORKER", default="")

DEBUG = False
SECRET_KEY = "test-only-insecure-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never in production
if not EMAIL_CONFIGURED:
    # pytest itself always uses locmem (pytest-django's test environment); a worker process
    # started by tests/worker may be given a real (test) mail server through EMAIL_URL.
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Evidence goes to a real directory (under .local/, git-ignored), so tests can see that a refused
# upload leaves no file behind: one per test process, so two never see each other's files.
EVIDENCE_ROOT = env.path("EVIDENCE_ROOT", default=str(LOCAL_DIR / f"test-evidence{XDIST_WORKER and '-'}{XDIST_WORKER}"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": {
        "BACKEND": "config.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": EVIDENCE_ROOT, "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    },
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
WHITENOISE_AUTOREFRESH = True  # serve from finders; no collectstatic before tests

# Tests sign in as the demo users too; a test of its own turns the refusal back on.
STAFF_REFUSE_DEMO_PASSWORD = False
