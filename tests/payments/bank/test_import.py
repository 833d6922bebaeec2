"""Importing a statement: each kind of line ends where the accountant expects, and importing the
same file again (or an overlapping export) changes nothing."""

import datetime

import pytest
from django.utils import timezone
from djmoney.money import Money

from audit.models import AuditEntry
from fund.models import Donation, Posting
from fund.selectors import ledger_problems
from fund.services import donation_receive, donation_record
from payments.bank_statements import StatementLine, line_fingerprints
from payments.models import BankTransaction
from payments.services.bank_import import bank_statement_import, received_moment, references_in

from .conftest import days_ago, statement_csv, table_counts, vn_date


def spaced(reference: str) -> str:
    """A reference as a banking app mangles it: lower case, a space and a dash inside."""
    return f"{reference[:2]} {reference[2:6]}-{reference[6:]}".lower()


@pytest.fixture
def scenario(pledge, fund, donor):
    """Pledges of every kind, and the statement lines that pay (or do not pay) them."""
    day = vn_date(days_ago(1))
    gifts = {
        "exact": pledge("500000"),
        "partial": pledge("1000000"),
        "larger": pledge("300000"),
        "messy": pledge("200000", channel="card"),  # abandoned at the card step, paid by transfer
        "by_amount": pledge("777000"),
        "stranger": pledge("666000"),
        "ambiguous_1": pledge("250000"),
        "ambiguous_2": pledge("250000"),
        "twice": pledge("100000"),
        "received": donation_record(
            fund=fund,
            donor=donor,
            kind="cash",
            channel="bank_transfer",
            amount="400000",
            received_at=timezone.now() - datetime.timedelta(days=6),
        ),
        "goods": donation_record(
            fund=fund,
            donor=donor,
            kind="in_kind",
            channel="in_kind_delivery",
            lines=[{"description": "Rice", "quantity": "10", "unit": "kg", "fair_value": "350000"}],
        ),
        "old": pledge("888000", days=40),  # outside the 14-day window for matching by amount
    }
    ref = {name: gift.reference for name, gift in gifts.items()}
    rows = [
        [day, "500.000", "", f"UNG HO {ref['exact']} NGUYEN VAN A", "NGUYEN VAN A"],
        [day, "600.000", "", f"{ref['partial']} dot 1", "TRAN THI B"],
        [day, "450.000", "", f"ung ho {ref['larger']}", "LE VAN C"],
        [day, "200.000", "", f"MBVCB.123456.{spaced(ref['messy'])}.UNG HO TRE EM", "PHAM D"],
        [day, "777.000", "", "chuyen tien ung ho quy tre em", "TRẦN THỊ DEMO"],
        [day, "666.000", "", "ung ho quy tre em", "HOANG E"],  # the amount fits a pledge, the sender does not
        [day, "250.000", "", "ung ho", "VU F"],
        # The same transfer twice on one day: two real transfers, both kept.
        [day, "100.000", "", f"{ref['twice']} ung ho", "DO G"],
        [day, "100.000", "", f"{ref['twice']} ung ho", "DO G"],
        [day, "400.000", "", f"CK {ref['received']}", "NGO H"],
        [day, "350.000", "", f"hang {ref['goods']}", "DANG I"],
        [day, "888.000", "", "ung ho", "BUI K"],
        [day, "123.000", "", "LAI TIEN GUI THANG 11", ""],
        [day, "", "2.000.000", "CHI MUA SUA", "CONG TY SUA"],  # money out: skipped
        [day, "0", "", "PHI DUY TRI", ""],  # nothing: skipped
        ["", "5.653.000", "2.000.000", "Tổng cộng", ""],  # the total under the table
    ]
    return gifts, statement_csv(rows)


EXPECTED = {
    # gift name -> (the line's counterparty, line status, words in the reason, gift status afterwards)
    "exact": ("NGUYEN VAN A", "matched", "by reference", "received"),
    "partial": ("TRAN THI B", "review", "pledged 1,000,000 ₫, received 600,000 ₫ (less than pledged)", "pledged"),
    "larger": ("LE VAN C", "review", "pledged 300,000 ₫, received 450,000 ₫ (more than pledged)", "pledged"),
    "messy": ("PHAM D", "matched", "by reference", "received"),
    "by_amount": ("TRẦN THỊ DEMO", "matched", "by amount and date", "received"),
    "stranger": ("HOANG E", "review", "but the sender does not look like its donor", "pledged"),
    "received": ("NGO H", "review", "already received", "received"),
    "goods": ("DANG I", "review", "goods, not money", "pledged"),
}


