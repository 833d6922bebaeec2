"""The account codes of the centre's official chart that our ledger accounts are exported as
(fund.selectors.journal), set by the accountant in the admin.

``account_mappings_default`` fills in a starting point modelled on the chart of accounts for
public-sector units (Circular 24/2024/TT-BTC, which keeps the codes of Circular 107/2017): money
in the bank, in the till and in transit on their own asset accounts, donated goods as materials,
and every gift received and every use of it on the special-purpose funds account, so the official
books see each fund's inflows and outflows. Only the centre's chief accountant can say whether
that is how their books are kept: the codes are meant to be checked and changed.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record

from ..errors import FundError
from ..models import AccountMapping, AccountRole, Fund
from ..text import text_clean

_SPECIAL_FUNDS = ("353", "Các quỹ đặc thù")
DEFAULT_CODES: dict[str, tuple[str, str]] = {
    AccountRole.BANK: ("112", "Tiền gửi Ngân hàng, Kho bạc"),
    AccountRole.CASH_ON_HAND: ("111", "Tiền mặt"),
    AccountRole.CARD_CLEARING: ("113", "Tiền đang chuyển"),
    AccountRole.GOODS_STOCK: ("152", "Nguyên liệu, vật liệu"),
    AccountRole.INCOME_CASH: _SPECIAL_FUNDS,
    AccountRole.INCOME_SCHOLARSHIP: _SPECIAL_FUNDS,
    AccountRole.INCOME_IN_KIND: _SPECIAL_FUNDS,
    AccountRole.INCOME_SUPPLIES: _SPECIAL_FUNDS,
    AccountRole.ALLOCATED_CASH: _SPECIAL_FUNDS,
    AccountRole.ALLOCATED_GOODS: _SPECIAL_FUNDS,
    AccountRole.ALLOCATED_SCHOLARSHIP: _SPECIAL_FUNDS,
    AccountRole.GOODS_LOST: _SPECIAL_FUNDS,
}


def _validated(mapping: AccountMapping) -> AccountMapping:
    mapping.code = text_clean(mapping.code, field="code", max_length=20, required=True)
    mapping.name = text_clean(mapping.name, field="name", max_length=200, required=True)
    try:
        # The uniqueness rules are checked below, in words; Django's would name the constraint.
        mapping.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise FundError(exc.message_dict) from exc
    same = AccountMapping.objects.filter(fund=mapping.fund, role=mapping.role).exclude(pk=mapping.pk)
    if same.exists():
        where = mapping.fund.code if mapping.fund else _("every fund")
        raise FundError(
            {
                "role": _("%(role)s already has a code for %(fund)s: edit that one.")
                % {"role": AccountRole(mapping.role).label, "fund": where}
            }
        )
    return mapping


def account_mapping_create(*, fund: Fund | None, role: str, code: str, name: str, actor: Any = None) -> AccountMapping:
    """Map one of our accounts (a role, in one fund or in every fund) to the centre's account."""
    mapping = _validated(AccountMapping(fund=fund, role=role, code=code, name=name))
    with transaction.atomic():
        mapping.save()
        audit_record(
            actor=actor,
            action="account_mapping.create",
            obj=mapping,
            data={"fund": fund.code if fund else None, "role": role, "code": mapping.code, "name": mapping.name},
        )
    return mapping


def account_mapping_update(*, mapping: AccountMapping, code: str, name: str, actor: Any = None) -> AccountMapping:
    """Change the centre's code or name for an account; which of ours it maps stays. Validated on
    a copy, so a refused change leaves ``mapping`` as it was."""
    stored = AccountMapping.objects.get(pk=mapping.pk)
    candidate = copy.copy(stored)
    candidate.code, candidate.name = code, name
    _validated(candidate)
    changed = {field: [getattr(stored, field), getattr(candidate, field)] for field in ("code", "name")}
    changed = {field: values for field, values in changed.items() if values[0] != values[1]}
    if changed:
        with transaction.atomic():
            candidate.save(update_fields=[*changed, "updated_at"])
            audit_record(actor=actor, action="account_mapping.update", obj=candidate, data=changed)
    mapping.code, mapping.name = candidate.code, candidate.name
    return mapping


def account_mappings_default(*, actor: Any = None) -> list[AccountMapping]:
    """Give every role without a code for every fund the suggested one (DEFAULT_CODES). What the
    accountant has set is never touched, so running it again changes nothing. Returns the rows
    it added."""
    with transaction.atomic():
        present = set(AccountMapping.objects.filter(fund__isnull=True).values_list("role", flat=True))
        added = [
            AccountMapping.objects.create(fund=None, role=role, code=code, name=name)
            for role, (code, name) in DEFAULT_CODES.items()
            if role not in present
        ]
        if added:
            audit_record(
                actor=actor,
                action="account_mapping.default",
                obj=added[0],
                data={"added": {mapping.role: mapping.code for mapping in added}},
            )
    return added
