"""Statements of gifts: what they list, their numbers, the annual command, refunds and the back
office screen that issues them for any period."""

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from djmoney.money import Money

from donors.services import donor_create
from fund.services import donation_record, donation_refund
from receipts.fiscal import fiscal_year_bounds, fiscal_year_of
from receipts.models import Receipt, ReceiptCounter, ReceiptDelivery
from receipts.pdf import document_context, render_pdf
from receipts.services.statements import statement_issue, statement_reissue, statements_issue_period

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")

pytestmark = pytest.mark.django_db


def _at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=HANOI)


@pytest.fixture
def last_year():
    """The last complete fiscal year (January to December by default)."""
    return fiscal_year_bounds(fiscal_year_of(timezone.localdate()) - 1)


def _number(sequence: int) -> str:
    return f"CTS-{fiscal_year_of(timezone.localdate())}-{sequence:06d}"


def _cash(fund, donor, amount, when, **extra):
    fields = {"kind": "cash", "channel": "bank_transfer", "amount": amount, "received_at": when, **extra}
    return donation_record(fund=fund, donor=donor, **fields)


@pytest.fixture
def gifts(fund, other_fund, consenting_donor, last_year, django_capture_on_commit_callbacks):
    """A year of giving: two cash gifts (one late on the last evening), goods and a scholarship
    in the period, plus what a statement must leave out: a pledge, a refunded gift, and gifts
    received just before and just after the period."""
    start, end = last_year
    donor = consenting_donor
    with django_capture_on_commit_callbacks(execute=True):
        listed = {
            "cash": _cash(fund, donor, "1000000", _at(start, 0, 30)),  # 17:30 UTC the day before
            "late_cash": _cash(fund, donor, "500000", _at(end, 23, 30)),
            "goods": donation_record(
                fund=fund,
                donor=donor,
                kind="in_kind",
                channel="in_kind_delivery",
                lines=[
                    {"description": "Gạo", "quantity": "100", "unit": "kg", "fair_value": "2000000"},
                    {"description": "Sữa", "quantity": "10", "unit": "thùng", "fair_value": "3500000"},
                ],
                received_at=_at(start + datetime.timedelta(days=40)),
            ),
            "scholarship": _cash(
                other_fund,
                donor,
                "6000000",
                _at(start + datetime.timedelta(days=200)),
                kind="scholarship",
                scholarship_count=2,
                school_year=f"{start.year}-{start.year + 1}",
            ),
        }
        left_out = {
            "pledge": donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="700000"),
            "refunded": _cash(fund, donor, "800000", _at(start + datetime.timedelta(days=90))),
            "before": _cash(fund, donor, "900000", _at(start - datetime.timedelta(days=1), 23, 59)),
            "after": _cash(fund, donor, "950000", _at(end + datetime.timedelta(days=1), 0, 1)),
        }
        donation_refund(donation=left_out["refunded"], reason="Transfer returned by the bank")
    mail.outbox.clear()  # the gift receipts' emails
    return listed, left_out


def test_a_statement_lists_exactly_the_gifts_received_in_the_period(
    gifts, consenting_donor, last_year, django_capture_on_commit_callbacks
):
    listed, left_out = gifts
    start, end = last_year
    with django_capture_on_commit_callbacks(execute=True):
        statement = statement_issue(donor_id=consenting_donor.pk, start=start, end=end)

    assert statement.number == _number(1)
    assert (statement.kind, statement.period_start, statement.period_end) == ("statement", start, end)
    content = statement.content
    assert content["period"] == {"start": start.isoformat(), "end": end.isoformat()}
    references = [gift["reference"] for gift in content["gifts"]]
    assert references == [listed[name].reference for name in ("cash", "goods", "scholarship", "late_cash")]
    assert not {gift.reference for gift in left_out.values()} & set(references)

    first = content["gifts"][0]
    assert first["received_on"] == start.isoformat()  # 00:30 in Hanoi, the day before in UTC
    assert (first["fund_name"], first["kind"], first["channel"], first["amount"], first["currency"]) == (
        "Children's Protection Fund",
        "cash",
        "bank_transfer",
        "1000000.00",
        "VND",
    )
    receipt_numbers = {
        gift.reference: Receipt.objects.get(donation=gift, status="valid").number for gift in listed.values()
    }
    assert {gift["reference"]: gift["receipt_number"] for gift in content["gifts"]} == receipt_numbers

    totals = {(t["fund_code"], t["kind"], t["currency"]): (t["count"], Decimal(t["amount"])) for t in content["totals"]}
    assert totals == {
        ("CPF", "cash", "VND"): (2, Decimal("1500000")),
        ("CPF", "in_kind", "VND"): (1, Decimal("5500000")),
        ("SPF", "scholarship", "VND"): (1, Decimal("6000000")),
    }
    assert [(t["currency"], t["count"], t["amount"]) for t in content["grand_totals"]] == [("VND", 4, "13000000.00")]
    assert statement.amount == Money("13000000", "VND")

    delivery = ReceiptDelivery.objects.get(receipt=statement)
    assert delivery.status == ReceiptDelivery.Status.SENT
    assert [m.to for m in mail.outbox] == [["nhung@example.org"]]
    name, pdf, kind = mail.outbox[0].attachments[0]
    assert (name, kind) == (f"{statement.number}.pdf", "application/pdf") and pdf.startswith(b"%PDF-")


