from .bank import BankStatement, BankTransaction
from .cards import CardPayment, StripeEvent

__all__ = ["BankStatement", "BankTransaction", "CardPayment", "StripeEvent"]
