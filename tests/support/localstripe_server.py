"""Run localstripe (a Stripe-compatible test server) for the test suite.

``python -m tests.support.localstripe_server --port 8420 --store /tmp/x/localstripe.pickle``

localstripe's own command listens on every interface and pickles its store to a fixed
/tmp/localstripe.pickle on each write, so two test runs would share and overwrite one store.
This wrapper listens on 127.0.0.1 only, keeps the store where it is told, and adds
``DELETE /_config/webhooks`` so a test can forget the webhook URLs an earlier test registered
(localstripe only adds them). Forgetting them also drops events still waiting to be sent
(localstripe sends each about a second after it happens), so an event from one test never
reaches the next test's webhook.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import logging
import pickle

import aiohttp
from aiohttp import web
from localstripe import resources, server, webhooks


def _use_store(path: str) -> None:
    def dump_to_disk(store) -> None:
        if path:
            with open(path, "wb") as file:
                pickle.dump(store, file, protocol=pickle.HIGHEST_PROTOCOL)

    def try_load_from_disk(store) -> None:
        if not path:
            return
        try:
            with open(path, "rb") as file:
                old = pickle.load(file)  # noqa: S301 - our own file, written by this process
        except FileNotFoundError:
            return
        store.clear()
        store.update(old)

    resources.Store.dump_to_disk = dump_to_disk
    resources.Store.try_load_from_disk = try_load_from_disk


_generation = {"current": 0}  # bumped when webhooks are forgotten


async def _send_webhook(event, generation: int) -> None:
    """localstripe's webhooks._send_webhook, but dropped if the webhooks were forgotten while
    it waited."""
    payload = json.dumps(event._export(), indent=2, sort_keys=True).encode("utf-8")
    signed_payload = b"%d.%s" % (event.created, payload)
    await asyncio.sleep(1)
    if generation != _generation["current"]:
        return
    for webhook in list(webhooks._webhooks.values()):
        if webhook.events is not None and event.type not in webhook.events:
            continue
        signature = hmac.new(webhook.secret.encode("utf-8"), signed_payload, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": f"t={event.created},v1={signature}",
        }
        try:
            async with aiohttp.ClientSession() as session, session.post(webhook.url, data=payload, headers=headers):
                pass
        except aiohttp.ClientError as exc:
            logging.getLogger(__name__).warning("webhook %s to %s failed: %s", event.type, webhook.url, exc)


def _schedule_webhook(event) -> None:
    asyncio.ensure_future(_send_webhook(event, _generation["current"]))


async def _forget_webhooks(request: web.Request) -> web.Response:
    webhooks._webhooks.clear()
    _generation["current"] += 1
    return web.Response()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--store", default="", help="pickle file for localstripe's data; empty: memory only")
    args = parser.parse_args(argv)

    _use_store(args.store)
    # resources imported the function by name; replace it there.
    resources.schedule_webhook = _schedule_webhook
    resources.store.try_load_from_disk()
    server.app.router.add_delete("/_config/webhooks", _forget_webhooks)
    web.run_app(server.app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
