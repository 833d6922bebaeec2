from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReceiptCounter(models.Model):
    """The last number given in one series and fiscal year.

    Numbers are taken by updating this row inside the transaction that creates the receipt: the
    row lock makes concurrent issuers wait their turn, and a transaction that rolls back gives its
    number back with it, so a series has no gaps and no duplicates (a database sequence would
    leave a hole for every rollback).
    """

    series = models.CharField(max_length=10, verbose_name=_("series"))
    fiscal_year = models.PositiveSmallIntegerField(verbose_name=_("fiscal year"))
    last_number = models.PositiveIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "fiscal_year"], name="receipt_counter_unique"),
            models.CheckConstraint(condition=Q(last_number__gte=0), name="receipt_counter_not_negative"),
        ]
        verbose_name = _("receipt counter")
        verbose_name_plural = _("receipt counters")

    def __str__(self) -> str:
        return f"{self.series}-{self.fiscal_year}: {self.last_number}"
