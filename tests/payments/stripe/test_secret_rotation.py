"""Rotating the Stripe webhook's signing secret: events signed with the previous secret are
accepted until STRIPE_WEBHOOK_SECRET_PREVIOUS_UNTIL and refused after it, and without a deadline
(payments/webhook_secrets.py, docs/decisions/0031)."""

import datetime
import json
import logging

import pytest
from django.utils import timezone

from fund.models import Donation
from payments.models import StripeEvent

from .conftest import WEBHOOK_SECRET, event, new_id, payment_intent, post_event, sign

pytestmark = pytest.mark.usefixtures("webhook_secret", "fake_stripe")

OLD = "whsec_the_previous_secret"


def _body(gift) -> bytes:
    intent = payment_intent(donation=gift, intent_id=new_id("pi"), amount=500000)
    return json.dumps(event("payment_intent.succeeded", intent)).encode()


def _rotating(settings, *, until):
    settings.STRIPE_WEBHOOK_SECRET_PREVIOUS = OLD
    settings.STRIPE_WEBHOOK_SECRET_PREVIOUS_UNTIL = until


def test_signed_with_the_previous_secret_is_accepted_during_the_rotation(client, card_gift, settings, caplog):
    _rotating(settings, until=(timezone.now() + datetime.timedelta(hours=1)).isoformat())
    caplog.set_level(logging.INFO, logger="payments.stripe_webhook")
    body = _body(card_gift)
    response = post_event(client, body, signature=sign(body, OLD))
    assert response.status_code == 200, response.content
    card_gift.refresh_from_db()
    assert card_gift.status == Donation.Status.RECEIVED
    assert any("STRIPE_WEBHOOK_SECRET_PREVIOUS" in record.getMessage() for record in caplog.records)
    # The new secret works at the same time, and says nothing about the old one.
    caplog.clear()
    other = _body(card_gift)
    assert post_event(client, other, signature=sign(other, WEBHOOK_SECRET)).status_code == 200
    assert not any("PREVIOUS" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    "until",
    [
        pytest.param(lambda: (timezone.now() - datetime.timedelta(seconds=1)).isoformat(), id="after-the-deadline"),
        pytest.param(lambda: "", id="no-deadline"),
        pytest.param(lambda: "next tuesday", id="unreadable-deadline"),
    ],
)
def test_signed_with_the_previous_secret_is_refused_outside_the_rotation(client, card_gift, settings, until):
    _rotating(settings, until=until())
    body = _body(card_gift)
    assert post_event(client, body, signature=sign(body, OLD)).status_code == 400
    assert StripeEvent.objects.count() == 0
    card_gift.refresh_from_db()
    assert card_gift.status == Donation.Status.PLEDGED
    # The current secret is unaffected.
    assert post_event(client, body, signature=sign(body, WEBHOOK_SECRET)).status_code == 200


def test_a_previous_secret_alone_does_not_open_the_endpoint(client, card_gift, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    _rotating(settings, until=(timezone.now() + datetime.timedelta(hours=1)).isoformat())
    body = _body(card_gift)
    assert post_event(client, body, signature=sign(body, OLD)).status_code == 503


def test_stripe_rolling_its_secret_signs_with_both_and_either_is_enough(client, card_gift):
    """Stripe's own "roll secret" sends two v1 signatures while both secrets live."""
    body = _body(card_gift)
    both = sign(body, "whsec_new_at_stripe") + "," + sign(body, WEBHOOK_SECRET).split(",", 1)[1]
    assert post_event(client, body, signature=both).status_code == 200
