"""care's answers to fund's signals (connected in CareConfig.ready): every goods gift received,
by whatever path (the intake screen, the gifts screen, a bank or batch import, seeding),
enters stock in the same transaction; a refunded one leaves it, or the refund is refused."""

from typing import Any

from fund.models import Donation

from .services.stock import stock_intake_from_gift, stock_refund_from_gift


def on_donation_received(sender: Any, *, donation: Donation, actor: Any = None, **kwargs: Any) -> None:
    if donation.is_goods:
        stock_intake_from_gift(donation=donation, actor=actor)


def on_donation_refunded(sender: Any, *, donation: Donation, actor: Any = None, **kwargs: Any) -> None:
    if donation.is_goods:
        stock_refund_from_gift(donation=donation, actor=actor)
