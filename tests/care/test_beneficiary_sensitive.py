"""Sensitive case data is read only through beneficiary_sensitive_get: it needs
care.view_beneficiarysensitive, and every read, allowed or refused, leaves an audit entry."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.exceptions import PermissionDenied

from audit.models import AuditEntry
from care.models import Beneficiary, BeneficiarySensitive
from care.selectors import beneficiary_sensitive_get

HEALTH = "Epilepsy; daily medication"


@pytest.fixture
def beneficiary(db):
    child = Beneficiary.objects.create(
        case_number="C-2026-001",
        full_name="Nguyễn Thị Mai",
        date_of_birth=datetime.date(2015, 3, 1),
        group=Beneficiary.Group.CHILD,
        programme=Beneficiary.Programme.ORPHAN,
        admitted_on=datetime.date(2020, 9, 1),
    )
    BeneficiarySensitive.objects.create(
        beneficiary=child,
        health_notes=HEALTH,
        hiv_status=BeneficiarySensitive.HivStatus.NEGATIVE,
        guardian_contact="Aunt, 0900 000 000",
    )
    return child


def view_permission():
    return Permission.objects.get(content_type__app_label="care", codename="view_beneficiarysensitive")


def make_user(username, *, permitted=False, **extra):
    user = get_user_model().objects.create_user(username=username, password="x", **extra)  # noqa: S106
    if permitted:
        user.user_permissions.add(view_permission())
    return get_user_model().objects.get(pk=user.pk)  # fresh: no cached permissions


def entries(beneficiary):
    return list(AuditEntry.objects.about(beneficiary).order_by("id").values_list("action", "actor_id", "data"))


def test_without_the_permission_the_read_is_refused_and_audited(beneficiary):
    user = make_user("volunteer")
    user.user_permissions.add(Permission.objects.get(codename="view_beneficiary"))  # the case file only
    user = get_user_model().objects.get(pk=user.pk)
    with pytest.raises(PermissionDenied):
        beneficiary_sensitive_get(actor=user, beneficiary=beneficiary, purpose="curious")
    assert entries(beneficiary) == [("beneficiary_sensitive.refused", user.pk, {"purpose": "curious"})]


@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["no-actor", "anonymous"])
def test_anonymous_or_missing_actor_is_refused_and_audited(beneficiary, actor):
    with pytest.raises(PermissionDenied):
        beneficiary_sensitive_get(actor=actor, beneficiary=beneficiary)
    assert entries(beneficiary) == [("beneficiary_sensitive.refused", None, {"purpose": ""})]


def test_an_inactive_user_with_the_permission_is_refused(beneficiary):
    user = make_user("left-the-centre", permitted=True, is_active=False)
    with pytest.raises(PermissionDenied):
        beneficiary_sensitive_get(actor=user, beneficiary=beneficiary)
    assert [action for action, _actor, _data in entries(beneficiary)] == ["beneficiary_sensitive.refused"]


def test_with_the_permission_the_record_is_returned_and_the_read_audited(beneficiary):
    user = make_user("caseworker", permitted=True)
    record = beneficiary_sensitive_get(actor=user, beneficiary=beneficiary, purpose="care plan review")
    assert record.pk is not None
    assert record.beneficiary_id == beneficiary.pk
    assert record.health_notes == HEALTH
    assert record.hiv_status == "negative"
    assert entries(beneficiary) == [("beneficiary_sensitive.read", user.pk, {"purpose": "care plan review"})]
    entry = AuditEntry.objects.get(action="beneficiary_sensitive.read")
    assert entry.actor == user


def test_permission_through_a_group_and_superuser_both_read(beneficiary):
    group = Group.objects.create(name="Case workers")
    group.permissions.add(view_permission())
    member = make_user("member")
    member.groups.add(group)
    member = get_user_model().objects.get(pk=member.pk)
    admin = get_user_model().objects.create_superuser(username="admin", password="x")  # noqa: S106
    assert beneficiary_sensitive_get(actor=member, beneficiary=beneficiary).health_notes == HEALTH
    assert beneficiary_sensitive_get(actor=admin, beneficiary=beneficiary).health_notes == HEALTH
    assert [(action, actor) for action, actor, _data in entries(beneficiary)] == [
        ("beneficiary_sensitive.read", member.pk),
        ("beneficiary_sensitive.read", admin.pk),
    ]


def test_every_read_is_audited_not_only_the_first(beneficiary):
    user = make_user("caseworker", permitted=True)
    for _ in range(3):
        beneficiary_sensitive_get(actor=user, beneficiary=beneficiary)
    assert len(entries(beneficiary)) == 3


def test_the_audit_entry_holds_no_sensitive_detail_and_a_bounded_purpose(beneficiary):
    user = make_user("caseworker", permitted=True)
    beneficiary_sensitive_get(actor=user, beneficiary=beneficiary, purpose="p" * 500)
    ((_action, _actor, data),) = entries(beneficiary)
    assert data == {"purpose": "p" * 200}
    stored = AuditEntry.objects.values().get(object_id=str(beneficiary.pk))
    assert HEALTH not in str(stored)
    assert "0900 000 000" not in str(stored)


def test_a_case_without_a_sensitive_record_gives_an_empty_unsaved_one(db):
    adult = Beneficiary.objects.create(
        case_number="A-2026-007",
        full_name="Trần Văn Lộc",
        date_of_birth=datetime.date(1940, 1, 1),
        group=Beneficiary.Group.ADULT,
        programme=Beneficiary.Programme.ELDERLY,
        admitted_on=datetime.date(2024, 5, 1),
    )
    user = make_user("caseworker", permitted=True)
    record = beneficiary_sensitive_get(actor=user, beneficiary=adult)
    assert record.pk is None
    assert record.beneficiary == adult
    assert (record.health_notes, record.hiv_status) == ("", "unknown")
    assert BeneficiarySensitive.objects.count() == 0
    assert [action for action, _actor, _data in entries(adult)] == ["beneficiary_sensitive.read"]


def test_reads_audited_before_the_case_files_moved_app_are_still_found(beneficiary):
    """Entries are never rewritten: one written when case files were the fund app's keeps its
    label, and the question about the person finds it beside the new ones."""
    AuditEntry.objects.create(
        action="beneficiary_sensitive.read", object_type="fund.beneficiary", object_id=str(beneficiary.pk)
    )
    beneficiary_sensitive_get(actor=make_user("cw", permitted=True), beneficiary=beneficiary, purpose="today")
    assert [action for action, _, _ in entries(beneficiary)] == [
        "beneficiary_sensitive.read",
        "beneficiary_sensitive.read",
    ]
    assert AuditEntry.objects.filter(object_type="care.beneficiary").count() == 1