def test_a_gift_in_another_currency_leaves_the_statement_without_a_single_amount(
    fund, donor, last_year, django_capture_on_commit_callbacks
):
    start, _end = last_year
    _cash(fund, donor, "2000000", _at(start))
    _cash(fund, donor, "100.50", _at(start, 11), currency="USD", exchange_rate="25000")
    statement = statement_issue(donor_id=donor.pk, start=start, end=_end)
    assert statement.amount is None
    assert [(t["currency"], t["amount"]) for t in statement.content["grand_totals"]] == [
        ("USD", "100.50"),
        ("VND", "2000000.00"),
    ]
    assert not ReceiptDelivery.objects.filter(receipt=statement).exists()  # no consent to email


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_statement_prints_its_gifts_and_totals_in_both_languages(gifts, consenting_donor, last_year, language):
    listed, _ = gifts
    start, end = last_year
    consenting_donor.preferred_language = language
    consenting_donor.save()
    statement = statement_issue(donor_id=consenting_donor.pk, start=start, end=end)
    from django.template.loader import render_to_string

    with translation.override(language):
        context = document_context(statement)
        html = render_to_string("receipts/pdf/statement.html", context)
        pdf = render_pdf("receipts/pdf/statement.html", context)
    assert pdf.startswith(b"%PDF-")
    for gift in listed.values():
        assert gift.reference in html
    assert statement.number in html and "Nguyễn Thị Hồng Nhung" in html
    assert f"{start:%d/%m/%Y} – {end:%d/%m/%Y}" in html
    if language == "en":  # amounts in the statement's language
        assert "13,000,000 ₫" in html and "1,500,000 ₫" in html
    else:
        assert "13.000.000 ₫" in html and "1.500.000 ₫" in html
    if language == "en":
        assert "Statement of gifts" in html and "In-kind goods" in html


def test_issuing_again_returns_the_same_statement_and_uses_no_number(gifts, consenting_donor, last_year):
    start, end = last_year
    first = statement_issue(donor_id=consenting_donor.pk, start=start, end=end)
    again = statement_issue(donor_id=consenting_donor.pk, start=start, end=end)
    assert again == first
    assert Receipt.objects.filter(kind="statement").count() == 1
    assert ReceiptCounter.objects.get(series="CTS").last_number == 1


def test_a_donor_without_gifts_in_the_period_gets_nothing_and_uses_no_number(fund, donor, organisation, last_year):
    start, end = last_year
    _cash(fund, donor, "300000", _at(end + datetime.timedelta(days=1)))  # the next year
    assert statement_issue(donor_id=donor.pk, start=start, end=end) is None
    assert statement_issue(donor_id=organisation.pk, start=start, end=end) is None
    assert not Receipt.objects.filter(kind="statement").exists()
    assert not ReceiptCounter.objects.filter(series="CTS").exists()


