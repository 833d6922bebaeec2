"""Refunding a card gift from the back office: Stripe is asked once (an idempotency key from the
gift), the card payment records who asked, when and why, and the ledger waits for Stripe's
refund event. Every refusal writes nothing."""

import datetime
import json
from types import SimpleNamespace

import pytest
import stripe
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from djmoney.money import Money
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from audit.models import AuditEntry
from fund.errors import FundError, InvalidTransition
from fund.models import Donation, Posting
from fund.selectors import fund_balance
from fund.selectors.ledger_checks import ledger_problems
from fund.services import donation_record, donation_refund
from payments.errors import PaymentUnavailable, StripeRefused
from payments.models import CardPayment, StripeEvent
from payments.services import card_refunds
from payments.services.card_payments import card_payment_start
from payments.services.card_refunds import card_payment_refund
from payments.stripe_client import stripe_client
from staff.services import roles_sync
from tests.support.localstripe import WEBHOOK_SECRET as LOCALSTRIPE_WEBHOOK_SECRET

from . import shapes
from .conftest import charge, event, post_event, sign

REASON = "The donor paid twice by mistake and asked for this one back"


class RecordingStripe:
    """Stands in for ``stripe_client()``: records each refund asked for, answers with a refund
    (or raises ``error``). ``during`` runs inside the call, as if it happened while Stripe thought."""

    def __init__(self, *, status="succeeded", error=None, during=None):
        self.calls: list[tuple[dict, dict]] = []
        self.status, self.error, self.during = status, error, during
        self.v1 = self
        self.refunds = self

    def create(self, *, params, options):
        self.calls.append((params, options))
        if self.during is not None:
            during, self.during = self.during, None
            during()
        if self.error is not None:
            raise self.error
        return SimpleNamespace(id="re_recorded", status=self.status)


@pytest.fixture
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_refunds"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_refunds"


@pytest.fixture
def recording(monkeypatch, stripe_keys):
    def install(**kw) -> RecordingStripe:
        fake = RecordingStripe(**kw)
        monkeypatch.setattr(card_refunds, "stripe_client", lambda: fake)
        return fake

    return install


@pytest.fixture
def paid_gift(fund, donor, now):
    """A card gift of 500,000 VND received through its PaymentIntent pi_paid."""
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="500000", received_at=now)
    CardPayment.objects.create(donation=gift, stripe_payment_intent_id="pi_paid", status=CardPayment.Status.SUCCEEDED)
    return gift


def role_client(role: str, username: str) -> tuple[Client, User]:
    """A signed-in member of the role whose back office speaks English (the screens' words are
    asserted below; the admin's default language is Vietnamese)."""
    user = User.objects.create_user(username, f"{username}@example.org", "pw")
    user.groups.add(Group.objects.get(name=role))
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    client = Client()
    client.force_login(user)
    return client, user


@pytest.fixture
def accountant(db):
    roles_sync()
    return role_client("Fund accountant", "ketoan")


def written() -> tuple:
    """Everything a refund request could write."""
    payments = CardPayment.objects.values_list(
        "status", "refund_requested_at", "refund_requested_by", "refund_reason", "stripe_refund_id"
    )
    return (
        AuditEntry.objects.count(),
        list(payments.order_by("pk")),
        Posting.objects.count(),
        list(Donation.objects.values_list("status").order_by("pk")),
    )


# --- the service, Stripe stubbed ---------------------------------------------------------------


def test_asks_stripe_for_the_whole_payment_with_a_key_from_the_gift_and_records_the_request(
    recording, paid_gift, accountant
):
    _client, user = accountant
    fake = recording()

    payment = card_payment_refund(donation=paid_gift, reason=f"  {REASON} ", actor=user)

    assert fake.calls == [
        (
            {"payment_intent": "pi_paid", "metadata": {"donation": paid_gift.reference}},
            {"idempotency_key": f"donation-{paid_gift.reference}-refund"},
        )
    ]
    payment.refresh_from_db()
    asked = (payment.stripe_refund_id, payment.refund_reason, payment.refund_requested_by)
    assert asked == ("re_recorded", REASON, user)
    assert payment.refund_requested_at is not None and payment.refund_awaits_stripe
    entry = AuditEntry.objects.get(action="card_payment.refund_request")
    assert (entry.actor, entry.object_id) == (user, str(payment.pk))
    assert entry.data == {
        "donation": paid_gift.reference,
        "payment_intent": "pi_paid",
        "refund": "re_recorded",
        "refund_status": "succeeded",
        "reason": REASON,
    }
    # The ledger waits for Stripe's refund event, even though Stripe said "succeeded".
    assert Donation.objects.get(pk=paid_gift.pk).status == Donation.Status.RECEIVED
    assert payment.status == CardPayment.Status.SUCCEEDED
    assert not Posting.objects.filter(kind=Posting.Kind.REVERSAL).exists()


