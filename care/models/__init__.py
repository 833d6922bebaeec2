from .allocations import Allocation, AllocationApproval
from .beneficiaries import Beneficiary, BeneficiarySensitive
from .evidence import Evidence

__all__ = ["Allocation", "AllocationApproval", "Beneficiary", "BeneficiarySensitive", "Evidence"]
