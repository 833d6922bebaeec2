"""The back office in Wagtail's admin: funds with ledger balances, read-only gifts, case files."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from audit.models import AuditEntry
from care.models import Beneficiary, BeneficiarySensitive
from fund.models import Fund, FundAccount
from fund.money import money_display
from fund.selectors import fund_balance
from fund.services import donation_record, fund_update
from tests.support.leaks import child_identifiers, child_leaks, public_site_build


@pytest.fixture
def admin_client(client, db):
    user = User.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(user)
    return client


def staff_client(client, *perms):
    user = User.objects.create_user("staff", "staff@example.org", "pw")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        *[Permission.objects.get(codename=codename) for codename in perms],
    )
    client.force_login(user)
    return client, user


def test_fund_list_shows_balances_from_the_ledger(admin_client, fund, donor):
    donation_record(
        fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="1900000", received_at=timezone.now()
    )
    donation_record(
        fund=fund,
        donor=donor,
        kind="supplies",
        channel="in_kind_delivery",
        lines=[{"description": "Notebooks", "quantity": "100", "unit": "piece", "fair_value": "500000"}],
        received_at=timezone.now(),
    )
    response = admin_client.get("/admin/fund/funds/")
    assert response.status_code == 200
    html = response.content.decode()
    balance = fund_balance(fund)
    assert money_display(balance.total) == "2.400.000 ₫"
    assert "2.400.000 ₫" in html  # balance
    assert "1.900.000 ₫" in html  # cash
    assert "500.000 ₫" in html  # goods


def test_creating_a_fund_in_the_admin_opens_its_ledger_accounts(admin_client):
    response = admin_client.post(
        "/admin/fund/funds/new/",
        {"name": "Typhoon Appeal", "code": "TYP", "currency": "VND", "restricted_purpose": "", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    fund = Fund.objects.get(code="TYP")
    assert FundAccount.objects.filter(fund=fund).count() == 12  # every role, "Goods lost or damaged" included
    assert AuditEntry.objects.filter(action="fund.create", object_id=str(fund.pk)).exists()


def test_bad_fund_code_is_a_form_error_and_writes_nothing(admin_client):
    response = admin_client.post("/admin/fund/funds/new/", {"name": "Bad", "code": "bad code!", "currency": "VND"})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors, response.context["form"].errors
    assert not Fund.objects.filter(name="Bad").exists()


def test_fund_code_and_currency_cannot_change_after_creation(admin_client, fund):
    response = admin_client.post(
        f"/admin/fund/funds/edit/{fund.pk}/",
        {"name": "Renamed fund", "code": "ZZZ", "currency": "USD", "restricted_purpose": "x", "is_active": "on"},
    )
    assert response.status_code == 302
    fund.refresh_from_db()
    assert (fund.name, fund.code, fund.currency) == ("Renamed fund", "CPF", "VND")


def test_gifts_and_funds_cannot_be_added_edited_or_deleted_by_form(admin_client, fund, donor):
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="bank_transfer", amount="100000")
    assert admin_client.get("/admin/fund/gifts/").status_code == 200
    assert admin_client.get(f"/admin/fund/gifts/inspect/{gift.pk}/").status_code == 200
    assert admin_client.get("/admin/fund/gifts/new/").status_code in (302, 403)
    assert admin_client.get(f"/admin/fund/gifts/edit/{gift.pk}/").status_code in (302, 403)
    assert admin_client.post(f"/admin/fund/funds/delete/{fund.pk}/").status_code in (302, 403)
    assert Fund.objects.filter(pk=fund.pk).exists()


@pytest.fixture
def child(db):
    child = Beneficiary.objects.create(
        case_number="TE-0001",
        full_name="Demo Child",
        date_of_birth=datetime.date(2015, 5, 1),
        group="child",
        programme="hiv",
        admitted_on=datetime.date(2020, 1, 1),
    )
    BeneficiarySensitive.objects.create(beneficiary=child, health_notes="SENSITIVE-HEALTH-NOTE")
    return child


def test_case_worker_sees_sensitive_record_and_the_read_is_audited(client, child):
    client, user = staff_client(client, "view_beneficiary", "view_beneficiarysensitive")
    response = client.get(f"/admin/care/people/inspect/{child.pk}/")
    assert response.status_code == 200
    assert "SENSITIVE-HEALTH-NOTE" in response.content.decode()
    entry = AuditEntry.objects.get(action="beneficiary_sensitive.read")
    assert (entry.actor, entry.object_id) == (user, str(child.pk))


def test_staff_without_permission_never_see_sensitive_record(client, child):
    client, _ = staff_client(client, "view_beneficiary")
    response = client.get(f"/admin/care/people/inspect/{child.pk}/")
    assert response.status_code == 200
    assert "SENSITIVE-HEALTH-NOTE" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="beneficiary_sensitive.read").exists()


def test_no_public_page_shows_a_child_with_a_case_file(child, fund):
    # A case file with sensitive notes exists in the back office; an anonymous visitor crawling
    # the whole site finds neither the child nor the notes.
    public_site_build(fund=fund)
    leaks = child_leaks(also=SENSITIVE)
    assert not leaks, "\n".join(map(str, leaks))


SENSITIVE = {"health notes": "SENSITIVE-HEALTH-NOTE"}


@pytest.mark.parametrize(
    "what", ["full name", "case number", "date of birth (vi, DATE_FORMAT)", "health notes"], ids=str
)
def test_the_public_site_search_finds_a_child_on_the_home_page(child, fund, what):
    site = public_site_build(fund=fund)
    assert child_leaks(also=SENSITIVE) == []
    text = {**child_identifiers(child), **SENSITIVE}[what]
    site["home"].intro = f"<p>{text}</p>"
    site["home"].save_revision().publish()
    assert [(leak.url, leak.what) for leak in child_leaks(also=SENSITIVE) if leak.what == what] == [("/", what)]


def test_editing_a_donor_in_the_admin_saves_and_audits(admin_client, organisation):
    response = admin_client.post(
        f"/admin/donors/edit/{organisation.pk}/",
        {
            "kind": "organisation",
            "name": organisation.name,
            "tax_code": organisation.tax_code,
            "contact_person": "Người Liên Hệ Mới",
            "email": organisation.email,
            "phone": "",
            "address": "",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    organisation.refresh_from_db()
    assert (organisation.contact_person, organisation.preferred_language) == ("Người Liên Hệ Mới", "en")
    entry = AuditEntry.objects.get(action="donor.update")
    assert entry.data["fields"] == ["anonymous_by_default", "contact_person", "preferred_language"]


def test_staff_without_permission_leave_a_refusal_in_the_audit_trail(client, child):
    client, user = staff_client(client, "view_beneficiary")
    client.get(f"/admin/care/people/inspect/{child.pk}/")
    assert AuditEntry.objects.filter(action="beneficiary_sensitive.refused", actor=user).count() == 1


def test_a_user_who_acted_cannot_be_deleted_only_deactivated(admin_client, fund):
    staff = User.objects.create_user("former", "former@example.org", "pw")
    fund_update(fund=fund, name="Renamed", restricted_purpose="", is_active=True, actor=staff)
    response = admin_client.post(f"/admin/users/delete/{staff.pk}/")
    assert response.status_code == 302
    assert User.objects.filter(pk=staff.pk).exists()
    idle = User.objects.create_user("idle", "idle@example.org", "pw")
    admin_client.post(f"/admin/users/delete/{idle.pk}/")
    assert not User.objects.filter(pk=idle.pk).exists()
