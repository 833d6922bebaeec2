"""Serving the public site under load: gunicorn (4 workers) with production settings on the demo
site, loaded by wrk (2 threads, 16 connections) from this machine, only ever on 127.0.0.1.

Measured in one run, so every figure is a ratio to a baseline that saw the same machine:
- the baseline: a static file WhiteNoise serves from collectstatic's manifest (site.css), loaded
  before and after the pages, its two requests/s averaged;
- a trivial Django view through the whole middleware stack (bench/urls.py; for information);
- the donation form and the home page from the page cache (warmed first, a sample request must
  say X-Page-Cache: hit), and uncached (``?nocache=1``: a query string bypasses the cache and
  renders the same page), and the transparency page uncached;
- in a process of its own, each page's uncached render through django.test.Client: median ms
  (against the trivial view's) and queries per render (for information).

Targets (docs/performance.md). Cached donation form: at least 0.3x the static file's requests/s
and p99 under 50 ms at 16 clients. Uncached donation form and home page: at least 3x the figures
measured before the page cache, with the same setup (gunicorn 4 workers, production settings, 16
wrk clients on this machine): static file ~3,980 req/s, home ~50 req/s, donation form ~44 req/s,
transparency ~22 req/s. As ratios of the static file's requests/s, the only way figures from two
runs on a shared machine compare: home >= 3 * 50 / 3980 = 0.038, donation form >= 3 * 44 / 3980
= 0.033.

Runs in `python -m bench`, which provides the database (a copy only this benchmark uses);
``--prepare`` and ``--inprocess`` are its child processes' entry points.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from .server import (
    TIMEOUT,
    WORKERS,
    collectstatic_start,
    collectstatic_wait,
    flush_redis,
    gunicorn,
    http_get,
    production_environment,
    run_child,
    wrk,
)
from .support import database_url
from .table import Row, WrkResult

CONNECTIONS = 16
THREADS = 2
DURATION = {"full": 15, "quick": 2}  # seconds of load per URL
RENDERS = {"full": 40, "quick": 8}  # in-process renders per page
# Redis databases no test uses (tests use locmem; `make run` uses none; statements use 0). Two runs
# at once on one machine (two checkouts) each name their own: both are flushed before and after.
BROKER_URL = os.environ.get("BENCH_WEB_BROKER_URL", "redis://127.0.0.1:6379/13")
CACHE_URL = os.environ.get("BENCH_WEB_CACHE_URL", "redis://127.0.0.1:6379/14")

STATIC_FILE = "cms/site.css"
HOME = "/"
DONATE = "/cpf/ung-ho/"
TRANSPARENCY = "/minh-bach/"
UNCACHED = "?nocache=1"

# Before the page cache (see the module's docstring): req/s with the same setup, and the target of 3x.
STATIC_BEFORE_RPS = 3980
HOME_BEFORE_RPS = 50
DONATE_BEFORE_RPS = 44
TARGET_UNCACHED_HOME = 3 * HOME_BEFORE_RPS / STATIC_BEFORE_RPS  # 0.038
TARGET_UNCACHED_DONATE = 3 * DONATE_BEFORE_RPS / STATIC_BEFORE_RPS  # 0.033
TARGET_CACHED_DONATE = 0.3  # of the static file's req/s
TARGET_CACHED_P99_MS = 50


# --- Child processes: seed, and measure renders in-process ---------------------------------------


def _prepare() -> None:
    """Seed the demo site exactly as `make seed` does (roles, letterhead, centre, pages)."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("roles_sync", verbosity=0)
    call_command("seed_receipts", stdout=open(os.devnull, "w"))  # noqa: SIM115 - process exits next
    call_command("seed_demo", allow_production=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("seed_site", allow_production=True, stdout=open(os.devnull, "w"))  # noqa: SIM115


def _inprocess(renders: int, out: Path) -> None:
    """Median ms and queries of each page's uncached render, and of the trivial view, in one process."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from .urls import TRIVIAL_PATH

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")

    def once(path: str) -> tuple[float, int]:
        client.cookies.clear()  # every request a new visitor
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        return elapsed, len(queries)

    result = {}
    for path in (TRIVIAL_PATH, HOME + UNCACHED, DONATE + UNCACHED, TRANSPARENCY + UNCACHED):
        for _ in range(2):  # warm: templates, URL resolvers, the site's root paths
            once(path)
        samples = [once(path) for _ in range(renders)]
        result[path] = {
            "median_ms": statistics.median(s for s, _ in samples) * 1000,
            "queries": statistics.median(q for _, q in samples),
        }
    out.write_text(json.dumps(result))


# --- The server and the load ---------------------------------------------------------------------


def _wrk(port: int, path: str, seconds: int, connections: int = CONNECTIONS, threads: int = THREADS) -> WrkResult:
    return wrk(port, path, seconds, connections=connections, threads=threads)


def _check(port: int, path: str, cache: str | None = None) -> None:
    status, headers = http_get(port, path)
    if status != 200:
        raise RuntimeError(f"{path} answered {status} (location {headers.get('Location', '-')})")
    if cache is not None and headers.get("X-Page-Cache") != cache:
        raise RuntimeError(f"{path}: X-Page-Cache {headers.get('X-Page-Cache')!r}, expected {cache!r}")


def _static_path(static_root: Path) -> str:
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    return f"/static/{manifest['paths'][STATIC_FILE]}"


def measure(*, quick: bool) -> dict:
    from django.db import connection

    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: scripts/system-deps.sh wrk (make bench does it)")
    scale = "quick" if quick else "full"
    seconds = DURATION[scale]
    tmp = Path(tempfile.mkdtemp(prefix="bench-web-"))
    log = tmp / "web.log"
    env = production_environment(
        database=database_url(connection.settings_dict),
        tmp=tmp,
        broker_url=BROKER_URL,
        cache_url=CACHE_URL,
        # Gifts seeded here queue receipt tasks that no worker takes: a queue of the bench's own.
        queue=f"bench-web-{uuid.uuid4().hex[:8]}",
    )
    connection.close()  # the children use the database; this process does not need it meanwhile
    flush_redis(BROKER_URL, CACHE_URL)
    try:
        # Static files and the demo site are independent: one process each, side by side.
        collect = collectstatic_start(env, tmp)
        began = time.monotonic()
        run_child(["-m", "bench.web", "--prepare"], env, log)
        collectstatic_wait(collect, tmp)
        print(f"web: static files collected, demo site seeded in {time.monotonic() - began:.0f} s", file=sys.stderr)

        inprocess_out = tmp / "inprocess.json"
        run_child(["-m", "bench.web", "--inprocess", str(RENDERS[scale]), str(inprocess_out)], env, log)
        inprocess = json.loads(inprocess_out.read_text())

        with gunicorn(env, log) as port:
            return {"wrk": _load(port, tmp, seconds), "inprocess": inprocess, "seconds": seconds}
    finally:
        flush_redis(BROKER_URL, CACHE_URL)
        shutil.rmtree(tmp, ignore_errors=True)


def _load(port: int, tmp: Path, seconds: int) -> dict[str, WrkResult]:
    static = _static_path(tmp / "static")
    from .urls import TRIVIAL_PATH

    urls = {
        "static": static,
        "trivial": TRIVIAL_PATH,
        "donate cached": DONATE,
        "home cached": HOME,
        "donate uncached": DONATE + UNCACHED,
        "home uncached": HOME + UNCACHED,
        "transparency uncached": TRANSPARENCY + UNCACHED,
    }
    for path in urls.values():
        _check(port, path)
    # Every worker warm (imports, templates) before anything is timed: the rendered pages
    # need it; the static file, the trivial view and cached copies do not.
    for name, path in urls.items():
        if name.endswith(" uncached"):
            _wrk(port, path, 1, connections=WORKERS, threads=1)
    results = {}
    order = [("static before", static), *list(urls.items())[1:], ("static after", static)]
    for name, path in order:
        if name.endswith(" cached"):
            http_get(port, path)  # stored again if it expired meanwhile
            _check(port, path, cache="hit")
        results[name] = _wrk(port, path, seconds)
        print(
            f"web: {name:<22} {results[name].requests_per_second:>8.1f} req/s  "
            f"p50 {results[name].p50_ms:6.1f} ms  p99 {results[name].p99_ms:6.1f} ms",
            file=sys.stderr,
        )
    return results


def rows(result: dict):
    from .urls import TRIVIAL_PATH

    wrk = result["wrk"]
    static_rps = (wrk["static before"].requests_per_second + wrk["static after"].requests_per_second) / 2
    static_p99 = (wrk["static before"].p99_ms + wrk["static after"].p99_ms) / 2
    load = f"{CONNECTIONS} clients"

    def rps(name: str, label: str, target: float | None = None) -> Row:
        return Row(
            name=f"web: {label}, {load}",
            figure=wrk[name].requests_per_second,
            unit="req/s",
            baseline=static_rps,
            baseline_unit="req/s",
            baseline_name="static file",
            target=target,
            direction=">=",
        )

    yield Row(
        name=f"web: failed requests in all runs (4xx/5xx, socket errors, over {TIMEOUT} s)",
        figure=sum(result.errors for result in wrk.values()),
        unit="",
        target=0,
        direction="<=",
    )
    yield rps("trivial", "trivial Django view")
    yield rps("donate cached", f"donation form {DONATE} cached", TARGET_CACHED_DONATE)
    yield Row(
        name=f"web: donation form cached, p99, {load}",
        figure=wrk["donate cached"].p99_ms,
        unit="ms",
        baseline=static_p99,
        baseline_unit="ms",
        baseline_name="static file",
        target=TARGET_CACHED_P99_MS,
        direction="<",
        absolute=True,
    )
    yield rps("home cached", f"home {HOME} cached")
    yield rps("donate uncached", "donation form uncached", TARGET_UNCACHED_DONATE)
    yield rps("home uncached", "home uncached", TARGET_UNCACHED_HOME)
    yield rps("transparency uncached", f"transparency {TRANSPARENCY} uncached")

    inprocess = result["inprocess"]
    trivial_ms = inprocess[TRIVIAL_PATH]["median_ms"]
    for label, path in (("home", HOME), ("donation form", DONATE), ("transparency", TRANSPARENCY)):
        figures = inprocess[path + UNCACHED]
        yield Row(
            name=f"web: {label} uncached render in-process, median",
            figure=figures["median_ms"],
            unit="ms",
            baseline=trivial_ms,
            baseline_unit="ms",
            baseline_name="trivial view",
        )
        yield Row(name=f"web: {label} uncached render, queries", figure=figures["queries"], unit="queries")


def run(*, quick: bool = False):
    """Rows for `python -m bench` (bench/__main__.py), which provides the database."""
    yield from rows(measure(quick=quick))


def main() -> int:
    parser = argparse.ArgumentParser(description="child processes of the web benchmark (run `python -m bench`)")
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--inprocess", nargs=2, metavar=("RENDERS", "OUT"))
    args = parser.parse_args()
    if args.prepare:
        _prepare()
    elif args.inprocess:
        _inprocess(int(args.inprocess[0]), Path(args.inprocess[1]))
    else:
        parser.error("run the web benchmark with `python -m bench --only web`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
