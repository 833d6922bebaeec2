"""Merge the organisation's details from the site settings into fund.Organisation, after the
receipts' letterhead was copied there (receipts.0004): where both had a value, the receipts' is kept
(a receipt is the legal document), and a different site name is kept as the display name. The
default site's settings are the ones merged: the organisation is one for the installation. The
next migration removes the copied fields; the bank account stays."""

from django.db import migrations

# OrganisationSettings field -> Organisation field (the name is handled apart)
FIELDS = {
    "address": "address",
    "tax_code": "tax_code",
    "hotline": "phone",
    "email": "email",
    "logo_id": "logo_id",
}


def _site_settings(apps):
    OrganisationSettings = apps.get_model("cms", "OrganisationSettings")
    rows = OrganisationSettings.objects.order_by("-site__is_default_site", "pk")
    return rows.first()


def merge_details(apps, schema_editor):
    Organisation = apps.get_model("fund", "Organisation")
    site = _site_settings(apps)
    if site is None:
        return
    organisation = Organisation.objects.order_by("pk").first() or Organisation()
    if not organisation.name:
        organisation.name = site.name
    elif site.name and site.name != organisation.name:
        organisation.short_name = site.name[:100]
    for source, target in FIELDS.items():
        value = getattr(site, source)
        if value and not getattr(organisation, target):
            setattr(organisation, target, value)
    organisation.save()


def copy_details_back(apps, schema_editor):
    Organisation = apps.get_model("fund", "Organisation")
    OrganisationSettings = apps.get_model("cms", "OrganisationSettings")
    organisation = Organisation.objects.order_by("pk").first()
    if organisation is None:
        return
    for site in OrganisationSettings.objects.all():
        site.name = organisation.short_name or organisation.name
        for source, target in FIELDS.items():
            setattr(site, source, getattr(organisation, target))
        site.save()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0006_card_gift_maximum"),
        ("fund", "0011_organisation"),
        ("receipts", "0004_letterhead_to_organisation"),
    ]

    operations = [migrations.RunPython(merge_details, copy_details_back)]
