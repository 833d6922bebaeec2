"""Accessibility basics of the donation form, checked in the browser without any network
service: every field has an accessible name, errors take the focus and mark their fields, and a
bank-transfer pledge can be made with the keyboard alone."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from fund.models import Donation

from .conftest import t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Each visible field of the form with the name assistive technology announces for it (from
# aria-label, aria-labelledby or its <label>s), and for radios the legend of their group.
FIELD_NAMES = """form => Array.from(form.querySelectorAll("input, select, textarea"))
    .filter(el => el.type !== "hidden" && el.getClientRects().length && !el.closest('[aria-hidden="true"]'))
    .map(el => {
        const text = node => (node ? node.textContent : "").replace(/\\s+/g, " ").trim();
        const labelledBy = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
            .map(id => text(document.getElementById(id))).join(" ").trim();
        const labels = Array.from(el.labels || []).map(text).join(" ").trim();
        const fieldset = el.type === "radio" ? el.closest("fieldset") : null;
        return {
            field: el.id || el.name,
            name: (el.getAttribute("aria-label") || "").trim() || labelledBy || labels || (el.title || "").trim(),
            group: fieldset ? text(fieldset.querySelector("legend")) : null,
        };
    })"""

FOCUSED = """() => {
    const el = document.activeElement;
    return {tag: el.tagName, name: el.name || "", type: el.type || "", value: el.value || "",
            checked: !!el.checked};
}"""


def test_every_visible_field_has_an_accessible_name(page, donate_url):
    page.goto(donate_url("en"))
    form = page.locator("#donate-form")
    seen = {}
    # Each choice shows other parts of the form: check the fields of every part.
    for kind in ("Money", "Scholarships", "Goods (food, clothes, medicine…)", "School supplies"):
        page.get_by_role("radio", name=t("en", kind)).check()
        if kind == "Money":
            page.get_by_role("radio", name=t("en", "A pledge paid in instalments")).check()
            page.get_by_role("radio", name=t("en", "An organisation")).check()
            page.get_by_label(t("en", "Someone else is paying for this gift")).check()
        for field in form.evaluate(FIELD_NAMES):
            seen[field["field"]] = field
    unnamed = [f["field"] for f in seen.values() if not f["name"]]
    ungrouped = [f["field"] for f in seen.values() if f["group"] == ""]
    assert not unnamed, f"fields without an accessible name: {unnamed}"
    assert not ungrouped, f"radio buttons in a group without a legend: {ungrouped}"
    # The parts really were shown: money, instalments, organisation, payer, scholarship, goods.
    for field in ("id_amount", "id_instalments", "id_contact_person", "id_payer_name", "id_scholarship_count"):
        assert field in seen, f"{field} was never shown"
    assert "id_lines-0-description" in seen


def test_an_empty_form_moves_the_focus_to_the_errors_and_marks_the_fields(page, donate_url):
    page.goto(donate_url("vi"))
    page.get_by_role("button", name=t("vi", "Continue")).click()
    page.wait_for_load_state()

    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    for field_id in ("id_name", "id_email"):
        field = page.locator(f"#{field_id}")
        expect(field).to_have_attribute("aria-invalid", "true")
        described_by = field.get_attribute("aria-describedby").split()
        assert f"{field_id}-errors" in described_by
        expect(page.locator(f"#{field_id}-errors")).to_be_visible()
    assert Donation.objects.count() == 0


def tab_to(page, wanted, visited, *, limit=60):
    """Press Tab until the focused element matches ``wanted`` (a dict of FOCUSED's keys)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        visited.append(focused)
        if all(focused[key] == value for key, value in wanted.items()):
            return focused
    raise AssertionError(f"Tab never reached {wanted}; visited {[(f['tag'], f['name']) for f in visited]}")


def test_a_bank_transfer_pledge_can_be_made_with_the_keyboard_alone(page, donate_url):
    page.goto(donate_url("vi"))
    visited = []

    # A radio group takes one Tab stop; Space picks the focused choice (Money comes first).
    money = tab_to(page, {"name": "kind"}, visited)
    assert money["value"] == "cash"
    if not money["checked"]:
        page.keyboard.press("Space")
    tab_to(page, {"name": "amount"}, visited)
    page.keyboard.type("500.000")
    method = tab_to(page, {"name": "payment_method"}, visited)
    assert (method["value"], method["checked"]) == ("bank_transfer", True)  # the only method here
    tab_to(page, {"name": "name"}, visited)
    page.keyboard.type("Nguyễn Văn An")
    tab_to(page, {"name": "email"}, visited)
    page.keyboard.type("an@example.org")
    tab_to(page, {"tag": "BUTTON", "type": "submit"}, visited)
    page.keyboard.press("Enter")

    page.wait_for_url("**/thanks/*/")
    donation = Donation.objects.get()
    assert (donation.channel, donation.amount.amount) == ("bank_transfer", Decimal("500000"))
    expect(page.locator("code.reference")).to_have_text(donation.reference)
    # The honeypot field robots fill is hidden from people: Tab must not stop on it either.
    assert "website" not in [f["name"] for f in visited]