def test_statement_numbers_are_gapless_across_donors_with_and_without_gifts(
    fund, last_year, django_capture_on_commit_callbacks
):
    start, end = last_year
    donors = [donor_create(kind="person", name=f"Donor {i}") for i in range(7)]
    for index, donor in enumerate(donors):
        if index % 3 != 1:  # donors 1 and 4 gave nothing this year
            _cash(fund, donor, "100000", _at(start + datetime.timedelta(days=index)))
    with django_capture_on_commit_callbacks(execute=True):  # the tasks are queued on commit; eager here
        dispatch = statements_issue_period(start=start, end=end, chunk_size=2)
    assert (dispatch.donors, dispatch.existing, dispatch.queued, dispatch.tasks) == (5, 0, 5, 3)
    statements = Receipt.objects.filter(kind="statement").order_by("sequence")
    assert [s.number for s in statements] == [_number(i) for i in range(1, 6)]
    assert {s.donor_id for s in statements} == {d.pk for i, d in enumerate(donors) if i % 3 != 1}
    assert ReceiptCounter.objects.get(series="CTS").last_number == 5

    again = statements_issue_period(start=start, end=end)
    assert (again.donors, again.existing, again.queued) == (5, 5, 0)
    assert Receipt.objects.filter(kind="statement").count() == 5


def test_fiscal_year_from_july(settings, fund, donor):
    settings.RECEIPTS_FISCAL_YEAR_START_MONTH = 7
    assert fiscal_year_bounds(2026) == (datetime.date(2026, 7, 1), datetime.date(2027, 6, 30))
    assert fiscal_year_of(datetime.date(2027, 6, 30)) == 2026
    assert fiscal_year_of(datetime.date(2027, 7, 1)) == 2027
    year = fiscal_year_of(timezone.localdate()) - 1
    start, end = fiscal_year_bounds(year)
    january = datetime.date(year + 1, 1, 15)
    gift = _cash(fund, donor, "400000", _at(january))
    _cash(fund, donor, "400000", _at(datetime.date(year, 6, 30)))  # the fiscal year before
    statement = statement_issue(donor_id=donor.pk, start=start, end=end)
    assert [g["reference"] for g in statement.content["gifts"]] == [gift.reference]
    assert statement.fiscal_year == fiscal_year_of(timezone.localdate())


def test_a_refund_after_the_statement_replaces_it_without_the_gift(
    gifts, consenting_donor, last_year, django_capture_on_commit_callbacks
):
    listed, _ = gifts
    start, end = last_year
    old = statement_issue(donor_id=consenting_donor.pk, start=start, end=end)
    with django_capture_on_commit_callbacks(execute=True):
        donation_refund(donation=listed["goods"], reason="Goods were spoilt and returned")
    old.refresh_from_db()
    assert old.status == Receipt.Status.VOID
    assert listed["goods"].reference in old.void_reason
    new = Receipt.objects.get(kind="statement", status="valid")
    assert new.replaces == old and new.number == _number(2)
    assert listed["goods"].reference not in {g["reference"] for g in new.content["gifts"]}
    assert len(new.content["gifts"]) == 3
    assert new.amount == Money("7500000", "VND")
    assert new.content["replaces"]["number"] == old.number
    assert not any(t["kind"] == "in_kind" for t in new.content["totals"])


def test_a_refund_of_the_only_gift_voids_the_statement(fund, donor, last_year, django_capture_on_commit_callbacks):
    start, end = last_year
    gift = _cash(fund, donor, "250000", _at(start))
    statement = statement_issue(donor_id=donor.pk, start=start, end=end)
    with django_capture_on_commit_callbacks(execute=True):
        donation_refund(donation=gift, reason="Card payment disputed")
    statement.refresh_from_db()
    assert statement.status == Receipt.Status.VOID
    assert not Receipt.objects.filter(kind="statement", status="valid").exists()


def test_reissue_replaces_a_statement_with_the_donor_as_now(gifts, consenting_donor, last_year, admin_user):
    start, end = last_year
    old = statement_issue(donor_id=consenting_donor.pk, start=start, end=end)
    consenting_donor.name = "Nguyễn Thị Hồng Nhung (đã sửa)"
    consenting_donor.save()
    new = statement_reissue(statement=old, reason="Name misspelt", actor=admin_user)
    old.refresh_from_db()
    assert old.status == Receipt.Status.VOID and new.replaces == old
    assert new.content["donor"]["name"].endswith("(đã sửa)")
    assert new.content["gifts"] == old.content["gifts"]


