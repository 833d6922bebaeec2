"""End-to-end tests: a real headless Chromium (Debian's package, driven by Playwright) against
pytest-django's live server, with the public pages built in the test database.

The browser runs once for the e2e tests. Without /usr/bin/chromium these tests are skipped, unless
REQUIRE_BROWSER_TESTS is set (CI sets it), when they fail instead.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from django.db import connections
from django.utils import translation
from django.utils.translation import gettext

from fund.services import fund_create
from tests.support.site import donate_page_build

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 10_000
PHONE = {"width": 375, "height": 740}
# URL prefix of each language (Vietnamese, the default language, has none).
PREFIX = {"vi": "", "en": "/en", "ar": "/ar"}


@pytest.fixture(scope="package", autouse=True)
def browser(django_db_setup, django_db_blocker):
    """One Chromium for the e2e tests, started before any of their database fixtures.

    Playwright's sync API leaves its event loop marked as running in this thread. While it is,
    Django (through asgiref) keeps this thread's database connections apart from the ones it
    used before, and refuses database calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set. So the
    browser starts first, the new connection gets the migrated rows that serialized rollback
    restores, and everything is undone when the last e2e test has run."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium package (make test does)"
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            pytest.fail(f"REQUIRE_BROWSER_TESTS is set but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()
    finally:
        with django_db_blocker.unblock():
            connections.close_all()  # this loop's connections, before it stops
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Runs in every document before its own scripts: each securitypolicyviolation event, in the
# page and in its frames, is handed to the test (Playwright's binding is not subject to the
# page's policy, so the watcher itself needs no exception in it).
WATCH_POLICY = """
document.addEventListener("securitypolicyviolation", (event) => {
    window.__policyViolation({directive: event.effectiveDirective, blocked: event.blockedURI,
        page: event.documentURI, source: event.sourceFile, line: event.lineNumber, sample: event.sample,
        disposition: event.disposition});
});
"""


@pytest.fixture
def csp_violations():
    """What the pages of this test were refused by their Content-Security-Policy (or told about
    their Permissions-Policy): every browser test fails if it is not empty at the end. A test
    that provokes a violation on purpose checks it, then clears the list."""
    found: list = []
    yield found
    assert not found, "the browser reported policy violations:\n" + "\n".join(map(str, found))


@pytest.fixture
def new_page(browser, csp_violations):
    """Open a tab in a fresh browser context (no cookies shared between tests), watched for
    Content-Security-Policy violations (csp_violations)."""
    contexts = []

    def console(message):
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text or "Permissions Policy" in text:
            csp_violations.append({"console": message.type, "text": text[:500]})

    def _new_page(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.expose_binding("__policyViolation", lambda source, violation: csp_violations.append(violation))
        context.add_init_script(WATCH_POLICY)
        contexts.append(context)
        page = context.new_page()
        page.on("console", console)
        return page

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def fund(restore_migrated_rows_after_flush, transactional_db):
    return fund_create(name="Children's Protection Fund", code="CPF", restricted_purpose="Children in care")


@pytest.fixture
def donate_page(fund):
    """The site as the public sees it (tests.support.site), committed (transactional test), so
    the live server sees it."""
    return donate_page_build(fund)


@pytest.fixture
def donate_url(live_server, donate_page):
    """The donate page's absolute URL in a language: donate_url("en")."""
    path = donate_page.url  # the Vietnamese page: /cpf/ung-ho/

    def _url(language: str) -> str:
        return f"{live_server.url}{PREFIX[language]}{path}"

    return _url


def in_own_thread(function):
    """Run ``function`` in a new thread and return its result. For database reads from inside
    a Playwright callback, which runs in Playwright's own greenlet (and would otherwise open a
    connection nobody closes)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function()
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def admin_sign_in(page, base_url: str, username: str, password: str) -> None:
    """The back office's two steps, as a person takes them: the password, then the code the
    user's authenticator app shows now (a device with the tests' key is set up if they have
    none; tests/support/two_factor.py)."""
    from django.contrib.auth import get_user_model

    from staff.two_factor import totp_code
    from tests.support.two_factor import staff_device

    device = in_own_thread(lambda: staff_device(get_user_model().objects.get(username=username)))
    page.goto(f"{base_url}/admin/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url("**/admin/two-factor/verify/**")
    # A code works once: when this user already used the current one (a second sign-in within
    # the same 30 s), type the next one, which the one-step tolerance accepts.
    device = in_own_thread(lambda: type(device).objects.get(pk=device.pk))
    now = time.time()
    at = now if int(now // device.step) > device.last_t else (device.last_t + 1) * device.step
    page.locator("input[name=code]").fill(totp_code(device.key, at=at))
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url("**/admin/")


def wait_for(predicate, *, timeout: float = 15, message: str = "condition"):
    """Poll ``predicate`` (a database read, usually) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(0.1)


def t(language: str, text: str) -> str:
    """What a donor reads on the page in ``language`` for the English source ``text``: the
    translation when the catalogue has one, else the English text (as the page shows it)."""
    with translation.override(language):
        return gettext(text)
