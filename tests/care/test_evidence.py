"""Evidence files through their service: PDF, JPEG and PNG judged by their bytes; anything else,
anything too large and anything empty refused with nothing written (no row, no audit entry, no
file left on disk); photos stored without their metadata; append-only, corrected by replacing;
and a payment needs a handover on file."""

import io
import os
import stat
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from djmoney.money import Money
from PIL import Image

from audit.models import AuditEntry
from care.errors import CareError
from care.models import Allocation, Evidence
from care.services import allocation_approve, allocation_disburse, allocation_propose, evidence_attach
from fund.models import Posting
from tests.care.conftest import staff_user
from tests.support.evidence import image_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db

GPS_LATITUDE = 0x8825  # the GPS IFD pointer in EXIF


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def allocation(funded, child, case_worker):
    return allocation_propose(
        beneficiary=child, fund=funded, kind="cash", amount=Money(500_000, "VND"), purpose="Shoes", actor=case_worker
    )


def stored_files() -> set[str]:
    root = Path(storages["evidence"].location)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def writes():
    return Evidence.objects.count(), AuditEntry.objects.count(), stored_files()


def attach(allocation, actor, content: bytes, name: str, kind="handover", **extra):
    return evidence_attach(subject=allocation, kind=kind, upload=upload(content, name), actor=actor, **extra)


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    gps = exif.get_ifd(GPS_LATITUDE)
    gps[1] = "N"
    gps[2] = (10.0, 45.0, 30.0)  # near Ho Chi Minh City
    gps[3] = "E"
    gps[4] = (106.0, 40.0, 10.0)
    return image_bytes("JPEG", exif=exif.tobytes())


@pytest.mark.parametrize(
    ("content", "name", "mime_type"),
    [
        (pdf_bytes(), "Biên bản bàn giao.pdf", "application/pdf"),
        (image_bytes("JPEG"), "anh-chup.jpg", "image/jpeg"),
        (image_bytes("PNG"), "scan.png", "image/png"),
        # The name does not decide: a PNG called .pdf is stored as the PNG it is.
        (image_bytes("PNG"), "looks-like.pdf", "image/png"),
    ],
)
def test_a_pdf_jpeg_or_png_is_accepted_and_stored_under_a_random_name(
    allocation, case_worker, content, name, mime_type
):
    before = stored_files()
    evidence = attach(allocation, case_worker, content, name, note="Signed by the guardian")
    evidence.refresh_from_db()
    assert (evidence.mime_type, evidence.original_name, evidence.subject) == (mime_type, name, allocation)
    assert evidence.uploaded_by == case_worker and evidence.note == "Signed by the guardian"
    (new,) = stored_files() - before
    assert new == evidence.stored_name
    assert Path(name).stem not in new and new.endswith("." + evidence.extension)
    path = Path(storages["evidence"].path(new))
    stored = path.read_bytes()
    assert evidence.size == len(stored)
    import hashlib

    assert evidence.sha256 == hashlib.sha256(stored).hexdigest()
    assert evidence.uploaded_sha256 == hashlib.sha256(content).hexdigest()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # the server's user alone
    entry = AuditEntry.objects.get(action="evidence.attach")
    assert entry.object_id == str(evidence.pk) and entry.actor == case_worker
    assert entry.data["subject"] == "care.allocation" and entry.data["subject_id"] == allocation.pk
    text = str(entry.data)
    assert name not in text and "guardian" not in text and "Demo" not in text  # no names, no note


class Unreadable(io.BytesIO):
    """Claims 50 MB and fails the test if anyone reads it."""

    size = 50 * 1024 * 1024
    name = "huge.pdf"

    def read(self, *args):
        raise AssertionError("a 50 MB upload was read")

    def chunks(self, *args):
        raise AssertionError("a 50 MB upload was read")


