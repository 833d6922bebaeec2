"""Who gives: people and organisations, how to reach them, and what they agreed to."""

import uuid

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Donor(models.Model):
    """A person or an organisation that gives, or pays for someone else's gift.

    One record per giver; receipts go to the donor a gift is credited to. ``public_id`` is what
    leaves the system (links, exports); the integer id never does.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("donor id"))
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON, verbose_name=_("kind"))
    name = models.CharField(
        _("name"), max_length=200, help_text=_("Full name of the person, or legal name of the organisation.")
    )
    tax_code = models.CharField(_("tax code"), max_length=20, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True, validators=[MaxLengthValidator(500)])
    preferred_language = models.CharField(
        # Receipts and emails exist in these two; the site's other interface languages do not.
        _("preferred language"),
        max_length=5,
        choices=[("vi", _("Vietnamese")), ("en", _("English"))],
        default="vi",
    )
    # Consent is recorded, never assumed: every flag defaults to "no".
    consent_receipts_by_email = models.BooleanField(
        _("receipts by email"), default=False, help_text=_("Send receipts and statements by email.")
    )
    consent_news = models.BooleanField(_("news and appeals"), default=False)
    anonymous_by_default = models.BooleanField(
        _("anonymous by default"),
        default=True,
        help_text=_(
            "Public pages show 'Anonymous' for this donor's gifts unless a gift says otherwise. "
            "Showing a name needs the donor's consent, so this starts on."
        ),
    )
    public_name = models.CharField(
        _("public name"),
        max_length=200,
        blank=True,
        help_text=_(
            "The name public pages and the annual contributions report show for gifts the donor lets us "
            "name, such as 'Gia đình anh Minh'. Blank: the donor's own name."
        ),
    )
    erased_at = models.DateTimeField(
        _("personal data erased at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the person's personal data was erased on their request (docs/data-rights.md)."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("added on"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="donor_name_not_empty"),
            models.CheckConstraint(
                condition=Q(kind="organisation") | (Q(tax_code="") & Q(contact_person="")),
                name="donor_person_has_no_organisation_fields",
            ),
        ]
        verbose_name = _("donor")
        verbose_name_plural = _("donors")
        # Data rights (docs/data-rights.md): the Administrator's alone (staff/roles.py gives it
        # every permission; no other role lists these).
        permissions = [
            ("export_donor_data", _("Can export everything held about a donor")),
            ("erase_donor", _("Can erase a donor's personal data")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_organisation(self) -> bool:
        return self.kind == self.Kind.ORGANISATION

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def shown_name(self) -> str:
        """The name public pages show when a gift is not anonymous."""
        return self.public_name or self.name
