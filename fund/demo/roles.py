"""Demo roles: the permission groups and one demo user per role, plus the superuser `admin`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from ..errors import FundError
from .common import DEMO_PASSWORD, _say

ADMIN_ACCESS = "wagtailadmin.access_admin"
HORDAK_VIEW = ["hordak.view_account", "hordak.view_transaction", "hordak.view_leg"]
# Import statements and decide about the lines in the review queue (fund/admin_bank.py).
BANK_RECONCILE = [
    "fund.add_bankstatement",
    "fund.view_bankstatement",
    "fund.change_banktransaction",
    "fund.view_banktransaction",
]
BANK_VIEW = ["fund.view_bankstatement", "fund.view_banktransaction"]
# Receipts: see them and their emails; resend, void and reissue (change); issue statements (add).
RECEIPTS_VIEW = ["receipts.view_receipt", "receipts.view_receiptdelivery"]
RECEIPTS_MANAGE = [*RECEIPTS_VIEW, "receipts.add_receipt", "receipts.change_receipt"]
ROLES: dict[str, dict[str, Any]] = {
    "Fund accountant": {
        "username": "accountant",
        "permissions": [
            "fund.view_fund",
            "fund.view_campaign",
            "fund.add_donation",
            "fund.change_donation",
            "fund.view_donation",
            "fund.add_donationline",
            "fund.view_donationline",
            "fund.view_fundaccount",
            "fund.view_posting",
            "fund.add_ledgercheck",
            "fund.view_ledgercheck",
            "donors.add_donor",
            "donors.change_donor",
            "donors.view_donor",
            *HORDAK_VIEW,
            *BANK_RECONCILE,
            *RECEIPTS_MANAGE,
        ],
    },
    "Case worker": {
        "username": "caseworker",
        "permissions": [
            "fund.add_beneficiary",
            "fund.change_beneficiary",
            "fund.view_beneficiary",
            "fund.add_beneficiarysensitive",
            "fund.change_beneficiarysensitive",
            "fund.view_beneficiarysensitive",
        ],
    },
    "Fund manager": {
        "username": "manager",
        "permissions": [
            "fund.add_fund",
            "fund.change_fund",
            "fund.view_fund",
            "fund.add_campaign",
            "fund.change_campaign",
            "fund.view_campaign",
            "fund.view_donation",
            "fund.view_donationline",
            "fund.view_posting",
            "fund.view_ledgercheck",
            "fund.view_beneficiary",
            "donors.view_donor",
            *RECEIPTS_VIEW,
        ],
    },
    "Content editor": {
        "username": "editor",
        "permissions": [
            "wagtailimages.add_image",
            "wagtailimages.change_image",
            "wagtailimages.choose_image",
            "wagtaildocs.add_document",
            "wagtaildocs.change_document",
            "wagtaildocs.choose_document",
        ],
        # Wagtail checks pages and media per tree node: granted on the root of each tree.
        "page_permissions": ["wagtailcore.add_page", "wagtailcore.change_page", "wagtailcore.publish_page"],
        "collection_permissions": [
            "wagtailimages.add_image",
            "wagtailimages.change_image",
            "wagtailimages.choose_image",
            "wagtaildocs.add_document",
            "wagtaildocs.change_document",
            "wagtaildocs.choose_document",
        ],
    },
    "Auditor": {
        "username": "auditor",
        "permissions": [
            "fund.view_fund",
            "fund.view_campaign",
            "fund.view_donation",
            "fund.view_donationline",
            "fund.view_fundaccount",
            "fund.view_posting",
            "fund.view_ledgercheck",
            "fund.view_beneficiary",
            "donors.view_donor",
            "audit.view_auditentry",
            *HORDAK_VIEW,
            *BANK_VIEW,
            *RECEIPTS_VIEW,
        ],
    },
}


def _permissions(names: Iterable[str]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is None:
            raise FundError(f"Permission {name} does not exist; run `manage.py migrate` first.")
        found.append(permission)
    return found


def _role_group(name: str, role: dict[str, Any]) -> Group:
    group = Group.objects.create(name=name)
    group.permissions.add(*_permissions([ADMIN_ACCESS, *role["permissions"]]))
    root_page = Page.get_first_root_node()
    if root_page is not None:
        for permission in _permissions(role.get("page_permissions", [])):
            GroupPagePermission.objects.create(group=group, page=root_page, permission=permission)
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        for permission in _permissions(role.get("collection_permissions", [])):
            GroupCollectionPermission.objects.create(group=group, collection=root_collection, permission=permission)
    return group


def _roles_and_users(stdout: TextIO | None) -> None:
    """Groups with their permissions and one user per role, plus the superuser `admin`.
    Users that already exist are left exactly as they are (passwords included); an existing
    group gains the permissions its role has gained since, and keeps any it was given."""
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

    for group_name, role in ROLES.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            group = _role_group(group_name, role)
        else:
            group.permissions.add(*_permissions([ADMIN_ACCESS, *role["permissions"]]))
        username = role["username"]
        if user_model.objects.filter(username=username).exists():
            _say(stdout, f"User {username} already exists; left unchanged.")
        else:
            new_user(username, last_name=group_name).groups.add(group)
            _say(stdout, f"Created user {username} / {DEMO_PASSWORD} ({group_name})")
