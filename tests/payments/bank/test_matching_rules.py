"""Who a transfer matched by amount may pay, and what a transfer reported twice may receive:
lines naming a gift first, the sender compared with the donor, repeats held back."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from djmoney.money import Money

from fund.models import Donation, Posting
from fund.selectors import fund_balance, ledger_problems
from fund.services import donation_record
from payments.models import BankTransaction
from payments.services.bank_import import bank_statement_import

from .conftest import days_ago, earlier_today, notification, signed_headers, statement_csv, vn_date

STRANGER = ["NGUYEN VAN B / UNG HO DONG BAO LU LUT 500.000", "NGUYEN VAN B"]


def line_with(text: str) -> BankTransaction:
    return BankTransaction.objects.get(description__icontains=text)


def test_a_strangers_transfer_listed_first_does_not_take_the_pledge_its_donor_pays_by_reference(pledge):
    gift = pledge("500000")
    day = vn_date(days_ago(1))
    rows = [[day, "500.000", "", *STRANGER], [day, "500.000", "", f"UNG HO {gift.reference}", "TRAN THI DEMO"]]

    statement = bank_statement_import(content=statement_csv(rows))

    assert (statement.new_count, statement.matched_count, statement.review_count) == (2, 1, 1)
    own = line_with(gift.reference)
    assert (own.status, own.reason, own.donation_id) == ("matched", "by reference", gift.pk)
    stranger = line_with("DONG BAO LU LUT")
    assert (stranger.status, stranger.donation_id) == ("review", None)
    assert Posting.objects.count() == 1
    assert ledger_problems().problems == []


def test_a_strangers_transfer_waits_for_review_naming_the_pledge_it_fits(pledge):
    gift = pledge("500000")
    bank_statement_import(content=statement_csv([[vn_date(days_ago(1)), "500.000", "", *STRANGER]]))

    stranger = line_with("DONG BAO LU LUT")
    assert stranger.status == "review"
    assert f"amount and date fit gift {gift.reference}, but the sender does not look like its donor" in (
        stranger.reason
    )
    assert Donation.objects.get(pk=gift.pk).status == "pledged"

    # The donor's own transfer, on the next statement, still pays the pledge.
    bank_statement_import(content=statement_csv([[vn_date(days_ago(0)), "500.000", "", gift.reference, "X"]]))
    assert line_with(gift.reference).status == "matched"
    assert Posting.objects.count() == 1


@pytest.mark.parametrize(
    ("description", "counterparty", "status"),
    [
        pytest.param("TRAN THI DEMO CHUYEN TIEN", "", "matched", id="name-in-the-note"),
        pytest.param("chuyen tien ung ho", "DEMO TRẦN THỊ", "matched", id="sender-in-any-order"),
        pytest.param("Ủng hộ quỹ", "tran-thi-demo", "matched", id="sender-with-dashes"),
        pytest.param("CHUYEN TIEN UNG HO", "TRAN THI DEM", "review", id="another-name"),
        pytest.param("TRAN THI CHUYEN TIEN", "", "review", id="part-of-the-name"),
    ],
)
def test_a_line_without_reference_is_received_by_amount_only_from_its_donor(pledge, description, counterparty, status):
    gift = pledge("500000")  # by Trần Thị Demo
    bank_statement_import(content=statement_csv([[vn_date(days_ago(1)), "500.000", "", description, counterparty]]))

    line = BankTransaction.objects.get()
    assert line.status == status, line.reason
    if status == "matched":
        assert (line.reason, line.donation_id) == ("by amount and date", gift.pk)
    else:
        assert f"fit gift {gift.reference}, but the sender does not look like its donor" in line.reason
        assert Posting.objects.count() == 0


@pytest.mark.parametrize(
    ("description", "counterparty", "status"),
    [
        pytest.param("UNG HO QUY TRE EM", "CONG TY TNHH VI DU", "matched", id="company-name"),
        pytest.param("MST 0101234565 UNG HO", "CTY VIDU", "matched", id="tax-code"),
        pytest.param("UNG HO QUY TRE EM", "NGUYEN VAN KE TOAN", "matched", id="payer"),
        pytest.param("UNG HO 01012345658", "CTY VIDU", "review", id="longer-number"),
    ],
)
def test_an_organisations_gift_matches_by_its_name_tax_code_or_payer(
    fund, organisation, description, counterparty, status
):
    from donors.services import donor_create

    payer = donor_create(kind="person", name="Nguyễn Văn Kế Toán")
    donation_record(
        fund=fund,
        donor=organisation,
        payer=payer,
        kind="cash",
        channel="bank_transfer",
        amount="2000000",
        pledged_at=timezone.now() - datetime.timedelta(days=2),
    )
    bank_statement_import(content=statement_csv([[vn_date(days_ago(1)), "2.000.000", "", description, counterparty]]))
    assert BankTransaction.objects.get().status == status


def test_a_notified_transfer_listed_again_without_its_id_is_held_as_a_repeat(pledge, fund, webhook_secret):
    first = pledge("500000", days=3)
    booked_at = earlier_today()
    body = notification(
        {
            "id": "FT26112300077",
            "booked_at": booked_at.isoformat(),
            "amount": "500000",
            "currency": "VND",
            "description": "TRAN THI DEMO CHUYEN TIEN",
            "counterparty": "TRAN THI DEMO",
        }
    )
    response = Client().post("/payments/bank/webhook/", body, content_type="application/json", **signed_headers(body))
    assert response.json()["matched"] == 1
    notified = BankTransaction.objects.get()
    assert notified.donation_id == first.pk
    second = pledge("500000", days=0)  # the donor pledges the same sum again

    # The evening's statement, exported with a preset that has no transaction id column.
    content = statement_csv([[vn_date(booked_at.date()), "500.000", "", "Tran Thi Demo chuyen tien", "TRAN THI DEMO"]])
    statement = bank_statement_import(filename="sao-ke.csv", content=content)

    assert (statement.new_count, statement.matched_count, statement.review_count) == (1, 0, 1)
    listed = BankTransaction.objects.get(statement=statement)
    assert listed.status == "review"
    assert listed.reason.startswith(f"Looks like a repeat of line {notified.pk} (bank notification of ")
    assert f"matched to gift {first.reference}" in listed.reason
    assert Donation.objects.get(pk=second.pk).status == "pledged"
    assert Donation.objects.filter(status="received").count() == 1
    assert fund_balance(fund).received == Money(500_000, "VND")
    assert ledger_problems().problems == []


def test_a_repeat_of_a_gift_paid_by_reference_says_so(pledge, webhook_secret):
    gift = pledge("500000")
    booked_at = earlier_today()
    item = {
        "id": "FT26112300078",
        "booked_at": booked_at.isoformat(),
        "amount": "500000",
        "currency": "VND",
        "description": f"UNG HO {gift.reference}",
        "counterparty": "NGUYEN VAN A",
    }
    body = notification(item)
    Client().post("/payments/bank/webhook/", body, content_type="application/json", **signed_headers(body))
    # The next day's statement books it a day later, and has no sender column.
    header = ["Ngày giao dịch", "Số tiền ghi có", "Số tiền ghi nợ", "Nội dung"]
    day = vn_date(booked_at.date() + datetime.timedelta(days=1))
    bank_statement_import(content=statement_csv([[day, "500.000", "", f"ung ho {gift.reference}"]], header=header))

    listed = BankTransaction.objects.get(statement__source="file")
    assert (listed.status, listed.donation_id) == ("review", None)
    assert "Looks like a repeat of line" in listed.reason
    assert Posting.objects.count() == 1


def test_two_transfers_the_bank_numbered_differently_are_not_repeats(pledge, webhook_secret):
    """The same donor sends the same sum with the same note twice in a day: two gifts."""
    booked_at = earlier_today()
    gifts = []
    for number in range(2):
        gifts.append(pledge("500000", days=0))
        body = notification(
            {
                "id": f"FT2611230009{number}",
                "booked_at": booked_at.isoformat(),
                "amount": "500000",
                "currency": "VND",
                "description": "TRAN THI DEMO CHUYEN TIEN",
                "counterparty": "TRAN THI DEMO",
            }
        )
        Client().post("/payments/bank/webhook/", body, content_type="application/json", **signed_headers(body))
    lines = BankTransaction.objects.order_by("pk")
    assert [(line.status, line.donation_id) for line in lines] == [("matched", gift.pk) for gift in gifts]
