"""The six roles a real install has, as ROADMAP.md's role table states them.

Each role lists exactly the permissions it holds ("app_label.codename"; this app never imports
the apps it names). ``roles_sync`` (staff/services.py) makes each group equal its definition:
missing permissions are added, any others removed.

Only permissions that open a screen or an action are listed. Permissions a read-only viewset
refuses whatever the group says (add/change on gifts, postings, case files, card payments, bank
lines, receipts: see config/wagtail_admin.ReadOnlyPolicy) are listed only where an action screen
of their own checks them (a gift recorded at the centre, a person admitted), and permissions on
models with no screen at all (hordak's accounts, gift lines, fund accounts, ledger checks) are left
out: a permission nobody can use only misleads whoever reads the group. What the table allows
but has no screen yet (enrolment, handovers, the dashboard) is added here when its screen is
built; docs/decisions/0011-roles.md.
"""

from __future__ import annotations

from dataclasses import dataclass

ADMIN_ACCESS = "wagtailadmin.access_admin"

# Wagtail's page permissions, checked per tree node (granted on the root page).
PAGE_ALL = (
    "wagtailcore.add_page",
    "wagtailcore.bulk_delete_page",
    "wagtailcore.change_page",
    "wagtailcore.lock_page",
    "wagtailcore.publish_page",
    "wagtailcore.unlock_page",
)
PAGE_EDIT = ("wagtailcore.add_page", "wagtailcore.change_page", "wagtailcore.publish_page")
# Images and documents: checked per collection too (granted on the root collection).
MEDIA_EDIT = (
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
)
MEDIA_ALL = (*MEDIA_EDIT, "wagtailimages.delete_image", "wagtaildocs.delete_document")

# Read-only screens over the money, by screen (fund/admin_*.py, payments/admin_*.py, receipts/admin_views.py).
FINANCE_VIEW = (
    "fund.view_fund",  # Funds
    "fund.view_campaign",  # Campaigns
    "fund.view_donation",  # Gifts, Pledges due
    "fund.view_posting",  # Ledger postings
    "payments.view_cardpayment",  # Card payments
    "fund.view_recurringgift",  # Monthly gifts
    "payments.view_stripeevent",  # Stripe events
    "payments.view_bankstatement",  # Bank statements
    "payments.view_banktransaction",  # Bank transfers (the review queue)
    "payments.view_batch",  # Cash batches (payments/admin_batches.py)
    "donors.view_donor",  # Donors
)
RECEIPTS_VIEW = ("receipts.view_receipt", "receipts.view_receiptdelivery")  # Receipts, receipt emails, PDF
# Reports > Fund statement (reporting/admin_views.py): totals and counts read from the ledger,
# no donor's contact and no person in care; for whoever answers for the fund's money.
FUND_STATEMENT = "fund.view_fund_statement"
AUDIT_VIEW = ("audit.view_auditentry",)  # Audit trail (staff/admin_views.py)
# The official books (fund/admin_books.py): closed periods, the account codes of the centre's
# chart, and the journal export, which is a read of the ledger like any listing.
BOOKS_VIEW = ("fund.view_closedperiod", "fund.view_accountmapping", "fund.view_journal")

CASE_FILE_VIEW = ("care.view_beneficiary",)  # People in care
# Allocations by number, fund, kind, programme and amount; the person shows only with CASE_FILE_VIEW.
ALLOCATIONS_VIEW = ("care.view_allocation",)
# Stock: the report (quantity and value per fund and item), the log of movements, the counts.
# No person in any of them; every role that handles money or care may look.
STOCK_VIEW = ("care.view_stockline", "care.view_stockmovement", "care.view_stockcount")
# Goods received at the centre: storekeeping is the case workers' and the accountant's (a goods
# gift is a gift: it gets a receipt); docs/decisions/0017-stock.md.
STOCK_INTAKE = "care.add_intakerecord"
# Scholarship awards and their terms, likewise without the person for those who see no case file.
SCHOLARSHIPS_VIEW = ("care.view_scholarshipaward",)
# The sensitive part of a case file, shown on the inspect screen; every showing is audited.
CASE_FILE_SENSITIVE = "care.view_beneficiarysensitive"
# Evidence files (handover scans, drawn signatures, enrolment confirmations, invoices): listed on
# an allocation and downloaded, each download audited. Case workers record them; accountants and
# auditors need the proof behind a payment; fund managers and content editors do not
# (docs/decisions/0018-evidence.md).
EVIDENCE_VIEW = ("care.view_evidence",)


@dataclass(frozen=True)
class Role:
    name: str
    permissions: tuple[str, ...] = ()
    page_permissions: tuple[str, ...] = ()
    collection_permissions: tuple[str, ...] = ()
    # The Administrator holds every permission the database has, whatever apps add later.
    all_permissions: bool = False

    def model_permissions(self) -> tuple[str, ...]:
        """Everyone with a role may open the back office."""
        return (ADMIN_ACCESS, *self.permissions)


