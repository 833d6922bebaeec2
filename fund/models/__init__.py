from .books import AccountMapping, ClosedPeriod
from .commitments import Commitment
from .donations import Donation, DonationLine
from .funds import Campaign, Fund
from .ledger import AccountRole, FundAccount, LedgerCheck, LedgerDayTotal, Posting
from .organisation import Organisation
from .recurring import RecurringGift
from .statement_entries import StatementEntry

__all__ = [
    "AccountMapping",
    "ClosedPeriod",
    "Commitment",
    "RecurringGift",
    "AccountRole",
    "Campaign",
    "Donation",
    "DonationLine",
    "Fund",
    "FundAccount",
    "LedgerCheck",
    "LedgerDayTotal",
    "Organisation",
    "Posting",
    "StatementEntry",
]
