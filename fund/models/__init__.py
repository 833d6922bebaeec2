from .bank import BankStatement, BankTransaction
from .beneficiaries import Beneficiary, BeneficiarySensitive
from .commitments import Commitment
from .donations import Donation, DonationLine
from .funds import Campaign, Fund
from .ledger import AccountRole, FundAccount, LedgerCheck, Posting
from .organisation import Organisation
from .payments import CardPayment, RecurringGift, StripeEvent

__all__ = [
    "BankStatement",
    "BankTransaction",
    "CardPayment",
    "Commitment",
    "RecurringGift",
    "StripeEvent",
    "AccountRole",
    "Beneficiary",
    "BeneficiarySensitive",
    "Campaign",
    "Donation",
    "DonationLine",
    "Fund",
    "FundAccount",
    "LedgerCheck",
    "Organisation",
    "Posting",
]
