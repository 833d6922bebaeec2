"""Work is queued by task name, so services never import the task modules that import them."""

import re
from pathlib import Path

import pytest
from celery import current_app

from receipts import queueing

RECEIPTS = Path(__file__).resolve().parents[2] / "receipts"


QUEUED_NAME = re.compile(r'(?:task_queue|task_queue_or_log|queue_on_commit)\(\s*"([^"]+)"')


def test_every_task_name_queued_in_receipts_is_registered():
    # A misspelt name would only surface when a worker refused the message: catch it here.
    queued = {name for path in RECEIPTS.rglob("*.py") for name in QUEUED_NAME.findall(path.read_text())}
    assert queued >= {"receipts.tasks.receipt_issue_for_gift", "receipts.tasks.receipt_delivery_send"}
    assert queued <= set(current_app.tasks)


def test_an_unknown_name_run_in_process_fails_loudly():
    assert current_app.conf.task_always_eager
    with pytest.raises(LookupError, match="receipts.tasks.no_such_task"):
        queueing.task_queue_or_log("receipts.tasks.no_such_task", 1)


def test_a_process_that_never_imported_the_task_sends_it_by_name(monkeypatch):
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    sent = []
    monkeypatch.setattr(
        current_app, "send_task", lambda name, args=None, kwargs=None, **options: sent.append((name, args))
    )
    queueing.task_queue("receipts.tasks.only_in_the_worker", 7, "x")
    assert sent == [("receipts.tasks.only_in_the_worker", (7, "x"))]


def test_a_broker_that_is_down_is_logged_after_commit_not_raised(
    db, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(current_app.conf, "task_always_eager", False)

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(current_app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queueing.queue_on_commit("receipts.tasks.only_in_the_worker", 7)
    assert len(callbacks) == 1
    assert "Could not queue receipts.tasks.only_in_the_worker" in caplog.text
    with pytest.raises(ConnectionError):  # queued at once (the sweep), the error is the caller's
        queueing.task_queue("receipts.tasks.only_in_the_worker", 7)
