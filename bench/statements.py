"""Annual statements end to end: N donors with one or two gifts each, then
`issue_annual_receipts` hands them to two real Celery workers (Redis broker, PostgreSQL), which
issue every statement, render its PDF and email it to a local SMTP server run here.

    python -m bench.statements --count 500

Needs Redis (CELERY_BROKER_URL, default redis://127.0.0.1:6379/0) and a PostgreSQL server
(DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres) that the workers can
reach; the bench creates and drops its own database (bench_statements) there. It fails unless:
one valid statement per donor, numbers 1..N with no gap, N messages received, no Message-ID
twice, every delivery sent. It reports the wall time from dispatch to the last message.

In `python -m bench` (`make bench`: FULL_COUNT donors, `--quick`: QUICK_COUNT) it runs as a
child process on the runner's copy of the database, and its figures join the one table: wall
time per statement against WeasyPrint's price for an empty page measured in the runner.
"""

from __future__ import annotations

import argparse
import datetime
import email.parser
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from .support import database_url, free_port

ROOT = Path(__file__).resolve().parents[1]
# Its own database on the server, unless BENCH_STATEMENTS_DATABASE names another (two checkouts
# benchmarking on one server at once).
DATABASE_NAME = os.environ.get("BENCH_STATEMENTS_DATABASE", "bench_statements")
WORKERS = 2
CREATE_BATCH = 200
# Scales for `python -m bench` (the command line's own default is 10,000, the appeal's size).
FULL_COUNT = 1_000
QUICK_COUNT = 100  # two tasks of 50 (STATEMENTS_PER_TASK): both workers busy
# Wall time per statement (issued, rendered, emailed; two workers) at most 20 empty-page
# renders: an appeal's 10,000 donors then get their statements within half an hour on two
# workers (180 ms each) as long as an empty page costs under 9 ms, as it does here (6-9 ms).
TARGET_RATIO = 20


def _setdefault_environment() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")


def _smtp_settings(port: int) -> None:
    """Send through the bench's SMTP server (test settings would keep mail in memory)."""
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 30