def test_statement_lines_end_where_expected_and_a_second_import_adds_nothing(scenario, user):
    gifts, content = scenario
    before = table_counts()

    statement = bank_statement_import(filename="sao-ke.csv", content=content, actor=user)

    assert (statement.line_count, statement.new_count) == (13, 13)
    assert (statement.matched_count, statement.review_count) == (4, 9)
    assert statement.imported_by == user
    for name, (counterparty, status, reason, gift_status) in EXPECTED.items():
        gift = Donation.objects.get(pk=gifts[name].pk)
        line = BankTransaction.objects.get(counterparty=counterparty)
        assert (line.status, gift.status) == (status, gift_status), (name, line.reason)
        assert reason in line.reason, (name, line.reason)
        if status == "matched":
            assert line.donation == gift
            assert gift.channel == "bank_transfer"
            assert gift.amount == line.amount
            assert timezone.localdate(gift.received_at) == days_ago(1)
    twice = list(BankTransaction.objects.filter(description__icontains=gifts["twice"].reference).order_by("pk"))
    assert [line.status for line in twice] == ["matched", "review"]
    assert "already received" in twice[1].reason
    ambiguous = BankTransaction.objects.get(counterparty="VU F")
    assert ambiguous.status == "review"
    assert "2 bank-transfer pledges of 250,000 ₫" in ambiguous.reason
    old = BankTransaction.objects.get(counterparty="BUI K")
    assert (old.status, Donation.objects.get(pk=gifts["old"].pk).status) == ("review", "pledged")
    assert "no bank-transfer pledge of 888,000 ₫ in the 14 days before" in old.reason
    interest = BankTransaction.objects.get(description__startswith="LAI TIEN GUI")
    assert interest.status == "review"
    assert not BankTransaction.objects.filter(description__in=["CHI MUA SUA", "PHI DUY TRI", "Tổng cộng"]).exists()

    after = table_counts()
    assert after["lines"] == before["lines"] + 13
    assert after["postings"] == before["postings"] + 4  # one receipt per matched gift, nothing else
    entry = AuditEntry.objects.get(action="bank_statement.import", object_id=str(statement.pk))
    assert entry.data["skipped_outgoing"] == 1
    assert entry.data["skipped_zero"] == 1
    assert entry.data["skipped_undated"] == 1
    # Every line that names a gift or has a pledge of its amount is decided in its own audited step;
    # the two that have neither (interest, the old pledge's sum) are settled with the import.
    assert AuditEntry.objects.filter(action="bank_transaction.match").count() == 11
    assert ledger_problems().problems == []

    statuses = dict(Donation.objects.values_list("pk", "status"))
    lines = list(BankTransaction.objects.order_by("pk").values_list("pk", "status", "reason", "donation_id"))
    middle = table_counts()

    again = bank_statement_import(filename="sao-ke.csv", content=content, actor=user)

    assert (again.line_count, again.new_count, again.matched_count, again.review_count) == (13, 0, 0, 0)
    assert again.sha256 == statement.sha256
    after_again = table_counts()
    assert after_again == middle | {"statements": middle["statements"] + 1, "audit": middle["audit"] + 1}
    assert dict(Donation.objects.values_list("pk", "status")) == statuses
    assert list(BankTransaction.objects.order_by("pk").values_list("pk", "status", "reason", "donation_id")) == lines
    assert ledger_problems().problems == []


def test_an_overlapping_export_adds_only_the_lines_not_seen(pledge, user):
    first_gift, second_gift = pledge("500000"), pledge("600000")
    day1, day2 = vn_date(days_ago(2)), vn_date(days_ago(1))
    week = [
        [day1, "500.000", "", f"ung ho {first_gift.reference}", "A"],
        [day1, "50.000", "", "ung ho", "B"],
        [day1, "50.000", "", "ung ho", "B"],
    ]
    bank_statement_import(content=statement_csv(week), actor=user)
    overlapping = week[1:] + [[day2, "600.000", "", f"ung ho {second_gift.reference}", "C"]]

    statement = bank_statement_import(content=statement_csv(overlapping, preamble=False), actor=user)

    assert (statement.line_count, statement.new_count, statement.matched_count) == (3, 1, 1)
    assert BankTransaction.objects.count() == 4
    assert BankTransaction.objects.filter(counterparty="B").count() == 2
    assert Posting.objects.count() == 2
    assert Donation.objects.get(pk=second_gift.pk).status == "received"


