"""Role x screen: a user in each role group opens every back-office listing, inspect view and
action, and gets in exactly where ROADMAP.md's role table lets them (an accountant no case file,
a case worker no donor or bank line, an editor only pages and media, an auditor read-only).

The expectations below are written from the role table, not from the code. The listings are
discovered from the registered viewsets, so a new screen fails here until a role decision is
written down for it (EXPECTED_VIEWERS)."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone
from djmoney.money import Money
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.model import ModelViewSet

from audit.models import AuditEntry
from care.models import (
    Allocation,
    Beneficiary,
    BeneficiarySensitive,
    Evidence,
    ScholarshipAward,
    ScholarshipTerm,
    StockCount,
    StockLine,
    StockMovement,
)
from care.services import TermLine, allocation_propose, scholarship_award_create, stock_count_record
from fund.models import AccountMapping, Campaign, ClosedPeriod, Donation, Organisation, Posting, RecurringGift
from fund.services import campaign_create, donation_receive, donation_record, period_close
from fund.services.journal import account_mappings_default
from payments.models import BankStatement, BankTransaction, Batch, CardPayment, StripeEvent
from payments.services.bank_import import bank_statement_import
from payments.services.batches import batch_line_add, batch_open
from receipts.models import Receipt, ReceiptDelivery, ReceiptSettings
from receipts.services.receipts import receipt_issue
from staff.services import roles_sync
from tests.support.evidence import handover_attach

from ..payments.bank.conftest import statement_csv, vn_date
from ..support.periods import month_before

pytestmark = pytest.mark.django_db

ADMINISTRATOR, ACCOUNTANT, CASE_WORKER, MANAGER, EDITOR, AUDITOR = (
    "Administrator",
    "Fund accountant",
    "Case worker",
    "Fund manager",
    "Content editor",
    "Auditor",
)
EVERYONE = {ADMINISTRATOR, ACCOUNTANT, CASE_WORKER, MANAGER, EDITOR, AUDITOR}

# Who may look at each project screen (ROADMAP: "may" column, less every "may not").
FINANCE = {ADMINISTRATOR, ACCOUNTANT, AUDITOR}  # gifts' payment records, bank lines, donors
EXPECTED_VIEWERS: dict[str, set[str]] = {
    "fund.fund": FINANCE | {MANAGER},
    # A fund's appeals, seen by whoever sees the fund. Needs fund.view_campaign in FINANCE_VIEW and
    # the manager's view/add/change_campaign in staff/roles.py.
    "fund.campaign": FINANCE | {MANAGER},
    "fund.donation": FINANCE | {MANAGER},  # a manager sees gifts, never edits them
    "fund.posting": FINANCE | {MANAGER},  # the ledger, likewise
    "payments.cardpayment": FINANCE,
    "fund.recurringgift": FINANCE,
    "payments.stripeevent": FINANCE,
    "payments.bankstatement": FINANCE,
    "payments.banktransaction": FINANCE,
    "payments.batch": FINANCE,  # cash batches: entered and posted by accountants, seen by the auditor
    "donors.donor": FINANCE,  # contact details: not the case worker's, not the manager's
    "care.beneficiary": {ADMINISTRATOR, CASE_WORKER},  # no case file for accountant, manager, auditor
    # Allocations by number, fund and amount: the money's side of care, seen by every role that
    # handles money or care; the person shows only to case-file readers (tested below).
    "care.allocation": EVERYONE - {EDITOR},
    # Stock: goods by fund, item and value, never a person; like allocations.
    "care.stockline": EVERYONE - {EDITOR},
    "care.stockmovement": EVERYONE - {EDITOR},
    "care.stockcount": EVERYONE - {EDITOR},
    # Scholarship awards likewise: by number, fund, school year and amounts; the person only to
    # case-file readers.
    "care.scholarshipaward": EVERYONE - {EDITOR},
    "receipts.receipt": FINANCE,
    "receipts.receiptdelivery": FINANCE,
    "audit.auditentry": {ADMINISTRATOR, AUDITOR},
    # The official books: closed periods and the account codes of the centre's chart, seen by
    # those who keep and check the books.
    "fund.closedperiod": FINANCE,
    "fund.accountmapping": FINANCE,
}
# Who may add or edit by form; every other project screen is list-and-inspect only for everyone.
EXPECTED_EDITORS: dict[str, set[str]] = {
    "fund.fund": {ADMINISTRATOR, MANAGER},
    "fund.campaign": {ADMINISTRATOR, MANAGER},  # like the fund it belongs to
    "donors.donor": {ADMINISTRATOR, ACCOUNTANT},
    "fund.accountmapping": {ADMINISTRATOR, ACCOUNTANT},  # the accountant sets the codes
}
# Listings that download as CSV and XLSX, for exactly their viewers. A case file never does.
EXPECTED_EXPORTS = {
    "fund.donation",
    "fund.posting",
    "payments.banktransaction",
    "donors.donor",
    "receipts.receipt",
    "receipts.receiptdelivery",
    "audit.auditentry",
    "care.allocation",  # without the person
    "care.stockline",  # the stock report
    "care.stockmovement",
    "care.stockcount",
    "care.scholarshipaward",  # without the person
}
CONTENT = {ADMINISTRATOR, EDITOR}
CONTENT_URLS = ["/admin/pages/", "/admin/images/", "/admin/documents/", "/admin/images/multiple/add/"]
# Every app of this repository, found rather than listed, so a new app's screens join the matrix.
PROJECT_APPS = tuple(
    config.label for config in apps.get_app_configs() if Path(config.path).parent == Path(settings.BASE_DIR)
)


def refused(response) -> bool:
    """Wagtail answers a refused permission by sending the user to the admin home page."""
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")


def project_viewsets() -> list[ModelViewSet]:
    # Wagtail fills its registry when the admin's URLconf is first loaded.
    get_resolver().url_patterns  # noqa: B018
    found = [
        vs for vs in viewsets.viewsets if isinstance(vs, ModelViewSet) and vs.model._meta.app_label in PROJECT_APPS
    ]
    assert found, "no project viewset registered: the matrix would check nothing"
    return found


def label(vs: ModelViewSet) -> str:
    return vs.model._meta.label_lower


@pytest.fixture
def clients(client, db):
    """One logged-in client per role (a fresh Client each: force_login replaces the session)."""
    from django.test import Client

    roles_sync()
    made = {}
    for name in EVERYONE:
        user = User.objects.create_user(name.lower().replace(" ", "_"), "x@example.org", "pw")
        user.groups.add(Group.objects.get(name=name))
        role_client = Client()
        role_client.force_login(user)
        made[name] = role_client
    return made


@pytest.fixture
def one_of_each(fund, donor):
    """A row behind every inspect view."""
    now = timezone.now()
    campaign_create(fund=fund, name="Matrix appeal", slug="matrix-appeal", starts_on=timezone.localdate())
    gift = donation_record(fund=fund, donor=donor, kind="cash", channel="cash", amount="200000")
    donation_receive(donation=gift)
    receipt = receipt_issue(donation_id=gift.pk)
    ReceiptDelivery.objects.get_or_create(receipt=receipt, defaults={"to_email": "a@example.org"})
    card_gift = donation_record(fund=fund, donor=donor, kind="cash", channel="card", amount="100000", received_at=now)
    CardPayment.objects.create(
        donation=card_gift, stripe_payment_intent_id="pi_matrix", status=CardPayment.Status.SUCCEEDED
    )
    RecurringGift.objects.create(donor=donor, fund=fund, amount=Money(Decimal("50000"), "VND"))
    for stripe_id, attention in (("evt_matrix", "person"), ("evt_matrix_retry", "retry")):
        StripeEvent.objects.create(
            stripe_id=stripe_id, type="charge.dispute.created", created=now, payload={}, attention=attention
        )
    donation_record(
        fund=fund,
        donor=donor,
        kind="cash",
        channel="bank_transfer",
        amount="300000",
        pledged_at=now - datetime.timedelta(days=2),
    )
    bank_statement_import(
        filename="sao-ke.csv",
        content=statement_csv([[vn_date(timezone.localdate()), "750.000", "", "UNG HO QUY", "NGUYEN VAN A"]]),
        mapping="generic",
        currency="VND",
        actor=None,
    )
    person = Beneficiary.objects.create(
        case_number="C-001",
        full_name="Trẻ em Một",
        date_of_birth=datetime.date(2015, 1, 1),
        group="child",
        programme="orphan",
        admitted_on=datetime.date(2020, 1, 1),
    )
    BeneficiarySensitive.objects.create(beneficiary=person, health_notes="MATRIX-SENSITIVE-NOTE")
    proposer = User.objects.create_user("matrix_proposer", "p@example.org", "pw")
    donation_record(
        fund=fund,
        donor=donor,
        kind="in_kind",
        channel="in_kind_delivery",
        lines=[{"description": "Gạo", "quantity": "10", "unit": "kg", "fair_value": "200000"}],
        received_at=now,
    )
    stock_count_record(
        fund=fund,
        counted_on=timezone.localdate(),
        lines=[{"item": StockLine.objects.get().item, "restriction": "in_kind", "counted": "9"}],
        actor=proposer,
    )
    allocation = allocation_propose(
        beneficiary=person, fund=fund, kind="cash", amount="100000", purpose="Shoes", actor=proposer
    )
    handover_attach(allocation)  # an evidence file behind the download action
    scholarship_award_create(
        beneficiary=person,
        fund=fund,
        school_year="2026-2027",
        year_starts_on=datetime.date(2026, 9, 5),
        year_ends_on=datetime.date(2027, 5, 31),
        school="Matrix school",
        level="primary",
        payee="school",
        amount_per_term="500000",
        total="1000000",
        terms=[TermLine(datetime.date(2026, 9, 5)), TermLine(datetime.date(2027, 1, 15))],
        actor=proposer,
    )
    batch = batch_open(
        fund=fund,
        event_name="Matrix fair",
        collected_on=timezone.localdate(),
        expected_count=1,
        expected_total="50000",
        actor=proposer,
    )
    batch_line_add(batch=batch, amount="50000", actor=proposer)
    account_mappings_default()
    closer = User.objects.create_superuser("matrix_closer", "c@example.org", "pw")
    period_close(starts_on=month_before(1)[0], ends_on=month_before(1)[1], actor=closer)
    models = (
        Campaign,
        Donation,
        Posting,
        Receipt,
        ReceiptDelivery,
        CardPayment,
        RecurringGift,
        StripeEvent,
        BankStatement,
        BankTransaction,
        Beneficiary,
        Allocation,
        StockLine,
        StockMovement,
        StockCount,
        ScholarshipAward,
        Batch,
        AuditEntry,
        Evidence,
        ClosedPeriod,
        AccountMapping,
    )
    assert all(model.objects.exists() for model in models)


def test_every_project_screen_has_a_role_decision():
    discovered = {label(vs) for vs in project_viewsets()}
    assert discovered == set(EXPECTED_VIEWERS), "a screen was added or removed: decide who may see it"


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_opens_exactly_the_listings_roadmap_allows(clients, role):
    client = clients[role]
    wrong = []
    for vs in project_viewsets():
        url = reverse(vs.get_url_name("index"))
        response = client.get(url)
        allowed = role in EXPECTED_VIEWERS[label(vs)]
        if (response.status_code == 200) != allowed or (not allowed and not refused(response)):
            wrong.append((url, response.status_code, "expected 200" if allowed else "expected refusal"))
    for url in CONTENT_URLS:
        response = client.get(url)
        allowed = role in CONTENT
        if (response.status_code == 200) != allowed or (not allowed and not refused(response)):
            wrong.append((url, response.status_code, "expected 200" if allowed else "expected refusal"))
    assert wrong == []


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_inspects_and_edits_exactly_what_roadmap_allows(clients, one_of_each, role):
    client = clients[role]
    wrong = []
    for vs in project_viewsets():
        instance = vs.model.objects.order_by("pk").first()
        checks = [("inspect", [instance.pk], role in EXPECTED_VIEWERS[label(vs)])]
        checks += [("add", [], role in EXPECTED_EDITORS.get(label(vs), set()))]
        checks += [(name, [instance.pk], role in EXPECTED_EDITORS.get(label(vs), set())) for name in ("edit",)]
        checks += [("delete", [instance.pk], False)]  # nothing here is ever deleted by form
        for view_name, args, allowed in checks:
            try:
                url = reverse(vs.get_url_name(view_name), args=args)
            except NoReverseMatch:
                continue  # the viewset has no such view at all: refused for everyone
            response = client.get(url)
            if (response.status_code == 200) != allowed or (not allowed and not refused(response)):
                wrong.append((url, response.status_code, "expected 200" if allowed else "expected refusal"))
    assert wrong == []


def test_every_export_has_a_role_decision():
    exporting = {label(vs) for vs in project_viewsets() if isinstance(vs.list_export, list | tuple) and vs.list_export}
    assert exporting == EXPECTED_EXPORTS, "an export was added or removed: decide who may download it"


def downloaded(response) -> bool:
    """A file with columns. Wagtail answers ``?export=csv`` on a listing with no export columns
    with one empty line per row: nothing in it, so not an export."""
    if response.status_code != 200 or response["Content-Type"].startswith("text/html"):
        return False
    if response["Content-Type"].startswith("text/csv"):
        return bool(b"".join(response.streaming_content).splitlines()[0].strip())
    return True


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_downloads_exactly_the_exports_roadmap_allows(clients, one_of_each, role):
    client = clients[role]
    wrong = []
    for vs in project_viewsets():
        may_see = role in EXPECTED_VIEWERS[label(vs)]
        allowed = may_see and label(vs) in EXPECTED_EXPORTS
        for export in ("csv", "xlsx") if label(vs) in EXPECTED_EXPORTS else ("csv",):
            url = f"{reverse(vs.get_url_name('index'))}?export={export}"
            response = client.get(url)
            if downloaded(response) != allowed or (not may_see and not refused(response)):
                wrong.append((url, response.status_code, "expected a file" if allowed else "expected none"))
    assert wrong == []


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_reaches_exactly_the_actions_roadmap_allows(clients, one_of_each, role):
    client = clients[role]
    line = BankTransaction.objects.filter(status=BankTransaction.Status.REVIEW).first()
    receipt = Receipt.objects.first()
    event = StripeEvent.objects.get(stripe_id="evt_matrix")
    retry = StripeEvent.objects.get(stripe_id="evt_matrix_retry")
    allocation = Allocation.objects.get()
    count = StockCount.objects.get()
    evidence = Evidence.objects.get()
    award = ScholarshipAward.objects.get()
    term = ScholarshipTerm.objects.filter(award=award).first()
    accountant = {ADMINISTRATOR, ACCOUNTANT}
    pledge = Donation.objects.filter(status="pledged", channel="bank_transfer").first()
    cash_gift = Donation.objects.filter(status="received", channel="cash").first()
    card_gift = Donation.objects.filter(status="received", channel="card").first()
    campaign = Campaign.objects.get()
    person = Beneficiary.objects.get()
    batch = Batch.objects.get()
    period = ClosedPeriod.objects.get()
    actions = [
        ("/admin/payments/bank-import/", accountant),  # import a statement
        (f"/admin/payments/bank-transfers/match/{line.pk}/", accountant),  # the review queue
        (f"/admin/payments/bank-transfers/ignore/{line.pk}/", accountant),
        ("/admin/reports/pledges-due/", FINANCE | {MANAGER}),  # gifts, read-only
        (reverse("receipts_admin:pdf", args=[receipt.pk]), FINANCE),
        (reverse("receipts_admin:resend", args=[receipt.pk]), accountant),
        (reverse("receipts_admin:reissue", args=[receipt.pk]), accountant),
        ("/admin/receipts/statements/", accountant),  # statements of gifts for a period
        # Fund statements: totals and counts from the ledger, for whoever answers for the money.
        (reverse("reporting_fund_statement"), FINANCE | {MANAGER}),
        (reverse("reporting_fund_statement_download", args=["csv"]), FINANCE | {MANAGER}),
        (reverse("stripe_events:resolve", args=[event.pk]), accountant),
        (reverse("stripe_events:retry", args=[retry.pk]), accountant),
        # Allocations: a case worker proposes and pays out, a manager approves, an accountant
        # reverses a payment posted by mistake; whoever proposes or approves may withdraw one.
        (reverse("allocations_admin:propose"), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("allocations_admin:approve", args=[allocation.pk]), {ADMINISTRATOR, MANAGER}),
        (reverse("allocations_admin:reject", args=[allocation.pk]), {ADMINISTRATOR, MANAGER}),
        (reverse("allocations_admin:disburse", args=[allocation.pk]), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("allocations_admin:undeliverable", args=[allocation.pk]), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("allocations_admin:cancel", args=[allocation.pk]), {ADMINISTRATOR, CASE_WORKER, MANAGER}),
        (reverse("allocations_admin:reverse", args=[allocation.pk]), accountant),
        # Goods: a case worker proposes from stock and hands over; storekeeping (intake) is the
        # case worker's and the accountant's; a case worker counts, a manager decides the count.
        (reverse("allocations_admin:propose_goods"), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("allocations_admin:issue", args=[allocation.pk]), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("stock_intake"), {ADMINISTRATOR, CASE_WORKER, ACCOUNTANT}),
        (reverse("stock_counts_admin:record"), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("stock_counts_admin:approve", args=[count.pk]), {ADMINISTRATOR, MANAGER}),
        (reverse("stock_counts_admin:reject", args=[count.pk]), {ADMINISTRATOR, MANAGER}),
        # Evidence: case workers attach handovers; accountants and auditors need the proof behind a
        # payment; fund managers and content editors never open the files.
        (reverse("care_evidence_attach", args=["allocation", allocation.pk]), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("care_evidence_download", args=[evidence.pk]), {ADMINISTRATOR, ACCOUNTANT, CASE_WORKER, AUDITOR}),
        # Scholarships: the case worker awards, renews, ends, confirms enrolments (releasing a
        # term's allocation), pays and records acknowledgements; the manager approves the
        # term's allocation on the allocation screens above.
        (reverse("scholarships_admin:create"), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("scholarships_admin:renew", args=[award.pk]), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("scholarships_admin:end", args=[award.pk]), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("scholarships_admin:confirm", args=[term.pk]), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("scholarships_admin:release", args=[term.pk]), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("scholarships_admin:pay", args=[term.pk]), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("scholarships_admin:acknowledge", args=[term.pk]), {ADMINISTRATOR, CASE_WORKER}),
        # Gifts: an accountant records cash received at the centre, cancels and refunds; a fund
        # manager none of these. Campaigns close and reopen with whoever edits them.
        (reverse("donation:record_centre"), accountant),
        (reverse("donation:cancel", args=[pledge.pk]), accountant),
        (reverse("donation:refund", args=[cash_gift.pk]), accountant),
        # A card gift's refund is asked of Stripe: the gifts' permission and the card payments' both.
        (reverse("cardpayment:refund", args=[card_gift.pk]), accountant),
        (reverse("campaigns:close", args=[campaign.pk]), {ADMINISTRATOR, MANAGER}),
        (reverse("campaigns:reopen", args=[campaign.pk]), {ADMINISTRATOR, MANAGER}),
        # Case files: the case worker admits and records departures.
        (reverse("beneficiary:admit"), {ADMINISTRATOR, CASE_WORKER}),
        (reverse("beneficiary:discharge", args=[person.pk]), {ADMINISTRATOR, CASE_WORKER}),
        # Cash batches: accountants open, enter and post (a mismatch is overridden by another).
        (reverse("cash_batches:open"), accountant),
        (reverse("cash_batches:line_add", args=[batch.pk]), accountant),
        (reverse("cash_batches:line_remove", args=[batch.lines.get().pk]), accountant),
        (reverse("cash_batches:post", args=[batch.pk]), accountant),
        # The official books: the accountant closes periods and sets the account codes (the
        # suggested ones too); only the administrator reopens a period; the auditor exports the
        # journal as the accountant does, a read of the ledger.
        (reverse("closed_periods:close"), accountant),
        (reverse("closed_periods:reopen", args=[period.pk]), {ADMINISTRATOR}),
        (reverse("account_codes:suggested"), accountant),
        (reverse("journal_export"), FINANCE),
    ]
    wrong = []
    for url, allowed_roles in actions:
        response = client.get(url)
        allowed = role in allowed_roles
        if (response.status_code == 200) != allowed or (not allowed and not refused(response)):
            wrong.append((url, response.status_code, "expected access" if allowed else "expected refusal"))
    assert wrong == []


def test_only_the_case_worker_and_administrator_see_a_sensitive_field(clients, one_of_each):
    person = Beneficiary.objects.get()
    (case_files,) = (vs for vs in project_viewsets() if vs.model is Beneficiary)
    url = reverse(case_files.get_url_name("inspect"), args=[person.pk])
    for role, role_client in clients.items():
        response = role_client.get(url)
        shown = response.status_code == 200 and "MATRIX-SENSITIVE-NOTE" in response.content.decode()
        assert shown == (role in {ADMINISTRATOR, CASE_WORKER}), role


@pytest.mark.parametrize("model", [Allocation, ScholarshipAward])
def test_only_case_file_readers_see_who_an_allocation_is_for(clients, one_of_each, model):
    """Allocations and scholarship awards alike."""
    row = model.objects.get()
    (screen,) = (vs for vs in project_viewsets() if vs.model is model)
    urls = [reverse(screen.get_url_name("index")), reverse(screen.get_url_name("inspect"), args=[row.pk])]
    for role in EVERYONE - {EDITOR}:
        for url in urls:
            body = clients[role].get(url).content.decode()
            shown = ("C-001" in body, "Trẻ em Một" in body)
            assert shown == (role in {ADMINISTRATOR, CASE_WORKER},) * 2, (role, url)
        export = b"".join(clients[role].get(f"{urls[0]}?export=csv").streaming_content).decode()
        assert "C-001" not in export and "Trẻ em Một" not in export


# Wagtail's own screens outside pages and media: people, groups, sites, languages, redirects,
# workflows, and the settings: the organisation's identity (on every page and receipt), the bank
# account that feeds every VietQR code, and the receipts' signature and wording.
ADMIN_ONLY_URLS = [
    "/admin/redirects/",
    "/admin/workflows/list/",
    "/admin/workflows/tasks/index/",
    "/admin/settings/cms/bankaccountsettings/",
]


def generic_settings_urls() -> list[str]:
    """A setting for the whole installation is edited at its row's URL (the bare URL only
    redirects there, for anyone), so that is the one to check."""
    return [
        f"/admin/settings/fund/organisation/{Organisation.load().pk}/",
        f"/admin/settings/receipts/receiptsettings/{ReceiptSettings.load().pk}/",
    ]


def test_wagtails_own_screens_are_the_administrators_alone(clients):
    get_resolver().url_patterns  # noqa: B018
    wagtail_listings = [
        reverse(vs.get_url_name("index"))
        for vs in viewsets.viewsets
        if isinstance(vs, ModelViewSet) and not isinstance(vs.model, str) and vs not in project_viewsets()
    ]
    assert "/admin/users/" in wagtail_listings and "/admin/groups/" in wagtail_listings
    wrong = []
    for url in wagtail_listings + ADMIN_ONLY_URLS + generic_settings_urls():
        response = clients[ADMINISTRATOR].get(url, follow=True)  # settings go on to the site's own URL
        if response.status_code != 200 or response.redirect_chain[-1:] == [("/admin/", 302)]:
            wrong.append((ADMINISTRATOR, url, response.status_code))
        for role in EVERYONE - {ADMINISTRATOR}:
            response = clients[role].get(url)
            if not refused(response):
                wrong.append((role, url, response.status_code))
    assert wrong == []


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_the_menu_shows_each_role_only_its_screens(clients, role):
    home = clients[role].get("/admin/")
    assert home.status_code == 200
    sidebar = home.content.decode()  # the menu is a JSON document in the page
    wrong = [
        (label(vs), role in EXPECTED_VIEWERS[label(vs)])
        for vs in project_viewsets()
        if (f'"url": "{reverse(vs.get_url_name("index"))}"' in sidebar) != (role in EXPECTED_VIEWERS[label(vs)])
    ]
    assert wrong == []
