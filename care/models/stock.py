"""In-kind stock: a catalogue of items, an append-only log of movements, intake records and
stock counts (docs/decisions/0017-stock.md).

What is in stock is never stored: it is the sum of the movements of one fund, item and
restriction. Each movement carries its own value in the fund's currency, so a later gift at
another price never rewrites what an earlier issue was worth.
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fund.money import CURRENCY_CHOICES


def stock_item_key(name: str, unit: str) -> str:
    """How a gift line's free text finds its catalogue item: Unicode NFC, case folded, runs of
    spaces made one, name and unit together ("Gạo  tẻ" / "KG" is "gạo tẻ" / "kg"). Accents are
    kept: in Vietnamese they tell different words apart."""

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())

    return f"{norm(name)}|{norm(unit)}"


class StockRestriction(models.TextChoices):
    """Goods given as school supplies go only to supplies allocations; other goods are in-kind.
    The values are the gift kinds (fund's Donation.Kind) they come from."""

    IN_KIND = "in_kind", _("In-kind goods")
    SUPPLIES = "supplies", _("School supplies")


class StockItem(models.Model):
    """One kind of goods in one unit ("rice, kg"). The first gift line of a new name and unit
    creates it; later lines with the same normalised text join it (stock_item_key)."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20)
    key = models.CharField(_("catalogue key"), max_length=230, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name", "unit"]
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class StockLine(models.Model):
    """That one fund holds (or held) one item under one restriction: the row the stock report
    lists, created with the line's first intake. Holds no quantity or value: those are always
    summed from the movements (care.selectors.stock_report)."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+", verbose_name=_("fund"))
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="lines", verbose_name=_("item"))
    restriction = models.CharField(_("restriction"), max_length=20, choices=StockRestriction.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["fund", "item__name", "item__unit", "restriction"]
        verbose_name = _("stock line")
        verbose_name_plural = _("stock")
        constraints = [models.UniqueConstraint(fields=["fund", "item", "restriction"], name="stock_line_once")]

    def __str__(self) -> str:
        return f"{self.item} · {self.get_restriction_display()}"

    @property
    def unit(self) -> str:
        return self.item.unit

    @property
    def currency(self) -> str:
        return self.fund.currency


class StockMovement(models.Model):
    """One movement in or out of a fund's stock of one item. Append-only: the database refuses
    UPDATE and DELETE (trigger care_stockmovement_append_only, checked by check_ledger), and
    save() refuses to update a row already written. A mistake is corrected by another movement."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class Kind(models.TextChoices):
        INTAKE = "intake", _("Intake")
        ISSUE = "issue", _("Issue to a person in care")
        RETURN = "return", _("Return to stock")
        ADJUSTMENT = "adjustment", _("Count adjustment")
        REFUND = "refund", _("Gift refunded")

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+", verbose_name=_("fund"))
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="movements", verbose_name=_("item"))
    restriction = models.CharField(_("restriction"), max_length=20, choices=StockRestriction.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Signed: in is positive, out negative. The value moves with the same sign.
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    value = MoneyField(
        _("value"), max_digits=20, decimal_places=2, default_currency="VND", currency_choices=CURRENCY_CHOICES
    )
    date = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=50)
    donation_line = models.ForeignKey(
        "fund.DonationLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gift line"),
    )
    allocation_line = models.ForeignKey(
        "care.AllocationLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("allocation line"),
    )
    count_line = models.ForeignKey(
        "care.StockCountLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("count line"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [models.Index(fields=["fund", "item", "restriction"], name="stock_movement_line")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=["intake", "return"]) & Q(quantity__gt=0) & Q(value__gte=0))
                | (Q(kind__in=["issue", "refund"]) & Q(quantity__lt=0) & Q(value__lte=0))
                | (Q(kind="adjustment") & ~Q(quantity=0)),
                name="stock_movement_direction",
            ),
            models.CheckConstraint(
                condition=Q(restriction__in=["in_kind", "supplies"]), name="stock_movement_restriction_known"
            ),
            # A gift line enters stock once and leaves it by refund at most once, however often
            # a signal or the backfill runs.
            models.UniqueConstraint(
                fields=["donation_line"], condition=Q(kind="intake"), name="stock_intake_once_per_line"
            ),
            models.UniqueConstraint(
                fields=["donation_line"], condition=Q(kind="refund"), name="stock_refund_once_per_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity.normalize():f} {self.item}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Stock movements are append-only: record a new movement instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Stock movements are append-only: record a new movement instead.")


class IntakeRecord(models.Model):
    """The storekeeper's record of goods arriving: the gift (or pledge) they are, their condition
    and who took them in. The goods themselves enter stock from the gift's lines."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class Condition(models.TextChoices):
        NEW = "new", _("New")
        GOOD = "good", _("Good, used")
        WORN = "worn", _("Worn but usable")
        DAMAGED = "damaged", _("Partly damaged")

    donation = models.OneToOneField("fund.Donation", on_delete=models.PROTECT, related_name="+", verbose_name=_("gift"))
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("received by")
    )
    delivered_by = models.CharField(_("delivered by"), max_length=200, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("intake record")
        verbose_name_plural = _("intake records")

    def __str__(self) -> str:
        return f"{self.donation.reference}"


class StockCount(models.Model):
    """What was really on the shelves on a day. The differences post to the ledger only when a
    second person (not the counter) approves."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+", verbose_name=_("fund"))
    counted_on = models.DateField(_("counted on"))
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("counted by")
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECORDED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    posting = models.OneToOneField(
        "fund.Posting", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("posting")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        permissions = [("approve_stockcount", "Can approve or reject a stock count")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="recorded") | (Q(decided_by__isnull=False) & Q(decided_at__isnull=False)),
                name="stock_count_decided_has_who",
            ),
            models.CheckConstraint(
                condition=Q(status="approved") | Q(posting__isnull=True), name="stock_count_posted_when_approved"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.counted_on.isoformat()}"

    @property
    def reference(self) -> str:
        return f"stockcount:{self.pk}"


class StockCountLine(models.Model):
    """One item of a count: what the log said at the count, and what was found."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    count = models.ForeignKey(StockCount, on_delete=models.PROTECT, related_name="lines", verbose_name=_("count"))
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    restriction = models.CharField(_("restriction"), max_length=20, choices=StockRestriction.choices)
    expected = models.DecimalField(_("in the records"), max_digits=12, decimal_places=3)
    counted = models.DecimalField(_("counted"), max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["id"]
        verbose_name = _("stock count line")
        verbose_name_plural = _("stock count lines")
        constraints = [
            models.CheckConstraint(condition=Q(counted__gte=0), name="stock_count_line_not_negative"),
            models.UniqueConstraint(fields=["count", "item", "restriction"], name="stock_count_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.counted.normalize():f}"

    @property
    def difference(self):
        return self.counted - self.expected
