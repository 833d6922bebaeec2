from .allocations import Allocation, AllocationApproval
from .beneficiaries import Beneficiary, BeneficiarySensitive
from .scholarships import ScholarshipAward, ScholarshipTerm

__all__ = [
    "Allocation",
    "AllocationApproval",
    "Beneficiary",
    "BeneficiarySensitive",
    "ScholarshipAward",
    "ScholarshipTerm",
]
