"""Donors > (a donor) > Export data: everything held about the donor as JSON or a zip of CSVs,
for the Administrator only (donors.export_donor_data). Offered on the donor through donors'
DONOR_ACTIONS_HOOK; docs/data-rights.md."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views import View

from donors.admin_rights import EXPORT_PERMISSION, DonorAction
from donors.models import Donor

from .services.data_export import FORMATS, donor_data_export_download

CONTENT_TYPES = {"json": "application/json", "csv": "application/zip"}
EXTENSIONS = {"json": "json", "csv": "zip"}


def export_response(content: bytes, *, file_format: str, stem: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    filename = f"{stem}-{timezone.localdate():%Y-%m-%d}.{EXTENSIONS[file_format]}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


class DonorDataExportView(View):
    def get(self, request, pk: int, file_format: str):
        # The permission first: a refused user learns nothing about which donors exist.
        if not request.user.has_perm(EXPORT_PERMISSION) or file_format not in FORMATS:
            raise PermissionDenied
        donor = get_object_or_404(Donor, pk=pk)
        content = donor_data_export_download(donors=[donor], file_format=file_format, actor=request.user, via="admin")
        return export_response(content, file_format=file_format, stem=f"donor-{donor.public_id.hex[:8]}")


def donor_export_actions(user, donor: Donor) -> list[DonorAction]:
    if not user.has_perm(EXPORT_PERMISSION):
        return []
    return [
        DonorAction(gettext("Export data (JSON)"), reverse("donor_data_export", args=[donor.pk, "json"]), "download"),
        DonorAction(gettext("Export data (CSV)"), reverse("donor_data_export", args=[donor.pk, "csv"]), "download"),
    ]


urlpatterns = [
    path("donors/export/<int:pk>/<str:file_format>/", DonorDataExportView.as_view(), name="donor_data_export"),
]
