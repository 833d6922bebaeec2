from .bank import BankStatement, BankTransaction
from .bank_jobs import BankImportJob, BankImportLine
from .batches import Batch, BatchLine
from .cards import CardPayment, StripeEvent

__all__ = [
    "BankImportJob",
    "BankImportLine",
    "BankStatement",
    "BankTransaction",
    "Batch",
    "BatchLine",
    "CardPayment",
    "StripeEvent",
]