def test_bank_transaction_ids_are_the_fingerprint_when_mapped(pledge):
    gift = pledge("500000")
    header = ["Date", "Transaction ID", "Credit", "Debit", "Description", "Counterparty"]
    day = days_ago(1).isoformat()
    rows = [
        [day, "FT2611230001", "500,000", "", f"Donation {gift.reference}", "A"],
        [day, "FT2611230002", "500,000", "", "Donation", "A"],
    ]
    statement = bank_statement_import(content=statement_csv(rows, header=header, preamble=False), mapping="generic")
    assert statement.new_count == 2
    lines = list(BankTransaction.objects.order_by("pk"))
    assert [line.bank_reference for line in lines] == ["FT2611230001", "FT2611230002"]
    assert lines[0].status == "matched"
    # The same transfers exported again, with the note shortened by another channel: same ids.
    rows[0][4] = "Donation"
    again = bank_statement_import(content=statement_csv(rows, header=header, preamble=False))
    assert again.new_count == 0


def test_fingerprints_count_identical_lines_within_one_file():
    line = StatementLine(row=5, booked_on=datetime.date(2026, 11, 2), amount=Money(100_000, "VND"), description="x")
    same_text_other_case = StatementLine(
        row=9, booked_on=datetime.date(2026, 11, 2), amount=Money(100_000, "VND"), description="  X "
    )
    first, second = line_fingerprints([line, same_text_other_case])
    assert first != second  # the second identical line is a second transfer
    assert line_fingerprints([line]) == [first]
    assert line_fingerprints([same_text_other_case, line]) == [first, second]
    assert all(len(key) == 64 for key in (first, second))


@pytest.mark.parametrize(
    ("description", "found"),
    [
        ("UNG HO CT7K3M9QXA NGUYEN VAN A", ["CT7K3M9QXA"]),
        ("ct 7k3m-9qxa", ["CT7K3M9QXA"]),
        ("MBVCB.123.CT7K.3M9Q.XA.ung ho", ["CT7K3M9QXA"]),
        ("UNGHOCT7K3M9QXANGUYENVANA", ["CT7K3M9QXA"]),
        ("Ủng hộ quỹ CT7K3M9QXA", ["CT7K3M9QXA"]),
        ("no code here", []),
        ("CT7K3M9Q0A", []),  # 0 is not in the alphabet
    ],
)
def test_references_are_found_in_messy_notes(description, found):
    assert [code for code in references_in(description) if code == "CT7K3M9QXA"] == found


def test_received_moment_is_noon_on_the_booking_day_but_never_before_the_pledge_or_in_the_future():
    yesterday = days_ago(1)
    noon = received_moment(yesterday)
    assert timezone.localtime(noon).hour == 12
    assert timezone.localdate(noon) == yesterday
    later_pledge = timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(15)))
    assert received_moment(yesterday, pledged_at=later_pledge) == later_pledge
    assert received_moment(timezone.localdate() + datetime.timedelta(days=1)) <= timezone.now()


def test_goods_pledges_never_match_by_amount(fund, donor):
    donation_record(
        fund=fund,
        donor=donor,
        kind="in_kind",
        channel="in_kind_delivery",
        lines=[{"description": "Rice", "quantity": "10", "unit": "kg", "fair_value": "350000"}],
    )
    statement = bank_statement_import(content=statement_csv([[vn_date(days_ago(0)), "350.000", "", "gao", "X"]]))
    assert statement.matched_count == 0
    assert Posting.objects.count() == 0


def test_a_pledge_received_meanwhile_by_another_way_is_not_received_again(pledge):
    gift = pledge("500000")
    donation_receive(donation=gift, channel="cash")
    bank_statement_import(content=statement_csv([[vn_date(days_ago(0)), "500.000", "", gift.reference, "X"]]))
    line = BankTransaction.objects.get()
    assert line.status == "review"
    assert Posting.objects.filter(donation=gift).count() == 1


def test_usd_pledge_does_not_match_a_vnd_transfer(pledge, usd_fund, donor):
    gift = donation_record(fund=usd_fund, donor=donor, kind="cash", channel="bank_transfer", amount="20")
    bank_statement_import(content=statement_csv([[vn_date(days_ago(0)), "20", "", gift.reference, "X"]]))
    line = BankTransaction.objects.get()
    assert (line.status, line.reason) == ("review", f"Gift {gift.reference} is in USD; this transfer is in VND.")
