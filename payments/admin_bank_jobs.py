"""Back-office screens of a statement import run as a job: its progress page (a <progress> bar
that a small script keeps current from a JSON endpoint, and that refreshes itself without
script), and running a failed import again. Same permission as importing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from fund.errors import FundError

from .models import BankImportJob
from .services.bank_jobs import bank_import_job_retry

IMPORT_PERMISSION = "payments.add_bankstatement"
REFRESH_SECONDS = 3


def job_progress(job: BankImportJob) -> dict:
    """What the progress page shows, as the JSON endpoint gives it."""
    if job.status == BankImportJob.Status.MATCHING and job.new_count:
        value, maximum = job.decided_count, job.new_count
    elif job.status == BankImportJob.Status.DONE:
        value = maximum = max(job.new_count, 1)
    else:
        value = maximum = None  # reading: the number of lines is not known until the end
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "active": job.is_active,
        "lines_read": job.lines_read,
        "new": job.new_count,
        "decided": job.decided_count,
        "matched": job.matched_count,
        "review": job.review_count,
        "value": value,
        "max": maximum,
        "error": job.error if job.status == BankImportJob.Status.FAILED else "",
        "review_url": reverse("bank_transactions:index") + "?status=review",
        "summary": _summary(job) if job.status == BankImportJob.Status.DONE else "",
    }


def _summary(job: BankImportJob) -> str:
    return ngettext(
        "%(lines)s incoming line read, %(new)s new: %(matched)s matched to pledges, %(review)s to review.",
        "%(lines)s incoming lines read, %(new)s new: %(matched)s matched to pledges, %(review)s to review.",
        job.line_count,
    ) % {"lines": job.line_count, "new": job.new_count, "matched": job.matched_count, "review": job.review_count}


class _JobMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(IMPORT_PERMISSION):
            raise PermissionDenied
        self.job = get_object_or_404(BankImportJob, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class BankImportJobView(_JobMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "payments/admin/bank_import_job.html"
    page_title = _("Bank statement import")
    header_icon = "upload"

    def get_page_subtitle(self):
        return self.job.filename

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            job=self.job,
            progress=job_progress(self.job),
            refresh_seconds=REFRESH_SECONDS,
            progress_url=reverse("bank_import_job_progress", args=[self.job.pk]),
            retry_url=reverse("bank_import_job_retry", args=[self.job.pk]),
            **kwargs,
        )


class BankImportJobProgressView(_JobMixin, View):
    def get(self, request, *args, **kwargs):
        response = JsonResponse(job_progress(self.job))
        response["Cache-Control"] = "no-store"
        return response


class BankImportJobRetryView(_JobMixin, View):
    def post(self, request, *args, **kwargs):
        try:
            bank_import_job_retry(job=self.job, actor=request.user)
        except FundError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, gettext("The import is queued again."))
        return redirect("bank_import_job", pk=self.job.pk)
