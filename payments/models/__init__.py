from .bank import BankStatement, BankTransaction
from .batches import Batch, BatchLine
from .cards import CardPayment, StripeEvent

__all__ = ["BankStatement", "BankTransaction", "Batch", "BatchLine", "CardPayment", "StripeEvent"]
