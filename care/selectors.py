import hashlib
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import storages
from django.db.models import Count, DecimalField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from djmoney.money import Money

from audit.services import audit_record

from .models import (
    Allocation,
    AllocationLine,
    Beneficiary,
    BeneficiarySensitive,
    Evidence,
    ScholarshipAward,
    StockLine,
    StockMovement,
)

SENSITIVE_PERMISSION = "care.view_beneficiarysensitive"
EVIDENCE_VIEW_PERMISSION = "care.view_evidence"

logger = logging.getLogger(__name__)


class EvidenceDamaged(Exception):
    """The stored file is missing or no longer matches its SHA-256: changed behind our back."""


def beneficiary_sensitive_get(*, actor: Any, beneficiary: Beneficiary, purpose: str = "") -> BeneficiarySensitive:
    """The only way to read a case file's sensitive part: checks the permission and leaves an
    audit entry for every read, allowed or refused."""
    allowed = bool(actor and actor.has_perm(SENSITIVE_PERMISSION))
    audit_record(
        actor=actor,
        action="beneficiary_sensitive.read" if allowed else "beneficiary_sensitive.refused",
        obj=beneficiary,
        data={"purpose": purpose[:200]},
    )
    if not allowed:
        raise PermissionDenied("Viewing sensitive case data needs the case worker role.")
    found = BeneficiarySensitive.objects.filter(beneficiary=beneficiary).first()
    return found or BeneficiarySensitive(beneficiary=beneficiary)


def allocations_committed(*, fund: Any, exclude: Allocation | None = None) -> dict[str, Money]:
    """What the fund has promised and not yet paid: approved allocations, by kind, in the
    fund's currency. Read it under the fund's row lock (fund.services.fund_lock), or another
    approval may commit between this read and the check that uses it."""
    rows = Allocation.objects.filter(fund=fund, status=Allocation.Status.APPROVED)
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    totals = dict(rows.values("kind").annotate(total=Sum("amount")).values_list("kind", "total").order_by())
    return {kind: Money(totals.get(kind) or Decimal("0.00"), fund.currency) for kind in Allocation.Kind.values}


@dataclass(frozen=True)
class SupportReceived:
    """What one person in care was given or awarded, newest first, for their case file."""

    allocations: list[Allocation]
    awards: list[ScholarshipAward]


def beneficiary_support(beneficiary: Beneficiary) -> SupportReceived:
    """Every allocation and scholarship award for the person, in any status, so a case worker
    sees on the case file what was proposed, given, refused or handed back."""
    allocations = (
        Allocation.objects.filter(beneficiary=beneficiary).select_related("fund").order_by("-proposed_at", "-pk")
    )
    awards = (
        ScholarshipAward.objects.filter(beneficiary=beneficiary)
        .select_related("fund")
        .order_by("-year_starts_on", "-pk")
    )
    return SupportReceived(allocations=list(allocations), awards=list(awards))


# --- Stock (docs/decisions/0017-stock.md) -----------------------------------------------------


@dataclass(frozen=True)
class StockLevel:
    """What the log says one fund holds of one item under one restriction."""

    fund_id: int
    item_id: int
    restriction: str
    quantity: Decimal
    value: Money


def stock_levels(*, fund: Any = None, item: Any = None, restriction: str | None = None) -> list[StockLevel]:
    """Quantity and value per fund, item and restriction, summed from the movements (never
    stored). Lines whose movements net to nothing are left out."""
    rows = StockMovement.objects.all()
    if fund is not None:
        rows = rows.filter(fund=fund)
    if item is not None:
        rows = rows.filter(item=item)
    if restriction is not None:
        rows = rows.filter(restriction=restriction)
    totals = (
        rows.values("fund_id", "item_id", "restriction", "value_currency")
        .annotate(quantity=Sum("quantity"), total=Sum("value"))
        .order_by("fund_id", "item_id", "restriction")
    )
    return [
        StockLevel(
            fund_id=row["fund_id"],
            item_id=row["item_id"],
            restriction=row["restriction"],
            quantity=row["quantity"],
            value=Money(row["total"], row["value_currency"]),
        )
        for row in totals
        if row["quantity"] or row["total"]
    ]


def stock_on_hand(*, fund: Any, item: Any, restriction: str) -> tuple[Decimal, Money]:
    """(quantity, value) of one stock line. Read it under the fund's row lock when a write
    depends on it (care.services.stock)."""
    found = stock_levels(fund=fund, item=item, restriction=restriction)
    if not found:
        return Decimal("0"), Money(Decimal("0.00"), fund.currency)
    return found[0].quantity, found[0].value


