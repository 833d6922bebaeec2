"""What a Vietnamese donor or a prankster types into the donation form: every refusal sits
beside its own field (its error list's id, inside the field's wrapper) and writes nothing."""

import datetime
import re
import time
import unicodedata
from types import SimpleNamespace

import django_ratelimit.core
import pytest
from django.utils import timezone

from audit.models import AuditEntry
from donors.models import Donor
from fund.models import Donation

from .test_donate_flow import counts, gift_form

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"
UNICORN = "\U0001f984"  # an emoji DejaVu Sans has no glyph for
SOON = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()


@pytest.fixture
def post(client, donate_page):
    def _post(data):
        return client.post(donate_page.url, data)

    return _post


def goods(**lines):
    data = {"kind": "in_kind", "amount": "", "payment_method": "", "expected_on": SOON}
    line = {"description": "Gạo", "quantity": "10", "unit": "kg", "value": "200.000"}
    for key, value in {**line, **lines}.items():
        data[f"lines-0-{key}"] = value
    return data


def organisation(**overrides):
    return {
        "donor_kind": "organisation",
        "name": "Công ty TNHH Ánh Dương",
        "contact_person": "Phạm Thị Hoa",
        **overrides,
    }


def instalments(**overrides):
    first = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    plan = {
        "frequency": "instalments",
        "amount": "30.000.000",
        "instalments": "3",
        "instalment_frequency": "yearly",
        "first_due_on": first,
    }
    return organisation(**{**plan, **overrides})


HOSTILE = [
    pytest.param({"name": f"Nguyễn {RLO}nA"}, "name", "text-direction", id="bidi-override-in-name"),
    pytest.param({"name": f"{LRI}An{PDI}"}, "name", "text-direction", id="bidi-isolate-in-name"),
    pytest.param({"address": f"12 Lê Lợi{RLO}"}, "address", "text-direction", id="bidi-in-address"),
    pytest.param({"message": f"Chúc các em{RLO}"}, "message", "text-direction", id="bidi-in-message"),
    pytest.param({"phone": f"0903{RLO}123456"}, "phone", "text-direction", id="bidi-in-phone"),
    pytest.param({"name": "\u200d\u200c\u200d"}, "name", "blank", id="zero-width-name"),
    pytest.param({"name": "\u3164\u3164"}, "name", "blank", id="hangul-filler-name"),
    pytest.param({"name": "\u2800"}, "name", "blank", id="braille-blank-name"),
    pytest.param({"name": f"An {UNICORN}"}, "name", "cannot print", id="emoji-outside-the-font"),
    pytest.param({"name": "王小明"}, "name", "cannot print", id="characters-outside-the-font"),
    pytest.param(organisation(contact_person=f"Hoa{RLO}"), "contact_person", "text-direction", id="bidi-contact"),
    pytest.param(organisation(contact_person="\u200d"), "contact_person", "blank", id="invisible-contact"),
    pytest.param(organisation(tax_code="0101234567"), "tax_code", "tax code", id="tax-code-check-digit"),
    pytest.param(organisation(tax_code="01001091"), "tax_code", "tax code", id="tax-code-too-short"),
    pytest.param(organisation(tax_code="0100109106-0"), "tax_code", "tax code", id="tax-code-bad-branch"),
    pytest.param(organisation(tax_code="MST0100109106"), "tax_code", "tax code", id="tax-code-letters"),
    pytest.param({"paid_by_other": "on", "payer_name": f"Bình{RLO}"}, "payer_name", "text-direction", id="bidi-payer"),
    pytest.param(goods(description=f"Sữa{RLO}"), "lines-0-description", "text-direction", id="bidi-goods"),
    pytest.param(goods(description=f"Sữa {UNICORN}"), "lines-0-description", "cannot print", id="emoji-goods"),
    pytest.param(goods(unit="\u200b"), "lines-0-unit", "blank", id="invisible-unit"),
    pytest.param(
        goods(description="", quantity="", unit="", value=""),
        "lines-0-description",
        "at least one",
        id="no-goods-lines",
    ),
    pytest.param(instalments(instalments="6"), "instalments", "five years", id="instalments-beyond-five-years"),
    pytest.param(
        instalments(instalments="61", instalment_frequency="monthly"), "instalments", "", id="too-many-instalments"
    ),
    pytest.param(instalments(amount="100.000.000.001"), "amount", "at most", id="instalment-total-too-large"),
    pytest.param(
        instalments(amount="50.000", instalments="10", instalment_frequency="monthly"),
        "instalments",
        "at least",
        id="instalments-too-small",
    ),
]


# The donate page under test is the Vietnamese one: what its donor reads for each English wording.
VIETNAMESE = {
    "text-direction": "đổi chiều văn bản",
    "blank": "để trống",
    "cannot print": "không in được",
    "tax code": "Mã số thuế",
    "at least one": "ít nhất một",
    "five years": "năm năm",
    "at most": "tối đa",
    "at least": "trở lên",
    "": "",
}
UNITS = {"hour": "giờ", "minute": "phút", "second": "giây", "day": "ngày"}


