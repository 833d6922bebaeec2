"""The storekeeper's intake: goods arriving at the centre, as a pledge fulfilled or a new gift.
fund receives or records the gift (its receipt posting and donation_received signal, which
puts the lines in stock: care/receivers.py); this adds what fund does not keep, the goods'
condition and who took them in, in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from donors.models import Donor
from fund.models import Donation, Fund
from fund.services import donation_receive, donation_record
from fund.text import text_clean

from ..errors import CareError
from ..models import IntakeRecord, StockItem
from .allocations import _user


def _gift_lines(lines: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A line naming a catalogue item takes its name and unit, so it joins that item's stock."""
    cleaned = []
    for line in list(lines or []):
        line = dict(line)
        item = line.pop("item", None)
        if isinstance(item, StockItem):
            line["description"], line["unit"] = item.name, item.unit
        cleaned.append(line)
    return cleaned


def stock_intake_record(
    *,
    condition: str,
    pledge: Donation | None = None,
    fund: Fund | None = None,
    donor: Donor | None = None,
    kind: str = "",
    lines: Iterable[Mapping[str, Any]] | None = None,
    delivered_by: str = "",
    notes: str = "",
    actor: Any,
) -> IntakeRecord:
    """Goods received: either ``pledge`` (a goods pledge, received as pledged) or a new gift of
    ``kind`` (in_kind or supplies) from ``donor`` to ``fund`` with ``lines`` (item or
    description and unit, quantity, fair_value)."""
    user = _user(actor)
    if condition not in IntakeRecord.Condition.values:
        raise CareError({"condition": _("Say what condition the goods arrived in.")})
    delivered_by = text_clean(delivered_by, field="delivered_by", max_length=200)
    notes = text_clean(notes, field="notes", max_length=500)
    with transaction.atomic():
        if pledge is not None:
            if not pledge.is_goods:
                raise CareError({"pledge": _("Gift %(ref)s is money, not goods.") % {"ref": pledge.reference}})
            donation = donation_receive(donation=pledge, actor=actor)
        else:
            if kind not in Donation.GOODS_KINDS:
                raise CareError({"kind": _("Goods arrive as in-kind goods or school supplies.")})
            if fund is None or donor is None:
                raise CareError(_("Choose the fund and the donor of the goods, or the pledge they fulfil."))
            donation = donation_record(
                fund=fund,
                donor=donor,
                kind=kind,
                channel=Donation.Channel.IN_KIND_DELIVERY,
                lines=_gift_lines(lines),
                received_at=timezone.now(),
                actor=actor,
            )
        record = IntakeRecord.objects.create(
            donation=donation, condition=condition, received_by=user, delivered_by=delivered_by, notes=notes
        )
        audit_record(
            actor=actor,
            action="stock.intake_record",
            obj=record,
            data={"gift": donation.reference, "condition": condition, "pledge": pledge is not None},
        )
    return record
