"""A real Celery worker process on a real Redis broker, reading the test database.

Runs only when CELERY_BROKER_URL is set (CI's second pass); with REQUIRE_WORKER_TESTS=1 a
missing broker is a failure, not a skip, so CI cannot silently stop testing the worker.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def broker_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url:
        if os.environ.get("REQUIRE_WORKER_TESTS") == "1":
            pytest.fail("REQUIRE_WORKER_TESTS=1 but CELERY_BROKER_URL is not set")
        pytest.skip("no CELERY_BROKER_URL: tasks run eagerly; the real-worker tests run in CI")
    return url


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ":"
    host = db.get("HOST") or ""
    if host.startswith("/"):
        return f"postgresql://{user}{password}@/{db['NAME']}?host={host}"
    return f"postgresql://{user}{password}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def broker():
    """The broker's URL, or a skip; asked for first, so that a skipped test sets up no database."""
    return broker_url()


@pytest.fixture
def celery_worker_env():
    """Extra environment for the worker process; a test module overrides it (e.g. EMAIL_URL)."""
    return {}


@pytest.fixture
def celery_worker_process(broker, transactional_db, celery_worker_env):
    """Start `celery worker` (prefork, 2 processes) on a queue of its own; stop it afterwards."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **celery_worker_env,
    }
    (ROOT / ".local").mkdir(exist_ok=True)  # git-ignored; absent on a fresh clone that used a server database
    log = open(ROOT / ".local" / f"celery-{queue}.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool=prefork",
            "--concurrency=2",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from config.celery import app

    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            log.seek(0)
            if "ready." in log.read():
                break
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"celery worker exited early:\n{log.read()}")
            time.sleep(0.2)
        else:
            pytest.fail("celery worker did not become ready in 60 s")
        yield process
    finally:
        app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    return predicate()


def start_process(argv: list[str], env: dict, log_path: Path, ready, *, timeout: float = 90) -> subprocess.Popen:
    """Start one of our processes (its output in ``log_path``) and wait until ``ready(log
    text)`` is true; fails the test if it exits or is not ready in ``timeout`` seconds."""
    log = open(log_path, "w+")  # noqa: SIM115 - closed with the process, by stop_process
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    process.log = log
    deadline = time.monotonic() + timeout
    while not ready(log_path.read_text()):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process)
            pytest.fail(f"{' '.join(argv[:5])} did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    return process


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM to the process's group (gunicorn's and Celery's children with it), then SIGKILL."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    log = getattr(process, "log", None)
    if log is not None:
        log.close()