def stock_reserved(*, fund: Any, exclude: Allocation | None = None) -> dict[tuple[int, str], Decimal]:
    """What approved, not yet issued goods allocations of the fund hold back, by (item id,
    restriction). Read it under the fund's row lock, like allocations_committed."""
    rows = AllocationLine.objects.filter(allocation__fund=fund, allocation__status=Allocation.Status.APPROVED)
    if exclude is not None:
        rows = rows.exclude(allocation=exclude)
    totals = rows.values("item_id", "restriction").annotate(total=Sum("quantity")).order_by()
    return {(row["item_id"], row["restriction"]): row["total"] for row in totals}


def stock_value_by_fund() -> dict[int, Decimal]:
    """The stock log's total value per fund id: check_ledger compares it with the ledger."""
    totals = StockMovement.objects.values("fund_id").annotate(total=Sum("value")).order_by()
    return {row["fund_id"]: row["total"] for row in totals}


def _per_line(rows, field: str):
    """The sum of ``field`` over ``rows`` that belong to the outer stock line, as a subquery."""
    summed = rows.order_by().values("item").annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(summed, output_field=DecimalField(max_digits=20, decimal_places=3)), Decimal(0))


def stock_report(*, fund: Any = None):
    """The stock report: every fund's stock lines with ``quantity``, ``value`` and ``reserved``
    (held back by approved, unissued allocations) summed from the movements. Its value per
    fund is the ledger's goods in stock (check_ledger checks)."""
    line = {"fund": OuterRef("fund"), "item": OuterRef("item"), "restriction": OuterRef("restriction")}
    movements = StockMovement.objects.filter(**line)
    reserved = AllocationLine.objects.filter(
        allocation__fund=OuterRef("fund"),
        item=OuterRef("item"),
        restriction=OuterRef("restriction"),
        allocation__status=Allocation.Status.APPROVED,
    )
    rows = StockLine.objects.select_related("fund", "item").annotate(
        quantity=_per_line(movements, "quantity"),
        value=_per_line(movements, "value"),
        reserved=_per_line(reserved, "quantity"),
    )
    return rows.filter(fund=fund) if fund is not None else rows


def evidence_visible(*, actor: Any, subject: Any) -> list[Evidence] | None:
    """The files attached to ``subject``, oldest first, for those who may open them; None for
    everyone else (who is not told whether there are any)."""
    if not (actor and actor.has_perm(EVIDENCE_VIEW_PERMISSION)):
        return None
    return list(Evidence.objects.about(subject).select_related("uploaded_by", "superseded_by"))


def evidence_open(*, actor: Any, evidence: Evidence) -> File:
    """The only way to read an evidence file: checks the permission, leaves an audit entry for
    every download, allowed or refused, and checks the bytes still match their SHA-256. The
    entry names the file's number, kind and subject, never its name (it may name the child)."""
    allowed = bool(actor and actor.has_perm(EVIDENCE_VIEW_PERMISSION))
    audit_record(
        actor=actor,
        action="evidence.download" if allowed else "evidence.download_refused",
        obj=evidence,
        data={
            "subject": evidence.content_type.model_class()._meta.label_lower,
            "subject_id": evidence.object_id,
            "kind": evidence.kind,
        },
    )
    if not allowed:
        raise PermissionDenied("Opening evidence files needs a role that may see them.")
    storage = storages["evidence"]
    try:
        handle = storage.open(evidence.stored_name, "rb")
    except (FileNotFoundError, OSError) as exc:
        logger.error("Evidence %s: stored file %s is missing", evidence.pk, evidence.stored_name)
        raise EvidenceDamaged(evidence.pk) from exc
    digest = hashlib.sha256()
    for chunk in handle.chunks():
        digest.update(chunk)
    if digest.hexdigest() != evidence.sha256:
        handle.close()
        logger.error("Evidence %s: stored file %s does not match its SHA-256", evidence.pk, evidence.stored_name)
        raise EvidenceDamaged(evidence.pk)
    handle.seek(0)
    return handle


def allocations_awaiting_approval(*, user: Any) -> QuerySet[Allocation]:
    """Proposals this user may approve now: not their own, not already approved by them (the
    second approval above a fund's threshold needs someone else), oldest first."""
    return (
        Allocation.objects.filter(status=Allocation.Status.PROPOSED)
        .exclude(proposed_by=user)
        .exclude(approvals__user=user)
        .select_related("fund")
        .annotate(approval_count=Count("approvals", distinct=True))
        .order_by("proposed_at", "pk")
    )


def allocations_to_disburse() -> QuerySet[Allocation]:
    """Approved allocations not yet paid out or handed over, oldest approval first."""
    return (
        Allocation.objects.filter(status=Allocation.Status.APPROVED)
        .select_related("fund", "beneficiary")
        .order_by("approved_at", "pk")
    )
