"""The same text rules in the services as in the form: imports, the back office and any other
caller get the same refusals, and nothing is written."""

import datetime
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from donors.errors import DonorError
from donors.models import Donor
from donors.services import donor_create, donor_find_or_create, donor_update
from donors.text import tax_code_clean, text_check, unprintable_characters
from fund.errors import FundError, InvalidAmount, InvalidLines
from fund.models import Commitment, Donation
from fund.services import donation_record
from fund.services.giving import commitment_create, gift_pledge
from fund.text import text_clean
from receipts.pdf import receipt_pdf_bytes
from receipts.services.receipts import receipt_issue

pytestmark = pytest.mark.django_db
PERSON = {"kind": "person", "name": "Đỗ Thị Lan", "email": "lan@example.org"}
ORG = {"kind": "organisation", "name": "Công ty Ví Dụ", "contact_person": "Lê Văn Mẫu", "email": "vd@example.org"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"name": "An\u202e"}, "name", id="bidi-name"),
        pytest.param({"name": "\u200b\u2060"}, "name", id="invisible-name"),
        pytest.param({"name": "An \U0001f984"}, "name", id="unprintable-name"),
        pytest.param({"address": "Huế\u2067"}, "address", id="bidi-address"),
        pytest.param({"phone": "\u202a0903"}, "phone", id="bidi-phone"),
        pytest.param({"email": "lan\u202e@example.org"}, "email", id="bidi-email"),
        pytest.param(ORG | {"tax_code": "0101234567"}, "tax_code", id="tax-code-check-digit"),
        pytest.param(ORG | {"tax_code": "12345"}, "tax_code", id="tax-code-length"),
        pytest.param(ORG | {"contact_person": "\u3164"}, "contact_person", id="blank-contact"),
    ],
)
def test_donor_services_refuse_hostile_text_and_write_nothing(fields, field):
    audits = AuditEntry.objects.count()
    for service in (donor_create, donor_find_or_create):
        with pytest.raises(DonorError) as caught:
            service(**(PERSON | fields))
        assert field in caught.value.message_dict
    assert Donor.objects.count() == 0
    assert AuditEntry.objects.count() == audits


def test_tax_codes_are_stored_in_their_printed_form():
    assert tax_code_clean(" 0100.109.106 ") == "0100109106"
    assert tax_code_clean("0100109106001") == "0100109106-001"
    donor = donor_create(**(ORG | {"tax_code": "0100109106 - 001"}))
    assert donor.tax_code == "0100109106-001"


def test_an_update_checks_only_what_it_changes(organisation):
    # A record from before the check-digit rule stays editable; a new bad code is refused.
    Donor.objects.filter(pk=organisation.pk).update(tax_code="0101234567")
    organisation.refresh_from_db()
    donor_update(donor=organisation, phone="0903 123 456")
    with pytest.raises(DonorError):
        donor_update(donor=organisation, tax_code="0101234568")
    assert Donor.objects.get(pk=organisation.pk).tax_code == "0101234567"


def test_names_are_matched_and_stored_in_nfc():
    first = donor_find_or_create(**(PERSON | {"name": unicodedata.normalize("NFD", "Đỗ Thị Lan")}))
    second = donor_find_or_create(**PERSON)
    assert first.pk == second.pk
    assert Donor.objects.get().name == "Đỗ Thị Lan"


def test_free_text_in_fund_services_is_nfc_and_refuses_direction_controls():
    assert text_clean(unicodedata.normalize("NFD", "Chúc các em"), field="message", max_length=100) == "Chúc các em"
    with pytest.raises(FundError, match="text-direction"):
        text_clean("ok\u2066", field="message", max_length=100)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"description": "Sữa\u202e"}, "description"),
        ({"description": "\u200b"}, "description"),
        ({"unit": "h\U0001f984p"}, "unit"),
    ],
)
def test_goods_lines_name_the_line_and_field_they_refuse(fund, donor, line, field):
    good = {"description": "Gạo", "quantity": "10", "unit": "kg", "fair_value": "200000"}
    with pytest.raises(InvalidLines) as caught:
        gift_pledge(fund=fund, donor=PERSON, kind="in_kind", channel="in_kind_delivery", lines=[good, good | line])
    assert (caught.value.line, caught.value.field) == (2, field)
    assert Donation.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        pytest.param({"instalments": 61, "frequency": "monthly"}, FundError, id="too-many"),
        pytest.param({"instalments": 6, "frequency": "yearly"}, FundError, id="beyond-five-years"),
        pytest.param({"instalments": 21, "frequency": "quarterly"}, FundError, id="quarterly-beyond-five-years"),
        pytest.param({"total": "100000000001"}, InvalidAmount, id="total-too-large"),
        pytest.param(
            {"total": "50000", "instalments": 10, "frequency": "monthly"},
            InvalidAmount,
            id="instalments-below-the-minimum",
        ),
    ],
)
def test_instalment_pledges_are_bounded(fund, overrides, error):
    plan = {
        "total": "30000000",
        "instalments": 3,
        "frequency": "yearly",
        "first_due_on": timezone.localdate() + datetime.timedelta(days=30),
    }
    with pytest.raises(error):
        commitment_create(fund=fund, donor=ORG, **(plan | overrides))
    assert (Commitment.objects.count(), Donation.objects.count(), Donor.objects.count()) == (0, 0, 0)


def test_text_check_leaves_line_breaks_in_an_address():
    assert text_check("12 Lê Lợi\nHuế") == "12 Lê Lợi\nHuế"
    assert unprintable_characters("Nguyễn Văn An 😀 ★ €") == []
    assert unprintable_characters("王 \U0001f984 王") == ["王", "\U0001f984"]
    with pytest.raises(ValidationError):
        text_check("王")


def test_an_emoji_the_font_has_prints_on_the_receipt(fund):
    """The form lets through only what the receipt font draws; this one is drawn, not a box."""
    donor = donor_create(kind="person", name="Lan 😀 ★", preferred_language="vi")
    gift = donation_record(
        fund=fund, donor=donor, kind="cash", channel="cash", amount="500000", received_at=timezone.now()
    )
    pdf = receipt_pdf_bytes(receipt_issue(donation_id=gift.pk))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "r.pdf")
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Lan 😀 ★" in " ".join(text.split())
    faces = [row.split()[0] for row in fonts.splitlines()[2:]]
    assert faces and all("DejaVu" in face for face in faces), faces  # no fallback face was needed


def test_the_migration_puts_older_donors_in_nfc(donor):
    import importlib

    from django.apps import apps

    decomposed = unicodedata.normalize("NFD", "Trần Thị Demo")
    Donor.objects.filter(pk=donor.pk).update(name=decomposed, address=unicodedata.normalize("NFD", "Huế"))
    importlib.import_module("donors.migrations.0003_donor_text_nfc").to_nfc(apps, None)
    donor.refresh_from_db()
    assert (donor.name, donor.address) == ("Trần Thị Demo", "Huế")
    assert donor_find_or_create(kind="person", name="Trần Thị Demo", email=donor.email).pk == donor.pk
