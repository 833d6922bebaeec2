"""Content blocks editors compose pages from. Kept few and plain: text, headings, images,
quotes and a call to give; no layout knobs that could break the page on a phone."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class CallToGiveBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("text"), max_length=120)
    page = blocks.PageChooserBlock(label=_("donate page"), page_type="cms.DonatePage")

    class Meta:
        icon = "pick"
        template = "cms/blocks/call_to_give.html"
        label = _("Call to give")


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("quote"), max_length=600)
    source = blocks.CharBlock(label=_("source"), required=False, max_length=120)

    class Meta:
        icon = "openquote"
        template = "cms/blocks/quote.html"


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(form_classname="title", icon="title", template="cms/blocks/heading.html")
    paragraph = blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul"])
    image = ImageBlock()
    quote = QuoteBlock()
    call_to_give = CallToGiveBlock()
