"""Fund, campaign and transparency pages: figures from the ledger, no child, no anonymous donor."""

import datetime
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from wagtail.models import Locale
from wagtail.rich_text import RichText

from care.models import Beneficiary
from care.services import beneficiary_admit
from cms.models import StandardPage, TransparencyPage
from donors.services import donor_create
from fund.selectors.public import campaign_progress, mask_reference
from fund.services import donation_record, donation_refund
from tests.support.leaks import child_identifiers, child_leaks, public_site_build, public_urls

from .conftest import publish_child


def receive(fund, donor, amount, **extra):
    return donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount=amount, received_at=timezone.now(), **extra
    )


@pytest.fixture
def transparency_page(site):
    return publish_child(site.root_page, TransparencyPage(title="Minh bạch", slug="minh-bach"))


def test_campaign_progress_comes_from_the_ledger_net_of_refunds(fund, donor, organisation, campaign):
    receive(fund, donor, "300000", campaign=campaign)
    refunded = receive(fund, organisation, "200000", campaign=campaign)
    receive(fund, organisation, "900000")  # to the fund, not the campaign
    donation_refund(donation=refunded, reason="returned transfer")
    cache.clear()
    progress = campaign_progress(campaign)
    assert progress.raised.amount == Decimal("300000")
    assert progress.donors == 1
    assert progress.percent == 30


def test_campaign_page_shows_progress(client, campaign_page, fund, donor, campaign):
    receive(fund, donor, "250000", campaign=campaign)
    html = client.get(campaign_page.url).content.decode()
    assert "250.000 ₫" in html
    assert 'aria-valuenow="25"' in html


def test_transparency_names_only_donors_who_agreed(client, transparency_page, fund):
    named = donor_create(kind="person", name="Người Được Nêu Tên", anonymous_by_default=False)
    hidden = donor_create(kind="person", name="Người Ẩn Danh Bí Mật")
    receive(fund, named, "100000", is_anonymous=False)
    gift = receive(fund, hidden, "150000")
    html = client.get(transparency_page.url).content.decode()
    assert "Người Được Nêu Tên" in html
    assert "Người Ẩn Danh Bí Mật" not in html
    assert gift.reference not in html
    assert mask_reference(gift.reference) in html
    assert "250.000 ₫" in html


@pytest.fixture
def a_child(db):
    return beneficiary_admit(
        case_number="TE-2014-031",
        full_name="Lê Thị Bảo Ngọc",
        date_of_birth=datetime.date(2014, 3, 7),
        group=Beneficiary.Group.CHILD,
        programme="orphan",
        admitted_on=datetime.date(2024, 1, 1),
    )


@pytest.fixture
def whole_site(organisation_settings, fund, a_child):
    return public_site_build(fund=fund)


def test_no_page_shows_a_child(whole_site, a_child):
    urls = public_urls()
    # The crawl reaches every kind of public page, or an empty list would pass for a clean site.
    assert {"/", "/en/", "/cpf/", "/cpf/ung-ho/", "/minh-bach/", "/en/minh-bach/"} <= set(urls)
    assert any("/thanks/" in url for url in urls)
    assert any("/receipts/verify/" in url for url in urls)
    leaks = child_leaks(urls=urls)
    assert not leaks, "\n".join(map(str, leaks))


def _story_page(home, text):
    page = StandardPage(title="Câu chuyện", slug="cau-chuyen", body=[("paragraph", RichText(f"<p>{text}</p>"))])
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def _publish(page, field, value):
    setattr(page, field, value)
    page.save_revision().publish()
    return page


# Where an editor could write a child onto the site, and what: the crawl must find each one.
PUT_ON_A_PAGE = {
    "name in the home page's introduction": (
        "full name",
        lambda site, text: _publish(site["home"], "intro", f"<p>Chào {text}</p>"),
    ),
    "case number in a story's body": ("case number", lambda site, text: _story_page(site["home"], text)),
    "birth date d/m/Y in a fund's summary": (
        "date of birth (vi, d/m/Y)",
        lambda site, text: _publish(site["fund_page"], "summary", f"Sinh ngày {text}"),
    ),
    "birth date Y-m-d in a fund's story": (
        "date of birth (vi, Y-m-d)",
        lambda site, text: _publish(site["fund_page"], "body", [("paragraph", RichText(f"<p>{text}</p>"))]),
    ),
    "long Vietnamese birth date on the home page": (
        "date of birth (vi, DATE_FORMAT)",
        lambda site, text: _publish(site["home"], "intro", f"<p>{text}</p>"),
    ),
    "long English birth date on the English home page": (
        "date of birth (en, DATE_FORMAT)",
        lambda site, text: _publish(
            site["home"].get_translation(Locale.objects.get(language_code="en")), "intro", f"<p>{text}</p>"
        ),
    ),
}


@pytest.mark.parametrize("case", PUT_ON_A_PAGE, ids=list(PUT_ON_A_PAGE))
def test_the_search_finds_a_child_put_on_a_page(whole_site, a_child, case):
    assert child_leaks() == []
    what, put = PUT_ON_A_PAGE[case]
    text = child_identifiers(a_child)[what]
    page = put(whole_site, text).specific
    page.refresh_from_db()
    leaks = child_leaks()
    assert (page.url, a_child.case_number, what) in {(leak.url, leak.case_number, leak.what) for leak in leaks}, leaks


def test_transparency_dates_gifts_in_the_centres_time_zone(client, transparency_page, fund, donor, settings):
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    # 06:00 in Vietnam is 23:00 the day before in UTC: the gift was given on the 4th.
    early = datetime.datetime(2026, 3, 4, 6, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh"))
    receive_at(fund, donor, "100000", early)
    html = client.get(transparency_page.url).content.decode()
    assert ">04/03/2026</td>" in html
    assert "03/03/2026" not in html


def test_transparency_tables_have_no_empty_header_cells(client, transparency_page, fund, donor):
    receive(fund, donor, "100000")
    html = client.get(transparency_page.url).content.decode()
    assert "<table>" in html
    assert not re.search(r"<th[^>]*>\s*</th>", html)


def receive_at(fund, donor, amount, moment):
    return donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount=amount, received_at=moment
    )


def test_language_options_carry_their_own_lang(client, donate_page):
    html = client.get(donate_page.url).content.decode()
    select = re.search(r'<select name="language".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value="vi"[^>]* lang="vi"', select)
    assert re.search(r'<option value="en"[^>]* lang="en"', select)
