"""The public donation form, through Django's test client: what a donor posts, what is saved,
where they land, and that bad input writes nothing."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from cms.forms import school_year_choices
from donors.models import Donor
from fund.models import Commitment, Donation, RecurringGift
from payments.vietqr import emv_crc16


def gift_form(**overrides):
    data = {
        "kind": "cash",
        "frequency": "once",
        "currency": "VND",
        "preset": "other",
        "amount": "500.000",
        "payment_method": "bank_transfer",
        "donor_kind": "person",
        "name": "Nguyễn Văn An",
        "email": "an@example.org",
        "phone": "",
        "address": "",
        "language": "vi",
        "receipts_by_email": "on",
        "message": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "20",
        "school_year": "",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def counts():
    return (Donation.objects.count(), Donor.objects.count(), RecurringGift.objects.count(), Commitment.objects.count())


@pytest.fixture
def post(client, donate_page):
    def _post(data, url=None, **extra):
        return client.post(url or donate_page.url, data, **extra)

    return _post


def test_donate_page_renders_the_form_with_labels(client, donate_page):
    response = client.get(donate_page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="amount"' in html
    # Every visible input has a label bound to it.
    for field_id in ("id_name", "id_email", "id_amount", "id_phone"):
        assert f'for="{field_id}"' in html
    assert "Chuyển khoản" in html or "Bank transfer" in html


def test_bank_transfer_pledge_lands_on_thanks_with_vietqr(client, post):
    response = post(gift_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    donation = Donation.objects.get()
    assert donation.status == Donation.Status.PLEDGED
    assert donation.channel == Donation.Channel.BANK_TRANSFER
    assert donation.amount.amount == Decimal("500000")
    assert donation.donor.name == "Nguyễn Văn An"
    assert donation.is_anonymous  # "show my name" was not ticked
    assert "/thanks/" in response["Location"]
    assert donation.reference not in response["Location"]  # signed token, not the bare code

    thanks = client.get(response["Location"])
    html = thanks.content.decode()
    assert thanks.status_code == 200
    assert donation.reference in html
    assert "0011001234567" in html
    assert "500.000 ₫" in html
    assert "<svg" in html
    payload = re.search(r'data-payload="([^"]+)"', html)
    assert payload, "the VietQR payload is exposed for copying"
    text = payload.group(1)
    assert donation.reference in text and "970436" in text
    assert text[-4:] == emv_crc16(text[:-4])


def test_a_tampered_thanks_token_is_404(client, post):
    response = post(gift_form())
    url = response["Location"]
    assert client.get(url[:-3] + "xyz/").status_code == 404


def test_preset_amount_and_organisation_with_payer(post):
    response = post(
        gift_form(
            amount="",
            preset="1000000",
            donor_kind="organisation",
            name="Công ty TNHH Ánh Dương",
            tax_code="0100109106",
            contact_person="Phạm Thị Hoa",
            show_name="on",
            paid_by_other="on",
            payer_name="Lê Văn Bình",
            payer_email="binh@example.org",
        )
    )
    assert response.status_code == 302
    donation = Donation.objects.get()
    assert donation.amount.amount == Decimal("1000000")
    assert donation.donor.kind == Donor.Kind.ORGANISATION
    assert donation.donor.tax_code == "0100109106"
    assert donation.payer.name == "Lê Văn Bình"
    assert not donation.is_anonymous


def test_same_donor_giving_twice_is_one_record(post):
    post(gift_form())
    post(gift_form(amount="200.000"))
    assert Donation.objects.count() == 2
    assert Donor.objects.count() == 1


def test_goods_pledge_with_lines(post):
    response = post(
        gift_form(
            kind="in_kind",
            amount="",
            payment_method="",
            expected_on=(timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
            **{
                "lines-0-description": "Sữa bột",
                "lines-0-quantity": "20",
                "lines-0-unit": "hộp",
                "lines-0-value": "6.000.000",
                "lines-1-description": "Tã giấy",
                "lines-1-quantity": "10",
                "lines-1-unit": "bịch",
                "lines-1-value": "2.500.000",
            },
        )
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    donation = Donation.objects.get()
    assert donation.kind == Donation.Kind.IN_KIND
    assert donation.channel == Donation.Channel.IN_KIND_DELIVERY
    assert donation.amount.amount == Decimal("8500000")
    assert [line.description for line in donation.lines.all()] == ["Sữa bột", "Tã giấy"]


def test_scholarship_pledge(post):
    response = post(
        gift_form(
            kind="scholarship",
            amount="",
            scholarship_count="3",
            scholarship_amount="2.000.000",
            school_year=school_year_choices()[0][0],
        )
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    donation = Donation.objects.get()
    assert donation.kind == Donation.Kind.SCHOLARSHIP
    assert donation.scholarship_count == 3
    assert donation.amount.amount == Decimal("6000000")


def test_organisation_pledges_in_instalments(client, post):
    first = timezone.localdate() + datetime.timedelta(days=30)
    response = post(
        gift_form(
            amount="30.000.000",
            frequency="instalments",
            donor_kind="organisation",
            name="Ngân hàng Demo",
            contact_person="Trần Văn C",
            instalments="3",
            instalment_frequency="yearly",
            first_due_on=first.isoformat(),
        )
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    commitment = Commitment.objects.get()
    gifts = list(commitment.donations.order_by("expected_on"))
    assert [g.amount.amount for g in gifts] == [Decimal("10000000")] * 3
    assert [g.expected_on.year for g in gifts] == [first.year, first.year + 1, first.year + 2]
    assert all(g.status == Donation.Status.PLEDGED for g in gifts)
    html = client.get(response["Location"]).content.decode()
    for gift in gifts:
        assert gift.reference in html


def test_monthly_needs_a_card(post):
    before = counts()
    response = post(gift_form(frequency="monthly"))
    assert response.status_code == 200
    assert 'id="id_frequency-errors"' in response.content.decode()
    assert counts() == before


def test_card_is_not_offered_without_stripe_keys(client, donate_page, settings):
    settings.STRIPE_SECRET_KEY = ""
    html = client.get(donate_page.url).content.decode()
    assert 'value="card"' not in html
    assert 'value="bank_transfer"' in html


HOSTILE = [
    pytest.param({"amount": "1" * 30}, "amount", id="huge-amount"),
    pytest.param({"amount": "-500000"}, "amount", id="negative-amount"),
    pytest.param({"amount": "5e5"}, "amount", id="exponent"),
    pytest.param({"amount": "500.0001"}, "amount", id="odd-grouping"),
    pytest.param({"amount": "1.000"}, "amount", id="below-minimum"),
    pytest.param({"amount": "999.999.999.999", "payment_method": "card"}, "amount", id="above-card-maximum"),
    pytest.param({"amount": "1" + "0" * 16}, "amount", id="above-any-gift"),
    pytest.param({"name": "A" * 10_000}, "name", id="10kb-name"),
    pytest.param({"email": "a@example.org\r\nBcc: victim@example.org"}, "email", id="crlf-email"),
    pytest.param({"currency": "EUR"}, "currency", id="wrong-currency"),
    pytest.param({"currency": "USD"}, "currency", id="usd-by-transfer"),
    pytest.param({"kind": "gold"}, "kind", id="unknown-kind"),
    pytest.param({"payment_method": "cheque"}, "payment_method", id="unknown-method"),
    pytest.param({"message": "x" * 5000}, "message", id="long-message"),
    pytest.param({"email": "", "phone": ""}, "email", id="no-contact"),
    pytest.param(
        {
            "kind": "supplies",
            "amount": "",
            "lines-0-description": "Vở",
            "lines-0-quantity": "nhiều",
            "lines-0-unit": "quyển",
            "lines-0-value": "100.000",
        },
        "lines-0-quantity",
        id="non-numeric-quantity",
    ),
    pytest.param(
        {
            "kind": "supplies",
            "amount": "",
            "lines-0-description": "Vở",
            "lines-0-quantity": "-5",
            "lines-0-unit": "quyển",
            "lines-0-value": "100.000",
        },
        "lines-0-quantity",
        id="negative-quantity",
    ),
]


@pytest.mark.parametrize(("overrides", "field"), HOSTILE)
def test_hostile_input_gets_a_clear_error_and_writes_nothing(post, overrides, field):
    before, audits = counts(), AuditEntry.objects.count()
    response = post(gift_form(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}-errors"' in html or 'id="form-errors"' in html
    assert 'aria-invalid="true"' in html or field in ("kind", "currency", "payment_method")
    assert counts() == before
    assert AuditEntry.objects.count() == audits


@pytest.mark.parametrize("field", ["name", "message", "address", "contact_person"])
def test_html_in_text_is_stored_as_text_and_escaped_on_pages(client, post, field):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    overrides = {field: script}
    if field == "contact_person":
        overrides.update(donor_kind="organisation", name="Org")
    response = post(gift_form(**overrides))
    assert response.status_code == 302
    thanks = client.get(response["Location"]).content.decode()
    assert "<script>alert" not in thanks and "onerror=alert" not in thanks.replace("onerror=alert(1)&gt;", "")


def test_honeypot_refuses_quietly(post):
    before = counts()
    response = post(gift_form(website="http://spam.example"))
    assert response.status_code == 200
    assert counts() == before


def test_posting_too_often_is_refused(post, settings):
    settings.DONATE_RATE_IP = "3/m"
    codes = [post(gift_form(amount=f"{100 + n}.000")).status_code for n in range(5)]
    assert codes[:3] == [302, 302, 302]
    assert codes[3:] == [200, 200]
    assert Donation.objects.count() == 3


def test_csrf_is_enforced(donate_page):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(donate_page.url, gift_form())
    assert response.status_code == 403
    assert Donation.objects.count() == 0


def test_english_page_shows_english_labels(client, donate_page):
    from wagtail.models import Locale

    Locale.objects.get_or_create(language_code="en")
    english = Locale.objects.get(language_code="en")
    en_fund = donate_page.get_parent().specific.copy_for_translation(english, copy_parents=True)
    en_fund.save_revision().publish()
    en_donate = donate_page.copy_for_translation(english)
    en_donate.save_revision().publish()
    html = client.get(en_donate.url).content.decode()
    assert 'lang="en"' in html
    assert "How will you pay?" in html
    vi_html = client.get(donate_page.url).content.decode()
    assert 'lang="vi"' in vi_html
    assert "How will you pay?" not in vi_html


def test_large_gifts_by_transfer_are_welcome(post):
    response = post(gift_form(amount="1.000.000.000"))
    assert response.status_code == 302
    assert Donation.objects.get().amount.amount == Decimal("1000000000")


def test_card_limits_hold_for_scholarships_and_usd(post, settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_x", "pk_test_x"
    scholarship = gift_form(
        kind="scholarship",
        amount="",
        payment_method="card",
        scholarship_count="1000",
        scholarship_amount="500.000.000",
        school_year=school_year_choices()[0][0],
    )
    assert post(scholarship).status_code == 200
    assert post(gift_form(payment_method="card", currency="USD", amount="9,999,999.99")).status_code == 200
    assert post(gift_form(payment_method="card", amount="99.999.999")).status_code == 200  # page limit 50M
    assert Donation.objects.count() == 0
    assert post(gift_form(payment_method="card", amount="50.000.000")).status_code == 302


def test_monthly_in_usd_is_refused_before_anything_is_saved(post, settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_x", "pk_test_x"
    response = post(gift_form(payment_method="card", frequency="monthly", currency="USD", amount="20"))
    assert response.status_code == 200
    assert 'id="id_currency-errors"' in response.content.decode()
    assert counts() == (0, 0, 0, 0)


def test_goods_pledge_without_the_hidden_currency_field(post):
    data = gift_form(
        kind="supplies",
        amount="",
        payment_method="",
        currency=None,
        **{"lines-0-description": "Vở", "lines-0-quantity": "100", "lines-0-unit": "quyển", "lines-0-value": "500.000"},
    )
    assert "currency" not in data
    assert post(data).status_code == 302
    assert Donation.objects.get().amount.amount == Decimal("500000")


def test_instalments_keep_the_donors_choices(post):
    first = timezone.localdate() + datetime.timedelta(days=30)
    response = post(
        gift_form(
            amount="30.000.000",
            frequency="instalments",
            donor_kind="organisation",
            name="Công ty ABC",
            contact_person="Trần Văn C",
            instalments="3",
            instalment_frequency="yearly",
            first_due_on=first.isoformat(),
            message="Cam kết ba năm",
            paid_by_other="on",
            payer_name="Lê Thị D",
        )
    )
    assert response.status_code == 302
    gifts = list(Commitment.objects.get().donations.all())
    assert all(g.is_anonymous for g in gifts)
    assert all(g.message == "Cam kết ba năm" and g.payer.name == "Lê Thị D" for g in gifts)


@pytest.mark.parametrize("field", ["first_due_on", "expected_on"])
def test_far_future_dates_are_refused(post, field):
    far = "9990-01-01"
    overrides = {
        "amount": "30.000.000",
        "frequency": "instalments",
        "donor_kind": "organisation",
        "contact_person": "C",
        "instalments": "120",
        "instalment_frequency": "yearly",
        field: far,
    }
    if field == "expected_on":
        overrides = {
            "kind": "supplies",
            "amount": "",
            "expected_on": far,
            "lines-0-description": "Vở",
            "lines-0-quantity": "1",
            "lines-0-unit": "quyển",
            "lines-0-value": "100.000",
        }
    response = post(gift_form(**overrides))
    assert response.status_code == 200
    assert f'id="id_{field}-errors"' in response.content.decode()
    assert counts() == (0, 0, 0, 0)
