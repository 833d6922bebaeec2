"""Run jobs at the same moment in threads, each on its own database connection, for tests that
race writers against each other (transactional tests only)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_together(*jobs: Callable[[], Any], timeout: float = 60) -> list[Any]:
    """Start every job behind one barrier; return their results (or ``repr`` of what they
    raised), sorted so that tests compare them regardless of which thread finished first."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Any] = []
    lock = threading.Lock()

    def run(job):
        try:
            barrier.wait(timeout=10)
            outcome = job()
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return sorted(outcomes, key=repr)


def run_through_connections(jobs: list[Callable[[], Any]], *, connections: int = 16, timeout: float = 300) -> list[Any]:
    """Run many jobs at once through a few threads, each on its own database connection, all
    starting behind one barrier: 200 racing writers without 200 connections (PostgreSQL allows
    100 by default, shared with every other test run on the machine). Results as run_together."""
    pending = list(jobs)
    lock = threading.Lock()
    outcomes: list[Any] = []
    barrier = threading.Barrier(connections)

    def worker():
        try:
            barrier.wait(timeout=10)
            while True:
                with lock:
                    if not pending:
                        return
                    job = pending.pop()
                try:
                    outcome = job()
                except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
                    outcome = repr(exc)
                with lock:
                    outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return sorted(outcomes, key=repr)
