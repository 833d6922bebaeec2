"""Demo donors: the organisations, the individuals and one foreign donor."""

from __future__ import annotations

import random

from stdnum.vn import mst

from donors.models import Donor
from donors.services import donor_create

from .catalogue import (
    ASSOCIATION_FORMS,
    BUSINESS_FORMS,
    BUSINESS_NAMES,
    FOREIGN_DONOR,
    PLACES,
    SCHOOL_FORMS,
    _person_name,
)
from .common import ORGANISATION_COUNT, PERSON_COUNT


def _consents(rng: random.Random) -> dict[str, bool]:
    return {
        "consent_receipts_by_email": rng.random() < 0.7,
        "consent_news": rng.random() < 0.4,
        # About a third agreed to have their name shown on public pages.
        "anonymous_by_default": rng.random() >= 0.3,
    }


def _demo_tax_code(rng) -> str:
    while True:
        first_nine = f"99{rng.randrange(10**7):07d}"
        code = first_nine + mst.calc_check_digit(first_nine)
        if mst.is_valid(code):  # about one prefix in eleven has no valid check digit
            return code


def _organisations(rng: random.Random) -> list[Donor]:
    names = (
        [form.format(name) for form in BUSINESS_FORMS for name in BUSINESS_NAMES]
        + [form.format(place) for form in ASSOCIATION_FORMS for place in PLACES]
        + [form.format(place) for form in SCHOOL_FORMS for place in PLACES]
    )
    businesses = rng.sample(names[: len(BUSINESS_FORMS) * len(BUSINESS_NAMES)], 150)
    others = rng.sample(names[len(BUSINESS_FORMS) * len(BUSINESS_NAMES) :], ORGANISATION_COUNT - 150)
    chosen = sorted(businesses + others)
    tax_codes: set[str] = set()
    contacts: set[str] = set()
    donors = []
    for number, name in enumerate(chosen, 1):
        # Valid Vietnamese codes (check digit included), in the "99" range the demo has always used.
        while (tax_code := _demo_tax_code(rng)) in tax_codes:
            pass
        tax_codes.add(tax_code)
        donors.append(
            donor_create(
                kind=Donor.Kind.ORGANISATION,
                name=name,
                tax_code=tax_code,
                contact_person=_person_name(rng, contacts),
                email=f"demo.org{number:03d}@example.com",
                address=f"Số {rng.randint(1, 300)} Đường Demo, {rng.choice(PLACES)}, Tỉnh Demo",
                preferred_language="en" if rng.random() < 0.1 else "vi",
                **_consents(rng),
            )
        )
    return donors


def _people(rng: random.Random) -> tuple[list[Donor], Donor]:
    taken: set[str] = set()
    people = [
        donor_create(
            kind=Donor.Kind.PERSON,
            name=_person_name(rng, taken),
            email=f"demo.donor{number:02d}@example.org",
            preferred_language="en" if rng.random() < 0.15 else "vi",
            **_consents(rng),
        )
        for number in range(1, PERSON_COUNT + 1)
    ]
    foreign = donor_create(
        kind=Donor.Kind.PERSON,
        name=FOREIGN_DONOR,
        email="jane.example@example.com",
        preferred_language="en",
        consent_receipts_by_email=True,
    )
    return people, foreign
