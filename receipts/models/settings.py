"""What receipts add to the organisation's identity: who signs, and the receipts' own wording."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


@register_setting(icon="doc-full")
class ReceiptSettings(BaseGenericSetting):
    """The signature and wording printed on every receipt and statement.

    The letterhead (legal name, address, tax code, contacts, logo) is the organisation's one
    identity in ``fund.Organisation``, shared with the public pages; only what is particular to
    receipts is kept here. One for the whole installation. Each receipt copies these at issue, so
    changing them affects receipts issued afterwards only.
    """

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
        verbose_name=_("signature"),
    )
    thanks_vi = models.TextField(_("thank-you text (Vietnamese)"), max_length=1000, blank=True)
    thanks_en = models.TextField(_("thank-you text (English)"), max_length=1000, blank=True)
    footer_vi = models.TextField(_("footer (Vietnamese)"), max_length=1000, blank=True)
    footer_en = models.TextField(_("footer (English)"), max_length=1000, blank=True)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("signatory_name"),
                FieldPanel("signatory_title_vi"),
                FieldPanel("signatory_title_en"),
                FieldPanel("signature"),
            ],
            heading=_("Signature"),
            help_text=_("The letterhead (name, address, tax code, contacts, logo) is set in Settings > Organisation."),
        ),
        MultiFieldPanel(
            [FieldPanel("thanks_vi"), FieldPanel("thanks_en"), FieldPanel("footer_vi"), FieldPanel("footer_en")],
            heading=_("Wording"),
        ),
    ]

    class Meta:
        verbose_name = _("receipts")
        verbose_name_plural = _("receipts")
