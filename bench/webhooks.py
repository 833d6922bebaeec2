"""Stripe webhooks at volume: signed ``payment_intent.succeeded`` events for pledged card gifts,
POSTed by wrk (bench/webhooks.lua, 2 threads, 16 connections) to gunicorn (4 workers, production
settings, as bench/web.py serves the site) on 127.0.0.1, while a Celery worker (2 processes, as
docs/deploy.md runs it) applies what the webhook stores; then checked for exactly once.

The events (bench/webhook_events.py) are shaped and signed as Stripe sends them, signed just
before the load (Stripe's tolerance is 300 s): one per gift, one in twenty for a PaymentIntent
no gift of ours started, and one request in ten an exact repeat of one a few places back, so
that the two are often in flight at once. The file holds more events than the load can send
(CAP events/s); a check fails if a thread ran out of them.

Figures (targets in docs/performance.md):
- events answered 2xx per second during the load; the baseline, the trivial Django view through
  the same gunicorn, loaded before the events and after everything is done, averaged. Target:
  at least 300 events/s;
- events applied by the worker per second, from the first stored to the last applied (the
  database's clock). Target: at least 300 events/s;
- the checks, all of which must pass (bench/webhook_checks.py): every event answered stored,
  none stored that was not sent, none answered as new twice; every stored event applied; each
  gift received once with one posting and its CardPayment succeeded; the repeats answered
  "duplicate"; the events of no gift applied and naming no gift; one receipt per gift received,
  issued by the worker, and one email per gift that asked for it (to an SMTP server run here);
  check_ledger finds nothing; and in the in-process run, no PDF rendered, no SMTP connection and
  no receipt or delivery row made by the requests;
- in a process of its own (django.test.Client, production settings): one event stored, median
  ms against the trivial view's and queries; a repeat; then the stored events applied by
  ``stripe_events_apply``, ms and queries per event.

Runs in `python -m bench` (bench/__main__.py), which provides the database (a copy only this
benchmark uses); ``--prepare`` and ``--inprocess`` are its child processes' entry points.
Redis databases 7 (broker) and 8 (cache) are flushed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from .server import (
    TIMEOUT,
    collectstatic_start,
    collectstatic_wait,
    flush_redis,
    gunicorn,
    http_post,
    production_environment,
    run_child,
    wrk,
    wrk_output,
)
from .support import database_url
from .table import Row, parse_wrk
from .webhook_children import FUND_CODE, WEBHOOK_PATH, inprocess, prepare
from .webhook_events import Gift, read_answers, read_issued, write_requests

CONNECTIONS = 16
THREADS = 2
DURATION = {"full": 10, "quick": 3}  # seconds of load
CAP = 1000  # events/s the request file is sized for
INPROCESS = {"full": 200, "quick": 40}  # events through django.test.Client
DUPLICATE_EVERY = 10
UNKNOWN_EVERY = 20
BROKER_URL = "redis://127.0.0.1:6379/7"
CACHE_URL = "redis://127.0.0.1:6379/8"
TARGET_EVENTS_PER_SECOND = 300
CELERY_CONCURRENCY = 2  # one worker node, two processes, as tests/worker and docs/deploy.md run it
LUA = Path(__file__).with_name("webhooks.lua")


# --- The load ------------------------------------------------------------------------------------


def _warm(port: int, secret: str) -> set[str]:
    """Each gunicorn worker has run the webhook before the clock starts: events of no gift."""
    from .webhook_events import payment_intent, sign, succeeded_event

    warmed = set()
    for number in range(24):
        now = int(time.time())
        event_id = f"evt_warm{now}{number:03d}"
        intent = payment_intent(intent_id=f"pi_warm{now}{number:03d}", amount=1, reference=None, created=now)
        body = json.dumps(succeeded_event(event_id=event_id, intent=intent, created=now), indent=2).encode()
        status = http_post(port, WEBHOOK_PATH, body, {"Stripe-Signature": sign(body, secret, now)})
        if status != 200:
            raise RuntimeError(f"the webhook answered {status} to a warm-up event")
        warmed.add(event_id)
    return warmed


def measure(*, quick: bool) -> dict:
    from django.db import connection

    from .urls import TRIVIAL_PATH
    from .webhook_checks import applied_rate, load_checks, receipt_checks, wait_applied, workers

    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: scripts/system-deps.sh wrk (make bench does it)")
    scale = "quick" if quick else "full"
    seconds = DURATION[scale]
    tmp = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    log = tmp / "webhooks.log"
    secret = "whsec_bench_" + secrets.token_hex(16)
    queue = f"bench-webhooks-{uuid.uuid4().hex[:8]}"
    env = production_environment(
        database=database_url(connection.settings_dict),
        tmp=tmp,
        broker_url=BROKER_URL,
        cache_url=CACHE_URL,
        queue=queue,
        STRIPE_WEBHOOK_SECRET=secret,
    )
    connection.close()  # the children use the database; this process does not need it meanwhile
    flush_redis(BROKER_URL, CACHE_URL)
    try:
        began = time.monotonic()
        collect = collectstatic_start(env, tmp)  # receipts' PDFs need the static files; side by side
        count = int(CAP * seconds * (1 - 1 / DUPLICATE_EVERY) * (1 - 1 / UNKNOWN_EVERY))
        run_child(["-m", "bench.webhooks", "--prepare", str(count), str(tmp / "gifts.json")], env, log)
        collectstatic_wait(collect, tmp)
        gifts = [Gift(*row) for row in json.loads((tmp / "gifts.json").read_text())]
        print(f"webhooks: {len(gifts)} pledged card gifts in {time.monotonic() - began:.0f} s", file=sys.stderr)

        with workers(env, tmp, concurrency=CELERY_CONCURRENCY) as smtp, gunicorn(env, log) as port:
            warmed = _warm(port, secret)
            wait_applied(timeout=60)
            wrk(port, TRIVIAL_PATH, 1, connections=CONNECTIONS, threads=THREADS)  # warm
            before = wrk(port, TRIVIAL_PATH, seconds, connections=CONNECTIONS, threads=THREADS)
            requests = tmp / "requests.txt"
            plan = write_requests(
                requests,
                gifts,
                secret=secret,
                now=int(time.time()),
                duplicate_every=DUPLICATE_EVERY,
                unknown_every=UNKNOWN_EVERY,
            )
            report = wrk_output(
                port,
                WEBHOOK_PATH,
                seconds,
                connections=CONNECTIONS,
                threads=THREADS,
                script=LUA,
                script_args=(str(requests), str(THREADS), str(tmp / "answers-")),
            )
            wait_applied(timeout=120 + 2 * seconds * CAP / 100)
            applied = applied_rate(exclude=warmed)
            load = parse_wrk(report)
            answers = read_answers([tmp / f"answers-{n}" for n in range(THREADS)])
            issued = read_issued(report)
            print(
                f"webhooks: {load.requests_per_second:.0f} req/s, answers by status {dict(answers.statuses)}; "
                f"{applied['events']} events applied at {applied['per_second']:.0f}/s",
                file=sys.stderr,
            )
            checks = load_checks(
                plan=plan,
                answers=answers,
                issued=issued,
                warmed=warmed,
                fund_code=FUND_CODE,
                unanswered_at_most=CONNECTIONS,
            )
            checks.update(receipt_checks(smtp=smtp, fund_code=FUND_CODE))
            after = wrk(port, TRIVIAL_PATH, seconds, connections=CONNECTIONS, threads=THREADS)
        print(
            f"webhooks: trivial view {before.requests_per_second:.0f} / {after.requests_per_second:.0f} req/s",
            file=sys.stderr,
        )
        inprocess_out = tmp / "inprocess.json"
        inprocess_env = {**env, "CELERY_TASK_DEFAULT_QUEUE": queue + "-inprocess"}
        child = ["-m", "bench.webhooks", "--inprocess", str(INPROCESS[scale]), str(inprocess_out)]
        run_child(child, inprocess_env, log)
        inprocess = json.loads(inprocess_out.read_text())
        checks["nothing rendered or emailed in a request (in-process)"] = (
            inprocess["pdfs"] == inprocess["smtp"] == inprocess["receipt_rows"] == inprocess["delivery_rows"] == 0
        )
        for name, ok in checks.items():
            print(f"webhooks:   {name:<66} {'ok' if ok else 'FAILED'}", file=sys.stderr)
        return {
            "events_per_second": load.requests_per_second * answers.ok / max(load.requests, 1),
            "applied_per_second": applied["per_second"],
            "failed": load.errors + (load.requests - answers.ok),
            "p99_ms": load.p99_ms,
            "trivial_rps": (before.requests_per_second + after.requests_per_second) / 2,
            "checks": checks,
            "inprocess": inprocess,
            "seconds": seconds,
        }
    finally:
        flush_redis(BROKER_URL, CACHE_URL)
        if os.environ.get("BENCH_KEEP_FILES") == "1":
            print(f"webhooks: files kept in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def rows(result: dict):
    load = f"{CONNECTIONS} clients"
    yield Row(
        name=f"webhooks: signed events answered 2xx, {load}",
        figure=result["events_per_second"],
        unit="events/s",
        baseline=result["trivial_rps"],
        baseline_unit="req/s",
        baseline_name="trivial view",
        target=TARGET_EVENTS_PER_SECOND,
        direction=">=",
        absolute=True,
    )
    yield Row(
        name=f"webhooks: events applied by the workers ({CELERY_CONCURRENCY} processes), first stored to last applied",
        figure=result["applied_per_second"],
        unit="events/s",
        target=TARGET_EVENTS_PER_SECOND,
        direction=">=",
        absolute=True,
    )
    yield Row(
        name="webhooks: events/s as a share of the trivial view's req/s",
        figure=result["events_per_second"],
        unit="events/s",
        baseline=result["trivial_rps"],
        baseline_unit="req/s",
        baseline_name="trivial view",
    )
    yield Row(name=f"webhooks: p99, {load}", figure=result["p99_ms"], unit="ms")
    yield Row(
        name=f"webhooks: failed requests (non-2xx, socket errors, over {TIMEOUT} s)",
        figure=result["failed"],
        unit="",
        target=0,
        direction="<=",
    )
    checks = result["checks"]
    yield Row(
        name="webhooks: exactly-once checks passed",
        figure=sum(checks.values()),
        unit=f"of {len(checks)}",
        target=len(checks),
        direction=">=",
    )
    inprocess = result["inprocess"]
    yield Row(
        name="webhooks: one event stored in-process, median",
        figure=inprocess["median_ms"],
        unit="ms",
        baseline=inprocess["trivial_ms"],
        baseline_unit="ms",
        baseline_name="trivial view",
    )
    yield Row(name="webhooks: queries per event stored", figure=inprocess["queries"], unit="queries")
    yield Row(
        name="webhooks: applying stored events in batches in-process, per event",
        figure=inprocess["apply_ms"],
        unit="ms",
        baseline=inprocess["trivial_ms"],
        baseline_unit="ms",
        baseline_name="trivial view",
    )
    yield Row(name="webhooks: queries per event applied in batches", figure=inprocess["apply_queries"], unit="queries")
    yield Row(
        name="webhooks: a repeated event in-process, median",
        figure=inprocess["repeat_median_ms"],
        unit="ms",
        baseline=inprocess["trivial_ms"],
        baseline_unit="ms",
        baseline_name="trivial view",
    )


def run(*, quick: bool = False):
    """Rows for `python -m bench` (bench/__main__.py), which provides the database."""
    yield from rows(measure(quick=quick))


def main() -> int:
    parser = argparse.ArgumentParser(description="child processes of the webhook benchmark (run `python -m bench`)")
    parser.add_argument("--prepare", nargs=2, metavar=("COUNT", "OUT"))
    parser.add_argument("--inprocess", nargs=2, metavar=("COUNT", "OUT"))
    args = parser.parse_args()
    if args.prepare:
        prepare(int(args.prepare[0]), Path(args.prepare[1]))
    elif args.inprocess:
        inprocess(int(args.inprocess[0]), Path(args.inprocess[1]))
    else:
        parser.error("run the webhook benchmark with `python -m bench --only webhooks`")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.web_settings")
    sys.exit(main())