def test_asking_again_is_refused_without_calling_stripe(recording, paid_gift):
    fake = recording()
    card_payment_refund(donation=paid_gift, reason=REASON)
    before = written()
    with pytest.raises(InvalidTransition, match="already asked of Stripe \\(refund re_recorded\\)"):
        card_payment_refund(donation=paid_gift, reason="Again")
    assert len(fake.calls) == 1
    assert written() == before


def test_a_double_click_is_one_refund_at_stripe_and_one_record_here(recording, paid_gift):
    """The second click starts while the first waits for Stripe: both send the same key, so
    Stripe makes one refund; the second finds it recorded and says so."""
    second: list[Exception] = []

    def second_click():
        try:
            card_payment_refund(donation=paid_gift, reason="Second click")
        except InvalidTransition as exc:
            second.append(exc)

    fake = recording(during=second_click)
    with pytest.raises(InvalidTransition, match="already asked of Stripe"):
        card_payment_refund(donation=paid_gift, reason=REASON)

    assert [options for _params, options in fake.calls] == [
        {"idempotency_key": f"donation-{paid_gift.reference}-refund"}
    ] * 2
    assert second == []  # the inner (second) click stored the request; the outer one was refused
    payment = CardPayment.objects.get(donation=paid_gift)
    assert (payment.stripe_refund_id, payment.refund_reason) == ("re_recorded", "Second click")
    assert AuditEntry.objects.filter(action="card_payment.refund_request").count() == 1


def _cash_gift(fund, donor, now):
    return donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="500000", received_at=now)


def _pledged_card_gift(fund, donor, now):
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="500000")
    CardPayment.objects.create(donation=gift, stripe_payment_intent_id="pi_pledged")
    return gift


def _refunded_card_gift(fund, donor, now):
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="500000", received_at=now)
    CardPayment.objects.create(donation=gift, stripe_payment_intent_id="pi_ref", status=CardPayment.Status.REFUNDED)
    return donation_refund(donation=gift, reason="Refunded in Stripe")


def _disputed_card_gift(fund, donor, now):
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="500000", received_at=now)
    CardPayment.objects.create(donation=gift, stripe_payment_intent_id="pi_disp", status=CardPayment.Status.DISPUTED)
    return gift


def _card_gift_without_payment(fund, donor, now):
    return donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="500000", received_at=now)


def _already_asked_card_gift(fund, donor, now):
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="500000", received_at=now)
    CardPayment.objects.create(
        donation=gift,
        stripe_payment_intent_id="pi_asked",
        status=CardPayment.Status.SUCCEEDED,
        refund_requested_at=now,
        refund_reason="Asked earlier",
        stripe_refund_id="re_earlier",
    )
    return gift


@pytest.mark.parametrize(
    ("make_gift", "refusal"),
    [
        (_cash_gift, "was not paid by card"),
        (_pledged_card_gift, "Only a received gift can be refunded; .* is pledged"),
        (_refunded_card_gift, "is already refunded"),
        (_disputed_card_gift, "disputes the card payment .* answer the dispute in Stripe"),
        (_card_gift_without_payment, "No Stripe payment of gift .* is recorded here"),
        (_already_asked_card_gift, "already asked of Stripe \\(refund re_earlier\\)"),
    ],
)
def test_gifts_that_cannot_be_refunded_through_stripe_are_refused_before_stripe_is_asked(
    recording, fund, donor, now, make_gift, refusal
):
    gift = make_gift(fund, donor, now)
    fake = recording()
    before = written()
    with pytest.raises(InvalidTransition, match=refusal):
        card_payment_refund(donation=gift, reason=REASON)
    assert fake.calls == []
    assert written() == before


