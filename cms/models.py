from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from fund.selectors import fund_totals_public


class HomePage(Page):
    """The front door: what the centre does and how much each fund has received.

    Totals come from the ledger (fund.selectors) and never name a child or a donor.
    """

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["fund_totals"] = fund_totals_public()
        return context
