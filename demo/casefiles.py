"""Demo case files: fictitious children and adults admitted with their sensitive notes."""

from __future__ import annotations

import datetime
import random

from care.models import Beneficiary
from care.services import beneficiary_admit

from .catalogue import _person_name
from .common import _Clock, _years_ago

HEALTH_NOTES = [
    "Dữ liệu demo: sức khoẻ ổn định, khám định kỳ hằng tháng.",
    "Dữ liệu demo: theo dõi dinh dưỡng.",
    "Dữ liệu demo: không có ghi chú đặc biệt.",
]


def _admit(rng: random.Random, clock: _Clock, *, prefix: str, count: int, group: str, programmes: dict) -> None:
    taken: set[str] = set()
    today = clock.today
    names = list(programmes)
    for number in range(1, count + 1):
        programme = rng.choices(names, weights=[w for _, _, w in programmes.values()])[0]
        lo, hi, _weight = programmes[programme]
        date_of_birth = _years_ago(today, rng.randint(lo, hi)) - datetime.timedelta(days=rng.randint(0, 360))
        earliest = max(
            date_of_birth + datetime.timedelta(days=30),
            _years_ago(date_of_birth, -18) if group == Beneficiary.Group.ADULT else date_of_birth,
            _years_ago(today, 15),
        )
        span = (today - datetime.timedelta(days=7) - earliest).days
        admitted_on = earliest + datetime.timedelta(days=rng.randint(0, max(0, span)))
        disabled = programme in (Beneficiary.Programme.DISABILITY, Beneficiary.Programme.ADULT_DISABILITY)
        beneficiary_admit(
            case_number=f"{prefix}-{number:04d}",
            full_name=_person_name(rng, taken),
            date_of_birth=date_of_birth,
            group=group,
            programme=programme,
            admitted_on=admitted_on,
            sensitive={
                "health_notes": rng.choice(HEALTH_NOTES),
                "disability": "Dữ liệu demo: cần hỗ trợ trong sinh hoạt hằng ngày." if disabled else "",
                "family_situation": "Dữ liệu demo: hoàn cảnh gia đình khó khăn.",
                "guardian_contact": "Dữ liệu demo: không phải thông tin thật." if group == "child" else "",
            },
        )
