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
