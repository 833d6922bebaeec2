from .beneficiaries import Beneficiary, BeneficiarySensitive

__all__ = ["Beneficiary", "BeneficiarySensitive"]