# --- The annual command (tasks run after commit, as in production) ----------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_annual_command_issues_emails_and_summarises_then_issues_nothing_twice(
    restore_migrated_rows_after_flush, fund, last_year
):
    start, end = last_year
    for index in range(3):
        donor = donor_create(
            kind="person", name=f"Donor {index}", email=f"donor{index}@example.org", consent_receipts_by_email=True
        )
        _cash(fund, donor, "100000", _at(start + datetime.timedelta(days=index)))
    donor_create(kind="person", name="Gave nothing", email="none@example.org", consent_receipts_by_email=True)
    mail.outbox.clear()

    out = io.StringIO()
    call_command("issue_annual_receipts", str(start.year), "--interval", "0.05", stdout=out)
    output = out.getvalue()
    assert "3 donor(s) with gifts, 0 already have one, 3 queued in 1 task(s)" in output
    assert "Statements 3/3 [" in output and "100%" in output and "emails sent 3/3" in output
    assert "Summary: issued 3, already existing 0, emailed 3 of 3, failed 0." in output
    assert Receipt.objects.filter(kind="statement", status="valid").count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["donor0@example.org", "donor1@example.org", "donor2@example.org"]

    out = io.StringIO()
    call_command("issue_annual_receipts", str(start.year), stdout=out)
    assert "Nothing new to issue" in out.getvalue()
    assert "Summary: issued 0, already existing 3" in out.getvalue()
    assert Receipt.objects.filter(kind="statement").count() == 3
    assert len(mail.outbox) == 3


def test_the_command_refuses_a_year_that_is_not_over(db):
    with pytest.raises(CommandError, match="after today"):
        call_command("issue_annual_receipts", str(fiscal_year_of(timezone.localdate())), stdout=io.StringIO())


def test_the_command_takes_a_shorter_period(fund, donor, last_year, django_capture_on_commit_callbacks):
    start, end = last_year
    _cash(fund, donor, "100000", _at(start))
    _cash(fund, donor, "200000", _at(end))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "issue_annual_receipts",
            str(start.year),
            "--to-date",
            start.replace(day=28).isoformat(),
            "--no-wait",
            stdout=out,
        )
    assert "1 queued" in out.getvalue()
    statement = Receipt.objects.get(kind="statement")
    assert statement.period_end == start.replace(day=28) and statement.amount == Money("100000", "VND")


# --- The back office --------------------------------------------------------------------------


def test_the_statements_screen_issues_a_period_and_lists_it(
    admin_client, gifts, last_year, django_capture_on_commit_callbacks
):
    start, end = last_year
    url = reverse("receipts_statements")
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="start"' in page.content.decode() and "No statement has been issued yet" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"start": start.isoformat(), "end": end.isoformat()}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    text = response.content.decode()
    assert "1 donor queued for a statement" in text
    assert f"{start:%d/%m/%Y} – {end:%d/%m/%Y}" in text
    assert Receipt.objects.filter(kind="statement", period_start=start, period_end=end).count() == 1


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [
        (datetime.date(2025, 3, 1), datetime.date(2025, 2, 1), "comes before the first day"),
        (datetime.date(2025, 1, 1), timezone.localdate() + datetime.timedelta(days=1), "today at the latest"),
        (datetime.date(2015, 1, 1), datetime.date(2024, 12, 31), "at most five years"),
    ],
)
def test_the_statements_screen_refuses_a_bad_period(admin_client, start, end, error):
    response = admin_client.post(reverse("receipts_statements"), {"start": start, "end": end})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Receipt.objects.exists()


def test_the_statements_screen_needs_the_add_receipt_permission(client):
    user = User.objects.create_user("clerk", "clerk@example.org", "pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    url = reverse("receipts_statements")
    home = reverse("wagtailadmin_home")
    for response in (client.get(url), client.post(url, {"start": "2025-01-01", "end": "2025-12-31"})):
        # Wagtail turns a refusal inside the admin into a redirect home with a message.
        assert (response.status_code, response["Location"]) == (302, home)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="receipts", codename="add_receipt"))
    user = User.objects.get(pk=user.pk)  # permissions are cached on the instance
    client.force_login(user)
    assert client.get(url).status_code == 200
