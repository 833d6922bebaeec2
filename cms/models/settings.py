"""Site settings: who the organisation is, as donors see it."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


@register_setting(icon="site")
class OrganisationSettings(BaseSiteSetting):
    """Who the centre is, as donors see it: on pages, receipts and bank-transfer instructions.

    Editable by an administrator in Settings; the bank details feed the VietQR code shown to
    donors who give by transfer, so they are validated the way banking apps will read them.
    """

    name = models.CharField(_("organisation name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=20, blank=True)
    hotline = models.CharField(_("hotline"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_bin = models.CharField(
        _("bank BIN"),
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^\d{6}$", _("The bank's six-digit NAPAS code, e.g. 970436."))],
    )
    bank_account_number = models.CharField(
        _("account number"),
        max_length=19,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-Za-z]{1,19}$", _("1 to 19 letters or digits, no spaces."))],
    )
    bank_account_holder = models.CharField(_("account holder"), max_length=100, blank=True)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("address"),
                FieldPanel("tax_code"),
                FieldPanel("hotline"),
                FieldPanel("email"),
                FieldPanel("logo"),
            ],
            heading=_("Organisation"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("bank_name"),
                FieldPanel("bank_bin"),
                FieldPanel("bank_account_number"),
                FieldPanel("bank_account_holder"),
            ],
            heading=_("Bank account for transfers"),
        ),
    ]

    class Meta:
        verbose_name = _("organisation")

    @property
    def accepts_bank_transfers(self) -> bool:
        return bool(self.bank_bin and self.bank_account_number)
