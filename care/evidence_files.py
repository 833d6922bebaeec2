"""What an evidence upload really is, judged by its bytes, never by its name or the browser's word.

PDF, JPEG and PNG only. The size is checked before anything is read, so a 50 MB upload costs
nothing but the refusal. Images are decoded by Pillow and re-encoded without their metadata:
a phone photo of a handover can carry the GPS position of the child's home in its EXIF
(docs/decisions/0018-evidence.md). PDFs are kept byte for byte, after a check of their header and
trailer and a refusal of active content (scripts, launch actions, embedded files).

Pure functions: no database, no storage. care.services.evidence stores what passes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import CareError

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
# Names of PDF actions that run something when the file is opened. A scan or a printed-to-PDF
# receipt has none of them. (A name can be hex-escaped, "/J#61vaScript", to hide from this
# check: it is a filter for the ordinary case, and downloads are attachments that no browser
# renders inline.)
PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia)(?![A-Za-z0-9])")
SIGNATURE_DATA_URL = "data:image/png;base64,"


@dataclass(frozen=True)
class CheckedFile:
    mime_type: str
    content: bytes  # what is stored: the upload itself (PDF) or its re-encoding (images)
    sha256: str  # of ``content``
    uploaded_sha256: str  # of the bytes as they arrived

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.mime_type]


def _refuse(message: str) -> CareError:
    return CareError({"file": message})


def _size_of(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        position = upload.tell()
        size = upload.seek(0, io.SEEK_END)
        upload.seek(position)
    return size


def _read_bounded(upload, limit: int) -> bytes:
    """The whole file, but never more than ``limit`` + 1 bytes, whatever its size claimed."""
    if hasattr(upload, "seek"):
        upload.seek(0)
    chunks, total = [], 0
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(64 * 1024), b""):
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            break
    return b"".join(chunks)


def _too_large(size: int, limit: int) -> CareError:
    return _refuse(
        _("The file is %(size)s; files up to %(limit)s are accepted.")
        % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
    )


def _check_pdf(data: bytes) -> None:
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise _refuse(_("This PDF is incomplete or damaged: save or scan it again."))
    if PDF_ACTIVE.search(data):
        raise _refuse(_("This PDF contains scripts or embedded files; print it to PDF or scan it instead."))


def _reencode_image(data: bytes, mime_type: str, *, signature: bool) -> bytes:
    unreadable = _refuse(_("This image cannot be read: it is damaged or not really a JPEG or PNG."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != PIL_FORMATS[mime_type]:
                raise unreadable
            width, height = probe.size
            if width * height > settings.EVIDENCE_MAX_PIXELS:
                raise _refuse(
                    _("This image is %(width)s × %(height)s pixels; photos up to %(limit)s megapixels are accepted.")
                    % {"width": width, "height": height, "limit": settings.EVIDENCE_MAX_PIXELS // 1_000_000}
                )
            probe.verify()  # structure and checksums, before anything is decoded
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            # Turn the picture as the camera meant it: its EXIF orientation goes with the rest.
            upright = ImageOps.exif_transpose(image)
            if signature and upright.convert("RGBA").getcolors(1) is not None:
                raise _refuse(_("The signature is empty: sign in the box, then save."))
            out = io.BytesIO()
            options = {"icc_profile": image.info["icc_profile"]} if image.info.get("icc_profile") else {}
            if mime_type == "image/jpeg":
                if upright.mode not in ("RGB", "L", "CMYK"):
                    upright = upright.convert("RGB")
                # No exif=, no xmp=: Pillow writes no metadata it is not given.
                upright.save(out, "JPEG", quality=90, optimize=True, **options)
            else:
                upright.save(out, "PNG", optimize=True, **options)
            return out.getvalue()
    except CareError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        # SyntaxError is what Pillow's PNG reader raises for a broken chunk.
        raise unreadable from exc


def evidence_file_check(upload, *, signature: bool = False) -> CheckedFile:
    """Refuse (CareError on "file") anything but a whole, readable PDF, JPEG or PNG within the
    size limit; return what to store. ``signature``: a drawn signature, PNG only, not blank."""
    limit = settings.EVIDENCE_MAX_BYTES
    size = _size_of(upload)
    if size == 0:
        raise _refuse(_("The file is empty."))
    if size > limit:
        raise _too_large(size, limit)  # before a byte of it is read
    data = _read_bounded(upload, limit)
    if not data:
        raise _refuse(_("The file is empty."))
    if len(data) > limit:
        raise _too_large(len(data), limit)
    guessed = filetype.guess(data)
    mime_type = guessed.mime if guessed else ""
    if mime_type not in EXTENSIONS or (signature and mime_type != "image/png"):
        found = guessed.extension.upper() if guessed else _("not a type we recognise")
        raise _refuse(_("Only PDF, JPEG and PNG files are accepted; this file is %(found)s.") % {"found": found})
    if mime_type == "application/pdf":
        _check_pdf(data)
        content = data
    else:
        content = _reencode_image(data, mime_type, signature=signature)
    return CheckedFile(
        mime_type=mime_type,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_sha256=hashlib.sha256(data).hexdigest(),
    )


def signature_from_data_url(value: str) -> ContentFile:
    """The PNG a signature pad posts as a data: URL (care/static/care/js/signature-pad.js)."""
    if not value.startswith(SIGNATURE_DATA_URL):
        raise CareError({"signature": _("The signature did not arrive as a picture: sign again.")})
    encoded = value[len(SIGNATURE_DATA_URL) :]
    # Four base64 characters carry three bytes: refuse an oversized one before decoding it.
    if len(encoded) * 3 // 4 > settings.EVIDENCE_MAX_BYTES:
        raise _too_large(len(encoded) * 3 // 4, settings.EVIDENCE_MAX_BYTES)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CareError({"signature": _("The signature did not arrive as a picture: sign again.")}) from exc
    return ContentFile(data, name="signature.png")
