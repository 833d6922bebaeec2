"""Staff sessions end when idle or on 'sign out everywhere'; the password policy; the demo
password refused where production's settings say so."""

import time

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory

from audit.models import AuditEntry
from staff.passwords import DEMO_PASSWORD
from staff.sessions import SEEN_KEY
from tests.support.language import shown

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return User.objects.create_superuser("lan", "lan@example.org", "a long pass phrase for tests")


def test_a_session_idle_past_the_limit_ends(staff, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[SEEN_KEY] = time.time() - 29 * 60
    session.save()
    assert client.get("/admin/").status_code == 200  # 29 minutes: still signed in (and seen again now)
    session = client.session
    session[SEEN_KEY] = time.time() - 31 * 60
    session.save()
    response = client.get("/admin/reports/fund-statement/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/?next=")
    signed_out = shown("You were signed out after a while without activity. Sign in again.")
    assert signed_out in client.get(response["Location"]).content


def test_sign_out_everywhere_ends_every_session_of_that_user_only(staff):
    other = User.objects.create_superuser("minh", "minh@example.org", "another long pass phrase")
    laptop, phone, colleague = Client(), Client(), Client()
    laptop.force_login(staff)
    phone.force_login(staff)
    colleague.force_login(other)
    assert b"data-staff-sign-out-everywhere" in phone.get("/admin/account/sign-in/").content
    response = phone.post("/admin/account/sign-in/", {"action": "sessions_end"})
    assert response["Location"] == "/admin/login/"
    assert laptop.get("/admin/")["Location"].startswith("/admin/login/")
    assert phone.get("/admin/")["Location"].startswith("/admin/login/")
    assert colleague.get("/admin/").status_code == 200
    entry = AuditEntry.objects.get(action="staff.sessions.end")
    assert entry.actor == staff and entry.data == {"by_self": True}
    # A new sign-in afterwards works.
    again = Client()
    again.force_login(staff)
    assert again.get("/admin/").status_code == 200


def test_the_password_policy_prefers_length():
    user = User(username="hoa", email="hoa@example.org", first_name="Hoa")
    with pytest.raises(ValidationError):
        validate_password("Xk7#pq2!", user)  # complex but short
    with pytest.raises(ValidationError):
        validate_password("password1234", user)  # common
    with pytest.raises(ValidationError):
        validate_password(DEMO_PASSWORD, user)  # printed in the README
    with pytest.raises(ValidationError):
        validate_password("hoa@example.org1", user)  # the user's own email
    validate_password("lúa chín vàng trên đồng", user)  # a pass phrase


def test_production_settings_refuse_the_demo_password(settings):
    User.objects.create_user("accountant", password=DEMO_PASSWORD)
    User.objects.create_user("hoa", password="a long pass phrase for tests")
    request = RequestFactory().post("/admin/login/")
    settings.STAFF_REFUSE_DEMO_PASSWORD = True
    assert authenticate(request, username="accountant", password=DEMO_PASSWORD) is None
    assert authenticate(request, username="hoa", password="a long pass phrase for tests") is not None
    settings.STAFF_REFUSE_DEMO_PASSWORD = False
    assert authenticate(request, username="accountant", password=DEMO_PASSWORD) is not None


def test_production_settings_turn_the_refusal_on():
    from tests.test_settings import GOOD, manage

    code = "from django.conf import settings; print(settings.STAFF_REFUSE_DEMO_PASSWORD, settings.AXES_FAILURE_LIMIT)"
    result = manage("shell", "-c", code, **GOOD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["True", "20"]
