"""pytest plugin: a localstripe server for the session, emptied before each test that uses it.

Registered in tests/conftest.py (``pytest_plugins``). A test asks for ``localstripe``: Stripe
settings then point at the server (``STRIPE_API_BASE``) with test keys and a webhook secret,
and the fixture's helpers create test cards, confirm payments as Stripe.js would, and register
a webhook URL (for tests with a live server, which then receive localstripe's signed events).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "sk_test_localstripe"
PUBLISHABLE_KEY = "pk_test_localstripe"
WEBHOOK_SECRET = "whsec_test_localstripe"
START_TIMEOUT = 20  # seconds; the server imports aiohttp and localstripe first

# Test card numbers localstripe knows (the same as Stripe's).
CARD_VISA = "4242424242424242"
CARD_DECLINED_ON_CHARGE = "4000000000000341"
CARD_3DS = "4000002500003155"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with code {process.returncode}")
        with contextlib.suppress(requests.ConnectionError):
            requests.get(f"{url}/js.stripe.com/v3/", timeout=2)
            return
        time.sleep(0.1)
    raise RuntimeError(f"localstripe did not answer on {url} within {START_TIMEOUT} s")


@dataclass
class LocalStripe:
    """The running server and what tests do with it."""

    url: str

    def _post(self, path: str, data: dict) -> dict:
        response = requests.post(f"{self.url}{path}", data=data, auth=(SECRET_KEY, ""), timeout=10)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """Forget every object and every registered webhook."""
        requests.delete(f"{self.url}/_config/data", timeout=10).raise_for_status()
        requests.delete(f"{self.url}/_config/webhooks", timeout=10).raise_for_status()

    def register_webhook(self, url: str, *, secret: str = WEBHOOK_SECRET, events: list[str] | None = None) -> None:
        """Have localstripe send its events, signed with ``secret``, to ``url`` (about a second
        after each happens; each event is sent once)."""
        data: dict = {"url": url, "secret": secret}
        if events:
            data["events[]"] = events
        requests.post(f"{self.url}/_config/webhooks/test", data=data, timeout=10).raise_for_status()

    def card(self, number: str = CARD_VISA) -> str:
        """A PaymentMethod for a test card, as Stripe.js would create it in the browser."""
        card = {"card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2040", "card[cvc]": "123"}
        return self._post("/v1/payment_methods", {"type": "card", **card})["id"]

    def pay(self, payment_intent_id: str, number: str = CARD_VISA) -> dict:
        """Confirm a PaymentIntent with a test card, the way the donor's browser would.

        localstripe refuses ``confirm`` with a payment method, so set the method first."""
        self._post(f"/v1/payment_intents/{payment_intent_id}", {"payment_method": self.card(number)})
        return self._post(f"/v1/payment_intents/{payment_intent_id}/confirm", {})

    def events(self, type: str | None = None) -> list[dict]:
        params = {"type": type} if type else {}
        response = requests.get(f"{self.url}/v1/events", params=params, auth=(SECRET_KEY, ""), timeout=10)
        response.raise_for_status()
        return response.json()["data"]


@pytest.fixture(scope="session")
def localstripe_server(tmp_path_factory):
    """One localstripe for the whole run, on a free port, with its store in a temporary folder."""
    port = _free_port()
    folder = tmp_path_factory.mktemp("localstripe")
    # Its log goes to a file, not a pipe nobody reads (a full pipe would stall the server).
    with open(folder / "server.log", "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.localstripe_server",
                "--port",
                str(port),
                "--store",
                str(folder / "store.pickle"),
            ],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait_until_up(url, process)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{(folder / 'server.log').read_text()[-2000:]}") from None
        yield LocalStripe(url=url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def localstripe(localstripe_server, settings):
    """An empty localstripe, and Stripe settings pointing at it for this test."""
    localstripe_server.reset()
    settings.STRIPE_API_BASE = localstripe_server.url
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    yield localstripe_server
    # Events still in flight must not reach a later test's live server.
    localstripe_server.reset()
