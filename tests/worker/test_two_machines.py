"""More than one machine: two gunicorn processes (two web servers behind a load balancer, each on
its own port), two Celery workers and beat, all on one PostgreSQL database and one Redis, as
docs/deploy.md runs them. Donors give through both web processes (donation form posts, card
payments started on the pay page and paid at localstripe); each card payment's event reaches the
webhook three times: from localstripe, and from us to both web processes at the same moment. A
bank statement paying the transfers is imported by `manage.py bank_import`, twice at once (two
more processes). Then every gift is received once, posted once, receipted once and emailed once.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from fund.models import Donation, Posting
from fund.selectors.ledger_checks import ledger_problems
from fund.services import fund_create
from payments.models import BankTransaction, CardPayment, StripeEvent
from receipts.models import Receipt, ReceiptDelivery
from tests.cms.test_donate_flow import gift_form
from tests.payments.stripe.conftest import sign
from tests.support.localstripe import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET
from tests.support.site import donate_page_build

from .conftest import ROOT, database_url, start_process, stop_process, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CARD_GIFTS = 4
TRANSFER_GIFTS = 4


@pytest.fixture
def machines(broker, restore_migrated_rows_after_flush, transactional_db, smtp_server, localstripe, tmp_path):
    """Two web processes, two workers and beat on the test database and one Redis; yields the
    web processes' base URLs and the environment a further process (a command) runs with."""
    from config.celery import app

    queue = f"test-machines-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        # One Redis for the broker and the shared cache, as a small deployment runs them.
        "CACHE_URL": broker,
        "CONN_MAX_AGE": "600",  # as production keeps them
        "EMAIL_URL": smtp_server.url,
        "STRIPE_API_BASE": localstripe.url,
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        # Every donor here comes from 127.0.0.1, and the cache outlives the test.
        "PUBLIC_PAGE_CACHE_SECONDS": "0",
        "DONATE_RATE_IP": "1000/h",
        "DONATE_RATE_SESSION": "1000/h",
        "PAY_RATE_IP": "1000/h",
    }
    python = sys.executable
    started = []

    def start(name, argv, ready):
        process = start_process(argv, env, tmp_path / f"{name}.log", ready)
        started.append(process)
        return process

    ports = [_free_port() for _ in range(2)]
    app.conf.task_default_queue = queue  # what this process queues goes to the same workers
    app.conf.task_always_eager = False
    try:
        with ThreadPoolExecutor(5) as pool:  # they start side by side: imports take seconds each
            jobs = [
                pool.submit(
                    start,
                    f"web{n}",
                    [python, "-m", "gunicorn", "config.wsgi:application", "--workers", "1"]
                    + ["--bind", f"127.0.0.1:{port}", "--timeout", "60"],
                    lambda text: "Booting worker" in text,
                )
                for n, port in enumerate(ports, 1)
            ]
            jobs += [
                pool.submit(
                    start,
                    f"worker{n}",
                    [python, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-n", f"w{n}-{queue}@%h"]
                    + ["--pool=prefork", "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle"],
                    lambda text: "ready." in text,
                )
                for n in (1, 2)
            ]
            jobs.append(
                pool.submit(
                    start,
                    "beat",
                    [python, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO"]
                    + ["--schedule", str(tmp_path / "beat-schedule")],
                    lambda text: "beat: Starting..." in text,
                )
            )
            for job in jobs:
                job.result()
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url in urls:
            assert wait_for(lambda url=url: _healthy(url), timeout=60), f"{url}/healthz never answered 200"
        yield urls, env
    finally:
        app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        for process in started:
            stop_process(process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _give(url: str, number: int, channel: str) -> None:
    """A donor fills in the donation form (and, giving by card, opens the pay page)."""
    session = requests.Session()
    page = session.get(f"{url}/cpf/ung-ho/", timeout=30)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    data = gift_form(
        payment_method=channel,
        amount=f"{200 + number}.000",
        name=f"Nhà hảo tâm {number}",
        email=f"donor{number}@example.org",
        csrfmiddlewaretoken=token,
    )
    answer = session.post(f"{url}/cpf/ung-ho/", data=data, timeout=30)  # follows to thanks, or to the pay page
    assert answer.status_code == 200, answer.text[:2000]
    assert ("/pay/" in answer.url) == (channel == "card")


def _deliver_at_once(urls: list[str], event: dict) -> list[int]:
    """The same signed event to every web process at the same moment."""
    body = json.dumps(event).encode()
    headers = {"Stripe-Signature": sign(body, WEBHOOK_SECRET), "Content-Type": "application/json"}
    barrier = threading.Barrier(len(urls))

    def post(url):
        barrier.wait(timeout=10)
        return requests.post(f"{url}/payments/stripe/webhook/", data=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(len(urls)) as pool:
        return list(pool.map(post, urls))


def _statement(gifts: list[Donation]) -> bytes:
    """The bank's export: each transfer once, and a line that pays nothing of ours."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Ngày giao dịch", "Số tiền ghi có", "Số tiền ghi nợ", "Nội dung", "Tên người chuyển"])
    for gift in gifts:
        day = timezone.localdate(gift.pledged_at).strftime("%d/%m/%Y")
        writer.writerow([day, f"{gift.amount.amount:.0f}", "", f"UNG HO {gift.reference}", gift.donor.name.upper()])
    writer.writerow([day, "77000", "", "CHUYEN TIEN AN TRUA", "NGUYEN VAN B"])
    return buffer.getvalue().encode()


def test_two_web_processes_two_workers_and_beat_give_each_gift_one_posting_receipt_and_email(
    machines, localstripe, smtp_server, tmp_path
):
    urls, env = machines
    fund = fund_create(name="Children's Protection Fund", code="CPF", restricted_purpose="Children in care")
    donate_page_build(fund, languages=())
    localstripe.register_webhook(f"{urls[0]}/payments/stripe/webhook/", events=["payment_intent.succeeded"])

    # Donors through both web processes at once.
    gifts = [(urls[n % 2], n, "card") for n in range(CARD_GIFTS)]
    gifts += [(urls[n % 2], n, "bank_transfer") for n in range(CARD_GIFTS, CARD_GIFTS + TRANSFER_GIFTS)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda gift: _give(*gift), gifts))
    assert Donation.objects.count() == CARD_GIFTS + TRANSFER_GIFTS

    # The transfers: one statement, imported by two commands at once (two more machines) while
    # the card payments come in.
    transfers = list(Donation.objects.filter(channel="bank_transfer").select_related("donor"))
    statement = tmp_path / "statement.csv"
    statement.write_bytes(_statement(transfers))
    command = [sys.executable, "manage.py", "bank_import", str(statement), "--account", "generic"]
    imports = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
        for _ in range(2)
    ]

    # Card payments: paid at localstripe, whose event comes to the first web process; we send
    # the same event to both at once as well (Stripe delivers at least once, sometimes twice).
    for payment in CardPayment.objects.all():
        assert localstripe.pay(payment.stripe_payment_intent_id)["status"] == "succeeded"
    events = localstripe.events("payment_intent.succeeded")
    assert len(events) == CARD_GIFTS
    for event in events:
        assert _deliver_at_once(urls, event) == [200, 200]

    outputs = [process.communicate(timeout=120) for process in imports]
    assert [process.returncode for process in imports] == [0, 0], outputs

    # Then every gift is received once, posted once, receipted once and emailed once.
    everyone = CARD_GIFTS + TRANSFER_GIFTS
    messages = smtp_server.wait_for(everyone, timeout=90)
    assert wait_for(lambda: ReceiptDelivery.objects.filter(status="sent").count() == everyone, timeout=30)
    assert len(smtp_server.wait_for(everyone + 1, timeout=3)) == everyone  # and nothing more on its way
    for gift in Donation.objects.select_related("donor"):
        assert gift.status == Donation.Status.RECEIVED, gift
        assert Posting.objects.filter(donation=gift, kind=Posting.Kind.DONATION_RECEIVED).count() == 1
        [receipt] = Receipt.objects.filter(donation=gift, kind=Receipt.Kind.GIFT)
        assert receipt.status == Receipt.Status.VALID
        assert ReceiptDelivery.objects.filter(receipt=receipt).count() == 1
        [message] = [m for m in messages if m.rcpt_tos == [gift.donor.email]]
        assert receipt.number in message.subject
    assert sorted(StripeEvent.objects.values_list("stripe_id", flat=True)) == sorted(e["id"] for e in events)
    assert not StripeEvent.objects.filter(processed_at__isnull=True).exists()
    lines = BankTransaction.objects.values_list("status", flat=True)
    assert sorted(lines) == ["matched"] * TRANSFER_GIFTS + ["review"]  # each line stored once
    assert ledger_problems().problems == []