def html_as_png() -> bytes:
    return b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def exe_as_pdf() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 400


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: upload(exe_as_pdf(), "bien-ban.pdf"), "this file is EXE"),
        (lambda: upload(html_as_png(), "anh.png"), "not a type we recognise"),
        (lambda: upload(b"", "empty.pdf"), "empty"),
        (Unreadable, "files up to 10.0"),
        (lambda: upload(pdf_bytes()[:-40], "cut-short.pdf"), "incomplete or damaged"),
        (
            lambda: upload(
                pdf_bytes().replace(
                    b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
                ),
                "x.pdf",
            ),
            "scripts",
        ),
        (lambda: upload(image_bytes("PNG")[:60], "cut.png"), "cannot be read"),
        (lambda: upload(b"GIF89a" + b"\x00" * 100, "anim.png"), "GIF"),
    ],
)
def test_anything_else_is_refused_and_nothing_is_written(allocation, case_worker, make, message):
    before = writes()
    with pytest.raises(CareError, match=message):
        evidence_attach(subject=allocation, kind="handover", upload=make(), actor=case_worker)
    assert writes() == before


def test_a_file_over_the_size_setting_is_refused(allocation, case_worker, settings):
    settings.EVIDENCE_MAX_BYTES = 500
    before = writes()
    with pytest.raises(CareError, match="files up to 500"):
        attach(allocation, case_worker, pdf_bytes() + b" " * 500, "big.pdf")
    assert writes() == before


def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(allocation, case_worker, settings):
    settings.EVIDENCE_MAX_PIXELS = 1_000  # the test image has 2.400
    before = writes()
    with pytest.raises(CareError, match="pixels"):
        attach(allocation, case_worker, image_bytes("PNG"), "big.png")
    assert writes() == before


def test_a_failed_row_leaves_no_file_behind(allocation, case_worker, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("care.services.evidence.audit_record", broken_audit)
    before = writes()
    with pytest.raises(RuntimeError):
        attach(allocation, case_worker, pdf_bytes(), "a.pdf")
    assert writes() == before


def test_gps_and_camera_metadata_are_stripped_from_photos(allocation, case_worker):
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(GPS_LATITUDE)  # the test photo does carry a position
    evidence = attach(allocation, case_worker, original, "photo.jpg")
    stored = Path(storages["evidence"].path(evidence.stored_name)).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {} and "exif" not in image.info
        assert image.size == (60, 40)
    assert b"Exif" not in stored and b"PhoneMaker" not in stored
    assert evidence.uploaded_sha256 != evidence.sha256  # what arrived is still identifiable


def test_png_metadata_is_stripped_too(allocation, case_worker):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "10.7596 N 106.6695 E")
    source = io.BytesIO()
    Image.new("RGB", (30, 30), "blue").save(source, "PNG", pnginfo=info)
    evidence = attach(allocation, case_worker, source.getvalue(), "scan.png")
    stored = Path(storages["evidence"].path(evidence.stored_name)).read_bytes()
    assert b"Location" not in stored and b"106.6695" not in stored


def test_a_photo_keeps_its_orientation_when_its_exif_goes(allocation, case_worker):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    evidence = attach(allocation, case_worker, image_bytes("JPEG", size=(60, 40), exif=exif.tobytes()), "p.jpg")
    with Image.open(storages["evidence"].path(evidence.stored_name)) as image:
        assert image.size == (40, 60)


def test_a_drawn_signature_must_be_a_png_with_something_drawn(allocation, case_worker):
    blank = io.BytesIO()
    Image.new("RGB", (300, 100), "white").save(blank, "PNG")
    before = writes()
    with pytest.raises(CareError, match="signature is empty"):
        attach(allocation, case_worker, blank.getvalue(), "signature.png", kind="signature")
    with pytest.raises(CareError, match="JPEG"):
        attach(allocation, case_worker, image_bytes("JPEG"), "signature.png", kind="signature")
    assert writes() == before
    assert attach(allocation, case_worker, image_bytes("PNG"), "signature.png", kind="signature").kind == "signature"


def test_only_those_who_may_attach_do_and_only_to_care_records(allocation, funded, case_worker):
    manager = staff_user("manager-x", "view_allocation", "approve_allocation")
    before = writes()
    with pytest.raises(CareError, match="case worker"):
        attach(allocation, manager, pdf_bytes(), "a.pdf")
    with pytest.raises(CareError, match="care record"):
        evidence_attach(subject=funded, kind="invoice", upload=upload(pdf_bytes(), "a.pdf"), actor=case_worker)
    with pytest.raises(CareError, match="Choose what the file is"):
        attach(allocation, case_worker, pdf_bytes(), "a.pdf", kind="selfie")
    assert writes() == before


