from .allocations import Allocation, AllocationApproval
from .beneficiaries import Beneficiary, BeneficiarySensitive
from .evidence import Evidence
from .goods import AllocationLine, GoodsHandover
from .scholarships import ScholarshipAward, ScholarshipTerm
from .stock import (
    IntakeRecord,
    StockCount,
    StockCountLine,
    StockItem,
    StockLine,
    StockMovement,
    StockRestriction,
    stock_item_key,
)

__all__ = [
    "Allocation",
    "AllocationApproval",
    "AllocationLine",
    "Beneficiary",
    "BeneficiarySensitive",
    "Evidence",
    "GoodsHandover",
    "IntakeRecord",
    "StockCount",
    "StockCountLine",
    "StockItem",
    "StockLine",
    "StockMovement",
    "StockRestriction",
    "ScholarshipAward",
    "ScholarshipTerm",
    "stock_item_key",
]
