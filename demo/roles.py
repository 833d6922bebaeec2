"""Demo roles: one demo user per role (groups from staff/roles.py), plus the superuser `admin`."""

from __future__ import annotations

from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from fund.errors import FundError
from staff.errors import RoleDefinitionError
from staff.roles import ROLES_BY_NAME
from staff.services import roles_sync
from staff.two_factor import AUTHENTICATOR_NAME, secret_from_base32

from .common import DEMO_PASSWORD, _say

# The groups themselves are the install's roles (staff/roles.py, kept by `manage.py roles_sync`);
# the demo adds one user per role. The Administrator's demo user is the superuser `admin`.
DEMO_USERNAMES = {
    "Fund accountant": "accountant",
    "Case worker": "caseworker",
    "Fund manager": "manager",
    "Content editor": "editor",
    "Auditor": "auditor",
}
# Every demo user's authenticator key, published like the password so a newcomer gets past the
# second step: add it to an authenticator app, or run `manage.py demo_otp_code accountant`.
DEMO_TOTP_SECRET = "CHUN GTAY DEMO SECR ETFO RSTA FFLO GIN2"  # noqa: S105 - published on purpose (base32, 20 bytes)
DEMO_TOTP_KEY = secret_from_base32(DEMO_TOTP_SECRET)
ROLES: dict[str, dict[str, Any]] = {
    name: {"username": username, "role": ROLES_BY_NAME[name]} for name, username in DEMO_USERNAMES.items()
}


def _role_group(name: str, role: dict[str, Any] | None = None) -> Group:
    """The role's group, exactly as staff/roles.py defines it (synced now, so tests can use it)."""
    roles_sync()
    return Group.objects.get(name=name)


def _roles_and_users(stdout: TextIO | None) -> None:
    """Groups with their permissions and one user per role, plus the superuser `admin`.
    Users that already exist are left exactly as they are (passwords included); the groups are
    synced with their roles (staff.services.roles_sync), so a group holds exactly its role's permissions."""
    user_model = get_user_model()
    password_hash = ""

    def new_user(username: str, **extra) -> Any:
        # One hash shared by the demo users: PBKDF2 costs most of a second per call.
        nonlocal password_hash
        password_hash = password_hash or make_password(DEMO_PASSWORD)
        user = user_model(username=username, email=f"{username}@example.org", first_name="Demo", **extra)
        user.password = password_hash
        user.save()
        return user

    if user_model.objects.filter(username="admin").exists():
        _say(stdout, "User admin already exists; left unchanged.")
    else:
        new_user("admin", last_name="Administrator", is_staff=True, is_superuser=True)
        _say(stdout, f"Created the Wagtail admin superuser: admin / {DEMO_PASSWORD}")

    try:
        roles_sync(stdout=stdout)
    except RoleDefinitionError as exc:
        raise FundError(exc.message) from exc
    for group_name, role in ROLES.items():
        group = Group.objects.get(name=group_name)
        username = role["username"]
        if user_model.objects.filter(username=username).exists():
            _say(stdout, f"User {username} already exists; left unchanged.")
        else:
            new_user(username, last_name=group_name).groups.add(group)
            _say(stdout, f"Created user {username} / {DEMO_PASSWORD} ({group_name})")
    _demo_second_factor(["admin", *DEMO_USERNAMES.values()], stdout)


def _demo_second_factor(usernames: list[str], stdout: TextIO | None) -> None:
    """Each demo user still on the demo password gets the published authenticator key, set up
    as if they had enrolled; a user whose password was changed (a real account that happens to
    be called admin) is left alone. Idempotent: a user with an app set up keeps it."""
    added = []
    for user in get_user_model().objects.filter(username__in=usernames).order_by("username"):
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists() or not user.check_password(DEMO_PASSWORD):
            continue
        TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, key=DEMO_TOTP_KEY, confirmed=True)
        added.append(user.username)
    if added:
        _say(
            stdout,
            f"Second sign-in step for {', '.join(added)}: authenticator key {DEMO_TOTP_SECRET} "
            "(add it to any authenticator app), or `manage.py demo_otp_code USERNAME` prints the current code.",
        )
