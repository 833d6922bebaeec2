"""The site settings keep only the bank account for transfers (the identity moved to
fund.Organisation in 0007), so they are named for what they hold."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0007_organisation_details_to_fund"),
    ]

    operations = [
        migrations.RemoveField(model_name="organisationsettings", name="name"),
        migrations.RemoveField(model_name="organisationsettings", name="address"),
        migrations.RemoveField(model_name="organisationsettings", name="tax_code"),
        migrations.RemoveField(model_name="organisationsettings", name="hotline"),
        migrations.RemoveField(model_name="organisationsettings", name="email"),
        migrations.RemoveField(model_name="organisationsettings", name="logo"),
        migrations.RenameModel(old_name="OrganisationSettings", new_name="BankAccountSettings"),
        migrations.AlterModelOptions(
            name="bankaccountsettings",
            options={"verbose_name": "bank account for transfers"},
        ),
    ]
