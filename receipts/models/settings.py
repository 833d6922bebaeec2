"""What receipts say about the organisation that issues them, editable in Settings."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


@register_setting(icon="doc-full")
class ReceiptSettings(BaseGenericSetting):
    """The letterhead, signature and wording printed on every receipt and statement.

    One for the whole installation (the legal issuer does not change per site). Each receipt
    copies these at issue, so changing them affects receipts issued afterwards only.
    """

    organisation_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    signatory_name = models.CharField(_("signatory"), max_length=100, blank=True)
    signatory_title_vi = models.CharField(_("signatory's title (Vietnamese)"), max_length=100, blank=True)
    signatory_title_en = models.CharField(_("signatory's title (English)"), max_length=100, blank=True)
    signature = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A scan of the signature (and seal), printed above the signatory's name."),
    )
    thanks_vi = models.TextField(_("thank-you text (Vietnamese)"), max_length=1000, blank=True)
    thanks_en = models.TextField(_("thank-you text (English)"), max_length=1000, blank=True)
    footer_vi = models.TextField(_("footer (Vietnamese)"), max_length=1000, blank=True)
    footer_en = models.TextField(_("footer (English)"), max_length=1000, blank=True)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("organisation_name"),
                FieldPanel("address"),
                FieldPanel("tax_code"),
                FieldPanel("phone"),
                FieldPanel("email"),
                FieldPanel("website"),
                FieldPanel("logo"),
            ],
            heading=_("Letterhead"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("signatory_name"),
                FieldPanel("signatory_title_vi"),
                FieldPanel("signatory_title_en"),
                FieldPanel("signature"),
            ],
            heading=_("Signature"),
        ),
        MultiFieldPanel(
            [FieldPanel("thanks_vi"), FieldPanel("thanks_en"), FieldPanel("footer_vi"), FieldPanel("footer_en")],
            heading=_("Wording"),
        ),
    ]

    class Meta:
        verbose_name = _("receipts")