ADMINISTRATOR = Role(
    name="Administrator",
    all_permissions=True,
    page_permissions=PAGE_ALL,
    collection_permissions=MEDIA_ALL,
)

FUND_ACCOUNTANT = Role(
    name="Fund accountant",
    permissions=(
        *FINANCE_VIEW,
        FUND_STATEMENT,
        "payments.add_bankstatement",  # import a bank statement
        "payments.change_banktransaction",  # decide about a line in the review queue
        "payments.change_stripeevent",  # resolve a Stripe event that failed to process
        "donors.add_donor",
        "donors.change_donor",
        *RECEIPTS_VIEW,
        "receipts.add_receipt",  # issue statements of gifts for a period
        "receipts.change_receipt",  # resend, void and reissue a receipt
        *ALLOCATIONS_VIEW,
        "care.reverse_allocation",  # a payment posted by mistake: a reversal in the ledger
        *STOCK_VIEW,
        STOCK_INTAKE,  # goods arriving: a pledge fulfilled or a new goods gift
        *EVIDENCE_VIEW,  # the proof behind a payment
        *SCHOLARSHIPS_VIEW,
        # Gifts change only through these actions (fund/admin_gifts.py), never by Wagtail's forms.
        "fund.add_donation",  # record a cash gift received at the centre
        "fund.change_donation",  # cancel a pledge, refund a gift (a card gift: Stripe is asked, with view_cardpayment)
        "payments.add_batch",  # open a batch of cash collected at an event or at the centre
        "payments.change_batch",  # enter and remove its lines
        # Post a batch; a mismatch is overridden only by someone who entered none of it.
        "payments.post_batch",
        *BOOKS_VIEW,
        "fund.add_closedperiod",  # close a month or a quarter (reopening is the administrator's)
        "fund.add_accountmapping",  # map our accounts to the centre's chart
        "fund.change_accountmapping",
    ),
)

CASE_WORKER = Role(
    name="Case worker",
    permissions=(
        *CASE_FILE_VIEW,
        CASE_FILE_SENSITIVE,
        *ALLOCATIONS_VIEW,
        "care.add_allocation",  # propose (and withdraw) an allocation
        "care.disburse_allocation",  # pay an approved one out (goods, a scholarship term), or mark it undeliverable
        *STOCK_VIEW,
        STOCK_INTAKE,  # the storekeeper's intake of goods
        "care.add_stockcount",  # count the shelves; a manager approves what it finds
        *EVIDENCE_VIEW,
        "care.add_evidence",  # attach a handover, a drawn signature, an enrolment confirmation
        *SCHOLARSHIPS_VIEW,
        "care.add_scholarshipaward",  # award a scholarship, and renew it for the next school year
        "care.end_scholarshipaward",  # end it, saying why
        "care.confirm_scholarship_enrolment",  # confirm a term's enrolment, which proposes its allocation
        "care.acknowledge_scholarship_term",  # record the payee's acknowledgement of a paid term
        "care.add_beneficiary",  # admit a person into care (care/admin_people.py)
        "care.change_beneficiary",  # record their departure
    ),
)

FUND_MANAGER = Role(
    name="Fund manager",
    permissions=(
        "fund.view_fund",
        "fund.add_fund",  # open a fund (its ledger accounts come with it)
        "fund.change_fund",  # rename, restate the purpose, close
        "fund.view_campaign",
        "fund.add_campaign",  # open an appeal within a fund
        "fund.change_campaign",  # its dates, goal and wording
        "fund.view_donation",  # gifts, read-only: a manager never edits them
        "fund.view_posting",  # the ledger, read-only
        FUND_STATEMENT,  # the role table gives managers statements
        *ALLOCATIONS_VIEW,
        "care.approve_allocation",  # approve or reject, never their own proposal (scholarship terms too)
        *STOCK_VIEW,
        "care.approve_stockcount",  # post a count's loss or surplus, never their own count
        *SCHOLARSHIPS_VIEW,
    ),
)

CONTENT_EDITOR = Role(
    name="Content editor",
    permissions=MEDIA_EDIT,
    page_permissions=PAGE_EDIT,
    collection_permissions=MEDIA_EDIT,
)

AUDITOR = Role(
    name="Auditor",
    permissions=(
        *FINANCE_VIEW,
        FUND_STATEMENT,
        *RECEIPTS_VIEW,
        *AUDIT_VIEW,
        *BOOKS_VIEW,
        *ALLOCATIONS_VIEW,
        *SCHOLARSHIPS_VIEW,
        *STOCK_VIEW,
        *EVIDENCE_VIEW,
    ),
)

ROLES: tuple[Role, ...] = (ADMINISTRATOR, FUND_ACCOUNTANT, CASE_WORKER, FUND_MANAGER, CONTENT_EDITOR, AUDITOR)
ROLES_BY_NAME: dict[str, Role] = {role.name: role for role in ROLES}
