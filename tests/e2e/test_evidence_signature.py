"""A guardian signs a handover on a phone: a case worker opens the allocation at 375 px, the
signature box fits the screen, a stroke drawn with the mouse and one with a finger become a PNG,
and the allocation then lists it as evidence, stored as a drawn signature."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from djmoney.money import Money
from playwright.sync_api import expect

from care.models import Evidence
from care.services import allocation_propose, beneficiary_admit
from staff.services import roles_sync

from .conftest import PHONE, admin_sign_in, t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def allocation(fund):
    roles_sync()
    case_worker = User.objects.create_user("cw-phone", "cw@example.org", "phone-pass-123")
    case_worker.groups.add(Group.objects.get(name="Case worker"))
    child = beneficiary_admit(
        case_number="TE-0375",
        full_name="Demo Bé Ký",
        date_of_birth=datetime.date(2015, 5, 1),
        group="child",
        programme="orphan",
        admitted_on=datetime.date(2023, 1, 1),
    )
    return allocation_propose(
        beneficiary=child, fund=fund, kind="cash", amount=Money(300_000, "VND"), purpose="Áo ấm", actor=case_worker
    )


def stroke(page, box, points, pointer_type):
    """One stroke through ``points`` (fractions of the box), as a mouse or a finger would draw it."""
    canvas = page.locator("[data-signature-canvas]")
    coords = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    if pointer_type == "mouse":
        page.mouse.move(*coords[0])
        page.mouse.down()
        for x, y in coords[1:]:
            page.mouse.move(x, y, steps=4)
        page.mouse.up()
        return
    for index, (x, y) in enumerate(coords):
        kind = "pointerdown" if index == 0 else "pointermove"
        canvas.dispatch_event(
            kind, {"pointerType": "touch", "pointerId": 7, "clientX": x, "clientY": y, "isPrimary": True}
        )
    canvas.dispatch_event("pointerup", {"pointerType": "touch", "pointerId": 7, "clientX": x, "clientY": y})


def test_a_signature_drawn_on_a_phone_is_attached(new_page, live_server, allocation):
    page = new_page(viewport=PHONE, has_touch=True, is_mobile=True, locale="vi-VN")
    admin_sign_in(page, live_server.url, "cw-phone", "phone-pass-123")
    page.goto(f"{live_server.url}/admin/care/allocations/inspect/{allocation.pk}/")

    canvas = page.locator("[data-signature-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert 250 <= box["width"] <= PHONE["width"]  # the box fits the phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    status = page.locator("[data-signature-status]")
    expect(status).to_have_text(t("vi", "Not signed yet."))

    stroke(page, box, [(0.1, 0.6), (0.3, 0.3), (0.5, 0.7), (0.7, 0.3)], "mouse")
    stroke(page, box, [(0.2, 0.8), (0.5, 0.75), (0.9, 0.8)], "touch")
    expect(status).to_have_text(t("vi", "Signed."))
    assert page.locator("[data-signature-input]").input_value().startswith("data:image/png;base64,")

    page.locator("[data-evidence-form] button[type=submit]").click()
    page.wait_for_url(f"**/admin/care/allocations/inspect/{allocation.pk}/")
    evidence = Evidence.objects.get()
    assert (evidence.kind, evidence.mime_type, evidence.subject) == ("signature", "image/png", allocation)
    link = page.locator(f'a[href="/admin/care/evidence/{evidence.pk}/"]')
    expect(link).to_be_visible()
    expect(page.locator("[data-evidence]")).to_contain_text(t("vi", "Signature drawn on screen"))


def test_clearing_the_box_leaves_nothing_to_attach(new_page, live_server, allocation):
    page = new_page(viewport=PHONE, has_touch=True, locale="vi-VN")
    admin_sign_in(page, live_server.url, "cw-phone", "phone-pass-123")
    page.goto(f"{live_server.url}/admin/care/allocations/inspect/{allocation.pk}/")
    canvas = page.locator("[data-signature-canvas]")
    canvas.scroll_into_view_if_needed()
    stroke(page, canvas.bounding_box(), [(0.1, 0.5), (0.9, 0.5)], "mouse")
    page.locator("[data-signature-clear]").click()
    assert page.locator("[data-signature-input]").input_value() == ""
    page.locator("[data-evidence-form] button[type=submit]").click()
    expect(page.locator(".help-critical")).to_contain_text(t("vi", "Choose a file, or sign in the box."))
    assert not Evidence.objects.exists()
