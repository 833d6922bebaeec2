from django import forms
from django.utils.translation import gettext_lazy as _


class PortalEmailForm(forms.Form):
    """The only thing the portal asks: the address receipts were sent to."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The address your receipts were sent to."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class PortalChoicesForm(forms.Form):
    """What a signed-in donor decides for themselves (donors.services_rights.donor_choices_update)."""

    consent_receipts_by_email = forms.BooleanField(label=_("Email me my receipts and statements"), required=False)
    consent_news = forms.BooleanField(label=_("Send me news and appeals"), required=False)
    anonymous_by_default = forms.BooleanField(
        label=_("Show my future gifts as 'Anonymous' on public pages"),
        required=False,
        help_text=_("Gifts already made keep the choice they were made with."),
    )
    public_name = forms.CharField(
        label=_("Name to show for gifts I let you name"),
        max_length=200,
        required=False,
        help_text=_("For example 'Gia đình anh Minh'. Leave it empty to show your own name."),
    )


class PortalEmailChangeForm(forms.Form):
    new_email = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        help_text=_("We send a link to it; the address changes once you open the link and confirm."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
