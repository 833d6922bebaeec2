"""Wagtail's login form, with a password label that follows the language.

Wagtail declares the password field without a label, so Django falls back to the field's name and
every user sees "Password" in English. Django's own login form labels it with a translated
string; this form reuses that label (no new string to translate)."""

from django.contrib.auth.forms import AuthenticationForm
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm


class LoginForm(WagtailLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = AuthenticationForm.base_fields["password"].label
