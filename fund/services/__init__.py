"""Every write in the fund app goes through these functions (one transaction, one audit entry)."""

from .centre import campaign_close, campaign_open_check, campaign_reopen, centre_gift_record, received_on_moment
from .donations import donation_cancel, donation_receive, donation_record, donation_refund
from .funds import campaign_create, campaign_update, fund_create, fund_update
from .goods import fund_goods_adjust, fund_goods_issue
from .ledger import ledger_check_run
from .periods import period_close, period_reopen
from .spending import fund_lock, fund_spend, fund_spend_check, fund_spend_reverse

__all__ = [
    "campaign_close",
    "campaign_create",
    "campaign_open_check",
    "campaign_reopen",
    "centre_gift_record",
    "campaign_update",
    "donation_cancel",
    "donation_receive",
    "donation_record",
    "donation_refund",
    "fund_create",
    "fund_goods_adjust",
    "fund_goods_issue",
    "fund_lock",
    "fund_spend",
    "fund_spend_check",
    "fund_spend_reverse",
    "fund_update",
    "ledger_check_run",
    "period_close",
    "period_reopen",
    "received_on_moment",
]
