"""The migrations that bring the organisation's identity into one place keep what an existing
installation had typed in: run from the state before them, with both old settings filled in."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Site

from cms.models import BankAccountSettings
from fund.models import Organisation

BEFORE = [("receipts", "0003_statement_period_index"), ("cms", "0006_card_gift_maximum")]

BANK = {"bank_name": "Vietcombank", "bank_bin": "970436", "bank_account_number": "0011001234567"}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


# Migrations need their own transactions. The flush after each such test removes the rows data
# migrations wrote (Wagtail's root page and site): serialized_rollback puts them back before the
# next test here, restore_migrated_rows_after_flush after the last one, for the modules that follow.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migrated_rows_after_flush"),
]


@pytest.fixture
def before_the_move():
    """The old schema (letterhead in Settings > Receipts, identity in the site settings), and
    always the latest one again afterwards, so the tests that follow find it."""
    try:
        yield migrate(BEFORE)
    finally:
        MigrationExecutor(connection).migrate(latest())


def test_both_old_settings_merge_into_the_one_identity(before_the_move):
    apps = before_the_move
    logo = get_image_model().objects.create(title="logo", file=get_test_image_file("logo.png"))
    site = Site.objects.get(is_default_site=True)
    apps.get_model("receipts", "ReceiptSettings").objects.create(
        organisation_name="Trung tâm Công tác xã hội tỉnh Ví Dụ",
        address="12 Đường Hùng Vương",
        tax_code="4300123456",
        email="quy@example.org",
        website="trungtam.example.org",
        logo_id=logo.pk,
    )
    apps.get_model("cms", "OrganisationSettings").objects.create(
        site_id=site.pk,
        name="Trung tâm Ví Dụ",
        address="Địa chỉ khác",
        tax_code="9999999999",
        hotline="0255 3822 123",
        email="lienhe@example.org",
        **BANK,
    )

    migrate(latest())

    organisation = Organisation.objects.get()
    assert organisation.name == "Trung tâm Công tác xã hội tỉnh Ví Dụ"  # the receipts' legal name
    assert organisation.short_name == "Trung tâm Ví Dụ"  # the site's, kept as the display name
    assert (organisation.address, organisation.tax_code, organisation.email) == (
        "12 Đường Hùng Vương",
        "4300123456",
        "quy@example.org",
    )
    assert organisation.phone == "0255 3822 123"  # only the site had one
    assert (organisation.website, organisation.logo_id) == ("trungtam.example.org", logo.pk)
    bank = BankAccountSettings.for_site(site)
    assert (bank.bank_name, bank.bank_bin, bank.bank_account_number) == tuple(BANK.values())


def test_an_installation_that_only_filled_in_the_site_settings_keeps_its_name_as_the_legal_name(before_the_move):
    site = Site.objects.get(is_default_site=True)
    before_the_move.get_model("cms", "OrganisationSettings").objects.create(
        site_id=site.pk, name="Trung tâm Ví Dụ", address="1 Đường Demo", tax_code="0100000001", **BANK
    )

    migrate(latest())

    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.short_name) == ("Trung tâm Ví Dụ", "")
    assert (organisation.address, organisation.tax_code) == ("1 Đường Demo", "0100000001")
