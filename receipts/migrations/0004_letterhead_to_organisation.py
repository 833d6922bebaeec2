"""Copy the letterhead out of Settings > Receipts into fund.Organisation, the one identity pages and
receipts share. Runs before cms' copy (cms.0007 depends on this), so the receipts' legal name is the
one kept as legal name. The next migration removes the copied fields."""

from django.db import migrations

# ReceiptSettings field -> Organisation field
FIELDS = {
    "organisation_name": "name",
    "address": "address",
    "tax_code": "tax_code",
    "phone": "phone",
    "email": "email",
    "website": "website",
    "logo_id": "logo_id",
}


def copy_letterhead(apps, schema_editor):
    ReceiptSettings = apps.get_model("receipts", "ReceiptSettings")
    Organisation = apps.get_model("fund", "Organisation")
    receipts = ReceiptSettings.objects.order_by("pk").first()
    if receipts is None:
        return
    organisation = Organisation.objects.order_by("pk").first() or Organisation()
    for source, target in FIELDS.items():
        value = getattr(receipts, source)
        if value:
            setattr(organisation, target, value)
    organisation.save()


def copy_letterhead_back(apps, schema_editor):
    ReceiptSettings = apps.get_model("receipts", "ReceiptSettings")
    Organisation = apps.get_model("fund", "Organisation")
    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:
        return
    receipts = ReceiptSettings.objects.order_by("pk").first() or ReceiptSettings()
    for source, target in FIELDS.items():
        setattr(receipts, source, getattr(organisation, target))
    receipts.save()


class Migration(migrations.Migration):
    dependencies = [
        ("receipts", "0003_statement_period_index"),
        ("fund", "0011_organisation"),
    ]

    operations = [migrations.RunPython(copy_letterhead, copy_letterhead_back)]
