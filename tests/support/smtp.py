"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests that send mail the way production does.

``smtp_server`` collects every message it accepts (the envelope and the parsed email) and can be
stopped and started again on the same port, to play a mail server that is down and comes back.
``smtp_email_settings`` also points Django's SMTP backend at it for the test.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        # Django folds a long encoded subject onto the next line ("Subject: \r\n =?utf-8?..."),
        # which the parser keeps as a leading space; mail clients drop it.
        return str(self.message["Subject"]).strip()

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    @property
    def attachments(self) -> list[tuple[str, str, bytes]]:
        """(file name, content type, bytes) of each attachment."""
        return [
            (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in self.message.iter_attachments()
        ]


class CollectingHandler:
    """aiosmtpd handler that keeps what it accepts. ``delay`` holds each DATA reply back, to
    keep a sender busy (a slow server)."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self.delay = 0.0
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), parsed))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float) -> list[ReceivedMail]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._arrived.wait(left)
            return list(self.messages)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class SmtpServer:
    """One port for the whole test: ``stop()`` makes connections to it refused, ``start()``
    serves again on the same port with the same collected messages."""

    def __init__(self) -> None:
        self.host = HOST
        self.port = _free_port()
        self.handler = CollectingHandler()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        """For a process configured by EMAIL_URL (django-environ)."""
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[ReceivedMail]:
        return list(self.handler.messages)

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is None:
            # A fresh controller each time: a stopped one keeps its closed event loop.
            controller = Controller(self.handler, hostname=self.host, port=self.port, ready_timeout=10)
            controller.start()
            self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = 30.0) -> list[ReceivedMail]:
        """The messages once ``count`` have arrived (or all there are when ``timeout`` ends)."""
        return self.handler.wait_for(count, timeout)


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_email_settings(smtp_server, settings):
    """Django's own SMTP backend talking to ``smtp_server`` (plain SMTP, no login), with a short
    timeout so a server that is down fails a test quickly rather than hanging it."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return smtp_server
