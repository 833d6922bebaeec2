"""Cash batches: entered against a control count and total, posted once, and only when they match
or when someone who entered none of it overrides with a reason. Until posted nothing is in the
ledger; posting records each gift received in cash through fund's services, receipts follow.
Bad input (another currency, a negative amount, an empty batch, a self-override) writes nothing."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.utils import timezone, translation
from djmoney.money import Money
from hordak.models import Leg, Transaction
from wagtail.models import ModelLogEntry

from audit.models import AuditEntry
from fund.errors import FundError
from fund.models import Donation, Posting
from fund.selectors import fund_balances
from fund.services import campaign_close, campaign_create
from payments.models import Batch, BatchLine
from payments.services.batches import (
    ANONYMOUS_DONOR_NAME,
    batch_line_add,
    batch_line_remove,
    batch_open,
    batch_post,
)
from receipts.models import Receipt, ReceiptDelivery
from staff.services import roles_sync

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def accountant(username: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "pw")
    user.groups.add(Group.objects.get(name="Fund accountant"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def people(db):
    roles_sync()
    return {"clerk": accountant("clerk"), "checker": accountant("checker")}


@pytest.fixture
def clerk(people):
    return people["clerk"]


@pytest.fixture
def checker(people):
    return people["checker"]


def open_batch(fund, actor, *, count=3, total="600000", **extra):
    return batch_open(
        fund=fund,
        event_name="Hội chợ Trung thu",
        collected_on=timezone.localdate() - datetime.timedelta(days=1),
        expected_count=count,
        expected_total=total,
        actor=actor,
        **extra,
    )


def counts() -> dict[str, int]:
    return {
        "batches": Batch.objects.count(),
        "lines": BatchLine.objects.count(),
        "donations": Donation.objects.count(),
        "postings": Posting.objects.count(),
        "transactions": Transaction.objects.count(),
        "legs": Leg.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_a_matching_batch_posts_each_gift_received_in_cash_with_receipts(
    fund, donor, clerk, django_capture_on_commit_callbacks
):
    campaign = campaign_create(fund=fund, name="Trung thu 2026", slug="trung-thu-2026", starts_on=timezone.localdate())
    batch = open_batch(fund, clerk, campaign=campaign)
    batch_line_add(batch=batch, donor=donor, amount="200000", receipt_wanted=True, actor=clerk)
    batch_line_add(batch=batch, amount="300000", actor=clerk)
    batch_line_add(batch=batch, amount="100000", actor=clerk)
    assert Donation.objects.count() == 0 and Posting.objects.count() == 0  # nothing before posting
    assert fund_balances([fund])[fund.pk].cash == Money(0, "VND")

    with django_capture_on_commit_callbacks(execute=True):
        batch_post(batch=batch, actor=clerk)  # it matches: the person who entered it may post it

    batch.refresh_from_db()
    assert batch.status == "posted" and batch.posted_by == clerk and batch.override_reason == ""
    gifts = Donation.objects.order_by("pk")
    assert [(g.status, g.channel, g.kind, g.amount.amount) for g in gifts] == [
        ("received", "cash", "cash", Decimal("200000")),
        ("received", "cash", "cash", Decimal("300000")),
        ("received", "cash", "cash", Decimal("100000")),
    ]
    assert all(g.campaign == campaign and timezone.localdate(g.received_at) == batch.collected_on for g in gifts)
    assert [line.donation for line in batch.lines.order_by("pk")] == list(gifts)
    # Anonymous gifts go to one record, never named publicly, never emailed.
    anonymous = gifts[1].donor
    assert anonymous.name == ANONYMOUS_DONOR_NAME and gifts[2].donor == anonymous
    assert gifts[1].is_anonymous and not gifts[1].receipt_by_email
    assert gifts[0].donor == donor and gifts[0].receipt_by_email
    assert Posting.objects.filter(kind=Posting.Kind.DONATION_RECEIVED).count() == 3
    assert fund_balances([fund])[fund.pk].cash == Money(600000, "VND")
    # Receipts follow as for any received gift; only the gift whose receipt was wanted is emailed.
    assert Receipt.objects.filter(donation__in=gifts).count() == 3
    assert list(ReceiptDelivery.objects.values_list("receipt__donation", flat=True)) == [gifts[0].pk]
    assert AuditEntry.objects.filter(action="batch.post").count() == 1


def test_posting_twice_is_refused_and_writes_nothing(fund, clerk):
    batch = open_batch(fund, clerk, count=1, total="50000")
    batch_line_add(batch=batch, amount="50000", actor=clerk)
    batch_post(batch=batch, actor=clerk)
    before = counts()
    with pytest.raises(FundError, match="already posted"):
        batch_post(batch=batch, actor=clerk)
    with pytest.raises(FundError, match="already posted"):
        batch_line_add(batch=batch, amount="10000", actor=clerk)
    assert counts() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_posting_at_once_post_it_once(fund, people, restore_migrated_rows_after_flush):
    clerk, checker = people["clerk"], people["checker"]
    batch = open_batch(fund, clerk, count=2, total="300000")
    batch_line_add(batch=batch, amount="100000", actor=clerk)
    batch_line_add(batch=batch, amount="200000", actor=clerk)
    barrier, outcomes = threading.Barrier(2), []

    def post(actor):
        try:
            barrier.wait()
            with translation.override("en"):  # the language is per thread
                batch_post(batch=batch, actor=actor)
            outcomes.append("posted")
        except FundError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(user,)) for user in (clerk, checker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "posted" and "already posted" in sorted(outcomes)[0]
    assert Donation.objects.count() == 2 and Posting.objects.count() == 2


def test_a_mismatch_is_refused_without_an_override(fund, clerk):
    batch = open_batch(fund, clerk, count=2, total="300000")
    batch_line_add(batch=batch, amount="100000", actor=clerk)
    batch_line_add(batch=batch, amount="150000", actor=clerk)
    before = counts()
    with pytest.raises(FundError, match="2 gifts totalling 250,000 ₫; the batch expects 2 totalling 300,000 ₫"):
        batch_post(batch=batch, actor=clerk)
    assert counts() == before and Batch.objects.get().status == "open"


def test_the_person_who_entered_it_cannot_override_a_mismatch(fund, people):
    clerk, checker = people["clerk"], people["checker"]
    batch = open_batch(fund, clerk, count=2, total="300000")
    batch_line_add(batch=batch, amount="100000", actor=clerk)
    batch_line_add(batch=batch, amount="150000", actor=checker)  # the checker entered a line too
    before = counts()
    for actor in (clerk, checker):
        with pytest.raises(FundError, match="someone else must override"):
            batch_post(batch=batch, override_reason="One note was torn", actor=actor)
    assert counts() == before


def test_a_second_accountant_overrides_a_mismatch_with_a_reason(fund, people):
    clerk, checker = people["clerk"], people["checker"]
    batch = open_batch(fund, clerk, count=3, total="300000")
    batch_line_add(batch=batch, amount="100000", actor=clerk)
    batch_line_add(batch=batch, amount="150000", actor=clerk)
    batch_post(batch=batch, override_reason="Counted again: one envelope was empty", actor=checker)
    batch.refresh_from_db()
    assert batch.status == "posted" and batch.posted_by == checker
    assert batch.override_reason == "Counted again: one envelope was empty"
    assert fund_balances([fund])[fund.pk].cash == Money(250000, "VND")
    entry = AuditEntry.objects.get(action="batch.post")
    assert entry.data["override"] is True


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (Money(Decimal("20"), "USD"), "Fund CPF takes VND; this amount is in USD"),
        ("-50000", "greater than zero"),
        ("0", "greater than zero"),
        ("10.5", "decimal places"),
    ],
)
def test_a_bad_line_is_refused_and_writes_nothing(fund, clerk, amount, words):
    batch = open_batch(fund, clerk)
    before = counts()
    with pytest.raises(FundError, match=words) as refused:
        batch_line_add(batch=batch, amount=amount, actor=clerk)
    assert "amount" in refused.value.message_dict
    assert counts() == before


def test_an_anonymous_gift_cannot_ask_for_an_emailed_receipt(fund, clerk):
    batch = open_batch(fund, clerk)
    before = counts()
    with pytest.raises(FundError, match="nobody to email"):
        batch_line_add(batch=batch, amount="10000", receipt_wanted=True, actor=clerk)
    assert counts() == before


def test_an_empty_batch_cannot_post(fund, clerk, checker):
    batch = open_batch(fund, clerk)
    before = counts()
    with pytest.raises(FundError, match="no gifts entered"):
        batch_post(batch=batch, override_reason="Nothing collected", actor=checker)
    assert counts() == before


def test_a_removed_line_is_not_posted(fund, clerk):
    batch = open_batch(fund, clerk, count=1, total="100000")
    wrong = batch_line_add(batch=batch, amount="1000000", actor=clerk)
    batch_line_add(batch=batch, amount="100000", actor=clerk)
    batch_line_remove(line=wrong, actor=clerk)
    batch_post(batch=batch, actor=clerk)
    assert [g.amount.amount for g in Donation.objects.all()] == [Decimal("100000")]


def test_a_batch_for_a_closed_campaign_or_a_future_day_is_refused(fund, clerk):
    campaign = campaign_create(fund=fund, name="Tết 2026", slug="tet-2026", starts_on=timezone.localdate())
    campaign_close(campaign=campaign)
    before = counts()
    with pytest.raises(FundError, match="closed"):
        open_batch(fund, clerk, campaign=campaign)
    with pytest.raises(FundError, match="not a day still to come"):
        batch_open(
            fund=fund,
            event_name="Tomorrow",
            collected_on=timezone.localdate() + datetime.timedelta(days=1),
            expected_count=1,
            expected_total="1000",
            actor=clerk,
        )
    assert counts() == before


def test_a_batch_whose_campaign_closed_before_posting_is_refused(fund, clerk):
    campaign = campaign_create(fund=fund, name="Hè 2026", slug="he-2026", starts_on=timezone.localdate())
    batch = open_batch(fund, clerk, count=1, total="10000", campaign=campaign)
    batch_line_add(batch=batch, amount="10000", actor=clerk)
    campaign_close(campaign=campaign)
    before = counts()
    with pytest.raises(FundError, match="closed"):
        batch_post(batch=batch, actor=clerk)
    assert counts() == before


# --- The screens -----------------------------------------------------------------------------


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_enter_and_post_a_batch_through_the_screens(fund, donor, people):
    clerk, checker = client_for(people["clerk"]), client_for(people["checker"])
    response = clerk.post(
        "/admin/payments/cash-batches/open/",
        {
            "fund": fund.pk,
            "event_name": "Ngày hội",
            "collected_on": timezone.localdate().isoformat(),
            "expected_count": "2",
            "expected_total": "300000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = Batch.objects.get()
    add_url = f"/admin/payments/cash-batches/enter/{batch.pk}/"
    assert clerk.post(add_url, {"donor": donor.pk, "amount": "100000", "receipt_wanted": "on"}).status_code == 302
    assert clerk.post(add_url, {"donor": "", "amount": "150000"}).status_code == 302

    # A refusal is shown on the form, beside the amount, and nothing is written.
    response = clerk.post(add_url, {"donor": "", "amount": "-5"})
    assert response.status_code == 200 and response.context["form"].errors["amount"]
    assert BatchLine.objects.count() == 2

    inspect = clerk.get(f"/admin/payments/cash-batches/inspect/{batch.pk}/").content.decode()
    assert "data-batch-mismatch" in inspect and f"/admin/payments/cash-batches/post/{batch.pk}/" in inspect

    post_url = f"/admin/payments/cash-batches/post/{batch.pk}/"
    # The admin speaks Vietnamese: the refusals read as the service words them, in Vietnamese.
    response = clerk.post(post_url, {"override_reason": ""})
    assert response.status_code == 200 and "300.000 ₫" in str(response.context["form"].non_field_errors())
    response = clerk.post(post_url, {"override_reason": "I counted wrong"})
    assert response.context["form"].errors["override_reason"]
    assert Donation.objects.count() == 0

    response = checker.post(post_url, {"override_reason": "Recounted: 250.000 ₫"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "posted" and Donation.objects.filter(status="received").count() == 2
    history = sorted(ModelLogEntry.objects.filter(object_id=str(batch.pk)).values_list("action", flat=True))
    assert history == [
        "payments.batch_line_add",
        "payments.batch_line_add",
        "payments.batch_open",
        "payments.batch_post",
    ]
    # Posted: no more lines, no second post.
    assert clerk.post(add_url, {"amount": "1000"}).status_code == 200
    assert BatchLine.objects.count() == 2


def test_a_fund_manager_and_an_auditor_cannot_enter_or_post(fund, people):
    batch = open_batch(fund, people["clerk"], count=1, total="1000")
    for role in ("Fund manager", "Auditor"):
        user = User.objects.create_user(role.replace(" ", ""), "r@example.org", "pw")
        user.groups.add(Group.objects.get(name=role))
        client = client_for(user)
        for url in (
            "/admin/payments/cash-batches/open/",
            f"/admin/payments/cash-batches/enter/{batch.pk}/",
            f"/admin/payments/cash-batches/post/{batch.pk}/",
        ):
            response = client.post(url, {"amount": "1000"})
            assert response.status_code in (302, 403) and response.get("Location", "/admin/") == "/admin/", (role, url)
    assert BatchLine.objects.count() == 0 and Batch.objects.get().status == "open"
