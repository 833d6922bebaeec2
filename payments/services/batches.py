"""Cash batches: open one (fund, campaign, event, day, control count and total), enter its gifts,
then post it. Posting records every line as a gift received in cash through fund's services, in
one transaction with the batch row locked, so a batch posts once and all of it or none of it
reaches the ledger. Until then a line is only a line: nothing is in the ledger, no receipt.

A batch whose lines do not add up to its control figures posts only when someone who entered
none of it overrides, saying why (four eyes on a miscount, as OpenPetra and CiviCRM do with gift
batches). Goods collected at an event are a stock intake, never a batch line.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from audit.services import audit_record
from donors.models import Donor
from donors.services import donor_create
from fund.errors import FundError, InvalidAmount, InvalidTransition
from fund.models import Campaign, Donation, Fund
from fund.money import money_display, money_parse
from fund.services import donation_record, received_on_moment
from fund.text import text_clean

from ..errors import PaymentError
from ..models import Batch, BatchLine

POST_PERMISSION = "payments.post_batch"
MAX_LINES = 2000  # a large event's box count, entered over an evening
MAX_COUNT = 100_000
# The donor every anonymous gift from a batch is credited to (a gift needs one): one record, found
# again by this name, never emailed, never named publicly.
ANONYMOUS_DONOR_NAME = "Nhà hảo tâm ẩn danh (tiền mặt)"


class BatchError(PaymentError):
    """A batch step refused; nothing was written."""


def _signed_in(actor: Any) -> Any:
    if not getattr(actor, "is_authenticated", False):
        raise BatchError(_("A batch is entered and posted by people signed in with their own name."))
    return actor


def _locked(batch: Batch) -> Batch:
    return Batch.objects.select_for_update(of=("self",)).select_related("fund", "campaign").get(pk=batch.pk)


def _require_open(batch: Batch) -> None:
    if not batch.is_open:
        raise InvalidTransition(_("Batch %(batch)s is already posted.") % {"batch": batch.pk})


def _campaign_check(fund: Fund, campaign: Campaign | None) -> None:
    if campaign is None:
        return
    if campaign.fund_id != fund.pk:
        raise BatchError({"campaign": _("The campaign %(name)s belongs to another fund.") % {"name": campaign.name}})
    if not campaign.is_active:
        raise BatchError({"campaign": _("The campaign %(name)s is closed.") % {"name": campaign.name}})


def _money(amount: Any, fund: Fund, *, field: str) -> Money:
    """An amount in the batch fund's currency: a line in another currency is refused, not
    converted (cash in a box has no exchange rate; count it separately)."""
    if isinstance(amount, Money) and amount.currency.code != fund.currency:
        raise InvalidAmount(
            {
                field: _("Fund %(fund)s takes %(currency)s; this amount is in %(given)s.")
                % {"fund": fund.code, "currency": fund.currency, "given": amount.currency.code}
            }
        )
    try:
        return money_parse(amount, fund.currency)
    except FundError as exc:
        raise InvalidAmount({field: exc.messages}) from exc


def batch_open(
    *,
    fund: Fund,
    event_name: str,
    collected_on: datetime.date,
    expected_count: int,
    expected_total: Any,
    campaign: Campaign | None = None,
    actor: Any,
) -> Batch:
    """A tally sheet for cash collected on one day, for one fund (and campaign)."""
    user = _signed_in(actor)
    fund = Fund.objects.get(pk=fund.pk)
    if not fund.is_active:
        raise BatchError({"fund": _("Fund %(fund)s is closed to new gifts.") % {"fund": fund.code}})
    _campaign_check(fund, campaign)
    event_name = text_clean(event_name, field="event", max_length=200, required=True)
    if not isinstance(collected_on, datetime.date) or collected_on > timezone.localdate():
        raise BatchError({"collected_on": _("Give the day the money was collected; not a day still to come.")})
    if isinstance(expected_count, bool) or not isinstance(expected_count, int) or not 1 <= expected_count <= MAX_COUNT:
        raise BatchError({"expected_count": _("Give the number of gifts counted, at least 1.")})
    total = _money(expected_total, fund, field="expected_total")
    with transaction.atomic():
        batch = Batch.objects.create(
            fund=fund,
            campaign=campaign,
            event_name=event_name,
            collected_on=collected_on,
            expected_count=expected_count,
            expected_total=total,
            entered_by=user,
        )
        audit_record(
            actor=actor,
            action="batch.open",
            obj=batch,
            data={"fund": fund.code, "expected_count": expected_count, "expected_total": str(total.amount)},
        )
    return batch


def batch_line_add(
    *, batch: Batch, amount: Any, donor: Donor | None = None, receipt_wanted: bool = False, actor: Any
) -> BatchLine:
    """One gift on the sheet: a donor on file, or none for an anonymous gift (which cannot have a
    receipt emailed: there is nobody to send it to)."""
    user = _signed_in(actor)
    if donor is None and receipt_wanted:
        raise BatchError({"receipt_wanted": _("An anonymous gift has nobody to email a receipt to: pick the donor.")})
    if donor is not None and receipt_wanted and not donor.email:
        raise BatchError(
            {"receipt_wanted": _("%(donor)s has no email address on file to send the receipt to.") % {"donor": donor}}
        )
    with transaction.atomic():
        batch = _locked(batch)
        _require_open(batch)
        money = _money(amount, batch.fund, field="amount")
        if batch.lines.count() >= MAX_LINES:
            raise BatchError(_("A batch holds at most %(count)s gifts: open another.") % {"count": MAX_LINES})
        line = BatchLine.objects.create(
            batch=batch, donor=donor, amount=money, receipt_wanted=bool(receipt_wanted), added_by=user
        )
        audit_record(
            actor=actor,
            action="batch.line_add",
            obj=batch,
            data={"line": line.pk, "amount": str(money.amount), "anonymous": donor is None},
        )
    return line


def batch_line_remove(*, line: BatchLine, actor: Any) -> Batch:
    """Take a line written in error off a batch not yet posted."""
    _signed_in(actor)
    with transaction.atomic():
        batch = _locked(line.batch)
        _require_open(batch)
        line = BatchLine.objects.get(pk=line.pk, batch=batch)
        data = {"line": line.pk, "amount": str(line.amount.amount)}
        line.delete()
        audit_record(actor=actor, action="batch.line_remove", obj=batch, data=data)
    return batch


def batch_totals(batch: Batch) -> tuple[int, Money]:
    """(number of lines, their total) as entered so far."""
    totals = batch.lines.aggregate(total=Sum("amount"))
    return batch.lines.count(), Money(totals["total"] or Decimal(0), batch.fund.currency)


def _anonymous_donor(actor: Any) -> Donor:
    found = Donor.objects.filter(kind=Donor.Kind.PERSON, name=ANONYMOUS_DONOR_NAME, email="").order_by("pk").first()
    return found or donor_create(
        kind=Donor.Kind.PERSON,
        name=ANONYMOUS_DONOR_NAME,
        anonymous_by_default=True,
        consent_receipts_by_email=False,
        actor=actor,
    )


def batch_post(*, batch: Batch, override_reason: str = "", actor: Any) -> Batch:
    """Record every line as a cash gift received on the batch's day (receipts follow as for any
    received gift) and close the batch, all in one transaction under the batch's row lock: a
    second post, even a concurrent one, finds it posted and is refused.

    Posts when the lines match the control count and total. A mismatch posts only with
    ``override_reason`` from someone who opened none of the batch and entered none of its
    lines."""
    user = _signed_in(actor)
    if not user.has_perm(POST_PERMISSION):
        raise BatchError(_("Posting a batch needs the fund accountant role."))
    override_reason = text_clean(override_reason, field="reason", max_length=500)
    with transaction.atomic():
        batch = _locked(batch)
        _require_open(batch)
        lines = list(batch.lines.select_related("donor").order_by("pk"))
        if not lines:
            raise BatchError(_("Batch %(batch)s has no gifts entered: nothing to post.") % {"batch": batch.pk})
        count, total = batch_totals(batch)
        matches = count == batch.expected_count and total == batch.expected_total
        if not matches:
            figures = {
                "count": count,
                "total": money_display(total),
                "expected_count": batch.expected_count,
                "expected_total": money_display(batch.expected_total),
            }
            if not override_reason:
                raise BatchError(
                    _(
                        "The lines give %(count)s gifts totalling %(total)s; the batch expects %(expected_count)s "
                        "totalling %(expected_total)s. Correct the lines, or have someone who entered none of "
                        "them post it with a reason."
                    )
                    % figures
                )
            entered = {batch.entered_by_id, *(line.added_by_id for line in lines)}
            if user.pk in entered:
                raise BatchError(
                    {"override_reason": _("You entered this batch: someone else must override its mismatch.")}
                )
        elif override_reason:
            override_reason = ""  # nothing to override: the figures agree
        received_at = received_on_moment(batch.collected_on)
        _campaign_check(batch.fund, batch.campaign)
        anonymous = None
        for line in lines:
            donor = line.donor
            if donor is None:
                anonymous = anonymous or _anonymous_donor(actor)
                donor = anonymous
            line.donation = donation_record(
                fund=batch.fund,
                campaign=batch.campaign,
                donor=donor,
                kind=Donation.Kind.CASH,
                channel=Donation.Channel.CASH,
                amount=line.amount.amount,
                currency=batch.fund.currency,
                is_anonymous=True if line.donor is None else None,
                receipt_by_email=line.receipt_wanted,
                received_at=received_at,
                # The day was fixed when the batch was opened; posted after that day's period
                # closed, the gifts keep it and their postings are dated in the open period.
                late_into_open_period=True,
                actor=actor,
            )
            line.save(update_fields=["donation"])
        batch.status = Batch.Status.POSTED
        batch.posted_at = timezone.now()
        batch.posted_by = user
        batch.override_reason = override_reason
        batch.save(update_fields=["status", "posted_at", "posted_by", "override_reason"])
        audit_record(
            actor=actor,
            action="batch.post",
            obj=batch,
            data={
                "gifts": count,
                "total": str(total.amount),
                "currency": total.currency.code,
                "override": bool(override_reason),
                "reason": override_reason,
            },
        )
    return batch
