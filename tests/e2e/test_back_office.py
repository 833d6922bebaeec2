"""The back office giving to a child, in a real browser, in Vietnamese as the centre uses it: a
case worker proposes, cannot approve their own proposal, a fund manager approves, the case
worker pays it out, and the ledger and the public home page show the money gone to care.

Staff sign in through Wagtail's own login form; every step is the screen a person would use."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from care.models import Allocation
from care.services import TermLine, beneficiary_admit, scholarship_award_create
from donors.services import donor_create
from fund.models import Posting
from fund.services import donation_record
from staff.services import roles_sync
from tests.support.evidence import pdf_bytes

from .conftest import PHONE, admin_sign_in, in_own_thread, t

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "a long pass phrase for tests"  # noqa: S105 - test users only


def _staff(username: str, *roles: str):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, first_name=username.title())
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


@pytest.fixture
def centre(donate_page):
    """A fund with money in it, one child in care, and the staff who give to them. The case
    worker in a small centre often also sits on the fund's committee: she holds both roles, so
    only the rule 'never your own proposal' stops her approving."""
    fund = donate_page.get_parent().specific.fund
    roles_sync()
    company = donor_create(kind="organisation", name="Công ty TNHH Ví Dụ", email="vidu@example.org")
    donation_record(
        fund=fund, donor=company, kind="cash", channel="bank_transfer", amount="50000000", received_at=timezone.now()
    )
    child = beneficiary_admit(
        case_number="TE-0001",
        full_name="Trẻ Thử Nghiệm",
        date_of_birth=datetime.date(2015, 3, 1),
        group="child",
        programme="orphan",
        admitted_on=datetime.date(2022, 9, 1),
        sensitive={"health_notes": "", "disability": "", "family_situation": "", "guardian_contact": ""},
    )
    return {
        "fund": fund,
        "child": child,
        "lan": _staff("lan", "Case worker", "Fund manager"),
        "minh": _staff("minh", "Fund manager"),
        "hoa": _staff("hoa", "Fund accountant"),
    }


def _sign_in(new_page, live_server, username: str, **options):
    page = new_page(**options)
    admin_sign_in(page, live_server.url, username, PASSWORD)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    return page


def test_case_worker_proposes_manager_approves_case_worker_pays_out(new_page, live_server, centre, screenshot_dir):
    fund, child = centre["fund"], centre["child"]

    lan = _sign_in(new_page, live_server, "lan", viewport=PHONE, is_mobile=True, has_touch=True)
    lan.goto(f"{live_server.url}/admin/care/allocations/propose/")
    form = lan.locator("main form")
    # On a phone every field stays inside the screen, the person's select included.
    width = lan.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"the propose form is {width[0]} px wide on a {width[1]} px screen"
    box = form.locator("select[name=beneficiary]").bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"], "the person's select runs past the screen"
    form.locator("select[name=beneficiary]").select_option(str(child.pk))
    form.locator("select[name=fund]").select_option(str(fund.pk))
    form.locator("select[name=kind]").select_option("cash")
    form.locator("input[name=amount]").fill("3000000")
    form.locator("textarea[name=purpose]").fill("Viện phí điều trị")
    form.get_by_role("button", name=t("vi", "Propose")).click()
    allocation = in_own_thread(lambda: Allocation.objects.get(beneficiary=child))
    assert allocation.status == Allocation.Status.PROPOSED
    lan.screenshot(path=screenshot_dir / "allocation-proposed-375.png", full_page=True)

    # Her own proposal: the approve screen refuses her, and nothing changes.
    lan.goto(f"{live_server.url}/admin/care/allocations/approve/{allocation.pk}/")
    lan.get_by_role("button", name=t("vi", "Approve")).click()
    expect(lan.get_by_text(t("vi", "You proposed this allocation: someone else must approve it."))).to_be_visible()
    assert in_own_thread(lambda: Allocation.objects.get(pk=allocation.pk).status) == Allocation.Status.PROPOSED

    minh = _sign_in(new_page, live_server, "minh")
    minh.goto(f"{live_server.url}/admin/care/allocations/inspect/{allocation.pk}/")
    minh.get_by_role("link", name=t("vi", "Approve")).click()
    minh.get_by_role("button", name=t("vi", "Approve")).click()
    assert in_own_thread(lambda: Allocation.objects.get(pk=allocation.pk).status) == Allocation.Status.APPROVED

    # Paying out needs the handover on file: without it the payment is refused.
    lan.goto(f"{live_server.url}/admin/care/allocations/inspect/{allocation.pk}/")
    lan.get_by_role("link", name=t("vi", "Disburse")).click()
    lan.locator("input[name=disbursed_on]").fill(timezone.localdate().isoformat())
    lan.locator("select[name=method]").select_option("bank_transfer_guardian")
    lan.get_by_role("button", name=t("vi", "Disburse")).click()
    refusal = t("vi", "Allocation %(ref)s has no handover document or signature yet: attach one, then pay it out.")
    expect(lan.get_by_text(refusal % {"ref": allocation.pk})).to_be_visible()
    assert in_own_thread(lambda: Allocation.objects.get(pk=allocation.pk).status) == Allocation.Status.APPROVED
    # The guardian's signed receipt, scanned, is attached on the allocation's screen.
    lan.goto(f"{live_server.url}/admin/care/allocations/inspect/{allocation.pk}/")
    evidence = lan.locator("form[data-evidence-form]")
    evidence.locator("input[type=file]").set_input_files(
        {"name": "bien-ban-ban-giao.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("Bien ban ban giao")}
    )
    evidence.get_by_role("button", name=t("vi", "Attach")).click()
    expect(lan.get_by_role("link", name=re.compile(t("vi", "Download file %(number)s").split("%")[0]))).to_be_visible()
    lan.get_by_role("link", name=t("vi", "Disburse")).click()
    lan.locator("input[name=disbursed_on]").fill(timezone.localdate().isoformat())
    lan.locator("select[name=method]").select_option("bank_transfer_guardian")
    lan.get_by_role("button", name=t("vi", "Disburse")).click()
    paid = in_own_thread(lambda: Allocation.objects.select_related("posting").get(pk=allocation.pk))
    assert paid.status == Allocation.Status.DISBURSED
    assert paid.posting.kind == Posting.Kind.ALLOCATION and paid.posting.reference == f"allocation:{paid.pk}"

    # The accountant's ledger lists it by reference and programme, never with the child's name ...
    hoa = _sign_in(new_page, live_server, "hoa")
    hoa.goto(f"{live_server.url}/admin/fund/postings/")
    row = hoa.locator("tr", has_text=f"allocation:{paid.pk}")
    expect(row).to_be_visible()
    expect(row).to_contain_text("orphan")
    expect(hoa.get_by_text("Trẻ Thử Nghiệm")).to_have_count(0)
    hoa.goto(f"{live_server.url}/admin/care/allocations/inspect/{paid.pk}/")
    expect(hoa.get_by_text("3.000.000")).to_be_visible()
    expect(hoa.get_by_text("Trẻ Thử Nghiệm")).to_have_count(0)
    # ... and the public home page counts the money as given to care.
    public = new_page(viewport=PHONE)
    public.goto(f"{live_server.url}/")
    expect(public.locator("table.funds td").nth(1)).to_contain_text("3.000.000")


@pytest.fixture
def school_year(centre):
    """Scholarship money and donated school supplies in the fund, and a scholarship awarded to
    the child for this school year (awarding is its own screen, tested in tests/care)."""
    fund, child, lan = centre["fund"], centre["child"], centre["lan"]
    company = donor_create(kind="organisation", name="Công ty Học Bổng", email="hocbong@example.org")
    now = timezone.now()
    donation_record(
        fund=fund,
        donor=company,
        kind="scholarship",
        channel="bank_transfer",
        amount="6000000",
        scholarship_count=3,
        school_year="2026-2027",
        received_at=now,
    )
    donation_record(
        fund=fund,
        donor=company,
        kind="supplies",
        channel="in_kind_delivery",
        lines=[{"description": "Vở ô li", "quantity": "100", "unit": "quyển", "fair_value": "1000000"}],
        received_at=now,
    )
    today = timezone.localdate()
    starts = datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 5)
    award = scholarship_award_create(
        beneficiary=child,
        fund=fund,
        school_year=f"{starts.year}-{starts.year + 1}",
        year_starts_on=starts,
        year_ends_on=datetime.date(starts.year + 1, 5, 31),
        school="Trường Tiểu học Thử",
        level="primary",
        payee="school",
        amount_per_term="2000000",
        total="4000000",
        terms=[TermLine(starts + datetime.timedelta(days=7)), TermLine(datetime.date(starts.year + 1, 1, 15))],
        actor=lan,
    )
    return {**centre, "award": award}


def test_a_scholarship_term_and_school_supplies_reach_a_child(new_page, live_server, school_year, screenshot_dir):
    fund, child, award = school_year["fund"], school_year["child"], school_year["award"]
    term = in_own_thread(lambda: award.terms.get(number=1))
    today = timezone.localdate().isoformat()

    # The case worker releases the first term on the school's letter ...
    lan = _sign_in(new_page, live_server, "lan", viewport=PHONE, is_mobile=True, has_touch=True)
    lan.goto(f"{live_server.url}/admin/care/scholarships/terms/confirm/{term.pk}/")
    lan.locator("input[name=confirmed_on]").fill(today)
    lan.locator("input[name=reference]").fill("GXN-118")
    lan.locator("input[name=file]").set_input_files(
        {"name": "giay-xac-nhan.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("Giay xac nhan")}
    )
    lan.get_by_role("button", name=t("vi", "Confirm and release")).click()
    term = in_own_thread(lambda: award.terms.select_related("allocation").get(number=1))
    assert term.allocation is not None and term.allocation.kind == "scholarship"
    # ... and proposes school supplies from stock.
    lan.goto(f"{live_server.url}/admin/care/allocations/propose-goods/")
    form = lan.locator("main form")
    form.locator("select[name=beneficiary]").select_option(str(child.pk))
    form.locator("select[name=fund]").select_option(str(fund.pk))
    form.locator("select[name=kind]").select_option("supplies")
    form.locator("textarea[name=purpose]").fill("Đồ dùng học tập đầu năm")
    form.locator("select[name='lines-0-stock_line']").select_option(index=1)
    form.locator("input[name='lines-0-quantity']").fill("10")
    form.get_by_role("button", name=t("vi", "Propose")).click()
    goods = in_own_thread(lambda: Allocation.objects.get(kind="supplies"))
    # She proposed the term's allocation by releasing it: she may not approve it herself.
    lan.goto(f"{live_server.url}/admin/care/allocations/approve/{term.allocation.pk}/")
    lan.get_by_role("button", name=t("vi", "Approve")).click()
    expect(lan.get_by_text(t("vi", "You proposed this allocation: someone else must approve it."))).to_be_visible()

    minh = _sign_in(new_page, live_server, "minh")
    for allocation in (term.allocation, goods):
        minh.goto(f"{live_server.url}/admin/care/allocations/approve/{allocation.pk}/")
        minh.get_by_role("button", name=t("vi", "Approve")).click()
    assert in_own_thread(lambda: set(Allocation.objects.values_list("status", flat=True))) == {"approved"}

    # The term is paid to the school; the goods are handed over with the signed record attached.
    lan.goto(f"{live_server.url}/admin/care/scholarships/terms/pay/{term.pk}/")
    expect(lan.locator("input[name=paid_on]")).not_to_have_value("")  # the form offers today
    lan.get_by_role("button", name=t("vi", "Pay")).click()
    lan.goto(f"{live_server.url}/admin/care/allocations/inspect/{goods.pk}/")
    evidence = lan.locator("form[data-evidence-form]")
    evidence.locator("input[type=file]").set_input_files(
        {"name": "bien-ban.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("Bien ban ban giao")}
    )
    evidence.get_by_role("button", name=t("vi", "Attach")).click()
    lan.goto(f"{live_server.url}/admin/care/allocations/issue/{goods.pk}/")
    expect(lan.locator("input[name=handed_over_on]")).not_to_have_value("")  # the form offers today
    lan.locator("select[name=recipient]").select_option("child")
    lan.locator("main form").get_by_role("button").last.click()
    assert in_own_thread(lambda: set(Allocation.objects.values_list("status", flat=True))) == {"disbursed"}

    # The ledger has both postings; the stock report shows the notebooks gone.
    postings = in_own_thread(lambda: list(Posting.objects.filter(kind="allocation").values_list("purpose", flat=True)))
    assert sorted(postings) == ["scholarship", "supplies"]
    hoa = _sign_in(new_page, live_server, "hoa")
    hoa.goto(f"{live_server.url}/admin/care/stock/")
    expect(hoa.locator("tr", has_text="Vở ô li")).to_contain_text("90")
    hoa.screenshot(path=screenshot_dir / "stock-report.png", full_page=True)
