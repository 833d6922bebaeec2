"""Every write in the care app goes through these functions (one transaction, one audit entry)."""

from .allocations import (
    allocation_approve,
    allocation_cancel,
    allocation_disburse,
    allocation_propose,
    allocation_reject,
    allocation_reverse,
    allocation_undeliverable,
)
from .beneficiaries import beneficiary_admit
from .discharge import beneficiary_discharge

__all__ = [
    "allocation_approve",
    "allocation_cancel",
    "allocation_disburse",
    "allocation_propose",
    "allocation_reject",
    "allocation_reverse",
    "allocation_undeliverable",
    "beneficiary_admit",
    "beneficiary_discharge",
]
