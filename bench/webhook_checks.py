"""The webhook benchmark's exactly-once checks (bench/webhooks.py), read from the database the
load wrote, the answers wrk received and the Celery queue, then from what two real workers and an
SMTP server run here make of the queued receipts. Each check is a name and True or False."""

from __future__ import annotations

import email.parser
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .server import ROOT
from .webhook_events import Answers, Plan


def _sent_events(plan: Plan, issued: dict[int, tuple[int, int]]) -> set[str]:
    """The events wrk may have sent: a thread takes every n-th line in order (wrk also asks the
    first thread for one request it never sends, to check the script: a superset, then)."""
    threads = len(issued)
    return {event for number, (count, _) in issued.items() for event in plan.event_ids[number::threads][:count]}


def load_checks(
    *,
    plan: Plan,
    answers: Answers,
    issued: dict[int, tuple[int, int]],
    warmed: set[str],
    fund_code: str,
    unanswered_at_most: int,
) -> dict[str, bool]:
    from django.db.models import Count, Q

    from fund.models import Donation, Posting
    from payments.models import CardPayment, StripeEvent

    sent = _sent_events(plan, issued)
    answered = set(answers.first_deliveries) | set(answers.duplicates)
    stored_rows = StripeEvent.objects.exclude(stripe_id__in=warmed)
    stored = dict(stored_rows.values_list("stripe_id", "processed_at"))
    attention = set(stored_rows.exclude(attention="").values_list("stripe_id", flat=True))
    unknown_outcomes = list(stored_rows.filter(stripe_id__in=plan.unknown_events).values_list("outcome", flat=True))
    gifts = Donation.objects.filter(fund__code=fund_code)
    received = dict(
        gifts.filter(status=Donation.Status.RECEIVED)
        .annotate(receipt_postings=Count("postings", filter=Q(postings__kind=Posting.Kind.DONATION_RECEIVED)))
        .values_list("reference", "receipt_postings")
    )
    paid_by_stored = {plan.gift_of_event[event] for event in stored if event in plan.gift_of_event}
    card_succeeded = set(
        CardPayment.objects.filter(donation__fund__code=fund_code, status=CardPayment.Status.SUCCEEDED).values_list(
            "donation__reference", flat=True
        )
    )
    other_postings = Posting.objects.filter(fund__code=fund_code).exclude(donation__status=Donation.Status.RECEIVED)
    return {
        "every request answered 2xx": sum(answers.statuses.values()) == answers.ok and answers.unreadable == 0,
        "the event file was not exhausted (no repeat beyond the plan)": all(w == 0 for _, w in issued.values()),
        "every event answered stored, none it was not sent": answered <= set(stored) <= sent,
        "no event answered as new twice": max(answers.first_deliveries.values(), default=1) == 1,
        "events answered as new are the events stored": (
            set(answers.first_deliveries) <= set(stored)
            and len(stored) - len(answers.first_deliveries) <= unanswered_at_most
        ),
        "repeats answered as duplicates of stored events": (
            set(answers.duplicates) <= set(stored) and (sum(answers.duplicates.values()) > 0 or not plan.repeats)
        ),
        "every stored event applied by the workers, none needs a person": all(stored.values()) and not attention,
        "gifts received = gifts whose event was stored": set(received) == paid_by_stored,
        "one posting per gift received, none for the rest": (
            set(received.values()) <= {1} and not other_postings.exists()
        ),
        "card payments succeeded = gifts received": card_succeeded == set(received),
        "events of no gift stored, applied, and naming no gift": (
            bool(unknown_outcomes)
            and all(outcome.startswith("No one-off gift is paid by") for outcome in unknown_outcomes)
        ),
    }


class _CountingSMTP:
    """Counts what arrives by Message-ID; reads the headers only."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.message_ids: Counter[str] = Counter()
        self._parser = email.parser.BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        headers = self._parser.parsebytes(envelope.content)
        with self.lock:
            self.message_ids[headers.get("Message-ID", "")] += 1
        return "250 Message accepted"


def _start_worker(env: dict, queue: str, log_path: Path, concurrency: int) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(  # noqa: S603 - our own interpreter
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
            f"--concurrency={concurrency}",
            "--loglevel=INFO",  # "ready." is an INFO line
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while "ready." not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"celery worker not ready:\n{log_path.read_text()[-4000:]}")
        time.sleep(0.2)
    return process


@contextmanager
def workers(env: dict, log_dir: Path, *, concurrency: int) -> Iterator[_CountingSMTP]:
    """A Celery worker (prefork, ``concurrency`` processes) on the benchmark's queue, as
    production runs one, sending mail to an SMTP server run here; yields the server's counts."""
    from aiosmtpd.controller import Controller

    from .support import free_port

    handler = _CountingSMTP()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        worker = _start_worker(
            {**env, "EMAIL_URL": f"smtp://127.0.0.1:{port}"},
            env["CELERY_TASK_DEFAULT_QUEUE"],
            log_dir / "worker.log",
            concurrency,
        )
        try:
            yield handler
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    finally:
        controller.stop()


