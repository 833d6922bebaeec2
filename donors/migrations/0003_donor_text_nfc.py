"""Donors stored before text was normalised may hold a name typed with combining accents (NFD):
put every text field in NFC, so the next gift typed either way finds the same donor."""

import unicodedata

from django.db import migrations

TEXT_FIELDS = ("name", "contact_person", "email", "phone", "address", "tax_code")


def to_nfc(apps, schema_editor):
    Donor = apps.get_model("donors", "Donor")
    for donor in Donor.objects.only("pk", *TEXT_FIELDS).iterator(chunk_size=2000):
        changed = {}
        for name in TEXT_FIELDS:
            value = getattr(donor, name)
            if value and not unicodedata.is_normalized("NFC", value):
                changed[name] = unicodedata.normalize("NFC", value)
        if changed:
            Donor.objects.filter(pk=donor.pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [("donors", "0002_preferred_language_receipt_languages")]

    operations = [migrations.RunPython(to_nfc, migrations.RunPython.noop)]
