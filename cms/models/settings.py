"""Site settings: the bank account donors transfer to."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


@register_setting(icon="form")
class BankAccountSettings(BaseSiteSetting):
    """The account a site's donors transfer to, shown with the VietQR code on its pages.

    Per site, so an appeal run on its own site can collect into its own account. Who the centre
    is (name, address, tax code, contacts, logo) is not here but in ``fund.Organisation``, the one
    identity pages and receipts share. The details are validated the way banking apps will read
    them.
    """

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
                FieldPanel("bank_name"),
                FieldPanel("bank_bin"),
                FieldPanel("bank_account_number"),
                FieldPanel("bank_account_holder"),
            ],
            heading=_("Bank account for transfers"),
        ),
    ]

    class Meta:
        verbose_name = _("bank account for transfers")
        verbose_name_plural = _("bank account for transfers")

    @property
    def accepts_bank_transfers(self) -> bool:
        return bool(self.bank_bin and self.bank_account_number)
