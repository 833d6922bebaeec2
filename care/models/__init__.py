from .allocations import Allocation, AllocationApproval
from .beneficiaries import Beneficiary, BeneficiarySensitive

__all__ = ["Allocation", "AllocationApproval", "Beneficiary", "BeneficiarySensitive"]
