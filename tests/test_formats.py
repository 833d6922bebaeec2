"""Amounts, numbers and dates in the language of the page, email or PDF: one function for money
(fund.money.money_display), one for numbers (config.formats.number_display), and
Django's date formats with this site's overrides (config/formats)."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from djmoney.money import Money

from config.formats import number_display
from fund.money import money_display

VND = Money(Decimal("1234000"), "VND")
USD = Money(Decimal("25.5"), "USD")


@pytest.mark.parametrize(
    ("language", "dong", "dollars"),
    [
        ("vi", "1.234.000 ₫", "25,50 USD"),
        ("en", "1,234,000 ₫", "USD 25.50"),
        ("ar", "1.234.000 ₫", "25,50 USD"),
    ],
)
def test_money_is_written_as_the_language_writes_it(language, dong, dollars):
    assert money_display(VND, language=language) == dong
    assert money_display(USD, language=language) == dollars
    with translation.override(language):  # by default, in the active language
        assert money_display(VND) == dong
        assert money_display(USD) == dollars


def test_money_rounds_to_the_currencys_minor_unit_half_up():
    assert money_display(Money(Decimal("1234.565"), "USD"), language="en") == "USD 1,234.57"
    assert money_display(Money(Decimal("-1000000.5"), "VND"), language="vi") == "-1.000.001 ₫"
    assert money_display(Money(Decimal("0"), "USD"), language="vi") == "0,00 USD"


def test_numbers_keep_their_recorded_digits_and_group_thousands():
    assert number_display(Decimal("25432.5"), language="vi") == "25.432,5"
    assert number_display(Decimal("25432.50"), language="en") == "25,432.5"
    assert number_display(Decimal("120.000"), language="vi") == "120"
    assert number_display(1234567, language="en") == "1,234,567"
    assert number_display(Decimal("2.5"), places=2, language="vi") == "2,50"


@pytest.mark.parametrize(
    ("language", "short", "long"),
    [("vi", "04/03/2026", "tháng 3 năm 2026"), ("en", "04/03/2026", "4 March 2026")],
)
def test_dates_are_day_first_in_every_language(language, short, long):
    template = Template('{{ day|date:"SHORT_DATE_FORMAT" }}|{{ day|date:"DATE_FORMAT" }}')
    with translation.override(language):
        shown_short, shown_long = template.render(Context({"day": datetime.date(2026, 3, 4)})).split("|")
    assert shown_short == short
    assert long in shown_long


def test_the_money_filters_follow_the_active_language():
    template = Template("{% load fund_money %}{{ amount|money }} / {{ value|money_in:'USD' }}")
    with translation.override("en"):
        assert template.render(Context({"amount": VND, "value": Decimal("25.5")})) == "1,234,000 ₫ / USD 25.50"
    with translation.override("vi"):
        assert template.render(Context({"amount": VND, "value": Decimal("25.5")})) == "1.234.000 ₫ / 25,50 USD"


def test_template_numbers_are_not_grouped_behind_our_back(settings):
    # Ids and counts printed into attributes must stay plain digits: only the explicit
    # filters group thousands.
    assert settings.USE_THOUSAND_SEPARATOR is False
    with translation.override("en"):
        assert Template("{{ n }}").render(Context({"n": 12345})) == "12345"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "dong", "dollars"), [("vi", "1.900.000 ₫", "25,50 USD"), ("en", "1,900,000 ₫", "USD 25.50")]
)
def test_the_back_office_gift_list_writes_amounts_in_the_users_language(client, fund, donor, language, dong, dollars):
    from django.contrib.auth.models import User
    from django.utils import timezone
    from wagtail.users.models import UserProfile

    from fund.models import Donation
    from fund.services import donation_record

    user = User.objects.create_superuser("root", "root@example.org", "pw")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    client.force_login(user)
    now = timezone.now()
    donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="1900000", received_at=now)
    donation_record(
        fund=fund,
        donor=donor,
        kind="cash",
        channel="card",
        amount="25.50",
        currency="USD",
        exchange_rate="25400",
        received_at=now,
    )
    html = client.get("/admin/fund/gifts/").content.decode()
    assert dong in html and dollars in html
    # ...and so does each gift's own screen.
    for gift, shown in zip(Donation.objects.order_by("pk"), (dong, dollars), strict=True):
        assert shown in client.get(f"/admin/fund/gifts/inspect/{gift.pk}/").content.decode()


def test_the_number_filter_groups_counts_in_the_active_language():
    template = Template("{% load fund_money %}{{ n|number }}")
    with translation.override("vi"):
        assert template.render(Context({"n": 12345})) == "12.345"
    with translation.override("en"):
        assert template.render(Context({"n": 12345})) == "12,345"
