"""Card payments in the back office: listed and inspected, never edited by hand."""

import pytest
from django.contrib.auth import get_user_model
from djmoney.money import Money

from fund.models import CardPayment, RecurringGift

from .conftest import event, payment_intent, post_event


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.org", "pw"))
    return client


def test_card_payments_monthly_gifts_and_events_are_read_only(admin_client, card_gift, donor, fund, settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_signed_payloads"
    post_event(
        admin_client,
        event("payment_intent.succeeded", payment_intent(donation=card_gift, intent_id="pi_adm", amount=500000)),
    )
    monthly = RecurringGift.objects.create(donor=donor, fund=fund, amount=Money(100000, "VND"))
    payment = CardPayment.objects.get()
    for prefix, pk in (("cardpayment", payment.pk), ("recurringgift", monthly.pk)):
        assert admin_client.get(f"/admin/{prefix}/").status_code == 200, prefix
        assert admin_client.get(f"/admin/{prefix}/inspect/{pk}/").status_code == 200, prefix
        assert admin_client.get(f"/admin/{prefix}/new/").status_code in (302, 403, 404), prefix
        assert admin_client.get(f"/admin/{prefix}/edit/{pk}/").status_code in (302, 403, 404), prefix
    response = admin_client.get("/admin/stripeevent/")
    assert b"payment_intent.succeeded" in response.content
    assert card_gift.reference.encode() in admin_client.get("/admin/cardpayment/").content
