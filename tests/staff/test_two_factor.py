"""The second step of a staff sign-in: who needs it, setting up an app, codes, recovery codes,
an administrator's reset. Real sessions through the test client and the real middleware."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from staff.roles import ROLES
from staff.services import roles_sync
from staff.two_factor import secret_from_base32, totp_code, two_factor_required
from tests.support.language import shown
from tests.support.roles import role_user
from tests.support.two_factor import TEST_TOTP_KEY, force_login_password_only, staff_device, totp_now

pytestmark = pytest.mark.django_db

CODE_REFUSED = "That code did not work. Enter the newest code from your app, or a recovery code."
CODE_MISMATCH = "That code does not match. Check the time on your phone and enter the newest code."


@pytest.fixture
def accountant():
    roles_sync()
    return role_user("Fund accountant", "hoa")


def password_only(user) -> Client:
    client = Client()
    force_login_password_only(client, user)
    return client


def test_every_role_and_every_superuser_needs_a_second_factor():
    roles_sync()
    for number, role in enumerate(ROLES):
        assert two_factor_required(role_user(role.name, f"user{number}")), role.name
    assert two_factor_required(User.objects.create_superuser("root", "root@example.org", "pw"))
    # An account that cannot open the back office (none exists today) is not asked.
    assert not two_factor_required(User.objects.create_user("nobody", "nobody@example.org", "pw"))


def test_the_password_alone_reaches_no_admin_page(accountant):
    staff_device(accountant)
    client = password_only(accountant)
    for url in ("/admin/", "/admin/reports/fund-statement/", "/admin/audit/trail/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/two-factor/verify/?next="), url
    # The admin's JSON endpoints and choosers answer 403 instead of a page.
    response = client.get("/admin/api/main/pages/", HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    chooser = client.get("/admin/choose-page/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert chooser.status_code == 403
    # Signing out still works.
    assert client.post("/admin/logout/").status_code == 302
    assert client.get("/admin/").headers["Location"].startswith("/admin/login/")


def test_a_code_from_the_app_completes_the_sign_in(accountant):
    staff_device(accountant)
    client = password_only(accountant)
    page = client.get("/admin/two-factor/verify/?next=/admin/reports/fund-statement/")
    assert page.status_code == 200 and b'autocomplete="one-time-code"' in page.content
    key_before = client.session.session_key

    refused = client.post("/admin/two-factor/verify/", {"code": "000000", "next": "/admin/"})
    assert refused.status_code == 200 and shown(CODE_REFUSED) in refused.content
    assert client.get("/admin/").status_code == 302

    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    done = client.post(
        "/admin/two-factor/verify/", {"code": totp_now(accountant), "next": "/admin/reports/fund-statement/"}
    )
    assert done.status_code == 302 and done["Location"] == "/admin/reports/fund-statement/"
    assert client.get("/admin/").status_code == 200
    assert client.session.session_key != key_before  # a new session key after the second step
    actions = list(AuditEntry.objects.filter(object_id=str(accountant.pk)).values_list("action", flat=True))
    assert actions.count("staff.sign_in") == 1 and actions.count("staff.sign_in.code_refused") == 1
    entry = AuditEntry.objects.get(action="staff.sign_in")
    assert entry.actor == accountant and entry.data == {"ip_address": "127.0.0.1", "method": "authenticator"}


def test_the_same_code_does_not_sign_in_twice(accountant):
    code = totp_now(accountant)
    first = password_only(accountant)
    assert first.post("/admin/two-factor/verify/", {"code": code})["Location"] == "/admin/"
    second = password_only(accountant)
    assert second.post("/admin/two-factor/verify/", {"code": code}).status_code == 200


def test_an_outside_next_address_is_not_followed(accountant):
    client = password_only(accountant)
    response = client.post("/admin/two-factor/verify/", {"code": totp_now(accountant), "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"


def test_first_sign_in_sets_up_the_app_and_shows_recovery_codes_once(accountant):
    client = password_only(accountant)
    assert client.get("/admin/")["Location"].startswith("/admin/two-factor/set-up/")
    page = client.get("/admin/two-factor/set-up/").content.decode()
    assert "<svg" in page  # the QR code, inline
    secret = re.search(r"data-staff-secret>([A-Z2-7 ]+)</code>", page).group(1)
    key = secret_from_base32(secret)
    assert client.get("/admin/two-factor/set-up/").content.decode().count(secret) == 1  # same key on reload

    wrong = client.post("/admin/two-factor/set-up/", {"code": "123456"})
    assert wrong.status_code == 200 and shown(CODE_MISMATCH) in wrong.content
    assert not TOTPDevice.objects.filter(user=accountant).exists()

    done = client.post("/admin/two-factor/set-up/", {"code": totp_code(key), "next": "/admin/"})
    assert done["Location"].startswith("/admin/two-factor/recovery-codes/")
    codes_page = client.get(done["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", codes_page)
    assert len(codes) == 10 and set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    assert client.get(done["Location"]).status_code == 302  # shown once
    assert client.get("/admin/").status_code == 200
    device = TOTPDevice.objects.get(user=accountant)
    assert device.confirmed and device.key == key
    assert AuditEntry.objects.filter(action="staff.two_factor.enrol", object_id=str(accountant.pk)).exists()


def test_a_recovery_code_works_once(accountant):
    staff_device(accountant)
    client = password_only(accountant)
    from staff.two_factor import recovery_codes_renew

    codes = recovery_codes_renew(user=accountant)
    assert client.post("/admin/two-factor/verify/", {"code": codes[0].upper()})["Location"] == "/admin/"
    again = password_only(accountant)
    assert again.post("/admin/two-factor/verify/", {"code": codes[0]}).status_code == 200
    assert StaticToken.objects.count() == 9


def test_outside_the_admin_a_password_only_session_is_nobody(accountant, rf):
    from django.contrib.auth import get_user
    from django.contrib.sessions.backends.db import SessionStore

    from staff.middleware import StaffSignInMiddleware

    staff_device(accountant)
    client = password_only(accountant)
    seen = {}

    def view(request):
        seen["user"] = request.user
        return None

    request = rf.get("/en/")
    request.COOKIES["sessionid"] = client.session.session_key
    request.session = SessionStore(session_key=client.session.session_key)
    request.user = get_user(request)
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    StaffSignInMiddleware(view)(request)
    assert not seen["user"].is_authenticated


def test_an_administrator_resets_a_lost_phone(accountant):
    admin = User.objects.create_superuser("root", "root@example.org", "pw")
    staff_device(accountant)
    signed_in = Client()
    signed_in.force_login(accountant)
    assert signed_in.get("/admin/").status_code == 200

    # Another role may not.
    roles_sync()
    other = Client()
    other.force_login(role_user("Auditor", "kiem"))
    refused = other.post(f"/admin/staff/sign-in/{accountant.pk}/", {"action": "two_factor_reset"})
    assert refused.status_code == 302 and refused["Location"] == "/admin/"  # Wagtail's "no permission"
    assert TOTPDevice.objects.filter(user=accountant, key=TEST_TOTP_KEY).exists()

    client = Client()
    client.force_login(admin)
    screen = client.get(f"/admin/staff/sign-in/{accountant.pk}/")
    assert b'data-staff-enrolled="yes"' in screen.content
    response = client.post(f"/admin/staff/sign-in/{accountant.pk}/", {"action": "two_factor_reset"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=accountant).exists()
    entry = AuditEntry.objects.get(action="staff.two_factor.reset")
    assert entry.actor == admin and entry.object_id == str(accountant.pk)
    # Their open session ended; signing in again leads to setting up an app.
    assert signed_in.get("/admin/")["Location"].startswith("/admin/login/")
    assert password_only(accountant).get("/admin/")["Location"].startswith("/admin/two-factor/set-up/")
    listing = client.get("/admin/staff/sign-in/").content.decode()
    assert 'data-staff-user="hoa"' in listing
