"""Scholarships: an award to a person in care for one school year, paid term by term.

A term's money moves as an ordinary scholarship Allocation (proposed when the school confirms
the enrolment, approved by fund managers, disbursed to the payee), so four eyes, "never
overdrawn" and "restricted money first" hold for scholarships exactly as for any allocation.
The term keeps what only it knows (the enrolment's confirmation, the payee's acknowledgement)
and reads its money state from its allocation; nothing copies the allocation's status, so the
two can never disagree (docs/decisions/0019-scholarships.md).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from fund.money import CURRENCY_CHOICES

from .allocations import Allocation
from .beneficiaries import Beneficiary


class ScholarshipAward(models.Model):
    """A scholarship for one person in care, one school year, one school: an amount per term,
    paid to a payee, over a schedule of terms. Its money is the amount per term times its
    number of terms (``total``, stated when it is created as a control total).

    At the year's end it is renewed into the next school year (a new award, ``renewed_from``
    this one) or ended with a reason; a person who leaves care has their awards ended."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class Level(models.TextChoices):
        PRIMARY = "primary", _("Primary school")
        LOWER_SECONDARY = "lower_secondary", _("Lower secondary school")
        UPPER_SECONDARY = "upper_secondary", _("Upper secondary school")
        VOCATIONAL = "vocational", _("Vocational training")
        UNIVERSITY = "university", _("University or college")

    class Payee(models.TextChoices):
        SCHOOL = "school", _("The school")
        GUARDIAN = "guardian", _("The guardian")
        CENTRE = "centre", _("The centre")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RENEWED = "renewed", _("Renewed")
        ENDED = "ended", _("Ended")

    # How each payee is paid (care.services.allocations.allocation_disburse's methods).
    PAYMENT_METHODS = {
        Payee.SCHOOL: Allocation.Method.BANK_TRANSFER_SCHOOL,
        Payee.GUARDIAN: Allocation.Method.BANK_TRANSFER_GUARDIAN,
        Payee.CENTRE: Allocation.Method.CASH,
    }

    beneficiary = models.ForeignKey(
        "care.Beneficiary",
        on_delete=models.PROTECT,
        related_name="scholarship_awards",
        verbose_name=_("person in care"),
    )
    fund = models.ForeignKey("fund.Fund", on_delete=models.PROTECT, related_name="+", verbose_name=_("fund"))
    school_year = models.CharField(_("school year"), max_length=9, help_text=_("e.g. 2026-2027"))
    year_starts_on = models.DateField(_("school year starts on"))
    year_ends_on = models.DateField(_("school year ends on"))
    school = models.CharField(_("school"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    amount_per_term = MoneyField(
        _("amount per term"),
        max_digits=20,
        decimal_places=2,
        default_currency="VND",
        currency_choices=CURRENCY_CHOICES,
    )
    total = MoneyField(
        _("total for the year"),
        max_digits=20,
        decimal_places=2,
        default_currency="VND",
        currency_choices=CURRENCY_CHOICES,
    )
    payee = models.CharField(_("paid to"), max_length=20, choices=Payee.choices)
    programme = models.CharField(_("programme"), max_length=30, choices=Beneficiary.Programme.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    renewed_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewed_as",
        verbose_name=_("renews award"),
    )

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("created by")
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    ended_reason = models.CharField(_("why it ended"), max_length=500, blank=True)

    class Meta:
        ordering = ["-year_starts_on", "-id"]
        verbose_name = _("scholarship award")
        verbose_name_plural = _("scholarship awards")
        permissions = [
            ("end_scholarshipaward", "Can end a scholarship award"),
            ("confirm_scholarship_enrolment", "Can confirm a scholarship term's enrolment and release it"),
            ("acknowledge_scholarship_term", "Can record a payee's acknowledgement of a scholarship term"),
        ]
        indexes = [models.Index(fields=["beneficiary", "status"], name="scholarship_person_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_per_term__gt=0), name="scholarship_amount_positive"),
            models.CheckConstraint(condition=Q(total__gte=models.F("amount_per_term")), name="scholarship_total"),
            models.CheckConstraint(
                condition=Q(total_currency=models.F("amount_per_term_currency")), name="scholarship_one_currency"
            ),
            models.CheckConstraint(
                condition=Q(year_ends_on__gt=models.F("year_starts_on")), name="scholarship_year_ordered"
            ),
            models.CheckConstraint(
                condition=Q(level__in=["primary", "lower_secondary", "upper_secondary", "vocational", "university"]),
                name="scholarship_level_known",
            ),
            models.CheckConstraint(condition=Q(payee__in=["school", "guardian", "centre"]), name="scholarship_payee"),
            models.CheckConstraint(
                condition=(Q(status="ended") & ~Q(ended_reason="") & Q(ended_at__isnull=False))
                | (~Q(status="ended") & Q(ended_at__isnull=True)),
                name="scholarship_ended_has_reason",
            ),
            # One award per person, fund and school year: a second one is a mistake, not a top-up.
            models.UniqueConstraint(
                fields=["beneficiary", "fund", "school_year"],
                condition=Q(status__in=["active", "renewed"]),
                name="scholarship_one_per_person_fund_year",
            ),
        ]

    def __str__(self) -> str:
        # No name: awards are listed to finance roles who never see a case file.
        return _("Scholarship %(number)s, %(year)s") % {"number": self.pk, "year": self.school_year}

    @property
    def payment_method(self) -> str:
        return self.PAYMENT_METHODS[self.payee]


class ScholarshipTerm(models.Model):
    """One term of an award: when it is due and how much. Its enrolment is confirmed with the
    school's reference; only then is it released, which proposes its allocation. From there
    its status follows the allocation (approved, paid), until the payee acknowledges it."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class Status(models.TextChoices):
        AWAITING_ENROLMENT = "awaiting_enrolment", _("Awaiting enrolment")
        ENROLMENT_CONFIRMED = "enrolment_confirmed", _("Enrolment confirmed")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged by the payee")
        CLOSED = "closed", _("Closed")

    # An allocation in one of these is spent, or on its way: the term is released.
    LIVE_ALLOCATION = (Allocation.Status.PROPOSED, Allocation.Status.APPROVED, Allocation.Status.DISBURSED)

    award = models.ForeignKey(
        ScholarshipAward, on_delete=models.PROTECT, related_name="terms", verbose_name=_("scholarship award")
    )
    number = models.PositiveSmallIntegerField(_("term"))
    due_on = models.DateField(_("due on"))
    amount = MoneyField(
        _("amount"), max_digits=20, decimal_places=2, default_currency="VND", currency_choices=CURRENCY_CHOICES
    )

    enrolment_confirmed_on = models.DateField(_("enrolment confirmed on"), null=True, blank=True)
    enrolment_reference = models.CharField(_("school's confirmation reference"), max_length=100, blank=True)
    enrolment_recorded_at = models.DateTimeField(_("enrolment recorded at"), null=True, blank=True)
    enrolment_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enrolment recorded by"),
    )
    # The term's money: a scholarship allocation. A rejected, cancelled or reversed one leaves
    # the term confirmed and releasable again (the new allocation replaces it here).
    allocation = models.OneToOneField(
        Allocation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scholarship_term",
        verbose_name=_("allocation"),
    )

    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)
    acknowledged_by_payee = models.CharField(
        _("acknowledged by"),
        max_length=200,
        blank=True,
        help_text=_("Who signed for the payee, by their role: the school's accountant, the guardian."),
    )
    acknowledgement_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledgement recorded by"),
    )

    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_reason = models.CharField(_("why it closed"), max_length=500, blank=True)

    class Meta:
        ordering = ["award", "number"]
        verbose_name = _("scholarship term")
        verbose_name_plural = _("scholarship terms")
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="scholarship_term_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="scholarship_term_number_positive"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="scholarship_term_amount_positive"),
            # The enrolment's facts are recorded together, or not at all.
            models.CheckConstraint(
                condition=(
                    Q(enrolment_confirmed_on__isnull=False)
                    & ~Q(enrolment_reference="")
                    & Q(enrolment_recorded_at__isnull=False)
                )
                | (
                    Q(enrolment_confirmed_on__isnull=True)
                    & Q(enrolment_reference="")
                    & Q(enrolment_recorded_at__isnull=True)
                ),
                name="scholarship_term_enrolment_facts",
            ),
            # Released (an allocation proposed) only once the enrolment is confirmed.
            models.CheckConstraint(
                condition=Q(allocation__isnull=True) | Q(enrolment_confirmed_on__isnull=False),
                name="scholarship_term_released_after_enrolment",
            ),
            models.CheckConstraint(
                condition=(Q(acknowledged_on__isnull=True) & Q(acknowledged_by_payee=""))
                | (Q(acknowledged_on__isnull=False) & ~Q(acknowledged_by_payee="") & Q(allocation__isnull=False)),
                name="scholarship_term_acknowledgement_facts",
            ),
            models.CheckConstraint(
                condition=(Q(closed_at__isnull=True) & Q(closed_reason=""))
                | (Q(closed_at__isnull=False) & ~Q(closed_reason="")),
                name="scholarship_term_closed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return _("Term %(number)s of scholarship %(award)s") % {"number": self.number, "award": self.award_id}

    @property
    def live_allocation(self) -> Allocation | None:
        """The allocation that carries this term's money now, if any."""
        allocation = self.allocation
        if allocation is not None and allocation.status in self.LIVE_ALLOCATION:
            return allocation
        return None

    @property
    def status(self) -> str:
        """Read from the term's own facts and its allocation's status, never stored."""
        allocation = self.allocation
        if self.closed_at is not None or (allocation and allocation.status == Allocation.Status.UNDELIVERABLE):
            return self.Status.CLOSED
        if allocation is not None and allocation.status == Allocation.Status.DISBURSED:
            return self.Status.ACKNOWLEDGED if self.acknowledged_on else self.Status.PAID
        if allocation is not None and allocation.status == Allocation.Status.APPROVED:
            return self.Status.APPROVED
        if self.enrolment_confirmed_on is not None:
            return self.Status.ENROLMENT_CONFIRMED
        return self.Status.AWAITING_ENROLMENT

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    @property
    def releasable(self) -> bool:
        """Confirmed, not closed, and no allocation on its way: its money may be proposed."""
        return self.status == self.Status.ENROLMENT_CONFIRMED and self.live_allocation is None
