"""Local development: the README's `make run`. Throwaway secret, debug on, localhost only."""

from .base import *  # noqa: F403
from .base import EMAIL_CONFIGURED, LOCAL_DIR, database_settings, env, local_database_url

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-used-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
DATABASES = database_settings(local_database_url())

# `make run` with demo data issues receipts and emails them: written as files under .local/mail
# (one .log file per connection) rather than flooding the console. EMAIL_URL, when set, wins.
if not EMAIL_CONFIGURED:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = LOCAL_DIR / "mail"

# The demo users sign in with the published demo password (README); production refuses it.
STAFF_REFUSE_DEMO_PASSWORD = False
