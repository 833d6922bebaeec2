"""The Wagtail admin under its own Content-Security-Policy (docs/decisions/0030): the page editor,
its preview panel (Wagtail renders the preview as a request for the public page's path, framed
by the admin) and a chooser modal (HTML with inline scripts, inserted by Wagtail's own script)
all work, and the browser reports no violation (tests/e2e/conftest.py fails the test if it does)."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from .test_back_office import PASSWORD, _sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_page_editor_previews_and_chooses_under_the_admins_policy(new_page, live_server, donate_page):
    get_user_model().objects.create_superuser("quantri", "quantri@example.org", PASSWORD)
    page = _sign_in(new_page, live_server, "quantri")
    fund_page = donate_page.get_parent()
    page.goto(f"{live_server.url}/admin/pages/{fund_page.pk}/edit/")

    page.locator('[data-side-panel-toggle="preview"]').first.click()
    preview = page.frame_locator("iframe[src*='/edit/preview/']")
    expect(preview.locator("h1")).to_contain_text(fund_page.title)

    page.locator("[data-chooser-action-choose]").first.click()
    expect(page.locator(".modal")).to_be_visible()
    expect(page.locator(".modal .modal-content")).not_to_be_empty()
