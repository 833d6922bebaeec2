"""Twenty wrong passwords lock the account and the address (django-axes behind Wagtail's own
sign-in form); the lock lifts after the cool-off or by an administrator; every step is audited."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

from audit.models import AuditEntry
from staff.client_ip import client_ip
from tests.support.language import shown

pytestmark = pytest.mark.django_db
PASSWORD = "a long pass phrase for tests"


@pytest.fixture
def staff():
    return User.objects.create_user("lan", "lan@example.org", PASSWORD, is_superuser=True)


def sign_in(client, password, username="lan", **headers):
    return client.post("/admin/login/", {"username": username, "password": password}, **headers)


def test_twenty_wrong_passwords_lock_the_account_until_the_cool_off_passes(staff):
    client = Client()
    for _ in range(19):
        assert sign_in(client, "wrong").status_code == 200  # the form again, with its error
    assert sign_in(client, PASSWORD).status_code == 302  # nineteen: still open (and counted again from zero)
    Client().post("/admin/logout/")
    for _ in range(20):
        sign_in(client, "wrong")
    locked = sign_in(Client(), PASSWORD)
    assert locked.status_code == 429
    assert (
        shown("Try again in %(minutes)s minutes, or ask an administrator to unlock your account sooner.", minutes=30)
        in locked.content
    )

    refused = AuditEntry.objects.filter(object_id=str(staff.pk), action="staff.sign_in.password_refused")
    assert refused.count() == 40  # 39 wrong passwords and the right one refused by the lock
    assert refused.order_by("-id").first().data == {"ip_address": "127.0.0.1", "locked_out": True}
    assert not refused.filter(data__locked_out=True).exclude(id__in=refused.order_by("-id")[:2].values("id")).exists()
    assert AuditEntry.objects.filter(action="staff.lockout.locked").count() == 1
    for entry in AuditEntry.objects.all():
        assert "wrong" not in str(entry.data) and PASSWORD not in str(entry.data)  # no password written down

    # Thirty-one minutes later the failures have expired.
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))
    assert sign_in(Client(), PASSWORD).status_code == 302


def test_the_address_is_locked_for_other_accounts_too(staff):
    User.objects.create_user("minh", "minh@example.org", PASSWORD, is_superuser=True)
    client = Client()
    for number in range(20):
        sign_in(client, "wrong", username=f"guess{number}")  # nobody's account: not in the audit trail
    assert sign_in(client, PASSWORD, username="minh").status_code == 429
    # From another address the account is open.
    with override_settings(RATELIMIT_IP_META_KEY="HTTP_X_REAL_IP"):
        assert sign_in(Client(), PASSWORD, username="minh", HTTP_X_REAL_IP="203.0.113.9").status_code == 302
    # Only minh's refusal by the lock is in the trail: "guess0".."guess19" are nobody's accounts.
    refused = AuditEntry.objects.filter(action="staff.sign_in.password_refused")
    assert [(entry.object_id, entry.data["locked_out"]) for entry in refused] == [
        (str(User.objects.get(username="minh").pk), True)
    ]


def test_an_administrator_unlocks_an_account_and_an_address(staff):
    admin = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    client = Client()
    for _ in range(20):
        sign_in(client, "wrong")
    assert sign_in(Client(), PASSWORD).status_code == 429

    manager = Client()
    manager.force_login(admin)
    listing = manager.get("/admin/staff/sign-in/").content.decode()
    assert 'data-staff-locked-address="127.0.0.1"' in listing
    assert manager.post(f"/admin/staff/sign-in/{staff.pk}/", {"action": "unlock"}).status_code == 302
    # The address is still locked: the account alone is open from elsewhere.
    assert sign_in(Client(), PASSWORD).status_code == 302
    entry = AuditEntry.objects.get(action="staff.lockout.clear")
    assert entry.actor == admin and entry.data["username"] == "lan"

    for _ in range(20):
        sign_in(client, "wrong", username="nobody")
    assert sign_in(Client(), PASSWORD).status_code == 429
    manager.post("/admin/staff/sign-in/", {"action": "unlock_address", "ip_address": "127.0.0.1"})
    assert sign_in(Client(), PASSWORD).status_code == 302


@override_settings(RATELIMIT_IP_META_KEY="HTTP_X_FORWARDED_FOR", TRUSTED_PROXY_COUNT=2)
def test_the_client_address_behind_a_chain_of_proxies(rf):
    # client claims 1.1.1.1; the first proxy of ours saw 198.51.100.7; the second saw the first proxy.
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7, 10.0.0.2", REMOTE_ADDR="10.0.0.3")
    assert client_ip(request) == "198.51.100.7"
    short = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="10.0.0.3")
    assert client_ip(short) == "10.0.0.3"


def test_the_client_address_from_the_proxys_header(rf, settings):
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_REAL_IP"
    assert client_ip(rf.get("/", HTTP_X_REAL_IP="203.0.113.5", REMOTE_ADDR="127.0.0.1")) == "203.0.113.5"
    settings.RATELIMIT_IP_META_KEY = "REMOTE_ADDR"
    assert client_ip(rf.get("/", HTTP_X_REAL_IP="203.0.113.5", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"
