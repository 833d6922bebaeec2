"""Row locks on gifts, taken the same way by every service that changes a gift."""

from __future__ import annotations

from collections.abc import Sequence

from ..models import Donation


def gift_lock(pk: int, *, related: Sequence[str] = ("fund",)) -> Donation:
    """The gift's row, locked until the caller's transaction ends (call inside one).

    of=self locks the gift only: joining its fund (or donor) must not lock that row too, or every
    gift to one fund would wait on every other. Callers that take several locks say their order
    where they take this one."""
    rows = Donation.objects.select_for_update(of=("self",))
    if related:  # select_related() with no names would join every foreign key
        rows = rows.select_related(*related)
    return rows.get(pk=pk)
