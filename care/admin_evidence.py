"""Back-office screens for evidence files: attach one to a care record (a file, or a signature
drawn on screen), and download one.

Downloads: only with ``care.view_evidence``, each one audited (care.selectors.evidence_open), as
an attachment under our own name, never cached, never sniffed. Refusals are a plain 403.

Uploads: the size is checked before the body is read. The request's length first; then, for a
body without one, an upload handler that stops reading at the limit. That needs the handler in
place before anything reads the body, and CSRF's check reads it, so the view is CSRF-exempt
outside and CSRF-protected inside (Django's documented way to change upload handlers).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, HttpResponse, HttpResponseForbidden, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from config.wagtail_admin import admin_action_log, form_add_service_errors
from fund.errors import FundError

from .errors import CareError
from .evidence_files import signature_from_data_url
from .models import Allocation, Evidence
from .selectors import EVIDENCE_VIEW_PERMISSION, EvidenceDamaged, evidence_open, evidence_visible
from .services import evidence_attach
from .widgets import SignaturePad

ADD_PERMISSION = "care.add_evidence"
# Room for the form's other fields around the file in a multipart body.
FORM_ALLOWANCE = 64 * 1024
# The care records a file can be attached to on screen: URL name -> (model, its inspect view).
SUBJECTS = {"allocation": (Allocation, "allocations_admin:inspect")}


def subject_key(subject) -> str:
    return next(key for key, (model, _) in SUBJECTS.items() if isinstance(subject, model))


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("What it is"), choices=Evidence.Kind.choices, initial=Evidence.Kind.HANDOVER)
    file = forms.FileField(
        label=_("File"),
        required=False,
        allow_empty_file=True,  # the service refuses an empty file with its own words
        help_text=_("A PDF, JPEG or PNG of up to %(limit)s."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    signature = forms.CharField(
        label=_("Or a signature drawn on screen"),
        required=False,
        widget=SignaturePad,
        help_text=_("The guardian or the child signs in the box with a finger, a stylus or the mouse."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    supersedes = forms.ModelChoiceField(
        label=_("Replaces"),
        required=False,
        queryset=Evidence.objects.none(),
        help_text=_("Only if this file corrects one attached before: the earlier one stays, marked replaced."),
    )
    reason = forms.CharField(label=_("Why it replaces the earlier file"), required=False, max_length=500)

    def __init__(self, *args, subject=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.fields["file"].help_text % {
            "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)
        }
        if subject is not None:
            self.fields["supersedes"].queryset = Evidence.objects.about(subject).current()
        self.fields["supersedes"].label_from_instance = lambda evidence: (
            gettext("File %(number)s: %(kind)s, %(date)s")
            % {"number": evidence.pk, "kind": evidence.get_kind_display(), "date": evidence.uploaded_at.date()}
        )

    def clean(self):
        data = super().clean()
        upload, signature = data.get("file"), data.get("signature")
        if upload and signature:
            raise ValidationError(_("Attach a file or draw a signature, not both at once."))
        if not upload and not signature:
            raise ValidationError(_("Choose a file, or sign in the box."))
        if signature:
            data["kind"] = Evidence.Kind.SIGNATURE
        elif data.get("kind") == Evidence.Kind.SIGNATURE:
            self.add_error(
                "kind", _("A signature is drawn in the box; a scan of a signed paper is a handover document.")
            )
        if data.get("supersedes") and not data.get("reason"):
            self.add_error("reason", _("Say why it replaces the earlier file."))
        return data


class EvidenceUploadLimit(FileUploadHandler):
    """First of the upload handlers: counts a file's bytes as they arrive and stops reading the
    body past the limit (the rest is discarded as it streams, never held)."""

    def __init__(self, request=None, limit: int = 0):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.evidence_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data  # on to the next handler

    def file_complete(self, file_size):
        return None


class EvidenceAttachView(WagtailAdminTemplateMixin, FormView):
    template_name = "care/admin/evidence_form.html"
    form_class = EvidenceForm
    header_icon = "doc-full"
    page_title = _("Attach evidence")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(ADD_PERMISSION):
            raise PermissionDenied
        model, self.inspect_url_name = SUBJECTS.get(kwargs["subject"], (None, None))
        if model is None:
            raise PermissionDenied
        if not request.user.has_perm(f"care.view_{model._meta.model_name}"):
            raise PermissionDenied
        self.subject = get_object_or_404(model, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        if getattr(self.request, "evidence_too_large", False):
            # The body was not (wholly) read: an empty form, with the refusal.
            return {"initial": self.get_initial(), "prefix": self.get_prefix(), "subject": self.subject}
        return {**super().get_form_kwargs(), "subject": self.subject}

    def post(self, request, *args, **kwargs):
        request.FILES  # noqa: B018 - parse the body now (the upload limit may stop it), then look
        if getattr(request, "evidence_too_large", False):
            form = self.get_form()
            form.cleaned_data = {}  # an unbound form has none, and add_error expects it
            form.add_error(None, self.too_large_message())
            return self.form_invalid(form)
        return super().post(request, *args, **kwargs)

    def too_large_message(self) -> str:
        return gettext("The file is larger than %(limit)s, the most accepted.") % {
            "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update(
            subject=self.subject,
            action_url=self.request.get_full_path(),
            submit_button_label=gettext("Attach"),
            media=form.media,
            form_is_multipart=True,
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        drawn = bool(data.get("signature"))
        try:
            upload = signature_from_data_url(data["signature"]) if drawn else data["file"]
            evidence = evidence_attach(
                subject=self.subject,
                kind=data["kind"],
                upload=upload,
                original_name="" if drawn else upload.name,
                note=data.get("note", ""),
                supersedes=data.get("supersedes"),
                reason=data.get("reason", ""),
                actor=self.request.user,
            )
        except FundError as exc:  # CareError is a FundError
            if drawn and hasattr(exc, "error_dict") and "file" in exc.error_dict:
                exc = CareError({"signature": exc.message_dict["file"]})
            form_add_service_errors(form, exc)
            return self.form_invalid(form)
        admin_action_log(
            instance=self.subject, action="care.evidence_attach", user=self.request.user, evidence=evidence.pk
        )
        messages.success(self.request, gettext("File %(number)s attached.") % {"number": evidence.pk})
        return redirect(self.inspect_url_name, self.subject.pk)


_attach_protected = csrf_protect(EvidenceAttachView.as_view())


@csrf_exempt  # CSRF is checked inside, once the upload handlers are in place
def evidence_attach_view(request, subject: str, pk: int):
    if request.method == "POST":
        limit = settings.EVIDENCE_MAX_BYTES
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit + FORM_ALLOWANCE:
            # Refused without reading a byte of the body; the view shows the form again.
            request.evidence_too_large = True
            request._post, request._files = QueryDict(), MultiValueDict()  # nothing read, nothing parsed
            return EvidenceAttachView.as_view()(request, subject=subject, pk=pk)
        request.upload_handlers.insert(0, EvidenceUploadLimit(request, limit=limit))
    return _attach_protected(request, subject=subject, pk=pk)


@require_GET
def evidence_download_view(request, pk: int):
    """Stream one file to someone allowed, as a download, and audit it."""
    if not request.user.has_perm(EVIDENCE_VIEW_PERMISSION):
        evidence = Evidence.objects.filter(pk=pk).first()
        if evidence is not None:
            try:
                evidence_open(actor=request.user, evidence=evidence)  # audits the refusal
            except PermissionDenied:
                pass
        return HttpResponseForbidden(gettext("Your role may not open evidence files."))
    evidence = get_object_or_404(Evidence.objects.select_related("content_type"), pk=pk)
    try:
        handle = evidence_open(actor=request.user, evidence=evidence)
    except PermissionDenied:
        return HttpResponseForbidden(gettext("Your role may not open evidence files."))
    except EvidenceDamaged:
        return HttpResponse(
            gettext("This file is missing or has changed since it was attached; an administrator must look into it."),
            status=500,
            content_type="text/plain; charset=utf-8",
        )
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.download_name, content_type=evidence.mime_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Referrer-Policy"] = "no-referrer"
    return response


def evidence_urls():
    return [
        path("care/evidence/<int:pk>/", evidence_download_view, name="care_evidence_download"),
        path("care/evidence/attach/<str:subject>/<int:pk>/", evidence_attach_view, name="care_evidence_attach"),
    ]


def evidence_attach_url(subject) -> str:
    return reverse("care_evidence_attach", args=[subject_key(subject), subject.pk])


def evidence_context(request, subject) -> dict:
    """What a subject's inspect screen shows of its evidence (care/admin/includes/evidence_section.html):
    the files to those who may open them, the upload form to those who may attach one."""
    may_attach = request.user.has_perm(ADD_PERMISSION)
    return {
        "evidence": evidence_visible(actor=request.user, subject=subject),
        "evidence_form": EvidenceForm(subject=subject) if may_attach else None,
        "evidence_attach_url": evidence_attach_url(subject) if may_attach else "",
    }
