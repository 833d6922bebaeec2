"""The webhook benchmark's child processes (bench/webhooks.py runs them with production
settings): the pledged card gifts the events pay, and one event at a time in-process."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from .webhook_events import Gift

AMOUNTS = (100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000)
DONORS = 200
EMAIL_EVERY = 25  # one gift in 25 asks for its receipt by email
WEBHOOK_PATH = "/payments/stripe/webhook/"
FUND_CODE, INPROCESS_FUND_CODE = "WHK", "WHI"


def gifts_create(count: int, fund_code: str) -> list[Gift]:
    """Pledged card gifts with their CardPayment, as donation_record and card_payment_start leave
    them once Stripe has created the PaymentIntent (Stripe is not called: the events name
    made-up PaymentIntents). Written in bulk, with the audit entries the services write: a
    service call per gift would take minutes at full scale on a loaded machine."""
    from django.db import transaction
    from django.utils import timezone
    from djmoney.money import Money

    from audit.services import audit_record_many
    from donors.services import donor_create
    from fund.models import Donation
    from fund.services import fund_create
    from payments.models import CardPayment

    fund = fund_create(name=f"Bench appeal {fund_code}", code=fund_code)
    donors = [
        donor_create(kind="person", name=f"Nhà hảo tâm {n:03d}", email=f"donor{n:03d}@example.org")
        for n in range(min(DONORS, count))
    ]
    gifts = []
    for first in range(0, count, 2000):
        with transaction.atomic():
            batch = Donation.objects.bulk_create(
                Donation(
                    fund=fund,
                    donor=donors[n % len(donors)],
                    kind=Donation.Kind.CASH,
                    channel=Donation.Channel.CARD,
                    amount=Money(AMOUNTS[n % len(AMOUNTS)], fund.currency),
                    receipt_language=donors[n % len(donors)].preferred_language,
                    receipt_by_email=n % EMAIL_EVERY == 0,
                    pledged_at=timezone.now(),
                )
                for n in range(first, min(first + 2000, count))
            )
            audit_record_many(
                actor=None,
                action="donation.record",
                entries=(
                    (gift, {"reference": gift.reference, "status": gift.status, "amount": str(gift.amount)})
                    for gift in batch
                ),
            )
            CardPayment.objects.bulk_create(
                CardPayment(donation=gift, stripe_payment_intent_id=f"pi_bench_{gift.reference}") for gift in batch
            )
        gifts += [Gift(g.pk, g.reference, f"pi_bench_{g.reference}", int(g.amount.amount)) for g in batch]
    return gifts


def prepare(count: int, out: Path) -> None:
    import django

    django.setup()
    out.write_text(json.dumps([list(vars(gift).values()) for gift in gifts_create(count, FUND_CODE)]))


def inprocess(count: int, out: Path) -> None:
    """Median ms and queries of one event through the whole stack in this process, and what the
    requests rendered or sent (WeasyPrint and SMTP are counted by wrapping them); then what
    applying the stored events costs a worker, per event."""
    import smtplib
    import statistics

    import django

    django.setup()
    import weasyprint
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from receipts.models import Receipt, ReceiptDelivery

    from .urls import TRIVIAL_PATH
    from .webhook_events import payment_intent, sign, succeeded_event

    slow = Counter()
    for owner, name in ((weasyprint.HTML, "write_pdf"), (smtplib.SMTP, "connect")):
        original = getattr(owner, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            slow[_name] += 1
            return _original(*args, **kwargs)

        setattr(owner, name, counted)

    gifts = gifts_create(count, INPROCESS_FUND_CODE)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    receipts_before = Receipt.objects.count(), ReceiptDelivery.objects.count()

    def post(gift: Gift, event_id: str) -> tuple[float, int, float]:
        now = int(time.time())
        intent = payment_intent(intent_id=gift.intent_id, amount=gift.amount, reference=gift.reference, created=now)
        body = json.dumps(succeeded_event(event_id=event_id, intent=intent, created=now), indent=2).encode()
        signature = sign(body, settings.STRIPE_WEBHOOK_SECRET, now)
        with CaptureQueriesContext(connection) as queries:
            start, cpu = time.perf_counter(), time.process_time()
            response = client.post(
                WEBHOOK_PATH, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
            )
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if response.status_code != 200:
            raise RuntimeError(f"webhook answered {response.status_code}: {response.content[:500]!r}")
        return elapsed, len(queries), cpu

    def trivial() -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.process_time()
        client.get(TRIVIAL_PATH)
        return time.perf_counter() - start, time.process_time() - cpu

    for _ in range(5):
        trivial()
    warm = max(2, count // 10)
    events = [post(gift, f"evt_inprocess_{gift.reference}") for gift in gifts]
    repeats = [post(gift, f"evt_inprocess_{gift.reference}") for gift in gifts[:warm]]
    trivials = [trivial() for _ in range(count)]
    from fund.models import Donation
    from payments.services.stripe_queue import stripe_events_apply

    with CaptureQueriesContext(connection) as queries:
        start, cpu = time.perf_counter(), time.process_time()
        applied = stripe_events_apply()
        apply_seconds, apply_cpu = time.perf_counter() - start, time.process_time() - cpu
    received = Donation.objects.filter(fund__code=INPROCESS_FUND_CODE, status=Donation.Status.RECEIVED).count()
    if applied != len(gifts) or received != len(gifts):
        raise RuntimeError(f"{applied} events applied and {received} gifts received of {len(gifts)}")
    result = {
        "median_ms": statistics.median(s for s, _, _ in events[warm:]) * 1000,
        "cpu_ms": statistics.median(c for _, _, c in events[warm:]) * 1000,
        "queries": statistics.median(q for _, q, _ in events[warm:]),
        "repeat_median_ms": statistics.median(s for s, _, _ in repeats) * 1000,
        "repeat_queries": statistics.median(q for _, q, _ in repeats),
        "repeat_cpu_ms": statistics.median(c for _, _, c in repeats) * 1000,
        "trivial_ms": statistics.median(s for s, _ in trivials) * 1000,
        "trivial_cpu_ms": statistics.median(c for _, c in trivials) * 1000,
        "apply_ms": apply_seconds * 1000 / applied,
        "apply_cpu_ms": apply_cpu * 1000 / applied,
        "apply_queries": len(queries) / applied,
        "pdfs": slow["write_pdf"],
        "smtp": slow["connect"],
        "receipt_rows": Receipt.objects.count() - receipts_before[0],
        "delivery_rows": ReceiptDelivery.objects.count() - receipts_before[1],
    }
    out.write_text(json.dumps(result))
