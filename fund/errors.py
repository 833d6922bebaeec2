"""Errors of the fund app. Each is a ValidationError, so a form can show it beside a field;
services raise them before writing anything."""

from django.core.exceptions import ValidationError


class FundError(ValidationError):
    """Base for every refusal by a fund service."""


class InvalidAmount(FundError):
    pass


class UnknownCurrency(FundError):
    pass


class ExchangeRateRequired(FundError):
    pass


class InvalidLines(FundError):
    pass


class InvalidTransition(FundError):
    """The record is not in a state that allows this step (e.g. refunding a pledge)."""


class LedgerError(FundError):
    """A posting would break a ledger rule (unbalanced, mixed funds or currencies)."""
