"""Monthly gifts in Stripe's events, in the API shape stripe-python pins (2026-10-28) and in the
2024-06-20 shape: each month is linked to the PaymentIntent that paid it, although the pinned
shape's invoice events do not say which; a refund or a lost dispute reverses exactly that month,
voids its receipt and reissues the statement, in any order and delivered twice; failed payments
and subscription changes show the gift in trouble; what cannot be linked waits for a person."""

import datetime
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from djmoney.money import Money

from fund.models import Donation, Posting, RecurringGift
from fund.selectors import fund_balance
from fund.selectors.ledger_checks import ledger_problems
from payments.models import CardPayment, StripeEvent
from payments.services.stripe_events import stripe_event_resolve
from receipts.models import Receipt
from receipts.services.statements import statement_issue

from . import shapes
from .conftest import post_event
from .shapes import PINNED, SHAPES, Month

pytestmark = pytest.mark.usefixtures("webhook_secret")
by_shape = pytest.mark.parametrize("shape", SHAPES, ids=["pinned-2026-10-28", "old-2024-06-20"])

AMOUNT = 200000


@pytest.fixture
def monthly_gift(fund, donor):
    return RecurringGift.objects.create(
        donor=donor,
        fund=fund,
        amount=Money(Decimal(AMOUNT), "VND"),
        stripe_subscription_id="sub_monthly",
        status=RecurringGift.Status.ACTIVE,
    )


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Deliver an event as Stripe does, running what the commit queues (receipts, statements)."""

    def deliver(evt, *, expect: int = 200) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_event(Client(), evt)
        assert response.status_code == expect, response.content
        return StripeEvent.objects.get(stripe_id=evt["id"]).outcome

    return deliver


def month_of(gift, fake_stripe, shape, **kw) -> Month:
    month = Month(subscription_id=gift.stripe_subscription_id or "sub_not_stored", amount=AMOUNT, **kw)
    fake_stripe.knows(month)
    return month


def paid(month, shape, type="invoice.paid"):
    return shapes.event(type, shapes.invoice(month, shape), shape)


def refunded(month, shape, **kw):
    return shapes.event("charge.refunded", shapes.charge(month, shape, **kw), shape)


def dispute(month, shape, status):
    return shapes.event(
        f"charge.dispute.{'created' if status == 'needs_response' else 'closed'}",
        shapes.dispute(month, shape, status=status),
        shape,
    )


def gift_of(month) -> Donation:
    return CardPayment.objects.select_related("donation").get(stripe_invoice_id=month.invoice_id).donation


def receipt_of(gift) -> Receipt:
    return Receipt.objects.get(donation=gift, kind="gift")


def postings_of(gift) -> list[str]:
    return sorted(Posting.objects.filter(donation=gift).values_list("kind", flat=True))


def check_ledger_output() -> str:
    out = StringIO()
    call_command("check_ledger", stdout=out)
    return out.getvalue()


# --- the issue's case ---------------------------------------------------------------------


@by_shape
def test_a_refunded_month_and_a_month_lost_in_a_dispute_reverse_exactly_those_months(
    shape, monthly_gift, fake_stripe, deliver, fund, donor
):
    refunded_month, disputed_month, kept_month = (month_of(monthly_gift, fake_stripe, shape) for _ in range(3))
    for month in (refunded_month, disputed_month, kept_month):
        deliver(paid(month, shape, "invoice.payment_succeeded"))
        deliver(paid(month, shape, "invoice.paid"))  # Stripe sends both
    today = timezone.localdate()
    statement = statement_issue(donor_id=donor.pk, start=today - datetime.timedelta(days=1), end=today)
    assert statement.amount == Money(3 * AMOUNT, "VND")
    for month in (refunded_month, disputed_month, kept_month):
        assert CardPayment.objects.get(stripe_invoice_id=month.invoice_id).stripe_payment_intent_id == month.intent_id

    refund = refunded(refunded_month, shape)
    assert "refunded" in deliver(refund)
    deliver(dispute(disputed_month, shape, "needs_response"))
    lost = dispute(disputed_month, shape, "lost")
    assert "was lost; the gift is reversed" in deliver(lost)
    for evt in (refund, lost):  # delivered twice
        deliver(evt)

    assert gift_of(refunded_month).status == Donation.Status.REFUNDED
    assert gift_of(disputed_month).status == Donation.Status.REFUNDED
    assert gift_of(kept_month).status == Donation.Status.RECEIVED
    for month in (refunded_month, disputed_month):
        assert postings_of(gift_of(month)) == ["donation_received", "reversal"]
    assert CardPayment.objects.get(stripe_invoice_id=refunded_month.invoice_id).status == "refunded"
    assert CardPayment.objects.get(stripe_invoice_id=disputed_month.invoice_id).status == "dispute_lost"
    assert fund_balance(fund).cash == Money(AMOUNT, "VND")

    assert receipt_of(gift_of(refunded_month)).status == Receipt.Status.VOID
    assert receipt_of(gift_of(disputed_month)).status == Receipt.Status.VOID
    assert receipt_of(gift_of(kept_month)).status == Receipt.Status.VALID
    statement.refresh_from_db()
    assert statement.status == Receipt.Status.VOID
    replacement = Receipt.objects.get(kind="statement", status="valid")
    assert replacement.amount == Money(AMOUNT, "VND")
    assert [g["reference"] for g in replacement.content["gifts"]] == [gift_of(kept_month).reference]

    assert ledger_problems().problems == []
    assert "Ledger OK" in check_ledger_output()
    # The dispute asked a person to answer it; once lost it asks no more.
    assert not StripeEvent.objects.filter(attention=StripeEvent.Attention.PERSON).exists()
    assert StripeEvent.objects.get(type="charge.dispute.created").attention == StripeEvent.Attention.RESOLVED


@by_shape
def test_the_pinned_shape_is_linked_by_asking_stripe_and_the_old_one_by_its_payload(
    shape, monthly_gift, fake_stripe, deliver
):
    month = month_of(monthly_gift, fake_stripe, shape)
    outcome = deliver(paid(month, shape))
    assert month.intent_id in outcome
    row = StripeEvent.objects.get(type="invoice.paid")
    if shape == PINNED:
        assert fake_stripe.calls == [("invoice_payments.list", {"args": (), "invoice": month.invoice_id, "limit": 20})]
        assert row.lookup["invoice_payments"][0]["payment_intent"] == month.intent_id
        assert "Stripe lists its payments" in outcome
    else:
        assert fake_stripe.calls == []
        assert row.lookup == {}
    # A redelivery asks Stripe nothing more.
    calls = len(fake_stripe.calls)
    deliver(paid(month, shape))
    assert len(fake_stripe.calls) == calls


# --- any order ------------------------------------------------------------------------------


@by_shape
def test_a_refund_before_the_invoice_event_receives_the_month_then_refunds_it(
    shape, monthly_gift, fake_stripe, deliver
):
    month = month_of(monthly_gift, fake_stripe, shape)
    refund = refunded(month, shape)
    outcome = deliver(refund)
    assert "refunded" in outcome
    gift = gift_of(month)
    assert gift.status == Donation.Status.REFUNDED and gift.recurring_gift == monthly_gift
    assert postings_of(gift) == ["donation_received", "reversal"]
    # Received and refunded in one transaction: no valid receipt is left for it.
    assert not Receipt.objects.filter(donation=gift, status=Receipt.Status.VALID).exists()
    lookup = StripeEvent.objects.get(stripe_id=refund["id"]).lookup
    if shape == PINNED:  # asked which invoice the PaymentIntent paid
        assert lookup["paid_invoice"]["invoice"] == month.invoice_id
        assert f"paid invoice {month.invoice_id}" in outcome
    else:  # the charge names its invoice; only the invoice itself is read
        assert lookup["invoice"]["id"] == month.invoice_id
        assert [name for name, _ in fake_stripe.calls] == ["invoices.retrieve"]

    for evt in (paid(month, shape), paid(month, shape, "invoice.payment_succeeded")):
        assert "already" in deliver(evt)
    deliver(refund)  # delivered twice
    assert Donation.objects.filter(recurring_gift=monthly_gift).count() == 1
    assert ledger_problems().problems == []


@by_shape
def test_a_lost_dispute_before_the_invoice_event(shape, monthly_gift, fake_stripe, deliver):
    month = month_of(monthly_gift, fake_stripe, shape)
    deliver(dispute(month, shape, "lost"))
    deliver(paid(month, shape))
    gift = gift_of(month)
    assert gift.status == Donation.Status.REFUNDED
    assert CardPayment.objects.get(donation=gift).status == CardPayment.Status.DISPUTE_LOST
    assert ledger_problems().problems == []


@by_shape
def test_an_invoice_before_the_subscription_id_is_stored_is_found_by_its_metadata(
    shape, fund, donor, fake_stripe, deliver
):
    gift = RecurringGift.objects.create(donor=donor, fund=fund, amount=Money(Decimal(AMOUNT), "VND"))
    month = Month(subscription_id="sub_not_stored_yet", amount=AMOUNT, reference=gift.reference)
    fake_stripe.knows(month)
    deliver(paid(month, shape))
    assert gift_of(month).recurring_gift == gift
    assert CardPayment.objects.get(stripe_invoice_id=month.invoice_id).stripe_payment_intent_id == month.intent_id
    deliver(refunded(month, shape))
    assert gift_of(month).status == Donation.Status.REFUNDED


def test_the_subscription_is_read_from_both_places():
    from payments.services.stripe_objects import invoice_metadata, invoice_subscription

    month = Month(subscription_id="sub_both", amount=AMOUNT, reference="CTREF")
    for shape in SHAPES:
        assert invoice_subscription(shapes.invoice(month, shape)) == "sub_both"
        assert invoice_metadata(shapes.invoice(month, shape)) == {"recurring_gift": "CTREF"}


@by_shape
def test_a_partial_refund_of_a_month_is_left_for_a_person(shape, monthly_gift, fake_stripe, deliver):
    month = month_of(monthly_gift, fake_stripe, shape)
    deliver(paid(month, shape))
    partial = refunded(month, shape, refunded=50000)
    assert "Partial refund" in deliver(partial)
    assert gift_of(month).status == Donation.Status.RECEIVED
    row = StripeEvent.objects.get(stripe_id=partial["id"])
    assert row.attention == StripeEvent.Attention.PERSON
    # check_ledger sees the money that went back, until a person says what they did.
    assert any(partial["id"] in problem for problem in ledger_problems().problems)
    stripe_event_resolve(
        event=row, resolution="Refunded in full and recorded the kept 150,000 as a new gift", actor=None
    )
    assert ledger_problems().problems == []


# --- what cannot be linked, or cannot be asked -------------------------------------------------


@by_shape
def test_a_refund_of_a_payment_that_paid_nothing_of_ours_is_left_for_a_person(shape, fake_stripe, deliver, db):
    stranger = Month(subscription_id="sub_stranger", amount=AMOUNT)  # Stripe knows of no invoice
    evt = shapes.event("charge.refunded", {**shapes.charge(stranger, PINNED)}, shape)
    outcome = deliver(evt)
    assert "linked to no gift" in outcome
    assert StripeEvent.objects.get(stripe_id=evt["id"]).attention == StripeEvent.Attention.PERSON
    assert Donation.objects.count() == 0
    assert any(evt["id"] in problem for problem in ledger_problems().problems)


def test_an_invoice_of_an_unknown_subscription_is_left_for_a_person(fake_stripe, deliver, db):
    month = Month(subscription_id="sub_unknown", amount=AMOUNT)
    fake_stripe.knows(month)
    evt = paid(month, PINNED)
    assert "no monthly gift" in deliver(evt)
    assert StripeEvent.objects.get(stripe_id=evt["id"]).attention == StripeEvent.Attention.PERSON


def test_when_stripe_cannot_be_asked_the_event_waits_and_its_redelivery_is_processed(
    monthly_gift, fake_stripe, deliver
):
    month = month_of(monthly_gift, fake_stripe, PINNED)
    deliver(paid(month, PINNED))
    refund = refunded(month, PINNED)
    # Not linked yet as far as the lookup knows: forget the PaymentIntent so Stripe must be asked.
    CardPayment.objects.filter(stripe_invoice_id=month.invoice_id).update(stripe_payment_intent_id=None)
    fake_stripe.down = True
    outcome = deliver(refund, expect=500)
    row = StripeEvent.objects.get(stripe_id=refund["id"])
    assert row.attention == StripeEvent.Attention.RETRY and row.processed_at is None
    assert outcome.startswith("Waiting for Stripe")
    assert gift_of(month).status == Donation.Status.RECEIVED
    assert any(refund["id"] in problem for problem in ledger_problems().problems)
    deliver(refund, expect=500)  # still down: still waiting, still one row
    assert StripeEvent.objects.filter(stripe_id=refund["id"]).count() == 1

    fake_stripe.down = False
    assert "refunded" in deliver(refund)
    row.refresh_from_db()
    assert row.attention == StripeEvent.Attention.NONE and row.processed_at is not None
    assert gift_of(month).status == Donation.Status.REFUNDED
    deliver(refund)  # and once more: a duplicate now
    assert postings_of(gift_of(month)) == ["donation_received", "reversal"]
    assert ledger_problems().problems == []


# --- the monthly gift's state -------------------------------------------------------------------


@by_shape
def test_a_failed_payment_makes_the_gift_overdue_and_a_later_payment_active_again(
    shape, monthly_gift, fake_stripe, deliver
):
    month = month_of(monthly_gift, fake_stripe, shape)
    now = int(time.time())
    failed = shapes.event("invoice.payment_failed", shapes.invoice(month, shape, paid=False), shape, created=now - 60)
    assert "overdue" in deliver(failed)
    monthly_gift.refresh_from_db()
    assert monthly_gift.status == RecurringGift.Status.PAST_DUE
    assert month.invoice_id in monthly_gift.last_problem
    assert Donation.objects.count() == 0

    month.paid_at = now  # Stripe's retry went through
    deliver(shapes.event("invoice.paid", shapes.invoice(month, shape), shape, created=now))
    monthly_gift.refresh_from_db()
    assert monthly_gift.status == RecurringGift.Status.ACTIVE
    # The failure delivered again, late, does not undo the payment.
    deliver(shapes.event("invoice.payment_failed", shapes.invoice(month, shape, paid=False), shape, created=now - 60))
    monthly_gift.refresh_from_db()
    assert monthly_gift.status == RecurringGift.Status.ACTIVE


@pytest.mark.parametrize(
    ("stripe_status", "status"),
    [("past_due", "past_due"), ("unpaid", "unpaid"), ("canceled", "cancelled"), ("paused", "paused")],
)
def test_a_subscription_update_sets_the_gift_state(monthly_gift, deliver, stripe_status, status):
    deliver(shapes.event("customer.subscription.updated", shapes.subscription("sub_monthly", stripe_status), PINNED))
    monthly_gift.refresh_from_db()
    assert monthly_gift.status == status
    assert (monthly_gift.cancelled_at is not None) == (status == "cancelled")


def test_subscription_updates_out_of_order_keep_the_newest_and_cancelled_is_final(monthly_gift, deliver):
    now = int(time.time())
    unpaid = shapes.event(
        "customer.subscription.updated", shapes.subscription("sub_monthly", "unpaid"), PINNED, created=now
    )
    older = shapes.event(
        "customer.subscription.updated", shapes.subscription("sub_monthly", "active"), PINNED, created=now - 10
    )
    deliver(unpaid)
    assert "older event" in deliver(older)
    monthly_gift.refresh_from_db()
    assert monthly_gift.status == RecurringGift.Status.UNPAID
    deliver(shapes.event("customer.subscription.deleted", shapes.subscription("sub_monthly", "canceled"), PINNED))
    deliver(
        shapes.event(
            "customer.subscription.updated", shapes.subscription("sub_monthly", "active"), PINNED, created=now + 60
        )
    )
    monthly_gift.refresh_from_db()
    assert monthly_gift.status == RecurringGift.Status.CANCELLED


def test_an_event_waiting_for_stripe_can_be_tried_again_from_the_back_office(
    monthly_gift, fake_stripe, deliver, admin_client
):
    month = month_of(monthly_gift, fake_stripe, PINNED)
    fake_stripe.down = True
    evt = paid(month, PINNED)
    deliver(evt, expect=500)
    row = StripeEvent.objects.get(stripe_id=evt["id"])
    listing = admin_client.get("/admin/payments/stripe-events/?attention=retry").content.decode()
    assert f"/admin/payments/stripe-events/retry/{row.pk}/" in listing

    assert admin_client.post(f"/admin/payments/stripe-events/retry/{row.pk}/").status_code == 302  # still down
    row.refresh_from_db()
    assert row.attention == StripeEvent.Attention.RETRY

    fake_stripe.down = False
    assert admin_client.post(f"/admin/payments/stripe-events/retry/{row.pk}/").status_code == 302
    row.refresh_from_db()
    assert row.attention == StripeEvent.Attention.NONE and row.processed_at is not None
    assert gift_of(month).status == Donation.Status.RECEIVED
    assert admin_client.post(f"/admin/payments/stripe-events/retry/{row.pk}/").status_code == 302  # nothing left to do
    assert Donation.objects.filter(recurring_gift=monthly_gift).count() == 1
