from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from djmoney.money import Money

from audit.services import audit_record

from .models import Allocation, Beneficiary, BeneficiarySensitive

SENSITIVE_PERMISSION = "care.view_beneficiarysensitive"


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
