from .donate import DonatePage
from .pages import CampaignPage, FundPage, HomePage, StandardPage, TransparencyPage
from .settings import BankAccountSettings

__all__ = [
    "BankAccountSettings",
    "CampaignPage",
    "DonatePage",
    "FundPage",
    "HomePage",
    "StandardPage",
    "TransparencyPage",
]
