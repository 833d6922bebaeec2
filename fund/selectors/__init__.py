"""Reads that are more than a .get(): balances, public totals, checks."""

from .balances import (
    FundAvailable,
    FundBalance,
    fund_available,
    fund_balance,
    fund_balances,
    fund_goods_in_stock,
    fund_totals_public,
)
from .ledger_checks import ledger_problems
from .scholarship_fifo import ScholarshipFunding, scholarship_funding_fifo

__all__ = [
    "FundAvailable",
    "FundBalance",
    "fund_available",
    "fund_balance",
    "fund_balances",
    "fund_goods_in_stock",
    "fund_totals_public",
    "ledger_problems",
    "ScholarshipFunding",
    "scholarship_funding_fifo",
]