def test_a_reason_is_required(recording, paid_gift):
    fake = recording()
    with pytest.raises(FundError, match="Say why"):
        card_payment_refund(donation=paid_gift, reason="   ")
    assert fake.calls == []


def test_without_stripe_keys_stripe_is_not_asked(recording, paid_gift, settings):
    fake = recording()
    settings.STRIPE_SECRET_KEY = ""
    before = written()
    with pytest.raises(PaymentUnavailable, match="no Stripe keys"):
        card_payment_refund(donation=paid_gift, reason=REASON)
    assert fake.calls == [] and written() == before


STRIPE_REFUSALS = [
    stripe.InvalidRequestError(
        "Charge ch_paid has already been refunded.", None, code="charge_already_refunded", http_status=400
    ),
    stripe.CardError("Your card was declined.", None, "card_declined", http_status=402),
    stripe.AuthenticationError("Invalid API Key provided: sk_test_****", http_status=401),
]


@pytest.mark.parametrize("error", STRIPE_REFUSALS, ids=lambda error: type(error).__name__)
def test_stripe_refusing_says_why_and_writes_nothing(recording, paid_gift, error):
    recording(error=error)
    before = written()
    with pytest.raises(StripeRefused) as refused:
        card_payment_refund(donation=paid_gift, reason=REASON)
    assert refused.value.messages == [
        f"Stripe refused to refund gift {paid_gift.reference}: {error.user_message} Nothing was changed here."
    ]
    assert written() == before


@pytest.mark.parametrize(
    "error",
    [
        stripe.APIConnectionError("Could not connect to Stripe"),
        stripe.APIError("Stripe had a problem", http_status=500),
        stripe.RateLimitError("Too many requests", http_status=429),
    ],
    ids=lambda error: type(error).__name__,
)
def test_stripe_unreachable_says_so_and_writes_nothing(recording, paid_gift, error):
    recording(error=error)
    before = written()
    with pytest.raises(PaymentUnavailable, match="could not be reached .* never refunds twice"):
        card_payment_refund(donation=paid_gift, reason=REASON)
    assert written() == before


@pytest.mark.parametrize("status", ["failed", "canceled"])
def test_a_refund_stripe_did_not_make_writes_nothing(recording, paid_gift, status):
    recording(status=status)
    before = written()
    with pytest.raises(StripeRefused, match=f"refund re_recorded is {status}"):
        card_payment_refund(donation=paid_gift, reason=REASON)
    assert written() == before


@pytest.mark.parametrize("status", ["pending", "requires_action"])
def test_a_refund_under_way_is_recorded_as_asked(recording, paid_gift, status):
    recording(status=status)
    payment = card_payment_refund(donation=paid_gift, reason=REASON)
    assert payment.stripe_refund_id == "re_recorded"
    assert AuditEntry.objects.get(action="card_payment.refund_request").data["refund_status"] == status


# --- Stripe's refund event then refunds the gift ---------------------------------------------


def refund_event(gift, intent_id):
    return event("charge.refunded", charge(donation=gift, intent_id=intent_id, amount=500000, refunded=500000))


def test_the_refund_event_reverses_the_gift_with_the_askers_reason_and_name(
    recording, paid_gift, accountant, fund, webhook_secret, fake_stripe, client
):
    _client, user = accountant
    recording()
    card_payment_refund(donation=paid_gift, reason=REASON, actor=user)

    evt = refund_event(paid_gift, "pi_paid")
    assert post_event(client, evt).status_code == 200

    gift = Donation.objects.get(pk=paid_gift.pk)
    assert gift.status == Donation.Status.REFUNDED
    reversal = Posting.objects.get(donation=gift, kind=Posting.Kind.REVERSAL)
    assert (reversal.reason, reversal.created_by) == (REASON, user)
    assert fund_balance(fund).cash == Money(0, "VND")
    payment = CardPayment.objects.get(donation=gift)
    assert payment.status == CardPayment.Status.REFUNDED and not payment.refund_awaits_stripe
    assert StripeEvent.objects.get(stripe_id=evt["id"]).outcome == (
        f"Gift {gift.reference} refunded (₫500,000), as asked from the back office (refund re_recorded)."
    )
    assert ledger_problems().problems == []


