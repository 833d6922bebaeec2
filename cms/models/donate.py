"""The page where a gift is made, and the two steps after it: paying by card, and the thank-you
page (bank details and a VietQR code for a transfer, or the card gift's status).

The page only reads the form and calls fund services; the pledge is saved before any payment
starts, so every card payment and every transfer has a record to land on.
"""

from __future__ import annotations

import base64
import logging
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from fund.errors import InvalidAmount, InvalidLines
from fund.models import Donation, RecurringGift
from fund.services.giving import ONCE, gift_from_public_form
from payments.services.card_payments import card_payment_start, recurring_gift_start
from payments.stripe_client import stripe_enabled
from payments.stripe_js import stripe_js_allow
from payments.vietqr import amount_fits, vietqr_payload, vietqr_svg

from ..forms import CARD, TRANSFER, DonationForm, GoodsLineFormSet
from ..gift_status import card_gift_status
from ..limits import creation_count, creation_wait, pay_page_wait
from ..page_cache import PublicPageCacheMixin, mark_cacheable
from ..public_site import setting_for_request
from .public import PublicPageMixin
from .settings import BankAccountSettings

logger = logging.getLogger(__name__)

TOKEN_SALT = "cms.donate"  # noqa: S105 - a signing namespace, not a secret
TOKEN_MAX_AGE = 60 * 60 * 24 * 90  # the thank-you page stays reachable for a season


def gift_token(kind: str, reference: str) -> str:
    """The thank-you and payment pages are reached by a signed token, not the bare reference,
    so nobody can walk through other people's gifts by guessing codes. Re-encoded as base64url
    because Wagtail routes only path segments of letters, digits, "-" and "_"."""
    signed = signing.dumps({"k": kind, "r": reference}, salt=TOKEN_SALT)
    return base64.urlsafe_b64encode(signed.encode()).decode().rstrip("=")