def error_beside(html: str, field: str) -> str:
    """The text of the error list inside ``field``'s own wrapper (not the summary)."""
    match = re.search(
        rf'<div class="field has-error[^"]*" id="wrap-id_{re.escape(field)}">(.*?)</div>', html, re.DOTALL
    )
    assert match, f"no error beside {field}"
    errors = re.search(rf'<ul class="errors" id="id_{re.escape(field)}-errors">(.*?)</ul>', match.group(1), re.DOTALL)
    assert errors, f"no error list for {field} in its wrapper"
    return re.sub(r"<[^>]+>", " ", errors.group(1))


@pytest.mark.parametrize(("overrides", "field", "wording"), HOSTILE)
def test_hostile_input_is_refused_beside_its_field_and_writes_nothing(post, overrides, field, wording):
    before, audits = counts(), AuditEntry.objects.count()
    response = post(gift_form(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    message = error_beside(html, field)
    assert VIETNAMESE[wording] in message, message
    tag = re.search(rf'<(input|textarea|select)[^>]*name="{re.escape(field)}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag and f"id_{field}-errors" in tag, tag
    assert counts() == before
    assert AuditEntry.objects.count() == audits


def test_a_name_typed_decomposed_and_precomposed_is_one_donor_stored_in_nfc(post):
    composed = "Nguyễn Thị Hồng Nhung"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert post(gift_form(name=decomposed, email="nhung@example.org")).status_code == 302
    assert post(gift_form(name=composed, email="nhung@example.org")).status_code == 302
    donor = Donor.objects.get()
    assert donor.name == composed
    assert Donation.objects.filter(donor=donor).count() == 2


def test_zero_width_spaces_inside_a_name_do_not_make_another_donor(post):
    assert post(gift_form(name="Nguyễn Văn An")).status_code == 302
    assert post(gift_form(name="Ngu\u200byễn\ufeff Văn An")).status_code == 302
    assert Donor.objects.get().name == "Nguyễn Văn An"


def test_goods_lines_are_stored_in_nfc(post):
    response = post(gift_form(**goods(description=unicodedata.normalize("NFD", "Sữa bột"), unit="hộp")))
    assert response.status_code == 302
    assert Donation.objects.get().lines.get().description == "Sữa bột"


def test_an_emoji_the_receipt_font_has_is_accepted(post):
    # DejaVu Sans draws the emoticons block (U+1F600...): the receipt prints them.
    assert post(gift_form(name="An 😀")).status_code == 302
    assert Donor.objects.get().name == "An 😀"


def test_a_branch_tax_code_is_accepted_and_stored_as_printed(post):
    response = post(gift_form(**organisation(tax_code="0100109106 001")))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Donor.objects.get().tax_code == "0100109106-001"


def test_five_years_of_monthly_instalments_is_accepted(post):
    response = post(gift_form(**instalments(amount="60.000.000", instalments="60", instalment_frequency="monthly")))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Donation.objects.count() == 60


# --- rate limits count what costs -----------------------------------------------------------


def test_typos_do_not_count_against_the_limit(post, settings):
    settings.DONATE_RATE_IP = "3/m"
    for _ in range(10):
        assert post(gift_form(email="not-an-email")).status_code == 200
    codes = [post(gift_form(amount=f"{100 + n}.000")).status_code for n in range(3)]
    assert codes == [302, 302, 302]
    assert Donation.objects.count() == 3


@pytest.mark.parametrize(
    ("rate", "unit", "most"),
    [("2/h", "hour", 1), ("2/10m", "minute", 10), ("2/m", "minute", 1), ("2/30s", "second", 30), ("2/d", "day", 1)],
)
def test_the_refusal_says_how_long_to_wait_in_the_windows_unit(post, settings, monkeypatch, rate, unit, most):
    settings.DONATE_RATE_SESSION = rate
    # The counters are fixed windows: three posts on a slow machine could straddle the end of a
    # 30-second one and all pass. The clock the limiter reads stands still for this test.
    frozen = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: frozen))
    assert [post(gift_form(amount=f"{100 + n}.000")).status_code for n in range(2)] == [302, 302]
    before = counts()
    response = post(gift_form(amount="300.000"))
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(rf"Vui lòng chờ (\d+) {UNITS[unit]}\.", html)
    assert match, html[html.find("form-errors") :][:500]
    assert 1 <= int(match.group(1)) <= most
    assert counts() == before


def test_a_refused_post_after_the_limit_writes_nothing_and_counts_nothing(post, settings):
    settings.DONATE_RATE_IP = "1/h"
    assert post(gift_form()).status_code == 302
    for _ in range(3):
        assert post(gift_form(amount="200.000")).status_code == 200
    assert Donation.objects.count() == 1


def test_a_goods_line_the_service_refuses_is_shown_beside_that_line(post):
    # The form reads any grouped number; the service knows the largest value it can record.
    before = counts()
    response = post(gift_form(**goods(value="9.999.999.999.999.999")))
    assert response.status_code == 200
    html = response.content.decode()
    assert error_beside(html, "lines-0-value")
    value_input = re.search(r'<input[^>]*name="lines-0-value"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in value_input and "id_lines-0-value-errors" in value_input
    assert counts() == before


def test_goods_without_any_line_form_are_refused_in_the_summary(post):
    before = counts()
    data = gift_form(kind="in_kind", amount="", payment_method="", expected_on=SOON)
    data["lines-TOTAL_FORMS"] = "0"
    response = post(data)
    assert response.status_code == 200
    assert "điền ít nhất một mặt hàng" in response.content.decode()
    assert counts() == before
