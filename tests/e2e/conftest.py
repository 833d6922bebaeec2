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
from wagtail.models import Locale, Site

from cms.models import BankAccountSettings, DonatePage, FundPage
from fund.models import Organisation
from fund.services import fund_create

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 10_000
PHONE = {"width": 375, "height": 740}
# URL prefix of each language (Vietnamese, the default language, has none).
PREFIX = {"vi": "", "en": "/en", "ar": "/ar"}
BANK = {
    "bank_name": "Vietcombank",
    "bank_bin": "970436",
    "bank_account_number": "0011001234567",
    "bank_account_holder": "TRUNG TAM TEST",
}


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


@pytest.fixture
def new_page(browser):
    """Open a tab in a fresh browser context (no cookies shared between tests)."""
    contexts = []

    def _new_page(**options):
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

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
    """The site as the public sees it: the organisation's bank details, the fund's page and its
    donate page, in Vietnamese with English and Arabic copies. Committed (transactional test),
    so the live server sees it. Leaner than demo.site.site_seed, which builds pages these tests
    never open."""
    site = Site.objects.filter(is_default_site=True).first()
    assert site is not None, (
        "Wagtail's default site is missing from the test database (left empty by an interrupted "
        "run with --reuse-db?): run once with --create-db"
    )
    bank_account = BankAccountSettings.for_site(site)
    for name, value in BANK.items():
        setattr(bank_account, name, value)
    bank_account.save()
    Organisation.objects.update_or_create(defaults={"name": "Trung tâm Bảo trợ xã hội (test)"})

    home = site.root_page.specific
    fund_page = FundPage(title="Quỹ Bảo trợ trẻ em", slug="cpf", fund=fund)
    home.add_child(instance=fund_page)
    fund_page.save_revision().publish()
    page = DonatePage(title="Ủng hộ", slug="ung-ho")
    fund_page.add_child(instance=page)
    page.save_revision().publish()
    for language in ("en", "ar"):
        locale, _ = Locale.objects.get_or_create(language_code=language)
        for original in (home, fund_page, page):
            if not original.get_translations().filter(locale=locale).exists():
                original.copy_for_translation(locale, copy_parents=True).save_revision().publish()
    return page


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
