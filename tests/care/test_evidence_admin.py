"""Evidence on the allocation screens, with the real roles: the list and the upload form on the
inspect screen, uploads (a file or a drawn signature) refused by content and by size before the
body is read, downloads streamed only to roles that may, each audited, never from /media/ or
/static/."""

import base64
import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from djmoney.money import Money

from audit.models import AuditEntry
from care.checks import evidence_storage_private
from care.models import Evidence
from care.services import allocation_propose
from staff.services import roles_sync
from tests.support.evidence import handover_attach, image_bytes, pdf_bytes

pytestmark = pytest.mark.django_db

ROLES = ("Administrator", "Fund accountant", "Case worker", "Fund manager", "Content editor", "Auditor")
MAY_DOWNLOAD = {"Administrator", "Fund accountant", "Case worker", "Auditor"}


@pytest.fixture
def clients(db):
    roles_sync()
    made = {}
    for role in ROLES:
        user = User.objects.create_user(role.lower().replace(" ", "_"), "x@example.org", "pw")
        user.groups.add(Group.objects.get(name=role))
        client = Client()
        client.force_login(user)
        made[role] = (client, user)
    return made


@pytest.fixture
def allocation(funded, child, clients):
    _, case_worker = clients["Case worker"]
    return allocation_propose(
        beneficiary=child, fund=funded, kind="cash", amount=Money(200_000, "VND"), purpose="Food", actor=case_worker
    )


def attach_url(allocation) -> str:
    return f"/admin/care/evidence/attach/allocation/{allocation.pk}/"


def stored_files() -> set[str]:
    root = Path(storages["evidence"].location)
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def writes():
    return Evidence.objects.count(), AuditEntry.objects.count(), stored_files()


def test_the_inspect_screen_lists_evidence_and_offers_the_upload_to_those_allowed(clients, allocation):
    evidence = handover_attach(allocation, clients["Case worker"][1])
    url = f"/admin/care/allocations/inspect/{allocation.pk}/"
    for role in ROLES:
        if role == "Content editor":
            continue
        body = clients[role][0].get(url).content.decode()
        assert (f"/admin/care/evidence/{evidence.pk}/" in body) == (role in MAY_DOWNLOAD), role
        assert (attach_url(allocation) in body) == (role in {"Administrator", "Case worker"}), role
    body = clients["Case worker"][0].get(url).content.decode()
    assert "care/js/signature-pad.js" in body and "<script>" not in body.split("signature-pad.js")[0][-200:]


def test_a_case_worker_uploads_a_file_on_screen(clients, allocation):
    client, user = clients["Case worker"]
    response = client.post(
        attach_url(allocation),
        {"kind": "handover", "note": "Signed", "file": SimpleUploadedFile("bb.pdf", pdf_bytes(), "application/pdf")},
    )
    assert response.status_code == 302 and response["Location"] == f"/admin/care/allocations/inspect/{allocation.pk}/"
    evidence = Evidence.objects.get()
    assert (evidence.kind, evidence.uploaded_by, evidence.original_name) == ("handover", user, "bb.pdf")


def test_a_drawn_signature_arrives_as_a_png(clients, allocation):
    client, _ = clients["Case worker"]
    data_url = "data:image/png;base64," + base64.b64encode(image_bytes("PNG")).decode()
    response = client.post(attach_url(allocation), {"kind": "handover", "signature": data_url})
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Evidence.objects.get().kind == "signature"


def test_a_signature_that_is_not_a_png_is_refused_beside_the_box(clients, allocation):
    client, _ = clients["Case worker"]
    before = writes()
    fake = "data:image/png;base64," + base64.b64encode(b"<html>").decode()
    response = client.post(attach_url(allocation), {"kind": "signature", "signature": fake})
    assert response.status_code == 200
    assert "Chỉ nhận tệp PDF, JPEG và PNG" in response.content.decode()
    assert writes() == before


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 200, "bien-ban.pdf"),
        (b"<!doctype html><html><script>alert(1)</script></html>", "anh.png"),
        (b"", "empty.pdf"),
    ],
)
def test_a_bad_upload_on_screen_is_refused_and_writes_nothing(clients, allocation, content, name):
    client, _ = clients["Case worker"]
    before = writes()
    response = client.post(attach_url(allocation), {"kind": "handover", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert "help-critical" in response.content.decode() or "error-message" in response.content.decode()
    assert writes() == before


def test_a_50_mb_upload_is_refused_before_its_body_is_read(clients, allocation, monkeypatch):
    from django.core.handlers.wsgi import LimitedStream

    read = {"bytes": 0}
    original_read, original_readline = LimitedStream.read, LimitedStream.readline

    def counting_read(self, *args, **kwargs):
        data = original_read(self, *args, **kwargs)
        read["bytes"] += len(data)
        return data

    def counting_readline(self, *args, **kwargs):
        data = original_readline(self, *args, **kwargs)
        read["bytes"] += len(data)
        return data

    monkeypatch.setattr(LimitedStream, "read", counting_read)
    monkeypatch.setattr(LimitedStream, "readline", counting_readline)
    client, _ = clients["Case worker"]
    before = writes()
    huge = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024), "application/pdf")
    response = client.post(attach_url(allocation), {"kind": "handover", "file": huge})
    assert response.status_code == 200
    assert "Tệp lớn hơn 10,0\xa0MB" in response.content.decode()
    assert read["bytes"] == 0  # not a byte of the body was read
    assert writes() == before


