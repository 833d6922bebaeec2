"""Errors of the payments app. Each is a fund error too, so a form or view that shows a fund
service's refusal shows these the same way."""

from fund.errors import FundError


class PaymentError(FundError):
    """Base for every refusal by a payments service."""


class PaymentUnavailable(PaymentError):
    """The card processor could not be reached or refused the request. The donor can try again
    later or give by bank transfer; the details are in the log under the gift's reference."""


class StripeRefused(PaymentError):
    """Stripe answered and said no (a card error, a refund it will not make, a bad key). The
    message quotes Stripe's reason; asking again would get the same answer."""