def test_evidence_rows_are_append_only(allocation, case_worker):
    evidence = attach(allocation, case_worker, pdf_bytes(), "a.pdf")
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.filter(pk=evidence.pk).update(note="changed")
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.filter(pk=evidence.pk).delete()


def test_a_wrong_file_is_replaced_with_a_reason_and_both_stay(allocation, case_worker, child, funded):
    wrong = attach(allocation, case_worker, image_bytes("PNG"), "wrong-child.png")
    other = allocation_propose(
        beneficiary=child, fund=funded, kind="cash", amount=Money(1, "VND"), purpose="x", actor=case_worker
    )
    before = writes()
    with pytest.raises(CareError, match="reason is required"):
        attach(allocation, case_worker, pdf_bytes(), "right.pdf", supersedes=wrong, reason=" ")
    with pytest.raises(CareError, match="same record"):
        evidence_attach(
            subject=other,
            kind="handover",
            upload=upload(pdf_bytes(), "r.pdf"),
            actor=case_worker,
            supersedes=wrong,
            reason="Wrong child",
        )
    assert writes() == before
    right = attach(
        allocation, case_worker, pdf_bytes(), "right.pdf", supersedes=wrong, reason="Photo of the wrong paper"
    )
    assert right.supersedes == wrong and wrong.superseded_by == right
    assert list(Evidence.objects.about(allocation).current()) == [right]
    assert Evidence.objects.about(allocation).count() == 2
    with pytest.raises(CareError, match="already been replaced"):
        attach(allocation, case_worker, pdf_bytes(), "again.pdf", supersedes=wrong, reason="Again")


def _approved(allocation, manager):
    allocation_approve(allocation=allocation, actor=manager)
    return Allocation.objects.get(pk=allocation.pk)


def pay(allocation, actor):
    return allocation_disburse(
        allocation=allocation, disbursed_on=timezone.localdate(), method="bank_transfer_guardian", actor=actor
    )


def test_no_payment_without_a_handover_on_file(allocation, case_worker, manager):
    allocation = _approved(allocation, manager)
    attach(allocation, case_worker, pdf_bytes(), "invoice.pdf", kind="invoice")  # not proof of handover
    before = (Allocation.objects.get(pk=allocation.pk).status, Posting.objects.count(), AuditEntry.objects.count())
    with pytest.raises(CareError, match="no handover document or signature"):
        pay(allocation, case_worker)
    after = (Allocation.objects.get(pk=allocation.pk).status, Posting.objects.count(), AuditEntry.objects.count())
    assert after == before
    attach(allocation, case_worker, image_bytes("PNG"), "signature.png", kind="signature")
    assert pay(allocation, case_worker).status == "disbursed"


def test_a_replaced_handover_no_longer_counts(allocation, case_worker, manager):
    allocation = _approved(allocation, manager)
    handover = attach(allocation, case_worker, pdf_bytes(), "h.pdf")
    attach(allocation, case_worker, pdf_bytes(), "x.pdf", kind="other", supersedes=handover, reason="Not a handover")
    with pytest.raises(CareError, match="no handover"):
        pay(allocation, case_worker)


def test_the_storage_never_makes_a_url(allocation, case_worker):
    evidence = attach(allocation, case_worker, pdf_bytes(), "a.pdf")
    with pytest.raises(ValueError, match="no URL"):
        storages["evidence"].url(evidence.stored_name)


def test_a_content_file_without_a_name_is_fine(allocation, case_worker):
    evidence = evidence_attach(subject=allocation, kind="handover", upload=ContentFile(pdf_bytes()), actor=case_worker)
    assert evidence.original_name == ""


def test_the_s3_storage_is_private_and_makes_no_url_either():
    from config.storage import PrivateUrlRefused
    from config.storage_s3 import PrivateS3Storage

    storage = PrivateS3Storage(
        bucket_name="evidence-test", default_acl="private", querystring_auth=False, file_overwrite=False
    )
    assert storage.default_acl == "private" and storage.file_overwrite is False
    with pytest.raises(PrivateUrlRefused):
        storage.url("ab/abc.pdf")
