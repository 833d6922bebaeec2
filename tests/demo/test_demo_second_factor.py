"""The demo users get past the second step with the published key; nobody else's code is printed."""

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.roles import DEMO_TOTP_KEY, _demo_second_factor
from staff.passwords import DEMO_PASSWORD
from tests.support.two_factor import TEST_TOTP_KEY, force_login_password_only

pytestmark = pytest.mark.django_db


def test_demo_users_are_set_up_with_the_published_key_and_the_command_prints_their_code(capsys):
    accountant = User.objects.create_user("accountant", password=DEMO_PASSWORD, is_superuser=True)
    real_admin = User.objects.create_user("admin", password="a real administrator's phrase", is_superuser=True)
    _demo_second_factor(["admin", "accountant"], None)
    _demo_second_factor(["admin", "accountant"], None)  # idempotent
    assert TOTPDevice.objects.get(user=accountant).key == DEMO_TOTP_KEY
    assert not TOTPDevice.objects.filter(user=real_admin).exists()  # not on the demo password: left alone

    call_command("demo_otp_code", "accountant")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and code.isdigit()
    client = Client()
    force_login_password_only(client, accountant)
    assert client.post("/admin/two-factor/verify/", {"code": code})["Location"] == "/admin/"


def test_the_command_never_prints_a_code_for_a_real_key():
    user = User.objects.create_user("hoa", password="a long pass phrase for tests")
    TOTPDevice.objects.create(user=user, name="authenticator", key=TEST_TOTP_KEY, confirmed=True)
    with pytest.raises(CommandError, match="does not use the demo's authenticator key"):
        call_command("demo_otp_code", "hoa")