def _token_value(token: str) -> dict:
    try:
        signed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return signing.loads(signed, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except (ValueError, signing.BadSignature):
        raise Http404("Unknown or expired link.") from None


# Where a service's refusal belongs on the form: donor fields and goods-line fields by name.
_DONOR_FORM_FIELDS = {
    "kind": "donor_kind",
    "preferred_language": "language",
    "consent_receipts_by_email": "receipts_by_email",
    "anonymous_by_default": "show_name",
}
_LINE_FIELDS = {"description": "description", "quantity": "quantity", "unit": "unit", "fair_value": "value"}


def _parse_presets(text: str) -> list[int]:
    values = []
    for part in (text or "").replace(";", ",").split(","):
        digits = part.strip().replace(".", "").replace(" ", "")
        if digits.isdigit() and 0 < int(digits) < 10**12:
            values.append(int(digits))
    return values


class DonatePage(PublicPageCacheMixin, RoutablePageMixin, PublicPageMixin, Page):
    """A form to give to one fund or campaign (this page's parent, unless set here)."""

    # The form is the same for everyone; paying and thanking are one donor's own.
    cache_every_route = False

    intro = RichTextField(_("introduction"), blank=True)
    presets_vnd = models.CharField(
        _("preset amounts (VND)"),
        max_length=200,
        default="200000, 500000, 1000000, 2000000",
        help_text=_("Comma-separated, in đồng."),
    )
    minimum_vnd = models.PositiveBigIntegerField(_("smallest gift (VND)"), default=10_000)
    maximum_vnd = models.PositiveBigIntegerField(
        _("largest card gift (VND)"),
        default=50_000_000,
        help_text=_("Larger gifts are asked to come by bank transfer. Stripe takes at most 99.999.999 ₫ at once."),
    )
    allow_cash = models.BooleanField(_("money"), default=True)
    allow_scholarship = models.BooleanField(_("scholarships"), default=True)
    allow_in_kind = models.BooleanField(_("in-kind goods"), default=True)
    allow_supplies = models.BooleanField(_("school supplies"), default=True)
    allow_monthly = models.BooleanField(_("offer monthly gifts"), default=True)
    thank_you_text = RichTextField(_("thank-you text"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [FieldPanel("presets_vnd"), FieldPanel("minimum_vnd"), FieldPanel("maximum_vnd")], heading=_("Amounts")
        ),
        MultiFieldPanel(
            [
                FieldPanel("allow_cash"),
                FieldPanel("allow_scholarship"),
                FieldPanel("allow_in_kind"),
                FieldPanel("allow_supplies"),
                FieldPanel("allow_monthly"),
            ],
            heading=_("What donors can give here"),
        ),
        FieldPanel("thank_you_text"),
    ]
    parent_page_types = ["cms.FundPage", "cms.CampaignPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("donate page")
        verbose_name_plural = _("donate pages")

    # --- what this page gives to ------------------------------------------------------------
    def target(self):
        """(fund, campaign) from the parent page: a campaign page gives to its campaign's fund."""
        parent = self.get_parent().specific
        campaign = getattr(parent, "campaign", None)
        fund = campaign.fund if campaign is not None else getattr(parent, "fund", None)
        if fund is None:
            raise Http404("This donate page is not under a fund or campaign page.")
        return fund, campaign

    def kind_choices(self):
        kinds = [
            (self.allow_cash, Donation.Kind.CASH, _("Money")),
            (self.allow_scholarship, Donation.Kind.SCHOLARSHIP, _("Scholarships")),
            (self.allow_in_kind, Donation.Kind.IN_KIND, _("Goods (food, clothes, medicine…)")),
            (self.allow_supplies, Donation.Kind.SUPPLIES, _("School supplies")),
        ]
        return [(value, label) for allowed, value, label in kinds if allowed]

    def presets_for(self, currency: str) -> list[int]:
        return _parse_presets(self.presets_vnd) if currency == "VND" else []

    def _bank_account(self, request):
        return setting_for_request(BankAccountSettings, request)

    # --- step 1: the form -------------------------------------------------------------------
    @path("")
    def donate(self, request):
        bank_account = self._bank_account(request)
        options = {"page": self, "stripe_ready": stripe_enabled(), "bank_ready": bank_account.accepts_bank_transfers}
        if request.method == "POST":
            form = DonationForm(request.POST, **options)
            lines = GoodsLineFormSet(request.POST, prefix="lines")
            wait = self._limited(request)
            if wait:
                form.is_valid()
                form.add_error(None, wait)
            elif form.is_valid():
                goods = form.cleaned_data["kind"] in Donation.GOODS_KINDS
                if not goods or self._lines_ready(form, lines):
                    redirect = self._save(request, form, lines if goods else None)
                    if redirect:
                        # Counted only now: a post refused for a typo cost nothing.
                        creation_count(request)
                        return redirect
        else:
            mark_cacheable(request)
            # Receipts exist in Vietnamese and English; a visitor reading another language most
            # likely reads English.
            receipt_language = "vi" if request.LANGUAGE_CODE.startswith("vi") else "en"
            form = DonationForm(initial={"language": receipt_language}, **options)
            lines = GoodsLineFormSet(prefix="lines")
        fee_rate = Decimal(str(settings.CARD_FEE_RATE)) * 100
        return self.render(
            request,
            context_overrides={
                "form": form,
                "lines": lines,
                "bank_account": bank_account,
                "fee_rate_percent": number_format(fee_rate.normalize(), use_l10n=True),
            },
        )

    def _limited(self, request) -> str | None:
        """Card testers create pledges by the hundred; a person does not. The refusal (saying how
        long to wait) once this address or browser session has created its share of pledges;
        posts refused for a typo are not counted (cms.limits)."""
        return creation_wait(request)

    def _lines_ready(self, form, lines) -> bool:
        """The goods lines are valid and at least one is filled in; the error for "none" sits on
        the first line's description, where the donor starts typing."""
        if not lines.is_valid():
            return False
        if not any(line for line in lines.cleaned_data):
            message = gettext("Say what you will send: fill in at least one item.")
            if lines.forms:
                lines.forms[0].add_error("description", message)
            else:  # a post that sent no line forms at all
                form.add_error(None, message)
            return False
        return True

    def _save(self, request, form, lines):
        """Hand the cleaned form to the fund service, show each refusal beside the field it
        belongs to, and send the donor on to paying (card) or to the thank-you page."""
        data = form.cleaned_data
        fund, campaign = self.target()
        kind = data["kind"]
        try:
            gift = gift_from_public_form(
                fund=fund,
                campaign=campaign,
                donor=form.donor_details(),
                payer=form.payer_details(),
                kind=kind,
                frequency=data.get("frequency") or ONCE,
                channel=data.get("payment_method") or "",
                currency=data["currency"],
                amount=data.get("amount_value"),
                instalments=data.get("instalments"),
                instalment_frequency=data.get("instalment_frequency") or "",
                first_due_on=data.get("first_due_on"),
                scholarship_count=data.get("scholarship_count"),
                scholarship_amount=data.get("scholarship_amount_value"),
                school_year=data.get("school_year") or "",
                lines=[
                    {
                        "description": line["description"],
                        "quantity": line["quantity"],
                        "unit": line["unit"],
                        "fair_value": line["value"],
                    }
                    for line in (lines.cleaned_data if lines is not None else [])
                    if line
                ],
                expected_on=data.get("expected_on"),
                cover_fee=bool(data.get("cover_fee")),
                is_anonymous=not data["show_name"],
                message=data.get("message") or "",
                minimum_vnd=self.minimum_vnd,
                maximum_vnd=self.maximum_vnd,
                allow_monthly=self.allow_monthly,
            )
        except InvalidAmount as exc:
            # Show an amount the services refuse beside the amount the donor typed.
            field = {Donation.Kind.CASH: "amount", Donation.Kind.SCHOLARSHIP: "scholarship_amount"}.get(kind)
            form.add_error(field, exc.messages)
            return None
        except InvalidLines as exc:
            # Beside the line and field the service names, not only in the summary.
            line_field = _LINE_FIELDS.get(getattr(exc, "field", ""))
            number = getattr(exc, "line", 0)
            if lines is not None and line_field and 1 <= number <= len(lines.forms):
                lines.forms[number - 1].add_error(line_field, exc.messages)
                form.add_error(None, gettext("Please correct the items marked below."))
            else:
                form.add_error(None, exc)
            return None
        except ValidationError as exc:
            # A donor service names donor fields; show each beside the form field it came from.
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    field = _DONOR_FORM_FIELDS.get(name, name)
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
            return None
        if isinstance(gift, RecurringGift):
            return self._step_redirect("pay", "r", gift.reference)
        if gift.channel == CARD:
            return self._step_redirect("pay", "d", gift.reference)
        return self._thanks_redirect(gift)

    def _thanks_redirect(self, donation):
        return self._step_redirect("thanks", "d", donation.reference)

    def _step_redirect(self, step: str, kind: str, reference: str):
        return HttpResponseRedirect(self.url + self.reverse_subpage(step, args=[gift_token(kind, reference)]))

    # --- loading a gift from its token ----------------------------------------------------------
    def _from_token(self, token: str):
        value = _token_value(token)
        model = Donation if value.get("k") == "d" else RecurringGift
        gift = model.objects.select_related("fund", "donor").filter(reference=value.get("r")).first()
        if gift is None:
            raise Http404("Unknown gift.")
        return gift

    # --- step 2: paying by card -------------------------------------------------------------
    @path("pay/<str:token>/", name="pay")
    def pay(self, request, token):
        gift = self._from_token(token)
        thanks_url = request.build_absolute_uri(self.url + self.reverse_subpage("thanks", args=[token]))
        if isinstance(gift, Donation) and (gift.status != Donation.Status.PLEDGED or gift.channel != CARD):
            return HttpResponseRedirect(thanks_url)
        error = start = None
        error = pay_page_wait(request)
        if error is None:
            try:
                if isinstance(gift, Donation):
                    start = card_payment_start(donation=gift)
                else:
                    start = recurring_gift_start(recurring_gift=gift)
            except ValidationError as exc:
                logger.warning("Card payment could not start for %s: %s", gift.reference, exc)
                error = gettext(
                    "Card payments are not available right now. Please try again in a few minutes, "
                    "or give by bank transfer."
                )
        response = TemplateResponse(
            request,
            "cms/donate_pay.html",
            {
                "page": self,
                "gift": gift,
                "start": start,
                "error": error,
                "thanks_url": thanks_url,
                "stripe_js_url": settings.STRIPE_JS_URL,
                "monthly": isinstance(gift, RecurringGift),
            },
        )
        if error is None:
            stripe_js_allow(response)  # the only page Stripe.js runs on
        return response

    # --- step 3: thank you ------------------------------------------------------------------
    def _is_card_gift(self, gift) -> bool:
        return isinstance(gift, RecurringGift) or gift.channel == CARD

    @path("thanks/<str:token>/", name="thanks")
    def thanks(self, request, token):
        gift = self._from_token(token)
        bank_account = self._bank_account(request)
        context = {"page": self, "gift": gift, "bank_account": bank_account, "monthly": isinstance(gift, RecurringGift)}
        if self._is_card_gift(gift):
            # Asks Stripe when the webhook is late, so a paid gift shows as received at once;
            # the webhook, when it comes, then finds nothing left to do.
            context["card"] = card_gift_status(request, gift)
            context["status_url"] = self.url + self.reverse_subpage("status", args=[token])
            context["pay_url"] = self.url + self.reverse_subpage("pay", args=[token])
        else:
            awaiting_transfer = gift.channel == TRANSFER and gift.status == Donation.Status.PLEDGED
            if awaiting_transfer and bank_account.accepts_bank_transfers:
                # A code carries the amount when it can (VND, at most 13 digits); otherwise the
                # code fills in account and reference and the page asks for the amount in words.
                with_amount = amount_fits(gift.amount)
                payload = vietqr_payload(
                    bank_bin=bank_account.bank_bin,
                    account_number=bank_account.bank_account_number,
                    note=gift.reference,
                    amount=gift.amount if with_amount else None,
                )
                context["vietqr_svg"] = vietqr_svg(payload, title=gettext("VietQR code for this transfer"))
                context["vietqr_payload"] = payload
                context["vietqr_has_amount"] = with_amount
            if gift.commitment_id:
                context["instalments"] = gift.commitment.donations.order_by("expected_on")
        response = TemplateResponse(request, "cms/donate_thanks.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @path("status/<str:token>/", name="status")
    def status(self, request, token):
        """One check of a card gift's status for the thank-you page's script: the message to
        show, and whether to check again."""
        gift = self._from_token(token)
        if not self._is_card_gift(gift):
            raise Http404("Only card gifts have a payment to check.")
        card = card_gift_status(request, gift)
        html = render_to_string(
            "cms/includes/gift_status.html",
            {
                "gift": gift,
                "card": card,
                "monthly": isinstance(gift, RecurringGift),
                "pay_url": self.url + self.reverse_subpage("pay", args=[token]),
            },
            request=request,
        )
        response = JsonResponse({"state": card.state, "status": gift.status, "final": card.final, "html": html})
        response["Cache-Control"] = "no-store"
        return response
