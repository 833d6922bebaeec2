from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EvidenceQuerySet(models.QuerySet):
    def about(self, subject: models.Model) -> "EvidenceQuerySet":
        return self.filter(content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk)

    def current(self) -> "EvidenceQuerySet":
        """Files no later upload replaced."""
        return self.filter(superseded_by__isnull=True)


class Evidence(models.Model):
    """A file that proves a step in a person's care: a scan or photo of a signed handover, a
    signature drawn on screen, a school's enrolment confirmation, an invoice.

    Attached to any care record (the subject; allocations today). Append-only: a database
    trigger refuses UPDATE and DELETE, so a wrong file is superseded by a new one that says why,
    and both stay. The file itself lives on the private "evidence" storage under a random name
    (``stored_name``); ``sha256`` is of exactly those bytes. Written only by
    care.services.evidence, read only through care.selectors.evidence_open, which audits it.
    """

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class Kind(models.TextChoices):
        HANDOVER = "handover", _("Handover document")
        SIGNATURE = "signature", _("Signature drawn on screen")
        ENROLMENT = "enrolment", _("Enrolment confirmation")
        INVOICE = "invoice", _("Invoice")
        OTHER = "other", _("Other")

    class MimeType(models.TextChoices):
        PDF = "application/pdf", _("PDF document")
        JPEG = "image/jpeg", _("JPEG image")
        PNG = "image/png", _("PNG image")

    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"app_label": "care"},
        verbose_name=_("attached to (type)"),
    )
    object_id = models.PositiveBigIntegerField(_("attached to (number)"))
    subject = GenericForeignKey("content_type", "object_id")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    stored_name = models.CharField(_("stored as"), max_length=200, unique=True, editable=False)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    mime_type = models.CharField(_("file type"), max_length=30, choices=MimeType.choices)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256 hash"), max_length=64)
    # What arrived, before its metadata was stripped: lets someone holding the original match it.
    uploaded_sha256 = models.CharField(_("SHA-256 as uploaded"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("replaces the file"),
    )
    supersede_reason = models.CharField(_("why it replaces the earlier file"), max_length=500, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        indexes = [models.Index(fields=["content_type", "object_id"], name="evidence_subject")]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
            models.CheckConstraint(
                condition=Q(kind__in=["handover", "signature", "enrolment", "invoice", "other"]),
                name="evidence_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(mime_type__in=["application/pdf", "image/jpeg", "image/png"]), name="evidence_type_allowed"
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$") & Q(uploaded_sha256__regex=r"^[0-9a-f]{64}$"),
                name="evidence_sha256_hex",
            ),
            models.CheckConstraint(condition=Q(stored_name__gt=""), name="evidence_stored_name_set"),
            # A replacement always says why; a first file has nothing to explain.
            models.CheckConstraint(
                condition=(Q(supersedes__isnull=True) & Q(supersede_reason=""))
                | (Q(supersedes__isnull=False) & Q(supersede_reason__gt="")),
                name="evidence_supersede_has_reason",
            ),
        ]

    def __str__(self) -> str:
        # No file name: it may name the child.
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def extension(self) -> str:
        return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[self.mime_type]

    @property
    def download_name(self) -> str:
        """The name a download is saved under: ours, never the uploader's (it may name a child,
        and a crafted one could break the header)."""
        return f"evidence-{self.pk}-{self.kind}.{self.extension}"
