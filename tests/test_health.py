"""`/healthz` and the request id every request and log line carries (config/health.py,
config/request_id.py)."""

import json
import logging

import pytest
from django.conf import settings
from django.test import Client

from config import health
from config.request_id import RequestIdFilter

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_naming_each_part_and_no_secret():
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert body["checks"]["database"]["state"] == "ok" and body["checks"]["cache"]["state"] == "ok"
    expected_broker = "ok" if settings.CELERY_BROKER_URL else "not used"
    assert body["checks"]["broker"]["state"] == expected_broker
    text = response.content.decode()
    for secret in (
        settings.SECRET_KEY,
        settings.DATABASES["default"].get("PASSWORD") or "\0",
        "postgres://",
        "redis://",
    ):
        assert secret not in text
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_a_part_fails(monkeypatch):
    def broken():
        raise OSError("connection refused to db.internal:5432 password=hunter2")

    monkeypatch.setattr(health, "_database", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["database"]["state"] == "failing (OSError)"
    assert "hunter2" not in response.content.decode() and "db.internal" not in response.content.decode()


def test_healthz_refuses_other_methods():
    assert Client().post("/healthz").status_code == 405


def test_every_response_carries_a_request_id_and_keeps_a_sane_one_from_the_proxy():
    client = Client()
    fresh = client.get("/healthz")["X-Request-ID"]
    assert len(fresh) == 32
    assert client.get("/healthz")["X-Request-ID"] != fresh
    assert (
        client.get("/healthz", HTTP_X_REQUEST_ID="nginx-0123456789abcdef")["X-Request-ID"] == "nginx-0123456789abcdef"
    )
    injected = client.get("/healthz", HTTP_X_REQUEST_ID="x\nFAKE LOG LINE")["X-Request-ID"]
    assert "FAKE" not in injected and len(injected) == 32


def test_log_lines_carry_the_request_id_as_json(monkeypatch):
    from pythonjsonlogger.json import JsonFormatter

    config = settings.LOGGING["formatters"]["json"]
    formatter = JsonFormatter(config["fmt"], rename_fields=config["rename_fields"])
    seen = []

    class Capture(logging.Handler):
        def emit(self, record):
            seen.append(formatter.format(record))

    handler = Capture()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("config.health")
    logger.addHandler(handler)
    monkeypatch.setattr(health, "_cache", lambda: logger.warning("cache probe"))
    try:
        request_id = Client().get("/healthz", HTTP_X_REQUEST_ID="req-abcdef123456")["X-Request-ID"]
    finally:
        logger.removeHandler(handler)
    (line,) = seen
    record = json.loads(line)
    assert (record["request_id"], record["message"], record["level"]) == (request_id, "cache probe", "WARNING")
