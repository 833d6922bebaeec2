"""Rotating the bank notification secret: the previous secret signs valid notifications until
BANK_WEBHOOK_SECRET_PREVIOUS_UNTIL, never after it, never without it."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from fund.models import Donation
from payments.models import BankTransaction

from .conftest import SECRET, earlier_today, notification, signed_headers

URL = "/payments/bank/webhook/"
OLD = "the-previous-bank-secret"


@pytest.fixture
def bank_client():
    return Client(enforce_csrf_checks=True)


def _transfer(reference: str) -> bytes:
    return notification(
        {
            "id": "FT26112300077",
            "booked_at": earlier_today().isoformat(),
            "amount": "500000",
            "currency": "VND",
            "description": f"UNG HO {reference}",
            "counterparty": "NGUYEN VAN A",
        }
    )


def _post(client, body, secret):
    return client.post(URL, data=body, content_type="application/json", **signed_headers(body, secret=secret))


def test_the_previous_secret_works_until_its_deadline(bank_client, pledge, webhook_secret, settings):
    settings.BANK_WEBHOOK_SECRET_PREVIOUS = OLD
    settings.BANK_WEBHOOK_SECRET_PREVIOUS_UNTIL = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    gift = pledge("500000")
    response = _post(bank_client, _transfer(gift.reference), OLD)
    assert response.status_code == 200, response.content
    gift.refresh_from_db()
    assert gift.status == Donation.Status.RECEIVED


@pytest.mark.parametrize("until", ["past", "", "31/12/2026"])
def test_the_previous_secret_is_refused_after_or_without_a_deadline(
    bank_client, pledge, webhook_secret, settings, until
):
    settings.BANK_WEBHOOK_SECRET_PREVIOUS = OLD
    past = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    settings.BANK_WEBHOOK_SECRET_PREVIOUS_UNTIL = past if until == "past" else until
    gift = pledge("500000")
    body = _transfer(gift.reference)
    assert _post(bank_client, body, OLD).status_code == 400
    assert BankTransaction.objects.count() == 0
    assert _post(bank_client, body, SECRET).status_code == 200  # the current one still works
