"""donor_create / donor_update: everything is validated before anything is written, errors are
DonorError (a ValidationError naming the field), and each change leaves one audit entry."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from donors.errors import DonorError
from donors.models import Donor
from donors.services import donor_create, donor_update


def counts() -> tuple[int, int]:
    return Donor.objects.count(), AuditEntry.objects.count()


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(username="clerk", password="x")  # noqa: S106


def test_donor_error_is_a_validation_error():
    assert issubclass(DonorError, ValidationError)


def test_create_person_strips_text_defaults_consent_to_no_and_audits(db, user):
    before = counts()
    donor = donor_create(
        actor=user, kind="person", name="  Nguyễn Văn An  ", email=" an@example.org ", phone=" 0901 234 567 "
    )
    donor.refresh_from_db()
    assert (donor.name, donor.email, donor.phone) == ("Nguyễn Văn An", "an@example.org", "0901 234 567")
    assert isinstance(donor.public_id, uuid.UUID)
    assert donor.preferred_language == "vi"
    assert donor.consent_receipts_by_email is False
    assert donor.consent_news is False
    assert donor.anonymous_by_default is True
    assert counts() == (before[0] + 1, before[1] + 1)
    entry = AuditEntry.objects.get(action="donor.create")
    assert (entry.actor, entry.object_type, entry.object_id) == (user, "donors.donor", str(donor.pk))


def test_create_organisation_keeps_tax_code_and_contact(organisation):
    organisation.refresh_from_db()
    assert organisation.is_organisation
    assert organisation.tax_code == "0101234565"
    assert organisation.contact_person == "Lê Văn Mẫu"


PERSON = {"kind": "person", "name": "Phạm Thị Bình", "email": "binh@example.org"}

BAD_DONORS = [
    pytest.param(PERSON | {"name": ""}, "name", id="empty-name"),
    pytest.param(PERSON | {"name": "   "}, "name", id="blank-name"),
    pytest.param(PERSON | {"name": "N" * 10_240}, "name", id="10kb-name"),
    pytest.param(PERSON | {"name": "N" * 201}, "name", id="201-char-name"),
    pytest.param(PERSON | {"tax_code": "0101234565"}, "kind", id="person-with-tax-code"),
    pytest.param(PERSON | {"contact_person": "Someone"}, "kind", id="person-with-contact"),
    pytest.param(PERSON | {"email": "binh@example.org\r\nBcc: all@example.org"}, "email", id="email-crlf"),
    pytest.param(PERSON | {"email": "binh@example.org\nBcc: all@example.org"}, "email", id="email-lf"),
    pytest.param(PERSON | {"email": "binh@example.org\rx"}, "email", id="email-cr"),
    pytest.param(PERSON | {"email": "not-an-email"}, "email", id="email-invalid"),
    pytest.param(PERSON | {"email": "binh@"}, "email", id="email-no-domain"),
    pytest.param(PERSON | {"email": "a" * 250 + "@example.org"}, "email", id="email-too-long"),
    pytest.param(PERSON | {"kind": "robot"}, "kind", id="unknown-kind"),
    pytest.param(PERSON | {"preferred_language": "fr"}, "preferred_language", id="unknown-language"),
    pytest.param(PERSON | {"phone": "0" * 31}, "phone", id="phone-too-long"),
    pytest.param(
        PERSON | {"kind": "organisation", "tax_code": "1" * 21}, "tax_code", id="organisation-tax-code-too-long"
    ),
    pytest.param(
        PERSON | {"address": "A" * 10_240},
        "address",
        id="10kb-address",
    ),
    pytest.param(
        PERSON | {"name": "Bình\x00<script>"},
        "name",
        id="nul-in-name",
    ),
]


@pytest.mark.parametrize(("fields", "field"), BAD_DONORS)
def test_bad_donor_is_refused_naming_the_field_and_writes_nothing(db, fields, field):
    before = counts()
    with pytest.raises(DonorError) as exc_info:
        donor_create(**fields)
    assert field in exc_info.value.message_dict, exc_info.value.message_dict
    assert counts() == before


@pytest.mark.parametrize("fields", [{"public_id": uuid.uuid4()}, {"created_at": None}, {"is_admin": True}])
def test_unknown_or_protected_field_is_a_type_error(db, donor, fields):
    before = counts()
    with pytest.raises(TypeError, match="unexpected fields"):
        donor_create(**PERSON, **fields)
    with pytest.raises(TypeError, match="unexpected fields"):
        donor_update(donor=donor, **fields)
    assert counts() == before


def test_trailing_newline_in_email_is_stripped_not_refused(db):
    donor = donor_create(kind="person", name="An", email="an@example.org\r\n")
    assert Donor.objects.get(pk=donor.pk).email == "an@example.org"


def test_update_writes_only_changed_fields_and_audits_them(donor, user):
    before = counts()
    donor_update(donor=donor, actor=user, name="  Trần Thị Demo  ", phone="0912 000 111", consent_news=True)
    donor.refresh_from_db()
    assert donor.phone == "0912 000 111"
    assert donor.consent_news is True
    assert counts() == (before[0], before[1] + 1)
    entry = AuditEntry.objects.get(action="donor.update")
    assert entry.actor == user
    assert entry.data == {"fields": ["consent_news", "phone"]}  # the name did not change


def test_update_without_changes_writes_nothing(donor):
    before = counts()
    donor_update(donor=donor, name=donor.name, email=donor.email)
    assert counts() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "demo@example.org\r\nBcc: x@example.org"}, "email"),
        ({"email": "nope"}, "email"),
        ({"name": ""}, "name"),
        ({"tax_code": "0101234565"}, "kind"),
    ],
)
def test_bad_update_is_refused_and_the_row_is_unchanged(donor, fields, field):
    before = counts()
    saved = Donor.objects.values().get(pk=donor.pk)
    with pytest.raises(DonorError) as exc_info:
        donor_update(donor=donor, **fields)
    assert field in exc_info.value.message_dict
    assert counts() == before
    assert Donor.objects.values().get(pk=donor.pk) == saved


def test_organisation_turned_person_must_drop_its_tax_code(organisation):
    with pytest.raises(DonorError) as exc_info:
        donor_update(donor=organisation, kind="person")
    assert "kind" in exc_info.value.message_dict
    assert Donor.objects.get(pk=organisation.pk).kind == "organisation"
    fresh = Donor.objects.get(pk=organisation.pk)
    donor_update(donor=fresh, kind="person", tax_code="", contact_person="")
    assert Donor.objects.values_list("kind", "tax_code", "contact_person").get(pk=organisation.pk) == ("person", "", "")


def test_a_refused_update_leaves_the_instance_usable(organisation):
    with pytest.raises(DonorError):
        donor_update(donor=organisation, kind="person")
    donor_update(donor=organisation, kind="person", tax_code="", contact_person="")
    assert Donor.objects.values_list("kind", "tax_code", "contact_person").get(pk=organisation.pk) == ("person", "", "")
