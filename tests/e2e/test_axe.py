"""The public pages audited by axe-core in the browser, in Vietnamese, English and Arabic: no
violation of impact serious or critical on the home, donate (before and after a failed submit),
bank and card thank-you, transparency, donor portal and verification pages.

axe-core comes from npm, pinned by tests/e2e/axe/package-lock.json and installed by `make test`
(npm ci into tests/e2e/axe/node_modules). Without it these tests are skipped, unless
REQUIRE_BROWSER_TESTS is set (CI sets it), when they fail instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from wagtail.models import Locale

from cms.models import TransparencyPage
from cms.models.donate import gift_token
from donors.services import donor_create
from fund.services import donation_record
from receipts.models import Receipt

from .conftest import PREFIX, t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AXE_JS = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}
SIGN_IN_LINK = re.compile(r"https?://\S+/receipts/portal/sign-in/[A-Za-z0-9_-]+/")
# WCAG 2.1 A and AA rules and axe's best practices: everything axe checks by default.
RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
    }));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_JS.exists():
        reason = f"{AXE_JS} is missing: run `npm ci --prefix tests/e2e/axe` (make test does)"
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            pytest.fail(f"REQUIRE_BROWSER_TESTS is set but {reason}")
        pytest.skip(reason)
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page, axe_source: str) -> list[dict]:
    """Violations of impact serious or critical on the page as it stands."""
    # Evaluated by the browser's DevTools protocol, which the page's Content-Security-Policy
    # does not govern: a <script> tag of axe's would be blocked like any script without the nonce.
    page.evaluate(axe_source)
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in FAILING_IMPACTS]


def describe(found: dict[str, list[dict]]) -> str:
    lines = []
    for where, violations in found.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']}")
            lines.extend(f"    {node['target']}: {node['summary']}" for node in v["nodes"][:5])
    return "\n".join(lines)


@pytest.fixture
def public_site(donate_page, fund):
    """What the audited pages show: a transparency page, a bank-transfer pledge, a received card
    gift and the receipt of a received gift, with a public name and an anonymous one."""
    home = donate_page.get_parent().get_parent().specific
    transparency = TransparencyPage(title="Minh bạch", slug="minh-bach")
    home.add_child(instance=transparency)
    transparency.save_revision().publish()
    for language in ("en", "ar"):
        locale = Locale.objects.get(language_code=language)
        transparency.copy_for_translation(locale, copy_parents=True).save_revision().publish()

    named = donor_create(
        kind="person", name="Nguyễn Thị Hồng Nhung", email="nhung@example.org", preferred_language="vi"
    )
    company = donor_create(kind="organisation", name="Công ty TNHH Ví Dụ", email="vidu@example.org")
    now = timezone.now()
    donation_record(
        fund=fund, donor=named, kind="cash", channel="cash", amount="1900000", received_at=now, is_anonymous=False
    )
    donation_record(fund=fund, donor=company, kind="cash", channel="bank_transfer", amount="25000000", received_at=now)
    bank = donation_record(fund=fund, donor=named, kind="cash", channel="bank_transfer", amount="500000")
    card = donation_record(fund=fund, donor=company, kind="cash", channel="card", amount="750000", received_at=now)
    receipt = Receipt.objects.filter(donor=named).order_by("pk").first()
    assert receipt is not None, "the received gift has no receipt"
    return {
        "donate": donate_page,
        "transparency": transparency,
        "bank_thanks": f"{donate_page.url}thanks/{gift_token('d', bank.reference)}/",
        "card_thanks": f"{donate_page.url}thanks/{gift_token('d', card.reference)}/",
        "verify": f"/receipts/verify/{receipt.verification_token}/",
    }


def signed_in_portal_violations(page, origin: str, language: str, axe_source: str) -> list[dict]:
    """The portal's list of receipts, reached as a donor reaches it: the emailed sign-in link."""
    mail.outbox.clear()
    page.get_by_label(t(language, "Email address")).fill("nhung@example.org")
    page.get_by_role("button", name=t(language, "Email me a sign-in link")).click()
    page.get_by_role("status").wait_for()
    assert len(mail.outbox) == 1, "no sign-in link was sent"
    link = SIGN_IN_LINK.search(mail.outbox[0].body).group(0)
    # The link is in the donor's language (Vietnamese); the list is then opened in the page's.
    page.goto(origin + urlsplit(link).path)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/receipts/portal/receipts/")
    page.goto(f"{origin}{PREFIX[language]}/receipts/portal/receipts/")
    assert page.locator("tr[data-number]").count() >= 1, "the signed-in list shows no receipt"
    return axe_violations(page, axe_source)


@pytest.mark.parametrize("language", ["vi", "en", "ar"])
def test_public_pages_have_no_serious_or_critical_axe_violations(axe_source, page, live_server, public_site, language):
    base = f"{live_server.url}{PREFIX[language]}"
    pages = {
        "home": "/",
        "donate": public_site["donate"].url,
        "bank thank-you": public_site["bank_thanks"],
        "card thank-you": public_site["card_thanks"],
        "transparency": public_site["transparency"].url,
        "donor portal": "/receipts/portal/",
        "verification": public_site["verify"],
    }
    found: dict[str, list[dict]] = {}
    for name, path in pages.items():
        response = page.goto(base + path)
        assert response.ok, f"{name} ({base + path}) answered {response.status}"
        found[name] = axe_violations(page, axe_source)
        if name == "donate":
            # The same page after a submit the server refuses: error summary and marked fields.
            page.get_by_role("button", name=t(language, "Continue")).click()
            page.wait_for_load_state()
            assert page.locator("#form-errors").count() == 1, "the empty form was not refused"
            found["donate after a failed submit"] = axe_violations(page, axe_source)
        if name == "donor portal":
            found["donor portal, signed in"] = signed_in_portal_violations(page, live_server.url, language, axe_source)
    found = {name: violations for name, violations in found.items() if violations}
    assert not found, f"axe-core found serious or critical violations ({language}):\n{describe(found)}"
