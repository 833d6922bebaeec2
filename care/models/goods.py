"""Goods allocations: the items an in-kind or school-supplies allocation gives, and the record
of handing them over (docs/decisions/0017-stock.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fund.money import CURRENCY_CHOICES

from .stock import StockRestriction


class AllocationLine(models.Model):
    """So many of one item from one restriction of the fund's stock. ``value`` is empty until
    the goods are issued, then what they left stock with (weighted average cost)."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    allocation = models.ForeignKey(
        "care.Allocation", on_delete=models.PROTECT, related_name="lines", verbose_name=_("allocation")
    )
    item = models.ForeignKey("care.StockItem", on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    restriction = models.CharField(_("taken from"), max_length=20, choices=StockRestriction.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    value = MoneyField(
        _("value"),
        max_digits=20,
        decimal_places=2,
        default_currency="VND",
        currency_choices=CURRENCY_CHOICES,
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("allocation line")
        verbose_name_plural = _("allocation lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_line_quantity_positive"),
            models.UniqueConstraint(fields=["allocation", "item", "restriction"], name="allocation_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity.normalize():f} {self.item}"

    @property
    def unit(self) -> str:
        return self.item.unit


class GoodsHandover(models.Model):
    """Who handed the goods over, to whom (the guardian or the child) and when. The signed
    document itself is evidence attached to the allocation, not kept here."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class Recipient(models.TextChoices):
        GUARDIAN = "guardian", _("The guardian")
        CHILD = "child", _("The person in care")

    allocation = models.OneToOneField(
        "care.Allocation", on_delete=models.PROTECT, related_name="handover", verbose_name=_("allocation")
    )
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("handed over by")
    )
    recipient = models.CharField(_("received by"), max_length=20, choices=Recipient.choices)
    # The guardian's name, as signed; part of the case, so never in an audit entry.
    recipient_name = models.CharField(_("name of the person who received"), max_length=200, blank=True)
    handed_over_on = models.DateField(_("handed over on"))
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("goods handover")
        verbose_name_plural = _("goods handovers")
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient="child") | ~Q(recipient_name=""), name="goods_handover_guardian_named"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.allocation} {self.handed_over_on.isoformat()}"
