from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Beneficiary(models.Model):
    """A child or adult in the centre's care, to whom allocations are made.

    Only what case work needs to identify and group a person lives here. Health, disability and
    family details are in BeneficiarySensitive, behind their own permission and read only through
    care.selectors.beneficiary_sensitive_get, which audits every read. Never shown publicly.
    """

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class Group(models.TextChoices):
        CHILD = "child", _("Child")
        ADULT = "adult", _("Adult")

    class Programme(models.TextChoices):
        ORPHAN = "orphan", _("Orphaned or abandoned child")
        DISABILITY = "disability", _("Child with a severe disability")
        HIV = "hiv", _("Child affected by HIV")
        ELDERLY = "elderly", _("Elderly person")
        ADULT_DISABILITY = "adult_disability", _("Adult with a disability")

    case_number = models.CharField(_("case number"), max_length=20, unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"))
    group = models.CharField(_("group"), max_length=10, choices=Group.choices)
    programme = models.CharField(_("programme"), max_length=20, choices=Programme.choices)
    admitted_on = models.DateField(_("admitted on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    # Why the person left (returned to the family, adopted, moved to another centre): part of the
    # case file, so never copied to allocations or audit entries, which finance roles read.
    left_reason = models.TextField(_("reason for leaving"), blank=True, max_length=500)

    class Meta:
        # Born in the fund app; the table kept its name when the model moved (docs/decisions/0013).
        db_table = "fund_beneficiary"
        ordering = ["case_number"]
        verbose_name_plural = _("people in care")
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("admitted_on")),
                name="beneficiary_leaves_after_admission",
            ),
        ]
        verbose_name = _("person in care")

    def __str__(self) -> str:
        return f"{self.case_number} {self.full_name}"

    @property
    def in_care(self) -> bool:
        return self.left_on is None


class BeneficiarySensitive(models.Model):
    """The sensitive part of a case file. Viewing it needs ``care.view_beneficiarysensitive``
    (case workers and administrators) and every read leaves an audit entry."""

    wagtail_reference_index_ignore = True  # see docs/architecture.md, "Admin"

    class HivStatus(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        NEGATIVE = "negative", _("Negative")
        POSITIVE = "positive", _("Positive")

    beneficiary = models.OneToOneField(
        Beneficiary, on_delete=models.PROTECT, related_name="sensitive", verbose_name=_("person in care")
    )
    health_notes = models.TextField(_("health"), blank=True)
    disability = models.TextField(_("disability"), blank=True)
    hiv_status = models.CharField(_("HIV status"), max_length=10, choices=HivStatus.choices, default="unknown")
    family_situation = models.TextField(_("family situation"), blank=True)
    guardian_contact = models.TextField(_("guardian contact"), blank=True)

    class Meta:
        # Born in the fund app; the table kept its name when the model moved (docs/decisions/0013).
        db_table = "fund_beneficiarysensitive"
        verbose_name = _("sensitive record")
        verbose_name_plural = _("sensitive records")

    def __str__(self) -> str:
        return f"Sensitive record of {self.beneficiary.case_number}"
