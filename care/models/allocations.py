from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fund.money import CURRENCY_CHOICES

from .beneficiaries import Beneficiary


class Allocation(models.Model):
    """Support from one fund to one person in care: proposed by a case worker, approved by fund
    managers who did not propose it, then paid out (disbursed), which posts to the fund's ledger.

    Every step is a service in care.services.allocations; nothing here is edited by form. The
    ledger never learns the person: its posting carries the kind, the programme and
    ``allocation:<id>`` as its reference. A mistake after payment is a reversal, never an edit.
    """

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class Kind(models.TextChoices):
        # The same values as fund's Donation.Kind: a posting's purpose is one of them.
        CASH = "cash", _("Cash")
        SCHOLARSHIP = "scholarship", _("Scholarship")
        SUPPLIES = "supplies", _("School supplies")
        IN_KIND = "in_kind", _("In-kind goods")

    GOODS_KINDS = (Kind.SUPPLIES, Kind.IN_KIND)

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        DISBURSED = "disbursed", _("Disbursed")
        REVERSED = "reversed", _("Reversed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        UNDELIVERABLE = "undeliverable", _("Undeliverable")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        BANK_TRANSFER_GUARDIAN = "bank_transfer_guardian", _("Bank transfer to the guardian")
        BANK_TRANSFER_SCHOOL = "bank_transfer_school", _("Bank transfer to the school")
        GOODS_HANDED_OVER = "goods_handed_over", _("Goods handed over")

    beneficiary = models.ForeignKey(
        "care.Beneficiary", on_delete=models.PROTECT, related_name="allocations", verbose_name=_("person in care")
    )
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+", verbose_name=_("fund"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = MoneyField(
        _("amount"), max_digits=20, decimal_places=2, default_currency="VND", currency_choices=CURRENCY_CHOICES
    )
    purpose = models.CharField(_("what for"), max_length=500)
    # The person's programme when it was proposed (Beneficiary.Programme): statements count by it.
    programme = models.CharField(_("programme"), max_length=30, choices=Beneficiary.Programme.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)

    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("proposed by")
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    disbursed_at = models.DateTimeField(_("disbursed at"), null=True, blank=True)
    disbursed_on = models.DateField(_("paid on"), null=True, blank=True)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("disbursed by"),
    )
    method = models.CharField(_("method"), max_length=30, choices=Method.choices, blank=True)
    posting = models.OneToOneField(
        "fund.Posting", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("posting")
    )

    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversal_posting = models.OneToOneField(
        "fund.Posting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reversal posting"),
    )

    # Why it ended without payment (rejected, cancelled, undeliverable) or why it was reversed.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        permissions = [
            ("approve_allocation", "Can approve or reject an allocation"),
            ("disburse_allocation", "Can disburse an allocation or mark it undeliverable"),
            ("reverse_allocation", "Can reverse a disbursed allocation"),
        ]
        indexes = [models.Index(fields=["fund", "status"], name="allocation_fund_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=["cash", "scholarship", "supplies", "in_kind"]), name="allocation_kind_known"
            ),
            # Undeliverable may come before approval: a person who leaves care takes their
            # proposals with them (care.services.beneficiary_discharge).
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "rejected", "cancelled", "undeliverable"])
                | Q(approved_at__isnull=False),
                name="allocation_approved_has_time",
            ),
            # Paid out exactly when it has a posting, a payment date and a method.
            models.CheckConstraint(
                condition=(
                    Q(status__in=["disbursed", "reversed"])
                    & Q(posting__isnull=False)
                    & Q(disbursed_on__isnull=False)
                    & ~Q(method="")
                )
                | (~Q(status__in=["disbursed", "reversed"]) & Q(posting__isnull=True)),
                name="allocation_disbursed_has_posting",
            ),
            models.CheckConstraint(
                condition=(Q(status="reversed") & Q(reversal_posting__isnull=False) & Q(reversed_at__isnull=False))
                | (~Q(status="reversed") & Q(reversal_posting__isnull=True)),
                name="allocation_reversed_has_reversal",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["rejected", "cancelled", "undeliverable", "reversed"])
                | (~Q(closed_reason="") & Q(closed_at__isnull=False)),
                name="allocation_closed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        # No name: the allocation is listed to finance roles who never see a case file.
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def is_goods(self) -> bool:
        return self.kind in self.GOODS_KINDS

    @property
    def reference(self) -> str:
        """What the ledger posting calls this allocation."""
        return f"allocation:{self.pk}"

    @property
    def ledger_recipient(self) -> str:
        """Whom the ledger posting says it reached: the person's number, never their name, so a
        fund statement counts the people helped without reading a case file. The number only
        means someone to those who may open case files (docs/decisions/0022-fund-statement.md);
        care migration 0010 wrote the same for postings made before it existed."""
        return f"b:{self.beneficiary_id}"


class AllocationApproval(models.Model):
    """One fund manager's approval of an allocation. Distinct approvers are counted, so one
    person can never count twice (the constraint), and the proposer never approves (the service)."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="approvals", verbose_name=_("allocation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("approved by")
    )
    at = models.DateTimeField(_("approved at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("allocation approval")
        verbose_name_plural = _("allocation approvals")
        constraints = [
            models.UniqueConstraint(fields=["allocation", "user"], name="allocation_approval_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.allocation} approved by {self.user}"
