"""The public donation form. It reads what a donor typed, checks that the choices fit together,
and hands plain values to fund.services.giving, which decides everything about money."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from donors.models import Donor
from donors.text import tax_code_clean, text_check
from fund.models import Commitment, Donation
from fund.money import money_display
from fund.services.giving import (
    INSTALMENTS,
    MAX_COMMITMENT_MONTHS,
    MAX_COMMITMENT_TOTAL,
    MAX_INSTALMENTS,
    MINIMUM_PUBLIC_GIFT,
    MONTHLY,
    MONTHS_PER_INSTALMENT,
    ONCE,
)

from .amounts import amount_from_input
from .renderers import PUBLIC_FORM_RENDERER
from .widgets import LanguageSelect

CARD, TRANSFER = Donation.Channel.CARD.value, Donation.Channel.BANK_TRANSFER.value
MAX_GOODS_LINES = 20


def school_year_choices(today: datetime.date | None = None) -> list[tuple[str, str]]:
    today = today or timezone.localdate()
    # Vietnamese school years start in September.
    start = today.year if today.month >= 8 else today.year - 1
    return [(f"{y}-{y + 1}", f"{y}-{y + 1}") for y in (start, start + 1)]


class AccessibleForm(forms.Form):
    """Ties each field's error list to its input (aria-describedby, aria-invalid) so a screen
    reader announces the error with the field, as the template lists it under the field."""

    default_renderer = PUBLIC_FORM_RENDERER

    def _post_clean(self):
        super()._post_clean()
        self._describe_errors()

    def add_error(self, field, error):
        # Errors added after cleaning (a service's refusal, shown beside its field) are tied
        # to their input too.
        super().add_error(field, error)
        if self._errors is not None and hasattr(self, "cleaned_data"):
            self._describe_errors()

    def _describe_errors(self):
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                errors_id = f"{self[name].auto_id}-errors"
                described = widget.attrs.get("aria-describedby", "").split()
                if errors_id not in described:
                    described.append(errors_id)
                widget.attrs.update({"aria-describedby": " ".join(described), "aria-invalid": "true"})


class DonationForm(AccessibleForm):
    # The gift
    kind = forms.ChoiceField(label=_("What would you like to give?"), widget=forms.RadioSelect)
    frequency = forms.ChoiceField(
        label=_("How often?"),
        choices=[(ONCE, _("Once")), (MONTHLY, _("Every month")), (INSTALMENTS, _("A pledge paid in instalments"))],
        initial=ONCE,
        widget=forms.RadioSelect,
        required=False,
    )
    # Not required: goods are valued in VND, and the field is hidden (not sent) for them.
    currency = forms.ChoiceField(
        label=_("Currency"), choices=[("VND", "VND"), ("USD", "USD")], initial="VND", required=False
    )
    preset = forms.ChoiceField(label=_("Amount"), widget=forms.RadioSelect, required=False)
    amount = forms.CharField(
        label=_("Other amount"), max_length=40, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    payment_method = forms.ChoiceField(label=_("How will you pay?"), widget=forms.RadioSelect)
    cover_fee = forms.BooleanField(label=_("I will also cover the card fee"), required=False)
    scholarship_count = forms.IntegerField(
        label=_("Number of scholarships"), min_value=1, max_value=1000, required=False
    )
    scholarship_amount = forms.CharField(
        label=_("Amount of each scholarship"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    school_year = forms.ChoiceField(label=_("School year"), required=False)
    expected_on = forms.DateField(
        label=_("Expected delivery date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    instalments = forms.IntegerField(
        label=_("Number of instalments"), min_value=2, max_value=MAX_INSTALMENTS, required=False
    )
    instalment_frequency = forms.ChoiceField(
        label=_("How often are instalments paid?"), choices=Commitment.Frequency.choices, required=False
    )
    first_due_on = forms.DateField(
        label=_("First instalment due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    # Who gives
    donor_kind = forms.ChoiceField(
        label=_("I am giving as"),
        choices=[(Donor.Kind.PERSON, _("A person")), (Donor.Kind.ORGANISATION, _("An organisation"))],
        initial=Donor.Kind.PERSON,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Full name or organisation name"), max_length=200)
    tax_code = forms.CharField(label=_("Tax code"), max_length=20, required=False)
    contact_person = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=500, required=False)
    language = forms.ChoiceField(
        label=_("Language for your receipt"), choices=[("vi", "Tiếng Việt"), ("en", "English")], widget=LanguageSelect
    )
    receipts_by_email = forms.BooleanField(label=_("Email me my receipt"), required=False, initial=True)
    show_name = forms.BooleanField(label=_("Show my name on the public list of gifts"), required=False)
    message = forms.CharField(label=_("Message (optional)"), max_length=1000, required=False, widget=forms.Textarea)

    # Someone else pays
    paid_by_other = forms.BooleanField(label=_("Someone else is paying for this gift"), required=False)
    payer_name = forms.CharField(label=_("Payer's name"), max_length=200, required=False)
    payer_email = forms.EmailField(label=_("Payer's email"), max_length=254, required=False)

    # People never see this field; form-filling robots do. Out of the Tab order too, or a
    # keyboard user would land in it (its box is off screen and hidden from screen readers).
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, page, stripe_ready: bool, bank_ready: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        self.fields["kind"].choices = page.kind_choices()
        if self.fields["kind"].choices:
            # Money first: most donors give money, and the amount field is then shown at once.
            self.fields["kind"].initial = self.fields["kind"].choices[0][0]
        methods = []
        if stripe_ready:
            methods.append((CARD, _("Card (Visa, Mastercard, JCB)")))
        if bank_ready:
            methods.append((TRANSFER, _("Bank transfer / VietQR")))
        self.fields["payment_method"].choices = methods
        self.fields["payment_method"].required = False
        if methods:
            self.fields["payment_method"].initial = methods[-1][0] if bank_ready else methods[0][0]
        self.fields["preset"].choices = [(str(p), money_display(Money(p, "VND"))) for p in page.presets_for("VND")] + [
            ("other", _("Other"))
        ]
        if not (stripe_ready and page.allow_monthly):
            self.fields["frequency"].choices = [c for c in self.fields["frequency"].choices if c[0] != MONTHLY]
        self.fields["school_year"].choices = school_year_choices()
        self.stripe_ready = stripe_ready
        self.bank_ready = bank_ready

    # Free text: NFC, no direction controls; what the receipt prints must be printable, and a
    # name must show. Each error stays beside its own field.
    def clean_name(self):
        return text_check(self.cleaned_data.get("name"), visible=True)

    def clean_contact_person(self):
        return text_check(self.cleaned_data.get("contact_person"), visible=True)

    def clean_payer_name(self):
        return text_check(self.cleaned_data.get("payer_name"), visible=True)

    def clean_address(self):
        return text_check(self.cleaned_data.get("address"))

    def clean_phone(self):
        return text_check(self.cleaned_data.get("phone"), printed=False)

    def clean_message(self):
        # Not printed on the receipt: emoji are welcome here.
        return text_check(self.cleaned_data.get("message"), printed=False)

    def clean_tax_code(self):
        return tax_code_clean(self.cleaned_data.get("tax_code"))

    def _amount(self, field: str, currency: str) -> Decimal | None:
        text = self.cleaned_data.get(field) or ""
        if not text.strip():
            return None
        try:
            return amount_from_input(text, currency)
        except ValidationError as exc:
            self.add_error(field, exc)
            return None

    def _instalments_check(self, data: dict, currency: str) -> None:
        """The bounds fund.services.giving.commitment_create enforces, beside the right fields."""
        count = data.get("instalments") or 0
        months = MONTHS_PER_INSTALMENT.get(data.get("instalment_frequency"), 0) * max(count - 1, 0)
        if months >= MAX_COMMITMENT_MONTHS:
            self.add_error(
                "instalments", _("The last instalment must be due within five years of the first; choose fewer.")
            )
        total = data.get("amount_value")
        if total is None:
            return
        if total > MAX_COMMITMENT_TOTAL[currency]:
            self.add_error(
                "amount",
                _("A pledge in instalments made here can total at most %(amount)s.")
                % {"amount": money_display(Money(MAX_COMMITMENT_TOTAL[currency], currency))},
            )
        elif count and total / count < MINIMUM_PUBLIC_GIFT[currency]:
            self.add_error(
                "instalments",
                _("Each instalment must be at least %(amount)s; choose fewer instalments.")
                % {"amount": money_display(Money(MINIMUM_PUBLIC_GIFT[currency], currency))},
            )

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(_("This form could not be sent. Please try again."), code="spam")
        kind = data.get("kind")
        currency = data.get("currency") or "VND"
        data["currency"] = currency
        frequency = data.get("frequency") or ONCE
        method = data.get("payment_method") or ""
        goods = kind in Donation.GOODS_KINDS
        data["frequency"] = frequency

        if not goods:
            if not method:
                self.add_error("payment_method", _("Choose how you will pay."))
            if currency != "VND" and method != CARD:
                self.add_error("currency", _("Gifts in USD are taken by card; bank transfers are in VND."))
            if data.get("cover_fee") and method != CARD:
                data["cover_fee"] = False

        if kind == Donation.Kind.CASH:
            amount = self._amount("amount", currency)
            preset = data.get("preset")
            if amount is None and preset and preset != "other" and currency == "VND":
                amount = Decimal(preset)
            if amount is None and not self.has_error("amount"):
                self.add_error("amount", _("Choose or enter an amount."))
            data["amount_value"] = amount
            if frequency == MONTHLY and method != CARD:
                self.add_error("frequency", _("Monthly gifts are paid by card."))
            if frequency == MONTHLY and currency != "VND":
                self.add_error("currency", _("Monthly gifts are in VND."))
            if frequency == INSTALMENTS:
                if data.get("donor_kind") != Donor.Kind.ORGANISATION:
                    self.add_error("frequency", _("Pledges in instalments are for organisations."))
                if method != TRANSFER:
                    self.add_error("payment_method", _("Instalments are paid by bank transfer."))
                for field in ("instalments", "instalment_frequency", "first_due_on"):
                    if not data.get(field):
                        self.add_error(field, _("Needed for a pledge in instalments."))
                self._instalments_check(data, currency)
        elif frequency != ONCE:
            self.add_error("frequency", _("Only money gifts can be monthly or in instalments."))

        today = timezone.localdate()
        first_due = data.get("first_due_on")
        if first_due and not (today <= first_due <= today + datetime.timedelta(days=5 * 366)):
            self.add_error("first_due_on", _("Choose a date from today to five years ahead."))
        expected = data.get("expected_on")
        if expected and not (today <= expected <= today + datetime.timedelta(days=366)):
            self.add_error("expected_on", _("Choose a date from today to one year ahead."))

        if kind == Donation.Kind.SCHOLARSHIP:
            if not data.get("scholarship_count"):
                self.add_error("scholarship_count", _("How many scholarships?"))
            each = self._amount("scholarship_amount", currency)
            if each is None and not self.has_error("scholarship_amount"):
                self.add_error("scholarship_amount", _("Enter the amount of each scholarship."))
            data["scholarship_amount_value"] = each
            if not data.get("school_year"):
                self.add_error("school_year", _("Choose the school year."))

        if data.get("donor_kind") == Donor.Kind.ORGANISATION:
            if not data.get("contact_person"):
                self.add_error("contact_person", _("Who should we contact at the organisation?"))
        else:
            data["tax_code"] = ""
            data["contact_person"] = ""

        if not data.get("email") and not data.get("phone"):
            self.add_error("email", _("Give an email or a phone number so we can send your receipt."))
        if method == CARD and not data.get("email"):
            self.add_error("email", _("Card gifts need an email for the receipt."))

        if data.get("paid_by_other"):
            if not data.get("payer_name"):
                self.add_error("payer_name", _("Who is paying?"))
        return data

    def donor_details(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["donor_kind"],
            "name": data["name"],
            "tax_code": data.get("tax_code", ""),
            "contact_person": data.get("contact_person", ""),
            "email": data.get("email", ""),
            "phone": data.get("phone", ""),
            "address": data.get("address", ""),
            "preferred_language": data["language"],
            "consent_receipts_by_email": bool(data.get("receipts_by_email") and data.get("email")),
            "anonymous_by_default": not data.get("show_name"),
        }

    def payer_details(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("paid_by_other"):
            return None
        return {
            "kind": Donor.Kind.PERSON,
            "name": data["payer_name"],
            "email": data.get("payer_email", ""),
            "preferred_language": data["language"],
        }


class GoodsLineForm(AccessibleForm):
    description = forms.CharField(label=_("What"), max_length=200)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=Decimal("0.001"), max_digits=12, decimal_places=3)
    unit = forms.CharField(label=_("Unit"), max_length=20)
    value = forms.CharField(label=_("Estimated value (VND)"), max_length=40)

    def clean_description(self):
        return text_check(self.cleaned_data.get("description"), visible=True)

    def clean_unit(self):
        return text_check(self.cleaned_data.get("unit"), visible=True)

    def clean_value(self):
        return amount_from_input(self.cleaned_data["value"], "VND")


GoodsLineFormSet = forms.formset_factory(
    GoodsLineForm,
    extra=3,
    max_num=MAX_GOODS_LINES,
    validate_max=True,
    absolute_max=MAX_GOODS_LINES,
    renderer=PUBLIC_FORM_RENDERER,
)
