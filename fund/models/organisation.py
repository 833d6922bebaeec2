"""Who holds the funds: the organisation's one identity, read by the public pages and the receipts."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


@register_setting(icon="site")
class Organisation(BaseGenericSetting):
    """The centre that holds the funds, as it presents itself everywhere: the site's header and
    footer, every receipt and statement, the receipt emails.

    It lives here, in ``fund``, because both the public site (cms) and the receipts read it and
    receipts may not import cms; one record means a page and a receipt cannot disagree about the
    centre's name, address or tax code. One for the whole installation (the legal issuer does not
    change per site). A receipt copies these details when it is issued, so changing them affects
    receipts issued afterwards only.
    """

    name = models.CharField(
        _("legal name"),
        max_length=200,
        blank=True,
        help_text=_("As registered: printed on receipts and statements and in the site's footer."),
    )
    short_name = models.CharField(
        _("display name"),
        max_length=100,
        blank=True,
        help_text=_("A shorter name for the site's header and page titles. Empty: the legal name."),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=20, blank=True)
    phone = models.CharField(_("phone (hotline)"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logo"),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("short_name"),
                FieldPanel("address"),
                FieldPanel("tax_code"),
                FieldPanel("phone"),
                FieldPanel("email"),
                FieldPanel("website"),
                FieldPanel("logo"),
            ],
            heading=_("Organisation"),
            help_text=_(
                "These details appear on the public pages and on every receipt and statement. "
                "A receipt keeps the details it was issued with."
            ),
        ),
    ]

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisation")

    @property
    def display_name(self) -> str:
        return self.short_name or self.name
