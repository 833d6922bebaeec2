"""Form widgets of the public site."""

from django import forms


class LanguageSelect(forms.Select):
    """A choice of languages, each option marked with its own ``lang`` (and so read by a screen
    reader in that language's voice: "English" in English on a Vietnamese page)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value:
            option["attrs"] = {**option["attrs"], "lang": str(value)}
        return option
