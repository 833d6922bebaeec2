from .beneficiaries import Beneficiary, BeneficiarySensitive
from .donations import Donation, DonationLine
from .funds import Campaign, Fund
from .ledger import AccountRole, FundAccount, LedgerCheck, Posting

__all__ = [
    "AccountRole",
    "Beneficiary",
    "BeneficiarySensitive",
    "Campaign",
    "Donation",
    "DonationLine",
    "Fund",
    "FundAccount",
    "LedgerCheck",
    "Posting",
]