def test_without_a_length_the_upload_handler_stops_at_the_limit(clients, allocation, monkeypatch, settings):
    """A body whose length the check at the door lets through (here: the allowance made huge)
    is still cut off by the upload handler once the file passes the limit."""
    monkeypatch.setattr("care.admin_evidence.FORM_ALLOWANCE", 10**9)
    settings.EVIDENCE_MAX_BYTES = 100 * 1024
    client, _ = clients["Case worker"]
    before = writes()
    big = SimpleUploadedFile("scan.pdf", pdf_bytes() + b" " * 300_000, "application/pdf")
    response = client.post(attach_url(allocation), {"kind": "handover", "file": big})
    assert response.status_code == 200
    assert "Tệp lớn hơn 100,0\xa0KB" in response.content.decode()
    assert writes() == before


def test_uploads_are_for_those_who_may_attach(clients, allocation):
    for role in ("Fund manager", "Fund accountant", "Auditor", "Content editor"):
        before = writes()
        client, _ = clients[role]
        response = client.post(
            attach_url(allocation), {"kind": "handover", "file": SimpleUploadedFile("a.pdf", pdf_bytes())}
        )
        assert response.status_code in (302, 403) and response.get("Location", "/admin/") == "/admin/", role
        assert writes() == before


@pytest.mark.parametrize("role", ROLES)
def test_downloads_only_for_roles_that_may_each_audited(clients, allocation, role):
    evidence = handover_attach(allocation, clients["Case worker"][1])
    client, user = clients[role]
    response = client.get(f"/admin/care/evidence/{evidence.pk}/")
    entries = AuditEntry.objects.filter(
        object_type="care.evidence", object_id=str(evidence.pk), actor=user, action__startswith="evidence.download"
    )
    if role in MAY_DOWNLOAD:
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == evidence.sha256
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="evidence-{evidence.pk}-handover.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert list(entries.values_list("action", flat=True)) == ["evidence.download"]
    else:
        assert response.status_code == 403
        assert b"%PDF" not in response.content
        assert list(entries.values_list("action", flat=True)) == ["evidence.download_refused"]
    (entry,) = entries
    assert entry.data == {"subject": "care.allocation", "subject_id": allocation.pk, "kind": "handover"}
    # Each download is one more entry.
    client.get(f"/admin/care/evidence/{evidence.pk}/")
    assert entries.all().count() == 2  # a fresh count, not the cached one


def test_someone_signed_out_gets_the_login_page_not_the_file(allocation, clients):
    evidence = handover_attach(allocation, clients["Case worker"][1])
    response = Client().get(f"/admin/care/evidence/{evidence.pk}/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_file_changed_on_disk_is_not_served(clients, allocation):
    evidence = handover_attach(allocation, clients["Case worker"][1])
    path = Path(storages["evidence"].path(evidence.stored_name))
    path.write_bytes(path.read_bytes().replace(b"Handover", b"Forgery!"))
    response = clients["Auditor"][0].get(f"/admin/care/evidence/{evidence.pk}/")
    assert response.status_code == 500 and b"%PDF" not in response.content


def test_evidence_is_not_reachable_under_media_or_static(clients, allocation):
    evidence = handover_attach(allocation, clients["Case worker"][1])
    root = Path(storages["evidence"].location).resolve()
    for public in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
        assert not root.is_relative_to(Path(public).resolve())
    client = clients["Administrator"][0]
    name = evidence.stored_name
    for url in (f"/media/{name}", f"/static/{name}", f"/media/evidence/{name}", f"/static/evidence/{name}"):
        response = client.get(url)
        assert response.status_code == 404, url
    assert evidence_storage_private() == []


def test_the_system_check_refuses_evidence_inside_media_root(tmp_path):
    inside = tmp_path / "media" / "evidence"
    evidence = {
        "BACKEND": "config.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": str(inside)},
    }
    with override_settings(MEDIA_ROOT=str(tmp_path / "media"), STORAGES={**settings.STORAGES, "evidence": evidence}):
        errors = evidence_storage_private()
    assert [error.id for error in errors] == ["care.E002"]
