"""Reads that are more than a .get(): balances, public totals, checks."""

from .balances import FundBalance, fund_balance, fund_balances, fund_totals_public
from .ledger_checks import ledger_problems

__all__ = [
    "FundBalance",
    "fund_balance",
    "fund_balances",
    "fund_totals_public",
    "ledger_problems",
]