def wait_applied(*, timeout: float) -> None:
    """Until no stored card event waits for a worker (or ``timeout`` seconds)."""
    from payments.models import StripeEvent
    from payments.services.stripe_queue import QUEUED_TYPES

    deadline = time.monotonic() + timeout
    pending = StripeEvent.objects.filter(type__in=QUEUED_TYPES, processed_at__isnull=True)
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(0.2)


def applied_rate(*, exclude: set[str]) -> dict:
    """Events stored by the load and applied by the workers, per second from the first stored
    to the last applied (the database's clock for both)."""
    from django.db.models import Count, Max, Min

    from payments.models import StripeEvent

    rows = StripeEvent.objects.exclude(stripe_id__in=exclude).filter(processed_at__isnull=False)
    span = rows.aggregate(first=Min("received_at"), last=Max("processed_at"), count=Count("id"))
    seconds = (span["last"] - span["first"]).total_seconds() if span["count"] else 0
    return {"events": span["count"], "seconds": seconds, "per_second": span["count"] / seconds if seconds else 0}


STALLED = 60  # seconds without a new receipt or email: the workers are stuck, not slow
RECEIPTS_AT_MOST = 1800


def receipt_checks(*, smtp: _CountingSMTP, fund_code: str) -> dict[str, bool]:
    """What the workers make of the receipt tasks the gifts queued: one receipt per gift received,
    one email per gift that asked for it, each sent once; then check_ledger."""
    from django.db.models import Count

    from fund.models import Donation
    from fund.selectors.ledger_checks import ledger_problems
    from receipts.models import Receipt, ReceiptDelivery

    received = Donation.objects.filter(fund__code=fund_code, status=Donation.Status.RECEIVED)
    expected_receipts = received.count()
    expected_emails = received.filter(receipt_by_email=True).count()
    # The workers render and email a receipt per gift after applying the events (10-20 a second
    # on two processes here), so at full scale that takes minutes: wait while they make progress,
    # and give up only when nothing has moved for a minute (or after half an hour).
    began = last_progress = time.monotonic()
    seen = (-1, -1)
    while time.monotonic() - last_progress < STALLED and time.monotonic() - began < RECEIPTS_AT_MOST:
        now = (Receipt.objects.count(), ReceiptDelivery.objects.filter(status=ReceiptDelivery.Status.SENT).count())
        if now[0] >= expected_receipts and now[1] >= expected_emails:
            break
        if now != seen:
            seen, last_progress = now, time.monotonic()
        time.sleep(0.5)
    time.sleep(1)  # anything sent twice has a moment to arrive
    elapsed = time.monotonic() - began
    print(
        f"webhooks: {Receipt.objects.count()} receipts and {sum(smtp.message_ids.values())} emails "
        f"{elapsed:.0f} s after the last event was applied ({Receipt.objects.count() / elapsed:.1f} receipts/s)",
        file=sys.stderr,
    )
    per_gift = received.annotate(receipt_count=Count("receipts")).values_list("receipt_count", flat=True)
    deliveries = ReceiptDelivery.objects.all()
    twice = sum(1 for count in smtp.message_ids.values() if count > 1)
    by_status = dict(deliveries.values_list("status").annotate(n=Count("id")).order_by())
    print(
        f"webhooks: expected {expected_receipts} receipts and {expected_emails} emails; deliveries by status "
        f"{by_status}; {len(smtp.message_ids)} messages, {twice} of them more than once",
        file=sys.stderr,
    )
    return {
        "one receipt per gift received, by the workers": set(per_gift) <= {1}
        and Receipt.objects.count() == expected_receipts,
        "one email per gift that asked, each sent once": (
            deliveries.count() == deliveries.filter(status=ReceiptDelivery.Status.SENT).count() == expected_emails
            and sum(smtp.message_ids.values()) == len(smtp.message_ids) == expected_emails
        ),
        "check_ledger finds nothing": not ledger_problems().problems,
    }
