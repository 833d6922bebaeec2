"""Reads that are more than a .get(): balances, public totals, checks, sensitive case data."""

from .balances import FundBalance, fund_balance, fund_balances, fund_totals_public
from .beneficiaries import beneficiary_sensitive_get
from .ledger_checks import ledger_problems

__all__ = [
    "FundBalance",
    "beneficiary_sensitive_get",
    "fund_balance",
    "fund_balances",
    "fund_totals_public",
    "ledger_problems",
]
