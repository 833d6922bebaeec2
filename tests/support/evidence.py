"""Evidence for tests: small real files of each accepted type, and a handover attached to an
allocation so that it may be paid out (allocation_disburse requires one)."""

from __future__ import annotations

import io

from django.contrib.auth.models import Permission, User
from django.core.files.base import ContentFile
from PIL import Image


def pdf_bytes(text: str = "Handover") -> bytes:
    """A minimal, well-formed one-page PDF."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def image_bytes(fmt: str = "PNG", *, size=(60, 40), exif: bytes | None = None, color=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", size, "white")
    for x in range(size[0] // 4, size[0] // 2):
        for y in range(size[1] // 4, size[1] // 2):
            image.putpixel((x, y), color)
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **options)
    return out.getvalue()


def upload(content: bytes, name: str) -> ContentFile:
    return ContentFile(content, name=name)


def evidence_user(username: str = "evidence-clerk") -> User:
    """Someone who may attach evidence (as a case worker may)."""
    user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.org"})
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="care", codename__in=["add_evidence", "view_evidence"])
    )
    return User.objects.get(pk=user.pk)  # permissions are cached per instance


def handover_attach(allocation, actor: User | None = None):
    """A scanned handover on ``allocation``, by ``actor`` if they may attach one, else by a clerk."""
    from care.services import evidence_attach

    if actor is None or not actor.has_perm("care.add_evidence"):
        actor = evidence_user()
    return evidence_attach(subject=allocation, kind="handover", upload=upload(pdf_bytes(), "bien-ban.pdf"), actor=actor)
