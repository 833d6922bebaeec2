"""Shared builders for the bank-transfer tests: pledges, statement files, signed notifications."""

import csv
import datetime
import io
import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from hordak.models import Leg, Transaction

from audit.models import AuditEntry
from fund.models import Donation, Posting
from fund.services import donation_record, fund_create
from payments.bank_webhook import signature_for
from payments.models import BankStatement, BankTransaction

HEADER = ["Ngày giao dịch", "Số tiền ghi có", "Số tiền ghi nợ", "Nội dung", "Tên người chuyển"]
SECRET = "whsec_bank_test_secret"


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def earlier_today() -> datetime.datetime:
    """A moment a little earlier today, in the centre's time zone: two hours ago, or midnight
    when that would be yesterday. A transfer booked before a pledge made today would otherwise
    fall on the day before it when the suite runs just after midnight in Vietnam."""
    now = timezone.localtime()
    return max(now - datetime.timedelta(hours=2), now.replace(hour=0, minute=0, second=0, microsecond=0))


def vn_date(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def statement_csv(rows, *, header=HEADER, encoding="utf-8", delimiter=",", preamble=True) -> bytes:
    """A bank export as banks write it: a title and the account above the header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if preamble:
        writer.writerow(["SAO KÊ TÀI KHOẢN / ACCOUNT STATEMENT"])
        writer.writerow(["Số tài khoản: 0123456789", "Chủ tài khoản: TRUNG TÂM BẢO TRỢ XÃ HỘI"])
        writer.writerow([])
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def table_counts() -> dict[str, int]:
    """Every table an import or a webhook could write to."""
    return {
        "statements": BankStatement.objects.count(),
        "lines": BankTransaction.objects.count(),
        "donations": Donation.objects.count(),
        "transactions": Transaction.objects.count(),
        "legs": Leg.objects.count(),
        "postings": Posting.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def signed_headers(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"HTTP_X_CHUNGTAY_SIGNATURE": f"t={timestamp},v1={signature_for(secret, timestamp, body)}"}


def notification(*transactions) -> bytes:
    return json.dumps({"transactions": list(transactions)}).encode()


@pytest.fixture
def pledge(fund, donor):
    """A money pledge made ``days`` ago (bank transfer unless told)."""

    def make(amount: str, *, days: int = 3, channel: str = "bank_transfer", **extra) -> Donation:
        pledged_at = timezone.now() - datetime.timedelta(days=days)
        return donation_record(
            fund=fund, donor=donor, kind="cash", channel=channel, amount=amount, pledged_at=pledged_at, **extra
        )

    return make


@pytest.fixture
def webhook_secret(settings):
    settings.BANK_WEBHOOK_SECRET = SECRET
    return SECRET


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(username="bank-accountant", password="x")


@pytest.fixture
def usd_fund(db):
    return fund_create(name="Scholarship Dollar Fund", code="SDF", currency="USD")
