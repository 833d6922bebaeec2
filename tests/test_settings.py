"""Production settings refuse to start half-configured, and pass Django's deploy checks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOOD = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "donate.example.org",
    # check --deploy does not connect; the URL only has to be well-formed.
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://user:secret@smtp.example.org:587",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "EVIDENCE_ROOT": "/var/lib/chungtay/evidence",
}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in (*GOOD, "DEBUG", "EMAIL_HOST")}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **GOOD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set"),
        ("DATABASE_URL", "DATABASE_URL must point"),
        ("CELERY_BROKER_URL", "CELERY_BROKER_URL must be set"),
        ("EMAIL_URL", "Set EMAIL_URL"),
        ("CACHE_URL", "CACHE_URL must point at Redis"),
        ("EVIDENCE_ROOT", "Set EVIDENCE_ROOT"),
    ],
)
def test_production_refuses_to_start_without(missing, message):
    env = {k: v for k, v in GOOD.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_a_short_secret_key():
    result = manage("check", **{**GOOD, "SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_cannot_be_switched_on_in_production():
    result = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", **GOOD, DEBUG="true")
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_mail_can_be_set_the_usual_way_instead_of_email_url():
    env = {k: v for k, v in GOOD.items() if k != "EMAIL_URL"}
    show = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_TIMEOUT)"
    )
    result = manage("shell", "-c", show, **env, EMAIL_HOST="smtp.example.org", EMAIL_HOST_USER="quy", EMAIL_PORT="587")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-5:] == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "True",
        "30",
    ]


def test_a_rotation_left_without_a_deadline_fails_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **GOOD, STRIPE_WEBHOOK_SECRET_PREVIOUS="whsec_old")
    assert result.returncode != 0
    assert "payments.W001" in result.stderr + result.stdout


def test_old_secret_keys_are_read_as_fallbacks():
    show = "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)"
    result = manage("shell", "-c", show, **GOOD, SECRET_KEY_FALLBACKS="old-key-one,old-key-two")
    assert result.stdout.strip().splitlines()[-1] == "['old-key-one', 'old-key-two']", result.stderr
