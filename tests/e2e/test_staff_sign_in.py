"""Staff sign in with two steps in a real browser: each role with a one-time code; the password
alone reaches no admin page; a first sign-in sets up an app on a phone; twenty wrong passwords
lock the account, and the lock lifts later by itself or at once by an administrator."""

import datetime
import re
from base64 import b32encode

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from staff.roles import ROLES
from staff.services import roles_sync
from staff.two_factor import secret_from_base32, totp_code
from tests.support.qr import decode, quiet_zone_problems

from .conftest import PHONE, admin_sign_in, in_own_thread, t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "a long pass phrase for tests"  # noqa: S105 - test users only


@pytest.fixture
def staff(restore_migrated_rows_after_flush):
    roles_sync()
    users = {}
    for number, role in enumerate(ROLES):
        user = User.objects.create_user(f"staff{number}", f"staff{number}@example.org", PASSWORD)
        user.groups.add(Group.objects.get(name=role.name))
        users[role.name] = user
    users["superuser"] = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    return users


def _password_step(page, base_url, username, password=PASSWORD):
    page.goto(f"{base_url}/admin/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form.login-form button[type=submit]").click()


def test_each_role_signs_in_with_a_code_and_not_without(new_page, live_server, staff, screenshot_dir):
    for user in staff.values():
        page = new_page(locale="vi-VN")
        admin_sign_in(page, live_server.url, user.username, PASSWORD)
        expect(page).to_have_url(re.compile(r"/admin/$"))
        expect(page.locator("#wagtail-sidebar, [data-side-panel-toggle], .sidebar").first).to_be_attached()
        page.context.close()

    # The password alone: every admin address leads to the code, never to the page.
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    _password_step(page, live_server.url, staff["Fund accountant"].username)
    expect(page).to_have_url(re.compile(r"/admin/two-factor/verify/"))
    for path in ("/admin/", "/admin/reports/fund-statement/", "/admin/audit/trail/", "/admin/pages/"):
        page.goto(f"{live_server.url}{path}")
        expect(page).to_have_url(re.compile(r"/admin/two-factor/verify/\?next="))
    expect(page.get_by_role("heading", name=t("vi", "Enter your sign-in code"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "sign-in-code-375.png", full_page=True)
    page.locator("input[name=code]").fill("000000")
    page.locator("form.login-form button[type=submit]").click()
    expect(page.locator(".error-message, .w-field__errors").first).to_contain_text(
        t("vi", "That code did not work. Enter the newest code from your app, or a recovery code.")
    )
    page.goto(f"{live_server.url}/admin/reports/fund-statement/")
    expect(page).to_have_url(re.compile(r"/admin/two-factor/verify/"))


def test_a_first_sign_in_sets_up_the_app_on_a_phone(new_page, live_server, staff, screenshot_dir, tmp_path):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    in_own_thread(
        lambda: User.objects.create_user("moi", "moi@example.org", PASSWORD).groups.add(
            Group.objects.get(name="Case worker")
        )
    )
    _password_step(page, live_server.url, "moi")
    expect(page).to_have_url(re.compile(r"/admin/two-factor/set-up/"))
    qr = page.locator("[data-staff-qr] svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "sign-in-set-up-375.png", full_page=True)
    key = secret_from_base32(page.locator("[data-staff-secret]").inner_text())
    # The code as the phone's camera sees it: whole, with its margin, and carrying this key.
    picture = qr.screenshot()
    (scanned,) = decode(picture, tmp_path)
    assert (
        scanned.startswith("otpauth://totp/")
        and f"secret={b32encode(bytes.fromhex(key)).decode().rstrip('=')}" in scanned
    )
    assert quiet_zone_problems(picture, scanned, tmp_path) == ""
    page.locator("input[name=code]").fill(totp_code(key))
    page.locator("form.login-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/two-factor/recovery-codes/"))
    expect(page.locator("[data-staff-recovery-codes] li")).to_have_count(10)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "sign-in-recovery-codes-375.png", full_page=True)
    page.get_by_role("link", name=t("vi", "I have kept them: continue")).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_twenty_wrong_passwords_lock_the_account_until_later_or_an_administrator(
    new_page, live_server, staff, screenshot_dir
):
    # The administrator is signed in already: the address is about to be locked too.
    admin = new_page()
    admin_sign_in(admin, live_server.url, "root", PASSWORD)
    accountant = staff["Fund accountant"].username

    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    for _ in range(20):
        _password_step(page, live_server.url, accountant, "not the password")
    _password_step(page, live_server.url, accountant)
    expect(page.locator("[data-staff-locked]")).to_be_visible()
    expect(page.get_by_role("heading", name=t("vi", "Sign-in locked"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("30")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for button in page.locator("main .button").all():  # labels wrap inside their buttons
        assert page.evaluate("(b) => b.scrollWidth <= b.clientWidth", button.element_handle())
    # Wagtail slides messages in once its script has run: the picture shows where they settle.
    page.wait_for_function("() => getComputedStyle(document.querySelector('[data-staff-locked] > ul')).opacity === '1'")
    page.screenshot(path=screenshot_dir / "sign-in-locked-375.png", full_page=True)

    # Thirty-one minutes later (the failures' times moved back), it lifts by itself.
    in_own_thread(lambda: AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31)))
    admin_sign_in(page, live_server.url, accountant, PASSWORD)
    page.context.close()

    # Locked again; the administrator unlocks at once. (The failures were counted against the
    # account from this address: forgetting them opens both.)
    page = new_page(locale="vi-VN")
    for _ in range(20):
        _password_step(page, live_server.url, accountant, "not the password")
    _password_step(page, live_server.url, accountant)
    expect(page.locator("[data-staff-locked]")).to_be_visible()
    admin.goto(f"{live_server.url}/admin/staff/sign-in/")
    expect(admin.locator(f"[data-staff-user='{accountant}']")).to_contain_text(t("vi", "Locked"))
    admin.screenshot(path=screenshot_dir / "sign-in-index-1280.png", full_page=True)
    admin.goto(f"{live_server.url}/admin/staff/sign-in/{staff['Fund accountant'].pk}/")
    expect(admin.locator("[data-staff-failures]")).to_have_attribute("data-staff-failures", "21")
    admin.screenshot(path=screenshot_dir / "sign-in-user-1280.png", full_page=True)
    admin.locator("[data-staff-action='unlock']").click()
    expect(admin.locator("[data-staff-failures]")).to_have_attribute("data-staff-failures", "0")
    admin_sign_in(page, live_server.url, accountant, PASSWORD)
    expect(page).to_have_url(re.compile(r"/admin/$"))
