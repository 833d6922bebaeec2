"""The webhook's lookups through the real stripe-python client, against a small HTTP server that
answers as Stripe's API reference shows: the query each lookup sends, what it reads back, and a
Stripe error becoming StripeLookupFailed. (localstripe has no /v1/invoice_payments.)"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from payments.stripe_client import (
    StripeLookupFailed,
    stripe_invoice,
    stripe_invoice_paid_by,
    stripe_invoice_payments,
)

from .shapes import PINNED, Month, invoice


def invoice_payment(month: Month, *, status="paid", expanded=False) -> dict:
    return {
        "id": "inpay_" + month.invoice_id[3:] + status,
        "object": "invoice_payment",
        "amount_paid": month.amount if status == "paid" else None,
        "amount_requested": month.amount,
        "created": month.paid_at,
        "currency": "vnd",
        "invoice": invoice(month, PINNED) if expanded else month.invoice_id,
        "is_default": status == "paid",
        "livemode": False,
        "payment": {"type": "payment_intent", "payment_intent": month.intent_id if status == "paid" else "pi_old"},
        "status": status,
        "status_transitions": {"canceled_at": None, "paid_at": month.paid_at if status == "paid" else None},
    }


class FakeApi(BaseHTTPRequestHandler):
    answers: dict = {}
    requests: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        query = parse_qsl(url.query)
        self.requests.append((url.path, query))
        status, body = self.answers.get(url.path, (404, {"error": {"type": "invalid_request_error"}}))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def api(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.STRIPE_SECRET_KEY = "sk_test_lookups"
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    FakeApi.answers, FakeApi.requests = {}, []
    yield FakeApi
    server.shutdown()
    server.server_close()


def page(*items):
    return {"object": "list", "data": list(items), "has_more": False, "url": "/v1/invoice_payments"}


def test_an_invoices_payments_paid_one_first(api):
    month = Month(subscription_id="sub_l", amount=150000)
    api.answers["/v1/invoice_payments"] = (200, page(invoice_payment(month, status="canceled"), invoice_payment(month)))
    payments = stripe_invoice_payments(invoice_id=month.invoice_id)
    assert api.requests == [("/v1/invoice_payments", [("invoice", month.invoice_id), ("limit", "20")])]
    assert [(p["payment_intent"], p["status"]) for p in payments] == [(month.intent_id, "paid"), ("pi_old", "canceled")]
    assert payments[0]["invoice"] == month.invoice_id and payments[0]["amount_paid"] == 150000


def test_the_invoice_a_payment_intent_paid_in_one_call(api):
    month = Month(subscription_id="sub_l", amount=150000, reference="CTREF1")
    api.answers["/v1/invoice_payments"] = (200, page(invoice_payment(month, expanded=True)))
    paid, inv = stripe_invoice_paid_by(payment_intent_id=month.intent_id)
    ((path, query),) = api.requests
    assert path == "/v1/invoice_payments"
    assert sorted(query) == sorted(
        [
            ("payment[type]", "payment_intent"),
            ("payment[payment_intent]", month.intent_id),
            ("limit", "1"),
            ("expand[0]", "data.invoice"),
        ]
    )
    assert (paid["invoice"], paid["payment_intent"]) == (month.invoice_id, month.intent_id)
    assert inv["parent"]["subscription_details"]["metadata"] == {"recurring_gift": "CTREF1"}


def test_a_payment_intent_that_paid_no_invoice(api):
    api.answers["/v1/invoice_payments"] = (200, page())
    assert stripe_invoice_paid_by(payment_intent_id="pi_alone") == (None, None)


def test_an_invoice_read_back(api):
    month = Month(subscription_id="sub_l", amount=150000)
    api.answers[f"/v1/invoices/{month.invoice_id}"] = (200, invoice(month, PINNED))
    assert stripe_invoice(invoice_id=month.invoice_id)["amount_paid"] == 150000


@pytest.mark.parametrize("status", [404, 401, 429, 500])
def test_stripe_refusing_or_failing_is_a_lookup_failure(api, status):
    api.answers["/v1/invoice_payments"] = (status, {"error": {"type": "api_error", "message": "no"}})
    with pytest.raises(StripeLookupFailed, match="in_missing"):
        stripe_invoice_payments(invoice_id="in_missing")


def test_stripe_unreachable_is_a_lookup_failure(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_lookups"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(StripeLookupFailed, match="pi_x"):
        stripe_invoice_paid_by(payment_intent_id="pi_x")
