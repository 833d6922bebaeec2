"""Which webhook secrets are accepted when (payments/webhook_secrets.py), and the deploy check
that a rotation has a deadline and is cleaned up after it."""

import datetime

from django.core.checks import run_checks
from django.utils import timezone

from payments.webhook_secrets import SigningSecret, rotation_deadline, rotation_windows_check, secrets_accepted


def _later(**delta) -> str:
    return (timezone.now() + datetime.timedelta(**delta)).isoformat()


def test_the_previous_secret_counts_only_before_its_deadline():
    assert secrets_accepted(current="new", previous="old", previous_until=_later(hours=1)) == [
        SigningSecret("new"),
        SigningSecret("old", previous=True),
    ]
    assert secrets_accepted(current="new", previous="old", previous_until=_later(seconds=-1)) == [SigningSecret("new")]
    assert secrets_accepted(current="new", previous="old", previous_until="") == [SigningSecret("new")]
    assert secrets_accepted(current="new", previous="new", previous_until=_later(hours=1)) == [SigningSecret("new")]
    assert secrets_accepted(current="", previous="old", previous_until=_later(hours=1)) == []


def test_a_deadline_without_an_offset_is_local_time():
    deadline = rotation_deadline("2026-12-01T12:00")
    assert deadline == datetime.datetime(2026, 12, 1, 5, 0, tzinfo=datetime.UTC)  # Asia/Ho_Chi_Minh, UTC+7
    assert rotation_deadline("2026-12-01T12:00+00:00") == datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
    assert rotation_deadline("2026-13-01T12:00") is None and rotation_deadline("soon") is None


def test_the_deploy_check_wants_a_deadline_and_a_clean_up(settings):
    assert rotation_windows_check() == []
    settings.STRIPE_WEBHOOK_SECRET_PREVIOUS = "old"
    settings.STRIPE_WEBHOOK_SECRET_PREVIOUS_UNTIL = ""
    settings.BANK_WEBHOOK_SECRET_PREVIOUS = "old"
    settings.BANK_WEBHOOK_SECRET_PREVIOUS_UNTIL = _later(seconds=-1)
    problems = {problem.id: problem.msg for problem in rotation_windows_check()}
    assert "without a readable STRIPE_WEBHOOK_SECRET_PREVIOUS_UNTIL" in problems["payments.W001"]
    assert "expired" in problems["payments.W002"]
    settings.STRIPE_WEBHOOK_SECRET_PREVIOUS_UNTIL = settings.BANK_WEBHOOK_SECRET_PREVIOUS_UNTIL = _later(days=1)
    assert rotation_windows_check() == []


def test_the_check_runs_with_check_deploy_only(settings):
    settings.BANK_WEBHOOK_SECRET_PREVIOUS = "old"
    assert "payments.W002" in {problem.id for problem in run_checks(include_deployment_checks=True)}
    assert "payments.W002" not in {problem.id for problem in run_checks()}
