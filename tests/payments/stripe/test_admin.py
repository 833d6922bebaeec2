"""Card payments in the back office: listed and inspected, never edited by hand."""

import pytest
from django.contrib.auth import get_user_model
from djmoney.money import Money

from fund.models import RecurringGift
from payments.models import CardPayment

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
    for prefix, pk in (("payments/card-payments", payment.pk), ("payments/monthly-gifts", monthly.pk)):
        assert admin_client.get(f"/admin/{prefix}/").status_code == 200, prefix
        assert admin_client.get(f"/admin/{prefix}/inspect/{pk}/").status_code == 200, prefix
        assert admin_client.get(f"/admin/{prefix}/new/").status_code in (302, 403, 404), prefix
        assert admin_client.get(f"/admin/{prefix}/edit/{pk}/").status_code in (302, 403, 404), prefix
    response = admin_client.get("/admin/payments/stripe-events/")
    assert b"payment_intent.succeeded" in response.content
    assert card_gift.reference.encode() in admin_client.get("/admin/payments/card-payments/").content


def test_events_left_for_a_person_come_first_and_can_be_marked_handled(admin_client, monthly_gift_in_trouble, db):
    from payments.models import StripeEvent

    quiet = StripeEvent.objects.create(
        stripe_id="evt_quiet", type="invoice.paid", created="2026-01-01T00:00Z", payload={}
    )
    left = StripeEvent.objects.create(
        stripe_id="evt_left",
        type="charge.refunded",
        created="2026-01-01T00:00Z",
        payload={},
        outcome="Refunded charge ch_1 is linked to no gift.",
        attention=StripeEvent.Attention.PERSON,
    )
    page = admin_client.get("/admin/payments/stripe-events/").content.decode()
    assert page.index("evt_left") < page.index("evt_quiet")
    only_left = admin_client.get("/admin/payments/stripe-events/?attention=person").content.decode()
    assert "evt_left" in only_left and "evt_quiet" not in only_left
    assert f"/admin/payments/stripe-events/resolve/{left.pk}/" in only_left

    url = f"/admin/payments/stripe-events/resolve/{left.pk}/"
    assert "linked to no gift" in admin_client.get(url).content.decode()
    assert admin_client.post(url, {"resolution": ""}).status_code == 200  # refused: say what was done
    left.refresh_from_db()
    assert left.attention == StripeEvent.Attention.PERSON
    response = admin_client.post(url, {"resolution": "Recorded the refund of gift CT1 by hand"})
    assert response.status_code == 302
    left.refresh_from_db()
    assert (left.attention, left.resolution) == (
        StripeEvent.Attention.RESOLVED,
        "Recorded the refund of gift CT1 by hand",
    )
    assert left.resolved_by.username == "root" and left.resolved_at is not None
    history = admin_client.get(f"/admin/payments/stripe-events/history/{left.pk}/").content.decode()
    assert "Đã đánh dấu là đã xử lý" in history  # "Marked as handled"
    assert (
        admin_client.get(f"/admin/payments/stripe-events/resolve/{quiet.pk}/").status_code == 302
    )  # nothing to handle


def test_resolving_needs_the_permission(client, db):
    from django.contrib.auth.models import Permission

    from payments.models import StripeEvent

    left = StripeEvent.objects.create(
        stripe_id="evt_perm", type="charge.refunded", created="2026-01-01T00:00Z", payload={}, attention="person"
    )
    user = get_user_model().objects.create_user("clerk", "clerk@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    assert client.post(f"/admin/payments/stripe-events/resolve/{left.pk}/", {"resolution": "done"}).status_code in (
        302,
        403,
    )
    left.refresh_from_db()
    assert left.attention == StripeEvent.Attention.PERSON


def test_monthly_gifts_in_trouble_come_first_and_can_be_listed_alone(
    admin_client, monthly_gift_in_trouble, donor, fund
):
    fine = RecurringGift.objects.create(donor=donor, fund=fund, amount=Money(70000, "VND"), status="active")
    page = admin_client.get("/admin/payments/monthly-gifts/").content.decode()
    assert page.index(monthly_gift_in_trouble.reference) < page.index(fine.reference)
    assert "Payment of invoice in_1 failed" in page
    trouble = admin_client.get("/admin/payments/monthly-gifts/?in_trouble=true").content.decode()
    assert monthly_gift_in_trouble.reference in trouble and fine.reference not in trouble


@pytest.fixture
def monthly_gift_in_trouble(donor, fund):
    return RecurringGift.objects.create(
        donor=donor,
        fund=fund,
        amount=Money(90000, "VND"),
        status=RecurringGift.Status.UNPAID,
        last_problem="Payment of invoice in_1 failed (attempt 4). Stripe will not try again.",
    )
