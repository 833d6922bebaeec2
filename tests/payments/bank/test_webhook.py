"""The bank's signed notification: refused unless signed with our secret and fresh, and then
fed to the same matcher as a statement; a redelivery adds nothing."""

import datetime
import json
import time

import pytest
from django.test import Client

from fund.models import Donation, Posting
from fund.selectors import ledger_problems
from payments.models import BankStatement, BankTransaction

from .conftest import earlier_today, notification, signed_headers, table_counts

URL = "/payments/bank/webhook/"


@pytest.fixture
def bank_client():
    return Client(enforce_csrf_checks=True)  # proves the view needs no CSRF token


def transfer(reference: str = "", **changes) -> dict:
    booked_at = earlier_today()
    return {
        "id": "FT26112300001",
        "booked_at": booked_at.isoformat(),
        "amount": "500000",
        "currency": "VND",
        "description": f"UNG HO {reference}".strip(),
        "counterparty": "NGUYEN VAN A",
    } | changes


def post(client, body: bytes, **headers):
    return client.post(URL, data=body, content_type="application/json", **headers)


def test_a_valid_notification_receives_the_pledge_once_however_often_it_is_sent(bank_client, pledge, webhook_secret):
    gift = pledge("500000")
    item = transfer(gift.reference)
    body = notification(item, transfer(id="FT26112300002", amount="-20000", description="PHI SMS"))

    response = post(bank_client, body, **signed_headers(body))

    assert response.status_code == 200, response.content
    assert response.json() == {"received": 2, "new": 1, "matched": 1, "review": 0, "skipped": 1}
    gift.refresh_from_db()
    assert gift.status == Donation.Status.RECEIVED
    assert gift.received_at == datetime.datetime.fromisoformat(item["booked_at"])
    line = BankTransaction.objects.get()
    assert (line.bank_reference, line.status, line.reason) == ("FT26112300001", "matched", "by reference")
    assert BankStatement.objects.get().source == "webhook"

    before = table_counts()
    again = post(bank_client, body, **signed_headers(body))
    assert again.status_code == 200
    assert again.json() == {"received": 2, "new": 0, "matched": 0, "review": 0, "skipped": 1}
    after = table_counts()
    assert after == before | {"statements": before["statements"] + 1, "audit": before["audit"] + 1}
    assert Posting.objects.filter(donation=gift).count() == 1
    assert ledger_problems().problems == []


def test_a_transfer_without_a_known_reference_waits_for_review(bank_client, db, webhook_secret):
    body = notification(transfer("", amount="1234000"))
    response = post(bank_client, body, **signed_headers(body))
    assert response.json()["review"] == 1
    assert BankTransaction.objects.get().status == "review"


def _refused(client, body: bytes, status: int = 400, **headers):
    before = table_counts()
    response = post(client, body, **headers)
    assert response.status_code == status, response.content
    assert table_counts() == before
    return response


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: {}, id="unsigned"),
        pytest.param(lambda body: {"HTTP_X_CHUNGTAY_SIGNATURE": ""}, id="empty-header"),
        pytest.param(lambda body: {"HTTP_X_CHUNGTAY_SIGNATURE": "v1=abc"}, id="no-timestamp"),
        pytest.param(lambda body: {"HTTP_X_CHUNGTAY_SIGNATURE": f"t={int(time.time())}"}, id="no-signature"),
        pytest.param(lambda body: signed_headers(body, secret="someone-elses-secret"), id="wrong-secret"),
        pytest.param(lambda body: signed_headers(body + b" "), id="tampered"),
        pytest.param(lambda body: signed_headers(body, timestamp=int(time.time()) - 301), id="stale"),
        pytest.param(lambda body: signed_headers(body, timestamp=int(time.time()) + 301), id="from-the-future"),
    ],
)
def test_unsigned_tampered_stale_and_wrong_secret_deliveries_write_nothing(
    bank_client, pledge, webhook_secret, headers
):
    gift = pledge("500000")
    body = notification(transfer(gift.reference))
    response = _refused(bank_client, body, **headers(body))
    assert response.json() == {"error": "Invalid signature."}
    assert Donation.objects.get(pk=gift.pk).status == "pledged"


def test_a_tampered_amount_is_refused(bank_client, pledge, webhook_secret):
    gift = pledge("500000")
    body = notification(transfer(gift.reference))
    headers = signed_headers(body)
    _refused(bank_client, body.replace(b'"500000"', b'"5000000"'), **headers)


def test_without_a_secret_the_webhook_is_unavailable(bank_client, pledge, settings):
    settings.BANK_WEBHOOK_SECRET = ""
    gift = pledge("500000")
    body = notification(transfer(gift.reference))
    # Signed with an empty key, as an attacker who guessed the secret was unset would.
    response = _refused(bank_client, body, status=503, **signed_headers(body, secret=""))
    assert response.json() == {"error": "Bank notifications are not configured."}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not json", "The body is not JSON."),
        (b"[]", "Expected {"),
        (b'{"transactions": []}', "Expected {"),
        (notification(transfer(amount="five")), "Transaction 1: the amount 'five' is not a number."),
        (notification(transfer(amount=500000.5)), "more than 0 decimal places"),
        (notification(transfer(amount=None)), "Transaction 1: the amount is required"),
        (notification(transfer(amount="1" + "0" * 20)), "larger than any gift"),
        (notification(transfer(currency="EUR")), "Unknown or unaccepted currency 'EUR'"),
        (notification(transfer(booked_at="yesterday")), "booked_at must be an ISO 8601"),
        (notification(transfer(booked_at="2026-02-31T10:00:00+07:00")), "booked_at must be an ISO 8601"),
        (notification(transfer(booked_at="2099-01-01T10:00:00+07:00")), "in the future"),
        (notification(transfer(id="")), "the id is required"),
        (notification(transfer(description="<b>x</b>")), "the description contains markup"),
        (notification(transfer(description="x" * 10_240)), "at most 500 characters"),
        (notification(transfer(), transfer(id="FT2", amount="abc")), "Transaction 2:"),
    ],
)
def test_a_signed_but_bad_notification_is_refused_whole(bank_client, db, webhook_secret, payload, message):
    response = _refused(bank_client, payload, **signed_headers(payload))
    assert message in response.json()["error"]


def test_only_post(bank_client, db, webhook_secret):
    assert bank_client.get(URL).status_code == 405


def test_json_numbers_are_read_as_decimals_not_floats(bank_client, pledge, webhook_secret):
    gift = pledge("500000")
    body = json.dumps({"transactions": [transfer(gift.reference) | {"amount": 500000}]}).encode()
    assert post(bank_client, body, **signed_headers(body)).json()["matched"] == 1
