"""Errors of the care app. A care service refuses with these before writing anything.

They are fund errors too, because care checks its text with fund's cleaners (which refuse with
FundError): a caller catches one base for both."""

from fund.errors import FundError


class CareError(FundError):
    """Base for every refusal by a care service."""
