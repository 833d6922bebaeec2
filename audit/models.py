"""The audit trail: one append-only row per service call and per read of sensitive data.

Every app may write here, so this app imports none of them. Rows are never updated or deleted:
a database trigger refuses it (see audit/db.py).
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .labels import object_type_labels


class AuditEntryQuerySet(models.QuerySet):
    def about(self, obj: models.Model) -> "AuditEntryQuerySet":
        """Entries about one object, including those written before its model moved app."""
        return self.filter(object_type__in=object_type_labels(obj._meta.label_lower), object_id=str(obj.pk))


class AuditEntry(models.Model):
    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"
    at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who did it; empty for the system (webhooks, tasks, commands)."),
        verbose_name=_("who"),
    )
    action = models.CharField(
        max_length=100, db_index=True, help_text=_("Service or read, e.g. donation.record"), verbose_name=_("action")
    )
    object_type = models.CharField(max_length=100, verbose_name=_("object type"))
    object_id = models.CharField(max_length=64, verbose_name=_("object id"))
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, verbose_name=_("details"))

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name_plural = _("audit entries")
        verbose_name = _("audit entry")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
