"""What the benchmarks share: a database URL another process can use, a free local port, timing."""

from __future__ import annotations

import socket
import statistics
import time
from urllib.parse import quote


def database_url(settings_dict) -> str:
    """A libpq URL for the database a connection's settings point at (a unix socket for the
    embedded server, see config/embedded_db.py), for processes the benchmark starts."""
    user = quote(settings_dict["USER"] or "postgres")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or ""
    if host.startswith("/"):
        return f"postgresql://{user}{password}@/{settings_dict['NAME']}?host={host}"
    return f"postgresql://{user}{password}@{host}:{settings_dict.get('PORT') or 5432}/{settings_dict['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000
