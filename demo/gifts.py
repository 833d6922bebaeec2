"""Demo gifts: the CPF and SPF gift plans, recording them, and the pledges, cancellation and refund."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from donors.models import Donor
from fund.models import Campaign, Commitment, Donation, Fund
from fund.services import donation_cancel, donation_record, donation_refund
from fund.services.giving import commitment_create

from .catalogue import (
    BACKPACK,
    BLANKET,
    CLOTHES,
    CPF_MESSAGES,
    DIAPERS,
    ELDERLY_MILK,
    MILK,
    NOTEBOOK,
    PENCIL_SET,
    RICE,
    SPF_MESSAGES,
    WHEELCHAIR,
)
from .common import CPF_TARGET, SCHOOL_YEAR, SPF_TARGET, STEP, USD_RATE, Plan, _Clock, _round


def _lines(rng: random.Random, goods: list[tuple[str, str, int]], lo: int, hi: int) -> list[dict]:
    """One line per kind of goods; ``lo``..``hi`` units of value (10,000 VND each) per line."""
    lines = []
    for description, unit, price in goods:
        quantity = max(1, rng.randint(lo, hi) * STEP // price)
        if unit == "kg":
            quantity = max(50, quantity // 50 * 50)
        lines.append({"description": description, "quantity": quantity, "unit": unit, "fair_value": quantity * price})
    return lines


def _value(plan: Plan) -> int:
    if "lines" in plan:
        return sum(line["fair_value"] for line in plan["lines"])
    return plan["amount"]


def _cash_amount(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.45:
        return rng.choice([1_000_000, 2_000_000, 3_000_000, 5_000_000, 10_000_000])
    if roll < 0.85:
        return _round(rng.uniform(500_000, 8_000_000))
    if roll < 0.97:
        return rng.choice([15_000_000, 20_000_000, 30_000_000])
    return rng.choice([50_000_000, 100_000_000])


def _cash_channel(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.7:
        return Donation.Channel.BANK_TRANSFER
    if roll < 0.88:
        return Donation.Channel.CASH
    return Donation.Channel.CARD


def _cpf_plan(rng: random.Random, donor: Donor, clock: _Clock, campaign: Campaign, campaign_days: int) -> Plan:
    """One received CPF gift from an organisation: money, goods, scholarships or supplies."""
    roll = rng.random()
    plan: Plan = {"donor": donor, "message": rng.choice(CPF_MESSAGES)}
    if roll < 0.6:
        days_ago = rng.randint(1, 364)
        plan.update(kind=Donation.Kind.CASH, channel=_cash_channel(rng), amount=_cash_amount(rng))
        if days_ago < campaign_days and rng.random() < 0.5:
            plan["campaign"] = campaign
    elif roll < 0.8:
        days_ago = rng.randint(1, 364)
        goods = rng.sample([RICE, MILK, CLOTHES, BLANKET], rng.randint(1, 3))
        plan.update(kind=Donation.Kind.IN_KIND, channel=Donation.Channel.IN_KIND_DELIVERY)
        plan["lines"] = _lines(rng, goods, 50, 800)
    elif roll < 0.9:
        days_ago = rng.randint(1, campaign_days - 1)
        count = rng.randint(1, 5)
        plan.update(
            kind=Donation.Kind.SCHOLARSHIP,
            channel=Donation.Channel.BANK_TRANSFER,
            amount=count * rng.choice([2_000_000, 3_000_000, 5_000_000]),
            scholarship_count=count,
            school_year=SCHOOL_YEAR,
            campaign=campaign,
        )
    else:
        days_ago = rng.randint(1, campaign_days - 1)
        goods = rng.sample([NOTEBOOK, BACKPACK, PENCIL_SET], rng.randint(1, 3))
        plan.update(kind=Donation.Kind.SUPPLIES, channel=Donation.Channel.IN_KIND_DELIVERY, campaign=campaign)
        plan["lines"] = _lines(rng, goods, 50, 400)
    plan["received_at"] = clock.at(days_ago, rng)
    return plan


def _cpf_plans(rng: random.Random, organisations: list[Donor], clock: _Clock, campaign: Campaign) -> list[Plan]:
    """Gifts adding up to exactly CPF_TARGET: every organisation gives at least once, more
    gifts follow until the rest is small, and one last transfer makes up the exact total."""
    campaign_days = (clock.today - campaign.starts_on).days
    reserve = 20_000_000
    remaining = int(CPF_TARGET)
    plans = []
    givers = rng.sample(organisations, len(organisations))
    while True:
        donor = givers[len(plans)] if len(plans) < len(givers) else rng.choice(organisations)
        plan = _cpf_plan(rng, donor, clock, campaign, campaign_days)
        if remaining - _value(plan) < reserve:
            if len(plans) < len(givers):
                raise RuntimeError("demo gifts too large for the CPF total; lower the amounts")
            break
        plans.append(plan)
        remaining -= _value(plan)
    plans.append(
        {
            "donor": rng.choice(organisations),
            "kind": Donation.Kind.CASH,
            "channel": Donation.Channel.BANK_TRANSFER,
            "amount": remaining,
            "message": "Ủng hộ cuối năm tài chính.",
            "received_at": clock.at(2, rng),
        }
    )
    return plans


def _spf_plans(
    rng: random.Random, people: list[Donor], foreign: Donor, organisations: list[Donor], clock: _Clock
) -> list[Plan]:
    """Gifts from individuals (mostly) and some organisations, one of them in USD at a recorded
    rate, then one transfer that takes the total just over SPF_TARGET."""
    plans: list[Plan] = [
        {
            "donor": foreign,
            "kind": Donation.Kind.CASH,
            "channel": Donation.Channel.CARD,
            "amount": Decimal("200.00"),
            "currency": "USD",
            "exchange_rate": USD_RATE,
            "message": "For the elders at the centre. Best wishes from abroad.",
            "received_at": clock.at(rng.randint(10, 200), rng),
            "value": int(Decimal("200.00") * USD_RATE),
        }
    ]
    companies = rng.sample(organisations, 20)
    total = plans[0]["value"]
    while SPF_TARGET - total > 20_000_000:  # no single gift below is larger
        plan: Plan = {"message": rng.choice(SPF_MESSAGES), "received_at": clock.at(rng.randint(1, 364), rng)}
        if rng.random() < 0.75:
            plan.update(
                donor=rng.choice(people),
                kind=Donation.Kind.CASH,
                channel=_cash_channel(rng),
                amount=_round(rng.uniform(200_000, 5_000_000)),
            )
        elif rng.random() < 0.5:
            plan.update(
                donor=rng.choice(companies),
                kind=Donation.Kind.CASH,
                channel=Donation.Channel.BANK_TRANSFER,
                amount=rng.choice([5_000_000, 10_000_000, 15_000_000, 20_000_000]),
            )
        else:
            goods = rng.sample([RICE, ELDERLY_MILK, BLANKET, WHEELCHAIR, DIAPERS], rng.randint(1, 2))
            plan.update(
                donor=rng.choice(companies),
                kind=Donation.Kind.IN_KIND,
                channel=Donation.Channel.IN_KIND_DELIVERY,
                lines=_lines(rng, goods, 50, 300),
            )
        plans.append(plan)
        total += plan.get("value") or _value(plan)
    plans.append(
        {
            "donor": rng.choice(companies),
            "kind": Donation.Kind.CASH,
            "channel": Donation.Channel.BANK_TRANSFER,
            "amount": int(SPF_TARGET) - total + _round(rng.uniform(100_000, 2_000_000)),
            "message": "Quà Tết cho các cụ.",
            "received_at": clock.at(3, rng),
        }
    )
    return plans


def _record(fund: Fund, plan: Plan) -> Donation:
    plan = {k: v for k, v in plan.items() if k != "value"}
    if "amount" in plan:
        plan["amount"] = Decimal(plan["amount"])
    return donation_record(fund=fund, **plan)


def _special_gifts(
    rng: random.Random,
    cpf: Fund,
    spf: Fund,
    campaign: Campaign,
    organisations: list[Donor],
    people: list[Donor],
    clock: _Clock,
) -> None:
    """Pledges still open, one cancelled pledge and one refunded card gift (on top of the CPF
    total: the refund reverses it in full, so CPF's net received stays exact)."""
    today = clock.today
    donation_record(
        fund=cpf,
        donor=rng.choice(organisations),
        kind=Donation.Kind.SCHOLARSHIP,
        channel=Donation.Channel.BANK_TRANSFER,
        amount=Decimal(50_000_000),
        scholarship_count=10,
        school_year=SCHOOL_YEAR,
        campaign=campaign,
        expected_on=today + datetime.timedelta(days=25),
        message="Cam kết 10 suất học bổng cho học kỳ II.",
    )
    donation_record(
        fund=cpf,
        donor=rng.choice(organisations),
        kind=Donation.Kind.IN_KIND,
        channel=Donation.Channel.IN_KIND_DELIVERY,
        lines=[
            {"description": BLANKET[0], "quantity": 200, "unit": BLANKET[1], "fair_value": 200 * BLANKET[2]},
            {"description": CLOTHES[0], "quantity": 150, "unit": CLOTHES[1], "fair_value": 150 * CLOTHES[2]},
        ],
        expected_on=today + datetime.timedelta(days=14),
        message="Quà mùa đông, giao trước Tết.",
    )
    donation_record(
        fund=spf,
        donor=rng.choice(organisations),
        kind=Donation.Kind.CASH,
        channel=Donation.Channel.BANK_TRANSFER,
        amount=Decimal(30_000_000),
        expected_on=today + datetime.timedelta(days=30),
    )
    donation_record(
        fund=spf,
        donor=rng.choice(people),
        kind=Donation.Kind.CASH,
        channel=Donation.Channel.CASH,
        amount=Decimal(2_000_000),
        expected_on=today + datetime.timedelta(days=7),
    )
    cancelled = donation_record(
        fund=cpf,
        donor=rng.choice(organisations),
        kind=Donation.Kind.SUPPLIES,
        channel=Donation.Channel.IN_KIND_DELIVERY,
        lines=[{"description": BACKPACK[0], "quantity": 100, "unit": BACKPACK[1], "fair_value": 100 * BACKPACK[2]}],
        campaign=campaign,
        expected_on=today - datetime.timedelta(days=20),
    )
    donation_cancel(donation=cancelled, reason="Demo: the donor changed plans; the backpacks will not arrive.")
    refunded = donation_record(
        fund=cpf,
        donor=rng.choice(organisations),
        kind=Donation.Kind.CASH,
        channel=Donation.Channel.CARD,
        amount=Decimal(5_000_000),
        received_at=clock.at(40, rng),
    )
    donation_refund(donation=refunded, reason="Demo: card charged twice by mistake; the duplicate is refunded.")


def _open_transfers(rng: random.Random, cpf: Fund, organisations: list[Donor], people: list[Donor]) -> None:
    """Gifts waiting for their bank transfer, as the public form leaves them (so the back office
    has something to match: `manage.py demo_bank_statement` writes a statement paying them), and
    an organisation's three-year pledge in yearly instalments."""
    now = timezone.now()
    for days_ago, amount in ((3, 500_000), (2, 1_000_000), (2, 200_000), (1, 2_000_000), (1, 300_000)):
        donation_record(
            fund=cpf,
            donor=rng.choice(people),
            kind=Donation.Kind.CASH,
            channel=Donation.Channel.BANK_TRANSFER,
            amount=Decimal(amount),
            pledged_at=now - datetime.timedelta(days=days_ago, hours=rng.randint(1, 12)),
        )
    commitment_create(
        fund=cpf,
        donor=rng.choice(organisations),
        total=Decimal(90_000_000),
        instalments=3,
        frequency=Commitment.Frequency.YEARLY,
        first_due_on=timezone.localdate() + datetime.timedelta(days=20),
    )
