"""The public pages: home, funds, campaigns, the transparency page and plain content pages.

Figures on them come from the ledger through fund.selectors; they never name a child, and name
a donor only where that donor agreed to be named on that gift.
"""

from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from fund.models import Fund
from fund.selectors.public import campaign_progress, fund_progress, fund_totals_public_cached, transparency_reports

from ..blocks import BodyBlock
from ..page_cache import PublicPageCacheMixin
from ..public_site import page_from_values
from .donate import DonatePage
from .public import PublicPageMixin


class HomePage(PublicPageCacheMixin, PublicPageMixin, Page):
    """The front door: what the centre does and how much each fund has received."""

    intro = RichTextField(_("introduction"), blank=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    max_count_per_parent = 1
    parent_page_types = ["wagtailcore.Page"]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["fund_totals"] = fund_totals_public_cached()
        funds = FundPage.objects.live().child_of(self).filter(locale_id=self.locale_id)
        context["funds"] = list(_StoryPage.with_donate_pages(funds))
        return context

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")


class StandardPage(PublicPageCacheMixin, PublicPageMixin, Page):
    """About us, how gifts are used, contact: text and images an editor writes."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]

    class Meta:
        verbose_name = _("standard page")
        verbose_name_plural = _("standard pages")


class _StoryPage(PublicPageCacheMixin, PublicPageMixin, Page):
    summary = models.CharField(_("summary"), max_length=300, blank=True, help_text=_("One or two sentences."))
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Never a child's face or name without recorded consent."),
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("story"))

    class Meta:
        abstract = True

    def donate_page(self):
        """The first live donate page below this one (kept: a template may ask twice)."""
        if "_donate_page" not in self.__dict__:
            if "first_donate_id" in self.__dict__:  # with_donate_pages(): no query
                found = self.first_donate_id
                values = {"id": found, "url_path": self.first_donate_url_path}
                self._donate_page = page_from_values(DonatePage, values) if found else None
            else:
                self._donate_page = DonatePage.objects.live().child_of(self).first()
        return self._donate_page

    @staticmethod
    def with_donate_pages(pages):
        """These pages with what donate_page() needs to link to theirs, in the same query (the
        home page's list of funds)."""
        first = (
            DonatePage.objects.live()
            .filter(path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1)
            .order_by("path")
        )
        return pages.annotate(
            first_donate_id=Subquery(first.values("pk")[:1]),
            first_donate_url_path=Subquery(first.values("url_path")[:1]),
        )


class FundPage(_StoryPage):
    """A fund's public page: its purpose, its story and what it has raised."""

    fund = models.ForeignKey("fund.Fund", verbose_name=_("fund"), on_delete=models.PROTECT, related_name="+")

    content_panels = [
        *Page.content_panels,
        FieldPanel("fund"),
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.CampaignPage", "cms.DonatePage", "cms.StandardPage"]
    route_select_related = ("fund", "image")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["progress"] = fund_progress(self.fund)
        context["campaigns"] = CampaignPage.objects.live().child_of(self)
        context["donate_page"] = self.donate_page()
        return context

    class Meta:
        verbose_name = _("fund page")
        verbose_name_plural = _("fund pages")


class CampaignPage(_StoryPage):
    """An appeal with a goal: the story, a progress bar and the way to give."""

    campaign = models.ForeignKey(
        "fund.Campaign", verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+"
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("campaign"),
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    parent_page_types = ["cms.FundPage"]
    subpage_types = ["cms.DonatePage", "cms.StandardPage"]
    route_select_related = ("campaign__fund", "image")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["progress"] = campaign_progress(self.campaign)
        context["donate_page"] = self.donate_page()
        return context

    class Meta:
        verbose_name = _("campaign page")
        verbose_name_plural = _("campaign pages")


class TransparencyPage(PublicPageCacheMixin, PublicPageMixin, Page):
    """Where the money and goods went, per fund: totals from the ledger, gifts by kind and by
    kind of donor, the latest gifts with names only where donors agreed."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    max_count_per_parent = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["reports"] = transparency_reports(Fund.objects.filter(is_active=True))
        return context

    class Meta:
        verbose_name = _("transparency page")
        verbose_name_plural = _("transparency pages")
