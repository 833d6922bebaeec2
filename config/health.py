"""`/healthz`: can this process serve? Asks the database, the cache and the task broker, each
with a short timeout, and answers 200 when all answer, 503 otherwise. A load balancer or a
systemd watchdog polls it; it names each part and its state, never a host, a URL or a secret.

With no broker configured (development, `make run`) tasks run in the web process, so the broker
is reported "not used" and does not fail the check.
"""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BROKER_TIMEOUT_SECONDS = 2


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key, value = "healthz:probe", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not keep a value")


def _broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "not used"
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return "ok"


@never_cache
@require_GET
def healthz(request):
    checks = {}
    healthy = True
    for name, probe in (("database", _database), ("cache", _cache), ("broker", _broker)):
        started = time.perf_counter()
        try:
            state = probe() or "ok"
        except Exception as exc:  # any failure is an unhealthy part: say which, not the details
            state, healthy = f"failing ({type(exc).__name__})", False
        checks[name] = {"state": state, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return JsonResponse({"status": "ok" if healthy else "failing", "checks": checks}, status=200 if healthy else 503)
