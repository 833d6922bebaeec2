"""The Celery app. Tasks are thin: they take ids and call one service."""

import os

from celery import Celery

# A worker or beat started without DJANGO_SETTINGS_MODULE is a production process: never let
# it fall back to development settings (debug on, a published key, an empty local database).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("chungtay")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