def test_a_refund_event_that_overtakes_stripes_answer_still_leaves_the_request_recorded(
    recording, paid_gift, webhook_secret, fake_stripe
):
    """Stripe refunds, sends its event, and our call's answer arrives after the event did."""
    recording(during=lambda: post_event(Client(), refund_event(paid_gift, "pi_paid")))
    payment = card_payment_refund(donation=paid_gift, reason=REASON)

    assert Donation.objects.get(pk=paid_gift.pk).status == Donation.Status.REFUNDED
    payment.refresh_from_db()
    assert (payment.status, payment.stripe_refund_id) == (CardPayment.Status.REFUNDED, "re_recorded")
    # Refunded by the event before the request was stored: the reversal says Stripe refunded it.
    assert Posting.objects.get(kind=Posting.Kind.REVERSAL).reason == "Card payment refunded in Stripe"
    assert ledger_problems().problems == []


def test_check_ledger_reports_a_refund_stripe_has_not_confirmed_within_a_day(recording, paid_gift):
    recording()
    payment = card_payment_refund(donation=paid_gift, reason=REASON)
    assert ledger_problems().problems == []  # Stripe's event usually comes within seconds

    CardPayment.objects.filter(pk=payment.pk).update(refund_requested_at=timezone.now() - datetime.timedelta(days=2))
    problems = ledger_problems().problems
    assert len(problems) == 1
    assert f"A refund of gift {paid_gift.reference} was asked of Stripe" in problems[0]
    assert "(refund re_recorded) and Stripe has not confirmed it: the gift is still received" in problems[0]


# --- the back-office screen --------------------------------------------------------------------


def test_the_accountant_refunds_a_card_gift_from_the_gifts_listing(recording, paid_gift, accountant):
    client, user = accountant
    fake = recording()
    url = f"/admin/payments/card-payments/refund-gift/{paid_gift.pk}/"
    assert url in client.get("/admin/fund/gifts/").content.decode()
    assert url in client.get("/admin/payments/card-payments/").content.decode()
    # The gift's own Refund screen sends a card gift here.
    response = client.get(f"/admin/fund/gifts/refund/{paid_gift.pk}/")
    assert (response.status_code, response["Location"]) == (302, url)

    page = client.get(url).content.decode()
    assert paid_gift.reference in page and "pi_paid" in page and "when Stripe confirms the refund" in page
    response = client.post(url, {"reason": REASON}, follow=True)

    assert response.redirect_chain == [(f"/admin/fund/gifts/inspect/{paid_gift.pk}/", 302)]
    assert "Stripe was asked to refund gift" in response.content.decode()
    assert len(fake.calls) == 1
    assert CardPayment.objects.get(donation=paid_gift).refund_requested_by == user
    entry = ModelLogEntry.objects.get(object_id=str(paid_gift.pk), action="payments.card_refund_request")
    assert (entry.user, entry.data) == (user, {"refund": "re_recorded"})
    assert Donation.objects.get(pk=paid_gift.pk).status == Donation.Status.RECEIVED
    # Asked once: the screen now says so instead of offering the form again.
    response = client.get(url, follow=True)
    assert "already asked of Stripe (refund re_recorded)" in response.content.decode()
    assert "<textarea" not in response.content.decode()


def test_stripes_refusal_is_shown_on_the_form_and_nothing_is_written(recording, paid_gift, accountant):
    client, _user = accountant
    recording(error=STRIPE_REFUSALS[0])
    before = written()
    response = client.post(f"/admin/payments/card-payments/refund-gift/{paid_gift.pk}/", {"reason": REASON})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"Stripe refused to refund gift {paid_gift.reference}: Charge ch_paid has already been refunded. "
        "Nothing was changed here."
    ]
    assert written() == before
    assert not ModelLogEntry.objects.filter(object_id=str(paid_gift.pk)).exists()


def test_a_disputed_gift_is_not_offered_the_form(recording, fund, donor, now, accountant):
    client, _user = accountant
    gift = _disputed_card_gift(fund, donor, now)
    response = client.get(f"/admin/payments/card-payments/refund-gift/{gift.pk}/", follow=True)
    assert response.redirect_chain == [(f"/admin/fund/gifts/inspect/{gift.pk}/", 302)]
    assert "answer the dispute in Stripe" in response.content.decode()


