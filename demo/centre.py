"""A believable, entirely fictitious demo centre for `manage.py seed_demo`.

Everything is written through the services, exactly as the admin and the public site would
write it, so every gift is posted to the ledger and audited and `check_ledger` passes. Random
choices come from ``random.Random(2026)``: two runs produce the same donors, gifts, amounts and
case files (dates are counted back from the day of the run). Names are prefixed "Demo",
organisations carry "Demo" in their names, emails are @example.org / @example.com and tax codes
start with 99, which no Vietnamese province uses.

The CPF fund doubles as the marker: if it exists the data part is skipped, so seeding twice
changes nothing. Roles and demo users are created only when missing.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from hordak.models import Transaction

from care.models import Allocation, Beneficiary
from donors.models import Donor
from fund.errors import FundError
from fund.models import Campaign, Donation, Fund
from fund.services import campaign_create, fund_create
from fund.services.journal import account_mappings_default

from .allocations import _allocate_year
from .casefiles import _admit
from .common import (
    ADULT_COUNT,
    CAMPAIGN_SLUG,
    CHILD_COUNT,
    CPF_CODE,
    CPF_TARGET,
    DEMO_PASSWORD,
    ORGANISATION_COUNT,
    PERSON_COUNT,
    SCHOOL_YEAR,
    SEED,
    SPF_CODE,
    SPF_TARGET,
    STEP,
    USD_RATE,
    Plan,
    _Clock,
    _say,
)
from .donors import _organisations, _people
from .gifts import _cpf_plans, _open_transfers, _record, _special_gifts, _spf_plans
from .roles import ROLES, _roles_and_users

__all__ = [
    "ADULT_COUNT",
    "CAMPAIGN_SLUG",
    "CHILD_COUNT",
    "CPF_CODE",
    "CPF_TARGET",
    "DEMO_PASSWORD",
    "ORGANISATION_COUNT",
    "PERSON_COUNT",
    "ROLES",
    "SCHOOL_YEAR",
    "SEED",
    "SPF_CODE",
    "SPF_TARGET",
    "STEP",
    "USD_RATE",
    "Plan",
    "demo_counts",
    "demo_seed",
]


def demo_counts() -> dict[str, int]:
    """What the database holds (all of it, not only demo rows)."""
    user_model = get_user_model()
    by_status = {s: Donation.objects.filter(status=s).count() for s in Donation.Status.values}
    return {
        "funds": Fund.objects.count(),
        "campaigns": Campaign.objects.count(),
        "organisations": Donor.objects.filter(kind=Donor.Kind.ORGANISATION).count(),
        "people": Donor.objects.filter(kind=Donor.Kind.PERSON).count(),
        "donations": Donation.objects.count(),
        **{f"donations_{status}": count for status, count in by_status.items()},
        "transactions": Transaction.objects.count(),
        "children": Beneficiary.objects.filter(group=Beneficiary.Group.CHILD).count(),
        "adults": Beneficiary.objects.filter(group=Beneficiary.Group.ADULT).count(),
        "allocations": Allocation.objects.count(),
        "groups": Group.objects.count(),
        "users": user_model.objects.count(),
    }


def demo_seed(*, stdout: TextIO | None = None) -> dict[str, int]:
    """Seed the demo centre in one transaction (nothing half-done on failure) and return the
    database's counts afterwards, with ``seeded`` 1 if data was written now, 0 if it was there.

    Refuses (FundError) when a CPF fund exists without the demo campaign: that is real data.
    """
    with transaction.atomic():
        _roles_and_users(stdout)
        existing = Fund.objects.filter(code=CPF_CODE).first()
        if existing is not None:
            if not Campaign.objects.filter(fund=existing, slug=CAMPAIGN_SLUG).exists():
                raise FundError(
                    f"A fund with code {CPF_CODE} exists but holds no demo campaign: this looks like real "
                    "data, so no demo data was added."
                )
            _say(stdout, f"Demo data already seeded (fund {CPF_CODE} exists); nothing to add.")
            return {"seeded": 0, **demo_counts()}

        rng = random.Random(SEED)
        clock = _Clock()
        cpf = fund_create(
            name="Quỹ Bảo trợ trẻ em",
            code=CPF_CODE,
            restricted_purpose=(
                "Chỉ dùng cho trẻ em đang được Trung tâm nuôi dưỡng: trẻ mồ côi, bị bỏ rơi, khuyết tật nặng "
                "hoặc bị ảnh hưởng bởi HIV/AIDS.\n"
                "Children's Protection Fund: restricted to children in the centre's care (orphaned or "
                "abandoned, severely disabled, or affected by HIV/AIDS)."
            ),
        )
        spf = fund_create(
            name="Quỹ Bảo trợ xã hội",
            code=SPF_CODE,
            restricted_purpose=(
                "Chỉ dùng cho người cao tuổi và người khuyết tật trưởng thành đang được Trung tâm chăm sóc.\n"
                "Social Protection Fund: restricted to elderly people and adults with disabilities in the "
                "centre's care."
            ),
        )
        campaign = campaign_create(
            fund=cpf,
            name="Chung tay đến trường năm học 2026-2027 (Back to school 2026-2027)",
            slug=CAMPAIGN_SLUG,
            starts_on=clock.today - datetime.timedelta(days=150),
            ends_on=clock.today + datetime.timedelta(days=40),
            goal=Decimal(1_000_000_000),
        )
        _say(stdout, "Created funds CPF and SPF and the school-year campaign.")

        organisations = _organisations(rng)
        people, foreign = _people(rng)
        _say(stdout, f"Created {len(organisations)} organisations and {len(people) + 1} individual donors.")

        cpf_plans = sorted(_cpf_plans(rng, organisations, clock, campaign), key=lambda p: p["received_at"])
        spf_plans = sorted(_spf_plans(rng, people, foreign, organisations, clock), key=lambda p: p["received_at"])
        for plan in cpf_plans:
            _record(cpf, plan)
        for plan in spf_plans:
            _record(spf, plan)
        _special_gifts(rng, cpf, spf, campaign, organisations, people, clock)
        _say(stdout, f"Recorded {len(cpf_plans)} CPF gifts and {len(spf_plans)} SPF gifts, plus pledges and a refund.")

        _admit(
            rng,
            clock,
            prefix="TE",
            count=CHILD_COUNT,
            group=Beneficiary.Group.CHILD,
            programmes={"orphan": (2, 17, 50), "disability": (2, 17, 35), "hiv": (2, 17, 15)},
        )
        _admit(
            rng,
            clock,
            prefix="NL",
            count=ADULT_COUNT,
            group=Beneficiary.Group.ADULT,
            programmes={"elderly": (60, 95, 70), "adult_disability": (18, 59, 30)},
        )
        _say(stdout, f"Admitted {CHILD_COUNT} children and {ADULT_COUNT} adults (fictitious case files).")
        _open_transfers(rng, cpf, organisations, people)
        _say(stdout, "Added 5 gifts waiting for a bank transfer and a pledge in 3 yearly instalments.")
        ended = _allocate_year(rng, clock, cpf=cpf, spf=spf)
        _say(stdout, "Allocations through the year: " + ", ".join(f"{n} {s}" for s, n in ended.items()) + ".")
        # The journal export needs the centre's account codes: the suggested ones, for the
        # accountant to confirm (docs/decisions/0021).
        mappings = account_mappings_default()
        _say(stdout, f"Suggested {len(mappings)} account codes for the journal export.")
        return {"seeded": 1, **demo_counts()}
