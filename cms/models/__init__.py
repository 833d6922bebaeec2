from .donate import DonatePage
from .pages import CampaignPage, FundPage, HomePage, StandardPage, TransparencyPage
from .settings import OrganisationSettings

__all__ = [
    "CampaignPage",
    "DonatePage",
    "FundPage",
    "HomePage",
    "OrganisationSettings",
    "StandardPage",
    "TransparencyPage",
]
