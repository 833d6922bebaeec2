"""Every write in the care app goes through these functions (one transaction, one audit entry)."""

from .beneficiaries import beneficiary_admit

__all__ = ["beneficiary_admit"]