def test_refunding_needs_both_the_gifts_and_the_card_payments_permission(recording, paid_gift, db):
    from django.contrib.auth.models import Permission

    fake = recording()
    roles_sync()
    auditor, _ = role_client("Auditor", "kiemtoan")  # sees card payments, changes no gift
    only_gifts, user = role_client("Fund manager", "quanly")
    user.user_permissions.add(Permission.objects.get(codename="change_donation"))  # but no card payments
    url = f"/admin/payments/card-payments/refund-gift/{paid_gift.pk}/"
    for client in (auditor, only_gifts):
        response = client.post(url, {"reason": REASON})
        assert (response.status_code, response["Location"]) == (302, "/admin/")  # Wagtail's refusal
        assert url not in client.get("/admin/fund/gifts/").content.decode()
    # The gift's Refund screen does not refund a card gift here for someone who may not ask Stripe.
    response = only_gifts.post(f"/admin/fund/gifts/refund/{paid_gift.pk}/", {"reason": REASON}, follow=True)
    assert "its money goes back through Stripe" in response.content.decode()
    assert fake.calls == [] and Donation.objects.get(pk=paid_gift.pk).status == Donation.Status.RECEIVED


# --- end to end against localstripe ------------------------------------------------------------


def test_pay_by_card_refund_from_the_admin_then_stripes_event_refunds_the_gift(
    localstripe, card_gift, fund, client, django_capture_on_commit_callbacks
):
    from receipts.models import Receipt

    roles_sync()
    finance, user = role_client("Fund accountant", "ketoan_e2e")
    start = card_payment_start(donation=card_gift)
    localstripe.pay(start.payment_intent_id)
    (paid,) = localstripe.events("payment_intent.succeeded")
    body = json.dumps(paid).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, body, signature=sign(body, LOCALSTRIPE_WEBHOOK_SECRET, paid["created"]))
    assert response.status_code == 200
    assert Receipt.objects.get(donation=card_gift).status == Receipt.Status.VALID

    response = finance.post(f"/admin/payments/card-payments/refund-gift/{card_gift.pk}/", {"reason": REASON})
    assert response.status_code == 302, response.content.decode()[-2000:]
    payment = CardPayment.objects.get(donation=card_gift)
    assert payment.stripe_refund_id.startswith("re_") and payment.refund_requested_by == user
    refund = stripe_client().v1.refunds.retrieve(payment.stripe_refund_id)
    assert (refund.amount, refund.currency, refund.payment_intent) == (500000, "vnd", start.payment_intent_id)
    assert Donation.objects.get(pk=card_gift.pk).status == Donation.Status.RECEIVED  # until Stripe confirms

    # localstripe sends no charge events: deliver charge.refunded as Stripe sends it, around
    # localstripe's own (refunded) charge.
    latest = stripe_client().v1.payment_intents.retrieve(start.payment_intent_id).to_dict()["latest_charge"]
    refunded_charge = stripe_client().v1.charges.retrieve(latest["id"] if isinstance(latest, dict) else latest)
    refunded_charge = refunded_charge.to_dict()
    assert refunded_charge["refunded"] is True and refunded_charge["amount_refunded"] == 500000
    refunded_event = shapes.event("charge.refunded", refunded_charge, shapes.PINNED)
    body = json.dumps(refunded_event).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, body, signature=sign(body, LOCALSTRIPE_WEBHOOK_SECRET))
    assert response.status_code == 200

    gift = Donation.objects.get(pk=card_gift.pk)
    assert gift.status == Donation.Status.REFUNDED
    reversal = Posting.objects.get(donation=gift, kind=Posting.Kind.REVERSAL)
    assert reversal.reverses == Posting.objects.get(donation=gift, kind=Posting.Kind.DONATION_RECEIVED)
    assert (reversal.reason, reversal.created_by) == (REASON, user)
    assert fund_balance(fund).cash == Money(0, "VND")
    assert Receipt.objects.get(donation=gift).status == Receipt.Status.VOID
    assert CardPayment.objects.get(donation=gift).status == CardPayment.Status.REFUNDED
    assert "as asked from the back office" in StripeEvent.objects.get(stripe_id=refunded_event["id"]).outcome
    assert ledger_problems().problems == []
