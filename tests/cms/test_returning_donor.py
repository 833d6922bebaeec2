"""A returning donor's new choices (receipt language, "email me my receipt", "show my name")
reach the new gift and its receipt; the stored donor record moves only towards less exposure,
so someone typing another person's name and email cannot turn that person's exposure on."""

import pytest

from donors.models import Donor
from fund.models import Donation, RecurringGift
from fund.services import donation_receive
from receipts.models import Receipt, ReceiptDelivery
from receipts.services.receipts import receipt_issue

from .test_donate_flow import gift_form


@pytest.fixture
def post(client, donate_page):
    def _post(data):
        response = client.post(donate_page.url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        return Donation.objects.order_by("-pk").first()

    return _post


def receipt_of(gift):
    donation_receive(donation=gift)
    return receipt_issue(donation_id=gift.pk)


def test_new_choices_reach_the_new_gift_and_its_receipt(post):
    first = post(gift_form(language="vi", receipts_by_email="on"))
    second = post(gift_form(amount="200.000", language="en", receipts_by_email=None, show_name="on"))
    assert first.donor_id == second.donor_id  # one returning donor
    assert (second.receipt_language, second.receipt_by_email, second.is_anonymous) == ("en", False, False)
    assert (first.receipt_language, first.receipt_by_email, first.is_anonymous) == ("vi", True, True)

    receipt = receipt_of(second)
    assert receipt.language == "en"
    assert receipt.content["issuer"]  # written in English (letterhead in the gift's language)
    assert not ReceiptDelivery.objects.filter(receipt=receipt).exists()  # "email me" was unticked

    earlier = receipt_of(first)
    assert earlier.language == "vi"
    assert ReceiptDelivery.objects.filter(receipt=earlier).exists()


def test_the_stored_donor_moves_only_towards_less_exposure(post):
    post(gift_form(language="vi", receipts_by_email="on", show_name="on"))
    donor = Donor.objects.get()
    assert (donor.preferred_language, donor.consent_receipts_by_email, donor.anonymous_by_default) == (
        "vi",
        True,
        False,
    )
    # The same name and email again: less exposing choices are kept on the record.
    post(gift_form(amount="200.000", language="en", receipts_by_email=None, show_name=None))
    donor.refresh_from_db()
    assert donor.consent_receipts_by_email is False
    assert donor.anonymous_by_default is True
    assert donor.preferred_language == "vi"  # neither more nor less exposing: the gift keeps its own


def test_someone_typing_another_persons_email_cannot_expose_them(post):
    post(gift_form(receipts_by_email=None, show_name=None))
    victim = Donor.objects.get()
    assert (victim.consent_receipts_by_email, victim.anonymous_by_default) == (False, True)

    prank = post(gift_form(amount="200.000", receipts_by_email="on", show_name="on", language="en"))
    victim.refresh_from_db()
    assert prank.donor_id == victim.pk
    assert (victim.consent_receipts_by_email, victim.anonymous_by_default, victim.preferred_language) == (
        False,
        True,
        "vi",
    )
    # The gift itself carries what was typed with it: its receipt goes by email, in English.
    assert (prank.receipt_by_email, prank.is_anonymous, prank.receipt_language) == (True, False, "en")
    receipt = receipt_of(prank)
    assert receipt.language == "en"
    assert ReceiptDelivery.objects.filter(receipt=receipt).exists()


def test_a_statement_still_follows_the_stored_record(post):
    """Gift receipts follow the gift; anything not tied to one gift (statements) follows the
    donor's stored choices, which a public form cannot make more exposing."""
    from receipts.services.delivery import delivery_queue_if_consented

    gift = post(gift_form(receipts_by_email=None, language="en"))
    receipt = receipt_of(gift)
    assert not ReceiptDelivery.objects.filter(receipt=receipt).exists()
    statement_like = Receipt(donor=gift.donor, number="X", donation=None)
    assert delivery_queue_if_consented(receipt=statement_like) is None


def test_a_monthly_gift_carries_its_choices_to_each_month(fake_stripe, client, donate_page):
    from fund.services.donations import donation_record

    client.post(donate_page.url, gift_form(language="vi", receipts_by_email="on"))
    response = client.post(
        donate_page.url,
        gift_form(frequency="monthly", payment_method="card", language="en", receipts_by_email=None),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    monthly = RecurringGift.objects.get()
    assert (monthly.receipt_language, monthly.receipt_by_email) == ("en", False)
    month = donation_record(
        fund=monthly.fund,
        donor=monthly.donor,
        kind="cash",
        channel="card",
        amount="500000",
        recurring_gift=monthly,
    )
    assert (month.receipt_language, month.receipt_by_email) == ("en", False)