def worker_main(args) -> None:
    """One Celery worker node (prefork, one child) with mail going to the bench's server. With
    --profile DIR it runs its tasks in its own process (solo pool) under cProfile and writes
    DIR/<node>.prof when stopped: where a statement's time goes, task by task."""
    import django

    django.setup()
    _smtp_settings(args.smtp_port)
    from config.celery import app

    argv = [
        "worker",
        "-n",
        f"{args.node}@%h",
        "-Q",
        os.environ["CELERY_TASK_DEFAULT_QUEUE"],
        "--pool=solo" if args.profile else "--pool=prefork",
        "--concurrency=1",
        "--loglevel=INFO",  # "ready." is an INFO line
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if not args.profile:
        app.worker_main(argv)
        return
    import cProfile

    profile = cProfile.Profile()
    profile.enable()
    try:
        app.worker_main(argv)
    finally:
        profile.disable()
        profile.dump_stats(Path(args.profile) / f"{args.node}.prof")


# --- The SMTP server -----------------------------------------------------------------------------


class CountingHandler:
    """Counts what arrives, by Message-ID and by recipient; reads the headers only."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.message_ids: Counter[str] = Counter()
        self.recipients: Counter[str] = Counter()
        self.messages = 0
        self.last_at = 0.0
        self._parser = email.parser.BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        headers = self._parser.parsebytes(envelope.content)
        with self.lock:
            self.messages += 1
            self.message_ids[headers.get("Message-ID", "")] += 1
            for recipient in envelope.rcpt_tos:
                self.recipients[recipient] += 1
            self.last_at = time.monotonic()
        return "250 Message accepted"


# --- Data ----------------------------------------------------------------------------------------


def _create_donors(count: int, start: datetime.date, end: datetime.date) -> int:
    """Donors (who agreed to email) with one or two received gifts each, through the services.
    Gift receipts are not issued: the bench measures statements, and gift receipt emails would
    be counted with them."""
    from django.db import transaction
    from django.utils import timezone

    from donors.services import donor_create
    from fund.services import donation_record, fund_create
    from fund.signals import donation_received
    from receipts.signals import issue_on_receive

    donation_received.disconnect(dispatch_uid="receipts.issue_on_receive")
    funds = [
        fund_create(name="Children's Protection Fund", code="CPF"),
        fund_create(name="Social Protection Fund", code="SPF"),
    ]
    rng = random.Random(2026)
    zone = timezone.get_default_timezone()
    days = (end - start).days + 1
    gifts = 0
    for first in range(0, count, CREATE_BATCH):
        with transaction.atomic():
            for index in range(first, min(first + CREATE_BATCH, count)):
                donor = donor_create(
                    kind="person" if index % 7 else "organisation",
                    name=f"Nhà hảo tâm {index:05d}",
                    email=f"donor{index:05d}@example.org",
                    preferred_language="en" if index % 5 == 0 else "vi",
                    consent_receipts_by_email=True,
                )
                for _ in range(1 + (index % 2)):
                    day = start + datetime.timedelta(days=rng.randrange(days))
                    received_at = datetime.datetime.combine(day, datetime.time(rng.randrange(7, 20)), tzinfo=zone)
                    fund = funds[rng.randrange(2)]
                    if rng.random() < 0.2:
                        donation_record(
                            fund=fund,
                            donor=donor,
                            kind="supplies",
                            channel="in_kind_delivery",
                            lines=[
                                {
                                    "description": "Vở học sinh",
                                    "quantity": "50",
                                    "unit": "quyển",
                                    "fair_value": "400000",
                                }
                            ],
                            received_at=received_at,
                        )
                    else:
                        amount = rng.choice(["200000", "500000", "1000000", "5000000", "20000000"])
                        donation_record(
                            fund=fund,
                            donor=donor,
                            kind="cash",
                            channel="bank_transfer",
                            amount=amount,
                            received_at=received_at,
                        )
                    gifts += 1
    donation_received.connect(issue_on_receive, dispatch_uid="receipts.issue_on_receive")
    return gifts


# --- Workers -------------------------------------------------------------------------------------


def _start_workers(
    database_url: str, smtp_port: int, logdir: Path, profile: str = ""
) -> list[tuple[subprocess.Popen, Path]]:
    workers = []
    for number in range(1, WORKERS + 1):
        log_path = logdir / f"worker{number}.log"
        log = open(log_path, "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "bench.statements",
                "--worker",
                "--node",
                f"bench{number}",
                "--smtp-port",
                str(smtp_port),
                *(["--profile", profile] if profile else []),
            ],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        workers.append((process, log_path))
    deadline = time.monotonic() + 90
    try:
        for process, log_path in workers:
            while "ready." not in log_path.read_text():
                if process.poll() is not None:
                    raise RuntimeError(f"worker exited early:\n{log_path.read_text()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"worker not ready after 90 s:\n{log_path.read_text()}")
                time.sleep(0.2)
    except BaseException:
        _stop_workers(workers)
        raise
    return workers


def _cpu_seconds(workers) -> float:
    """User and system CPU time the workers (each node and its pool processes) have used so far."""
    import psutil

    total = 0.0
    for process, _ in workers:
        try:
            node = psutil.Process(process.pid)
            for member in [node, *node.children(recursive=True)]:
                times = member.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def _own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _stop_workers(workers) -> None:
    for process, _ in workers:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process, _ in workers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


# --- The run -------------------------------------------------------------------------------------


def measure(count: int, timeout: float, profile: str = "") -> dict:
    from aiosmtpd.controller import Controller
    from django.core.management import CommandError, call_command
    from django.db import connection
    from django.db.models import Count, Q
    from django.utils import timezone

    from receipts.fiscal import fiscal_year_bounds, fiscal_year_of
    from receipts.models import Receipt, ReceiptCounter, ReceiptDelivery

    year = fiscal_year_of(timezone.localdate()) - 1
    start, end = fiscal_year_bounds(year)

    began = time.monotonic()
    gifts = _create_donors(count, start, end)
    created = time.monotonic() - began
    print(f"created {count} donors and {gifts} received gifts in {created:.1f} s ({gifts / created:.0f} gifts/s)")

    handler = CountingHandler()
    smtp_port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    logdir = Path(tempfile.mkdtemp(prefix="bench-statements-"))
    workers = _start_workers(database_url(connection.settings_dict), smtp_port, logdir, profile)
    print(f"{WORKERS} workers ready (logs in {logdir}); SMTP server on 127.0.0.1:{smtp_port}")
    try:
        cpu_before, own_before = _cpu_seconds(workers), _own_cpu_seconds()
        began = time.monotonic()
        try:
            call_command(
                "issue_annual_receipts", str(year), "--timeout", str(timeout), "--interval", "2", stdout=sys.stdout
            )
        except CommandError as exc:  # a timeout still gets its checks below
            print(f"issue_annual_receipts: {exc}")
        deadline = time.monotonic() + 60
        while handler.messages < count and time.monotonic() < deadline:
            time.sleep(0.2)
        wall = (handler.last_at or time.monotonic()) - began
        worker_cpu = _cpu_seconds(workers) - cpu_before
        own_cpu = _own_cpu_seconds() - own_before
    finally:
        _stop_workers(workers)
        controller.stop()

    statements = Receipt.objects.filter(kind="statement", period_start=start, period_end=end)
    valid = statements.filter(status="valid")
    sequences = sorted(statements.values_list("sequence", flat=True))
    issue_year = fiscal_year_of(timezone.localdate())
    counter = ReceiptCounter.objects.filter(series="CTS", fiscal_year=issue_year).values_list("last_number", flat=True)
    deliveries = ReceiptDelivery.objects.filter(receipt__in=statements).aggregate(
        total=Count("id"),
        sent=Count("id", filter=Q(status="sent")),
        failed=Count("id", filter=Q(status="failed")),
        retried=Count("id", filter=Q(attempts__gt=1)),
    )
    duplicates = sum(1 for seen in handler.message_ids.values() if seen > 1)
    checks = {
        "statements == donors": valid.count() == count == statements.count(),
        "numbers 1..N, no gap": sequences == list(range(1, count + 1)) and list(counter) == [count],
        "messages received == N": handler.messages == count,
        "one message per donor": len(handler.recipients) == count and max(handler.recipients.values()) == 1,
        "no duplicate Message-ID": duplicates == 0 and len(handler.message_ids) == count,
        "no failed delivery": deliveries["failed"] == 0 and deliveries["sent"] == count == deliveries["total"],
    }
    print(
        f"statements {valid.count()}/{count}, numbers {sequences[:1]}..{sequences[-1:]}, "
        f"messages {handler.messages} ({len(handler.message_ids)} distinct Message-IDs), deliveries "
        f"{deliveries['sent']} sent / {deliveries['failed']} failed / {deliveries['retried']} retried"
    )
    for name, ok in checks.items():
        print(f"  {name:<28} {'ok' if ok else 'FAILED'}")
    print(
        f"wall time {wall:.1f} s for {count} statements issued, rendered and emailed by {WORKERS} workers: "
        f"{count / wall:.1f} statements/s ({wall / count * 1000:.0f} ms each; "
        f"projected {10_000 / (count / wall) / 60:.1f} min for 10,000)"
    )
    print(
        f"CPU time: workers {worker_cpu:.1f} s ({worker_cpu / count * 1000:.0f} ms per statement), this process "
        f"(SMTP server, command) {own_cpu:.1f} s ({own_cpu / count * 1000:.0f} ms per statement)"
    )
    return {"count": count, "wall": wall, "worker_cpu": worker_cpu, "own_cpu": own_cpu, "checks": checks}


def _empty_page_ms(repeat: int = 20) -> float:
    """WeasyPrint's price for an empty page in a warm process (same renderer as every receipt)."""
    from receipts.pdf import pdf_from_html

    from .support import median_ms, timed

    minimal = "<!doctype html><html lang=vi><title>x</title><p>Biên nhận</p></html>"
    for _ in range(3):
        pdf_from_html(minimal)
    return median_ms([timed(pdf_from_html, minimal) for _ in range(repeat)])


def run(*, quick: bool = False):
    """Rows for `python -m bench`: the statements run in a child process (its own Celery queue and
    broker settings) on the runner's copy of the database, then its figures become rows."""
    from django.db import connection

    from .table import Row

    count = QUICK_COUNT if quick else FULL_COUNT
    before = _empty_page_ms()
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict)}
        command = [
            sys.executable,
            "-m",
            "bench.statements",
            "--count",
            str(count),
            "--use-database",
            "--json",
            out.name,
        ]
        subprocess.run(command, cwd=ROOT, env=env, check=False, timeout=3600)  # noqa: S603 - our own module
        text = Path(out.name).read_text()
    if not text:
        raise RuntimeError("bench.statements wrote no result (see its output above)")
    result = json.loads(text)
    baseline = (before + _empty_page_ms()) / 2  # before and after: the machine may change meanwhile
    passed = sum(result["checks"].values())
    yield Row(
        name=f"statements: wall time per statement, {count} donors, {WORKERS} workers",
        figure=result["wall"] / count * 1000,
        unit="ms",
        baseline=baseline,
        baseline_unit="ms",
        baseline_name="empty page",
        target=TARGET_RATIO,
        direction="<=",
    )
    yield Row(
        name="statements: checks passed (numbers, messages, deliveries)",
        figure=passed,
        unit=f"of {len(result['checks'])}",
        target=len(result["checks"]),
        direction=">=",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="donors (default 10,000)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the workers")
    parser.add_argument("--keep-db", action="store_true", help="leave the bench database for inspection")
    parser.add_argument("--use-database", action="store_true", help="use DATABASE_URL's database as it is")
    parser.add_argument("--json", help="also write the result to this file")
    parser.add_argument("--profile", default="", help="profile the workers (solo pool) into this directory")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--node", default="bench", help=argparse.SUPPRESS)
    parser.add_argument("--smtp-port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    _setdefault_environment()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows in a log file as it happens
    if args.worker:
        worker_main(args)
        return 0

    if not args.use_database:
        os.environ["TEST_DATABASE_NAME"] = DATABASE_NAME
    # A queue of its own: a development worker on the same Redis never takes the bench's tasks.
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"bench-statements-{uuid.uuid4().hex[:8]}"
    import django

    django.setup()
    from django.db import connection

    # Stopped with a signal (even from a background shell, which ignores SIGINT), the workers
    # are stopped and the database dropped all the same.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda number, frame: sys.exit(128 + number))
    if args.use_database:
        result = measure(args.count, args.timeout, args.profile)
    else:
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            result = measure(args.count, args.timeout, args.profile)
        finally:
            if not args.keep_db:
                connection.creation.destroy_test_db(old_name, verbosity=0)
    if args.json:
        Path(args.json).write_text(json.dumps(result))
    return 0 if all(result["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
